/* local_lat: the echoing half of the latency test.
 *
 * usage: local_lat <bind-to> <msg-size> <roundtrip-count>
 *
 * Binds a REP socket and sends every request straight back, <roundtrip-count>
 * times. remote_lat does the timing. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr,
                 "usage: local_lat <bind-to> <msg-size> <roundtrip-count>\n");
        return 2;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "roundtrip-count");

    void *ctx, *rep;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (rep, zmq_socket (ctx, ZMQ_REP));
    perf_bound (rep);
    perf_setopt_int (rep, ZMQ_LINGER, perf_timeout_ms ());
    perf_bind_announce (rep, endpoint);

    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < count; i++) {
        perf_recv_expect (rep, &msg, size);
        if (zmq_msg_send (&msg, rep, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    PERF_OK (zmq_msg_close (&msg));

    printf ("RESULT status=OK version=%s msg_size=%zu roundtrips=%ld\n",
            perf_version (), size, count);
    PERF_OK (zmq_close (rep));
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
