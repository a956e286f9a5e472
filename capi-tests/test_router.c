/* ROUTER (and DEALER) sockets over inproc: routing ids, and the options
 * ZMQ_ROUTING_ID, ZMQ_CONNECT_ROUTING_ID, ZMQ_ROUTER_MANDATORY,
 * ZMQ_ROUTER_HANDOVER and ZMQ_PROBE_ROUTER.
 *
 * Man pages: zmq_socket(3) (ZMQ_ROUTER, ZMQ_DEALER), zmq_setsockopt(3);
 * RFC 28/REQREP (ROUTER and DEALER sections).
 *
 * A ROUTER puts the sending peer's routing id in front of every message it
 * receives, and takes the first frame of every message it sends as the id
 * of the peer to send the rest to. A peer's id is its ZMQ_ROUTING_ID, or
 * the name the ROUTER gave it with ZMQ_CONNECT_ROUTING_ID, or else one the
 * ROUTER makes up: 5 bytes, the first of them zero.
 */
#include "testutil.h"

#define K 3

/* Receive a routing id frame (1..255 bytes, more to follow) into id;
 * returns its size. */
static size_t recv_id (void *s, unsigned char *id)
{
    size_t len = RECV_FRAME (s, id, 255);
    CHECK (len > 0);
    CHECK_MORE (s);
    return len;
}

/* [routing id][frames...] in, [routing id][frames...] out. */
static void test_envelope (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "dlr", 3));
    CHECK_RC (zmq_bind (router, "inproc://router-envelope"));
    CHECK_RC (zmq_connect (dealer, "inproc://router-envelope"));

    SEND_STR (dealer, "a", ZMQ_SNDMORE);
    SEND_BYTES (dealer, "", 0, ZMQ_SNDMORE);
    SEND_STR (dealer, "c", 0);
    RECV_STR (router, "dlr");
    CHECK_MORE (router);
    RECV_STR (router, "a");
    CHECK_MORE (router);
    RECV_BYTES (router, "", 0);
    CHECK_MORE (router);
    RECV_STR (router, "c");
    CHECK_LAST (router);

    SEND_STR (router, "dlr", ZMQ_SNDMORE);
    SEND_STR (router, "x", ZMQ_SNDMORE);
    SEND_STR (router, "y", 0);
    RECV_STR (dealer, "x");
    CHECK_MORE (dealer);
    RECV_STR (dealer, "y");
    CHECK_LAST (dealer);
    EXPECT_NOTHING (dealer);
    EXPECT_NOTHING (router);

    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
}

/* ZMQ_ROUTING_ID accepts 1 to 255 bytes (a leading zero byte included)
 * and reads back as set; it is empty by default. */
static void test_routing_id_option (void *ctx)
{
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    char big[256], out[256];
    size_t len = sizeof out;
    memset (big, 'i', sizeof big);

    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, out, &len));
    CHECK_EQ (len, 0);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTING_ID, "", 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTING_ID, big, 256), EINVAL);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, big, 255));
    len = sizeof out;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, out, &len));
    CHECK_EQ (len, 255);
    CHECK (memcmp (out, big, 255) == 0);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, "\0zero", 5));
    len = sizeof out;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, out, &len));
    CHECK_EQ (len, 5);
    CHECK (memcmp (out, "\0zero", 5) == 0);

    /* The ROUTER-only options are refused elsewhere. */
    int one = 1;
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTER_MANDATORY, &one, sizeof one),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTER_HANDOVER, &one, sizeof one),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "x", 1), EINVAL);
    CHECK_RC (zmq_close (s));

    s = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_PROBE_ROUTER, &one, sizeof one),
                 EINVAL);
    CHECK_RC (zmq_close (s));

    s = TU_SOCKET (ctx, ZMQ_ROUTER);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "", 0), EINVAL);
    CHECK_RC (zmq_close (s));
}

/* Peers without ZMQ_ROUTING_ID get generated ids: 5 bytes, first byte 0,
 * different for each peer, stable for the life of the connection, and
 * usable to address replies. */
