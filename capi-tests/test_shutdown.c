/* Context shutdown and termination with live inproc sockets.
 *
 * Man pages: zmq_ctx_term(3), zmq_ctx_shutdown(3), zmq_close(3),
 * zmq_setsockopt(3) (ZMQ_LINGER), zmq_ctx_set(3) (ZMQ_BLOCKY).
 *
 * zmq_ctx_shutdown (and zmq_ctx_term) make blocking calls on the context's
 * sockets return ETERM, and every later call on them except zmq_close
 * fails with ETERM. zmq_ctx_term then waits until every socket is closed.
 */
#include "testutil.h"

#include <pthread.h>

/* Everything that is not zmq_close fails with ETERM on a socket of a
 * context that has been shut down. The first call used is a non-blocking
 * receive, which is where the socket is sure to notice. */
static void check_all_eterm (void *ctx, void *s)
{
    char buf[4];
    int value = 0;
    size_t len = sizeof value;
    zmq_msg_t msg;
    zmq_pollitem_t item;

    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_ERRNO (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ETERM);
    CHECK_ERRNO (zmq_send (s, "x", 1, 0), ETERM);
    CHECK_ERRNO (zmq_bind (s, "inproc://shutdown-after"), ETERM);
    CHECK_ERRNO (zmq_connect (s, "inproc://shutdown-after"), ETERM);
    CHECK_ERRNO (zmq_unbind (s, "inproc://shutdown-after"), ETERM);
    CHECK_ERRNO (zmq_disconnect (s, "inproc://shutdown-after"), ETERM);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_LINGER, &value, sizeof value),
                 ETERM);
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_LINGER, &value, &len), ETERM);
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_EVENTS, &value, &len), ETERM);
    CHECK_ERRNO (
      zmq_socket_monitor (s, "inproc://shutdown-mon", ZMQ_EVENT_ALL), ETERM);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_ERRNO (zmq_msg_send (&msg, s, 0), ETERM);
    CHECK_ERRNO (zmq_msg_recv (&msg, s, 0), ETERM);
    CHECK_RC (zmq_msg_close (&msg));
    memset (&item, 0, sizeof item);
    item.socket = s;
    item.events = ZMQ_POLLIN;
    CHECK_ERRNO (zmq_poll (&item, 1, 0), ETERM);
    /* No new sockets either. */
    CHECK_NULL_ERRNO (zmq_socket (ctx, ZMQ_PAIR), ETERM);
}

