/* zmq_poll over inproc sockets and plain file descriptors, and the
 * ZMQ_FD / ZMQ_EVENTS pair it is built on.
 *
 * Man pages: zmq_poll(3), zmq_getsockopt(3) (ZMQ_FD, ZMQ_EVENTS).
 *
 * ZMQ_FD is a notification descriptor, not a data descriptor: it turns
 * readable when the socket has something to look at, after which
 * ZMQ_EVENTS tells what is actually possible (and re-arms it).
 *
 * As in test_socket_api.c, SIGALRM is blocked in all threads but unblocked
 * in the main thread while it waits to be interrupted.
 */
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

static void *ctx;

static int get_int (void *s, int option)
{
    int value = -12345;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (s, option, &value, &len));
    return value;
}

static void make_pair (const char *ep, int bind_type, int connect_type,
                       void **bound, void **connected)
{
    *bound = TU_SOCKET (ctx, bind_type);
    *connected = TU_SOCKET (ctx, connect_type);
    CHECK_RC (zmq_bind (*bound, ep));
    CHECK_RC (zmq_connect (*connected, ep));
}

static void set_item (zmq_pollitem_t *item, void *socket, int fd,
                      short events)
{
    memset (item, 0, sizeof *item);
    item->socket = socket;
    item->fd = fd;
    item->events = events;
    item->revents = (short) 0x7F00; /* must be overwritten */
}

