/* The DRAFT poller API (zmq_poller_*) and zmq_ppoll, over inproc sockets
 * and plain file descriptors.
 *
 * Man pages: zmq_poller(3), zmq_ppoll(3) (master).
 *
 * Error conventions checked here (reference behaviour):
 * - a NULL or invalid poller: EFAULT; a non-socket: ENOTSOCK;
 *   fd -1: EBADF; event bits other than IN/OUT/ERR/PRI: EINVAL;
 * - adding what is already there, modifying or removing what is not:
 *   EINVAL;
 * - nothing ready in time: -1 with EAGAIN (and zmq_poller_wait clears the
 *   event it was given); an empty poller waits out a finite timeout and
 *   refuses an infinite one with EFAULT.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

static void *ctx;

static void make_pair (const char *ep, int bind_type, int connect_type,
                       void **bound, void **connected)
{
    *bound = TU_SOCKET (ctx, bind_type);
    *connected = TU_SOCKET (ctx, connect_type);
    CHECK_RC (zmq_bind (*bound, ep));
    CHECK_RC (zmq_connect (*connected, ep));
}

static void test_new_destroy (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *null_poller = NULL;
    CHECK_EQ (zmq_poller_size (poller), 0);
    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    /* The handle is cleared, so a second destroy fails cleanly. */
    CHECK (poller == NULL);
    CHECK_ERRNO (zmq_poller_destroy (&poller), EFAULT);
    CHECK_ERRNO (zmq_poller_destroy (&null_poller), EFAULT);
    CHECK_ERRNO (zmq_poller_destroy (NULL), EFAULT);
}

