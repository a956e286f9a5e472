/* Connections over time on tcp://: peer restarts, reconnect timing,
 * re-sent subscriptions, ZMQ_IMMEDIATE and ZMQ_LINGER on the network.
 *
 * Man pages: zmq_connect(3), zmq_setsockopt(3) (ZMQ_RECONNECT_IVL,
 * ZMQ_RECONNECT_IVL_MAX, ZMQ_IMMEDIATE, ZMQ_LINGER), zmq_close(3).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - A connecting socket keeps its outgoing queue while the peer is away
 *   (unless ZMQ_IMMEDIATE): a message sent after the disconnect is
 *   delivered to whoever binds the endpoint next.
 * - After the connection is lost the connecter waits, then retries; each
 *   wait is announced by ZMQ_EVENT_CONNECT_RETRIED whose value is the wait
 *   in ms: the current interval plus a random jitter below
 *   ZMQ_RECONNECT_IVL, i.e. [ivl, 2*ivl) without ZMQ_RECONNECT_IVL_MAX.
 *   With a larger ZMQ_RECONNECT_IVL_MAX the interval doubles after each
 *   failed attempt up to the maximum: [ivl, ivl+ivl), [2ivl, 2ivl+ivl)...
 * - ZMQ_RECONNECT_IVL -1 disables reconnecting.
 * - A SUB re-sends its subscriptions to the new peer on reconnect.
 * - ZMQ_IMMEDIATE: no pipe, hence no queueing, until the connection is up.
 * - Messages still queued when a socket is closed are delivered later if
 *   ZMQ_LINGER is -1 (the context keeps reconnecting on their behalf) and
 *   dropped with ZMQ_LINGER 0.
 */
#include "testutil.h"

static void *ctx;

static void test_push_survives_restart (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *events = TU_MONITOR (ctx, push, ZMQ_EVENT_DISCONNECTED);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "before", 0);
    RECV_STR (pull, "before");

    CHECK_RC (zmq_close (pull));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    /* Queued meanwhile, delivered to the new peer. */
    SEND_STR (push, "during", ZMQ_SNDMORE);
    SEND_STR (push, "outage", 0);
    pull = TU_SOCKET (ctx, ZMQ_PULL);
    REBIND (pull, ep);
    RECV_STR (pull, "during");
    CHECK_MORE (pull);
    RECV_STR (pull, "outage");
    SEND_STR (push, "after", 0);
    RECV_STR (pull, "after");
    CLOSE_MONITOR (push, events);
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_req_survives_restart (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *events = TU_MONITOR (ctx, req, ZMQ_EVENT_DISCONNECTED);
    BIND_LOOPBACK (rep, ep);
    CHECK_RC (zmq_connect (req, ep));
    SEND_STR (req, "q1", 0);
    RECV_STR (rep, "q1");
    SEND_STR (rep, "a1", 0);
    RECV_STR (req, "a1");

    CHECK_RC (zmq_close (rep));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    SEND_STR (req, "q2", 0);
    rep = TU_SOCKET (ctx, ZMQ_REP);
    REBIND (rep, ep);
    RECV_STR (rep, "q2");
    SEND_STR (rep, "a2", 0);
    RECV_STR (req, "a2");
    CLOSE_MONITOR (req, events);
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (rep));
}

/* Wait until s is readable, meanwhile calling into pump so that it
 * processes its commands: the reference SUB re-sends its subscriptions
 * only when its application thread gets to the reconnect ("hiccup")
 * notice, as any receiving application does. */
static void await_readable_pumping (void *s, void *pump)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    while (!tu_poll_in (s, 10)) {
        CHECK (tu_now_ms () < deadline);
        tu_events (pump);
    }
}

/* The restarted publisher is an XPUB, which shows the re-sent
 * subscriptions arriving before it publishes. */
