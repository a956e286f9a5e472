/* The built-in proxy over inproc: zmq_proxy, zmq_proxy_steerable and the
 * legacy zmq_device, each running in its own thread.
 *
 * Man pages: zmq_proxy(3), zmq_proxy_steerable(3), zmq_device(3).
 *
 * The sockets a proxy uses are created and bound/connected by the main
 * thread, then handed over to the proxy thread (pthread_create orders the
 * memory), which closes them once the proxy returns. A proxy stops when its
 * context is shut down or terminated (it returns -1 with errno ETERM) or,
 * for zmq_proxy_steerable, on TERMINATE (it returns 0).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>

enum proxy_kind { RUN_PROXY, RUN_STEERABLE, RUN_DEVICE };

struct proxy_job
{
    enum proxy_kind kind;
    void *frontend, *backend, *capture, *control;
    int rc, err;
    pthread_t thread;
};

static void *proxy_thread (void *arg)
{
    struct proxy_job *job = (struct proxy_job *) arg;
    errno = 0;
    switch (job->kind) {
        case RUN_PROXY:
            job->rc = zmq_proxy (job->frontend, job->backend, job->capture);
            break;
        case RUN_STEERABLE:
            job->rc = zmq_proxy_steerable (job->frontend, job->backend,
                                           job->capture, job->control);
            break;
        case RUN_DEVICE:
            job->rc = zmq_device (ZMQ_QUEUE, job->frontend, job->backend);
            break;
    }
    job->err = errno;
    /* The proxy is done with its sockets; closing them lets a pending
     * zmq_ctx_term in the main thread finish. */
    zmq_close (job->frontend);
    if (job->backend != job->frontend)
        zmq_close (job->backend);
    if (job->capture)
        zmq_close (job->capture);
    if (job->control)
        zmq_close (job->control);
    return NULL;
}

static void start_proxy (struct proxy_job *job)
{
    CHECK_EQ (pthread_create (&job->thread, NULL, proxy_thread, job), 0);
}

static void join_proxy (struct proxy_job *job)
{
    CHECK_EQ (pthread_join (job->thread, NULL), 0);
}

/* A socket for the proxy's side: no timeouts (the proxy polls), no
 * linger. */
static void *proxy_socket (void *ctx, int type)
{
    void *s = CHECK_PTR (zmq_socket (ctx, type));
    TU_SET_INT (s, ZMQ_LINGER, 0);
    return s;
}

/* Receive the next frame that is not a leftover probe and compare it. */
static void recv_skipping (void *s, const char *skip, const char *want,
                           int want_more)
{
    char buf[256];
    int rc;
    do {
        rc = CHECK_RC (zmq_recv (s, buf, sizeof buf - 1, 0));
        CHECK (rc < (int) sizeof buf);
        buf[rc] = '\0';
    } while (skip && strcmp (buf, skip) == 0 && !tu_rcvmore (s));
    CHECK_STREQ (buf, want);
    CHECK_EQ (tu_rcvmore (s), want_more);
}

/* XSUB frontend, XPUB backend: a forwarder. Subscriptions travel from the
 * subscriber through the proxy to the publisher; data the other way; the
 * capture socket gets a copy of every frame, in the order forwarded. */