static void test_generated_ids (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealers[K];
    unsigned char ids[K][256], again[256];
    char buf[16];
    int k, j;

    CHECK_RC (zmq_bind (router, "inproc://router-auto-id"));
    for (k = 0; k < K; k++) {
        dealers[k] = TU_SOCKET (ctx, ZMQ_DEALER);
        CHECK_RC (zmq_connect (dealers[k], "inproc://router-auto-id"));
    }
    for (k = 0; k < K; k++) {
        snprintf (buf, sizeof buf, "from %d", k);
        SEND_STR (dealers[k], buf, 0);
        CHECK_EQ (recv_id (router, ids[k]), 5);
        CHECK_EQ (ids[k][0], 0);
        RECV_STR (router, buf);
        CHECK_LAST (router);
        for (j = 0; j < k; j++)
            CHECK (memcmp (ids[j], ids[k], 5) != 0);
    }
    for (k = K - 1; k >= 0; k--) {
        snprintf (buf, sizeof buf, "to %d", k);
        SEND_BYTES (router, ids[k], 5, ZMQ_SNDMORE);
        SEND_STR (router, buf, 0);
        RECV_STR (dealers[k], buf);
    }
    for (k = 0; k < K; k++)
        EXPECT_NOTHING (dealers[k]);

    SEND_STR (dealers[1], "still me", 0);
    CHECK_EQ (recv_id (router, again), 5);
    CHECK (memcmp (again, ids[1], 5) == 0);
    RECV_STR (router, "still me");

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (dealers[k]));
    CHECK_RC (zmq_close (router));
}

/* ZMQ_CONNECT_ROUTING_ID names the peer of the next zmq_connect on a
 * ROUTER, which can then address it at once (no message from it needed).
 * The peer sees the connecting ROUTER under its ZMQ_ROUTING_ID. A connect
 * without the option knows the peer by the peer's own ZMQ_ROUTING_ID. */