static void test_calls_after_shutdown (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://shutdown-calls"));
    CHECK_RC (zmq_connect (b, "inproc://shutdown-calls"));
    SEND_STR (b, "pending", 0);

    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    check_all_eterm (ctx, a);
    check_all_eterm (ctx, b);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

/* A thread blocked in a call on a socket of the context. */
struct blocked
{
    void *socket;
    int send; /* block in zmq_send rather than zmq_recv */
    int close_after;
    int rc;
    int err;
    volatile int closed;
};

static void *block_in_call (void *arg)
{
    struct blocked *b = (struct blocked *) arg;
    char buf[4];
    errno = 0;
    if (b->send)
        b->rc = zmq_send (b->socket, "x", 1, 0);
    else
        b->rc = zmq_recv (b->socket, buf, sizeof buf, 0);
    b->err = errno;
    if (b->close_after) {
        /* Published before the close, so a zmq_ctx_term that waits for the
         * close cannot return without seeing it. */
        __atomic_store_n (&b->closed, 1, __ATOMIC_SEQ_CST);
        CHECK_EQ (zmq_close (b->socket), 0);
    }
    return NULL;
}

static void test_shutdown_wakes_blocked_calls (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct blocked r, s;
    pthread_t tr, ts;
    int timeout = 10000;
    memset (&r, 0, sizeof r);
    memset (&s, 0, sizeof s);
    r.socket = CHECK_PTR (zmq_socket (ctx, ZMQ_PULL));
    s.socket = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    s.send = 1;
    /* Bounded, should the wake-up never come. */
    CHECK_RC (zmq_setsockopt (r.socket, ZMQ_RCVTIMEO, &timeout,
                              sizeof timeout));
    CHECK_RC (zmq_setsockopt (s.socket, ZMQ_SNDTIMEO, &timeout,
                              sizeof timeout));
    CHECK_RC (zmq_bind (r.socket, "inproc://shutdown-wake"));
    CHECK_EQ (pthread_create (&tr, NULL, block_in_call, &r), 0);
    CHECK_EQ (pthread_create (&ts, NULL, block_in_call, &s), 0);

    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (pthread_join (tr, NULL), 0);
    CHECK_EQ (pthread_join (ts, NULL), 0);
    CHECK_EQ (r.rc, -1);
    CHECK_EQ (r.err, ETERM);
    CHECK_EQ (s.rc, -1);
    CHECK_EQ (s.err, ETERM);

    CHECK_EQ (zmq_close (r.socket), 0);
    CHECK_EQ (zmq_close (s.socket), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

static void test_term_waits_for_close (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct blocked r;
    pthread_t thread;
    void *watch;
    int timeout = 10000;
    memset (&r, 0, sizeof r);
    r.socket = CHECK_PTR (zmq_socket (ctx, ZMQ_PULL));
    r.close_after = 1;
    CHECK_RC (zmq_setsockopt (r.socket, ZMQ_RCVTIMEO, &timeout,
                              sizeof timeout));
    CHECK_RC (zmq_bind (r.socket, "inproc://shutdown-term"));
    CHECK_EQ (pthread_create (&thread, NULL, block_in_call, &r), 0);

    /* The thread leaves its zmq_recv with ETERM only because of this
     * zmq_ctx_term, and closes its socket only then; zmq_ctx_term must
     * not return before that close. */
    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    CHECK_EQ (__atomic_load_n (&r.closed, __ATOMIC_SEQ_CST), 1);
    CHECK (zmq_stopwatch_stop (watch) < 10000000UL);
    CHECK_EQ (pthread_join (thread, NULL), 0);
    CHECK_EQ (r.rc, -1);
    CHECK_EQ (r.err, ETERM);
}

static void test_term_after_shutdown_waits_for_close (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct blocked r;
    pthread_t thread;
    int timeout = 10000;
    memset (&r, 0, sizeof r);
    r.socket = CHECK_PTR (zmq_socket (ctx, ZMQ_PULL));
    r.close_after = 1;
    CHECK_RC (zmq_setsockopt (r.socket, ZMQ_RCVTIMEO, &timeout,
                              sizeof timeout));
    CHECK_EQ (pthread_create (&thread, NULL, block_in_call, &r), 0);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    CHECK_EQ (__atomic_load_n (&r.closed, __ATOMIC_SEQ_CST), 1);
    CHECK_EQ (pthread_join (thread, NULL), 0);
    CHECK_EQ (r.err, ETERM);
}

/* zmq_ctx_term returns in bounded time in the cases below. */
static void term_quickly (void *ctx)
{
    void *watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    CHECK (zmq_stopwatch_stop (watch) < 5000000UL);
}

static void test_linger_zero_drops_unsent (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *push = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    void *push2 = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    void *pull = CHECK_PTR (zmq_socket (ctx, ZMQ_PULL));
    int zero = 0, i;
    CHECK_RC (zmq_setsockopt (push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_RC (zmq_setsockopt (push2, ZMQ_LINGER, &zero, sizeof zero));
    /* Queued for a peer that never comes... */
    CHECK_RC (zmq_connect (push, "inproc://shutdown-nobody"));
    for (i = 0; i < 10; i++)
        SEND_STR (push, "unsent", ZMQ_DONTWAIT);
    /* ...and for a peer that never reads. */
    CHECK_RC (zmq_bind (pull, "inproc://shutdown-noreader"));
    CHECK_RC (zmq_connect (push2, "inproc://shutdown-noreader"));
    for (i = 0; i < 10; i++)
        SEND_STR (push2, "unread", ZMQ_DONTWAIT);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (push2), 0);
    CHECK_EQ (zmq_close (pull), 0);
    term_quickly (ctx);
}

static void test_infinite_linger_with_peer_gone (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *push = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    void *pull = CHECK_PTR (zmq_socket (ctx, ZMQ_PULL));
    int i;
    CHECK_RC (zmq_bind (pull, "inproc://shutdown-gone"));
    CHECK_RC (zmq_connect (push, "inproc://shutdown-gone"));
    for (i = 0; i < 10; i++)
        SEND_STR (push, "unread", ZMQ_DONTWAIT);
    /* The reader goes away unread; LINGER stays at its default -1. */
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (push), 0);
    term_quickly (ctx);
}

static void test_infinite_linger_pending_connect (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *push = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    /* Connected to a name nobody ever binds, with a message queued and
     * LINGER -1: termination still completes. */
    CHECK_RC (zmq_connect (push, "inproc://shutdown-never-bound"));
    SEND_STR (push, "lost", ZMQ_DONTWAIT);
    CHECK_EQ (zmq_close (push), 0);
    term_quickly (ctx);
}

static void test_blocky_off (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *before = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    void *after;
    int linger = 99;
    size_t len = sizeof linger;
    CHECK_RC (zmq_getsockopt (before, ZMQ_LINGER, &linger, &len));
    CHECK_EQ (linger, -1);

    CHECK_RC (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    after = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    CHECK_RC (zmq_getsockopt (after, ZMQ_LINGER, &linger, &len));
    CHECK_EQ (linger, 0);
    /* Sockets that already existed keep their value. */
    CHECK_RC (zmq_getsockopt (before, ZMQ_LINGER, &linger, &len));
    CHECK_EQ (linger, -1);
    CHECK_EQ (zmq_close (before), 0);

    CHECK_RC (zmq_connect (after, "inproc://shutdown-blocky"));
    SEND_STR (after, "unsent", ZMQ_DONTWAIT);
    CHECK_EQ (zmq_close (after), 0);

    /* Back on: new sockets linger forever again. */
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_BLOCKY, 1));
    after = CHECK_PTR (zmq_socket (ctx, ZMQ_PUSH));
    CHECK_RC (zmq_getsockopt (after, ZMQ_LINGER, &linger, &len));
    CHECK_EQ (linger, -1);
    CHECK_EQ (zmq_close (after), 0);
    term_quickly (ctx);
}

static void test_close_after_shutdown_and_term_twice (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    /* The handle is dead now; a second termination is refused, not a
     * crash. (The reference detects it through its object tag, in freed
     * memory; ours keeps a destroyed handle's memory a while for this, so
     * the check also holds under AddressSanitizer.) */
    CHECK_ERRNO (zmq_ctx_term (ctx), EFAULT);
}

int main (void)
{
    test_calls_after_shutdown ();
    test_shutdown_wakes_blocked_calls ();
    test_term_waits_for_close ();
    test_term_after_shutdown_waits_for_close ();
    test_linger_zero_drops_unsent ();
    test_infinite_linger_with_peer_gone ();
    test_infinite_linger_pending_connect ();
    test_blocky_off ();
    test_close_after_shutdown_and_term_twice ();
    tu_use_all_helpers ();
    return 0;
}
