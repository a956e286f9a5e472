/* proxy_thr: throughput through a zmq_proxy.
 *
 * usage: proxy_thr <transport> <msg-size> <msg-count>
 *
 * sender thread: PUSH --> [PULL frontend | zmq_proxy_steerable | PUSH backend]
 * (proxy thread) --> PULL in the main thread. Both hops use <transport>
 * (tcp, ipc or inproc), all in one context. Timed from the first message
 * received to the last; the proxy is then stopped with "TERMINATE" on its
 * control socket. The sender keeps its socket open until the receiver has
 * every message: over ipc, hanging up while the proxy's frontend sat at its
 * HWM was seen to lose the tail of the stream (both libraries). */
#include "perf_util.h"
#include <pthread.h>

struct proxy_args
{
    void *frontend, *backend, *control;
};

struct sender_args
{
    void *ctx;
    const char *endpoint;
    size_t size;
    long count;
    pthread_mutex_t lock;
    pthread_cond_t received_all;
    int done;
};

static void *run_proxy (void *arg)
{
    struct proxy_args *p = arg;
    if (zmq_proxy_steerable (p->frontend, p->backend, NULL, p->control) == -1)
        PERF_DIE ("zmq_proxy_steerable");
    return NULL;
}

static void *sender (void *arg)
{
    struct sender_args *a = arg;
    void *push;
    PERF_PTR (push, zmq_socket (a->ctx, ZMQ_PUSH));
    perf_bound (push);
    perf_setopt_int (push, ZMQ_LINGER, perf_timeout_ms ());
    PERF_OK (zmq_connect (push, a->endpoint));
    for (long i = 0; i < a->count; i++) {
        zmq_msg_t msg;
        PERF_OK (zmq_msg_init_size (&msg, a->size));
        if (zmq_msg_send (&msg, push, 0) == -1)
            PERF_DIE ("zmq_msg_send");
    }
    pthread_mutex_lock (&a->lock);
    while (!a->done)
        pthread_cond_wait (&a->received_all, &a->lock);
    pthread_mutex_unlock (&a->lock);
    PERF_OK (zmq_close (push));
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr,
                 "usage: proxy_thr <transport> <msg-size> <msg-count>\n");
        return 2;
    }
    const char *transport = argv[1];
    size_t size = (size_t) perf_arg_long (argv[2], "msg-size");
    long count = perf_arg_long (argv[3], "msg-count");

    void *ctx, *ctl_main, *pull;
    struct proxy_args p;
    char front_ep[256], back_ep[256];
    PERF_PTR (ctx, zmq_ctx_new ());

    /* The proxy's three sockets are made here and used only by the proxy
     * thread once it starts. */
    PERF_PTR (p.frontend, zmq_socket (ctx, ZMQ_PULL));
    PERF_PTR (p.backend, zmq_socket (ctx, ZMQ_PUSH));
    PERF_PTR (p.control, zmq_socket (ctx, ZMQ_PAIR));
    perf_setopt_int (p.frontend, ZMQ_LINGER, 0);
    perf_setopt_int (p.backend, ZMQ_LINGER, 0);
    perf_setopt_int (p.control, ZMQ_LINGER, 0);
    perf_bind_any (p.frontend, transport, "proxy-front", front_ep,
                   sizeof front_ep);
    perf_bind_any (p.backend, transport, "proxy-back", back_ep, sizeof back_ep);
    PERF_OK (zmq_bind (p.control, "inproc://perf-proxy-control"));
    PERF_PTR (ctl_main, zmq_socket (ctx, ZMQ_PAIR));
    perf_bound (ctl_main);
    PERF_OK (zmq_connect (ctl_main, "inproc://perf-proxy-control"));

    PERF_PTR (pull, zmq_socket (ctx, ZMQ_PULL));
    perf_bound (pull);
    PERF_OK (zmq_connect (pull, back_ep));

    pthread_t proxy_thread, sender_thread;
    if (pthread_create (&proxy_thread, NULL, run_proxy, &p) != 0)
        PERF_DIE ("pthread_create");
    struct sender_args a;
    a.ctx = ctx;
    a.endpoint = front_ep;
    a.size = size;
    a.count = count;
    a.done = 0;
    pthread_mutex_init (&a.lock, NULL);
    pthread_cond_init (&a.received_all, NULL);
    if (pthread_create (&sender_thread, NULL, sender, &a) != 0)
        PERF_DIE ("pthread_create");

    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    perf_recv_expect (pull, &msg, size);
    double start = perf_now_us ();
    for (long i = 1; i < count; i++)
        perf_recv_expect (pull, &msg, size);
    double elapsed = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&msg));
    pthread_mutex_lock (&a.lock);
    a.done = 1;
    pthread_cond_signal (&a.received_all);
    pthread_mutex_unlock (&a.lock);
    pthread_join (sender_thread, NULL);

    if (zmq_send (ctl_main, "TERMINATE", 9, 0) != 9)
        PERF_DIE ("zmq_send TERMINATE");
    pthread_join (proxy_thread, NULL);

    long timed = count > 1 ? count - 1 : 1;
    if (elapsed < 1.0)
        elapsed = 1.0;
    double msg_per_s = (double) timed * 1e6 / elapsed;
    double mbit_per_s = msg_per_s * (double) size * 8.0 / 1e6;
    printf ("RESULT status=OK version=%s transport=%s msg_size=%zu "
            "msg_count=%ld msgs=%ld elapsed_us=%.0f msg_per_s=%.0f mbit_per_s=%.3f\n",
            perf_version (), transport, size, count, count, elapsed, msg_per_s,
            mbit_per_s);
    fflush (stdout);

    PERF_OK (zmq_close (pull));
    PERF_OK (zmq_close (ctl_main));
    PERF_OK (zmq_close (p.frontend));
    PERF_OK (zmq_close (p.backend));
    PERF_OK (zmq_close (p.control));
    perf_unlink_endpoint (front_ep);
    perf_unlink_endpoint (back_ep);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
