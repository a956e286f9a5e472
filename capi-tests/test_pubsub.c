/* PUB and SUB sockets over inproc: filtering, fan-out and the PUB's
 * drop-at-high-water-mark rule.
 *
 * Man pages: zmq_socket(3) (ZMQ_PUB, ZMQ_SUB), zmq_setsockopt(3)
 * (ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE, ZMQ_INVERT_MATCHING); RFC 29/PUBSUB.
 *
 * A subscription travels from SUB to PUB asynchronously, and a PUB drops
 * whatever it sends before the subscription has reached it. Tests therefore
 * start with await_sub(): the PUB publishes a probe topic until the SUB sees
 * it (polling, no sleeping). Because PUB and SUB live in the same thread
 * here, each probe is either dropped at the PUB or already queued for the SUB
 * by the time zmq_send returns, so no stray probe arrives later.
 */
#include "testutil.h"

/* Publish probe until sub receives it; the probe must be the first thing
 * sub receives. */
static void await_sub (void *pub, void *sub, const char *probe)
{
    int i;
    for (i = 0; i < 250; i++) {
        SEND_STR (pub, probe, ZMQ_DONTWAIT);
        if (tu_poll_in (sub, 20)) {
            RECV_STR (sub, probe);
            CHECK_EQ (tu_rcvmore (sub), 0);
            return;
        }
    }
    CHECK (!"subscriber never received the probe topic");
}

static void test_basic (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-basic"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-basic"));
    SUBSCRIBE (sub, "");
    await_sub (pub, sub, "probe");

    SEND_STR (pub, "hello", 0);
    RECV_STR (sub, "hello");
    CHECK_EQ (tu_rcvmore (sub), 0);
    EXPECT_NOTHING (sub);

    /* The publisher is always writable; an idle subscriber is neither
     * readable nor writable. */
    int events = 0;
    size_t len = sizeof events;
    CHECK_RC (zmq_getsockopt (pub, ZMQ_EVENTS, &events, &len));
    CHECK_EQ (events, ZMQ_POLLOUT);
    len = sizeof events;
    CHECK_RC (zmq_getsockopt (sub, ZMQ_EVENTS, &events, &len));
    CHECK_EQ (events, 0);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));

    /* Connecting before the bind exists works too (inproc queues the
     * connection until the endpoint appears). */
    sub = TU_SOCKET (ctx, ZMQ_SUB);
    SUBSCRIBE (sub, "");
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-basic-late-bind"));
    pub = TU_SOCKET (ctx, ZMQ_PUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-basic-late-bind"));
    await_sub (pub, sub, "probe");
    SEND_STR (pub, "after bind", 0);
    RECV_STR (sub, "after bind");
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

static void test_prefix_matching (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-prefix"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-prefix"));
    SUBSCRIBE (sub, "ab");
    await_sub (pub, sub, "ab-probe");

    SEND_STR (pub, "a", 0);
    SEND_STR (pub, "b", 0);
    SEND_STR (pub, "abc", 0);
    SEND_STR (pub, "xab", 0);
    SEND_STR (pub, "ab", 0);
    SEND_STR (pub, "AB", 0);
    SEND_STR (pub, "", 0);
    SEND_STR (pub, "abd", 0);
    RECV_STR (sub, "abc");
    RECV_STR (sub, "ab");
    RECV_STR (sub, "abd");
    EXPECT_NOTHING (sub);

    /* Topics are bytes, not strings: a zero byte is an ordinary byte. */
    const char bin_topic[2] = {0, 'x'};
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, bin_topic, 2));
    const char bin_hit[4] = {0, 'x', 0, 'y'};
    const char bin_miss[2] = {0, 'y'};
    /* Resynchronise so the new subscription has reached the PUB. */
    SUBSCRIBE (sub, "sync2");
    await_sub (pub, sub, "sync2");
    SEND_BYTES (pub, bin_miss, 2, 0);
    SEND_BYTES (pub, bin_hit, 4, 0);
    SEND_STR (pub, "ab-end", 0);
    RECV_BYTES (sub, bin_hit, 4);
    RECV_STR (sub, "ab-end");
    EXPECT_NOTHING (sub);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

