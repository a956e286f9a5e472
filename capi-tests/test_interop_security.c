/* Interop: the PLAIN (RFC 24) and CURVE (RFC 25/26) mechanisms against
 * the reference libzmq in another process, over tcp://, with either side
 * binding.
 *
 * - CURVE, this side the server (REP) and the peer the client (REQ), and
 *   the other way round; with and without a ZAP handler on the server's
 *   side. PLAIN both ways (its server always has a handler).
 * - Requests are multipart or single, from empty frames to 3 MiB, and
 *   come back byte for byte; whoever receives checks the bytes, and the
 *   server checks that every frame carries the User-Id its handler gave.
 * - The handler (ours: a thread of this test; the peer's: a thread of
 *   the peer, see peer.c) sees the mechanism and credentials the other
 *   library sent: PLAIN user name and password, the CURVE client's
 *   long-term public key.
 * - Failures across the two libraries: a client with the wrong server
 *   key (the server reports ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC), and
 *   a client its server's handler refuses (HANDSHAKE_FAILED_AUTH 400 on
 *   both sides).
 *
 * Keys are made with zmq_curve_keypair of the library under test and
 * handed to the peer on its command line.
 *
 * The PLAIN refusals depend on libzmq's own form of the PLAIN ERROR
 * command (body 5E 'R' 'R' 'O' 'R' 03 "400", not RFC 23's 05 "ERROR" 03
 * "400"; see test_security_plain.c): a PLAIN peer of the reference
 * recognises a refusal only in that form.
 */
#include "interop.h"

static void *ctx;

/* What the client asks (each step numbers its messages from 0, as the
 * peer's "ask" does): {count, size, parts}. */
static const struct
{
    unsigned count;
    size_t size;
    unsigned parts;
} steps[] = {{3, 20, 3},
             {2, 0, 2},
             {2, 9000, 2},
             {1, (3u << 20) + 5, 1},
             {1, 1u << 20, 3},
             {1, 300, 1}};
#define N_STEPS (sizeof steps / sizeof steps[0])

static unsigned total_asks (void)
{
    unsigned i, n = 0;
    for (i = 0; i < N_STEPS; i++)
        n += steps[i].count;
    return n;
}

/* ---- Keys ---- */

struct keypair
{
    char public_z85[41], secret_z85[41];
    unsigned char public_bin[32];
};

static void new_keypair (struct keypair *k)
{
    CHECK_RC (zmq_curve_keypair (k->public_z85, k->secret_z85));
    CHECK_EQ (strlen (k->public_z85), 40);
    CHECK (zmq_z85_decode (k->public_bin, k->public_z85) != NULL);
}

/* ---- Helpers ---- */

/* Receive scripted message index on s, check its bytes and that every
 * frame has User-Id user (or none, if user is NULL), and send it back. */
