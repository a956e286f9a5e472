/* The ws:// transport (ZWS 2.0: ZMTP over WebSocket, RFC 6455), between
 * zmq sockets and against a peer spoken by hand over plain TCP.
 *
 * Man pages: zmq_ws(7) (master), zmq_bind(3), zmq_connect(3),
 * zmq_socket_monitor(3), zmq_setsockopt(3) (ZMQ_MAXMSGSIZE).
 *
 * Reference behaviours pinned here (libzmq master 6b708e4a, built with
 * drafts and WebSocket):
 * - Endpoints: ws://host:port[/path]; the port may be "*". The bound
 *   endpoint (ZMQ_LAST_ENDPOINT) is ws://127.0.0.1:PORT/path, or with a
 *   path of "/" when none was given. A missing port, or "*" on connect,
 *   is EINVAL. The server does not look at the path a client asks for.
 * - Every socket type may bind and connect over ws; the ZMTP socket-type
 *   check then refuses bad pairings (PUSH to PUSH, anything to STREAM):
 *   the connecting side sees CONNECTED, HANDSHAKE_SUCCEEDED (the
 *   upgrade), DISCONNECTED and does not reconnect; the binding side
 *   ACCEPTED, HANDSHAKE_SUCCEEDED, HANDSHAKE_FAILED_NO_DETAIL,
 *   DISCONNECTED. Nothing is delivered.
 * - A good connection reports HANDSHAKE_SUCCEEDED twice on each side:
 *   once for the HTTP upgrade, once for the ZMTP mechanism.
 * - The upgrade (server side): a request that is not "GET <path>
 *   HTTP/1.1" with "Upgrade: websocket", "Connection: ...Upgrade...", a
 *   Sec-WebSocket-Key and a Sec-WebSocket-Protocol naming one the socket
 *   accepts ("ZWS2.0/<its mechanism>", or "ZWS2.0" for NULL) gets no
 *   answer at all: the connection is closed, and the monitor reports
 *   HANDSHAKE_FAILED_PROTOCOL (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED) then
 *   DISCONNECTED. Sec-WebSocket-Version and Host are not checked. Header
 *   names and the words "websocket" and "upgrade" are case-insensitive,
 *   and lists are searched. The answer is "HTTP/1.1 101 Switching
 *   Protocols" with Upgrade, Connection, Sec-WebSocket-Accept and
 *   Sec-WebSocket-Protocol (the first offered protocol it accepts).
 * - The upgrade (client side): "GET <path> HTTP/1.1", Host (the host
 *   without port), Upgrade, Connection, a fresh 16-byte base64 key,
 *   Sec-WebSocket-Protocol "ZWS2.0/NULL,ZWS2.0" (NULL) or
 *   "ZWS2.0/PLAIN" / "ZWS2.0/CURVE", Sec-WebSocket-Version 13. An answer
 *   other than 101 fails with HANDSHAKE_FAILED_PROTOCOL
 *   (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED), DISCONNECTED, and no reconnect.
 * - Framing: one ZMTP frame or command per binary WebSocket message:
 *   a flags byte (1 MORE, 2 COMMAND) then the body; no ZMTP greeting.
 *   With "ZWS2.0" (no mechanism) each side first sends its routing id as
 *   a message. Clients mask, servers do not. The server uses the 7-bit,
 *   16-bit and 64-bit length forms as RFC 6455 says, and accepts a longer
 *   form than needed. A WebSocket ping is answered with an empty pong;
 *   other flag bits and RSV bits are ignored.
 * - Frames it cannot take: an unmasked frame from a client, a masked one
 *   from a server, a non-final frame, a text or continuation frame and an
 *   empty binary frame (no flags byte): nothing from it or after it is
 *   delivered (libzmq master then stops reading the connection without
 *   closing it; RFC 6455 asks for the connection to be failed, and
 *   either is accepted here).
 * - ZMQ_MAXMSGSIZE counts the body without the flags byte; a larger
 *   frame closes the connection as soon as its header is in (DISCONNECTED,
 *   nothing delivered). A truncated frame and then end of file: nothing
 *   partial is delivered, DISCONNECTED.
 * - PLAIN (with a ZAP handler) and CURVE work over ws; a refused
 *   password gives HANDSHAKE_FAILED_AUTH (400) on both sides; a NULL
 *   client and a PLAIN server share no subprotocol
 *   (HANDSHAKE_FAILED_PROTOCOL on the server); a wrong CURVE server key
 *   gives HANDSHAKE_FAILED_PROTOCOL (ZMTP_CRYPTOGRAPHIC) on the server.
 *
 * The test skips itself (exit 77, a SKIP line) when the library has no
 * ws:// (zmq_has "ws" or, as libzmq master spells it, "WS").
 */
#define ZMQ_BUILD_DRAFT_API
#include <signal.h>
#include "testutil.h"
#include "zmtp_raw.h"
#include "ws_raw.h"

/* DRAFT functions, weak so that the program still links against a
 * library without them (it then skips before calling them). */
#pragma weak zmq_msg_set_routing_id
#pragma weak zmq_msg_routing_id
#pragma weak zmq_msg_set_group
#pragma weak zmq_msg_group
#pragma weak zmq_join
#pragma weak zmq_connect_peer

static void *ctx;

/* Set by capi-tests/run.sh --reference, whose Debian libzmq 4.3.4 has ws://
 * (as zmq_has ("WS")) from before two master fixes: it truncates a
 * connect path to its last segment and wants "Connection: Upgrade"
 * alone. Those two are then reported, not asserted. */
static int reference;

/* Bound b (of type bt) on spec and c (ct) connected to it. */
static void ws_pair (int bt, int ct, const char *spec, void **b, void **c,
                     char *ep)
{
    *b = TU_SOCKET (ctx, bt);
    *c = TU_SOCKET (ctx, ct);
    BIND_ANY (*b, spec, ep);
    CHECK_RC (zmq_connect (*c, ep));
}

static void close_pair (void *b, void *c)
{
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
}