static void test_empty_subscription_matches_all (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *none = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-all"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-all"));
    CHECK_RC (zmq_connect (none, "inproc://pubsub-all"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, NULL, 0));
    /* "none" subscribes only to its probe: a new SUB filters out
     * everything else. */
    SUBSCRIBE (none, "none-probe");
    await_sub (pub, none, "none-probe");
    /* sub, subscribed to everything, may have caught some of those probes
     * too; the first thing it sees must be one. Then both may hold more. */
    await_sub (pub, sub, "none-probe");
    while (tu_poll_in (sub, 0))
        RECV_STR (sub, "none-probe");
    while (tu_poll_in (none, 0))
        RECV_STR (none, "none-probe");

    const unsigned char bin[3] = {0xff, 0x00, 0x01};
    SEND_STR (pub, "anything", 0);
    SEND_STR (pub, "", 0);
    SEND_BYTES (pub, bin, 3, 0);
    RECV_STR (sub, "anything");
    RECV_STR (sub, "");
    RECV_BYTES (sub, bin, 3);
    EXPECT_NOTHING (sub);
    EXPECT_NOTHING (none);

    CHECK_RC (zmq_close (none));
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* Subscriptions are counted: each ZMQ_UNSUBSCRIBE removes one instance. */
static void test_multiple_and_unsubscribe (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-unsub"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-unsub"));
    SUBSCRIBE (sub, "a");
    SUBSCRIBE (sub, "b");
    SUBSCRIBE (sub, "a");
    await_sub (pub, sub, "b-probe");

    SEND_STR (pub, "a1", 0);
    SEND_STR (pub, "b1", 0);
    SEND_STR (pub, "c1", 0);
    SEND_STR (pub, "b-end", 0);
    RECV_STR (sub, "a1");
    RECV_STR (sub, "b1");
    RECV_STR (sub, "b-end");

    /* One of the two "a" subscriptions remains. */
    UNSUBSCRIBE (sub, "a");
    SEND_STR (pub, "a2", 0);
    SEND_STR (pub, "b2", 0);
    RECV_STR (sub, "a2");
    RECV_STR (sub, "b2");

    /* The second removes it. The SUB filters locally as well, so this holds
     * even before the PUB has seen the unsubscription. */
    UNSUBSCRIBE (sub, "a");
    SEND_STR (pub, "a3", 0);
    SEND_STR (pub, "b3", 0);
    RECV_STR (sub, "b3");
    EXPECT_NOTHING (sub);

    /* Removing a filter that does not exist is not an error. */
    UNSUBSCRIBE (sub, "a");
    UNSUBSCRIBE (sub, "never");

    UNSUBSCRIBE (sub, "b");
    SEND_STR (pub, "a4", 0);
    SEND_STR (pub, "b4", 0);
    EXPECT_NOTHING (sub);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* Only the first frame is matched; the whole message follows it. */
static void test_multipart (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-multipart"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-multipart"));
    SUBSCRIBE (sub, "topic");
    await_sub (pub, sub, "topic-probe");

    SEND_STR (pub, "other", ZMQ_SNDMORE);
    SEND_STR (pub, "topic-not-first", 0);
    SEND_STR (pub, "topic", ZMQ_SNDMORE);
    SEND_STR (pub, "zzz", ZMQ_SNDMORE);
    SEND_STR (pub, "", ZMQ_SNDMORE);
    SEND_STR (pub, "last", 0);
    SEND_STR (pub, "topic-end", 0);

    RECV_STR (sub, "topic");
    CHECK_EQ (tu_rcvmore (sub), 1);
    RECV_STR (sub, "zzz");
    CHECK_EQ (tu_rcvmore (sub), 1);
    RECV_STR (sub, "");
    CHECK_EQ (tu_rcvmore (sub), 1);
    RECV_STR (sub, "last");
    CHECK_EQ (tu_rcvmore (sub), 0);
    RECV_STR (sub, "topic-end");
    CHECK_EQ (tu_rcvmore (sub), 0);
    EXPECT_NOTHING (sub);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* A PUB never blocks: past the high-water mark it drops messages. Over
 * inproc the queue between the two sockets holds SNDHWM + RCVHWM
 * messages. */
