/* PUSH and PULL sockets over inproc: round-robin out, fair-queue in, whole
 * messages only, and what a PUSH does with nowhere to send.
 *
 * Man pages: zmq_socket(3) (ZMQ_PUSH, ZMQ_PULL), zmq_setsockopt(3)
 * (ZMQ_SNDHWM, ZMQ_RCVHWM); RFC 30/PIPELINE.
 *
 * Distribution order: a PUSH hands message i to its peers in the order
 * their connections were attached, cycling: peer (i mod K). A PULL reads
 * one message from each peer with something queued in turn, again in
 * attach order. Connecting from the side that distributes (or collects)
 * makes the attach order the order of the zmq_connect calls.
 */
#include "testutil.h"

#define K 3

static void make_endpoint (char *buf, size_t len, const char *test, int n)
{
    snprintf (buf, len, "inproc://pushpull-%s-%d", test, n);
}

/* PUSH connected to K PULLs, in that order: message i goes to PULL
 * (i mod K), whole and in order, and nowhere else. */
static void test_round_robin_exact (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pulls[K];
    char ep[64], buf[16];
    int i, k;
    const int n = 10; /* not a multiple of K: 4, 3, 3 */

    for (k = 0; k < K; k++) {
        pulls[k] = TU_SOCKET (ctx, ZMQ_PULL);
        make_endpoint (ep, sizeof ep, "rr", k);
        CHECK_RC (zmq_bind (pulls[k], ep));
        CHECK_RC (zmq_connect (push, ep));
    }
    for (i = 0; i < n; i++) {
        snprintf (buf, sizeof buf, "msg %d", i);
        SEND_STR (push, buf, 0);
    }
    for (k = 0; k < K; k++) {
        for (i = k; i < n; i += K) {
            snprintf (buf, sizeof buf, "msg %d", i);
            RECV_STR (pulls[k], buf);
            CHECK_LAST (pulls[k]);
        }
        EXPECT_NOTHING (pulls[k]);
    }

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (pulls[k]));
    CHECK_RC (zmq_close (push));
}

/* Same with the PUSH bound and the PULLs connecting: once the PUSH has seen
 * all K connections (tu_events makes it process them), N = 3K messages are
 * shared exactly K-ways, each PULL getting every K-th message. */
static void test_round_robin_bound_push (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pulls[K];
    char buf[16];
    int i, k, first[K];
    const int n = 3 * K;

    CHECK_RC (zmq_bind (push, "inproc://pushpull-rr-bound"));
    for (k = 0; k < K; k++) {
        pulls[k] = TU_SOCKET (ctx, ZMQ_PULL);
        CHECK_RC (zmq_connect (pulls[k], "inproc://pushpull-rr-bound"));
    }
    CHECK_EQ (tu_events (push), ZMQ_POLLOUT);
    for (i = 0; i < n; i++) {
        snprintf (buf, sizeof buf, "%d", i);
        SEND_STR (push, buf, 0);
    }
    for (k = 0; k < K; k++) {
        char got[16];
        size_t len = RECV_FRAME (pulls[k], got, sizeof got - 1);
        got[len] = '\0';
        first[k] = atoi (got);
        CHECK (first[k] >= 0 && first[k] < K);
        for (i = first[k] + K; i < n; i += K) {
            snprintf (buf, sizeof buf, "%d", i);
            RECV_STR (pulls[k], buf);
        }
        EXPECT_NOTHING (pulls[k]);
    }
    /* Every residue class went to exactly one PULL. */
    CHECK (first[0] != first[1] && first[1] != first[2]
           && first[0] != first[2]);

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (pulls[k]));
    CHECK_RC (zmq_close (push));
}

/* PULL with K PUSHes connected in order, each having queued M messages
 * before the PULL reads: the PULL takes one from each in turn. */
static void test_fair_queue (void *ctx)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *pushes[K];
    char buf[16];
    int i, k;
    const int m = 4;

    CHECK_RC (zmq_bind (pull, "inproc://pushpull-fq"));
    for (k = 0; k < K; k++) {
        pushes[k] = TU_SOCKET (ctx, ZMQ_PUSH);
        CHECK_RC (zmq_connect (pushes[k], "inproc://pushpull-fq"));
    }
    for (k = 0; k < K; k++)
        for (i = 0; i < m; i++) {
            snprintf (buf, sizeof buf, "p%d-%d", k, i);
            SEND_STR (pushes[k], buf, 0);
        }
    for (i = 0; i < m; i++)
        for (k = 0; k < K; k++) {
            snprintf (buf, sizeof buf, "p%d-%d", k, i);
            RECV_STR (pull, buf);
        }
    EXPECT_NOTHING (pull);

    /* A peer with nothing queued is skipped, not waited for. */
    SEND_STR (pushes[2], "only 2", 0);
    SEND_STR (pushes[2], "only 2 again", 0);
    RECV_STR (pull, "only 2");
    RECV_STR (pull, "only 2 again");
    EXPECT_NOTHING (pull);

    for (k = 0; k < K; k++)
        CHECK_RC (zmq_close (pushes[k]));
    CHECK_RC (zmq_close (pull));
}

