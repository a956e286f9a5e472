/* REQ and REP sockets over inproc: lockstep, envelopes, distribution, and
 * the ZMQ_REQ_CORRELATE / ZMQ_REQ_RELAXED options.
 *
 * Man pages: zmq_socket(3) (ZMQ_REQ, ZMQ_REP), zmq_setsockopt(3)
 * (ZMQ_REQ_CORRELATE, ZMQ_REQ_RELAXED); RFC 28/REQREP.
 *
 * On the wire a REQ request is [empty delimiter][body...] (with
 * ZMQ_REQ_CORRELATE: [request id][empty][body...]). A REP strips and keeps
 * everything up to and including the first empty frame (the envelope),
 * hands the body to the application, and puts the envelope back in front of
 * the reply. A ROUTER in between adds the peer's routing id in front.
 *
 * Distribution order: a REQ sends request i to its peers in attach order,
 * cycling (peer i mod K); a REP takes requests from its peers in turn, in
 * attach order. Tests that rely on order make the distributing socket the
 * connecting one, so attach order is zmq_connect order.
 */
#include <stdint.h>

#include "testutil.h"

#define K 3

static void make_endpoint (char *buf, size_t len, const char *test, int n)
{
    snprintf (buf, len, "inproc://reqrep-%s-%d", test, n);
}

/* Receive a routing id frame (1..255 bytes) into id; returns its size. */
static size_t recv_id (void *s, unsigned char *id)
{
    size_t len = RECV_FRAME (s, id, 255);
    CHECK (len > 0);
    CHECK_MORE (s);
    return len;
}

/* Basic lockstep and the state machine's EFSM errors. */
static void test_lockstep (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    char buf[16];
    int i;

    /* Receiving before any request, either side: EFSM. REP replying
     * before it received a request: EFSM. */
    CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    CHECK_ERRNO (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    /* A REQ with no peer cannot send. */
    CHECK_ERRNO (zmq_send (req, "x", 1, ZMQ_DONTWAIT), EAGAIN);

    CHECK_RC (zmq_bind (rep, "inproc://reqrep-lockstep"));
    CHECK_RC (zmq_connect (req, "inproc://reqrep-lockstep"));
    CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    CHECK_ERRNO (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    CHECK_EQ (tu_events (req), ZMQ_POLLOUT);

    for (i = 0; i < 3; i++) {
        SEND_STR (req, "ping", 0);
        /* A strict REQ waiting for its reply: no second request, and it is
         * not writable. */
        CHECK_ERRNO (zmq_send (req, "again", 5, ZMQ_DONTWAIT), EFSM);
        CHECK_EQ (tu_events (req) & ZMQ_POLLOUT, 0);

        RECV_STR (rep, "ping");
        CHECK_LAST (rep);
        /* A REP owing a reply cannot take another request. */
        CHECK_ERRNO (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
        CHECK_EQ (tu_events (rep) & ZMQ_POLLIN, 0);
        CHECK_EQ (tu_events (rep) & ZMQ_POLLOUT, ZMQ_POLLOUT);
        SEND_STR (rep, "pong", 0);
        CHECK_ERRNO (zmq_send (rep, "again", 5, ZMQ_DONTWAIT), EFSM);

        CHECK (tu_poll_in (req, TU_TIMEOUT_MS));
        RECV_STR (req, "pong");
        CHECK_LAST (req);
        CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    }

    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (rep));
}

/* Requests and replies may be multipart (and contain empty frames after
 * the first); the state changes only at the last frame. */
static void test_multipart (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_bind (rep, "inproc://reqrep-multipart"));
    CHECK_RC (zmq_connect (req, "inproc://reqrep-multipart"));

    SEND_STR (req, "a", ZMQ_SNDMORE);
    SEND_BYTES (req, "", 0, ZMQ_SNDMORE);
    SEND_STR (req, "c", 0);
    RECV_STR (rep, "a");
    CHECK_MORE (rep);
    RECV_BYTES (rep, "", 0);
    CHECK_MORE (rep);
    RECV_STR (rep, "c");
    CHECK_LAST (rep);

    SEND_STR (rep, "x", ZMQ_SNDMORE);
    /* Mid-reply the REP is still replying: no receive yet. */
    char buf[8];
    CHECK_ERRNO (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    SEND_STR (rep, "y", 0);
    RECV_STR (req, "x");
    CHECK_MORE (req);
    RECV_STR (req, "y");
    CHECK_LAST (req);

    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (rep));
}

/* A REQ connected to K REPs (in that order) sends request i to REP i mod K. */
static void test_req_round_robin (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *reps[K];
    char ep[64], buf[16];
    int i, k;

    for (k = 0; k < K; k++) {
        reps[k] = TU_SOCKET (ctx, ZMQ_REP);
        make_endpoint (ep, sizeof ep, "rr", k);
        CHECK_RC (zmq_bind (reps[k], ep));
        CHECK_RC (zmq_connect (req, ep));
    }
    for (i = 0; i < 2 * K; i++) {
        snprintf (buf, sizeof buf, "req %d", i);
        SEND_STR (req, buf, 0);
        RECV_STR (reps[i % K], buf);
        for (k = 0; k < K; k++)
            if (k != i % K)
                EXPECT_NOTHING (reps[k]);
        snprintf (buf, sizeof buf, "rep %d", i);
        SEND_STR (reps[i % K], buf, 0);
        RECV_STR (req, buf);
    }

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (reps[k]));
    CHECK_RC (zmq_close (req));
}