/* "ws://127.0.0.1:" then a port then exactly `path`. */
static void check_ws_endpoint (const char *ep, const char *path)
{
    const char *prefix = "ws://127.0.0.1:";
    size_t pl = strlen (prefix);
    char *end = NULL;
    long port;
    CHECK (strncmp (ep, prefix, pl) == 0);
    port = strtol (ep + pl, &end, 10);
    CHECK (port > 0 && port < 65536);
    CHECK_STREQ (end, path);
}

/* ---- Endpoints ---- */

static void test_endpoints (void)
{
    char ep[TU_ENDPOINT_MAX], other[TU_ENDPOINT_MAX + 16];
    void *rep, *req;

    /* With a path. */
    ws_pair (ZMQ_REP, ZMQ_REQ, "ws://127.0.0.1:*/roundtrip", &rep, &req, ep);
    check_ws_endpoint (ep, "/roundtrip");
    SEND_STR (req, "ping", 0);
    RECV_STR (rep, "ping");
    SEND_STR (rep, "pong", 0);
    RECV_STR (req, "pong");
    close_pair (rep, req);

    /* Without one: the path is "/". */
    ws_pair (ZMQ_REP, ZMQ_REQ, "ws://127.0.0.1:*", &rep, &req, ep);
    check_ws_endpoint (ep, "/");
    SEND_STR (req, "ping", 0);
    RECV_STR (rep, "ping");
    close_pair (rep, req);

    /* A client asking for another path on the same port still gets in. */
    rep = TU_SOCKET (ctx, ZMQ_REP);
    req = TU_SOCKET (ctx, ZMQ_REQ);
    BIND_ANY (rep, "ws://127.0.0.1:*/here", ep);
    snprintf (other, sizeof other, "ws://127.0.0.1:%d/elsewhere",
              ws_endpoint_port (ep));
    CHECK_RC (zmq_connect (req, other));
    SEND_STR (req, "ping", 0);
    RECV_STR (rep, "ping");
    close_pair (rep, req);

    /* The wildcard address. */
    rep = TU_SOCKET (ctx, ZMQ_REP);
    BIND_ANY (rep, "ws://*:*/any", ep);
    CHECK (strncmp (ep, "ws://0.0.0.0:", 13) == 0);
    CHECK (ws_endpoint_port (ep) > 0);
    CHECK (strcmp (ep + strlen (ep) - 4, "/any") == 0);

    /* No port, or a wildcard one where a real one is needed. */
    CHECK_ERRNO (zmq_bind (rep, "ws://127.0.0.1"), EINVAL);
    CHECK_ERRNO (zmq_connect (rep, "ws://127.0.0.1"), EINVAL);
    CHECK_ERRNO (zmq_connect (rep, "ws://127.0.0.1:*"), EINVAL);
    CHECK_RC (zmq_close (rep));
}

/* ---- Socket-type pairings ---- */

/* Publish probe until sub has one (its subscription or join has reached
 * the publisher), bounded; the ones sent before were filtered out. */
static void await_probe (void *pub, void *sub, const char *probe,
                         const char *group)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    for (;;) {
        if (group) {
            zmq_msg_t m;
            CHECK_RC (zmq_msg_init_size (&m, strlen (probe)));
            memcpy (zmq_msg_data (&m), probe, strlen (probe));
            CHECK_RC (zmq_msg_set_group (&m, group));
            CHECK_RC (zmq_msg_send (&m, pub, 0));
        } else
            SEND_STR (pub, probe, 0);
        if (tu_poll_in (sub, 20))
            break;
        CHECK (tu_now_ms () < deadline);
    }
    RECV_STR (sub, probe);
}

static void test_classic_pairings (void)
{
    char ep[TU_ENDPOINT_MAX], id[16];
    void *b, *c;

    /* REQ/REP, in both binding roles. */
    ws_pair (ZMQ_REP, ZMQ_REQ, "ws://127.0.0.1:*/reqrep", &b, &c, ep);
    SEND_STR (c, "question", 0);
    RECV_STR (b, "question");
    SEND_STR (b, "answer", 0);
    RECV_STR (c, "answer");
    close_pair (b, c);
    ws_pair (ZMQ_REQ, ZMQ_REP, "ws://127.0.0.1:*/reqrep", &b, &c, ep);
    SEND_STR (b, "question", 0);
    RECV_STR (c, "question");
    SEND_STR (c, "answer", 0);
    RECV_STR (b, "answer");
    close_pair (b, c);

    /* DEALER/ROUTER: the dealer's routing id travels in READY. */
    b = TU_SOCKET (ctx, ZMQ_ROUTER);
    c = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (c, ZMQ_ROUTING_ID, "D1", 2));
    BIND_ANY (b, "ws://127.0.0.1:*/router", ep);
    CHECK_RC (zmq_connect (c, ep));
    SEND_STR (c, "a", ZMQ_SNDMORE);
    SEND_STR (c, "", ZMQ_SNDMORE);
    SEND_STR (c, "b", 0);
    CHECK_EQ (RECV_FRAME (b, id, sizeof id), 2);
    CHECK (memcmp (id, "D1", 2) == 0);
    CHECK_MORE (b);
    RECV_STR (b, "a");
    CHECK_MORE (b);
    RECV_STR (b, "");
    CHECK_MORE (b);
    RECV_STR (b, "b");
    CHECK_LAST (b);
    SEND_BYTES (b, "D1", 2, ZMQ_SNDMORE);
    SEND_STR (b, "reply", 0);
    RECV_STR (c, "reply");
    CHECK_LAST (c);
    close_pair (b, c);

    /* DEALER bound, ROUTER connecting. */
    ws_pair (ZMQ_DEALER, ZMQ_ROUTER, "ws://127.0.0.1:*", &b, &c, ep);
    SEND_STR (b, "hello", 0);
    CHECK (RECV_FRAME (c, id, sizeof id) > 0);
    CHECK_MORE (c);
    RECV_STR (c, "hello");
    close_pair (b, c);

    /* PUB/SUB: only the subscribed topic arrives. */
    b = TU_SOCKET (ctx, ZMQ_PUB);
    c = TU_SOCKET (ctx, ZMQ_SUB);
    SUBSCRIBE (c, "t.");
    BIND_ANY (b, "ws://127.0.0.1:*/pubsub", ep);
    CHECK_RC (zmq_connect (c, ep));
    await_probe (b, c, "t.probe", NULL);
    SEND_STR (b, "x.filtered", 0);
    SEND_STR (b, "t.kept", 0);
    RECV_STR (c, "t.kept");
    close_pair (b, c);

    /* XPUB/XSUB: (un)subscriptions arrive as messages. */
    ws_pair (ZMQ_XPUB, ZMQ_XSUB, "ws://127.0.0.1:*/xpub", &b, &c, ep);
    SEND_NOTIFICATION (c, 1, "topic", 0);
    RECV_NOTIFICATION (b, 1, "topic");
    SEND_STR (b, "topic-data", 0);
    RECV_STR (c, "topic-data");
    SEND_NOTIFICATION (c, 0, "topic", 0);
    RECV_NOTIFICATION (b, 0, "topic");
    close_pair (b, c);

    /* PUSH/PULL, both binding roles (server to client is unmasked). */
    ws_pair (ZMQ_PULL, ZMQ_PUSH, "ws://127.0.0.1:*/pipe", &b, &c, ep);
    SEND_STR (c, "one", 0);
    SEND_STR (c, "two", 0);
    RECV_STR (b, "one");
    RECV_STR (b, "two");
    close_pair (b, c);
    ws_pair (ZMQ_PUSH, ZMQ_PULL, "ws://127.0.0.1:*/pipe", &b, &c, ep);
    SEND_STR (b, "one", 0);
    RECV_STR (c, "one");
    close_pair (b, c);

    /* PAIR. */
    ws_pair (ZMQ_PAIR, ZMQ_PAIR, "ws://127.0.0.1:*/pair", &b, &c, ep);
    BOUNCE (c, b);
    BOUNCE (b, c);
    close_pair (b, c);
}

