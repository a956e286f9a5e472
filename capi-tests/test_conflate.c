/* ZMQ_CONFLATE over inproc: keep only the last message.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_CONFLATE): only PULL, PUSH, SUB, PUB
 * and DEALER honour it, it ignores the high-water marks, and it does not
 * support multipart messages.
 *
 * Facts of the reference library these tests pin down:
 *  - Over inproc, conflation is a property of the connection, chosen by
 *    the CONNECTING socket's ZMQ_CONFLATE, and it applies to both
 *    directions of that connection. A bound PULL with ZMQ_CONFLATE whose
 *    PUSH peer connects without it gets every message.
 *  - Each frame written replaces the one before: of a multipart message
 *    only the last frame is delivered (without the more flag), and a
 *    half-sent message is not readable.
 *  - A conflating SUB's subscriptions are conflated on their way to the PUB
 *    as well: only its latest subscription message gets there.
 */
#include "testutil.h"

/* Send "<prefix><i>" for i in 0..n-1 without blocking; all must go. */
static void send_numbered (void *s, const char *prefix, int n)
{
    char buf[32];
    int i;
    for (i = 0; i < n; i++) {
        snprintf (buf, sizeof buf, "%s%d", prefix, i);
        SEND_STR (s, buf, ZMQ_DONTWAIT);
    }
}

/* The option is a boolean: 0 or 1, anything else EINVAL; default 0. */
static void test_option (void *ctx)
{
    void *s = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_BOOL_OPTION (s, ZMQ_CONFLATE);
    CHECK_RC (zmq_close (s));
}

/* A connecting PULL with ZMQ_CONFLATE keeps only the newest message, and
 * its PUSH is never held back by the high-water mark. */
