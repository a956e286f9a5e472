/* PAIR sockets over inproc: one exclusive peer, both directions, both
 * bind/connect orders, and what happens to a third party.
 *
 * Man pages: zmq_socket(3) (ZMQ_PAIR); RFC 31/EXPAIR.
 *
 * A PAIR talks to exactly one peer. Once it has one, a further connection
 * is refused: the intruder's messages are never delivered and it never
 * hears anything. When the peer goes away the PAIR is free to accept a new
 * one; because the old peer's departure reaches the bound PAIR
 * asynchronously, the reconnect test retries with a fresh socket until
 * one is accepted (bounded), instead of sleeping.
 */
#include "testutil.h"

static void test_bind_then_connect (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://pair-bind-first"));
    CHECK_RC (zmq_connect (b, "inproc://pair-bind-first"));

    SEND_STR (b, "from b", 0);
    RECV_STR (a, "from b");
    CHECK_LAST (a);
    SEND_STR (a, "from a", 0);
    RECV_STR (b, "from a");
    CHECK_LAST (b);
    EXPECT_NOTHING (a);
    EXPECT_NOTHING (b);

    /* Empty messages are messages too. */
    SEND_BYTES (a, "", 0, 0);
    RECV_BYTES (b, "", 0);
    CHECK_LAST (b);

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Over inproc a connect may come before the bind; what the connecting side
 * sends meanwhile is queued and delivered once the bind appears. */
static void test_connect_then_bind (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_connect (b, "inproc://pair-connect-first"));
    SEND_STR (b, "early 1", ZMQ_DONTWAIT);
    SEND_STR (b, "early 2", ZMQ_DONTWAIT);
    CHECK_RC (zmq_bind (a, "inproc://pair-connect-first"));

    RECV_STR (a, "early 1");
    RECV_STR (a, "early 2");
    SEND_STR (a, "reply", 0);
    RECV_STR (b, "reply");
    EXPECT_NOTHING (a);
    EXPECT_NOTHING (b);

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Both directions at once, each keeping its own order. */
static void test_bidirectional (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    char buf[32], want[32];
    int i;
    CHECK_RC (zmq_bind (a, "inproc://pair-both-ways"));
    CHECK_RC (zmq_connect (b, "inproc://pair-both-ways"));

    for (i = 0; i < 50; i++) {
        snprintf (buf, sizeof buf, "a%d", i);
        SEND_STR (a, buf, 0);
        snprintf (buf, sizeof buf, "b%d", i);
        SEND_STR (b, buf, 0);
    }
    for (i = 0; i < 50; i++) {
        snprintf (want, sizeof want, "a%d", i);
        RECV_STR (b, want);
        snprintf (want, sizeof want, "b%d", i);
        RECV_STR (a, want);
    }
    EXPECT_NOTHING (a);
    EXPECT_NOTHING (b);

    /* A connected PAIR is writable; it is readable only with a message
     * waiting. */
    CHECK_EQ (tu_events (a), ZMQ_POLLOUT);
    SEND_STR (b, "x", 0);
    CHECK (tu_poll_in (a, TU_TIMEOUT_MS));
    CHECK_EQ (tu_events (a), ZMQ_POLLIN | ZMQ_POLLOUT);
    RECV_STR (a, "x");

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Frames of a message arrive together, in order, with the more flag on
 * all but the last; empty frames survive. */
static void test_multipart (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://pair-multipart"));
    CHECK_RC (zmq_connect (b, "inproc://pair-multipart"));

    SEND_STR (a, "one", ZMQ_SNDMORE);
    SEND_BYTES (a, "", 0, ZMQ_SNDMORE);
    SEND_STR (a, "three", 0);
    SEND_STR (a, "single", 0);

    RECV_STR (b, "one");
    CHECK_MORE (b);
    RECV_BYTES (b, "", 0);
    CHECK_MORE (b);
    RECV_STR (b, "three");
    CHECK_LAST (b);
    RECV_STR (b, "single");
    CHECK_LAST (b);

    /* The same through zmq_msg_send, the other way. */
    zmq_msg_t m;
    CHECK_RC (zmq_msg_init_size (&m, 2));
    memcpy (zmq_msg_data (&m), "p1", 2);
    CHECK_EQ (CHECK_RC (zmq_msg_send (&m, b, ZMQ_SNDMORE)), 2);
    CHECK_RC (zmq_msg_init_size (&m, 2));
    memcpy (zmq_msg_data (&m), "p2", 2);
    CHECK_EQ (CHECK_RC (zmq_msg_send (&m, b, 0)), 2);
    CHECK_RC (zmq_msg_init (&m));
    CHECK_EQ (CHECK_RC (zmq_msg_recv (&m, a, 0)), 2);
    CHECK (zmq_msg_more (&m));
    CHECK_EQ (CHECK_RC (zmq_msg_recv (&m, a, 0)), 2);
    CHECK (!zmq_msg_more (&m));
    CHECK (memcmp (zmq_msg_data (&m), "p2", 2) == 0);
    CHECK_RC (zmq_msg_close (&m));

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* With no peer at all a PAIR cannot send (EAGAIN, or after SNDTIMEO) and
 * has nothing to receive. */
static void test_no_peer (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    TU_SET_INT (a, ZMQ_SNDTIMEO, 50);
    TU_SET_INT (a, ZMQ_RCVTIMEO, 50);
    CHECK_ERRNO (zmq_send (a, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_send (a, "x", 1, 0), EAGAIN);
    EXPECT_NOTHING (a);
    char buf[8];
    CHECK_ERRNO (zmq_recv (a, buf, sizeof buf, 0), EAGAIN);
    CHECK_EQ (tu_events (a), 0);

    CHECK_RC (zmq_bind (a, "inproc://pair-no-peer"));
    CHECK_ERRNO (zmq_send (a, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (tu_events (a), 0);
    CHECK_RC (zmq_close (a));
}

/* A second PAIR connecting to an already paired PAIR is refused: nothing
 * it sends is delivered, nothing is sent to it, the original pair keeps
 * working, and the intruder ends up with no peer (not writable). */
static void test_second_peer_refused (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *c = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://pair-intruder"));
    CHECK_RC (zmq_connect (b, "inproc://pair-intruder"));
    SEND_STR (b, "hello", 0);
    RECV_STR (a, "hello");

    CHECK_RC (zmq_connect (c, "inproc://pair-intruder"));
    /* Whether this is accepted locally before the refusal is processed is
     * not specified; it must never reach a. */
    (void) zmq_send (c, "intruder", 8, ZMQ_DONTWAIT);

    SEND_STR (b, "still b", 0);
    RECV_STR (a, "still b");
    CHECK (!tu_poll_in (a, 100));

    SEND_STR (a, "to b", 0);
    RECV_STR (b, "to b");
    CHECK (!tu_poll_in (c, 100));

    /* The refused connection is torn down: c has no peer any more. */
    CHECK (tu_await_not_writable (c));
    CHECK_ERRNO (zmq_send (c, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK (!tu_poll_in (a, 0));

    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* After its peer closes, a bound PAIR accepts a new peer. The old peer's
 * departure is asynchronous, so each attempt uses a new socket that sends
 * a probe; an attempt made too early is refused and simply retried. */
static void test_reconnect_after_close (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *c = NULL;
    int attempt, accepted = 0;
    CHECK_RC (zmq_bind (a, "inproc://pair-reconnect"));
    CHECK_RC (zmq_connect (b, "inproc://pair-reconnect"));
    SEND_STR (b, "first peer", 0);
    RECV_STR (a, "first peer");
    CHECK_RC (zmq_close (b));

    for (attempt = 0; attempt < 100 && !accepted; attempt++) {
        c = TU_SOCKET (ctx, ZMQ_PAIR);
        CHECK_RC (zmq_connect (c, "inproc://pair-reconnect"));
        if (zmq_send (c, "probe", 5, ZMQ_DONTWAIT) == 5 && tu_poll_in (a, 20)) {
            RECV_STR (a, "probe");
            accepted = 1;
        } else {
            CHECK_RC (zmq_close (c));
            c = NULL;
        }
    }
    CHECK (accepted);

    SEND_STR (a, "welcome", 0);
    RECV_STR (c, "welcome");
    SEND_STR (c, "thanks", 0);
    RECV_STR (a, "thanks");
    EXPECT_NOTHING (a);

    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (a));
}

/* Both sides may go and a fresh pair reuse the name after zmq_unbind:
 * the new pair works and sees nothing of the old one. */
static void test_rebind_same_name (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://pair-rebind"));
    CHECK_RC (zmq_connect (b, "inproc://pair-rebind"));
    SEND_STR (b, "old", 0);
    /* zmq_close releases an inproc name only once the socket is reaped;
     * zmq_unbind releases it at once. */
    CHECK_RC (zmq_unbind (a, "inproc://pair-rebind"));
    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (b));

    a = TU_SOCKET (ctx, ZMQ_PAIR);
    b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://pair-rebind"));
    CHECK_RC (zmq_connect (b, "inproc://pair-rebind"));
    SEND_STR (b, "new", 0);
    RECV_STR (a, "new");
    EXPECT_NOTHING (a);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_bind_then_connect (ctx);
    test_connect_then_bind (ctx);
    test_bidirectional (ctx);
    test_multipart (ctx);
    test_no_peer (ctx);
    test_second_peer_refused (ctx);
    test_reconnect_after_close (ctx);
    test_rebind_same_name (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
