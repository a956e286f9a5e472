/* ZMQ_IMMEDIATE over inproc.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_IMMEDIATE): queue messages only to
 * completed connections.
 *
 * Over inproc a connection is complete from the moment zmq_connect returns,
 * even before the endpoint is bound: the reference library attaches the
 * connecting side's queue at once and hands it over when the bind appears.
 * So ZMQ_IMMEDIATE changes nothing for inproc: messages sent before the
 * bind are queued and delivered after it, with or without the option.
 * What does make an inproc socket stop queueing is its peer going away;
 * inproc never reconnects, so a new socket bound to the same name later is
 * not connected to it.
 */
#include "testutil.h"

/* The option is a boolean: 0 (default) or 1, anything else EINVAL. */
static void test_option (void *ctx)
{
    void *s = TU_SOCKET (ctx, ZMQ_PUSH);
    CHECK_BOOL_OPTION (s, ZMQ_IMMEDIATE);
    CHECK_RC (zmq_close (s));
}

/* Connect before bind, with (immediate = 1) or without the option: the
 * PUSH is writable at once, what it sends is queued, and the PULL that
 * binds later receives all of it in order. */
static void test_connect_before_bind (void *ctx, int immediate)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://immediate-early-%d", immediate);
    TU_SET_INT (push, ZMQ_IMMEDIATE, immediate);

    CHECK_RC (zmq_connect (push, ep));
    CHECK_EQ (tu_events (push), ZMQ_POLLOUT);
    SEND_STR (push, "queued 1", ZMQ_DONTWAIT);
    SEND_STR (push, "queued 2", ZMQ_DONTWAIT);

    CHECK_RC (zmq_bind (pull, ep));
    RECV_STR (pull, "queued 1");
    RECV_STR (pull, "queued 2");
    SEND_STR (push, "after bind", 0);
    RECV_STR (pull, "after bind");
    EXPECT_NOTHING (pull);

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* A PUSH connected first to a name nobody has bound yet and then to a
 * bound PULL round-robins over both, with or without the option: the
 * pending connection takes the even-numbered messages, which arrive once
 * the name is bound. */
static void test_pending_and_bound (void *ctx, int immediate)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *bound = TU_SOCKET (ctx, ZMQ_PULL);
    void *late = TU_SOCKET (ctx, ZMQ_PULL);
    char ep_late[64], ep_bound[64], buf[16];
    int i;
    snprintf (ep_late, sizeof ep_late, "inproc://immediate-late-%d",
              immediate);
    snprintf (ep_bound, sizeof ep_bound, "inproc://immediate-bound-%d",
              immediate);
    TU_SET_INT (push, ZMQ_IMMEDIATE, immediate);

    CHECK_RC (zmq_bind (bound, ep_bound));
    CHECK_RC (zmq_connect (push, ep_late));
    CHECK_RC (zmq_connect (push, ep_bound));
    for (i = 0; i < 10; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        SEND_STR (push, buf, ZMQ_DONTWAIT);
    }
    for (i = 1; i < 10; i += 2) {
        snprintf (buf, sizeof buf, "m%d", i);
        RECV_STR (bound, buf);
    }
    EXPECT_NOTHING (bound);

    CHECK_RC (zmq_bind (late, ep_late));
    for (i = 0; i < 10; i += 2) {
        snprintf (buf, sizeof buf, "m%d", i);
        RECV_STR (late, buf);
    }
    EXPECT_NOTHING (late);

    CHECK_RC (zmq_close (late));
    CHECK_RC (zmq_close (bound));
    CHECK_RC (zmq_close (push));
}

/* When the bound peer goes away the connecting DEALER, with or without the
 * option, ends up with no queue: not writable, EAGAIN on send. Binding the
 * name again does not reconnect it. */
static void test_peer_gone (void *ctx, int immediate)
{
    void *front = TU_SOCKET (ctx, ZMQ_DEALER);
    void *back = TU_SOCKET (ctx, ZMQ_DEALER);
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://immediate-gone-%d", immediate);
    TU_SET_INT (front, ZMQ_IMMEDIATE, immediate);

    CHECK_RC (zmq_bind (back, ep));
    CHECK_RC (zmq_connect (front, ep));
    SEND_STR (back, "hello", 0);
    RECV_STR (front, "hello");
    SEND_STR (front, "hi", ZMQ_DONTWAIT);
    RECV_STR (back, "hi");

    CHECK_RC (zmq_unbind (back, ep));
    CHECK_RC (zmq_close (back));
    CHECK (tu_await_not_writable (front));
    CHECK_ERRNO (zmq_send (front, "lost", 4, ZMQ_DONTWAIT), EAGAIN);

    back = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_bind (back, ep));
    CHECK_ERRNO (zmq_send (back, "anyone", 6, ZMQ_DONTWAIT), EAGAIN);
    CHECK (!tu_poll_out (front, 50));
    CHECK_ERRNO (zmq_send (front, "lost", 4, ZMQ_DONTWAIT), EAGAIN);

    /* A fresh connect does reach the new socket. */
    CHECK_RC (zmq_connect (front, ep));
    SEND_STR (front, "new", 0);
    RECV_STR (back, "new");

    CHECK_RC (zmq_close (back));
    CHECK_RC (zmq_close (front));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    int immediate;
    test_option (ctx);
    for (immediate = 0; immediate < 2; immediate++) {
        test_connect_before_bind (ctx, immediate);
        test_pending_and_bound (ctx, immediate);
        test_peer_gone (ctx, immediate);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