static void test_hwm_drops (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    TU_SET_INT (pub, ZMQ_SNDHWM, 4);
    TU_SET_INT (sub, ZMQ_RCVHWM, 6);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-hwm"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-hwm"));
    SUBSCRIBE (sub, "");
    await_sub (pub, sub, "probe");

    /* Blocking sends (SNDTIMEO is 3 s): each must succeed at once. */
    int i;
    char buf[32];
    for (i = 0; i < 100; i++) {
        snprintf (buf, sizeof buf, "msg %d", i);
        SEND_STR (pub, buf, 0);
    }
    for (i = 0; i < 100; i++) {
        snprintf (buf, sizeof buf, "msg %d", i);
        SEND_STR (pub, buf, ZMQ_DONTWAIT);
    }

    /* The subscriber gets the oldest messages, in order, and then the rest
     * are gone. */
    int received = 0;
    while (tu_poll_in (sub, 0)) {
        snprintf (buf, sizeof buf, "msg %d", received);
        RECV_STR (sub, buf);
        received++;
    }
    /* The inproc queue holds SNDHWM + RCVHWM = 10 messages. libzmq gets 9:
     * the reader hands credit back to the writer only every LWM reads
     * (LWM = (hwm + 1) / 2), so the probe read above still counts against
     * the queue. Crediting each read at once would give 10. */
    CHECK (received == 9 || received == 10);

    /* Having drained the queue, the subscriber receives again once the
     * PUB has taken back the credit (libzmq may drop a few more first). */
    await_sub (pub, sub, "after");

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

static void test_wrong_direction (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-direction"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-direction"));

    char buf[8];
    CHECK_ERRNO (zmq_send (sub, "x", 1, 0), ENOTSUP);
    CHECK_ERRNO (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_recv (pub, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERRNO (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);

    zmq_msg_t msg;
    CHECK_RC (zmq_msg_init_size (&msg, 1));
    CHECK_ERRNO (zmq_msg_send (&msg, sub, 0), ENOTSUP);
    CHECK_ERRNO (zmq_msg_recv (&msg, pub, 0), ENOTSUP);
    CHECK_RC (zmq_msg_close (&msg));

    /* Subscribing is a SUB thing: a PUB refuses the option. */
    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_UNSUBSCRIBE, "a", 1), EINVAL);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* ZMQ_INVERT_MATCHING set on both ends: the SUB receives exactly the
 * messages that match none of its subscriptions. */
static void test_invert_matching (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int value = -1;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (pub, ZMQ_INVERT_MATCHING, &value, &len));
    CHECK_EQ (value, 0);
    TU_SET_INT (pub, ZMQ_INVERT_MATCHING, 1);
    TU_SET_INT (sub, ZMQ_INVERT_MATCHING, 1);
    len = sizeof value;
    CHECK_RC (zmq_getsockopt (sub, ZMQ_INVERT_MATCHING, &value, &len));
    CHECK_EQ (value, 1);

    CHECK_RC (zmq_bind (pub, "inproc://pubsub-invert"));
    CHECK_RC (zmq_connect (sub, "inproc://pubsub-invert"));
    SUBSCRIBE (sub, "x");
    SUBSCRIBE (sub, "ig");
    /* "probe" matches none of the subscriptions, so it is delivered. */
    await_sub (pub, sub, "probe");

    SEND_STR (pub, "x1", 0);
    SEND_STR (pub, "y1", 0);
    SEND_STR (pub, "ignored", 0);
    SEND_STR (pub, "x", 0);
    SEND_STR (pub, "", 0);
    SEND_STR (pub, "zx", 0);
    RECV_STR (sub, "y1");
    RECV_STR (sub, "");
    RECV_STR (sub, "zx");
    EXPECT_NOTHING (sub);

    /* Dropping the "x" filter lets "x" messages through once the PUB has
     * seen the unsubscription (until then it keeps excluding them). */
    UNSUBSCRIBE (sub, "x");
    await_sub (pub, sub, "x-probe");
    SEND_STR (pub, "x2", 0);
    SEND_STR (pub, "ig2", 0);
    RECV_STR (sub, "x2");
    EXPECT_NOTHING (sub);

    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_INVERT_MATCHING, &value, 1),
                 EINVAL);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