static void test_registration (void)
{
    static char not_a_socket[65536];
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *c = TU_SOCKET (ctx, ZMQ_PAIR);
    int fds[2];
    CHECK_RC (pipe (fds));

    CHECK_RC (zmq_poller_add (poller, a, NULL, ZMQ_POLLIN));
    CHECK_RC (zmq_poller_add (poller, b, NULL, ZMQ_POLLIN | ZMQ_POLLOUT));
    CHECK_RC (zmq_poller_add_fd (poller, fds[0], NULL, ZMQ_POLLIN));
    CHECK_EQ (zmq_poller_size (poller), 3);

    CHECK_ERRNO (zmq_poller_add (poller, a, NULL, ZMQ_POLLIN), EINVAL);
    CHECK_ERRNO (zmq_poller_add_fd (poller, fds[0], NULL, ZMQ_POLLIN),
                 EINVAL);
    CHECK_ERRNO (zmq_poller_modify (poller, c, ZMQ_POLLIN), EINVAL);
    CHECK_ERRNO (zmq_poller_remove (poller, c), EINVAL);
    CHECK_ERRNO (zmq_poller_modify_fd (poller, fds[1], ZMQ_POLLIN), EINVAL);
    CHECK_ERRNO (zmq_poller_remove_fd (poller, fds[1]), EINVAL);
    CHECK_ERRNO (zmq_poller_add (poller, c, NULL, 0x100), EINVAL);
    CHECK_ERRNO (zmq_poller_add (poller, NULL, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERRNO (zmq_poller_add (poller, not_a_socket, NULL, ZMQ_POLLIN),
                 ENOTSOCK);
    CHECK_ERRNO (zmq_poller_add_fd (poller, -1, NULL, ZMQ_POLLIN), EBADF);
    CHECK_EQ (zmq_poller_size (poller), 3);

    CHECK_RC (zmq_poller_modify (poller, a, ZMQ_POLLOUT));
    CHECK_RC (zmq_poller_modify_fd (poller, fds[0], ZMQ_POLLIN));
    CHECK_RC (zmq_poller_remove (poller, a));
    CHECK_EQ (zmq_poller_size (poller), 2);
    CHECK_ERRNO (zmq_poller_remove (poller, a), EINVAL);
    CHECK_RC (zmq_poller_remove_fd (poller, fds[0]));
    CHECK_EQ (zmq_poller_size (poller), 1);
    /* Re-adding after removal is fine. */
    CHECK_RC (zmq_poller_add (poller, a, NULL, ZMQ_POLLIN));
    CHECK_EQ (zmq_poller_size (poller), 2);

    /* A NULL poller. */
    CHECK_ERRNO (zmq_poller_add (NULL, a, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERRNO (zmq_poller_size (NULL), EFAULT);
    CHECK_ERRNO (zmq_poller_remove (NULL, a), EFAULT);

    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    close (fds[0]);
    close (fds[1]);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
    CHECK_EQ (zmq_close (c), 0);
}

static void test_wait (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *in, *out;
    zmq_poller_event_t event;
    int tag_in = 1, tag_fd = 2, fds[2];
    char c = 'z';
    void *watch;
    make_pair ("inproc://poller-wait", ZMQ_PULL, ZMQ_PUSH, &in, &out);
    CHECK_RC (pipe (fds));
    CHECK_RC (zmq_poller_add (poller, in, &tag_in, ZMQ_POLLIN));
    CHECK_RC (zmq_poller_add_fd (poller, fds[0], &tag_fd, ZMQ_POLLIN));

    /* Nothing ready: EAGAIN, and the event is cleared. */
    memset (&event, 0x55, sizeof event);
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 0), EAGAIN);
    CHECK (event.socket == NULL);
    CHECK (event.user_data == NULL);
    CHECK_EQ (event.events, 0);
    CHECK_EQ (event.fd, -1);
    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 150), EAGAIN);
    CHECK_ELAPSED_AT_LEAST (watch, 150);

    /* A socket event carries the socket and the user data. */
    SEND_STR (out, "m", 0);
    CHECK_EQ (zmq_poller_wait (poller, &event, 2000), 0);
    CHECK (event.socket == in);
    CHECK (event.user_data == &tag_in);
    CHECK_EQ (event.events, ZMQ_POLLIN);
    RECV_STR (in, "m");

    /* A descriptor event carries the fd and no socket. */
    CHECK_EQ (write (fds[1], &c, 1), 1);
    CHECK_EQ (zmq_poller_wait (poller, &event, 2000), 0);
    CHECK (event.socket == NULL);
    CHECK_EQ (event.fd, fds[0]);
    CHECK (event.user_data == &tag_fd);
    CHECK (event.events & ZMQ_POLLIN);
    CHECK_EQ (read (fds[0], &c, 1), 1);

    /* Modify changes what is waited for. */
    CHECK_RC (zmq_poller_modify (poller, in, ZMQ_POLLOUT));
    SEND_STR (out, "n", 0);
    CHECK (tu_poll_in (in, 2000));
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 0), EAGAIN);
    CHECK_RC (zmq_poller_modify (poller, in, ZMQ_POLLIN));
    CHECK_EQ (zmq_poller_wait (poller, &event, 2000), 0);
    CHECK (event.socket == in);
    RECV_STR (in, "n");

    /* A removed socket is no longer reported. */
    SEND_STR (out, "o", 0);
    CHECK (tu_poll_in (in, 2000));
    CHECK_RC (zmq_poller_remove (poller, in));
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 0), EAGAIN);
    RECV_STR (in, "o");

    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    close (fds[0]);
    close (fds[1]);
    CHECK_EQ (zmq_close (in), 0);
    CHECK_EQ (zmq_close (out), 0);
}

static void test_wait_all (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *in1, *out1, *in2, *out2;
    zmq_poller_event_t events[4];
    int i, seen1 = 0, seen2 = 0;
    make_pair ("inproc://poller-all-1", ZMQ_PULL, ZMQ_PUSH, &in1, &out1);
    make_pair ("inproc://poller-all-2", ZMQ_PULL, ZMQ_PUSH, &in2, &out2);
    CHECK_RC (zmq_poller_add (poller, in1, NULL, ZMQ_POLLIN));
    CHECK_RC (zmq_poller_add (poller, in2, NULL, ZMQ_POLLIN));

    CHECK_ERRNO (zmq_poller_wait_all (poller, events, 4, 0), EAGAIN);
    SEND_STR (out1, "a", 0);
    SEND_STR (out2, "b", 0);
    CHECK (tu_poll_in (in1, 2000));
    CHECK (tu_poll_in (in2, 2000));
    CHECK_EQ (zmq_poller_wait_all (poller, events, 4, 2000), 2);
    for (i = 0; i < 2; i++) {
        CHECK_EQ (events[i].events, ZMQ_POLLIN);
        seen1 += events[i].socket == in1;
        seen2 += events[i].socket == in2;
    }
    CHECK_EQ (seen1, 1);
    CHECK_EQ (seen2, 1);
    /* Room for one: one is reported. */
    CHECK_EQ (zmq_poller_wait_all (poller, events, 1, 2000), 1);

    CHECK_ERRNO (zmq_poller_wait_all (poller, NULL, 4, 0), EFAULT);
    CHECK_ERRNO (zmq_poller_wait_all (poller, events, -1, 0), EINVAL);
    CHECK_ERRNO (zmq_poller_wait_all (NULL, events, 4, 0), EFAULT);

    RECV_STR (in1, "a");
    RECV_STR (in2, "b");
    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    CHECK_EQ (zmq_close (in1), 0);
    CHECK_EQ (zmq_close (out1), 0);
    CHECK_EQ (zmq_close (in2), 0);
    CHECK_EQ (zmq_close (out2), 0);
}

