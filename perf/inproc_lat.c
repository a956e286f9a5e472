/* inproc_lat: request/reply latency over inproc within one process.
 *
 * usage: inproc_lat <msg-size> <roundtrip-count>
 *
 * A REP socket in a second thread echoes; a REQ socket in the main thread
 * does <roundtrip-count> round trips and reports one-way latency (round-trip
 * time / 2) in microseconds. */
#include "lat_stats.h"
#include <pthread.h>

#define ENDPOINT "inproc://perf-inproc-lat"

struct echo_args
{
    void *rep;
    size_t size;
    long count;
};

static void *echo (void *arg)
{
    struct echo_args *a = arg;
    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < a->count; i++) {
        perf_recv_expect (a->rep, &msg, a->size);
        if (zmq_msg_send (&msg, a->rep, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    PERF_OK (zmq_msg_close (&msg));
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_lat <msg-size> <roundtrip-count>\n");
        return 2;
    }
    struct echo_args a;
    a.size = (size_t) perf_arg_long (argv[1], "msg-size");
    a.count = perf_arg_long (argv[2], "roundtrip-count");
    double *rtt = malloc ((size_t) a.count * sizeof *rtt);
    if (rtt == NULL)
        PERF_DIE ("malloc");

    void *ctx, *req;
    PERF_PTR (ctx, zmq_ctx_new ());
    /* The REP socket is created and bound here, before the REQ connects, and
     * only used by the echo thread from then on. */
    PERF_PTR (a.rep, zmq_socket (ctx, ZMQ_REP));
    perf_bound (a.rep);
    PERF_OK (zmq_bind (a.rep, ENDPOINT));
    PERF_PTR (req, zmq_socket (ctx, ZMQ_REQ));
    perf_bound (req);
    PERF_OK (zmq_connect (req, ENDPOINT));

    pthread_t thread;
    if (pthread_create (&thread, NULL, echo, &a) != 0)
        PERF_DIE ("pthread_create");

    zmq_msg_t msg;
    perf_msg_init_size (&msg, a.size);
    double start = perf_now_us ();
    double before = start;
    for (long i = 0; i < a.count; i++) {
        if (zmq_msg_send (&msg, req, 0) == -1)
            PERF_DIE ("zmq_msg_send");
        perf_recv_expect (req, &msg, a.size);
        double after = perf_now_us ();
        rtt[i] = after - before;
        before = after;
    }
    double elapsed = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&msg));
    pthread_join (thread, NULL);

    lat_report (rtt, a.count, elapsed, a.size);
    free (rtt);
    PERF_OK (zmq_close (req));
    PERF_OK (zmq_close (a.rep));
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
