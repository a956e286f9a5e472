/* The wss:// transport: ZWS 2.0 over TLS, with the DRAFT options
 * ZMQ_WSS_CERT_PEM and ZMQ_WSS_KEY_PEM (server), ZMQ_WSS_TRUST_PEM and
 * ZMQ_WSS_HOSTNAME (client). Certificates: wss_certs.h.
 *
 * Man pages: zmq_ws(7) (master), zmq_setsockopt(3) (master),
 * zmq_socket_monitor(3).
 *
 * Reference behaviours pinned here (libzmq master 6b708e4a, built with
 * drafts, WebSocket and GnuTLS):
 * - The bound endpoint is wss://127.0.0.1:PORT/path ("/" without a
 *   path). A good connection reports HANDSHAKE_SUCCEEDED twice on each
 *   side, as ws:// does (upgrade, then mechanism); the TLS handshake has
 *   no event of its own.
 * - The client checks the server's chain against ZMQ_WSS_TRUST_PEM and,
 *   when ZMQ_WSS_HOSTNAME is set, the name; without ZMQ_WSS_HOSTNAME only
 *   the chain is checked.
 * - A wrong hostname, a server certificate no trusted CA signed, or no
 *   trust at all: nothing is delivered; the client sees CONNECTED,
 *   HANDSHAKE_FAILED_NO_DETAIL, DISCONNECTED, CONNECT_RETRIED and tries
 *   again and again; the server ACCEPTED, HANDSHAKE_FAILED_NO_DETAIL,
 *   DISCONNECTED each time. (The errno values they carry are incidental:
 *   EAGAIN on the client, ECONNRESET on the server; not checked.)
 * - A ws:// client to a wss:// server: the same events on both sides
 *   (the server's TLS handshake fails), nothing delivered, and the
 *   server never answers in clear text.
 * - A wss:// client to a ws:// server: the client as above; the server
 *   sees a bad upgrade: ACCEPTED, HANDSHAKE_FAILED_PROTOCOL
 *   (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED), DISCONNECTED.
 *
 * The test skips itself (exit 77, a SKIP line) when the library has no
 * wss:// (zmq_has "wss" or, as libzmq master spells it, "WSS").
 */
#define ZMQ_BUILD_DRAFT_API
#include <signal.h>
#include "testutil.h"
#include "zmtp_raw.h"
#include "ws_raw.h"
#include "wss_certs.h"

static void *ctx;

static void set_str (void *s, int option, const char *value)
{
    CHECK_RC (zmq_setsockopt (s, option, value, strlen (value)));
}

/* A socket of type t bound to spec with the server certificate. */
static void *wss_server (int type, const char *spec, char *ep)
{
    void *s = TU_SOCKET (ctx, type);
    set_str (s, ZMQ_WSS_CERT_PEM, wss_server_cert_pem);
    set_str (s, ZMQ_WSS_KEY_PEM, wss_server_key_pem);
    BIND_ANY (s, spec, ep);
    return s;
}

/* A client of type t trusting trust (NULL: nothing) and expecting
 * hostname (NULL: not set). */
static void *wss_client (int type, const char *trust, const char *hostname)
{
    void *s = TU_SOCKET (ctx, type);
    if (trust)
        set_str (s, ZMQ_WSS_TRUST_PEM, trust);
    if (hostname)
        set_str (s, ZMQ_WSS_HOSTNAME, hostname);
    return s;
}

/* "wss://127.0.0.1:" then a port then exactly path. */
static void check_wss_endpoint (const char *ep, const char *path)
{
    const char *prefix = "wss://127.0.0.1:";
    size_t pl = strlen (prefix);
    char *end = NULL;
    long port;
    CHECK (strncmp (ep, prefix, pl) == 0);
    port = strtol (ep + pl, &end, 10);
    CHECK (port > 0 && port < 65536);
    CHECK_STREQ (end, path);
}

static void test_roundtrip (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *b = wss_server (ZMQ_REP, "wss://127.0.0.1:*/secure", ep);
    void *c = wss_client (ZMQ_REQ, wss_ca_pem, "server.zmq.test");
    void *bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    void *cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    check_wss_endpoint (ep, "/secure");
    CHECK_RC (zmq_connect (c, ep));

    SEND_STR (c, "over", ZMQ_SNDMORE);
    SEND_STR (c, "tls", 0);
    RECV_STR (b, "over");
    CHECK_MORE (b);
    RECV_STR (b, "tls");
    CHECK_LAST (b);
    SEND_FILLED (b, 70000, 7, 0);
    RECV_FILLED (c, 70000, 7);
    SEND_FILLED (c, 1u << 20, 8, 0);
    RECV_FILLED (b, 1u << 20, 8);
    SEND_STR (b, "done", 0);
    RECV_STR (c, "done");

    EXPECT_EVENT (cm, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, NULL);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
}

static void test_without_path_or_hostname (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *b = wss_server (ZMQ_PAIR, "wss://127.0.0.1:*", ep);
    /* No ZMQ_WSS_HOSTNAME: the chain is checked, not the name. */
    void *c = wss_client (ZMQ_PAIR, wss_ca_pem, NULL);
    check_wss_endpoint (ep, "/");
    CHECK_RC (zmq_connect (c, ep));
    BOUNCE (c, b);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
}