/* A REP with K REQs connected takes their requests in turn (attach order)
 * and each reply goes back to the REQ that asked. */
static void test_rep_fair_queue (void *ctx)
{
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    void *reqs[K];
    char buf[16];
    int k, round;

    CHECK_RC (zmq_bind (rep, "inproc://reqrep-fq"));
    for (k = 0; k < K; k++) {
        reqs[k] = TU_SOCKET (ctx, ZMQ_REQ);
        CHECK_RC (zmq_connect (reqs[k], "inproc://reqrep-fq"));
    }
    for (round = 0; round < 2; round++) {
        for (k = 0; k < K; k++) {
            snprintf (buf, sizeof buf, "q%d.%d", k, round);
            SEND_STR (reqs[k], buf, 0);
        }
        for (k = 0; k < K; k++) {
            snprintf (buf, sizeof buf, "q%d.%d", k, round);
            RECV_STR (rep, buf);
            snprintf (buf, sizeof buf, "r%d.%d", k, round);
            SEND_STR (rep, buf, 0);
        }
        for (k = 0; k < K; k++) {
            snprintf (buf, sizeof buf, "r%d.%d", k, round);
            RECV_STR (reqs[k], buf);
        }
    }

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (reqs[k]));
    CHECK_RC (zmq_close (rep));
}

/* REQ -> ROUTER (frontend) ... DEALER (backend) -> REP, relayed by hand.
 * The ROUTER sees [routing id][empty][body]; the envelope travels through
 * the DEALER to the REP and back unchanged, and the reply reaches the
 * REQ with the envelope removed. */
