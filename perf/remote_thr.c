/* remote_thr: the sending half of the throughput test.
 *
 * usage: remote_thr <connect-to> <msg-size> <msg-count>
 *
 * Connects a PUSH socket and sends <msg-count> messages of <msg-size> bytes
 * as fast as the library accepts them; local_thr reports the figures. The
 * payload is left as zmq_msg_init_size gives it, so the sender measures the
 * library rather than memset.
 *
 * After the last send it keeps the connection open until the receiver has
 * disconnected (it closes once it has every message), watched through a
 * socket monitor, at most PERF_TIMEOUT_MS. Closing right away is not safe
 * over ipc: both libzmq 4.3.4 and our library were seen to lose the tail of
 * the stream when the sender hung up while the receiver sat at its HWM. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr,
                 "usage: remote_thr <connect-to> <msg-size> <msg-count>\n");
        return 2;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "msg-count");

    void *ctx, *push;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (push, zmq_socket (ctx, ZMQ_PUSH));
    perf_bound (push);
    perf_setopt_int (push, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_socket_monitor (push, "inproc://perf-remote-thr-monitor",
                                 ZMQ_EVENT_DISCONNECTED));
    void *monitor;
    PERF_PTR (monitor, zmq_socket (ctx, ZMQ_PAIR));
    perf_setopt_int (monitor, ZMQ_RCVTIMEO, perf_timeout_ms ());
    PERF_OK (zmq_connect (monitor, "inproc://perf-remote-thr-monitor"));
    PERF_OK (zmq_connect (push, endpoint));

    double start = perf_now_us ();
    for (long i = 0; i < count; i++) {
        zmq_msg_t msg;
        PERF_OK (zmq_msg_init_size (&msg, size));
        if (zmq_msg_send (&msg, push, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    double queued = perf_now_us () - start;

    /* Each event is two frames: 2-byte event id + 4-byte value, then the
     * endpoint. Only DISCONNECTED was asked for. */
    int receiver_gone = 0;
    zmq_msg_t event;
    PERF_OK (zmq_msg_init (&event));
    while (!receiver_gone) {
        if (zmq_msg_recv (&event, monitor, 0) == -1)
            break; /* timeout: close anyway */
        if (zmq_msg_size (&event) >= 2 && zmq_msg_more (&event)) {
            unsigned short id;
            memcpy (&id, zmq_msg_data (&event), sizeof id);
            receiver_gone = id == ZMQ_EVENT_DISCONNECTED;
        }
        while (zmq_msg_more (&event))
            if (zmq_msg_recv (&event, monitor, 0) == -1)
                break;
    }
    PERF_OK (zmq_msg_close (&event));
    if (!receiver_gone)
        fprintf (stderr, "remote_thr: receiver did not disconnect within "
                         "%d ms; closing anyway\n",
                 perf_timeout_ms ());

    PERF_OK (zmq_socket_monitor (push, NULL, 0));
    PERF_OK (zmq_close (monitor));
    PERF_OK (zmq_close (push));
    PERF_OK (zmq_ctx_term (ctx));
    double elapsed = perf_now_us () - start;
    printf ("RESULT status=OK version=%s msg_size=%zu msg_count=%ld "
            "send_us=%.0f total_us=%.0f receiver_closed=%d\n",
            perf_version (), size, count, queued, elapsed, receiver_gone);
    return 0;
}
