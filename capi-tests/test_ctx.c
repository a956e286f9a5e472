/* Contexts without sockets: creation, options, shutdown and termination.
 *
 * Man pages: zmq_ctx_new(3), zmq_ctx_term(3), zmq_ctx_shutdown(3),
 * zmq_ctx_set(3), zmq_ctx_get(3), zmq_init(3), zmq_term(3),
 * zmq_ctx_destroy(3).
 */
#include "testutil.h"

#include <limits.h>

/* ZMQ_ZERO_COPY_RECV is declared only in the DRAFT part of zmq.h, but
 * stable libzmq builds accept it at run time; 10 is its value. */
#define OPT_ZERO_COPY_RECV 10

static void test_new_term (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    CHECK_EQ (zmq_ctx_term (ctx), 0);

    /* Many contexts may exist at once and end in any order. */
    void *ctxs[8];
    int i;
    for (i = 0; i < 8; i++)
        ctxs[i] = CHECK_PTR (zmq_ctx_new ());
    CHECK (ctxs[0] != ctxs[1]);
    for (i = 7; i >= 0; i -= 2)
        CHECK_EQ (zmq_ctx_term (ctxs[i]), 0);
    for (i = 0; i < 8; i += 2)
        CHECK_EQ (zmq_ctx_destroy (ctxs[i]), 0);
}

static void test_shutdown (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    /* Shutting down twice is harmless, and the context stays readable
     * until it is terminated. */
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

static void test_legacy_init_term (void)
{
    void *ctx = CHECK_PTR (zmq_init (1));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_term (ctx), 0);

    /* zmq_init's argument becomes ZMQ_IO_THREADS; 0 is allowed. */
    ctx = CHECK_PTR (zmq_init (0));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 0);
    CHECK_EQ (zmq_term (ctx), 0);

    ctx = CHECK_PTR (zmq_init (3));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 3);
    CHECK_EQ (zmq_ctx_destroy (ctx), 0);

    CHECK_NULL_ERRNO (zmq_init (-1), EINVAL);
}

static void test_defaults (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());

    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (ZMQ_IO_THREADS_DFLT, 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_EQ (ZMQ_MAX_SOCKETS_DFLT, 1023);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), INT_MAX);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), 64);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), (int) sizeof (zmq_msg_t));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), -1);
    CHECK_EQ (ZMQ_THREAD_SCHED_POLICY_DFLT, -1);
    CHECK_EQ (ZMQ_THREAD_PRIORITY_DFLT, -1);
    CHECK_EQ (zmq_ctx_get (ctx, OPT_ZERO_COPY_RECV), 1);
    /* No prefix is set: reading it as a number gives 0. */
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), 0);

    /* The socket limit is at least the default maximum. On Linux (epoll)
     * libzmq reports 65535. */
    int limit = zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT);
    CHECK (limit >= 1023);

    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

/* Set a value and read back what the context reports. */
static void check_set_get (void *ctx, int opt, int value, int expected)
{
    CHECK_EQ (zmq_ctx_set (ctx, opt, value), 0);
    CHECK_EQ (zmq_ctx_get (ctx, opt), expected);
}

