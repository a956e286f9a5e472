/* XPUB and XSUB sockets over inproc: subscriptions as messages, and the
 * stable XPUB options (VERBOSE, VERBOSER, MANUAL, WELCOME_MSG, NODROP).
 *
 * Man pages: zmq_socket(3) (ZMQ_XPUB, ZMQ_XSUB), zmq_setsockopt(3);
 * RFC 29/PUBSUB. A subscription message is one frame: byte 1 then the
 * topic; an unsubscription is byte 0 then the topic.
 *
 * Synchronisation needs no probing here: once the XPUB has handed a
 * subscription to the application, it applies to what the XPUB sends next.
 * To show that something was *not* passed up, a test makes a later,
 * distinct subscription on the same peer and checks that it is the next
 * thing the XPUB delivers (one peer's messages arrive in order).
 */
#include "testutil.h"

/* Receive a (un)subscription notification, with no more frames after
 * it. */
#define RECV_SUB(s, topic)                                                     \
    do {                                                                       \
        RECV_NOTIFICATION ((s), 1, (topic));                                   \
        CHECK_LAST (s);                                                        \
    } while (0)
#define RECV_UNSUB(s, topic)                                                   \
    do {                                                                       \
        RECV_NOTIFICATION ((s), 0, (topic));                                   \
        CHECK_LAST (s);                                                        \
    } while (0)

/* Receive n unsubscriptions in any order; topics[] lists what must come. */
static void recv_unsubs_any_order (void *xpub, const char *const *topics,
                                   int n)
{
    int seen[8] = {0};
    int i, j;
    CHECK (n <= 8);
    for (i = 0; i < n; i++) {
        char buf[64];
        int rc = CHECK_RC (zmq_recv (xpub, buf, sizeof buf, 0));
        CHECK (rc >= 1 && rc < (int) sizeof buf);
        CHECK_EQ (buf[0], 0);
        buf[rc] = '\0';
        for (j = 0; j < n; j++)
            if (!seen[j] && strcmp (buf + 1, topics[j]) == 0)
                break;
        if (j == n) {
            fprintf (stderr, "unexpected unsubscription \"%s\"\n", buf + 1);
            CHECK (!"unexpected or repeated unsubscription");
        }
        seen[j] = 1;
    }
}

static void test_subscriptions_from_sub (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-from-sub"));

    /* A subscription made before connecting is sent on connection. */
    SUBSCRIBE (sub, "pre");
    CHECK_RC (zmq_connect (sub, "inproc://xpub-from-sub"));
    RECV_SUB (xpub, "pre");

    SUBSCRIBE (sub, "a");
    RECV_SUB (xpub, "a");
    SUBSCRIBE (sub, "");
    RECV_SUB (xpub, "");
    UNSUBSCRIBE (sub, "a");
    RECV_UNSUB (xpub, "a");
    EXPECT_NOTHING (xpub);

    /* Binary topics keep every byte. */
    const char bin[3] = {1, 0, 'z'};
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, bin + 1, 2));
    RECV_BYTES (xpub, bin, 3);

    /* The subscriptions now filter what the XPUB publishes. */
    SEND_STR (xpub, "pre1", 0);
    RECV_STR (sub, "pre1");
    SEND_STR (xpub, "x", 0);
    RECV_STR (sub, "x");

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (xpub));
}