static void test_draft_pairings (void)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    uint32_t id;
    void *b, *c;

    /* CLIENT/SERVER. */
    ws_pair (ZMQ_SERVER, ZMQ_CLIENT, "ws://127.0.0.1:*/cs", &b, &c, ep);
    SEND_STR (c, "request", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, b, 0), 7);
    CHECK (memcmp (zmq_msg_data (&msg), "request", 7) == 0);
    id = zmq_msg_routing_id (&msg);
    CHECK (id != 0);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_msg_init_size (&msg, 5));
    memcpy (zmq_msg_data (&msg), "reply", 5);
    CHECK_RC (zmq_msg_set_routing_id (&msg, id));
    CHECK_EQ (zmq_msg_send (&msg, b, 0), 5);
    RECV_STR (c, "reply");
    close_pair (b, c);

    /* RADIO/DISH: only the joined group, with its name. */
    ws_pair (ZMQ_RADIO, ZMQ_DISH, "ws://127.0.0.1:*/radio", &b, &c, ep);
    CHECK_RC (zmq_join (c, "tv"));
    await_probe (b, c, "probe", "tv");
    CHECK_RC (zmq_msg_init_size (&msg, 5));
    memcpy (zmq_msg_data (&msg), "other", 5);
    CHECK_RC (zmq_msg_set_group (&msg, "radio"));
    CHECK_RC (zmq_msg_send (&msg, b, 0));
    CHECK_RC (zmq_msg_init_size (&msg, 4));
    memcpy (zmq_msg_data (&msg), "show", 4);
    CHECK_RC (zmq_msg_set_group (&msg, "tv"));
    CHECK_RC (zmq_msg_send (&msg, b, 0));
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, c, 0), 4);
    CHECK (memcmp (zmq_msg_data (&msg), "show", 4) == 0);
    CHECK_STREQ (zmq_msg_group (&msg), "tv");
    CHECK_RC (zmq_msg_close (&msg));
    close_pair (b, c);

    /* SCATTER/GATHER. */
    ws_pair (ZMQ_GATHER, ZMQ_SCATTER, "ws://127.0.0.1:*/sg", &b, &c, ep);
    SEND_STR (c, "work", 0);
    RECV_STR (b, "work");
    close_pair (b, c);

    /* CHANNEL. */
    ws_pair (ZMQ_CHANNEL, ZMQ_CHANNEL, "ws://127.0.0.1:*/ch", &b, &c, ep);
    SEND_STR (c, "there", 0);
    RECV_STR (b, "there");
    SEND_STR (b, "back", 0);
    RECV_STR (c, "back");
    close_pair (b, c);

    /* PEER, through zmq_connect_peer. */
    b = TU_SOCKET (ctx, ZMQ_PEER);
    c = TU_SOCKET (ctx, ZMQ_PEER);
    BIND_ANY (b, "ws://127.0.0.1:*/peer", ep);
    id = zmq_connect_peer (c, ep);
    CHECK (id != 0);
    CHECK_RC (zmq_msg_init_size (&msg, 4));
    memcpy (zmq_msg_data (&msg), "peer", 4);
    CHECK_RC (zmq_msg_set_routing_id (&msg, id));
    CHECK_EQ (zmq_msg_send (&msg, c, 0), 4);
    RECV_STR (b, "peer");
    close_pair (b, c);
}

/* A pairing the ZMTP socket-type check refuses: the events of both sides
 * (see the header), nothing delivered, no reconnect. */
static void check_refused (int bt, int ct)
{
    char ep[TU_ENDPOINT_MAX];
    void *b = TU_SOCKET (ctx, bt), *c = TU_SOCKET (ctx, ct), *bm, *cm;
    TU_SET_INT (c, ZMQ_RECONNECT_IVL, 50);
    BIND_ANY (b, "ws://127.0.0.1:*/refused", ep);
    bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    if (ct != ZMQ_PULL && ct != ZMQ_SUB && ct != ZMQ_STREAM)
        CHECK_EQ (zmq_send (c, "x", 1, ZMQ_DONTWAIT), 1);
    EXPECT_EVENT (cm, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, NULL);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                       TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, ep);
    EXPECT_NO_EVENT (cm, ZMQ_EVENT_CONNECT_RETRIED, 300);
    if (bt != ZMQ_PUSH)
        EXPECT_NOTHING (b);
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    close_pair (b, c);
}