static void test_fan_out (void *ctx)
{
    enum { N = 4 };
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *subs[N];
    char probe[16];
    int i;
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-fanout"));
    for (i = 0; i < N; i++) {
        subs[i] = TU_SOCKET (ctx, ZMQ_SUB);
        CHECK_RC (zmq_connect (subs[i], "inproc://pubsub-fanout"));
        SUBSCRIBE (subs[i], "data");
        snprintf (probe, sizeof probe, "probe%d", i);
        SUBSCRIBE (subs[i], probe);
    }
    for (i = 0; i < N; i++) {
        snprintf (probe, sizeof probe, "probe%d", i);
        await_sub (pub, subs[i], probe);
    }

    SEND_STR (pub, "data 1", 0);
    SEND_STR (pub, "data 2", ZMQ_SNDMORE);
    SEND_STR (pub, "tail", 0);
    for (i = 0; i < N; i++) {
        RECV_STR (subs[i], "data 1");
        RECV_STR (subs[i], "data 2");
        CHECK_EQ (tu_rcvmore (subs[i]), 1);
        RECV_STR (subs[i], "tail");
        EXPECT_NOTHING (subs[i]);
    }

    /* A subscriber that leaves does not disturb the others. */
    CHECK_RC (zmq_close (subs[1]));
    SEND_STR (pub, "data 3", 0);
    for (i = 0; i < N; i++) {
        if (i == 1)
            continue;
        RECV_STR (subs[i], "data 3");
        CHECK_RC (zmq_close (subs[i]));
    }
    CHECK_RC (zmq_close (pub));
}

/* Messages published before a subscriber joined are not replayed. */
static void test_late_subscriber (void *ctx)
{
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *early = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (pub, "inproc://pubsub-late"));
    /* Nobody listens yet: the send still succeeds. */
    SEND_STR (pub, "into the void", 0);

    CHECK_RC (zmq_connect (early, "inproc://pubsub-late"));
    SUBSCRIBE (early, "");
    await_sub (pub, early, "probe");
    SEND_STR (pub, "first", 0);
    RECV_STR (early, "first");

    void *late = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_connect (late, "inproc://pubsub-late"));
    SUBSCRIBE (late, "");
    /* await_sub checks that the first thing "late" sees is a probe, so
     * neither "into the void" nor "first" reach it. */
    await_sub (pub, late, "probe");
    while (tu_poll_in (early, 0))
        RECV_STR (early, "probe");

    SEND_STR (pub, "second", 0);
    RECV_STR (early, "second");
    RECV_STR (late, "second");
    EXPECT_NOTHING (early);
    EXPECT_NOTHING (late);

    CHECK_RC (zmq_close (late));
    CHECK_RC (zmq_close (early));
    CHECK_RC (zmq_close (pub));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_basic (ctx);
    test_prefix_matching (ctx);
    test_empty_subscription_matches_all (ctx);
    test_multiple_and_unsubscribe (ctx);
    test_multipart (ctx);
    test_hwm_drops (ctx);
    test_wrong_direction (ctx);
    test_invert_matching (ctx);
    test_fan_out (ctx);
    test_late_subscriber (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
