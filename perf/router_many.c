/* router_many: one ROUTER exchanging messages with many DEALER peers.
 *
 * usage: router_many <transport> <n-dealers> <msg-size> <msg-count>
 *
 * <n-dealers> threads each hold one DEALER (routing id "dealer-<i>")
 * connected to a ROUTER in the main thread. After every dealer has said
 * hello, two timed phases run:
 *   in:  the ROUTER says "go" to each dealer and receives <msg-count>
 *        messages in all (msg-count / n-dealers from each), fair-queued;
 *   out: the ROUTER sends <msg-count> messages, addressed round-robin to the
 *        dealers by routing id, and each dealer receives its share.
 * The ROUTER's send HWM and the dealers' receive HWM are 0 (unbounded) and
 * ROUTER_MANDATORY is set, so no message is silently dropped. Reports each
 * phase's rate and the combined rate (all messages / both phases' time). */
#include "perf_util.h"
#include <pthread.h>

struct dealer_args
{
    void *ctx;
    const char *endpoint;
    int index;
    size_t size;
    long share;
    double end_us;
    pthread_t thread;
};

static void *dealer (void *arg)
{
    struct dealer_args *a = arg;
    char id[32];
    snprintf (id, sizeof id, "dealer-%d", a->index);
    void *d;
    PERF_PTR (d, zmq_socket (a->ctx, ZMQ_DEALER));
    perf_bound (d);
    perf_setopt_int (d, ZMQ_RCVHWM, 0);
    perf_setopt_int (d, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, id, strlen (id)));
    PERF_OK (zmq_connect (d, a->endpoint));
    if (zmq_send (d, "hello", 5, 0) != 5)
        PERF_DIE ("zmq_send hello");
    char go[8];
    if (zmq_recv (d, go, sizeof go, 0) != 2)
        PERF_DIE ("zmq_recv go");

    zmq_msg_t msg;
    for (long i = 0; i < a->share; i++) {
        PERF_OK (zmq_msg_init_size (&msg, a->size));
        if (zmq_msg_send (&msg, d, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < a->share; i++)
        perf_recv_expect (d, &msg, a->size);
    a->end_us = perf_now_us ();
    PERF_OK (zmq_msg_close (&msg));
    PERF_OK (zmq_close (d));
    return NULL;
}

/* Receives one [routing id][payload] message on the ROUTER; the id goes
 * into `id`, the payload into `msg`. */
static void router_recv (void *router, zmq_msg_t *id, zmq_msg_t *msg)
{
    if (zmq_msg_recv (id, router, 0) == -1)
        PERF_DIE ("zmq_msg_recv (routing id)");
    if (!zmq_msg_more (id)) {
        fprintf (stderr, "routing id frame without a payload\n");
        printf ("RESULT status=FAIL\n");
        exit (1);
    }
    if (zmq_msg_recv (msg, router, 0) == -1)
        PERF_DIE ("zmq_msg_recv (payload)");
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: router_many <transport> <n-dealers> "
                         "<msg-size> <msg-count>\n");
        return 2;
    }
    const char *transport = argv[1];
    long n = perf_arg_long (argv[2], "n-dealers");
    size_t size = (size_t) perf_arg_long (argv[3], "msg-size");
    long count = perf_arg_long (argv[4], "msg-count");
    long share = count / n;
    if (share < 1)
        share = 1;
    long total = share * n;

    void *ctx, *router;
    char endpoint[256];
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) n + 64));
    PERF_PTR (router, zmq_socket (ctx, ZMQ_ROUTER));
    perf_bound (router);
    perf_setopt_int (router, ZMQ_SNDHWM, 0);
    perf_setopt_int (router, ZMQ_ROUTER_MANDATORY, 1);
    perf_setopt_int (router, ZMQ_LINGER, perf_timeout_ms ());
    perf_bind_any (router, transport, "router", endpoint, sizeof endpoint);

    struct dealer_args *a = calloc ((size_t) n, sizeof *a);
    if (a == NULL)
        PERF_DIE ("calloc");
    for (long i = 0; i < n; i++) {
        a[i].ctx = ctx;
        a[i].endpoint = endpoint;
        a[i].index = (int) i;
        a[i].size = size;
        a[i].share = share;
        if (pthread_create (&a[i].thread, NULL, dealer, &a[i]) != 0)
            PERF_DIE ("pthread_create");
    }

    zmq_msg_t id, msg;
    PERF_OK (zmq_msg_init (&id));
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < n; i++)
        router_recv (router, &id, &msg);

    /* Phase "in": dealers to router. */
    double in_start = perf_now_us ();
    for (long i = 0; i < n; i++) {
        char name[32];
        int len = snprintf (name, sizeof name, "dealer-%ld", i);
        if (zmq_send (router, name, (size_t) len, ZMQ_SNDMORE) != len
            || zmq_send (router, "go", 2, 0) != 2)
            PERF_DIE ("zmq_send go");
    }
    for (long i = 0; i < total; i++) {
        router_recv (router, &id, &msg);
        if (zmq_msg_size (&msg) != size) {
            fprintf (stderr, "message of %zu bytes, expected %zu\n",
                     zmq_msg_size (&msg), size);
            printf ("RESULT status=FAIL\n");
            return 1;
        }
    }
    double in_us = perf_now_us () - in_start;

    /* Phase "out": router to dealers, round-robin by routing id. */
    char names[n][32];
    size_t name_len[n];
    for (long i = 0; i < n; i++)
        name_len[i] = (size_t) snprintf (names[i], 32, "dealer-%ld", i);
    double out_start = perf_now_us ();
    for (long j = 0; j < share; j++) {
        for (long i = 0; i < n; i++) {
            if (zmq_send (router, names[i], name_len[i], ZMQ_SNDMORE)
                != (int) name_len[i])
                PERF_DIE ("zmq_send (routing id)");
            PERF_OK (zmq_msg_init_size (&msg, size));
            if (zmq_msg_send (&msg, router, 0) == -1)
                PERF_DIE ("zmq_msg_send");
        }
    }
    double last = out_start;
    for (long i = 0; i < n; i++) {
        pthread_join (a[i].thread, NULL);
        if (a[i].end_us > last)
            last = a[i].end_us;
    }
    double out_us = last - out_start;
    PERF_OK (zmq_msg_close (&id));
    PERF_OK (zmq_msg_close (&msg));

    if (in_us < 1.0)
        in_us = 1.0;
    if (out_us < 1.0)
        out_us = 1.0;
    double in_rate = (double) total * 1e6 / in_us;
    double out_rate = (double) total * 1e6 / out_us;
    double rate = 2.0 * (double) total * 1e6 / (in_us + out_us);
    printf ("dealers: %ld, message size: %zu [B], messages each way: %ld\n",
            n, size, total);
    printf ("in: %.0f [msg/s], out: %.0f [msg/s], both: %.0f [msg/s]\n",
            in_rate, out_rate, rate);
    printf ("RESULT status=OK version=%s transport=%s dealers=%ld "
            "msg_size=%zu msg_count=%ld in_us=%.0f out_us=%.0f "
            "in_msg_per_s=%.0f out_msg_per_s=%.0f msg_per_s=%.0f\n",
            perf_version (), transport, n, size, total, in_us, out_us,
            in_rate, out_rate, rate);
    fflush (stdout);

    free (a);
    PERF_OK (zmq_close (router));
    perf_unlink_endpoint (endpoint);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