/* The client's events of a failed TLS handshake, then its retry. */
static void expect_client_tls_failure (void *cm)
{
    EXPECT_EVENT (cm, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                       TU_ANY_VALUE, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_CONNECT_RETRIED, TU_ANY_VALUE, NULL);
    /* And it fails the same way again. */
    EXPECT_EVENT (cm, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                       TU_ANY_VALUE, NULL);
}

/* A client that must not get through to a wss server. */
static void check_refused_client (const char *what, const char *trust,
                                  const char *hostname)
{
    char ep[TU_ENDPOINT_MAX];
    void *b = wss_server (ZMQ_PULL, "wss://127.0.0.1:*/secure", ep);
    void *c = wss_client (ZMQ_PUSH, trust, hostname);
    void *bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    void *cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    printf ("test_wss: refused: %s\n", what);
    CHECK_RC (zmq_connect (c, ep));
    CHECK_EQ (zmq_send (c, "secret", 6, ZMQ_DONTWAIT), 6);
    expect_client_tls_failure (cm);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                       TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, ep);
    EXPECT_NOTHING_WITHIN (b, 200);
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
}

static void test_refused_certificates (void)
{
    check_refused_client ("wrong hostname", wss_ca_pem, "other.zmq.test");
    check_refused_client ("certificate from an untrusted CA",
                          wss_other_ca_pem, "server.zmq.test");
    check_refused_client ("nothing trusted", NULL, "server.zmq.test");
}

/* ws:// to a wss:// server: refused, and no clear text from the server. */
static void test_plain_client_to_wss (void)
{
    char ep[TU_ENDPOINT_MAX], plain[TU_ENDPOINT_MAX];
    void *b = wss_server (ZMQ_PULL, "wss://127.0.0.1:*/secure", ep);
    void *c = TU_SOCKET (ctx, ZMQ_PUSH);
    void *bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    void *cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    int fd;
    snprintf (plain, sizeof plain, "ws://%s", ep + strlen ("wss://"));
    CHECK_RC (zmq_connect (c, plain));
    CHECK_EQ (zmq_send (c, "clear", 5, ZMQ_DONTWAIT), 5);
    expect_client_tls_failure (cm);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                       TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, ep);
    EXPECT_NOTHING_WITHIN (b, 200);
    CLOSE_MONITOR (c, cm);
    CHECK_RC (zmq_close (c));

    /* By hand: whatever the server writes to a clear-text upgrade, it is
     * not an HTTP answer, and the connection ends. */
    fd = WS_RAW_CONNECT (ep);
    ws_send_upgrade (fd, "/secure", "ZWS2.0/NULL");
    {
        unsigned char got[5] = {0};
        size_t have = 0;
        long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
        for (;;) {
            struct pollfd p;
            ssize_t n;
            p.fd = fd;
            p.events = POLLIN;
            p.revents = 0;
            CHECK (tu_now_ms () < deadline);
            if (poll (&p, 1, 10) != 1)
                continue;
            n = read (fd, got + have, have < sizeof got ? sizeof got - have
                                                        : 0);
            if (n <= 0 || have + (size_t) n >= sizeof got) {
                if (n > 0)
                    have += (size_t) n;
                break;
            }
            have += (size_t) n;
        }
        CHECK (have < 5 || memcmp (got, "HTTP/", 5) != 0);
    }
    raw_expect_closed (fd);
    CHECK_RC (close (fd));
    CLOSE_MONITOR (b, bm);
    CHECK_RC (zmq_close (b));
}

/* wss:// to a ws:// server: the server sees a bad upgrade. */
static void test_wss_client_to_plain (void)
{
    char ep[TU_ENDPOINT_MAX], secure[TU_ENDPOINT_MAX + 1];
    void *b = TU_SOCKET (ctx, ZMQ_PULL);
    void *c = wss_client (ZMQ_PUSH, wss_ca_pem, "server.zmq.test");
    void *bm, *cm;
    BIND_ANY (b, "ws://127.0.0.1:*/clear", ep);
    bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    snprintf (secure, sizeof secure, "wss://%s", ep + strlen ("ws://"));
    CHECK_RC (zmq_connect (c, secure));
    CHECK_EQ (zmq_send (c, "lost", 4, ZMQ_DONTWAIT), 4);
    expect_client_tls_failure (cm);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, ep);
    EXPECT_NOTHING_WITHIN (b, 200);
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
}

int main (void)
{
    /* A raw peer writes to connections the server closes: EPIPE, not
     * SIGPIPE. */
    signal (SIGPIPE, SIG_IGN);
    setvbuf (stdout, NULL, _IONBF, 0);
    /* libzmq master answers only to "WSS"; "wss" is asked too. */
    if (!zmq_has ("wss") && !zmq_has ("WSS")) {
        printf ("SKIP test_wss: this libzmq has no wss:// transport\n");
        return 77;
    }
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_roundtrip ();
    test_without_path_or_hostname ();
    test_refused_certificates ();
    test_plain_client_to_wss ();
    test_wss_client_to_plain ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