static void test_subscriptions_from_xsub (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-from-xsub"));
    CHECK_RC (zmq_connect (xsub, "inproc://xpub-from-xsub"));

    SEND_NOTIFICATION (xsub, 1, "t", 0);
    RECV_SUB (xpub, "t");
    /* The XSUB filters nothing itself; the XPUB sends only matches. */
    SEND_STR (xpub, "u1", 0);
    SEND_STR (xpub, "t1", 0);
    RECV_STR (xsub, "t1");
    EXPECT_NOTHING (xsub);

    /* An XSUB counts its own subscriptions: a duplicate is passed on (the
     * XPUB drops it), and only the last matching unsubscription is. */
    SEND_NOTIFICATION (xsub, 1, "t", 0);
    SEND_NOTIFICATION (xsub, 0, "t", 0);
    SEND_NOTIFICATION (xsub, 1, "m1", 0);
    RECV_SUB (xpub, "m1");
    SEND_NOTIFICATION (xsub, 0, "t", 0);
    RECV_UNSUB (xpub, "t");

    /* Unsubscribing from a topic never subscribed is not passed on. */
    SEND_NOTIFICATION (xsub, 0, "never", 0);
    SEND_NOTIFICATION (xsub, 1, "m2", 0);
    RECV_SUB (xpub, "m2");

    /* The empty subscription is the single byte 1. */
    SEND_NOTIFICATION (xsub, 1, "", 0);
    RECV_SUB (xpub, "");
    SEND_NOTIFICATION (xsub, 0, "", 0);
    RECV_UNSUB (xpub, "");
    EXPECT_NOTHING (xpub);

    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

/* Frames sent on an XSUB that are not (un)subscriptions reach the XPUB
 * application unchanged, more flags included. */
static void test_xsub_user_messages (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-user"));
    CHECK_RC (zmq_connect (xsub, "inproc://xpub-user"));

    SEND_STR (xsub, "hello", 0);
    RECV_STR (xpub, "hello");
    CHECK_EQ (tu_rcvmore (xpub), 0);

    const char two[2] = {2, 'x'};
    SEND_BYTES (xsub, two, 2, 0);
    RECV_BYTES (xpub, two, 2);

    /* An empty frame is a message, not a subscription. */
    SEND_STR (xsub, "", 0);
    RECV_STR (xpub, "");

    SEND_STR (xsub, "h1", ZMQ_SNDMORE);
    SEND_STR (xsub, "h2", 0);
    RECV_STR (xpub, "h1");
    CHECK_EQ (tu_rcvmore (xpub), 1);
    RECV_STR (xpub, "h2");
    CHECK_EQ (tu_rcvmore (xpub), 0);

    /* Without ZMQ_ONLY_FIRST_SUBSCRIBE every frame of a multipart message
     * that starts with 0 or 1 is a subscription command. Each comes out as
     * its own single-frame notification; the data frames keep their own
     * more flag. */
    const char sub_c[2] = {1, 'c'};
    SEND_STR (xsub, "data", ZMQ_SNDMORE);
    SEND_BYTES (xsub, sub_c, 2, 0);
    RECV_STR (xpub, "data");
    CHECK_EQ (tu_rcvmore (xpub), 1);
    RECV_SUB (xpub, "c");

    const char sub_d[2] = {1, 'd'};
    SEND_BYTES (xsub, sub_d, 2, ZMQ_SNDMORE);
    SEND_STR (xsub, "payload", 0);
    RECV_SUB (xpub, "d");
    RECV_STR (xpub, "payload");
    CHECK_EQ (tu_rcvmore (xpub), 0);
    EXPECT_NOTHING (xpub);

    /* Both subscriptions took effect. */
    SEND_STR (xpub, "c1", 0);
    SEND_STR (xpub, "d1", 0);
    RECV_STR (xsub, "c1");
    RECV_STR (xsub, "d1");

    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

/* Duplicate subscriptions: passed up only with ZMQ_XPUB_VERBOSE. */
static void run_duplicates (void *ctx, const char *endpoint, int verbose)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    if (verbose)
        TU_SET_INT (xpub, ZMQ_XPUB_VERBOSE, 1);
    void *sub1 = TU_SOCKET (ctx, ZMQ_SUB);
    void *sub2 = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (xpub, endpoint));
    CHECK_RC (zmq_connect (sub1, endpoint));
    CHECK_RC (zmq_connect (sub2, endpoint));

    SUBSCRIBE (sub1, "a");
    RECV_SUB (xpub, "a");
    /* Same topic from another peer. */
    SUBSCRIBE (sub2, "a");
    if (verbose)
        RECV_SUB (xpub, "a");
    SUBSCRIBE (sub2, "m1");
    RECV_SUB (xpub, "m1");

    /* Same topic again from the same peer. */
    SUBSCRIBE (sub1, "a");
    if (verbose)
        RECV_SUB (xpub, "a");
    SUBSCRIBE (sub1, "m2");
    RECV_SUB (xpub, "m2");

    /* VERBOSE does not pass unsubscriptions that leave other subscribers:
     * sub1 drops both of its "a" (its own count reaches 0 only at the second),
     * sub2 still holds "a". */
    UNSUBSCRIBE (sub1, "a");
    UNSUBSCRIBE (sub1, "a");
    SUBSCRIBE (sub1, "m3");
    RECV_SUB (xpub, "m3");
    /* The last subscriber's unsubscription always comes through. */
    UNSUBSCRIBE (sub2, "a");
    RECV_UNSUB (xpub, "a");
    EXPECT_NOTHING (xpub);

    CHECK_RC (zmq_close (sub1));
    CHECK_RC (zmq_close (sub2));
    CHECK_RC (zmq_close (xpub));
}

static void test_verbose (void *ctx)
{
    run_duplicates (ctx, "inproc://xpub-dups-quiet", 0);
    run_duplicates (ctx, "inproc://xpub-dups-verbose", 1);
}