static void test_empty_poller (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    zmq_poller_event_t event;
    void *watch;
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 0), EAGAIN);
    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 100), EAGAIN);
    CHECK_ELAPSED_AT_LEAST (watch, 100);
    /* Waiting forever on nothing is refused. */
    CHECK_ERRNO (zmq_poller_wait (poller, &event, -1), EFAULT);
    CHECK_EQ (zmq_poller_destroy (&poller), 0);
}

static void test_poller_fd (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    zmq_fd_t fd;
    /* Only thread-safe socket types give the poller a descriptor. */
    CHECK_ERRNO (zmq_poller_fd (poller, &fd), EINVAL);
    CHECK_RC (zmq_poller_add (poller, s, NULL, ZMQ_POLLIN));
    CHECK_ERRNO (zmq_poller_fd (poller, &fd), EINVAL);
    CHECK_ERRNO (zmq_poller_fd (NULL, &fd), EFAULT);
    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    CHECK_EQ (zmq_close (s), 0);
}

struct sender
{
    void *push;
};

static void *send_from_thread (void *arg)
{
    SEND_STR (((struct sender *) arg)->push, "late", 0);
    return NULL;
}

static void test_infinite_wait (void)
{
    void *poller = CHECK_PTR (zmq_poller_new ());
    void *in, *out;
    zmq_poller_event_t event;
    pthread_t thread;
    struct sender s;
    make_pair ("inproc://poller-thread", ZMQ_PULL, ZMQ_PUSH, &in, &out);
    CHECK_RC (zmq_poller_add (poller, in, NULL, ZMQ_POLLIN));
    s.push = out;
    CHECK_EQ (pthread_create (&thread, NULL, send_from_thread, &s), 0);
    CHECK_EQ (zmq_poller_wait (poller, &event, -1), 0);
    CHECK (event.socket == in);
    CHECK_EQ (pthread_join (thread, NULL), 0);
    RECV_STR (in, "late");
    CHECK_EQ (zmq_poller_destroy (&poller), 0);
    CHECK_EQ (zmq_close (in), 0);
    CHECK_EQ (zmq_close (out), 0);
}

/* SIGALRM stays blocked in this thread; only the mask zmq_ppoll installs
 * for the wait lets it through. */
static void test_ppoll_sigmask (void)
{
    void *in, *out;
    zmq_pollitem_t item;
    sigset_t unblock_all;
    void *watch;
    make_pair ("inproc://poller-ppoll", ZMQ_PULL, ZMQ_PUSH, &in, &out);
    memset (&item, 0, sizeof item);
    item.socket = in;
    item.events = ZMQ_POLLIN;

    /* Without a mask it is zmq_poll. */
    CHECK_EQ (zmq_ppoll (&item, 1, 0, NULL), 0);
    SEND_STR (out, "x", 0);
    CHECK_EQ (zmq_ppoll (&item, 1, 2000, NULL), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    RECV_STR (in, "x");

    tu_alarms_start (0);

    /* Blocked: the signal stays pending and the wait runs its course. */
    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_poll (&item, 1, 150), 0);
    CHECK_ELAPSED_AT_LEAST (watch, 150);
    CHECK_EQ (tu_alarms (), 0);

    /* Unblocked by the mask for the duration of the call: EINTR. */
    sigemptyset (&unblock_all);
    CHECK_ERRNO (zmq_ppoll (&item, 1, 5000, &unblock_all), EINTR);
    CHECK (tu_alarms () > 0);

    tu_alarms_stop ();
    CHECK_EQ (zmq_close (in), 0);
    CHECK_EQ (zmq_close (out), 0);
}

int main (void)
{
    tu_block_alarms ();
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_new_destroy ();
    test_registration ();
    test_wait ();
    test_wait_all ();
    test_empty_poller ();
    test_poller_fd ();
    test_infinite_wait ();
    test_ppoll_sigmask ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