static void test_connect_routing_id (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *b = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *c = TU_SOCKET (ctx, ZMQ_ROUTER);
    TU_SET_INT (a, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_RC (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    CHECK_RC (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B-own", 5));
    CHECK_RC (zmq_setsockopt (c, ZMQ_ROUTING_ID, "C-own", 5));
    CHECK_RC (zmq_bind (b, "inproc://router-crid-b"));
    CHECK_RC (zmq_bind (c, "inproc://router-crid-c"));

    CHECK_RC (zmq_setsockopt (a, ZMQ_CONNECT_ROUTING_ID, "alias", 5));
    CHECK_RC (zmq_connect (a, "inproc://router-crid-b"));
    CHECK_RC (zmq_connect (a, "inproc://router-crid-c"));

    /* The alias replaces B's own id as far as A is concerned. */
    CHECK_ERRNO (zmq_send (a, "B-own", 5, ZMQ_SNDMORE), EHOSTUNREACH);
    SEND_STR (a, "alias", ZMQ_SNDMORE);
    SEND_STR (a, "hi b", 0);
    SEND_STR (a, "C-own", ZMQ_SNDMORE);
    SEND_STR (a, "hi c", 0);

    RECV_STR (b, "A");
    CHECK_MORE (b);
    RECV_STR (b, "hi b");
    RECV_STR (c, "A");
    RECV_STR (c, "hi c");
    EXPECT_NOTHING (b);
    EXPECT_NOTHING (c);

    SEND_STR (b, "A", ZMQ_SNDMORE);
    SEND_STR (b, "from b", 0);
    RECV_STR (a, "alias");
    CHECK_MORE (a);
    RECV_STR (a, "from b");
    SEND_STR (c, "A", ZMQ_SNDMORE);
    SEND_STR (c, "from c", 0);
    RECV_STR (a, "C-own");
    RECV_STR (a, "from c");

    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (c));
}

/* Unknown ids: dropped silently by default; with ZMQ_ROUTER_MANDATORY the
 * id frame fails with EHOSTUNREACH. */
static void test_mandatory (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "known", 5));
    CHECK_RC (zmq_bind (router, "inproc://router-mandatory"));
    CHECK_RC (zmq_connect (dealer, "inproc://router-mandatory"));
    SEND_STR (dealer, "hello", 0);
    RECV_STR (router, "known");
    RECV_STR (router, "hello");

    /* Default: every frame "succeeds", nothing arrives anywhere. */
    SEND_STR (router, "unknown", ZMQ_SNDMORE);
    SEND_STR (router, "lost 1", ZMQ_SNDMORE);
    SEND_STR (router, "lost 2", 0);
    /* A ROUTER with peers is writable. */
    CHECK_EQ (tu_events (router) & ZMQ_POLLOUT, ZMQ_POLLOUT);

    /* Any non-negative value switches it on. */
    int value = -1;
    CHECK_ERRNO (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &value,
                                 sizeof value),
                 EINVAL);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 2);
    CHECK_ERRNO (zmq_send (router, "unknown", 7, ZMQ_SNDMORE), EHOSTUNREACH);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_ERRNO (zmq_send (router, "unknown", 7, ZMQ_SNDMORE | ZMQ_DONTWAIT),
                 EHOSTUNREACH);
    /* A lone frame (no SNDMORE) is an id with no message: dropped without
     * complaint even for an unknown id. */
    SEND_STR (router, "unknown", 0);
    /* After the failure the next frame starts a new message. */
    SEND_STR (router, "known", ZMQ_SNDMORE);
    SEND_STR (router, "delivered", 0);
    RECV_STR (dealer, "delivered");
    CHECK_LAST (dealer);
    EXPECT_NOTHING (dealer);

    /* Once the peer has gone its id is unknown again; a mandatory ROUTER
     * with no peer able to take a message is not writable. */
    CHECK_RC (zmq_close (dealer));
    CHECK (tu_await_not_writable (router));
    CHECK_ERRNO (zmq_send (router, "known", 5, ZMQ_SNDMORE), EHOSTUNREACH);

    CHECK_RC (zmq_close (router));

    /* A ROUTER with no peers at all: writable by default (it drops),
     * not writable with ZMQ_ROUTER_MANDATORY. */
    router = TU_SOCKET (ctx, ZMQ_ROUTER);
    CHECK_EQ (tu_events (router), ZMQ_POLLOUT);
    SEND_STR (router, "nobody", ZMQ_SNDMORE);
    SEND_STR (router, "x", 0);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_EQ (tu_events (router), 0);
    CHECK_ERRNO (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_RC (zmq_close (router));
}

/* ZMQ_ROUTER_MANDATORY with a full queue: the id frame fails with EAGAIN
 * (at once with ZMQ_DONTWAIT, after ZMQ_SNDTIMEO otherwise). The queue to
 * an inproc peer holds the ROUTER's SNDHWM plus the peer's RCVHWM. Without
 * the option, messages to a full peer are dropped silently. */
