/* inproc_thr: throughput over inproc within one process.
 *
 * usage: inproc_thr <msg-size> <msg-count>
 *
 * A PUSH socket in a second thread sends <msg-count> messages of <msg-size>
 * bytes to a PULL socket in the main thread, both in one context. Timed, as
 * local_thr is, from the first message received to the last. */
#include "perf_util.h"
#include <pthread.h>

#define ENDPOINT "inproc://perf-inproc-thr"

struct sender_args
{
    void *ctx;
    size_t size;
    long count;
};

static void *sender (void *arg)
{
    struct sender_args *a = arg;
    void *push;
    PERF_PTR (push, zmq_socket (a->ctx, ZMQ_PUSH));
    perf_bound (push);
    perf_setopt_int (push, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_connect (push, ENDPOINT));
    for (long i = 0; i < a->count; i++) {
        zmq_msg_t msg;
        PERF_OK (zmq_msg_init_size (&msg, a->size));
        if (zmq_msg_send (&msg, push, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    PERF_OK (zmq_close (push));
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_thr <msg-size> <msg-count>\n");
        return 2;
    }
    struct sender_args a;
    a.size = (size_t) perf_arg_long (argv[1], "msg-size");
    a.count = perf_arg_long (argv[2], "msg-count");

    void *pull;
    PERF_PTR (a.ctx, zmq_ctx_new ());
    PERF_PTR (pull, zmq_socket (a.ctx, ZMQ_PULL));
    perf_bound (pull);
    PERF_OK (zmq_bind (pull, ENDPOINT));

    pthread_t thread;
    if (pthread_create (&thread, NULL, sender, &a) != 0)
        PERF_DIE ("pthread_create");

    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    perf_recv_expect (pull, &msg, a.size);
    double start = perf_now_us ();
    for (long i = 1; i < a.count; i++)
        perf_recv_expect (pull, &msg, a.size);
    double elapsed = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&msg));
    pthread_join (thread, NULL);

    long timed = a.count > 1 ? a.count - 1 : 1;
    if (elapsed < 1.0)
        elapsed = 1.0;
    double msg_per_s = (double) timed * 1e6 / elapsed;
    double mbit_per_s = msg_per_s * (double) a.size * 8.0 / 1e6;
    printf ("message size: %zu [B]\n", a.size);
    printf ("message count: %ld\n", a.count);
    printf ("mean throughput: %.0f [msg/s]\n", msg_per_s);
    printf ("mean throughput: %.3f [Mb/s]\n", mbit_per_s);
    printf ("RESULT status=OK version=%s msg_size=%zu msg_count=%ld "
            "msgs=%ld elapsed_us=%.0f msg_per_s=%.0f mbit_per_s=%.3f\n",
            perf_version (), a.size, a.count, a.count, elapsed, msg_per_s, mbit_per_s);
    fflush (stdout);

    PERF_OK (zmq_close (pull));
    PERF_OK (zmq_ctx_term (a.ctx));
    return 0;
}
