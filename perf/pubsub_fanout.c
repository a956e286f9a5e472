/* pubsub_fanout: one publisher, many subscribers.
 *
 * usage: pubsub_fanout <transport> <msg-size> <msg-count> <n-subscribers>
 *
 * The main thread publishes <msg-count> messages of <msg-size> bytes on an
 * XPUB socket; <n-subscribers> threads each hold one SUB socket subscribed to
 * everything and receive all of them. Before the clock starts the publisher
 * waits until it has seen one subscription per subscriber (XPUB_VERBOSE), so
 * every subscriber is connected and subscribed. High-water marks are 0
 * (unbounded; a library that refuses 0 gets a limit never reached here)
 * on both sides so nothing is dropped and every subscriber gets
 * every message. Reports messages delivered per second, summed over all
 * subscribers, from the first send to the last subscriber's last message. */
#include "perf_util.h"
#include <pthread.h>

struct sub_args
{
    void *ctx;
    const char *endpoint;
    size_t size;
    long count;
    double end_us;
    pthread_t thread;
};

static void *subscriber (void *arg)
{
    struct sub_args *a = arg;
    void *sub;
    PERF_PTR (sub, zmq_socket (a->ctx, ZMQ_SUB));
    perf_bound (sub);
    perf_setopt_hwm_unbounded (sub, ZMQ_RCVHWM, (int) a->count + 1000);
    PERF_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    PERF_OK (zmq_connect (sub, a->endpoint));
    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < a->count; i++)
        perf_recv_expect (sub, &msg, a->size);
    a->end_us = perf_now_us ();
    PERF_OK (zmq_msg_close (&msg));
    perf_setopt_int (sub, ZMQ_LINGER, 0);
    PERF_OK (zmq_close (sub));
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: pubsub_fanout <transport> <msg-size> "
                         "<msg-count> <n-subscribers>\n");
        return 2;
    }
    const char *transport = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "msg-count");
    long subs = perf_arg_long (argv[4], "n-subscribers");

    void *ctx, *pub;
    char endpoint[256];
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) subs + 64));
    PERF_PTR (pub, zmq_socket (ctx, ZMQ_XPUB));
    perf_bound (pub);
    perf_setopt_hwm_unbounded (pub, ZMQ_SNDHWM, (int) count + 1000);
    perf_setopt_int (pub, ZMQ_XPUB_VERBOSE, 1);
    perf_setopt_int (pub, ZMQ_LINGER, perf_timeout_ms ());
    /* Many subscribers connect at once: a listen backlog that holds them. */
    /* Best effort: a library without ZMQ_BACKLOG still runs the case. */
    int backlog = subs < 4096 ? (int) subs + 16 : 4096;
    if (zmq_setsockopt (pub, ZMQ_BACKLOG, &backlog, sizeof backlog) == -1)
        fprintf (stderr, "note: ZMQ_BACKLOG not supported: %s\n",
                 zmq_strerror (errno));
    perf_bind_any (pub, transport, "fanout", endpoint, sizeof endpoint);

    struct sub_args *a = calloc ((size_t) subs, sizeof *a);
    if (a == NULL)
        PERF_DIE ("calloc");
    for (long i = 0; i < subs; i++) {
        a[i].ctx = ctx;
        a[i].endpoint = endpoint;
        a[i].size = size;
        a[i].count = count;
        if (pthread_create (&a[i].thread, NULL, subscriber, &a[i]) != 0)
            PERF_DIE ("pthread_create");
    }

    /* One subscribe message (0x01 followed by the empty topic) per
     * subscriber: XPUB_VERBOSE passes on the duplicates too. */
    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    for (long seen = 0; seen < subs;) {
        if (zmq_msg_recv (&msg, pub, 0) == -1)
            PERF_DIE ("zmq_msg_recv (subscription)");
        if (zmq_msg_size (&msg) >= 1 && *(char *) zmq_msg_data (&msg) == 1)
            seen++;
    }
    PERF_OK (zmq_msg_close (&msg));

    double start = perf_now_us ();
    for (long i = 0; i < count; i++) {
        PERF_OK (zmq_msg_init_size (&msg, size));
        if (zmq_msg_send (&msg, pub, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    double published = perf_now_us () - start;
    double last = start;
    for (long i = 0; i < subs; i++) {
        pthread_join (a[i].thread, NULL);
        if (a[i].end_us > last)
            last = a[i].end_us;
    }
    double elapsed = last - start;
    if (elapsed < 1.0)
        elapsed = 1.0;
    double delivered = (double) count * (double) subs;
    double msg_per_s = delivered * 1e6 / elapsed;
    printf ("subscribers: %ld, message size: %zu [B], messages: %ld\n", subs,
            size, count);
    printf ("delivered: %.0f [msg/s] over all subscribers\n", msg_per_s);
    printf ("RESULT status=OK version=%s transport=%s msg_size=%zu "
            "msg_count=%ld subscribers=%ld msgs=%.0f elapsed_us=%.0f publish_us=%.0f "
            "msg_per_s=%.0f\n",
            perf_version (), transport, size, count, subs, delivered, elapsed, published,
            msg_per_s);
    fflush (stdout);

    free (a);
    PERF_OK (zmq_close (pub));
    perf_unlink_endpoint (endpoint);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