static void test_forwarder_with_capture (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct proxy_job job;
    memset (&job, 0, sizeof job);
    job.kind = RUN_PROXY;
    job.frontend = proxy_socket (ctx, ZMQ_XSUB);
    job.backend = proxy_socket (ctx, ZMQ_XPUB);
    job.capture = proxy_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_bind (job.frontend, "inproc://proxy-fwd-front"));
    CHECK_RC (zmq_bind (job.backend, "inproc://proxy-fwd-back"));
    CHECK_RC (zmq_bind (job.capture, "inproc://proxy-fwd-capture"));

    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *tap = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_RC (zmq_connect (pub, "inproc://proxy-fwd-front"));
    CHECK_RC (zmq_connect (sub, "inproc://proxy-fwd-back"));
    CHECK_RC (zmq_connect (tap, "inproc://proxy-fwd-capture"));
    /* Subscribe before the proxy runs, so that both subscriptions wait
     * together and the proxy forwards them before any data. */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "probe", 5));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t", 1));
    start_proxy (&job);

    /* Publish the probe until the whole path is in place. A probe still
     * on its way when we stop may arrive later; readers skip those. */
    int i, synced = 0;
    for (i = 0; i < 250 && !synced; i++) {
        SEND_STR (pub, "probe", 0);
        synced = tu_poll_in (sub, 20);
    }
    CHECK (synced);
    RECV_STR (sub, "probe");

    SEND_STR (pub, "u1", 0);
    SEND_STR (pub, "t1", 0);
    SEND_STR (pub, "t2", ZMQ_SNDMORE);
    SEND_STR (pub, "tail", 0);
    recv_skipping (sub, "probe", "t1", 0);
    recv_skipping (sub, "probe", "t2", 1);
    RECV_STR (sub, "tail");
    CHECK_EQ (tu_rcvmore (sub), 0);

    /* The capture saw the two subscriptions (backend to frontend), the
     * probes that got through, and the data, frames and flags intact. */
    const char sub_probe[6] = {1, 'p', 'r', 'o', 'b', 'e'};
    const char sub_t[2] = {1, 't'};
    RECV_BYTES (tap, sub_probe, 6);
    CHECK_EQ (tu_rcvmore (tap), 0);
    RECV_BYTES (tap, sub_t, 2);
    CHECK_EQ (tu_rcvmore (tap), 0);
    recv_skipping (tap, "probe", "t1", 0);
    recv_skipping (tap, "probe", "t2", 1);
    RECV_STR (tap, "tail");
    CHECK_EQ (tu_rcvmore (tap), 0);

    /* zmq_ctx_term stops the proxy: it returns -1/ETERM, its thread closes
     * the proxy's sockets, and then the termination completes. */
    CHECK_RC (zmq_close (pub));
    CHECK_RC (zmq_close (sub));
    CHECK_RC (zmq_close (tap));
    CHECK_RC (zmq_ctx_term (ctx));
    join_proxy (&job);
    CHECK_EQ (job.rc, -1);
    CHECK_EQ (job.err, ETERM);
}

/* Read one multipart message of up to 4 frames from the capture; return
 * the number of frames. */
static int recv_parts (void *s, char parts[4][32], int sizes[4])
{
    int n = 0;
    do {
        CHECK (n < 4);
        sizes[n] = CHECK_RC (zmq_recv (s, parts[n], 32, 0));
        CHECK (sizes[n] <= 32);
        n++;
    } while (tu_rcvmore (s));
    return n;
}

/* ROUTER frontend, DEALER backend: a shared queue. Replies find their way
 * back to the client that asked; the capture sees requests and replies
 * with their routing envelopes. */
static void test_queue_with_capture (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct proxy_job job;
    memset (&job, 0, sizeof job);
    job.kind = RUN_PROXY;
    job.frontend = proxy_socket (ctx, ZMQ_ROUTER);
    job.backend = proxy_socket (ctx, ZMQ_DEALER);
    job.capture = proxy_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_bind (job.frontend, "inproc://proxy-queue-front"));
    CHECK_RC (zmq_bind (job.backend, "inproc://proxy-queue-back"));
    CHECK_RC (zmq_bind (job.capture, "inproc://proxy-queue-capture"));

    void *client_a = TU_SOCKET (ctx, ZMQ_REQ);
    void *client_b = TU_SOCKET (ctx, ZMQ_REQ);
    void *worker = TU_SOCKET (ctx, ZMQ_REP);
    void *tap = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_RC (zmq_connect (client_a, "inproc://proxy-queue-front"));
    CHECK_RC (zmq_connect (client_b, "inproc://proxy-queue-front"));
    CHECK_RC (zmq_connect (worker, "inproc://proxy-queue-back"));
    CHECK_RC (zmq_connect (tap, "inproc://proxy-queue-capture"));
    start_proxy (&job);

    /* One request, one reply. */
    SEND_STR (client_a, "hello", 0);
    RECV_STR (worker, "hello");
    SEND_STR (worker, "world", 0);
    RECV_STR (client_a, "world");

    char parts[4][32], reply[4][32];
    int sizes[4], reply_sizes[4];
    /* Request as the ROUTER received it: [routing id][empty][body]. */
    CHECK_EQ (recv_parts (tap, parts, sizes), 3);
    CHECK (sizes[0] > 0);
    CHECK_EQ (sizes[1], 0);
    CHECK (sizes[2] == 5 && memcmp (parts[2], "hello", 5) == 0);
    /* Reply as the DEALER received it, same envelope. */
    CHECK_EQ (recv_parts (tap, reply, reply_sizes), 3);
    CHECK_EQ (reply_sizes[0], sizes[0]);
    CHECK (memcmp (reply[0], parts[0], (size_t) sizes[0]) == 0);
    CHECK_EQ (reply_sizes[1], 0);
    CHECK (reply_sizes[2] == 5 && memcmp (reply[2], "world", 5) == 0);

    /* Two clients waiting at once: each gets the answer to its own
     * question. */
    SEND_STR (client_a, "from a", 0);
    SEND_STR (client_b, "from b", 0);
    int i;
    for (i = 0; i < 2; i++) {
        char buf[32];
        int rc = CHECK_RC (zmq_recv (worker, buf, sizeof buf - 1, 0));
        buf[rc] = '\0';
        CHECK (strcmp (buf, "from a") == 0 || strcmp (buf, "from b") == 0);
        char answer[40];
        snprintf (answer, sizeof answer, "re: %s", buf);
        SEND_STR (worker, answer, 0);
    }
    RECV_STR (client_a, "re: from a");
    RECV_STR (client_b, "re: from b");

    /* zmq_ctx_shutdown stops the proxy as well. */
    CHECK_RC (zmq_ctx_shutdown (ctx));
    join_proxy (&job);
    CHECK_EQ (job.rc, -1);
    CHECK_EQ (job.err, ETERM);
    CHECK_RC (zmq_close (client_a));
    CHECK_RC (zmq_close (client_b));
    CHECK_RC (zmq_close (worker));
    CHECK_RC (zmq_close (tap));
    CHECK_RC (zmq_ctx_term (ctx));
}