static void echo_checked_at (void *s, unsigned index, size_t size,
                             unsigned parts, const char *user,
                             const char *file, int line)
{
    zmq_msg_t frames[IP_MAX_FRAMES];
    char why[200];
    int n = ip_recv_frames (s, frames), i;
    if (n < 0)
        tu_fail_errno (file, line, "ip_recv_frames", errno);
    for (i = 0; i < n; i++) {
        const char *got = zmq_msg_gets (&frames[i], "User-Id");
        if (user)
            tu_check_streq (got, user, file, line, "User-Id of a frame");
        else if (got != NULL)
            tu_fail (file, line, "User-Id of a frame", got);
    }
    if (ip_check_frames (frames, n, 0, index, size, parts, NULL, why,
                         sizeof why)
        != 0)
        tu_fail (file, line, "ip_check_frames", why);
    for (i = 0; i < n; i++)
        if (zmq_msg_send (&frames[i], s, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            tu_fail_errno (file, line, "zmq_msg_send", errno);
}
#define ECHO_CHECKED(s, index, size, parts, user)                              \
    echo_checked_at ((s), (index), (size), (parts), (user), __FILE__,         \
                     __LINE__)

/* The peer's "ask" steps for the table above. */
static void ask_script (char *buf, size_t cap)
{
    size_t i, o = 0;
    buf[0] = '\0';
    for (i = 0; i < N_STEPS; i++)
        o += (size_t) snprintf (buf + o, cap - o, "%sask:%u:%zu:%u",
                                i ? "," : "", steps[i].count, steps[i].size,
                                steps[i].parts);
}

enum mech
{
    MECH_CURVE,
    MECH_PLAIN
};

static const char *mech_name (enum mech mech)
{
    return mech == MECH_CURVE ? "CURVE" : "PLAIN";
}

/* ---- One case, either side the server ---- */

/* Every case runs in a fresh context (an inproc endpoint, such as our
 * ZAP handler's, is released only some time after its socket closes) and
 * has keys for the server, the client and a stranger. `sock` is our
 * socket, `events` its monitor, `options` the peer's options. The PLAIN
 * client is always user "admin"; the server lets in password "s3cret". */
struct sec_case
{
    struct keypair server_keys, client_keys, other;
    struct tu_zap_handler h;
    int zap; /* our handler runs */
    struct ip_peer peer;
    char ep[TU_ENDPOINT_MAX], options[400];
    void *sock, *events;
};

static void case_open (struct sec_case *c, const char *what,
                       const struct ip_setup *setup)
{
    IP_CASE (what, setup);
    memset (c, 0, sizeof *c);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&c->server_keys);
    new_keypair (&c->client_keys);
    new_keypair (&c->other);
}

static void case_close (struct sec_case *c)
{
    CLOSE_MONITOR (c->sock, c->events);
    CHECK_RC (zmq_close (c->sock));
    if (c->zap)
        TU_ZAP_STOP (&c->h);
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* Our REP server "ours" for mech. With zap_key, our handler runs (domain
 * "interop", user id "ours-user") and lets in admin/s3cret or the CURVE
 * client whose public key is zap_key. */
static void our_server (struct sec_case *c, enum mech mech,
                        const unsigned char *zap_key)
{
    if (zap_key) {
        tu_zap_init (&c->h);
        c->h.user = "admin";
        c->h.password = "s3cret";
        c->h.key = zap_key;
        c->h.user_id = "ours-user";
        TU_ZAP_START (ctx, &c->h);
        c->zap = 1;
    }
    c->sock = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_setsockopt (c->sock, ZMQ_ROUTING_ID, "ours", 4));
    if (mech == MECH_CURVE) {
        TU_SET_INT (c->sock, ZMQ_CURVE_SERVER, 1);
        CHECK_RC (zmq_setsockopt (c->sock, ZMQ_CURVE_SECRETKEY,
                                  c->server_keys.secret_z85, 41));
    } else
        TU_SET_INT (c->sock, ZMQ_PLAIN_SERVER, 1);
    if (zap_key)
        CHECK_RC (zmq_setsockopt (c->sock, ZMQ_ZAP_DOMAIN, "interop", 7));
    c->events = TU_MONITOR (ctx, c->sock, TU_HANDSHAKE_EVENTS);
}

/* Options of the peer's client: CURVE with the client keys, taking
 * serverkey for the server's public key; PLAIN with password; then
 * extra. */
static void ref_client_options (struct sec_case *c, enum mech mech,
                                const char *serverkey, const char *password,
                                const char *extra)
{
    if (mech == MECH_CURVE)
        snprintf (c->options, sizeof c->options,
                  "serverkey=%s,publickey=%s,secretkey=%s%s", serverkey,
                  c->client_keys.public_z85, c->client_keys.secret_z85,
                  extra);
    else
        snprintf (c->options, sizeof c->options,
                  "plainuser=admin,plainpass=%s%s", password, extra);
}

/* The one request our handler got, from the peer's client. */
static void check_request (struct sec_case *c, enum mech mech,
                           const char *password, struct tu_zap_request *r)
{
    CHECK_EQ (tu_zap_requests (&c->h, r), 1);
    if (mech == MECH_CURVE) {
        CHECK_EQ (r->frames, 7);
        CHECK (tu_zap_frame_is (r, 5, "CURVE"));
        CHECK_EQ (r->len[6], 32);
        CHECK (memcmp (r->data[6], c->client_keys.public_bin, 32) == 0);
    } else {
        CHECK_EQ (r->frames, 8);
        CHECK (tu_zap_frame_is (r, 5, "PLAIN"));
        CHECK (tu_zap_frame_is (r, 6, "admin"));
        CHECK (tu_zap_frame_is (r, 7, password));
    }
}

/* Our REQ client for mech: CURVE with the client keys (as Z85 with its
 * NUL, or with mixed_forms the public key binary and the secret key Z85
 * without NUL), naming serverkey as the server's; PLAIN as admin with
 * password. */
static void our_client (struct sec_case *c, enum mech mech,
                        const char *serverkey, int mixed_forms,
                        const char *password)
{
    c->sock = TU_SOCKET (ctx, ZMQ_REQ);
    if (mech == MECH_CURVE) {
        CHECK_RC (
          zmq_setsockopt (c->sock, ZMQ_CURVE_SERVERKEY, serverkey, 41));
        if (mixed_forms) {
            CHECK_RC (zmq_setsockopt (c->sock, ZMQ_CURVE_PUBLICKEY,
                                      c->client_keys.public_bin, 32));
            CHECK_RC (zmq_setsockopt (c->sock, ZMQ_CURVE_SECRETKEY,
                                      c->client_keys.secret_z85, 40));
        } else {
            CHECK_RC (zmq_setsockopt (c->sock, ZMQ_CURVE_PUBLICKEY,
                                      c->client_keys.public_z85, 41));
            CHECK_RC (zmq_setsockopt (c->sock, ZMQ_CURVE_SECRETKEY,
                                      c->client_keys.secret_z85, 41));
        }
    } else {
        CHECK_RC (zmq_setsockopt (c->sock, ZMQ_PLAIN_USERNAME, "admin", 5));
        CHECK_RC (zmq_setsockopt (c->sock, ZMQ_PLAIN_PASSWORD, password,
                                  strlen (password)));
    }
    c->events = TU_MONITOR (ctx, c->sock, TU_HANDSHAKE_EVENTS);
}

/* Options of the peer's server for mech, then extra. Its handler (domain
 * "interop") lets in the CURVE client whose public key is zapkey (NULL:
 * no handler), or admin/s3cret (PLAIN always has one). */
static void ref_server_options (struct sec_case *c, enum mech mech,
                                const char *zapkey, const char *extra)
{
    if (mech == MECH_CURVE)
        snprintf (c->options, sizeof c->options,
                  "curveserver=1,secretkey=%s%s%s%s",
                  c->server_keys.secret_z85,
                  zapkey ? ",zap=1,zapdomain=interop,zapkey=" : "",
                  zapkey ? zapkey : "", extra);
    else
        snprintf (c->options, sizeof c->options,
                  "plainserver=1,zap=1,zapdomain=interop,zapuser=admin,"
                  "zappass=s3cret%s",
                  extra);
}

/* The line the peer's "zapinfo" prints for our client's request. */
static void zap_line (struct sec_case *c, enum mech mech,
                      const char *password, char *line, size_t cap)
{
    if (mech == MECH_CURVE)
        snprintf (line, cap, "zap 1 interop 127.0.0.1 CURVE %s",
                  c->client_keys.public_z85);
    else
        snprintf (line, cap, "zap 1 interop 127.0.0.1 PLAIN admin %s",
                  password);
}

/* ---- Cases where this side is the server ---- */

/* Our REP server, the peer's REQ client asks. zap: our handler runs. */
static void ours_serves (enum mech mech, int zap, const struct ip_setup *setup)
{
    struct sec_case c;
    struct tu_zap_request r;
    struct tu_event ev;
    char script[256], what[80];
    const char *user = zap ? "ours-user" : NULL;
    size_t i;
    unsigned k;

    snprintf (what, sizeof what, "%s server here, %s, reference client",
              mech_name (mech), zap ? "ZAP handler" : "no ZAP handler");
    case_open (&c, what, setup);
    our_server (&c, mech, zap ? c.client_keys.public_bin : NULL);
    ref_client_options (&c, mech, c.server_keys.public_z85, "s3cret", "");

    ask_script (script, sizeof script);
    IP_PAIR_UP (c.sock, &c.peer, "REQ", setup, script, c.options, c.ep);
    for (i = 0; i < N_STEPS; i++)
        for (k = 0; k < steps[i].count; k++)
            ECHO_CHECKED (c.sock, k, steps[i].size, steps[i].parts, user);
    IP_FINISH (&c.peer);
    EXPECT_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);

    if (zap) {
        check_request (&c, mech, "s3cret", &r);
        CHECK (tu_zap_frame_is (&r, 0, "1.0"));
        CHECK (tu_zap_frame_is (&r, 2, "interop"));
        CHECK (tu_zap_frame_is (&r, 3, "127.0.0.1"));
        CHECK (tu_zap_frame_is (&r, 4, "ours"));
    }
    case_close (&c);
}