static void test_pull (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    int i;
    TU_SET_INT (pull, ZMQ_CONFLATE, 1);
    TU_SET_INT (push, ZMQ_SNDHWM, 1);
    TU_SET_INT (pull, ZMQ_RCVHWM, 1);
    CHECK_RC (zmq_bind (push, "inproc://conflate-pull"));
    CHECK_RC (zmq_connect (pull, "inproc://conflate-pull"));

    send_numbered (push, "m", 100);
    RECV_STR (pull, "m99");
    CHECK_LAST (pull);
    EXPECT_NOTHING (pull);

    /* Each later message again replaces the unread one. */
    for (i = 0; i < 3; i++) {
        SEND_STR (push, "x", 0);
        SEND_STR (push, "y", 0);
        RECV_STR (pull, "y");
        EXPECT_NOTHING (pull);
    }

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* The same when the conflating PULL connects before the PUSH binds. */
static void test_pull_connects_first (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (pull, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_connect (pull, "inproc://conflate-pull-first"));
    CHECK_RC (zmq_bind (push, "inproc://conflate-pull-first"));

    send_numbered (push, "m", 5);
    RECV_STR (pull, "m4");
    EXPECT_NOTHING (pull);

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* Over inproc the connecting side decides: a conflating PUSH that connects
 * makes the bound PULL see only the newest; a conflating PULL that is bound
 * does not conflate what a plain PUSH sends it. */
static void test_connecting_side_decides (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    char buf[8];
    int i;

    TU_SET_INT (push, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (pull, "inproc://conflate-push-connects"));
    CHECK_RC (zmq_connect (push, "inproc://conflate-push-connects"));
    send_numbered (push, "m", 5);
    RECV_STR (pull, "m4");
    EXPECT_NOTHING (pull);
    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));

    push = TU_SOCKET (ctx, ZMQ_PUSH);
    pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (pull, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (pull, "inproc://conflate-pull-bound"));
    CHECK_RC (zmq_connect (push, "inproc://conflate-pull-bound"));
    send_numbered (push, "m", 5);
    for (i = 0; i < 5; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        RECV_STR (pull, buf);
    }
    EXPECT_NOTHING (pull);
    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* A conflating SUB keeps the newest matching message. */
static void test_sub (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int i;
    TU_SET_INT (sub, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (pub, "inproc://conflate-sub"));
    CHECK_RC (zmq_connect (sub, "inproc://conflate-sub"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t", 1));

    /* Wait until the subscription has reached the PUB. Same thread, so
     * each probe is dropped or already queued when zmq_send returns. */
    for (i = 0; i < 250; i++) {
        SEND_STR (pub, "t-probe", 0);
        if (tu_poll_in (sub, 20))
            break;
    }
    RECV_STR (sub, "t-probe");
    EXPECT_NOTHING (sub);

    send_numbered (pub, "t", 10);
    SEND_STR (pub, "unwanted", 0);
    RECV_STR (sub, "t9");
    EXPECT_NOTHING (sub);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* A conflating SUB's subscriptions are conflated too: of two subscriptions
 * made while connected, only the later one reaches the PUB. */
static void test_sub_subscriptions_conflated (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int i;
    TU_SET_INT (sub, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (pub, "inproc://conflate-sub-twice"));
    CHECK_RC (zmq_connect (sub, "inproc://conflate-sub-twice"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "b", 1));

    for (i = 0; i < 250; i++) {
        SEND_STR (pub, "b-probe", 0);
        if (tu_poll_in (sub, 20))
            break;
    }
    RECV_STR (sub, "b-probe");

    /* "a" was subscribed on the SUB but never reached the PUB. */
    SEND_STR (pub, "a-msg", 0);
    CHECK (!tu_poll_in (sub, 100));
    SEND_STR (pub, "b-msg", 0);
    RECV_STR (sub, "b-msg");

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* DEALER to DEALER with the connecting one conflating: both directions
 * keep only the newest message. */
static void test_dealer (void *ctx)
{
    void *bound = TU_SOCKET (ctx, ZMQ_DEALER);
    void *conn = TU_SOCKET (ctx, ZMQ_DEALER);
    TU_SET_INT (conn, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (bound, "inproc://conflate-dealer"));
    CHECK_RC (zmq_connect (conn, "inproc://conflate-dealer"));

    send_numbered (bound, "down", 5);
    RECV_STR (conn, "down4");
    EXPECT_NOTHING (conn);

    send_numbered (conn, "up", 5);
    RECV_STR (bound, "up4");
    EXPECT_NOTHING (bound);

    CHECK_RC (zmq_close (conn));
    CHECK_RC (zmq_close (bound));
}

/* Multipart and conflate: only the last frame written survives, delivered
 * as a single-frame message; an incomplete message is not readable until
 * its last frame is sent. */
static void test_multipart (void *ctx)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (pull, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (push, "inproc://conflate-multipart"));
    CHECK_RC (zmq_connect (pull, "inproc://conflate-multipart"));

    SEND_STR (push, "a", ZMQ_SNDMORE);
    SEND_STR (push, "b", 0);
    SEND_STR (push, "c", ZMQ_SNDMORE);
    SEND_STR (push, "d", 0);
    RECV_STR (pull, "d");
    CHECK_LAST (pull);
    EXPECT_NOTHING (pull);

    SEND_STR (push, "e", ZMQ_SNDMORE);
    CHECK (!tu_poll_in (pull, 50));
    SEND_STR (push, "f", 0);
    RECV_STR (pull, "f");
    CHECK_LAST (pull);
    EXPECT_NOTHING (pull);

    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* Socket types outside the list ignore the option (PAIR here). */
static void test_ignored_on_pair (void *ctx)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    TU_SET_INT (b, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (a, "inproc://conflate-pair"));
    CHECK_RC (zmq_connect (b, "inproc://conflate-pair"));
    send_numbered (a, "m", 3);
    RECV_STR (b, "m0");
    RECV_STR (b, "m1");
    RECV_STR (b, "m2");
    EXPECT_NOTHING (b);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_option (ctx);
    test_pull (ctx);
    test_pull_connects_first (ctx);
    test_connecting_side_decides (ctx);
    test_sub (ctx);
    test_sub_subscriptions_conflated (ctx);
    test_dealer (ctx);
    test_multipart (ctx);
    test_ignored_on_pair (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
