/* DRAFT publish-subscribe options over inproc: ZMQ_XPUB_MANUAL_LAST_VALUE,
 * ZMQ_ONLY_FIRST_SUBSCRIBE, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE and
 * ZMQ_TOPICS_COUNT. None of them is in the stable API of libzmq 4.3.4
 * (the first two sit in its DRAFT section; the last two arrived later).
 *
 * Man pages: zmq_setsockopt(3), zmq_getsockopt(3).
 */
#include "testutil.h"

#define RECV_SUB(s, topic) RECV_NOTIFICATION ((s), 1, (topic))
#define RECV_UNSUB(s, topic) RECV_NOTIFICATION ((s), 0, (topic))

/* MANUAL_LAST_VALUE is MANUAL, except that the first message sent after a
 * notification goes only to the peer that sent the notification (if it
 * matches), so a last-value cache can prime a newcomer without repeating
 * itself to everyone else. */
static void test_manual_last_value (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    TU_SET_INT (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
    void *sub1 = TU_SOCKET (ctx, ZMQ_SUB);
    void *sub2 = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (xpub, "inproc://draft-xpub-lvc"));
    CHECK_RC (zmq_connect (sub1, "inproc://draft-xpub-lvc"));
    CHECK_RC (zmq_connect (sub2, "inproc://draft-xpub-lvc"));

    SUBSCRIBE (sub1, "a");
    RECV_SUB (xpub, "a");
    SUBSCRIBE (xpub, "a");
    SEND_STR (xpub, "a-cached-1", 0);
    RECV_STR (sub1, "a-cached-1");

    /* Manual mode: duplicates are passed up. */
    SUBSCRIBE (sub2, "a");
    RECV_SUB (xpub, "a");
    SUBSCRIBE (xpub, "a");
    SEND_STR (xpub, "a-cached-2", 0);
    /* After that one message, sends go to every subscriber again. */
    SEND_STR (xpub, "a-live", 0);
    RECV_STR (sub2, "a-cached-2");
    RECV_STR (sub2, "a-live");
    RECV_STR (sub1, "a-live");
    EXPECT_NOTHING (sub1);
    EXPECT_NOTHING (sub2);

    CHECK_RC (zmq_close (sub1));
    CHECK_RC (zmq_close (sub2));
    CHECK_RC (zmq_close (xpub));
}

/* ONLY_FIRST_SUBSCRIBE: in a multipart message whose first frame is not a
 * subscription, later frames are plain data even if they start with 0 or
 * 1. (When the first frame is a subscription, libzmq still treats later
 * frames that look like subscriptions as subscriptions.) Both the XSUB and
 * the XPUB apply the rule to what they process. */
