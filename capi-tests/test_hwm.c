/* High-water marks over inproc.
 *
 * Man pages: zmq_setsockopt(3) (ZMQ_SNDHWM, ZMQ_RCVHWM), zmq_socket(3)
 * (what each type does at the mark), zmq_inproc(7).
 *
 * An inproc connection is one queue per direction whose limit is the
 * sender's ZMQ_SNDHWM plus the receiver's ZMQ_RCVHWM, whichever side binds
 * and whichever comes first; if either of the two is 0 the queue is
 * unbounded. (The header has no ZMQ_HWM: that 2.x option is gone.)
 */
#include "testutil.h"

#include <pthread.h>

/* How many messages count as "no limit". */
#define UNLIMITED_PROBE 20000

static void *ctx;
static int endpoint_seq;

static void next_endpoint (char *buf, size_t size)
{
    snprintf (buf, size, "inproc://hwm-%d", endpoint_seq++);
}

/* 1 if s becomes writable within timeout_ms. */
static int poll_out (void *s, long timeout_ms)
{
    zmq_pollitem_t item;
    memset (&item, 0, sizeof item);
    item.socket = s;
    item.events = ZMQ_POLLOUT;
    int rc = CHECK_RC (zmq_poll (&item, 1, timeout_ms));
    return rc == 1 && (item.revents & ZMQ_POLLOUT) != 0;
}

/* Send empty frames without blocking until refused; the count. */
static int fill (void *s, int limit)
{
    int n = 0;
    while (n < limit) {
        errno = 0;
        if (zmq_send (s, NULL, 0, ZMQ_DONTWAIT) != 0)
            break;
        n++;
    }
    if (n < limit)
        CHECK_EQ (errno, EAGAIN);
    return n;
}

/* Receive without blocking until nothing is left; the count. */
static int drain (void *s)
{
    int n = 0;
    char buf[8];
    while (1) {
        errno = 0;
        if (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) < 0)
            break;
        n++;
    }
    CHECK_EQ (errno, EAGAIN);
    return n;
}

enum order
{
    BIND_FIRST,
    CONNECT_FIRST
};

/* PUSH -> PULL with the given marks (-1: leave the default); returns how
 * many messages fit. Checks that all of them arrive and that the sender
 * can go on once the receiver has drained the queue. */
static int count_queue (int sndhwm, int rcvhwm, enum order order,
                        int sender_binds)
{
    char ep[64];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *binder = sender_binds ? push : pull;
    void *connecter = sender_binds ? pull : push;
    int sent, got;

    next_endpoint (ep, sizeof ep);
    if (sndhwm >= 0)
        TU_SET_INT (push, ZMQ_SNDHWM, sndhwm);
    if (rcvhwm >= 0)
        TU_SET_INT (pull, ZMQ_RCVHWM, rcvhwm);
    if (order == BIND_FIRST) {
        CHECK_RC (zmq_bind (binder, ep));
        CHECK_RC (zmq_connect (connecter, ep));
    } else {
        CHECK_RC (zmq_connect (connecter, ep));
        CHECK_RC (zmq_bind (binder, ep));
    }
    /* The connection may reach the sender asynchronously. */
    CHECK (poll_out (push, 2000));

    sent = fill (push, UNLIMITED_PROBE);
    got = drain (pull);
    CHECK_EQ (got, sent);

    /* Once the queue is empty the sender is writable again. */
    CHECK (poll_out (push, 2000));
    SEND_STR (push, "more", ZMQ_DONTWAIT);
    RECV_STR (pull, "more");

    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
    return sent;
}

static void test_defaults (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PUSH);
    int value;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (s, ZMQ_SNDHWM, &value, &len));
    CHECK_EQ (value, 1000);
    CHECK_RC (zmq_getsockopt (s, ZMQ_RCVHWM, &value, &len));
    CHECK_EQ (value, 1000);
    CHECK_EQ (zmq_close (s), 0);

    /* 1000 + 1000. */
    CHECK_EQ (count_queue (-1, -1, BIND_FIRST, 0), 2000);
    CHECK_EQ (count_queue (-1, -1, CONNECT_FIRST, 0), 2000);
}

static void test_sum_of_marks (void)
{
    static const int marks[][2] = {{1, 1}, {5, 3}, {10, 20}, {1, 100}};
    size_t i;
    for (i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        int expect = marks[i][0] + marks[i][1];
        int sender_binds;
        for (sender_binds = 0; sender_binds < 2; sender_binds++) {
            CHECK_EQ (count_queue (marks[i][0], marks[i][1], BIND_FIRST,
                                   sender_binds),
                      expect);
            CHECK_EQ (count_queue (marks[i][0], marks[i][1], CONNECT_FIRST,
                                   sender_binds),
                      expect);
        }
    }
}

static void test_zero_is_unlimited (void)
{
    /* Either mark at 0 lifts the limit of the whole queue. */
    CHECK_EQ (count_queue (0, 3, BIND_FIRST, 0), UNLIMITED_PROBE);
    CHECK_EQ (count_queue (3, 0, CONNECT_FIRST, 1), UNLIMITED_PROBE);
    CHECK_EQ (count_queue (0, 0, BIND_FIRST, 1), UNLIMITED_PROBE);
}

