/* zmq_socket_monitor on sockets that only use inproc.
 *
 * Man page: zmq_socket_monitor(3).
 *
 * Monitoring publishes events on a PAIR socket bound to an inproc
 * endpoint. Version 1 events are two frames: 6 bytes (a 16-bit event
 * number then a 32-bit value, both in host byte order) and the endpoint.
 * inproc connections themselves produce no events in the reference; the
 * one event seen here is ZMQ_EVENT_MONITOR_STOPPED (value 0, empty
 * endpoint), sent when monitoring stops or the monitored socket goes away.
 *
 * A reader is always connected before monitoring can stop: the reference
 * sends the stop event with a blocking send.
 */
#include "testutil.h"

#include <stdint.h>

static void *ctx;

struct event
{
    uint16_t event;
    uint32_t value;
    char endpoint[256];
};

/* Read one version-1 event from a monitor reader. */
static void read_event (void *reader, struct event *ev)
{
    zmq_msg_t frame;
    size_t n;
    CHECK_RC (zmq_msg_init (&frame));
    CHECK_EQ (zmq_msg_recv (&frame, reader, 0), 6);
    CHECK_EQ (zmq_msg_more (&frame), 1);
    memcpy (&ev->event, zmq_msg_data (&frame), 2);
    memcpy (&ev->value, (char *) zmq_msg_data (&frame) + 2, 4);
    n = (size_t) CHECK_RC (zmq_msg_recv (&frame, reader, 0));
    CHECK_EQ (zmq_msg_more (&frame), 0);
    CHECK (n < sizeof ev->endpoint);
    memcpy (ev->endpoint, zmq_msg_data (&frame), n);
    ev->endpoint[n] = '\0';
    CHECK_RC (zmq_msg_close (&frame));
}

static void expect_stopped (void *reader)
{
    struct event ev;
    read_event (reader, &ev);
    CHECK_EQ (ev.event, ZMQ_EVENT_MONITOR_STOPPED);
    CHECK_EQ (ev.value, 0);
    CHECK_STREQ (ev.endpoint, "");
}

static void *reader_for (const char *ep)
{
    void *reader = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_connect (reader, ep));
    return reader;
}

static void test_endpoint_rules (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *taken = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_ERRNO (zmq_socket_monitor (s, "tcp://127.0.0.1:*", ZMQ_EVENT_ALL),
                 EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor (s, "ipc:///tmp/monitor-x", ZMQ_EVENT_ALL),
                 EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor (s, "foo://x", ZMQ_EVENT_ALL),
                 EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc://", ZMQ_EVENT_ALL), EINVAL);
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc", ZMQ_EVENT_ALL), EINVAL);
    /* Version 1 has 16 bits of events. */
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc://monitor-wide", 0x10000),
                 EINVAL);
    /* The monitor binds its endpoint, which must be free. */
    CHECK_RC (zmq_bind (taken, "inproc://monitor-taken"));
    CHECK_ERRNO (
      zmq_socket_monitor (s, "inproc://monitor-taken", ZMQ_EVENT_ALL),
      EADDRINUSE);
    CHECK_ERRNO (zmq_socket_monitor (NULL, "inproc://monitor-none", 0),
                 ENOTSOCK);
    /* Stopping when nothing is monitored is fine. */
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_close (taken), 0);
}

static void test_stop_sends_stopped (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *reader;
    CHECK_EQ (zmq_socket_monitor (s, "inproc://monitor-stop", ZMQ_EVENT_ALL),
              0);
    reader = reader_for ("inproc://monitor-stop");
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    expect_stopped (reader);
    /* Nothing after the stop event. */
    CHECK (!tu_poll_in (reader, 100));
    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_inproc_traffic_has_no_events (void)
{
    /* DEALERs: a PAIR would refuse the second peer while the first
     * connection is still being torn down. */
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    void *peer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *late = TU_SOCKET (ctx, ZMQ_DEALER);
    void *reader;
    CHECK_EQ (
      zmq_socket_monitor (s, "inproc://monitor-quiet", ZMQ_EVENT_ALL), 0);
    reader = reader_for ("inproc://monitor-quiet");

    /* Bind, connect, traffic, disconnect, unbind, connect before bind. */
    CHECK_RC (zmq_bind (s, "inproc://monitor-quiet-data"));
    CHECK_RC (zmq_connect (peer, "inproc://monitor-quiet-data"));
    SEND_STR (peer, "ping", 0);
    RECV_STR (s, "ping");
    SEND_STR (s, "pong", 0);
    RECV_STR (peer, "pong");
    CHECK_RC (zmq_disconnect (peer, "inproc://monitor-quiet-data"));
    CHECK_RC (zmq_unbind (s, "inproc://monitor-quiet-data"));
    CHECK_RC (zmq_connect (s, "inproc://monitor-quiet-late"));
    CHECK_RC (zmq_bind (late, "inproc://monitor-quiet-late"));
    SEND_STR (late, "late", 0);
    RECV_STR (s, "late");

    /* The first event to arrive is the stop. */
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    expect_stopped (reader);
    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_close (peer), 0);
    CHECK_EQ (zmq_close (late), 0);
}