static void test_round_trips (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());

    check_set_get (ctx, ZMQ_IO_THREADS, 4, 4);
    check_set_get (ctx, ZMQ_IO_THREADS, 0, 0);
    check_set_get (ctx, ZMQ_IO_THREADS, 1, 1);

    check_set_get (ctx, ZMQ_MAX_SOCKETS, 256, 256);
    check_set_get (ctx, ZMQ_MAX_SOCKETS, 1, 1);
    int limit = zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT);
    check_set_get (ctx, ZMQ_MAX_SOCKETS, limit, limit);
    check_set_get (ctx, ZMQ_MAX_SOCKETS, 1023, 1023);

    /* Boolean options store any positive value as 1. */
    check_set_get (ctx, ZMQ_IPV6, 1, 1);
    check_set_get (ctx, ZMQ_IPV6, 0, 0);
    check_set_get (ctx, ZMQ_IPV6, 5, 1);
    check_set_get (ctx, ZMQ_BLOCKY, 0, 0);
    check_set_get (ctx, ZMQ_BLOCKY, 7, 1);
    check_set_get (ctx, OPT_ZERO_COPY_RECV, 0, 0);
    check_set_get (ctx, OPT_ZERO_COPY_RECV, 2, 1);

    check_set_get (ctx, ZMQ_MAX_MSGSZ, 1000, 1000);
    check_set_get (ctx, ZMQ_MAX_MSGSZ, 0, 0);
    check_set_get (ctx, ZMQ_MAX_MSGSZ, INT_MAX, INT_MAX);

    /* Scheduling policy is stored, and only applied when I/O threads
     * start (they never do here: this test opens no socket). */
    check_set_get (ctx, ZMQ_THREAD_SCHED_POLICY, 0, 0);
    check_set_get (ctx, ZMQ_THREAD_SCHED_POLICY, 3, 3); /* SCHED_BATCH */

    /* The thread name prefix set as an int reads back as that int;
     * negative numbers are accepted too. */
    check_set_get (ctx, ZMQ_THREAD_NAME_PREFIX, 42, 42);
    check_set_get (ctx, ZMQ_THREAD_NAME_PREFIX, -5, -5);
    check_set_get (ctx, ZMQ_THREAD_NAME_PREFIX, 0, 0);

    /* Writing one option leaves the others alone. */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 2);

    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

static void test_write_only_options (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());

    /* ZMQ_THREAD_PRIORITY and ZMQ_SOCKET_LIMIT share the value 3: setting
     * 3 sets the I/O thread priority, reading 3 gives the socket limit. */
    CHECK_EQ (ZMQ_THREAD_PRIORITY, ZMQ_SOCKET_LIMIT);
    int limit = zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 5), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT), limit);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 0), 0);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -1), EINVAL);

    /* CPU affinity: a CPU can be removed only after it was added. */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0), 0);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0),
                 EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
                 EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1), EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, -1),
                 EINVAL);
    /* ... and neither can be read. */
    CHECK_ERRNO (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    CHECK_ERRNO (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE), EINVAL);

    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

static void test_invalid (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());

    /* Negative values are refused, and the old value is kept. */
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, -1), EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_IPV6, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 0);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_BLOCKY, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), INT_MAX);
    CHECK_ERRNO (zmq_ctx_set (ctx, OPT_ZERO_COPY_RECV, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, OPT_ZERO_COPY_RECV), 1);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, -1), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), -1);

    /* Read-only: the zmq_msg_t size. */
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), 64);

    /* Unknown options, including socket options and option 0. */
    CHECK_ERRNO (zmq_ctx_set (ctx, 9999, 1), EINVAL);
    CHECK_ERRNO (zmq_ctx_get (ctx, 9999), EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, 0, 1), EINVAL);
    CHECK_ERRNO (zmq_ctx_get (ctx, 0), EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, -1, 1), EINVAL);
    CHECK_ERRNO (zmq_ctx_get (ctx, -1), EINVAL);
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_LINGER, 0), EINVAL);
    CHECK_ERRNO (zmq_ctx_get (ctx, ZMQ_LINGER), EINVAL);

    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

static void test_efault (void)
{
    CHECK_ERRNO (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERRNO (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERRNO (zmq_ctx_shutdown (NULL), EFAULT);
    CHECK_ERRNO (zmq_ctx_term (NULL), EFAULT);
    CHECK_ERRNO (zmq_ctx_destroy (NULL), EFAULT);
    CHECK_ERRNO (zmq_term (NULL), EFAULT);

    /* A pointer to memory that is not a context (here: zeroed memory) is
     * recognised and refused the same way. */
    static long long not_a_ctx[64];
    CHECK_ERRNO (zmq_ctx_set (not_a_ctx, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERRNO (zmq_ctx_get (not_a_ctx, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERRNO (zmq_ctx_shutdown (not_a_ctx), EFAULT);
    CHECK_ERRNO (zmq_ctx_term (not_a_ctx), EFAULT);
}

int main (void)
{
    test_new_term ();
    test_shutdown ();
    test_legacy_init_term ();
    test_defaults ();
    test_round_trips ();
    test_write_only_options ();
    test_invalid ();
    test_efault ();
    return 0;
}