static void test_refused_pairings (void)
{
    check_refused (ZMQ_PUSH, ZMQ_PUSH);
    check_refused (ZMQ_STREAM, ZMQ_DEALER);
    check_refused (ZMQ_DEALER, ZMQ_STREAM);
}

/* ---- Events, multipart, sizes ---- */

static void test_handshake_events (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *b = TU_SOCKET (ctx, ZMQ_PULL), *c = TU_SOCKET (ctx, ZMQ_PUSH), *bm,
         *cm;
    BIND_ANY (b, "ws://127.0.0.1:*/events", ep);
    bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    cm = TU_MONITOR (ctx, c, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    EXPECT_EVENT (cm, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    EXPECT_NEXT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    EXPECT_NEXT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    SEND_STR (c, "after", 0);
    RECV_STR (b, "after");
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    close_pair (b, c);
}

static void test_multipart (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *b, *c;
    int i;
    ws_pair (ZMQ_PAIR, ZMQ_PAIR, "ws://127.0.0.1:*/multi", &b, &c, ep);
    for (i = 0; i < 2; i++) {
        void *from = i ? b : c, *to = i ? c : b;
        SEND_STR (from, "first", ZMQ_SNDMORE);
        SEND_STR (from, "", ZMQ_SNDMORE);
        SEND_FILLED (from, 300, 4, ZMQ_SNDMORE);
        SEND_STR (from, "last", 0);
        SEND_STR (from, "single", 0);
        RECV_STR (to, "first");
        CHECK_MORE (to);
        RECV_STR (to, "");
        CHECK_MORE (to);
        RECV_FILLED (to, 300, 4);
        CHECK_MORE (to);
        RECV_STR (to, "last");
        CHECK_LAST (to);
        RECV_STR (to, "single");
        CHECK_LAST (to);
    }
    close_pair (b, c);
}

/* Bodies around each length-form boundary (payload = body + 1), 70000
 * bytes (64-bit form) and 1 MiB, each way. */
static const size_t sizes[] = {0,     1,     124,    125,    255,     256,
                               65533, 65534, 65535,  70000,  1u << 20};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

static void test_large_messages (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *b, *c;
    size_t i;
    ws_pair (ZMQ_PAIR, ZMQ_PAIR, "ws://127.0.0.1:*/large", &b, &c, ep);
    for (i = 0; i < N_SIZES; i++) {
        SEND_FILLED (c, sizes[i], (unsigned) i, 0);
        RECV_FILLED (b, sizes[i], (unsigned) i);
        SEND_FILLED (b, sizes[i], (unsigned) i + 50, 0);
        RECV_FILLED (c, sizes[i], (unsigned) i + 50);
    }
    close_pair (b, c);
}

/* ZMQ_MAXMSGSIZE between two sockets: a body at the limit passes, one
 * byte more drops the connection with nothing delivered. */
static void test_maxmsgsize (void)
{
    char ep[TU_ENDPOINT_MAX];
    int64_t limit = 1000;
    void *b = TU_SOCKET (ctx, ZMQ_PULL), *c = TU_SOCKET (ctx, ZMQ_PUSH), *bm;
    CHECK_RC (zmq_setsockopt (b, ZMQ_MAXMSGSIZE, &limit, sizeof limit));
    BIND_ANY (b, "ws://127.0.0.1:*/max", ep);
    bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    SEND_FILLED (c, 1000, 1, 0);
    RECV_FILLED (b, 1000, 1);
    SEND_FILLED (c, 1001, 2, 0);
    EXPECT_EVENT (bm, ZMQ_EVENT_DISCONNECTED, NULL);
    EXPECT_NOTHING (b);
    CLOSE_MONITOR (b, bm);
    close_pair (b, c);
}

/* ---- Security mechanisms ---- */

static void test_plain (void)
{
    struct tu_zap_handler zap;
    char ep[TU_ENDPOINT_MAX];
    void *zctx = CHECK_PTR (zmq_ctx_new ()), *b, *c, *bm, *cm;
    tu_zap_init (&zap);
    zap.user = "admin";
    zap.password = "secret";
    TU_ZAP_START (zctx, &zap);

    b = TU_SOCKET (zctx, ZMQ_PULL);
    c = TU_SOCKET (zctx, ZMQ_PUSH);
    TU_SET_INT (b, ZMQ_PLAIN_SERVER, 1);
    CHECK_RC (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_RC (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, "secret", 6));
    BIND_ANY (b, "ws://127.0.0.1:*/plain", ep);
    CHECK_RC (zmq_connect (c, ep));
    SEND_STR (c, "let in", 0);
    RECV_STR (b, "let in");
    CHECK_EQ (tu_zap_requests (&zap, NULL), 1);
    close_pair (b, c);

    /* A wrong password: refused by ZAP, both sides told. */
    b = TU_SOCKET (zctx, ZMQ_PULL);
    c = TU_SOCKET (zctx, ZMQ_PUSH);
    TU_SET_INT (b, ZMQ_PLAIN_SERVER, 1);
    CHECK_RC (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_RC (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, "wrong", 5));
    BIND_ANY (b, "ws://127.0.0.1:*/plain", ep);
    bm = TU_MONITOR (zctx, b, ZMQ_EVENT_ALL);
    cm = TU_MONITOR (zctx, c, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    CHECK_EQ (zmq_send (c, "kept out", 8, ZMQ_DONTWAIT), 8);
    EXPECT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, NULL);
    EXPECT_EVENT (cm, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, NULL);
    EXPECT_NOTHING_WITHIN (b, 200);
    CHECK_EQ (tu_zap_requests (&zap, NULL), 2);
    CLOSE_MONITOR (b, bm);
    CLOSE_MONITOR (c, cm);
    close_pair (b, c);

    /* A NULL client offers no protocol a PLAIN server takes. */
    b = TU_SOCKET (zctx, ZMQ_PULL);
    c = TU_SOCKET (zctx, ZMQ_PUSH);
    TU_SET_INT (b, ZMQ_PLAIN_SERVER, 1);
    BIND_ANY (b, "ws://127.0.0.1:*/plain", ep);
    bm = TU_MONITOR (zctx, b, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    EXPECT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, NULL);
    EXPECT_NOTHING (b);
    CHECK_EQ (tu_zap_requests (&zap, NULL), 2);
    CLOSE_MONITOR (b, bm);
    close_pair (b, c);

    TU_ZAP_STOP (&zap);
    CHECK_RC (zmq_ctx_term (zctx));
}

static void test_curve (void)
{
    char ep[TU_ENDPOINT_MAX], spub[41], ssec[41], cpub[41], csec[41],
      opub[41], osec[41];
    struct tu_event ev;
    void *b, *c, *bm;
    if (!zmq_has ("curve")) {
        printf ("test_ws: no CURVE in this library, CURVE case skipped\n");
        return;
    }
    CHECK_RC (zmq_curve_keypair (spub, ssec));
    CHECK_RC (zmq_curve_keypair (cpub, csec));
    CHECK_RC (zmq_curve_keypair (opub, osec));

    b = TU_SOCKET (ctx, ZMQ_REP);
    c = TU_SOCKET (ctx, ZMQ_REQ);
    TU_SET_INT (b, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (zmq_setsockopt (b, ZMQ_CURVE_SECRETKEY, ssec, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_SERVERKEY, spub, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_PUBLICKEY, cpub, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_SECRETKEY, csec, 40));
    BIND_ANY (b, "ws://127.0.0.1:*/curve", ep);
    CHECK_RC (zmq_connect (c, ep));
    SEND_STR (c, "secret question", 0);
    RECV_STR (b, "secret question");
    SEND_FILLED (b, 70000, 3, 0);
    RECV_FILLED (c, 70000, 3);
    close_pair (b, c);

    /* The client expects another server key: the server cannot decrypt. */
    b = TU_SOCKET (ctx, ZMQ_PULL);
    c = TU_SOCKET (ctx, ZMQ_PUSH);
    TU_SET_INT (b, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (zmq_setsockopt (b, ZMQ_CURVE_SECRETKEY, ssec, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_SERVERKEY, opub, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_PUBLICKEY, cpub, 40));
    CHECK_RC (zmq_setsockopt (c, ZMQ_CURVE_SECRETKEY, csec, 40));
    BIND_ANY (b, "ws://127.0.0.1:*/curve", ep);
    bm = TU_MONITOR (ctx, b, ZMQ_EVENT_ALL);
    CHECK_RC (zmq_connect (c, ep));
    CHECK_EQ (zmq_send (c, "lost", 4, ZMQ_DONTWAIT), 4);
    EXPECT_EVENT (bm, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &ev);
    CHECK_EQ (ev.value, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    EXPECT_NOTHING (b);
    CLOSE_MONITOR (b, bm);
    close_pair (b, c);
}

/* ---- A raw TCP client against a ws:// server ---- */

/* A bound PULL with its monitor. */
static void *raw_server (char *ep, void **monitor, int64_t maxmsgsize)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    if (maxmsgsize >= 0)
        CHECK_RC (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &maxmsgsize,
                                  sizeof maxmsgsize));
    BIND_ANY (pull, "ws://127.0.0.1:*/raw", ep);
    *monitor = TU_MONITOR (ctx, pull, ZMQ_EVENT_ALL);
    return pull;
}

static void close_raw_server (void *pull, void *monitor)
{
    CLOSE_MONITOR (pull, monitor);
    CHECK_RC (zmq_close (pull));
}

/* End of file with no byte before it. */
static void expect_silent_close (int fd, void *pump)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    for (;;) {
        struct pollfd p;
        unsigned char junk[64];
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        CHECK (tu_now_ms () < deadline);
        if (poll (&p, 1, 10) == 1) {
            ssize_t n = read (fd, junk, sizeof junk);
            CHECK (n <= 0);
            return;
        }
        tu_events (pump);
    }
}

static const struct bad_request
{
    const char *what, *text;
} bad_requests[] = {
  {"POST instead of GET",
   "POST /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"HTTP/1.0",
   "GET /raw HTTP/1.0\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"no Upgrade",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"no Connection: Upgrade",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: keep-alive\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"no Sec-WebSocket-Key",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"unknown subprotocol",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: chat\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"another mechanism's subprotocol",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Protocol: ZWS2.0/PLAIN\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"no Sec-WebSocket-Protocol",
   "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
   "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
   "Sec-WebSocket-Version: 13\r\n\r\n"},
  {"bare LF line ends", "GET /raw HTTP/1.1\nHost: 127.0.0.1\n\n"},
  {"a ZMTP greeting", "\xff\0\0\0\0\0\0\0\1\x7f\3\1NULL"},
};

static void test_bad_upgrades (void)
{
    size_t i;
    for (i = 0; i < sizeof bad_requests / sizeof bad_requests[0]; i++) {
        char ep[TU_ENDPOINT_MAX];
        void *monitor, *pull = raw_server (ep, &monitor, -1);
        int fd = WS_RAW_CONNECT (ep);
        printf ("test_ws: bad upgrade: %s\n", bad_requests[i].what);
        RAW_WRITE (fd, bad_requests[i].text, strlen (bad_requests[i].text));
        expect_silent_close (fd, pull);
        EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
        EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                           ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, ep);
        EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, ep);
        CHECK_RC (close (fd));
        close_raw_server (pull, monitor);
    }
}

