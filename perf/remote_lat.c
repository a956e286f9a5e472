/* remote_lat: the timing half of the latency test.
 *
 * usage: remote_lat <connect-to> <msg-size> <roundtrip-count>
 *
 * Connects a REQ socket to local_lat and does <roundtrip-count> request/reply
 * round trips of <msg-size> bytes one after the other. Reports one-way
 * latency = total time / round trips / 2, in microseconds. */
#include "lat_stats.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr,
                 "usage: remote_lat <connect-to> <msg-size> <roundtrip-count>\n");
        return 2;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "roundtrip-count");

    double *rtt = malloc ((size_t) count * sizeof *rtt);
    if (rtt == NULL)
        PERF_DIE ("malloc");

    void *ctx, *req;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (req, zmq_socket (ctx, ZMQ_REQ));
    perf_bound (req);
    perf_setopt_int (req, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_connect (req, endpoint));

    zmq_msg_t msg;
    perf_msg_init_size (&msg, size);
    double start = perf_now_us ();
    double before = start;
    for (long i = 0; i < count; i++) {
        if (zmq_msg_send (&msg, req, 0) == -1)
            PERF_DIE ("zmq_msg_send");
        perf_recv_expect (req, &msg, size);
        double after = perf_now_us ();
        rtt[i] = after - before;
        before = after;
    }
    double elapsed = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&msg));

    lat_report (rtt, count, elapsed, size);
    free (rtt);
    PERF_OK (zmq_close (req));
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