static void test_envelope_through_broker (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *anon = TU_SOCKET (ctx, ZMQ_REQ);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    unsigned char id[256], id2[256];
    size_t id_len, id2_len;

    CHECK_RC (zmq_setsockopt (req, ZMQ_ROUTING_ID, "client", 6));
    CHECK_RC (zmq_bind (router, "inproc://reqrep-front"));
    CHECK_RC (zmq_bind (dealer, "inproc://reqrep-back"));
    CHECK_RC (zmq_connect (req, "inproc://reqrep-front"));
    CHECK_RC (zmq_connect (rep, "inproc://reqrep-back"));

    SEND_STR (req, "hello", ZMQ_SNDMORE);
    SEND_STR (req, "world", 0);

    /* Frontend view: [id "client"][empty][hello][world]. */
    RECV_STR (router, "client");
    CHECK_MORE (router);
    RECV_BYTES (router, "", 0);
    CHECK_MORE (router);
    RECV_STR (router, "hello");
    CHECK_MORE (router);
    RECV_STR (router, "world");
    CHECK_LAST (router);

    /* Relay to the backend exactly as received. */
    SEND_STR (dealer, "client", ZMQ_SNDMORE);
    SEND_BYTES (dealer, "", 0, ZMQ_SNDMORE);
    SEND_STR (dealer, "hello", ZMQ_SNDMORE);
    SEND_STR (dealer, "world", 0);

    /* The REP sees only the body. */
    RECV_STR (rep, "hello");
    CHECK_MORE (rep);
    RECV_STR (rep, "world");
    CHECK_LAST (rep);
    SEND_STR (rep, "reply", 0);

    /* The DEALER gets the whole envelope back in front of the reply. */
    RECV_STR (dealer, "client");
    CHECK_MORE (dealer);
    RECV_BYTES (dealer, "", 0);
    CHECK_MORE (dealer);
    RECV_STR (dealer, "reply");
    CHECK_LAST (dealer);

    SEND_STR (router, "client", ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "reply", 0);
    RECV_STR (req, "reply");
    CHECK_LAST (req);

    /* A REQ without ZMQ_ROUTING_ID gets a generated id: 5 bytes, the first
     * zero. Replies addressed with it reach that REQ. */
    CHECK_RC (zmq_connect (anon, "inproc://reqrep-front"));
    SEND_STR (anon, "who am i", 0);
    id_len = recv_id (router, id);
    CHECK_EQ (id_len, 5);
    CHECK_EQ (id[0], 0);
    RECV_BYTES (router, "", 0);
    RECV_STR (router, "who am i");
    SEND_BYTES (router, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "anonymous", 0);
    RECV_STR (anon, "anonymous");

    /* The same REQ keeps its id for its next request. */
    SEND_STR (anon, "again", 0);
    id2_len = recv_id (router, id2);
    CHECK_EQ (id2_len, id_len);
    CHECK (memcmp (id, id2, id_len) == 0);
    RECV_BYTES (router, "", 0);
    RECV_STR (router, "again");

    CHECK_RC (zmq_close (anon));
    CHECK_RC (zmq_close (rep));
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
    CHECK_RC (zmq_close (req));
}

/* A REQ accepts a reply only if it starts with the empty delimiter; other
 * messages are dropped whole and it keeps waiting. */
static void test_req_drops_malformed_replies (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    CHECK_RC (zmq_setsockopt (req, ZMQ_ROUTING_ID, "R", 1));
    CHECK_RC (zmq_bind (router, "inproc://reqrep-malformed"));
    CHECK_RC (zmq_connect (req, "inproc://reqrep-malformed"));

    SEND_STR (req, "q", 0);
    RECV_STR (router, "R");
    RECV_BYTES (router, "", 0);
    RECV_STR (router, "q");

    /* No delimiter at all. */
    SEND_STR (router, "R", ZMQ_SNDMORE);
    SEND_STR (router, "bad 1", 0);
    /* A delimiter, but not first. */
    SEND_STR (router, "R", ZMQ_SNDMORE);
    SEND_STR (router, "hop", ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "bad 2", 0);
    /* A delimiter and nothing after it. */
    SEND_STR (router, "R", ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, 0);
    /* Well formed. */
    SEND_STR (router, "R", ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "good", 0);

    RECV_STR (req, "good");
    CHECK_LAST (req);

    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (router));
}

/* A REP behind a DEALER: the DEALER must supply the envelope itself. A
 * message with no empty frame is dropped by the REP; whatever precedes the
 * first empty frame comes back in front of the reply. */
