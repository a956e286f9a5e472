/* local_thr: the receiving half of the throughput test.
 *
 * usage: local_thr <bind-to> <msg-size> <msg-count>
 *
 * Binds a PULL socket, waits for the first message from remote_thr, then
 * times the arrival of the remaining ones. Reports messages per second and
 * megabits per second of payload, measured from the first message to the
 * last (so connection setup is not counted). */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: local_thr <bind-to> <msg-size> <msg-count>\n");
        return 2;
    }
    const char *endpoint = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "msg-count");

    void *ctx, *pull;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (pull, zmq_socket (ctx, ZMQ_PULL));
    perf_bound (pull);
    perf_bind_announce (pull, endpoint);

    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    perf_recv_expect (pull, &msg, size);
    double start = perf_now_us ();
    for (long i = 1; i < count; i++)
        perf_recv_expect (pull, &msg, size);
    double elapsed = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&msg));

    /* The first message starts the clock, so count - 1 arrived while it ran. */
    long timed = count > 1 ? count - 1 : 1;
    if (elapsed < 1.0)
        elapsed = 1.0;
    double msg_per_s = (double) timed * 1e6 / elapsed;
    double mbit_per_s = msg_per_s * (double) size * 8.0 / 1e6;

    printf ("message size: %zu [B]\n", size);
    printf ("message count: %ld\n", count);
    printf ("mean throughput: %.0f [msg/s]\n", msg_per_s);
    printf ("mean throughput: %.3f [Mb/s]\n", mbit_per_s);
    printf ("RESULT status=OK version=%s msg_size=%zu msg_count=%ld "
            "msgs=%ld elapsed_us=%.0f msg_per_s=%.0f mbit_per_s=%.3f\n",
            perf_version (), size, count, count, elapsed, msg_per_s, mbit_per_s);
    fflush (stdout);

    PERF_OK (zmq_close (pull));
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