static void test_mandatory_hwm (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    int n, got;
    TU_SET_INT (router, ZMQ_SNDHWM, 1);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 1);
    TU_SET_INT (dealer, ZMQ_RCVHWM, 1);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_RC (zmq_bind (router, "inproc://router-hwm"));
    CHECK_RC (zmq_connect (dealer, "inproc://router-hwm"));
    SEND_STR (dealer, "ready", 0);
    RECV_STR (router, "X");
    RECV_STR (router, "ready");

    for (n = 0; n < 100; n++) {
        if (zmq_send (router, "X", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 1)
            break;
        SEND_STR (router, "data", ZMQ_DONTWAIT);
    }
    CHECK_EQ (errno, EAGAIN);
    CHECK_EQ (n, 2);
    CHECK_EQ (tu_events (router) & ZMQ_POLLOUT, 0);
    TU_SET_INT (router, ZMQ_SNDTIMEO, 100);
    CHECK_ERRNO (zmq_send (router, "X", 1, ZMQ_SNDMORE), EAGAIN);
    TU_SET_INT (router, ZMQ_SNDTIMEO, TU_TIMEOUT_MS);

    RECV_STR (dealer, "data");
    RECV_STR (dealer, "data");
    EXPECT_NOTHING (dealer);
    /* Drained: a blocking send goes through again. */
    SEND_STR (router, "X", ZMQ_SNDMORE);
    SEND_STR (router, "after", 0);
    RECV_STR (dealer, "after");

    /* Not mandatory: a full peer loses the surplus, send still succeeds. */
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 0);
    for (n = 0; n < 10; n++) {
        SEND_STR (router, "X", ZMQ_SNDMORE | ZMQ_DONTWAIT);
        SEND_STR (router, "flood", ZMQ_DONTWAIT);
    }
    for (got = 0; tu_poll_in (dealer, 0); got++)
        RECV_STR (dealer, "flood");
    CHECK (got >= 1 && got <= 2);

    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
}

/* Without ZMQ_ROUTER_HANDOVER a second peer claiming an id in use is
 * ignored: nothing it sends is delivered, and the id keeps reaching the
 * first peer. */
static void test_duplicate_id_ignored (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *first = TU_SOCKET (ctx, ZMQ_DEALER);
    void *second = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (first, ZMQ_ROUTING_ID, "dup", 3));
    CHECK_RC (zmq_setsockopt (second, ZMQ_ROUTING_ID, "dup", 3));
    CHECK_RC (zmq_bind (router, "inproc://router-dup"));
    CHECK_RC (zmq_connect (first, "inproc://router-dup"));
    SEND_STR (first, "first 1", 0);
    RECV_STR (router, "dup");
    RECV_STR (router, "first 1");

    CHECK_RC (zmq_connect (second, "inproc://router-dup"));
    SEND_STR (second, "second 1", 0);
    SEND_STR (second, "second 2", 0);
    SEND_STR (first, "first 2", 0);
    RECV_STR (router, "dup");
    RECV_STR (router, "first 2");
    CHECK (!tu_poll_in (router, 100));

    SEND_STR (router, "dup", ZMQ_SNDMORE);
    SEND_STR (router, "reply", 0);
    RECV_STR (first, "reply");
    CHECK (!tu_poll_in (second, 100));

    CHECK_RC (zmq_close (second));
    CHECK_RC (zmq_close (first));
    CHECK_RC (zmq_close (router));
}

/* With ZMQ_ROUTER_HANDOVER a new peer claiming an id in use takes it over:
 * messages to the id go to the newcomer, and the old connection is
 * dropped (what it sends afterwards is not delivered). */
static void test_handover (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *first = TU_SOCKET (ctx, ZMQ_DEALER);
    void *second = TU_SOCKET (ctx, ZMQ_DEALER);
    TU_SET_INT (router, ZMQ_ROUTER_HANDOVER, 1);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_RC (zmq_setsockopt (first, ZMQ_ROUTING_ID, "H", 1));
    CHECK_RC (zmq_setsockopt (second, ZMQ_ROUTING_ID, "H", 1));
    CHECK_RC (zmq_bind (router, "inproc://router-handover"));
    CHECK_RC (zmq_connect (first, "inproc://router-handover"));
    SEND_STR (first, "old", 0);
    RECV_STR (router, "H");
    RECV_STR (router, "old");
    SEND_STR (router, "H", ZMQ_SNDMORE);
    SEND_STR (router, "to old", 0);
    RECV_STR (first, "to old");

    CHECK_RC (zmq_connect (second, "inproc://router-handover"));
    SEND_STR (second, "new", 0);
    RECV_STR (router, "H");
    RECV_STR (router, "new");

    SEND_STR (router, "H", ZMQ_SNDMORE);
    SEND_STR (router, "to new", 0);
    RECV_STR (second, "to new");
    CHECK (!tu_poll_in (first, 100));

    (void) zmq_send (first, "stale", 5, ZMQ_DONTWAIT);
    CHECK (!tu_poll_in (router, 100));

    CHECK_RC (zmq_close (second));
    CHECK_RC (zmq_close (first));
    CHECK_RC (zmq_close (router));
}