/* The peer's CURVE client names the wrong server key: our server cannot
 * open its HELLO, reports the cryptographic error, and never completes a
 * handshake. */
static void ref_client_wrong_server_key (const struct ip_setup *setup)
{
    struct sec_case c;

    case_open (&c, "reference CURVE client with a wrong server key", setup);
    our_server (&c, MECH_CURVE, NULL);
    ref_client_options (&c, MECH_CURVE, c.other.public_z85, NULL, "");
    IP_PAIR_UP (c.sock, &c.peer, "REQ", setup, "wait", c.options, c.ep);
    EXPECT_NEXT_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, NULL);
    EXPECT_NO_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    IP_FINISH (&c.peer);
    case_close (&c);
}

/* The peer's client is refused by our handler (PLAIN: a wrong password;
 * CURVE: a key it does not know): our handler says 400 and both sides
 * report it. */
static void ref_client_refused (enum mech mech, const struct ip_setup *setup)
{
    struct sec_case c;
    struct tu_zap_request r;
    char what[80];

    snprintf (what, sizeof what, "reference %s client refused by our handler",
              mech_name (mech));
    case_open (&c, what, setup);
    our_server (&c, mech, c.other.public_bin);
    ref_client_options (&c, mech, c.server_keys.public_z85, "guess",
                        ",authmon=1");
    IP_PAIR_UP (c.sock, &c.peer, "REQ", setup, "hsevent:0x4000:400",
                c.options, c.ep);
    EXPECT_NEXT_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, NULL);
    IP_FINISH (&c.peer); /* exits 0 only if it saw 400 too */
    check_request (&c, mech, "guess", &r);
    case_close (&c);
}