static void test_sub_resubscribes_xpub (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *pub = TU_SOCKET (ctx, ZMQ_XPUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *events = TU_MONITOR (ctx, sub, ZMQ_EVENT_DISCONNECTED);
    BIND_LOOPBACK (pub, ep);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "alpha", 5));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "beta", 4));
    CHECK_RC (zmq_connect (sub, ep));
    RECV_BYTES (pub, "\1alpha", 6);
    RECV_BYTES (pub, "\1beta", 5);
    SEND_STR (pub, "alpha 1", 0);
    RECV_STR (sub, "alpha 1");

    CHECK_RC (zmq_close (pub));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    pub = TU_SOCKET (ctx, ZMQ_XPUB);
    REBIND (pub, ep);
    /* Both subscriptions come again, in some order. */
    await_readable_pumping (pub, sub);
    {
        char buf[16];
        size_t n1 = RECV_FRAME (pub, buf, sizeof buf);
        int got_alpha = n1 == 6 && memcmp (buf, "\1alpha", 6) == 0;
        int got_beta = n1 == 5 && memcmp (buf, "\1beta", 5) == 0;
        CHECK (got_alpha || got_beta);
        if (got_alpha)
            RECV_BYTES (pub, "\1beta", 5);
        else
            RECV_BYTES (pub, "\1alpha", 6);
    }
    SEND_STR (pub, "gamma 2", 0);
    SEND_STR (pub, "beta 2", 0);
    SEND_STR (pub, "alpha 2", 0);
    RECV_STR (sub, "beta 2");
    RECV_STR (sub, "alpha 2");
    CLOSE_MONITOR (sub, events);
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* The same with a plain PUB, which cannot tell when the subscription is
 * back: it publishes until the subscriber hears one message (bounded). */
static void test_sub_resubscribes_pub (void)
{
    char ep[TU_ENDPOINT_MAX], buf[32];
    long long deadline;
    int got = 0;
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *events = TU_MONITOR (ctx, sub, ZMQ_EVENT_DISCONNECTED);
    BIND_LOOPBACK (pub, ep);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "news", 4));
    CHECK_RC (zmq_connect (sub, ep));
    deadline = tu_now_ms () + TU_TIMEOUT_MS;
    while (!got && tu_now_ms () < deadline) {
        SEND_STR (pub, "news first", 0);
        got = tu_poll_in (sub, 10);
    }
    CHECK (got);
    RECV_STR (sub, "news first");

    CHECK_RC (zmq_close (pub));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    /* Drop anything still queued from the first publisher. */
    while (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    pub = TU_SOCKET (ctx, ZMQ_PUB);
    REBIND (pub, ep);
    got = 0;
    deadline = tu_now_ms () + TU_TIMEOUT_MS;
    while (!got && tu_now_ms () < deadline) {
        SEND_STR (pub, "other topic", 0);
        SEND_STR (pub, "news again", 0);
        got = tu_poll_in (sub, 10);
    }
    CHECK (got);
    RECV_STR (sub, "news again");
    CLOSE_MONITOR (sub, events);
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (pub));
}

/* Read CONNECT_RETRIED events, skipping others, and return the value. */
static unsigned next_retry (void *events)
{
    struct tu_event ev;
    EXPECT_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, &ev);
    return ev.value;
}

static void test_reconnect_ivl (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned v;
    int i;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *events;
    TU_SET_INT (push, ZMQ_RECONNECT_IVL, 150);
    events = TU_MONITOR (ctx, push, ZMQ_EVENT_ALL);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "first", 0);
    RECV_STR (pull, "first");
    CHECK_RC (zmq_close (pull));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    /* Without ZMQ_RECONNECT_IVL_MAX every wait is in [ivl, 2 ivl). */
    for (i = 0; i < 3; i++) {
        v = next_retry (events);
        CHECK (v >= 150 && v < 300);
    }
    /* And the peer coming back is found by one of the retries. */
    pull = TU_SOCKET (ctx, ZMQ_PULL);
    REBIND (pull, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_CONNECTED, NULL);
    SEND_STR (push, "back", 0);
    RECV_STR (pull, "back");
    CLOSE_MONITOR (push, events);
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_reconnect_backoff (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned v, ivl = 40;
    int i;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *events;
    TU_SET_INT (push, ZMQ_RECONNECT_IVL, (int) ivl);
    TU_SET_INT (push, ZMQ_RECONNECT_IVL_MAX, 8 * (int) ivl);
    events = TU_MONITOR (ctx, push, ZMQ_EVENT_ALL);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "first", 0);
    RECV_STR (pull, "first");
    CHECK_RC (zmq_close (pull));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    /* ivl, 2 ivl, 4 ivl, 8 ivl, then stays at the maximum; each plus a
     * jitter below ivl. */
    for (i = 0; i < 5; i++) {
        unsigned base = ivl << (i < 3 ? i : 3);
        v = next_retry (events);
        if (!(v >= base && v < base + ivl)) {
            fprintf (stderr, "retry %d waited %u ms, expected [%u, %u)\n", i,
                     v, base, base + ivl);
            CHECK (v >= base && v < base + ivl);
        }
    }
    CLOSE_MONITOR (push, events);
    CHECK_RC (zmq_close (push));
}