/* ZMQ_XPUB_VERBOSER passes every subscription and every unsubscription. */
static void test_verboser (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    TU_SET_INT (xpub, ZMQ_XPUB_VERBOSER, 1);
    void *sub1 = TU_SOCKET (ctx, ZMQ_SUB);
    void *sub2 = TU_SOCKET (ctx, ZMQ_SUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-verboser"));
    CHECK_RC (zmq_connect (sub1, "inproc://xpub-verboser"));
    CHECK_RC (zmq_connect (sub2, "inproc://xpub-verboser"));

    SUBSCRIBE (sub1, "a");
    RECV_SUB (xpub, "a");
    SUBSCRIBE (sub2, "a");
    RECV_SUB (xpub, "a");
    UNSUBSCRIBE (sub1, "a");
    RECV_UNSUB (xpub, "a");
    UNSUBSCRIBE (sub2, "a");
    RECV_UNSUB (xpub, "a");
    EXPECT_NOTHING (xpub);

    /* Setting VERBOSE afterwards turns the unsubscription half off again. */
    TU_SET_INT (xpub, ZMQ_XPUB_VERBOSE, 1);
    SUBSCRIBE (sub1, "b");
    RECV_SUB (xpub, "b");
    SUBSCRIBE (sub2, "b");
    RECV_SUB (xpub, "b");
    UNSUBSCRIBE (sub1, "b");
    SUBSCRIBE (sub1, "m");
    RECV_SUB (xpub, "m");
    UNSUBSCRIBE (sub2, "b");
    RECV_UNSUB (xpub, "b");

    /* VERBOSER 0 turns both halves off. */
    TU_SET_INT (xpub, ZMQ_XPUB_VERBOSER, 0);
    SUBSCRIBE (sub1, "c");
    RECV_SUB (xpub, "c");
    SUBSCRIBE (sub2, "c");
    SUBSCRIBE (sub2, "m2");
    RECV_SUB (xpub, "m2");

    CHECK_RC (zmq_close (sub1));
    CHECK_RC (zmq_close (sub2));
    CHECK_RC (zmq_close (xpub));
}

/* When a subscriber goes away the XPUB reports unsubscriptions for its
 * topics: only topics nobody else holds, or all of them with VERBOSER. */
static void run_close (void *ctx, const char *endpoint, int option)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    if (option)
        TU_SET_INT (xpub, option, 1);
    void *sub1 = TU_SOCKET (ctx, ZMQ_SUB);
    void *sub2 = TU_SOCKET (ctx, ZMQ_SUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_bind (xpub, endpoint));
    CHECK_RC (zmq_connect (sub1, endpoint));
    CHECK_RC (zmq_connect (sub2, endpoint));
    CHECK_RC (zmq_connect (xsub, endpoint));

    SUBSCRIBE (sub1, "a");
    RECV_SUB (xpub, "a");
    SUBSCRIBE (sub1, "b");
    RECV_SUB (xpub, "b");
    SUBSCRIBE (sub2, "a");
    if (option)
        RECV_SUB (xpub, "a");
    SUBSCRIBE (sub2, "m");
    RECV_SUB (xpub, "m");

    CHECK_RC (zmq_close (sub1));
    if (option == ZMQ_XPUB_VERBOSER) {
        const char *const both[] = {"a", "b"};
        recv_unsubs_any_order (xpub, both, 2);
    } else
        RECV_UNSUB (xpub, "b");
    /* Nothing else: the next notification is sub2's new topic. */
    SUBSCRIBE (sub2, "n");
    RECV_SUB (xpub, "n");

    /* An XSUB going away counts the same way. */
    SEND_NOTIFICATION (xsub, 1, "x", 0);
    RECV_SUB (xpub, "x");
    CHECK_RC (zmq_close (xsub));
    RECV_UNSUB (xpub, "x");

    CHECK_RC (zmq_close (sub2));
    const char *const rest[] = {"a", "m", "n"};
    recv_unsubs_any_order (xpub, rest, 3);
    EXPECT_NOTHING (xpub);
    CHECK_RC (zmq_close (xpub));
}

static void test_unsubscribe_on_close (void *ctx)
{
    run_close (ctx, "inproc://xpub-close-quiet", 0);
    run_close (ctx, "inproc://xpub-close-verbose", ZMQ_XPUB_VERBOSE);
    run_close (ctx, "inproc://xpub-close-verboser", ZMQ_XPUB_VERBOSER);
}

/* ZMQ_XPUB_MANUAL: the XPUB records nothing by itself; the application
 * decides, with ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE on the XPUB, what the peer
 * that sent the last received notification gets. */