/* STATISTICS answers with 8 frames of one uint64_t each (host byte
 * order): frontend messages in, bytes in, messages out, bytes out, then
 * the same four for the backend. */
static void check_stats (void *control, const uint64_t want[8])
{
    int i;
    SEND_STR (control, "STATISTICS", 0);
    for (i = 0; i < 8; i++) {
        zmq_msg_t msg;
        uint64_t value;
        CHECK_RC (zmq_msg_init (&msg));
        CHECK_RC (zmq_msg_recv (&msg, control, 0));
        CHECK_EQ (zmq_msg_size (&msg), sizeof (uint64_t));
        memcpy (&value, zmq_msg_data (&msg), sizeof value);
        if (value != want[i])
            fprintf (stderr, "statistics frame %d: got %llu, expected %llu\n",
                     i, (unsigned long long) value,
                     (unsigned long long) want[i]);
        CHECK_EQ (value, want[i]);
        CHECK_EQ (zmq_msg_more (&msg), i < 7);
        CHECK_RC (zmq_msg_close (&msg));
    }
}

/* zmq_proxy_steerable with a PAIR control socket: PAUSE, RESUME,
 * STATISTICS and TERMINATE. PAUSE, RESUME and TERMINATE get no answer on
 * a PAIR. Only single-frame messages go through here, since libzmq 4.3.4
 * counts a multipart message once where later versions count each frame. */
static void test_steerable (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct proxy_job job;
    memset (&job, 0, sizeof job);
    job.kind = RUN_STEERABLE;
    job.frontend = proxy_socket (ctx, ZMQ_PULL);
    job.backend = proxy_socket (ctx, ZMQ_PUSH);
    job.control = proxy_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (job.frontend, "inproc://proxy-steer-front"));
    CHECK_RC (zmq_bind (job.backend, "inproc://proxy-steer-back"));
    CHECK_RC (zmq_bind (job.control, "inproc://proxy-steer-control"));

    void *source = TU_SOCKET (ctx, ZMQ_PUSH);
    void *sink = TU_SOCKET (ctx, ZMQ_PULL);
    void *control = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_connect (source, "inproc://proxy-steer-front"));
    CHECK_RC (zmq_connect (sink, "inproc://proxy-steer-back"));
    CHECK_RC (zmq_connect (control, "inproc://proxy-steer-control"));
    start_proxy (&job);

    const uint64_t zero[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    check_stats (control, zero);

    SEND_STR (source, "m1", 0);
    RECV_STR (sink, "m1");
    const uint64_t one[8] = {1, 2, 0, 0, 0, 0, 1, 2};
    check_stats (control, one);

    /* Commands are handled in order, so once STATISTICS has answered the
     * proxy is paused. */
    SEND_STR (control, "PAUSE", 0);
    check_stats (control, one);
    SEND_STR (source, "m22", 0);
    CHECK_EQ (tu_poll_in (sink, 200), 0);
    check_stats (control, one);
    /* Nothing is answered on a PAIR. */
    CHECK_EQ (tu_poll_in (control, 0), 0);

    SEND_STR (control, "RESUME", 0);
    RECV_STR (sink, "m22");
    const uint64_t two[8] = {2, 5, 0, 0, 0, 0, 2, 5};
    check_stats (control, two);

    SEND_STR (control, "TERMINATE", 0);
    join_proxy (&job);
    CHECK_EQ (job.rc, 0);

    CHECK_RC (zmq_close (source));
    CHECK_RC (zmq_close (sink));
    CHECK_RC (zmq_close (control));
    CHECK_RC (zmq_ctx_term (ctx));
}