static void test_close_sends_stopped (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *lone = TU_SOCKET (ctx, ZMQ_PAIR);
    void *peer = TU_SOCKET (ctx, ZMQ_PAIR);
    void *reader, *reader2;

    /* A socket with no connections. */
    CHECK_EQ (zmq_socket_monitor (lone, "inproc://monitor-close-1",
                                  ZMQ_EVENT_ALL),
              0);
    reader = reader_for ("inproc://monitor-close-1");
    CHECK_EQ (zmq_close (lone), 0);
    expect_stopped (reader);

    /* A connected one: the event comes once both ends are closed. */
    CHECK_EQ (
      zmq_socket_monitor (s, "inproc://monitor-close-2", ZMQ_EVENT_ALL), 0);
    reader2 = reader_for ("inproc://monitor-close-2");
    CHECK_RC (zmq_bind (s, "inproc://monitor-close-data"));
    CHECK_RC (zmq_connect (peer, "inproc://monitor-close-data"));
    SEND_STR (peer, "x", 0);
    RECV_STR (s, "x");
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_close (peer), 0);
    expect_stopped (reader2);

    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (reader2), 0);
}

static void test_event_filter (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *reader;
    /* Everything but the stop event: the stop is silent. */
    CHECK_EQ (zmq_socket_monitor (s, "inproc://monitor-filter",
                                  ZMQ_EVENT_ALL & ~ZMQ_EVENT_MONITOR_STOPPED),
              0);
    reader = reader_for ("inproc://monitor-filter");
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    CHECK (!tu_poll_in (reader, 200));
    CHECK_EQ (zmq_close (reader), 0);

    /* No events at all is allowed too. */
    CHECK_EQ (zmq_socket_monitor (s, "inproc://monitor-filter-2", 0), 0);
    reader = reader_for ("inproc://monitor-filter-2");
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    CHECK (!tu_poll_in (reader, 200));
    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_monitor_replaced (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *first, *second;
    CHECK_EQ (
      zmq_socket_monitor (s, "inproc://monitor-first", ZMQ_EVENT_ALL), 0);
    first = reader_for ("inproc://monitor-first");
    /* A new monitor ends the old one, which reports its stop. */
    CHECK_EQ (
      zmq_socket_monitor (s, "inproc://monitor-second", ZMQ_EVENT_ALL), 0);
    expect_stopped (first);
    second = reader_for ("inproc://monitor-second");
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    expect_stopped (second);
    CHECK (!tu_poll_in (first, 100));
    CHECK_EQ (zmq_close (first), 0);
    CHECK_EQ (zmq_close (second), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_two_monitored_sockets (void)
{
    void *a = TU_SOCKET (ctx, ZMQ_PUSH);
    void *b = TU_SOCKET (ctx, ZMQ_PULL);
    void *ra, *rb;
    CHECK_EQ (zmq_socket_monitor (a, "inproc://monitor-a", ZMQ_EVENT_ALL), 0);
    CHECK_EQ (zmq_socket_monitor (b, "inproc://monitor-b", ZMQ_EVENT_ALL), 0);
    ra = reader_for ("inproc://monitor-a");
    rb = reader_for ("inproc://monitor-b");
    CHECK_EQ (zmq_socket_monitor (b, NULL, 0), 0);
    expect_stopped (rb);
    CHECK (!tu_poll_in (ra, 100));
    CHECK_EQ (zmq_socket_monitor (a, NULL, 0), 0);
    expect_stopped (ra);
    CHECK_EQ (zmq_close (ra), 0);
    CHECK_EQ (zmq_close (rb), 0);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_endpoint_rules ();
    test_stop_sends_stopped ();
    test_inproc_traffic_has_no_events ();
    test_close_sends_stopped ();
    test_event_filter ();
    test_monitor_replaced ();
    test_two_monitored_sockets ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