/* Requests libzmq takes although RFC 6455 would not mind, or would. */
static void check_upgrade_accepted (const char *request, const char *chosen)
{
    char ep[TU_ENDPOINT_MAX];
    void *monitor, *pull = raw_server (ep, &monitor, -1);
    int fd = WS_RAW_CONNECT (ep);
    RAW_WRITE (fd, request, strlen (request));
    ws_expect_switching (fd, chosen, pull);
    EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_ACCEPTED, TU_ANY_VALUE, ep);
    EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ep);
    CHECK_RC (close (fd));
    close_raw_server (pull, monitor);
}

static void test_lenient_upgrades (void)
{
    /* Sec-WebSocket-Version is not checked, nor is Host required. */
    check_upgrade_accepted (
      "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"
      "Sec-WebSocket-Version: 8\r\n\r\n",
      "ZWS2.0/NULL");
    check_upgrade_accepted (
      "GET /raw HTTP/1.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
      "ZWS2.0/NULL");
    /* Names and keywords in any case, lists searched, any path. */
    if (reference) {
        printf ("test_ws: reference: Connection and protocol lists not "
                "checked\n");
        return;
    }
    check_upgrade_accepted (
      "GET /some/where?x=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n"
      "upgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
      "sec-websocket-key: " WS_SAMPLE_KEY "\r\n"
      "sec-websocket-protocol: chat, ZWS2.0/NULL, ZWS2.0\r\n"
      "sec-websocket-version: 13\r\n\r\n",
      "ZWS2.0/NULL");
}