static void test_rep_with_dealer (void *ctx)
{
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_bind (rep, "inproc://reqrep-dealer"));
    CHECK_RC (zmq_connect (dealer, "inproc://reqrep-dealer"));

    SEND_BYTES (dealer, "", 0, ZMQ_SNDMORE);
    SEND_STR (dealer, "hello", 0);
    RECV_STR (rep, "hello");
    CHECK_LAST (rep);
    SEND_STR (rep, "world", 0);
    RECV_BYTES (dealer, "", 0);
    CHECK_MORE (dealer);
    RECV_STR (dealer, "world");
    CHECK_LAST (dealer);

    /* Dropped: single frame, and two frames neither of them empty. */
    SEND_STR (dealer, "no delimiter", 0);
    SEND_STR (dealer, "x", ZMQ_SNDMORE);
    SEND_STR (dealer, "y", 0);
    /* Kept: a two-hop envelope. */
    SEND_STR (dealer, "hop1", ZMQ_SNDMORE);
    SEND_STR (dealer, "hop2", ZMQ_SNDMORE);
    SEND_BYTES (dealer, "", 0, ZMQ_SNDMORE);
    SEND_STR (dealer, "body", 0);

    RECV_STR (rep, "body");
    CHECK_LAST (rep);
    EXPECT_NOTHING (dealer);
    SEND_STR (rep, "answer", ZMQ_SNDMORE);
    SEND_STR (rep, "more", 0);
    RECV_STR (dealer, "hop1");
    CHECK_MORE (dealer);
    RECV_STR (dealer, "hop2");
    CHECK_MORE (dealer);
    RECV_BYTES (dealer, "", 0);
    CHECK_MORE (dealer);
    RECV_STR (dealer, "answer");
    CHECK_MORE (dealer);
    RECV_STR (dealer, "more");
    CHECK_LAST (dealer);
    EXPECT_NOTHING (rep);

    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (rep));
}

/* A REP behind a ROUTER that connects to it and names it with
 * ZMQ_CONNECT_ROUTING_ID. */
static void test_rep_with_router (void *ctx)
{
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    TU_SET_INT (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_RC (zmq_bind (rep, "inproc://reqrep-router"));
    CHECK_RC (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "svc", 3));
    CHECK_RC (zmq_connect (router, "inproc://reqrep-router"));

    SEND_STR (router, "svc", ZMQ_SNDMORE);
    SEND_STR (router, "trace", ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "job", 0);
    RECV_STR (rep, "job");
    CHECK_LAST (rep);
    SEND_STR (rep, "done", 0);

    RECV_STR (router, "svc");
    CHECK_MORE (router);
    RECV_STR (router, "trace");
    CHECK_MORE (router);
    RECV_BYTES (router, "", 0);
    CHECK_MORE (router);
    RECV_STR (router, "done");
    CHECK_LAST (router);

    CHECK_RC (zmq_close (router));
    CHECK_RC (zmq_close (rep));
}

/* ZMQ_REQ_CORRELATE: each request carries a 4-byte request id before the
 * delimiter, one more than the previous (as a native uint32); a reply is
 * accepted only with the id of the latest request. */
