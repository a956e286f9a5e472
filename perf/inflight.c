/* inflight: PUSH -> PULL throughput with at most <window> messages in flight.
 *
 * usage: inflight <transport> <msg-size> <msg-count> <window>
 *
 * Two threads, one context. The sender's PUSH sends data to the receiver's
 * PULL; the receiver's PUSH sends credit back to the sender's PULL on a
 * second connection. The sender starts with <window> credits, spends one
 * per message and, with none left, blocks until credit comes back. The
 * receiver returns credit in batches of max(1, window / 2) messages (the
 * batch size travels as a 4-byte count), and the remainder at the end; the
 * first message is a warm-up credited at once, before the clock starts. So
 * at no moment are more than <window> messages sent and not yet received:
 * window 1 is a strict ping-pong of data and credit, a large window the
 * plain stream. Reports data messages per second, from the first send to
 * the return of the last credit (every message received). */
#include "perf_util.h"
#include <pthread.h>

struct recv_args
{
    void *ctx;
    const char *data_ep;
    const char *credit_ep;
    size_t size;
    long count;
    long batch;
};

static void send_credit (void *s, long n)
{
    unsigned int v = (unsigned int) n;
    if (zmq_send (s, &v, sizeof v, 0) != (int) sizeof v)
        PERF_DIE ("zmq_send (credit)");
}

static void *receiver (void *arg)
{
    struct recv_args *a = arg;
    void *pull, *credit;
    PERF_PTR (pull, zmq_socket (a->ctx, ZMQ_PULL));
    PERF_PTR (credit, zmq_socket (a->ctx, ZMQ_PUSH));
    perf_bound (pull);
    perf_bound (credit);
    perf_setopt_int (credit, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_connect (pull, a->data_ep));
    PERF_OK (zmq_connect (credit, a->credit_ep));
    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    /* The first message is the warm-up: its credit goes back at once. */
    perf_recv_expect (pull, &msg, a->size);
    send_credit (credit, 1);
    long owed = 0;
    for (long i = 1; i < a->count; i++) {
        perf_recv_expect (pull, &msg, a->size);
        if (++owed == a->batch) {
            send_credit (credit, owed);
            owed = 0;
        }
    }
    if (owed > 0)
        send_credit (credit, owed);
    PERF_OK (zmq_msg_close (&msg));
    PERF_OK (zmq_close (pull));
    PERF_OK (zmq_close (credit));
    return NULL;
}

/* Blocks for one credit message; returns the credit it carries. */
static long recv_credit (void *s)
{
    unsigned int v = 0;
    int rc = zmq_recv (s, &v, sizeof v, 0);
    if (rc == -1)
        PERF_DIE ("zmq_recv (credit)");
    if (rc != (int) sizeof v || v == 0) {
        fprintf (stderr, "bad credit message (%d bytes)\n", rc);
        printf ("RESULT status=FAIL\n");
        exit (1);
    }
    return (long) v;
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: inflight <transport> <msg-size> <msg-count> "
                         "<window>\n");
        return 2;
    }
    const char *transport = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "msg-count");
    long window = perf_arg_long (argv[4], "window");
    long batch = window / 2 > 1 ? window / 2 : 1;

    void *ctx, *push, *credit;
    char data_ep[256], credit_ep[256];
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (push, zmq_socket (ctx, ZMQ_PUSH));
    PERF_PTR (credit, zmq_socket (ctx, ZMQ_PULL));
    perf_bound (push);
    perf_bound (credit);
    perf_setopt_int (push, ZMQ_LINGER, perf_timeout_ms ());
    perf_bind_any (push, transport, "inflight-data", data_ep, sizeof data_ep);
    perf_bind_any (credit, transport, "inflight-credit", credit_ep,
                   sizeof credit_ep);

    struct recv_args a = {ctx, data_ep, credit_ep, size, count, batch};
    pthread_t thread;
    if (pthread_create (&thread, NULL, receiver, &a) != 0)
        PERF_DIE ("pthread_create");

    /* The first message waits for the receiver to connect (PUSH blocks
     * with no peer); the clock starts once its credit is back, so
     * connection set-up is not counted. */
    zmq_msg_t msg;
    PERF_OK (zmq_msg_init_size (&msg, size));
    if (zmq_msg_send (&msg, push, 0) == -1)
        PERF_DIE ("zmq_msg_send");
    long sent = 1, acked = recv_credit (credit);
    long credits = window;
    double start = perf_now_us ();
    long max_inflight = 1;
    while (sent < count) {
        while (credits == 0) {
            long c = recv_credit (credit);
            credits += c;
            acked += c;
        }
        PERF_OK (zmq_msg_init_size (&msg, size));
        if (zmq_msg_send (&msg, push, 0) == -1)
            PERF_DIE ("zmq_msg_send");
        sent++;
        credits--;
        if (sent - acked > max_inflight)
            max_inflight = sent - acked;
    }
    while (acked < count)
        acked += recv_credit (credit);
    double elapsed = perf_now_us () - start;
    pthread_join (thread, NULL);

    /* The warm-up message was before the clock. */
    long timed = count > 1 ? count - 1 : 1;
    if (elapsed < 1.0)
        elapsed = 1.0;
    double msg_per_s = (double) timed * 1e6 / elapsed;
    printf ("transport: %s, message size: %zu [B], messages: %ld, window: "
            "%ld (credit every %ld), most in flight: %ld\n",
            transport, size, count, window, batch, max_inflight);
    printf ("throughput: %.0f [msg/s]\n", msg_per_s);
    printf ("RESULT status=OK version=%s transport=%s msg_size=%zu "
            "msg_count=%ld window=%ld credit_batch=%ld max_inflight=%ld "
            "msgs=%ld elapsed_us=%.0f msg_per_s=%.0f\n",
            perf_version (), transport, size, count, window, batch,
            max_inflight, count, elapsed, msg_per_s);
    fflush (stdout);

    PERF_OK (zmq_close (push));
    PERF_OK (zmq_close (credit));
    perf_unlink_endpoint (data_ep);
    perf_unlink_endpoint (credit_ep);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