/* The wire format, client side: READY exchanged by hand, then messages
 * and control frames in. */
static void test_raw_client_messages (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char big[70000], *body;
    void *monitor, *pull = raw_server (ep, &monitor, -1);
    int fd = WS_RAW_CONNECT (ep), byte0, masked;
    size_t len;
    ws_null_handshake (fd, "PUSH", "PULL", pull);

    ws_send_message (fd, 0, 1, "hello", 5);
    ws_send_message (fd, ZWS_MORE, 1, "a", 1);
    ws_send_message (fd, ZWS_MORE, 1, "", 0);
    ws_send_message (fd, 0, 1, "b", 1);
    /* Longer length forms than needed. */
    ws_send_frame (fd, WS_FIN | WS_OP_BINARY, 1, "\0long", 5, 127);
    ws_send_frame (fd, WS_FIN | WS_OP_BINARY, 1, "\0mid", 4, 126);
    tu_fill (big, sizeof big, 5);
    ws_send_message (fd, 0, 1, big, sizeof big);
    /* A ping is answered with an empty pong; the stream goes on. */
    ws_send_frame (fd, WS_FIN | WS_OP_PING, 1, "pp", 2, 0);
    body = ws_read_frame (fd, &byte0, &masked, &len, pull);
    CHECK_EQ (byte0, WS_FIN | WS_OP_PONG);
    CHECK_EQ (masked, 0);
    CHECK_EQ (len, 0);
    free (body);
    /* An unknown command is dropped. */
    ws_send_message (fd, ZWS_COMMAND, 1, "\3FOO", 4);
    ws_send_message (fd, 0, 1, "end", 3);

    RECV_STR (pull, "hello");
    CHECK_LAST (pull);
    RECV_STR (pull, "a");
    CHECK_MORE (pull);
    RECV_STR (pull, "");
    CHECK_MORE (pull);
    RECV_STR (pull, "b");
    CHECK_LAST (pull);
    RECV_STR (pull, "long");
    RECV_STR (pull, "mid");
    RECV_FILLED (pull, sizeof big, 5);
    RECV_STR (pull, "end");
    EXPECT_NOTHING (pull);
    CHECK_RC (close (fd));
    close_raw_server (pull, monitor);
}

/* "ZWS2.0" alone: no mechanism, each side's routing id first. */
static void test_raw_no_mechanism (void)
{
    char ep[TU_ENDPOINT_MAX], id[16];
    unsigned char *body;
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    int fd, flags;
    size_t len;
    BIND_ANY (router, "ws://127.0.0.1:*/bare", ep);
    fd = WS_RAW_CONNECT (ep);
    ws_send_upgrade (fd, "/bare", "ZWS2.0");
    ws_expect_switching (fd, "ZWS2.0", router);
    body = ws_read_message (fd, &flags, &len, router);
    CHECK_EQ (flags, 0);
    CHECK_EQ (len, 0);
    free (body);
    ws_send_message (fd, 0, 1, "R7", 2);
    ws_send_message (fd, 0, 1, "data", 4);
    CHECK_EQ (RECV_FRAME (router, id, sizeof id), 2);
    CHECK (memcmp (id, "R7", 2) == 0);
    RECV_STR (router, "data");
    SEND_BYTES (router, "R7", 2, ZMQ_SNDMORE);
    SEND_STR (router, "back", 0);
    body = ws_read_message (fd, &flags, &len, router);
    CHECK_EQ (flags, 0);
    CHECK (len == 4 && memcmp (body, "back", 4) == 0);
    free (body);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (router));
}

/* The server's frames: unmasked, each length form where RFC 6455 puts
 * it. */
static void test_raw_server_frames (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    int fd;
    size_t i;
    BIND_ANY (push, "ws://127.0.0.1:*/out", ep);
    fd = WS_RAW_CONNECT (ep);
    ws_null_handshake (fd, "PULL", "PUSH", push);
    for (i = 0; i < N_SIZES; i++) {
        unsigned char *payload, *want;
        size_t len, n = sizes[i] + 1;
        int byte0, masked, form;
        SEND_FILLED (push, sizes[i], (unsigned) i, 0);
        payload = ws_read_frame_form (fd, &byte0, &masked, &len, &form, push);
        CHECK_EQ (byte0, WS_FIN | WS_OP_BINARY);
        CHECK_EQ (masked, 0);
        CHECK_EQ (len, n);
        CHECK_EQ (form, n <= 125 ? 0 : n <= 0xffff ? 126 : 127);
        CHECK_EQ (payload[0], 0);
        want = (unsigned char *) malloc (n);
        CHECK (want != NULL);
        tu_fill (want, sizes[i], (unsigned) i);
        CHECK (memcmp (payload + 1, want, sizes[i]) == 0);
        free (want);
        free (payload);
    }
    /* MORE on all but the last frame. */
    SEND_STR (push, "x", ZMQ_SNDMORE);
    SEND_STR (push, "y", 0);
    {
        int flags;
        size_t len;
        unsigned char *body = ws_read_message (fd, &flags, &len, push);
        CHECK_EQ (flags, ZWS_MORE);
        CHECK (len == 1 && body[0] == 'x');
        free (body);
        body = ws_read_message (fd, &flags, &len, push);
        CHECK_EQ (flags, 0);
        CHECK (len == 1 && body[0] == 'y');
        free (body);
    }
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (push));
}