static void test_fd_turns_readable (void)
{
    void *a, *b;
    struct pollfd pfd;
    int fd;
    make_pair ("inproc://poll-fd", ZMQ_PAIR, ZMQ_PAIR, &a, &b);
    fd = get_int (b, ZMQ_FD);
    CHECK (fd >= 0);

    /* Reading ZMQ_EVENTS deals with whatever was pending. */
    CHECK_EQ (get_int (b, ZMQ_EVENTS) & ZMQ_POLLIN, 0);

    SEND_STR (a, "wake", 0);
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    CHECK_EQ (poll (&pfd, 1, 2000), 1);
    CHECK (pfd.revents & POLLIN);
    CHECK (get_int (b, ZMQ_EVENTS) & ZMQ_POLLIN);
    RECV_STR (b, "wake");
    CHECK_EQ (get_int (b, ZMQ_EVENTS) & ZMQ_POLLIN, 0);

    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_events (void)
{
    void *a, *b, *lonely = TU_SOCKET (ctx, ZMQ_PAIR);
    make_pair ("inproc://poll-events", ZMQ_PAIR, ZMQ_PAIR, &a, &b);
    CHECK_EQ (get_int (lonely, ZMQ_EVENTS), 0);
    CHECK_EQ (get_int (b, ZMQ_EVENTS), ZMQ_POLLOUT);
    SEND_STR (a, "x", 0);
    CHECK (tu_poll_in (b, 2000));
    CHECK_EQ (get_int (b, ZMQ_EVENTS), ZMQ_POLLIN | ZMQ_POLLOUT);
    RECV_STR (b, "x");
    CHECK_EQ (get_int (b, ZMQ_EVENTS), ZMQ_POLLOUT);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
    CHECK_EQ (zmq_close (lonely), 0);
}

static void test_sockets_and_pipe (void)
{
    void *in1, *out1, *in2, *out2;
    int fds[2];
    zmq_pollitem_t items[3];
    char c = 'p';
    make_pair ("inproc://poll-many-1", ZMQ_PULL, ZMQ_PUSH, &in1, &out1);
    make_pair ("inproc://poll-many-2", ZMQ_PULL, ZMQ_PUSH, &in2, &out2);
    CHECK_RC (pipe (fds));

    set_item (&items[0], in1, -1, ZMQ_POLLIN);
    set_item (&items[1], in2, -1, ZMQ_POLLIN);
    set_item (&items[2], NULL, fds[0], ZMQ_POLLIN);
    CHECK_EQ (zmq_poll (items, 3, 0), 0);
    CHECK_EQ (items[0].revents, 0);
    CHECK_EQ (items[1].revents, 0);
    CHECK_EQ (items[2].revents, 0);

    SEND_STR (out2, "two", 0);
    CHECK_EQ (zmq_poll (items, 3, 2000), 1);
    CHECK_EQ (items[0].revents, 0);
    CHECK_EQ (items[1].revents, ZMQ_POLLIN);
    CHECK_EQ (items[2].revents, 0);
    RECV_STR (in2, "two");

    CHECK_EQ (write (fds[1], &c, 1), 1);
    CHECK_EQ (zmq_poll (items, 3, 2000), 1);
    CHECK_EQ (items[2].revents, ZMQ_POLLIN);
    CHECK_EQ (items[1].revents, 0);

    /* Both a socket and the pipe ready: both reported. */
    SEND_STR (out1, "one", 0);
    CHECK (tu_poll_in (in1, 2000));
    CHECK_EQ (zmq_poll (items, 3, 2000), 2);
    CHECK_EQ (items[0].revents, ZMQ_POLLIN);
    CHECK_EQ (items[1].revents, 0);
    CHECK_EQ (items[2].revents, ZMQ_POLLIN);
    RECV_STR (in1, "one");
    CHECK_EQ (read (fds[0], &c, 1), 1);
    CHECK_EQ (zmq_poll (items, 3, 0), 0);

    CHECK_EQ (zmq_close (in1), 0);
    CHECK_EQ (zmq_close (out1), 0);
    CHECK_EQ (zmq_close (in2), 0);
    CHECK_EQ (zmq_close (out2), 0);
    close (fds[0]);
    close (fds[1]);
}

static void test_pollout_and_events_filter (void)
{
    void *push, *pull;
    zmq_pollitem_t items[3];
    int fds[2];
    make_pair ("inproc://poll-out", ZMQ_PULL, ZMQ_PUSH, &pull, &push);
    TU_SET_INT (push, ZMQ_SNDHWM, 1);
    CHECK_RC (pipe (fds));

    /* Only the events asked for are reported; events 0 reports nothing. */
    set_item (&items[0], push, -1, ZMQ_POLLOUT);
    set_item (&items[1], push, -1, ZMQ_POLLIN);
    set_item (&items[2], NULL, fds[1], ZMQ_POLLOUT);
    CHECK_EQ (zmq_poll (items, 3, 2000), 2);
    CHECK_EQ (items[0].revents, ZMQ_POLLOUT);
    CHECK_EQ (items[1].revents, 0);
    CHECK_EQ (items[2].revents, ZMQ_POLLOUT);
    set_item (&items[0], pull, -1, 0);
    CHECK_EQ (zmq_poll (items, 1, 0), 0);
    CHECK_EQ (items[0].revents, 0);

    /* Fill the queue (1 + 1000): no more POLLOUT until drained. */
    while (zmq_send (push, "", 0, ZMQ_DONTWAIT) == 0)
        ;
    CHECK_EQ (errno, EAGAIN);
    set_item (&items[0], push, -1, ZMQ_POLLOUT);
    CHECK_EQ (zmq_poll (items, 1, 100), 0);
    CHECK_EQ (items[0].revents, 0);
    while (zmq_recv (pull, NULL, 0, ZMQ_DONTWAIT) == 0)
        ;
    CHECK_EQ (zmq_poll (items, 1, 2000), 1);
    CHECK_EQ (items[0].revents, ZMQ_POLLOUT);

    /* A pipe whose reader is gone: the writer sees an error. */
    close (fds[0]);
    set_item (&items[0], NULL, fds[1], ZMQ_POLLOUT);
    CHECK (zmq_poll (items, 1, 0) == 1);
    CHECK (items[0].revents & ZMQ_POLLERR);
    close (fds[1]);

    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

static void test_same_socket_twice (void)
{
    void *a, *b;
    zmq_pollitem_t items[2];
    make_pair ("inproc://poll-twice", ZMQ_PAIR, ZMQ_PAIR, &a, &b);
    SEND_STR (a, "x", 0);
    CHECK (tu_poll_in (b, 2000));
    set_item (&items[0], b, -1, ZMQ_POLLIN);
    set_item (&items[1], b, -1, ZMQ_POLLOUT);
    CHECK_EQ (zmq_poll (items, 2, 2000), 2);
    CHECK_EQ (items[0].revents, ZMQ_POLLIN);
    CHECK_EQ (items[1].revents, ZMQ_POLLOUT);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_timeouts (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PULL);
    zmq_pollitem_t item;
    void *watch;
    set_item (&item, s, -1, ZMQ_POLLIN);

    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK (zmq_stopwatch_stop (watch) < 1000000UL);
    CHECK_EQ (item.revents, 0);

    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_poll (&item, 1, 200), 0);
    CHECK_ELAPSED_AT_LEAST (watch, 200);
    CHECK_EQ (item.revents, 0);

    /* No items: 0 returns at once, a timeout just waits. */
    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_poll (NULL, 0, 0), 0);
    CHECK (zmq_stopwatch_stop (watch) < 1000000UL);
    watch = zmq_stopwatch_start ();
    CHECK_EQ (zmq_poll (NULL, 0, 150), 0);
    CHECK_ELAPSED_AT_LEAST (watch, 150);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_errors (void)
{
    static char not_a_socket[65536];
    zmq_pollitem_t item;
    CHECK_ERRNO (zmq_poll (NULL, 1, 0), EFAULT);
    CHECK_ERRNO (zmq_poll (NULL, -1, 0), EINVAL);
    set_item (&item, not_a_socket, -1, ZMQ_POLLIN);
    CHECK_ERRNO (zmq_poll (&item, 1, 0), ENOTSOCK);
}

/* zmq_poll (-1) returns once a message sent from another thread lands. */
struct sender
{
    void *push;
};

static void *send_from_thread (void *arg)
{
    struct sender *s = (struct sender *) arg;
    SEND_STR (s->push, "from thread", 0);
    return NULL;
}

static void test_infinite_wait_woken_by_thread (void)
{
    void *pull, *push;
    zmq_pollitem_t item;
    pthread_t thread;
    struct sender s;
    make_pair ("inproc://poll-thread", ZMQ_PULL, ZMQ_PUSH, &pull, &push);
    s.push = push;
    set_item (&item, pull, -1, ZMQ_POLLIN);
    CHECK_EQ (pthread_create (&thread, NULL, send_from_thread, &s), 0);
    CHECK_EQ (zmq_poll (&item, 1, -1), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    CHECK_EQ (pthread_join (thread, NULL), 0);
    RECV_STR (pull, "from thread");
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (push), 0);
}

static void test_eintr (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PULL);
    zmq_pollitem_t item;
    int fds[2];
    CHECK_RC (pipe (fds));
    set_item (&item, s, -1, ZMQ_POLLIN);
    tu_alarms_start (1);
    CHECK_ERRNO (zmq_poll (&item, 1, 5000), EINTR);
    CHECK_ERRNO (zmq_poll (&item, 1, -1), EINTR);
    /* Plain descriptors only. */
    set_item (&item, NULL, fds[0], ZMQ_POLLIN);
    CHECK_ERRNO (zmq_poll (&item, 1, 5000), EINTR);
    tu_alarms_stop ();
    CHECK (tu_alarms () > 0);
    close (fds[0]);
    close (fds[1]);
    CHECK_EQ (zmq_close (s), 0);
}