static void test_pair_and_dealer_block_too (void)
{
    static const int types[][2] = {{ZMQ_PAIR, ZMQ_PAIR},
                                   {ZMQ_DEALER, ZMQ_DEALER},
                                   {ZMQ_DEALER, ZMQ_ROUTER}};
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        char ep[64];
        void *snd = TU_SOCKET (ctx, types[i][0]);
        void *rcv = TU_SOCKET (ctx, types[i][1]);
        next_endpoint (ep, sizeof ep);
        TU_SET_INT (snd, ZMQ_SNDHWM, 4);
        TU_SET_INT (rcv, ZMQ_RCVHWM, 6);
        CHECK_RC (zmq_bind (rcv, ep));
        CHECK_RC (zmq_connect (snd, ep));
        CHECK (poll_out (snd, 2000));
        CHECK_EQ (fill (snd, 1000), 10);
        /* ROUTER prefixes each message with the peer's routing id. */
        CHECK_EQ (drain (rcv), types[i][1] == ZMQ_ROUTER ? 20 : 10);
        CHECK_EQ (zmq_close (snd), 0);
        CHECK_EQ (zmq_close (rcv), 0);
    }
}

static void test_blocking_send_times_out_at_mark (void)
{
    char ep[64];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *watch;
    unsigned long us;
    next_endpoint (ep, sizeof ep);
    TU_SET_INT (push, ZMQ_SNDHWM, 2);
    TU_SET_INT (pull, ZMQ_RCVHWM, 2);
    TU_SET_INT (push, ZMQ_SNDTIMEO, 200);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    CHECK_EQ (fill (push, 100), 4);

    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EAGAIN);
    us = zmq_stopwatch_stop (watch);
    CHECK (us + 2000 >= 200000UL);
    CHECK (us < 5000000UL);

    CHECK_EQ (drain (pull), 4);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

/* A sender blocked at the mark is released when the receiver reads. */
struct blocked_sender
{
    void *push;
    int rc;
    int err;
};

static void *send_last (void *arg)
{
    struct blocked_sender *b = (struct blocked_sender *) arg;
    b->rc = zmq_send (b->push, "last", 4, 0);
    b->err = errno;
    return NULL;
}

static void test_reader_releases_blocked_sender (void)
{
    char ep[64], buf[8];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    struct blocked_sender b;
    pthread_t thread;
    int i;
    next_endpoint (ep, sizeof ep);
    TU_SET_INT (push, ZMQ_SNDHWM, 3);
    TU_SET_INT (pull, ZMQ_RCVHWM, 2);
    TU_SET_INT (push, ZMQ_SNDTIMEO, 5000);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    CHECK_EQ (fill (push, 100), 5);

    b.push = push;
    b.rc = -2;
    b.err = 0;
    CHECK_EQ (pthread_create (&thread, NULL, send_last, &b), 0);
    /* Whether the thread blocks before or after these reads, its send
     * must succeed and its message comes after the five. */
    for (i = 0; i < 5; i++)
        CHECK_EQ (zmq_recv (pull, buf, sizeof buf, 0), 0);
    RECV_STR (pull, "last");
    CHECK_EQ (pthread_join (thread, NULL), 0);
    CHECK_EQ (b.rc, 4);

    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

/* XPUB shows when the subscription has arrived (it receives it), so the
 * number of messages that get through can be checked exactly: the PUB
 * family drops what does not fit instead of blocking. */
static void test_xpub_drops_at_mark (void)
{
    char ep[64];
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int i;
    next_endpoint (ep, sizeof ep);
    TU_SET_INT (xpub, ZMQ_SNDHWM, 10);
    TU_SET_INT (sub, ZMQ_RCVHWM, 20);
    CHECK_RC (zmq_bind (xpub, ep));
    CHECK_RC (zmq_connect (sub, ep));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    RECV_BYTES (xpub, "\x01", 1);

    for (i = 0; i < 100; i++)
        CHECK_EQ (zmq_send (xpub, "", 0, ZMQ_DONTWAIT), 0);
    CHECK_EQ (drain (sub), 30);
    /* Blocking sends do not block either. */
    for (i = 0; i < 100; i++)
        CHECK_EQ (zmq_send (xpub, "", 0, 0), 0);
    CHECK_EQ (zmq_close (xpub), 0);
    CHECK_EQ (zmq_close (sub), 0);
}

static void test_pub_never_blocks (void)
{
    char ep[64], buf[8];
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int i, probes = 0, got;
    next_endpoint (ep, sizeof ep);
    TU_SET_INT (pub, ZMQ_SNDHWM, 10);
    TU_SET_INT (sub, ZMQ_RCVHWM, 20);
    CHECK_RC (zmq_bind (pub, ep));
    CHECK_RC (zmq_connect (sub, ep));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    /* Publish probes until one gets through: then the subscription is in
     * place. Probes sent before that were dropped. */
    for (i = 0; i < 200 && probes == 0; i++) {
        CHECK_EQ (zmq_send (pub, "p", 1, ZMQ_DONTWAIT), 1);
        if (tu_poll_in (sub, 10))
            probes = drain (sub);
    }
    CHECK (probes > 0);

    for (i = 0; i < 1000; i++)
        CHECK_EQ (zmq_send (pub, "", 0, ZMQ_DONTWAIT), 0);
    got = drain (sub);
    /* At most the 30 the queue holds; the probes just read may still be
     * counted against the queue by the publisher. */
    CHECK (got <= 30);
    CHECK (got >= 30 - probes);
    CHECK_ERRNO (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_close (pub), 0);
    CHECK_EQ (zmq_close (sub), 0);
}

static void test_bad_values (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PUSH);
    int value = -1;
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_SNDHWM, &value, sizeof value),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_RCVHWM, &value, sizeof value),
                 EINVAL);
    value = 5;
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_SNDHWM, &value, sizeof value - 1),
                 EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_defaults ();
    test_sum_of_marks ();
    test_zero_is_unlimited ();
    test_pair_and_dealer_block_too ();
    test_blocking_send_times_out_at_mark ();
    test_reader_releases_blocked_sender ();
    test_xpub_drops_at_mark ();
    test_pub_never_blocks ();
    test_bad_values ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