/* A frame the server must not take: "ok" before it arrives, nothing from
 * it or after it. */
/* The message "after", masked, written whether or not the server has
 * already closed the connection (it may: see the header). */
static void send_after_violation (int fd)
{
    unsigned char frame[2 + 4 + 6];
    const char *body = "\0after";
    size_t i;
    frame[0] = WS_FIN | WS_OP_BINARY;
    frame[1] = WS_MASKED | 6;
    memcpy (frame + 2, ws_mask_key, 4);
    for (i = 0; i < 6; i++)
        frame[6 + i] = (unsigned char) (body[i] ^ ws_mask_key[i % 4]);
    if (write (fd, frame, sizeof frame) < 0)
        CHECK (errno == EPIPE || errno == ECONNRESET);
}

static void check_violation (const char *what, int byte0, int masked,
                             const void *payload, size_t len)
{
    char ep[TU_ENDPOINT_MAX];
    void *monitor, *pull = raw_server (ep, &monitor, -1);
    int fd = WS_RAW_CONNECT (ep);
    printf ("test_ws: violation: %s\n", what);
    ws_null_handshake (fd, "PUSH", "PULL", pull);
    ws_send_message (fd, 0, 1, "ok", 2);
    ws_send_frame (fd, byte0, masked, payload, len, 0);
    send_after_violation (fd);
    RECV_STR (pull, "ok");
    EXPECT_NOTHING_WITHIN (pull, 300);
    CHECK_RC (close (fd));
    close_raw_server (pull, monitor);
}

static void test_raw_violations (void)
{
    check_violation ("unmasked frame from a client", WS_FIN | WS_OP_BINARY,
                     0, "\0bad", 4);
    check_violation ("non-final frame", WS_OP_BINARY, 1, "\0bad", 4);
    check_violation ("text frame", WS_FIN | WS_OP_TEXT, 1, "\0bad", 4);
    check_violation ("continuation frame", WS_FIN | WS_OP_CONTINUATION, 1,
                     "\0bad", 4);
    check_violation ("empty binary frame", WS_FIN | WS_OP_BINARY, 1, "", 0);
}

/* A frame cut short, then end of file: nothing partial comes out. */
static void test_raw_truncated (void)
{
    static const unsigned char head[] = {WS_FIN | WS_OP_BINARY,
                                         WS_MASKED | 20,
                                         0x37,
                                         0xfa,
                                         0x21,
                                         0x3d,
                                         0x37,
                                         'h' ^ 0xfa,
                                         'a' ^ 0x21};
    char ep[TU_ENDPOINT_MAX];
    void *monitor, *pull = raw_server (ep, &monitor, -1);
    int fd = WS_RAW_CONNECT (ep);
    ws_null_handshake (fd, "PUSH", "PULL", pull);
    ws_send_message (fd, 0, 1, "whole", 5);
    RAW_WRITE (fd, head, sizeof head);
    CHECK_RC (shutdown (fd, SHUT_WR));
    EXPECT_EVENT (monitor, ZMQ_EVENT_DISCONNECTED, NULL);
    RECV_STR (pull, "whole");
    EXPECT_NOTHING (pull);
    CHECK_RC (close (fd));
    close_raw_server (pull, monitor);
}

/* ZMQ_MAXMSGSIZE is applied at the header: a 64-bit length over the limit
 * closes the connection before any of the body is sent. */
static void test_raw_oversized (void)
{
    /* Payload 0x100001 (flags byte + 1 MiB body), masked, then the
     * flags byte only. */
    static const unsigned char head[] = {
      WS_FIN | WS_OP_BINARY, WS_MASKED | 127, 0, 0, 0, 0, 0, 0x10, 0, 0x01,
      0x37, 0xfa, 0x21, 0x3d, 0x37};
    char ep[TU_ENDPOINT_MAX];
    void *monitor, *pull = raw_server (ep, &monitor, 1000);
    int fd = WS_RAW_CONNECT (ep);
    ws_null_handshake (fd, "PUSH", "PULL", pull);
    ws_send_message (fd, 0, 1, "small", 5);
    RAW_WRITE (fd, head, sizeof head);
    expect_silent_close (fd, pull);
    EXPECT_EVENT (monitor, ZMQ_EVENT_DISCONNECTED, NULL);
    RECV_STR (pull, "small");
    EXPECT_NOTHING (pull);
    CHECK_RC (close (fd));
    close_raw_server (pull, monitor);
}

/* ---- A raw TCP server against a ws:// client ---- */

/* A DEALER connecting to a raw listener; the request it sent, checked. */
static void *raw_client (int *lfd, int *fd, void **monitor, char *key,
                         size_t key_cap)
{
    char ep[TU_ENDPOINT_MAX], wsep[TU_ENDPOINT_MAX + 32], head[1024],
      value[128];
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    *lfd = RAW_LISTEN (ep);
    snprintf (wsep, sizeof wsep, "ws://127.0.0.1:%d/some/path",
              ws_endpoint_port (ep));
    *monitor = TU_MONITOR (ctx, dealer, ZMQ_EVENT_ALL);
    TU_SET_INT (dealer, ZMQ_RECONNECT_IVL, 50);
    CHECK_RC (zmq_connect (dealer, wsep));
    *fd = RAW_ACCEPT (*lfd);
    ws_read_http_head (*fd, head, sizeof head, dealer);
    if (reference)
        printf ("test_ws: reference: request line %.*s\n",
                (int) strcspn (head, "\r"), head);
    else
        CHECK (strncmp (head, "GET /some/path HTTP/1.1\r\n", 25) == 0);
    CHECK (strncmp (head, "GET /", 5) == 0);
    CHECK (ws_header (head, "Host", value, sizeof value));
    CHECK_STREQ (value, "127.0.0.1");
    CHECK (ws_header (head, "Upgrade", value, sizeof value));
    CHECK (strcasecmp (value, "websocket") == 0);
    CHECK (ws_header (head, "Connection", value, sizeof value));
    CHECK (strcasecmp (value, "Upgrade") == 0);
    CHECK (ws_header (head, "Sec-WebSocket-Version", value, sizeof value));
    CHECK_STREQ (value, "13");
    CHECK (ws_header (head, "Sec-WebSocket-Protocol", value, sizeof value));
    CHECK_STREQ (value, "ZWS2.0/NULL,ZWS2.0");
    CHECK (ws_header (head, "Sec-WebSocket-Key", key, key_cap));
    /* 16 random bytes in base64. */
    CHECK_EQ (strlen (key), 24);
    CHECK (strcmp (key + 22, "==") == 0);
    return dealer;
}

