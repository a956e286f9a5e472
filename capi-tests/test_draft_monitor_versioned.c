/* DRAFT monitoring: zmq_socket_monitor_versioned (event format version 2,
 * monitor socket types) and zmq_socket_monitor_pipes_stats, on inproc.
 *
 * Man page: zmq_socket_monitor_versioned(3) (master).
 *
 * A version 2 event is: the event number (8 bytes), the number of values
 * (8 bytes), each value (8 bytes), the local endpoint, the remote endpoint;
 * all numbers in host byte order.
 */
#include "testutil.h"

#include <stdint.h>

static void *ctx;

struct event_v2
{
    uint64_t event;
    uint64_t count;
    uint64_t values[4];
    char local[256];
    char remote[256];
};

static uint64_t read_u64 (void *reader)
{
    zmq_msg_t frame;
    uint64_t v;
    CHECK_RC (zmq_msg_init (&frame));
    CHECK_EQ (zmq_msg_recv (&frame, reader, 0), 8);
    CHECK_EQ (zmq_msg_more (&frame), 1);
    memcpy (&v, zmq_msg_data (&frame), 8);
    CHECK_RC (zmq_msg_close (&frame));
    return v;
}

static void read_string (void *reader, char *out, size_t size, int more)
{
    zmq_msg_t frame;
    size_t n;
    CHECK_RC (zmq_msg_init (&frame));
    n = (size_t) CHECK_RC (zmq_msg_recv (&frame, reader, 0));
    CHECK (n < size);
    memcpy (out, zmq_msg_data (&frame), n);
    out[n] = '\0';
    CHECK_EQ (zmq_msg_more (&frame), more);
    CHECK_RC (zmq_msg_close (&frame));
}

static void read_event_v2 (void *reader, struct event_v2 *ev)
{
    uint64_t i;
    ev->event = read_u64 (reader);
    ev->count = read_u64 (reader);
    CHECK (ev->count <= 4);
    for (i = 0; i < ev->count; i++)
        ev->values[i] = read_u64 (reader);
    read_string (reader, ev->local, sizeof ev->local, 1);
    read_string (reader, ev->remote, sizeof ev->remote, 0);
}

static void expect_stopped_v2 (void *reader)
{
    struct event_v2 ev;
    read_event_v2 (reader, &ev);
    CHECK (ev.event == ZMQ_EVENT_MONITOR_STOPPED);
    CHECK (ev.count == 1);
    CHECK (ev.values[0] == 0);
    CHECK_STREQ (ev.local, "");
    CHECK_STREQ (ev.remote, "");
}

static void test_arguments (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_EQ (ZMQ_EVENT_ALL_V1, ZMQ_EVENT_ALL);
    CHECK_EQ (ZMQ_EVENT_ALL_V2, ZMQ_EVENT_ALL | ZMQ_EVENT_PIPES_STATS);
    /* Version 1 has only 16 bits of events. */
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://monv-a",
                                               ZMQ_EVENT_ALL_V2, 1, ZMQ_PAIR),
                 EINVAL);
    /* The monitor socket must be a sending type: PAIR, PUB or PUSH. */
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://monv-b",
                                               ZMQ_EVENT_ALL, 2, ZMQ_SUB),
                 EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://monv-c",
                                               ZMQ_EVENT_ALL, 2, ZMQ_PULL),
                 EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://monv-d",
                                               ZMQ_EVENT_ALL, 2, ZMQ_DEALER),
                 EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "tcp://127.0.0.1:*",
                                               ZMQ_EVENT_ALL, 2, ZMQ_PAIR),
                 EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor_versioned (NULL, "inproc://monv-e",
                                               ZMQ_EVENT_ALL, 2, ZMQ_PAIR),
                 ENOTSOCK);
    CHECK_EQ (zmq_socket_monitor_versioned (s, NULL, 0, 2, ZMQ_PAIR), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_v2_stop_event (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    void *reader = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_EQ (zmq_socket_monitor_versioned (s, "inproc://monv-stop",
                                            ZMQ_EVENT_ALL_V2, 2, ZMQ_PAIR),
              0);
    CHECK_RC (zmq_connect (reader, "inproc://monv-stop"));
    CHECK_EQ (zmq_socket_monitor (s, NULL, 0), 0);
    expect_stopped_v2 (reader);
    CHECK (!tu_poll_in (reader, 100));
    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_push_monitor (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    void *reader = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_EQ (zmq_socket_monitor_versioned (s, "inproc://monv-push",
                                            ZMQ_EVENT_ALL, 2, ZMQ_PUSH),
              0);
    CHECK_RC (zmq_connect (reader, "inproc://monv-push"));
    CHECK_EQ (zmq_close (s), 0);
    expect_stopped_v2 (reader);
    CHECK_EQ (zmq_close (reader), 0);
}

static void test_pipes_stats (void)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *plain = TU_SOCKET (ctx, ZMQ_PUSH);
    void *reader = TU_SOCKET (ctx, ZMQ_PAIR);
    struct event_v2 ev;
    int i, got = 0;

    /* Not asked for: EINVAL. */
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (plain), EINVAL);
    /* (No stop event asked for: this monitor never gets a reader.) */
    CHECK_EQ (zmq_socket_monitor_versioned (plain, "inproc://monv-plain",
                                            ZMQ_EVENT_CONNECTED, 2, ZMQ_PAIR),
              0);
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (plain), EINVAL);

    CHECK_EQ (zmq_socket_monitor_versioned (push, "inproc://monv-stats",
                                            ZMQ_EVENT_PIPES_STATS, 2,
                                            ZMQ_PAIR),
              0);
    CHECK_RC (zmq_connect (reader, "inproc://monv-stats"));
    /* No connection, nothing to report: EAGAIN. */
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (push), EAGAIN);

    CHECK_RC (zmq_bind (pull, "inproc://monv-stats-data"));
    CHECK_RC (zmq_connect (push, "inproc://monv-stats-data"));
    SEND_STR (push, "a", 0);
    SEND_STR (push, "b", 0);
    SEND_STR (push, "c", 0);
    RECV_STR (pull, "a");
    CHECK_EQ (zmq_socket_monitor_pipes_stats (push), 0);
    /* The request travels to the peer and back: both sockets have to
     * process their commands, which reading ZMQ_EVENTS does. */
    for (i = 0; i < 300 && !got; i++) {
        int events;
        size_t len = sizeof events;
        CHECK_RC (zmq_getsockopt (pull, ZMQ_EVENTS, &events, &len));
        CHECK_RC (zmq_getsockopt (push, ZMQ_EVENTS, &events, &len));
        got = tu_poll_in (reader, 10);
    }
    CHECK (got);
    read_event_v2 (reader, &ev);
    CHECK (ev.event == ZMQ_EVENT_PIPES_STATS);
    CHECK (ev.count == 2);
    /* Outbound: two unread, three if the read has not been reported back
     * yet. Inbound: nothing (PUSH receives nothing). */
    CHECK (ev.values[0] == 2 || ev.values[0] == 3);
    CHECK (ev.values[1] == 0);

    CHECK_EQ (zmq_socket_monitor (push, NULL, 0), 0);
    CHECK_EQ (zmq_socket_monitor (plain, NULL, 0), 0);
    CHECK_EQ (zmq_close (reader), 0);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (plain), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_arguments ();
    test_v2_stop_event ();
    test_push_monitor ();
    test_pipes_stats ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