static void test_correlate (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    unsigned char id[256];
    size_t id_len;
    uint32_t req_id, next_id, bad_id;

    TU_SET_INT (req, ZMQ_REQ_CORRELATE, 1);
    CHECK_RC (zmq_bind (router, "inproc://reqrep-correlate"));
    CHECK_RC (zmq_connect (req, "inproc://reqrep-correlate"));

    SEND_STR (req, "ABC", ZMQ_SNDMORE);
    SEND_STR (req, "DEF", 0);
    id_len = recv_id (router, id);
    CHECK_EQ (RECV_FRAME (router, &req_id, sizeof req_id), 4);
    CHECK_MORE (router);
    RECV_BYTES (router, "", 0);
    CHECK_MORE (router);
    RECV_STR (router, "ABC");
    RECV_STR (router, "DEF");
    CHECK_LAST (router);

    /* Wrong request id: dropped. */
    bad_id = req_id + 1;
    SEND_BYTES (router, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (router, &bad_id, sizeof bad_id, ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "wrong", 0);
    /* No request id at all: dropped. */
    SEND_BYTES (router, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "missing", 0);
    /* Right id. */
    SEND_BYTES (router, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (router, &req_id, sizeof req_id, ZMQ_SNDMORE);
    SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
    SEND_STR (router, "right", 0);
    RECV_STR (req, "right");
    CHECK_LAST (req);

    SEND_STR (req, "next", 0);
    recv_id (router, id);
    CHECK_EQ (RECV_FRAME (router, &next_id, sizeof next_id), 4);
    CHECK_EQ (next_id, (uint32_t) (req_id + 1));
    RECV_BYTES (router, "", 0);
    RECV_STR (router, "next");

    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (router));
}

/* ZMQ_REQ_RELAXED: a REQ may send a new request before the reply to the
 * previous one; only a reply from the peer the latest request went to is
 * accepted, others are discarded. Round-robin goes on over all peers,
 * including the one whose reply was abandoned. */
static void test_relaxed (void *ctx)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *reps[K];
    char ep[64];
    int k;

    TU_SET_INT (req, ZMQ_REQ_RELAXED, 1);
    for (k = 0; k < K; k++) {
        reps[k] = TU_SOCKET (ctx, ZMQ_REP);
        make_endpoint (ep, sizeof ep, "relaxed", k);
        CHECK_RC (zmq_bind (reps[k], ep));
        CHECK_RC (zmq_connect (req, ep));
    }

    /* Second send before the reply has come back. */
    SEND_STR (req, "A", ZMQ_SNDMORE);
    SEND_STR (req, "B", 0);
    RECV_STR (reps[0], "A");
    RECV_STR (reps[0], "B");
    CHECK_EQ (tu_events (req), ZMQ_POLLOUT);
    SEND_STR (req, "C", 0);
    RECV_STR (reps[1], "C");
    SEND_STR (reps[0], "stale", 0);
    SEND_STR (reps[1], "for C", 0);
    RECV_STR (req, "for C");
    CHECK_LAST (req);

    /* The stale reply from reps[0] is never delivered. */
    SEND_STR (req, "D", 0);
    RECV_STR (reps[2], "D");
    SEND_STR (reps[2], "for D", 0);
    RECV_STR (req, "for D");

    /* reps[0]'s connection survived: it is next in turn. */
    SEND_STR (req, "E", 0);
    RECV_STR (reps[0], "E");
    SEND_STR (reps[0], "for E", 0);
    RECV_STR (req, "for E");

    /* Second send after the old reply has already arrived at the REQ. */
    SEND_STR (req, "F", 0);
    RECV_STR (reps[1], "F");
    SEND_STR (reps[1], "late", 0);
    CHECK (tu_poll_in (req, TU_TIMEOUT_MS));
    SEND_STR (req, "G", 0);
    RECV_STR (reps[2], "G");
    SEND_STR (reps[2], "for G", 0);
    RECV_STR (req, "for G");
    CHECK_LAST (req);

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (reps[k]));
    CHECK_RC (zmq_close (req));
}

/* Two requests queued on the same connection before the server exists.
 * Relaxed alone takes the first reply that comes back on that connection;
 * with ZMQ_REQ_CORRELATE as well, only the reply to the latest request. */
static void test_relaxed_same_pipe (void *ctx)
{
    int correlate;
    for (correlate = 0; correlate < 2; correlate++) {
        void *req = TU_SOCKET (ctx, ZMQ_REQ);
        void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
        char ep[64];
        int n;
        make_endpoint (ep, sizeof ep, "same-pipe", correlate);
        TU_SET_INT (req, ZMQ_REQ_RELAXED, 1);
        TU_SET_INT (req, ZMQ_REQ_CORRELATE, correlate);
        CHECK_RC (zmq_connect (req, ep));
        SEND_STR (req, "first", 0);
        SEND_STR (req, "second", 0);
        CHECK_RC (zmq_bind (router, ep));

        /* Bounce both requests back frame for frame. */
        for (n = 0; n < 2; n++) {
            int more;
            do {
                zmq_msg_t m;
                CHECK_RC (zmq_msg_init (&m));
                CHECK_RC (zmq_msg_recv (&m, router, 0));
                more = zmq_msg_more (&m);
                CHECK_RC (zmq_msg_send (&m, router, more ? ZMQ_SNDMORE : 0));
            } while (more);
        }
        RECV_STR (req, correlate ? "second" : "first");
        CHECK_LAST (req);

        CHECK_RC (zmq_close (req));
        CHECK_RC (zmq_close (router));
    }
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_lockstep (ctx);
    test_multipart (ctx);
    test_req_round_robin (ctx);
    test_rep_fair_queue (ctx);
    test_envelope_through_broker (ctx);
    test_req_drops_malformed_replies (ctx);
    test_rep_with_dealer (ctx);
    test_rep_with_router (ctx);
    test_correlate (ctx);
    test_relaxed (ctx);
    test_relaxed_same_pipe (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