/* ZMQ_RECONNECT_IVL -1: a lost connection stays lost. */
static void test_reconnect_disabled (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *events;
    TU_SET_INT (push, ZMQ_RECONNECT_IVL, -1);
    events = TU_MONITOR (ctx, push, ZMQ_EVENT_ALL);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "once", 0);
    RECV_STR (pull, "once");
    CHECK_RC (zmq_close (pull));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    pull = TU_SOCKET (ctx, ZMQ_PULL);
    REBIND (pull, ep);
    /* Several default reconnect intervals pass without a new attempt. */
    while (tu_next_event (events, &ev, 500)) {
        CHECK (ev.event != ZMQ_EVENT_CONNECT_RETRIED);
        CHECK (ev.event != ZMQ_EVENT_CONNECTED);
    }
    EXPECT_NOTHING (pull);
    CLOSE_MONITOR (push, events);
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_immediate (void)
{
    char ep[TU_ENDPOINT_MAX], dead[TU_ENDPOINT_MAX];
    int i;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (push, ZMQ_IMMEDIATE, 1);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, ep));
    /* Nothing is connected, so nothing can be queued. */
    CHECK_EQ (tu_events (push) & ZMQ_POLLOUT, 0);
    CHECK_ERRNO (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK (tu_poll_out (push, TU_TIMEOUT_MS));
    SEND_STR (push, "now", 0);
    RECV_STR (pull, "now");

    /* A second endpoint that nobody serves gets no share of the load. */
    snprintf (dead, sizeof dead, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, dead));
    for (i = 0; i < 10; i++)
        SEND_STR (push, "all mine", 0);
    for (i = 0; i < 10; i++)
        RECV_STR (pull, "all mine");
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_linger_delivers (void)
{
    char ep[TU_ENDPOINT_MAX], buf[16];
    int i, n;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (push, ZMQ_LINGER, -1);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, ep));
    for (i = 0; i < 5; i++) {
        n = snprintf (buf, sizeof buf, "late %d", i);
        SEND_BYTES (push, buf, (size_t) n, 0);
    }
    SEND_FILLED (push, 2u << 20, 77, 0);
    /* Closed before any peer exists: the messages wait in the context. */
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_bind (pull, ep));
    for (i = 0; i < 5; i++) {
        n = snprintf (buf, sizeof buf, "late %d", i);
        RECV_BYTES (pull, buf, (size_t) n);
    }
    RECV_FILLED (pull, 2u << 20, 77);
    CHECK_RC (zmq_close (pull));
}

static void test_linger_zero_drops (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH); /* TU_SOCKET sets linger 0 */
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *pushed = TU_MONITOR (ctx, push, ZMQ_EVENT_CONNECT_RETRIED);
    void *events = TU_MONITOR (ctx, pull, ZMQ_EVENT_ALL);
    TU_SET_INT (push, ZMQ_RECONNECT_IVL, 300);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, ep));
    /* Let the first attempt fail, so that the close lands in a wait
     * between attempts rather than racing with one. */
    EXPECT_EVENT (pushed, ZMQ_EVENT_CONNECT_RETRIED, NULL);
    CLOSE_MONITOR (push, pushed);
    SEND_STR (push, "dropped", 0);
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_bind (pull, ep));
    EXPECT_EVENT (events, ZMQ_EVENT_LISTENING, NULL);
    /* Nobody comes: the retry that was due never happens. */
    while (tu_next_event (events, &ev, 800))
        CHECK (ev.event != ZMQ_EVENT_ACCEPTED);
    EXPECT_NOTHING (pull);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

/* A finite linger bounds zmq_ctx_term when the peer never appears. */
static void test_linger_bounded (void)
{
    char ep[TU_ENDPOINT_MAX];
    long long start, took;
    void *ctx2 = CHECK_PTR (zmq_ctx_new ());
    void *push = TU_SOCKET (ctx2, ZMQ_PUSH);
    TU_SET_INT (push, ZMQ_LINGER, 300);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "never delivered", 0);
    CHECK_RC (zmq_close (push));
    start = tu_now_ms ();
    CHECK_RC (zmq_ctx_term (ctx2));
    took = tu_now_ms () - start;
    CHECK (took >= 250);
    CHECK (took < 2000);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_push_survives_restart ();
    test_req_survives_restart ();
    test_sub_resubscribes_xpub ();
    test_sub_resubscribes_pub ();
    test_reconnect_ivl ();
    test_reconnect_backoff ();
    test_reconnect_disabled ();
    test_immediate ();
    test_linger_delivers ();
    test_linger_zero_drops ();
    test_linger_bounded ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