static void test_only_first_subscribe (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    TU_SET_INT (xpub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    TU_SET_INT (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, "", 0),
                 EINVAL);
    CHECK_RC (zmq_bind (xpub, "inproc://draft-only-first"));
    CHECK_RC (zmq_connect (xsub, "inproc://draft-only-first"));

    SEND_STR (xsub, "data", ZMQ_SNDMORE);
    SEND_NOTIFICATION (xsub, 1, "c", 0);
    RECV_STR (xpub, "data");
    CHECK_EQ (tu_rcvmore (xpub), 1);
    const char sub_c[2] = {1, 'c'};
    RECV_BYTES (xpub, sub_c, 2);
    CHECK_EQ (tu_rcvmore (xpub), 0);

    /* "c" was not subscribed: the XPUB does not send c1 to the XSUB. */
    SEND_NOTIFICATION (xsub, 1, "m", 0);
    RECV_SUB (xpub, "m");
    SEND_STR (xpub, "c1", 0);
    SEND_STR (xpub, "m1", 0);
    RECV_STR (xsub, "m1");
    EXPECT_NOTHING (xsub);

    /* A subscription in the first frame is processed, and so is one that
     * follows it. */
    SEND_NOTIFICATION (xsub, 1, "d", ZMQ_SNDMORE);
    SEND_NOTIFICATION (xsub, 1, "e", 0);
    RECV_SUB (xpub, "d");
    CHECK_EQ (tu_rcvmore (xpub), 0);
    RECV_SUB (xpub, "e");
    CHECK_EQ (tu_rcvmore (xpub), 0);
    SEND_STR (xpub, "d1", 0);
    SEND_STR (xpub, "e1", 0);
    RECV_STR (xsub, "d1");
    RECV_STR (xsub, "e1");

    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));

    /* Without the option on the XPUB, the XPUB alone decides: the second
     * frame is a subscription to it, although the XSUB forwarded it as
     * data. */
    xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    TU_SET_INT (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    CHECK_RC (zmq_bind (xpub, "inproc://draft-only-first-2"));
    CHECK_RC (zmq_connect (xsub, "inproc://draft-only-first-2"));
    SEND_STR (xsub, "data", ZMQ_SNDMORE);
    SEND_NOTIFICATION (xsub, 1, "c", 0);
    RECV_STR (xpub, "data");
    CHECK_EQ (tu_rcvmore (xpub), 1);
    RECV_SUB (xpub, "c");
    SEND_STR (xpub, "c1", 0);
    RECV_STR (xsub, "c1");
    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

/* XSUB_VERBOSE_UNSUBSCRIBE: the XSUB forwards every unsubscription, not
 * only the one that drops its last reference to a topic. The XPUB keeps
 * one entry per peer and topic, so it reports each of them. */
static void test_xsub_verbose_unsubscribe (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    TU_SET_INT (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1);
    CHECK_RC (zmq_bind (xpub, "inproc://draft-xsub-verbose"));
    CHECK_RC (zmq_connect (xsub, "inproc://draft-xsub-verbose"));

    SEND_NOTIFICATION (xsub, 1, "t", 0);
    SEND_NOTIFICATION (xsub, 1, "t", 0);
    RECV_SUB (xpub, "t");
    SEND_NOTIFICATION (xsub, 0, "t", 0);
    RECV_UNSUB (xpub, "t");
    SEND_NOTIFICATION (xsub, 0, "t", 0);
    RECV_UNSUB (xpub, "t");
    /* Even a topic never subscribed. */
    SEND_NOTIFICATION (xsub, 0, "never", 0);
    RECV_UNSUB (xpub, "never");
    EXPECT_NOTHING (xpub);

    /* The first unsubscription already removed the XSUB from "t" at the
     * XPUB. */
    SEND_NOTIFICATION (xsub, 1, "m", 0);
    RECV_SUB (xpub, "m");
    SEND_STR (xpub, "t1", 0);
    SEND_STR (xpub, "m1", 0);
    RECV_STR (xsub, "m1");

    CHECK_ERRNO (zmq_setsockopt (xpub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, "", 0),
                 EINVAL);

    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

/* TOPICS_COUNT: distinct topics a (X)SUB has subscribed to, or distinct
 * topics an (X)PUB has received from all its peers. Read-only. */
static void test_topics_count (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *sub1 = TU_SOCKET (ctx, ZMQ_SUB);
    void *sub2 = TU_SOCKET (ctx, ZMQ_SUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_EQ (GET_INT (xpub, ZMQ_TOPICS_COUNT), 0);
    CHECK_EQ (GET_INT (sub1, ZMQ_TOPICS_COUNT), 0);
    CHECK_EQ (GET_INT (xsub, ZMQ_TOPICS_COUNT), 0);

    /* Counted locally, at once. (Duplicates are left out on purpose:
     * libzmq counts distinct topics with its default trie but every
     * reference when built with the radix tree, as the DRAFT build is.) */
    SUBSCRIBE (sub1, "a");
    SUBSCRIBE (sub1, "b");
    CHECK_EQ (GET_INT (sub1, ZMQ_TOPICS_COUNT), 2);
    UNSUBSCRIBE (sub1, "a");
    CHECK_EQ (GET_INT (sub1, ZMQ_TOPICS_COUNT), 1);
    /* Removing what is not there changes nothing. */
    UNSUBSCRIBE (sub1, "zz");
    CHECK_EQ (GET_INT (sub1, ZMQ_TOPICS_COUNT), 1);
    SUBSCRIBE (sub1, "");
    CHECK_EQ (GET_INT (sub1, ZMQ_TOPICS_COUNT), 2);

    SEND_NOTIFICATION (xsub, 1, "x", 0);
    SEND_NOTIFICATION (xsub, 1, "y", 0);
    CHECK_EQ (GET_INT (xsub, ZMQ_TOPICS_COUNT), 2);
    /* Data frames do not count (unconnected, this one goes nowhere). */
    SEND_STR (xsub, "data", 0);
    CHECK_EQ (GET_INT (xsub, ZMQ_TOPICS_COUNT), 2);

    CHECK_RC (zmq_bind (xpub, "inproc://draft-topics-count"));
    CHECK_RC (zmq_connect (sub1, "inproc://draft-topics-count"));
    /* Cached subscriptions go out on connection, in trie order: the empty
     * topic first. */
    RECV_SUB (xpub, "");
    RECV_SUB (xpub, "b");
    CHECK_EQ (GET_INT (xpub, ZMQ_TOPICS_COUNT), 2);

    /* Another peer with an overlapping topic adds only the new one. */
    SUBSCRIBE (sub2, "b");
    SUBSCRIBE (sub2, "c");
    CHECK_RC (zmq_connect (sub2, "inproc://draft-topics-count"));
    RECV_SUB (xpub, "c");
    CHECK_EQ (GET_INT (xpub, ZMQ_TOPICS_COUNT), 3);

    CHECK_RC (zmq_connect (xsub, "inproc://draft-topics-count"));
    RECV_SUB (xpub, "x");
    RECV_SUB (xpub, "y");
    CHECK_EQ (GET_INT (xpub, ZMQ_TOPICS_COUNT), 5);

    /* Unsubscribing removes a topic once no peer holds it. (Not tested: a
     * peer disconnecting. libzmq forgets to lower the count then, which
     * looks like a bug rather than a rule.) */
    UNSUBSCRIBE (sub2, "b");
    UNSUBSCRIBE (sub2, "c");
    RECV_UNSUB (xpub, "c");
    CHECK_EQ (GET_INT (xpub, ZMQ_TOPICS_COUNT), 4);
    CHECK_RC (zmq_close (sub2));

    /* The option cannot be set, and other socket types lack it. */
    int value = 1;
    size_t len = sizeof value;
    CHECK_ERRNO (zmq_setsockopt (xpub, ZMQ_TOPICS_COUNT, &value, sizeof value),
                 EINVAL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    CHECK_ERRNO (zmq_getsockopt (push, ZMQ_TOPICS_COUNT, &value, &len),
                 EINVAL);
    CHECK_RC (zmq_close (push));

    /* PUB supports it too. */
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    CHECK_EQ (GET_INT (pub, ZMQ_TOPICS_COUNT), 0);
    CHECK_RC (zmq_close (pub));

    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (sub1));
    CHECK_RC (zmq_close (xpub));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_manual_last_value (ctx);
    test_only_first_subscribe (ctx);
    test_xsub_verbose_unsubscribe (ctx);
    test_topics_count (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