static void test_raw_server_peer (void)
{
    char key[64], accept[32], reply[512], value[64];
    unsigned char ready[128], *body;
    void *monitor, *dealer;
    int lfd, fd, byte0, masked;
    size_t len, n;
    dealer = raw_client (&lfd, &fd, &monitor, key, sizeof key);
    ws_accept_for (key, accept);
    snprintf (reply, sizeof reply,
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
              "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
              accept);
    RAW_WRITE (fd, reply, strlen (reply));
    n = begin_ready (ready, "ROUTER");
    ws_send_message (fd, ZWS_COMMAND, 0, ready, n);

    /* The client's READY, masked. */
    body = ws_read_frame (fd, &byte0, &masked, &len, dealer);
    CHECK_EQ (byte0, WS_FIN | WS_OP_BINARY);
    CHECK_EQ (masked, 1);
    CHECK (len >= 1);
    CHECK_EQ (body[0], ZWS_COMMAND);
    CHECK (ready_property (body + 1, len - 1, "Socket-Type", value,
                           sizeof value));
    CHECK_STREQ (value, "DEALER");
    free (body);

    /* A message out (masked), one in (unmasked). */
    SEND_STR (dealer, "to server", 0);
    body = ws_read_frame (fd, &byte0, &masked, &len, dealer);
    CHECK_EQ (byte0, WS_FIN | WS_OP_BINARY);
    CHECK_EQ (masked, 1);
    CHECK (len == 10 && body[0] == 0 && memcmp (body + 1, "to server", 9) == 0);
    free (body);
    ws_send_message (fd, 0, 0, "to client", 9);
    RECV_STR (dealer, "to client");

    /* A masked frame from the server is not taken, nor what follows. */
    ws_send_message (fd, 0, 1, "masked", 6);
    ws_send_message (fd, 0, 0, "after", 5);
    EXPECT_NOTHING_WITHIN (dealer, 300);

    CHECK_RC (close (fd));
    CHECK_RC (close (lfd));
    CLOSE_MONITOR (dealer, monitor);
    CHECK_RC (zmq_close (dealer));
}

/* Answers other than a proper 101: a protocol failure, no reconnect. */
static void check_bad_answer (const char *what, const char *answer)
{
    char key[64];
    void *monitor, *dealer;
    int lfd, fd;
    printf ("test_ws: bad answer: %s\n", what);
    dealer = raw_client (&lfd, &fd, &monitor, key, sizeof key);
    RAW_WRITE (fd, answer, strlen (answer));
    EXPECT_EVENT (monitor, ZMQ_EVENT_CONNECTED, NULL);
    EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, NULL);
    EXPECT_NEXT_EVENT (monitor, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE, NULL);
    raw_expect_closed (fd);
    EXPECT_NO_EVENT (monitor, ZMQ_EVENT_CONNECT_RETRIED, 300);
    CHECK_RC (close (fd));
    CHECK_RC (close (lfd));
    CLOSE_MONITOR (dealer, monitor);
    CHECK_RC (zmq_close (dealer));
}

static void test_raw_server_bad_answers (void)
{
    check_bad_answer ("400", "HTTP/1.1 400 Bad Request\r\n\r\n");
    check_bad_answer ("101 without Sec-WebSocket-Protocol",
                      "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: " WS_SAMPLE_ACCEPT "\r\n\r\n");
    check_bad_answer ("101 without Sec-WebSocket-Accept",
                      "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n");
    check_bad_answer ("101 with another mechanism",
                      "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: " WS_SAMPLE_ACCEPT "\r\n"
                      "Sec-WebSocket-Protocol: ZWS2.0/CURVE\r\n\r\n");
}

int main (void)
{
    /* A raw peer writes to connections the server closes: EPIPE, not
     * SIGPIPE. */
    signal (SIGPIPE, SIG_IGN);
    setvbuf (stdout, NULL, _IONBF, 0);
    reference = getenv ("ZMQ_TEST_REFERENCE") != NULL;
    /* libzmq master answers only to "WS"; "ws" is asked too. */
    if (!zmq_has ("ws") && !zmq_has ("WS")) {
        printf ("SKIP test_ws: this libzmq has no ws:// transport\n");
        return 77;
    }
    ctx = CHECK_PTR (zmq_ctx_new ());

    test_endpoints ();
    test_classic_pairings ();
    if (zmq_has ("draft"))
        test_draft_pairings ();
    else
        printf ("test_ws: no DRAFT API, DRAFT socket types skipped\n");
    test_refused_pairings ();
    test_handshake_events ();
    test_multipart ();
    test_large_messages ();
    test_maxmsgsize ();
    test_plain ();
    test_curve ();
    test_bad_upgrades ();
    test_lenient_upgrades ();
    test_raw_client_messages ();
    test_raw_no_mechanism ();
    test_raw_server_frames ();
    test_raw_violations ();
    test_raw_truncated ();
    test_raw_oversized ();
    test_raw_server_peer ();
    test_raw_server_bad_answers ();

    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