/* ---- Cases where the peer is the server ---- */

/* The peer's REP server echoes; our REQ client asks. zap: the peer's
 * handler runs. */
static void ours_asks (enum mech mech, int zap, const struct ip_setup *setup)
{
    struct sec_case c;
    struct tu_event ev;
    char script[128], what[80], line[200];
    size_t i;
    unsigned k;

    snprintf (what, sizeof what, "%s client here, reference server, %s",
              mech_name (mech), zap ? "ZAP handler" : "no ZAP handler");
    case_open (&c, what, setup);
    our_client (&c, mech, c.server_keys.public_z85, 1, "s3cret");
    ref_server_options (&c, mech, zap ? c.client_keys.public_z85 : NULL, "");
    zap_line (&c, mech, "s3cret", line, sizeof line);

    if (zap)
        snprintf (script, sizeof script, "echouid:%u:peer-user,zapinfo",
                  total_asks ());
    else
        snprintf (script, sizeof script, "echo:%u", total_asks ());
    IP_PAIR_UP (c.sock, &c.peer, "REP", setup, script, c.options, c.ep);
    for (i = 0; i < N_STEPS; i++)
        for (k = 0; k < steps[i].count; k++) {
            IP_SEND (c.sock, k, steps[i].size, steps[i].parts, NULL, 0);
            IP_RECV (c.sock, k, steps[i].size, steps[i].parts, NULL, 0);
        }
    if (zap)
        IP_EXPECT_LINE (&c.peer, line);
    IP_FINISH (&c.peer);
    EXPECT_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    case_close (&c);
}

/* Our CURVE client names the wrong server key: the peer's server reports
 * the cryptographic error, and our side never completes a handshake. */
static void our_client_wrong_server_key (const struct ip_setup *setup)
{
    struct sec_case c;

    case_open (&c, "our CURVE client with a wrong server key", setup);
    our_client (&c, MECH_CURVE, c.other.public_z85, 0, NULL);
    ref_server_options (&c, MECH_CURVE, NULL, ",authmon=1");
    IP_PAIR_UP (c.sock, &c.peer, "REP", setup, "hsevent:0x2000:0x11000001",
                c.options, c.ep);
    IP_FINISH (&c.peer); /* exits 0 only if it saw the event */
    EXPECT_NO_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    case_close (&c);
}

/* Our client is refused by the peer's handler (CURVE: its key is not the
 * one let in; PLAIN: a wrong password). */
static void our_client_refused (enum mech mech, const struct ip_setup *setup)
{
    struct sec_case c;
    char what[80], line[200];

    snprintf (what, sizeof what,
              "our %s client refused by the reference handler",
              mech_name (mech));
    case_open (&c, what, setup);
    our_client (&c, mech, c.server_keys.public_z85, 0, "guess");
    ref_server_options (&c, mech, c.other.public_z85, ",authmon=1");
    zap_line (&c, mech, "guess", line, sizeof line);
    IP_PAIR_UP (c.sock, &c.peer, "REP", setup, "hsevent:0x4000:400,zapinfo",
                c.options, c.ep);
    EXPECT_NEXT_EVENT (c.events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, NULL);
    IP_EXPECT_LINE (&c.peer, line);
    IP_FINISH (&c.peer);
    case_close (&c);
}

int main (void)
{
    int i;
    /* ip_setups[0] and [1]: tcp, the peer or this side binding. */
    for (i = 0; i < 2; i++) {
        const struct ip_setup *setup = &ip_setups[i];
        ours_serves (MECH_CURVE, 0, setup);
        ours_serves (MECH_CURVE, 1, setup);
        ours_serves (MECH_PLAIN, 1, setup);
        ours_asks (MECH_CURVE, 0, setup);
        ours_asks (MECH_CURVE, 1, setup);
        ours_asks (MECH_PLAIN, 1, setup);
    }
    ref_client_wrong_server_key (&ip_setups[1]);
    our_client_wrong_server_key (&ip_setups[0]);
    ref_client_refused (MECH_CURVE, &ip_setups[1]);
    our_client_refused (MECH_CURVE, &ip_setups[0]);
    ref_client_refused (MECH_PLAIN, &ip_setups[1]);
    our_client_refused (MECH_PLAIN, &ip_setups[0]);
    return 0;
}