/* A poll in progress ends with ETERM when the context is shut down. */
struct poller
{
    void *socket;
    int rc;
    int err;
};

static void *poll_in_thread (void *arg)
{
    struct poller *p = (struct poller *) arg;
    zmq_pollitem_t item;
    set_item (&item, p->socket, -1, ZMQ_POLLIN);
    errno = 0;
    p->rc = zmq_poll (&item, 1, 10000);
    p->err = errno;
    return NULL;
}

static void test_eterm_while_polling (void)
{
    void *c = CHECK_PTR (zmq_ctx_new ());
    void *s = CHECK_PTR (zmq_socket (c, ZMQ_PULL));
    struct poller p;
    pthread_t thread;
    void *watch;
    CHECK_RC (zmq_bind (s, "inproc://poll-eterm"));
    p.socket = s;
    p.rc = -2;
    p.err = 0;
    watch = zmq_stopwatch_start ();
    CHECK_EQ (pthread_create (&thread, NULL, poll_in_thread, &p), 0);
    CHECK_EQ (zmq_ctx_shutdown (c), 0);
    CHECK_EQ (pthread_join (thread, NULL), 0);
    CHECK (zmq_stopwatch_stop (watch) < 5000000UL);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, ETERM);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (c), 0);
}

int main (void)
{
    tu_block_alarms ();
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_fd_turns_readable ();
    test_events ();
    test_sockets_and_pipe ();
    test_pollout_and_events_filter ();
    test_same_socket_twice ();
    test_timeouts ();
    test_errors ();
    test_infinite_wait_woken_by_thread ();
    test_eintr ();
    test_eterm_while_polling ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