/* Two PUSHes write the frames of their multipart messages alternately; the
 * PULL still sees each message whole, never frames of two mixed. */
static void test_multipart_not_interleaved (void *ctx)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *p0 = TU_SOCKET (ctx, ZMQ_PUSH);
    void *p1 = TU_SOCKET (ctx, ZMQ_PUSH);
    char buf[16];
    int i, f, seen[2] = {0, 0};
    const int msgs = 5, frames = 3;

    CHECK_RC (zmq_bind (pull, "inproc://pushpull-multipart"));
    CHECK_RC (zmq_connect (p0, "inproc://pushpull-multipart"));
    CHECK_RC (zmq_connect (p1, "inproc://pushpull-multipart"));

    for (i = 0; i < msgs; i++)
        for (f = 0; f < frames; f++) {
            int flags = f < frames - 1 ? ZMQ_SNDMORE : 0;
            snprintf (buf, sizeof buf, "0:%d:%d", i, f);
            SEND_STR (p0, buf, flags);
            /* Read one frame in the middle of the writers' messages. */
            if (i == 2 && f == 1) {
                char got[16];
                size_t len = RECV_FRAME (pull, got, sizeof got - 1);
                got[len] = '\0';
                CHECK_STREQ (got, "0:0:0");
                CHECK_MORE (pull);
                RECV_STR (pull, "0:0:1");
                CHECK_MORE (pull);
                RECV_STR (pull, "0:0:2");
                CHECK_LAST (pull);
                seen[0] = 1;
            }
            snprintf (buf, sizeof buf, "1:%d:%d", i, f);
            SEND_STR (p1, buf, flags);
        }

    for (i = 0; i < 2 * msgs - 1; i++) {
        char got[16];
        int who, idx, fr;
        size_t len = RECV_FRAME (pull, got, sizeof got - 1);
        got[len] = '\0';
        CHECK_EQ (sscanf (got, "%d:%d:%d", &who, &idx, &fr), 3);
        CHECK (who == 0 || who == 1);
        CHECK_EQ (fr, 0);
        /* Messages from one sender arrive in its order. */
        CHECK_EQ (idx, seen[who]);
        for (f = 1; f < frames; f++) {
            CHECK_MORE (pull);
            snprintf (buf, sizeof buf, "%d:%d:%d", who, idx, f);
            RECV_STR (pull, buf);
        }
        CHECK_LAST (pull);
        seen[who]++;
    }
    CHECK_EQ (seen[0], msgs);
    CHECK_EQ (seen[1], msgs);
    EXPECT_NOTHING (pull);

    CHECK_RC (zmq_close (p1));
    CHECK_RC (zmq_close (p0));
    CHECK_RC (zmq_close (pull));
}

/* Round-robin counts whole messages: a multipart message goes to one PULL. */
static void test_multipart_round_robin (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *a = TU_SOCKET (ctx, ZMQ_PULL);
    void *b = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (a, "inproc://pushpull-mrr-a"));
    CHECK_RC (zmq_bind (b, "inproc://pushpull-mrr-b"));
    CHECK_RC (zmq_connect (push, "inproc://pushpull-mrr-a"));
    CHECK_RC (zmq_connect (push, "inproc://pushpull-mrr-b"));

    SEND_STR (push, "m1a", ZMQ_SNDMORE);
    SEND_STR (push, "m1b", 0);
    SEND_STR (push, "m2a", ZMQ_SNDMORE);
    SEND_STR (push, "m2b", ZMQ_SNDMORE);
    SEND_STR (push, "m2c", 0);
    SEND_STR (push, "m3", 0);

    RECV_STR (a, "m1a");
    CHECK_MORE (a);
    RECV_STR (a, "m1b");
    CHECK_LAST (a);
    RECV_STR (a, "m3");
    CHECK_LAST (a);
    RECV_STR (b, "m2a");
    RECV_STR (b, "m2b");
    RECV_STR (b, "m2c");
    CHECK_LAST (b);
    EXPECT_NOTHING (a);
    EXPECT_NOTHING (b);

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (push));
}

/* A PUSH with no peer blocks: EAGAIN at once with ZMQ_DONTWAIT, EAGAIN
 * after ZMQ_SNDTIMEO otherwise. Being bound with nobody connected is the
 * same. Such a PUSH is not writable. */