static void test_manual (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    TU_SET_INT (xpub, ZMQ_XPUB_MANUAL, 1);
    /* Before any notification there is no peer to apply it to: accepted,
     * no effect. */
    SUBSCRIBE (xpub, "q");
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-manual"));
    CHECK_RC (zmq_connect (sub, "inproc://xpub-manual"));
    CHECK_RC (zmq_connect (xsub, "inproc://xpub-manual"));

    SUBSCRIBE (sub, "a");
    RECV_SUB (xpub, "a");
    SEND_STR (xpub, "a0", 0);
    SUBSCRIBE (xpub, "a");
    SEND_STR (xpub, "a1", 0);
    RECV_STR (sub, "a1");
    EXPECT_NOTHING (sub);

    /* Manual mode passes duplicates up. */
    SUBSCRIBE (sub, "a");
    RECV_SUB (xpub, "a");

    /* The application may grant a different topic than was asked for. */
    SEND_NOTIFICATION (xsub, 1, "x", 0);
    RECV_SUB (xpub, "x");
    SUBSCRIBE (xpub, "y");
    SEND_STR (xpub, "x1", 0);
    SEND_STR (xpub, "y1", 0);
    RECV_STR (xsub, "y1");
    EXPECT_NOTHING (xsub);

    /* Unsubscriptions are passed up whether or not anything was granted,
     * and ZMQ_UNSUBSCRIBE on the XPUB takes a grant back. */
    SEND_NOTIFICATION (xsub, 0, "x", 0);
    RECV_UNSUB (xpub, "x");
    UNSUBSCRIBE (xpub, "y");
    SEND_NOTIFICATION (xsub, 1, "z", 0);
    RECV_SUB (xpub, "z");
    SUBSCRIBE (xpub, "z");
    SEND_STR (xpub, "y2", 0);
    SEND_STR (xpub, "z2", 0);
    RECV_STR (xsub, "z2");
    EXPECT_NOTHING (xsub);

    /* On close, the XPUB reports the peer's outstanding requests ("z";
     * "x" was withdrawn), whatever was actually granted. */
    CHECK_RC (zmq_close (xsub));
    RECV_UNSUB (xpub, "z");
    EXPECT_NOTHING (xpub);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (xpub));

    /* Without MANUAL an XPUB refuses ZMQ_SUBSCRIBE. */
    xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    CHECK_ERRNO (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "a", 1), EINVAL);
    CHECK_RC (zmq_close (xpub));
}

/* ZMQ_XPUB_WELCOME_MSG is queued to every peer as it attaches, before any
 * subscription is looked at: a SUB must subscribe to it to see it, an
 * XSUB always sees it. */
static void test_welcome_msg (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "W", 1));
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-welcome"));

    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    SUBSCRIBE (sub, "W");
    CHECK_RC (zmq_connect (sub, "inproc://xpub-welcome"));
    /* The XPUB queues the welcome when it takes the new peer on, which
     * happens while it is in use (here: receiving), as the man page's
     * advice to keep reading subscriptions says. */
    RECV_SUB (xpub, "W");
    RECV_STR (sub, "W");

    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_connect (xsub, "inproc://xpub-welcome"));
    int events;
    size_t len = sizeof events;
    CHECK_RC (zmq_getsockopt (xpub, ZMQ_EVENTS, &events, &len));
    RECV_STR (xsub, "W");

    /* A zero-length value turns it off for later peers. */
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    void *xsub2 = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_connect (xsub2, "inproc://xpub-welcome"));
    SEND_NOTIFICATION (xsub2, 1, "", 0);
    RECV_SUB (xpub, "");
    SEND_STR (xpub, "first", 0);
    RECV_STR (xsub2, "first");

    CHECK_RC (zmq_close (xsub2));
    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (xpub));
}

/* ZMQ_XPUB_NODROP: at the high-water mark sending fails with EAGAIN
 * instead of dropping. Over inproc the queue holds SNDHWM + RCVHWM. */