/* zmq_proxy_steerable without a control socket is zmq_proxy; and the
 * legacy zmq_device ignores its type and is zmq_proxy without capture. */
static void run_plain_queue (enum proxy_kind kind, const char *name)
{
    char front[64], back[64];
    snprintf (front, sizeof front, "inproc://proxy-%s-front", name);
    snprintf (back, sizeof back, "inproc://proxy-%s-back", name);

    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct proxy_job job;
    memset (&job, 0, sizeof job);
    job.kind = kind;
    job.frontend = proxy_socket (ctx, ZMQ_ROUTER);
    job.backend = proxy_socket (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_bind (job.frontend, front));
    CHECK_RC (zmq_bind (job.backend, back));

    void *client = TU_SOCKET (ctx, ZMQ_REQ);
    void *worker = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_connect (client, front));
    CHECK_RC (zmq_connect (worker, back));
    start_proxy (&job);

    int i;
    for (i = 0; i < 3; i++) {
        SEND_STR (client, "ping", 0);
        RECV_STR (worker, "ping");
        SEND_STR (worker, "pong", ZMQ_SNDMORE);
        SEND_STR (worker, "!", 0);
        RECV_STR (client, "pong");
        CHECK_EQ (tu_rcvmore (client), 1);
        RECV_STR (client, "!");
    }

    CHECK_RC (zmq_ctx_shutdown (ctx));
    join_proxy (&job);
    CHECK_EQ (job.rc, -1);
    CHECK_EQ (job.err, ETERM);
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (worker));
    CHECK_RC (zmq_ctx_term (ctx));
}

static void test_steerable_without_control (void)
{
    run_plain_queue (RUN_STEERABLE, "nocontrol");
}

static void test_device (void)
{
    run_plain_queue (RUN_DEVICE, "device");
}

/* The same socket as frontend and backend: what a ROUTER receives goes
 * straight back out of it, i.e. to the peer it came from. */
static void test_single_socket_echo (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct proxy_job job;
    memset (&job, 0, sizeof job);
    job.kind = RUN_PROXY;
    job.frontend = job.backend = proxy_socket (ctx, ZMQ_ROUTER);
    CHECK_RC (zmq_bind (job.frontend, "inproc://proxy-echo"));

    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    CHECK_RC (zmq_connect (dealer, "inproc://proxy-echo"));
    CHECK_RC (zmq_connect (req, "inproc://proxy-echo"));
    start_proxy (&job);

    SEND_STR (dealer, "ping", 0);
    RECV_STR (dealer, "ping");
    CHECK_EQ (tu_rcvmore (dealer), 0);

    SEND_STR (dealer, "a", ZMQ_SNDMORE);
    SEND_STR (dealer, "", ZMQ_SNDMORE);
    SEND_STR (dealer, "b", 0);
    RECV_STR (dealer, "a");
    RECV_STR (dealer, "");
    RECV_STR (dealer, "b");
    CHECK_EQ (tu_rcvmore (dealer), 0);

    SEND_STR (req, "hi", 0);
    RECV_STR (req, "hi");
    CHECK_EQ (tu_rcvmore (req), 0);

    CHECK_RC (zmq_ctx_shutdown (ctx));
    join_proxy (&job);
    CHECK_EQ (job.rc, -1);
    CHECK_EQ (job.err, ETERM);
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_ctx_term (ctx));
}

static void test_missing_sockets (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_ERRNO (zmq_proxy (NULL, s, NULL), EFAULT);
    CHECK_ERRNO (zmq_proxy (s, NULL, NULL), EFAULT);
    CHECK_ERRNO (zmq_proxy (NULL, NULL, NULL), EFAULT);
    CHECK_ERRNO (zmq_proxy_steerable (NULL, s, NULL, NULL), EFAULT);
    CHECK_ERRNO (zmq_proxy_steerable (s, NULL, NULL, s), EFAULT);
    CHECK_RC (zmq_close (s));
    CHECK_RC (zmq_ctx_term (ctx));
}

int main (void)
{
    test_forwarder_with_capture ();
    test_queue_with_capture ();
    test_steerable ();
    test_steerable_without_control ();
    test_device ();
    test_single_socket_echo ();
    test_missing_sockets ();
    return 0;
}