/* ZMQ_PROBE_ROUTER: on connecting, the socket sends one empty message, so
 * the ROUTER learns its id without the application sending anything. From
 * a DEALER, from a ROUTER, when connecting before the bind, and from the
 * bound side when the ROUTER is the one connecting. */
static void test_probe_router (void *ctx)
{
    void *server = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *early = TU_SOCKET (ctx, ZMQ_DEALER);
    void *late_server = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *bound = TU_SOCKET (ctx, ZMQ_DEALER);
    void *connecting = TU_SOCKET (ctx, ZMQ_ROUTER);

    CHECK_RC (zmq_bind (server, "inproc://router-probe"));

    TU_SET_INT (dealer, ZMQ_PROBE_ROUTER, 1);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    CHECK_RC (zmq_connect (dealer, "inproc://router-probe"));
    RECV_STR (server, "D");
    CHECK_MORE (server);
    RECV_BYTES (server, "", 0);
    CHECK_LAST (server);
    SEND_STR (server, "D", ZMQ_SNDMORE);
    SEND_STR (server, "welcome", 0);
    RECV_STR (dealer, "welcome");
    EXPECT_NOTHING (dealer);

    TU_SET_INT (router, ZMQ_PROBE_ROUTER, 1);
    CHECK_RC (zmq_setsockopt (router, ZMQ_ROUTING_ID, "R", 1));
    CHECK_RC (zmq_connect (router, "inproc://router-probe"));
    RECV_STR (server, "R");
    CHECK_MORE (server);
    RECV_BYTES (server, "", 0);
    CHECK_LAST (server);
    /* The bound ROUTER did not probe back. */
    EXPECT_NOTHING (router);

    TU_SET_INT (early, ZMQ_PROBE_ROUTER, 1);
    CHECK_RC (zmq_setsockopt (early, ZMQ_ROUTING_ID, "E", 1));
    CHECK_RC (zmq_connect (early, "inproc://router-probe-late"));
    CHECK_RC (zmq_bind (late_server, "inproc://router-probe-late"));
    RECV_STR (late_server, "E");
    RECV_BYTES (late_server, "", 0);
    CHECK_LAST (late_server);

    TU_SET_INT (bound, ZMQ_PROBE_ROUTER, 1);
    CHECK_RC (zmq_setsockopt (bound, ZMQ_ROUTING_ID, "B", 1));
    CHECK_RC (zmq_bind (bound, "inproc://router-probe-bound"));
    CHECK_RC (zmq_connect (connecting, "inproc://router-probe-bound"));
    /* A bound socket takes in a new connection (and so probes it) only
     * when it is next used; any use will do. */
    CHECK_EQ (tu_events (bound), ZMQ_POLLOUT);
    RECV_STR (connecting, "B");
    RECV_BYTES (connecting, "", 0);
    CHECK_LAST (connecting);

    CHECK_RC (zmq_close (connecting));
    CHECK_RC (zmq_close (bound));
    CHECK_RC (zmq_close (late_server));
    CHECK_RC (zmq_close (early));
    CHECK_RC (zmq_close (router));
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (server));
}

/* A ROUTER takes messages from its peers in turn (attach order) and tags
 * each with the right id. */
