/* When a connecting socket stops trying: ZMQ_RECONNECT_STOP (DRAFT) and
 * ZMQ_RECONNECT_IVL -1, over tcp://.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_IVL),
 * zmq_socket_monitor(3).
 *
 * Behaviours pinned here (libzmq master with DRAFT; the same binary also
 * passes against 4.3.4, which accepts option 109 although its header
 * hides it):
 * - ZMQ_RECONNECT_STOP defaults to 0.
 * - With ZMQ_RECONNECT_STOP_CONN_REFUSED, a refused connect is reported
 *   as CLOSED and then nothing more: no CONNECT_RETRIED, no new attempt.
 *   The endpoint is dropped: zmq_disconnect of it then fails with ENOENT.
 *   Without the flag, CLOSED is followed by CONNECT_RETRIED.
 * - The flag is about refusals only: a connection the peer drops is
 *   retried (DISCONNECTED, CONNECT_RETRIED); the retry being refused then
 *   ends it (CLOSED, no further CONNECT_RETRIED).
 * - ZMQ_RECONNECT_IVL -1: after the peer drops the connection there is
 *   DISCONNECTED and no CONNECT_RETRIED; the endpoint is dropped too
 *   (zmq_disconnect: ENOENT), and a new zmq_connect to the same endpoint,
 *   now bound again, works. (DEALERs there, not PAIRs: a PAIR that
 *   reconnects can find its old, dying pipe still attached and drop the
 *   new one; 4.3.4 and master do so now and then, and so the bounce would
 *   fail at random.)
 */
#include "testutil.h"

static void *ctx;

/* How long "nothing more happens" is watched. */
#define QUIET_MS 300

static void closed_port_endpoint (char *ep, size_t cap)
{
    snprintf (ep, cap, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
}

static void test_option (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_SUB);
    int value = -1;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (s, ZMQ_RECONNECT_STOP, &value, &len));
    CHECK_EQ (len, sizeof value);
    CHECK_EQ (value, 0);
    TU_SET_INT (s, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    CHECK_RC (zmq_getsockopt (s, ZMQ_RECONNECT_STOP, &value, &len));
    CHECK_EQ (value, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    CHECK_RC (zmq_close (s));
}

static void test_refused_stops (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *events = TU_MONITOR (ctx, sub, ZMQ_EVENT_ALL);
    TU_SET_INT (sub, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    TU_SET_INT (sub, ZMQ_RECONNECT_IVL, 20);
    closed_port_endpoint (ep, sizeof ep);
    CHECK_RC (zmq_connect (sub, ep));
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    /* With a 20 ms interval a retry would show well within this. */
    EXPECT_NO_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, QUIET_MS);
    CHECK_ERRNO (zmq_disconnect (sub, ep), ENOENT);
    CLOSE_MONITOR (sub, events);
    CHECK_RC (zmq_close (sub));
}

static void test_refused_retries (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *events = TU_MONITOR (ctx, sub, ZMQ_EVENT_ALL);
    TU_SET_INT (sub, ZMQ_RECONNECT_IVL, 20);
    closed_port_endpoint (ep, sizeof ep);
    CHECK_RC (zmq_connect (sub, ep));
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, NULL);
    CHECK_RC (zmq_disconnect (sub, ep));
    CLOSE_MONITOR (sub, events);
    CHECK_RC (zmq_close (sub));
}

/* CONN_REFUSED does not stop the retry after a drop, only a refusal. */
static void test_refused_after_drop (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *server = TU_SOCKET (ctx, ZMQ_PAIR);
    void *client = TU_SOCKET (ctx, ZMQ_PAIR);
    void *events = TU_MONITOR (ctx, client, ZMQ_EVENT_ALL);
    TU_SET_INT (client, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    TU_SET_INT (client, ZMQ_RECONNECT_IVL, 20);
    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "up", 0);
    RECV_STR (server, "up");
    CHECK_RC (zmq_close (server));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_NO_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, QUIET_MS);
    CLOSE_MONITOR (client, events);
    CHECK_RC (zmq_close (client));
}

static void test_ivl_off (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *server = TU_SOCKET (ctx, ZMQ_DEALER);
    void *client = TU_SOCKET (ctx, ZMQ_DEALER);
    void *events = TU_MONITOR (ctx, client, ZMQ_EVENT_ALL);
    TU_SET_INT (client, ZMQ_RECONNECT_IVL, -1);
    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "first", 0);
    RECV_STR (server, "first");
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL);

    CHECK_RC (zmq_close (server));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_NO_EVENT (events, ZMQ_EVENT_CONNECT_RETRIED, QUIET_MS);
    CHECK_ERRNO (zmq_disconnect (client, ep), ENOENT);

    /* Someone binds the endpoint again; a new connect reaches it. */
    server = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_bind (server, ep));
    CHECK_RC (zmq_connect (client, ep));
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK_STREQ (ev.endpoint, ep);
    SEND_STR (client, "second", 0);
    RECV_STR (server, "second");
    SEND_STR (server, "back", 0);
    RECV_STR (client, "back");

    CLOSE_MONITOR (client, events);
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_option ();
    test_refused_stops ();
    test_refused_retries ();
    test_refused_after_drop ();
    test_ivl_off ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