static void test_no_peers_blocks (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (push, ZMQ_SNDTIMEO, 100);

    CHECK_ERRNO (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK_EQ (tu_events (push), 0);
    CHECK (!tu_poll_out (push, 10));

    CHECK_RC (zmq_bind (push, "inproc://pushpull-nopeer"));
    CHECK_ERRNO (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EAGAIN);

    /* Once a peer is there the same socket sends. */
    CHECK_RC (zmq_connect (pull, "inproc://pushpull-nopeer"));
    SEND_STR (push, "now", 0);
    RECV_STR (pull, "now");
    EXPECT_NOTHING (pull);

    /* A PULL with no peer has nothing to give. */
    void *lonely = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (lonely, ZMQ_RCVTIMEO, 50);
    char buf[8];
    CHECK_ERRNO (zmq_recv (lonely, buf, sizeof buf, 0), EAGAIN);
    CHECK_RC (zmq_close (lonely));

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* PUSH cannot receive and PULL cannot send: ENOTSUP, with or without a
 * peer, through both APIs; ZMQ_EVENTS never offers the missing direction. */
static void test_wrong_direction (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    char buf[8];
    zmq_msg_t m;

    CHECK_ERRNO (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);

    CHECK_RC (zmq_bind (pull, "inproc://pushpull-direction"));
    CHECK_RC (zmq_connect (push, "inproc://pushpull-direction"));
    CHECK_ERRNO (zmq_recv (push, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERRNO (zmq_send (pull, "x", 1, 0), ENOTSUP);
    CHECK_RC (zmq_msg_init (&m));
    CHECK_ERRNO (zmq_msg_recv (&m, push, 0), ENOTSUP);
    CHECK_ERRNO (zmq_msg_send (&m, pull, 0), ENOTSUP);
    CHECK_RC (zmq_msg_close (&m));

    SEND_STR (push, "x", 0);
    CHECK (tu_poll_in (pull, TU_TIMEOUT_MS));
    CHECK_EQ (tu_events (push), ZMQ_POLLOUT);
    CHECK_EQ (tu_events (pull), ZMQ_POLLIN);
    RECV_STR (pull, "x");
    CHECK_EQ (tu_events (pull), 0);

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* Over inproc the queue between a connected pair holds SNDHWM of the
 * sender plus RCVHWM of the receiver, whichever side binds. Before the
 * bind exists the connecting PUSH can queue its own SNDHWM. */
static void test_hwm (void *ctx)
{
    int pass, n;
    for (pass = 0; pass < 2; pass++) {
        void *push = TU_SOCKET (ctx, ZMQ_PUSH);
        void *pull = TU_SOCKET (ctx, ZMQ_PULL);
        char ep[64];
        make_endpoint (ep, sizeof ep, "hwm", pass);
        TU_SET_INT (push, ZMQ_SNDHWM, 3);
        TU_SET_INT (pull, ZMQ_RCVHWM, 2);
        if (pass == 0) {
            CHECK_RC (zmq_bind (pull, ep));
            CHECK_RC (zmq_connect (push, ep));
        } else {
            CHECK_RC (zmq_bind (push, ep));
            CHECK_RC (zmq_connect (pull, ep));
        }
        for (n = 0; n < 100; n++)
            if (zmq_send (push, "m", 1, ZMQ_DONTWAIT) != 1)
                break;
        CHECK_EQ (errno, EAGAIN);
        CHECK_EQ (n, 5);
        for (n = 0; n < 5; n++)
            RECV_STR (pull, "m");
        EXPECT_NOTHING (pull);
        /* Room again once the receiver has drained the queue. */
        SEND_STR (push, "again", 0);
        RECV_STR (pull, "again");
        CHECK_RC (zmq_close (pull));
        CHECK_RC (zmq_close (push));
    }

    {
        void *push = TU_SOCKET (ctx, ZMQ_PUSH);
        void *pull = TU_SOCKET (ctx, ZMQ_PULL);
        TU_SET_INT (push, ZMQ_SNDHWM, 3);
        TU_SET_INT (pull, ZMQ_RCVHWM, 2);
        CHECK_RC (zmq_connect (push, "inproc://pushpull-hwm-early"));
        for (n = 0; n < 100; n++)
            if (zmq_send (push, "e", 1, ZMQ_DONTWAIT) != 1)
                break;
        CHECK_EQ (errno, EAGAIN);
        CHECK_EQ (n, 3);
        CHECK_RC (zmq_bind (pull, "inproc://pushpull-hwm-early"));
        for (n = 0; n < 3; n++)
            RECV_STR (pull, "e");
        EXPECT_NOTHING (pull);
        CHECK_RC (zmq_close (pull));
        CHECK_RC (zmq_close (push));
    }
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_round_robin_exact (ctx);
    test_round_robin_bound_push (ctx);
    test_fair_queue (ctx);
    test_multipart_not_interleaved (ctx);
    test_multipart_round_robin (ctx);
    test_no_peers_blocks (ctx);
    test_wrong_direction (ctx);
    test_hwm (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