static void test_nodrop (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    TU_SET_INT (xpub, ZMQ_XPUB_NODROP, 1);
    TU_SET_INT (xpub, ZMQ_SNDHWM, 2);
    TU_SET_INT (sub, ZMQ_RCVHWM, 3);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-nodrop"));
    CHECK_RC (zmq_connect (sub, "inproc://xpub-nodrop"));
    SUBSCRIBE (sub, "");
    RECV_SUB (xpub, "");

    int sent = 0;
    char buf[16];
    for (;;) {
        snprintf (buf, sizeof buf, "m%d", sent);
        if (zmq_send (xpub, buf, strlen (buf), ZMQ_DONTWAIT) == -1) {
            CHECK_EQ (errno, EAGAIN);
            break;
        }
        sent++;
        CHECK (sent <= 100);
    }
    CHECK_EQ (sent, 5);

    /* A blocking send waits, then times out with EAGAIN. */
    int timeout = 50;
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    CHECK_ERRNO (zmq_send (xpub, "late", 4, 0), EAGAIN);

    /* Nothing was lost: all messages arrive, in order. */
    int i;
    for (i = 0; i < sent; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        RECV_STR (sub, buf);
    }
    EXPECT_NOTHING (sub);

    /* With room again a blocking send goes through (it waits for the
     * reader's credit if need be). */
    timeout = TU_TIMEOUT_MS;
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    SEND_STR (xpub, "again", 0);
    RECV_STR (sub, "again");

    /* Messages that match nobody are never blocked. */
    UNSUBSCRIBE (sub, "");
    RECV_UNSUB (xpub, "");
    for (i = 0; i < 20; i++)
        SEND_STR (xpub, "unwanted", ZMQ_DONTWAIT);

    /* PUB accepts the option too. */
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    TU_SET_INT (pub, ZMQ_XPUB_NODROP, 1);
    CHECK_RC (zmq_close (pub));

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (xpub));
}

/* ZMQ_INVERT_MATCHING on an XPUB: send to every peer whose subscriptions
 * do not match. An XSUB does not filter, so it shows the XPUB's choice. */
static void test_invert_matching_xpub (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    TU_SET_INT (xpub, ZMQ_INVERT_MATCHING, 1);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    void *bare = TU_SOCKET (ctx, ZMQ_XSUB);
    CHECK_RC (zmq_bind (xpub, "inproc://xpub-invert"));
    CHECK_RC (zmq_connect (xsub, "inproc://xpub-invert"));
    CHECK_RC (zmq_connect (bare, "inproc://xpub-invert"));

    SEND_NOTIFICATION (xsub, 1, "x", 0);
    RECV_SUB (xpub, "x");
    SEND_STR (xpub, "x1", 0);
    SEND_STR (xpub, "y1", 0);
    RECV_STR (xsub, "y1");
    EXPECT_NOTHING (xsub);
    /* A peer with no subscriptions matches nothing, so gets everything. */
    RECV_STR (bare, "x1");
    RECV_STR (bare, "y1");

    CHECK_RC (zmq_close (bare));
    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

static void test_option_checks (void *ctx)
{
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    int one = 1, minus = -1, value;
    size_t len = sizeof value;
    const int opts[] = {ZMQ_XPUB_VERBOSE, ZMQ_XPUB_VERBOSER, ZMQ_XPUB_MANUAL,
                        ZMQ_XPUB_NODROP};
    size_t i;

    for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        /* int options: wrong size or negative value is EINVAL. */
        CHECK_ERRNO (zmq_setsockopt (xpub, opts[i], &one, 1), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (xpub, opts[i], &minus, sizeof minus),
                     EINVAL);
        CHECK_RC (zmq_setsockopt (xpub, opts[i], &one, sizeof one));
        /* Any positive value means on. */
        value = 7;
        CHECK_RC (zmq_setsockopt (xpub, opts[i], &value, sizeof value));
        /* They are write-only. */
        len = sizeof value;
        CHECK_ERRNO (zmq_getsockopt (xpub, opts[i], &value, &len), EINVAL);
        /* And XPUB-only. */
        CHECK_ERRNO (zmq_setsockopt (sub, opts[i], &one, sizeof one), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (xsub, opts[i], &one, sizeof one),
                     EINVAL);
    }
    CHECK_ERRNO (zmq_setsockopt (sub, ZMQ_XPUB_WELCOME_MSG, "w", 1), EINVAL);
    len = sizeof value;
    CHECK_ERRNO (zmq_getsockopt (sub, ZMQ_SUBSCRIBE, &value, &len), EINVAL);

    /* An XSUB subscribes by sending, not through the options. */
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_UNSUBSCRIBE, "a", 1), EINVAL);

    /* With nothing pending, an XPUB has nothing to receive. */
    char buf[8];
    CHECK_ERRNO (zmq_recv (xpub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (xsub));
    CHECK_RC (zmq_close (xpub));
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    test_subscriptions_from_sub (ctx);
    test_subscriptions_from_xsub (ctx);
    test_xsub_user_messages (ctx);
    test_verbose (ctx);
    test_verboser (ctx);
    test_unsubscribe_on_close (ctx);
    test_manual (ctx);
    test_welcome_msg (ctx);
    test_nodrop (ctx);
    test_invert_matching_xpub (ctx);
    test_option_checks (ctx);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