static void test_router_fair_queue (void *ctx)
{
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealers[K];
    char id[8], buf[16];
    int i, k;

    CHECK_RC (zmq_bind (router, "inproc://router-fq"));
    for (k = 0; k < K; k++) {
        dealers[k] = TU_SOCKET (ctx, ZMQ_DEALER);
        snprintf (id, sizeof id, "d%d", k);
        CHECK_RC (zmq_setsockopt (dealers[k], ZMQ_ROUTING_ID, id, strlen (id)));
        CHECK_RC (zmq_connect (dealers[k], "inproc://router-fq"));
    }
    for (k = 0; k < K; k++)
        for (i = 0; i < 2; i++) {
            snprintf (buf, sizeof buf, "m%d.%d", k, i);
            SEND_STR (dealers[k], buf, 0);
        }
    for (i = 0; i < 2; i++)
        for (k = 0; k < K; k++) {
            snprintf (id, sizeof id, "d%d", k);
            snprintf (buf, sizeof buf, "m%d.%d", k, i);
            RECV_STR (router, id);
            RECV_STR (router, buf);
            CHECK_LAST (router);
        }
    EXPECT_NOTHING (router);

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (dealers[k]));
    CHECK_RC (zmq_close (router));
}

/* A DEALER connected to K peers (in that order) sends message i to peer
 * i mod K; a DEALER with K peers connected takes from them in turn. */
static void test_dealer_round_robin_fair_queue (void *ctx)
{
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *hub = TU_SOCKET (ctx, ZMQ_DEALER);
    void *peers[K];
    char ep[64], buf[16];
    int i, k;

    for (k = 0; k < K; k++) {
        peers[k] = TU_SOCKET (ctx, ZMQ_DEALER);
        snprintf (ep, sizeof ep, "inproc://router-dealer-rr-%d", k);
        CHECK_RC (zmq_bind (peers[k], ep));
        CHECK_RC (zmq_connect (dealer, ep));
    }
    for (i = 0; i < 2 * K + 1; i++) {
        snprintf (buf, sizeof buf, "rr %d", i);
        SEND_STR (dealer, buf, i % 2 ? 0 : ZMQ_SNDMORE);
        if (i % 2 == 0)
            SEND_STR (dealer, "tail", 0);
    }
    for (k = 0; k < K; k++) {
        for (i = k; i < 2 * K + 1; i += K) {
            snprintf (buf, sizeof buf, "rr %d", i);
            RECV_STR (peers[k], buf);
            if (i % 2 == 0) {
                CHECK_MORE (peers[k]);
                RECV_STR (peers[k], "tail");
            }
            CHECK_LAST (peers[k]);
        }
        EXPECT_NOTHING (peers[k]);
    }

    /* Replies come back over the same connections. */
    for (k = 0; k < K; k++) {
        snprintf (buf, sizeof buf, "back %d", k);
        SEND_STR (peers[k], buf, 0);
    }
    for (k = 0; k < K; k++) {
        snprintf (buf, sizeof buf, "back %d", k);
        RECV_STR (dealer, buf);
    }
    EXPECT_NOTHING (dealer);
    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (peers[k]));

    /* Fair queue on a bound DEALER. */
    CHECK_RC (zmq_bind (hub, "inproc://router-dealer-fq"));
    for (k = 0; k < K; k++) {
        peers[k] = TU_SOCKET (ctx, ZMQ_DEALER);
        CHECK_RC (zmq_connect (peers[k], "inproc://router-dealer-fq"));
    }
    for (k = 0; k < K; k++)
        for (i = 0; i < 3; i++) {
            snprintf (buf, sizeof buf, "fq %d.%d", k, i);
            SEND_STR (peers[k], buf, 0);
        }
    for (i = 0; i < 3; i++)
        for (k = 0; k < K; k++) {
            snprintf (buf, sizeof buf, "fq %d.%d", k, i);
            RECV_STR (hub, buf);
        }
    EXPECT_NOTHING (hub);
    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (peers[k]));

    CHECK_RC (zmq_close (hub));
    CHECK_RC (zmq_close (dealer));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_envelope (ctx);
    test_routing_id_option (ctx);
    test_generated_ids (ctx);
    test_connect_routing_id (ctx);
    test_mandatory (ctx);
    test_mandatory_hwm (ctx);
    test_duplicate_id_ignored (ctx);
    test_handover (ctx);
    test_probe_router (ctx);
    test_router_fair_queue (ctx);
    test_dealer_round_robin_fair_queue (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
