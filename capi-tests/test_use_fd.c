/* ZMQ_USE_FD: zmq_bind adopts a listening socket the application made.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_USE_FD).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - Default -1. Set before zmq_bind, the bind listens on that fd instead
 *   of making its own: the application has already bound it and called
 *   listen(). Peers connect to the fd's address as usual.
 * - tcp: ZMQ_LAST_ENDPOINT (and the LISTENING event) give the fd's real
 *   address, "tcp://127.0.0.1:<port>"; the LISTENING event's value is
 *   the fd itself.
 * - ipc: ZMQ_LAST_ENDPOINT is "ipc://<path>" as given to zmq_bind.
 * - Closing the zmq socket closes the fd (the listener closes it, and its
 *   monitor reports CLOSED with the fd as value). The ipc socket file is
 *   left in place: the application made it, the application removes it.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/un.h>

static void *ctx;

static int tcp_listen_fd (int *port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    CHECK_RC (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (fd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (listen (fd, 16));
    CHECK_RC (getsockname (fd, (struct sockaddr *) &addr, &len));
    *port = ntohs (addr.sin_port);
    return fd;
}

static int ipc_listen_fd (const char *path)
{
    struct sockaddr_un addr;
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    CHECK (strlen (path) < sizeof addr.sun_path);
    strcpy (addr.sun_path, path);
    CHECK_RC (bind (fd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (listen (fd, 16));
    return fd;
}

static void round_trip (void *rep, const char *ep)
{
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    CHECK_RC (zmq_connect (req, ep));
    SEND_STR (req, "ping", 0);
    RECV_STR (rep, "ping");
    SEND_STR (rep, "pong", 0);
    RECV_STR (req, "pong");
    /* A second client is accepted from the same fd. */
    {
        void *req2 = TU_SOCKET (ctx, ZMQ_REQ);
        CHECK_RC (zmq_connect (req2, ep));
        SEND_STR (req2, "ping 2", 0);
        RECV_STR (rep, "ping 2");
        SEND_STR (rep, "pong 2", 0);
        RECV_STR (req2, "pong 2");
        CHECK_RC (zmq_close (req2));
    }
    CHECK_RC (zmq_close (req));
}

/* Close rep, wait for its listener's CLOSED event, and check that fd is
 * closed by then. */
static void close_and_check_fd (void *rep, void *events, int fd,
                                const char *ep)
{
    struct tu_event ev;
    CHECK_RC (zmq_close (rep));
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, &ev);
    CHECK_EQ (ev.value, fd);
    CHECK_STREQ (ev.endpoint, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_MONITOR_STOPPED, NULL);
    CHECK_RC (zmq_close (events));
    CHECK_ERRNO (fcntl (fd, F_GETFD), EBADF);
}

static void test_default (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_REP);
    int value = 0;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (s, ZMQ_USE_FD, &value, &len));
    CHECK_EQ (len, sizeof value);
    CHECK_EQ (value, -1);
    TU_SET_INT (s, ZMQ_USE_FD, 7);
    CHECK_RC (zmq_getsockopt (s, ZMQ_USE_FD, &value, &len));
    CHECK_EQ (value, 7);
    CHECK_RC (zmq_close (s));
}

static void test_tcp (void)
{
    char want[TU_ENDPOINT_MAX], got[TU_ENDPOINT_MAX];
    struct tu_event ev;
    int port;
    int fd = tcp_listen_fd (&port);
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    void *events = TU_MONITOR (ctx, rep, ZMQ_EVENT_LISTENING
                                           | ZMQ_EVENT_CLOSED
                                           | ZMQ_EVENT_MONITOR_STOPPED);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port);
    TU_SET_INT (rep, ZMQ_USE_FD, fd);
    CHECK_RC (zmq_bind (rep, want));
    LAST_ENDPOINT (rep, got);
    CHECK_STREQ (got, want);
    EXPECT_EVENT (events, ZMQ_EVENT_LISTENING, &ev);
    CHECK_EQ (ev.value, fd);
    CHECK_STREQ (ev.endpoint, want);
    round_trip (rep, want);
    close_and_check_fd (rep, events, fd, want);
}

static void test_ipc (void)
{
    char dir[128], path[200], want[TU_ENDPOINT_MAX], got[TU_ENDPOINT_MAX];
    struct tu_event ev;
    int fd;
    void *rep, *events;

    MAKE_TMPDIR (dir);
    snprintf (path, sizeof path, "%s/use-fd.sock", dir);
    snprintf (want, sizeof want, "ipc://%s", path);
    fd = ipc_listen_fd (path);
    rep = TU_SOCKET (ctx, ZMQ_REP);
    events = TU_MONITOR (ctx, rep, ZMQ_EVENT_LISTENING | ZMQ_EVENT_CLOSED
                                     | ZMQ_EVENT_MONITOR_STOPPED);
    TU_SET_INT (rep, ZMQ_USE_FD, fd);
    CHECK_RC (zmq_bind (rep, want));
    LAST_ENDPOINT (rep, got);
    CHECK_STREQ (got, want);
    EXPECT_EVENT (events, ZMQ_EVENT_LISTENING, &ev);
    CHECK_EQ (ev.value, fd);
    CHECK (tu_path_exists (path));
    round_trip (rep, want);
    close_and_check_fd (rep, events, fd, want);
    /* The file is the application's: zmq leaves it. */
    CHECK (tu_path_exists (path));
    tu_remove_tree (dir);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_default ();
    test_tcp ();
    test_ipc ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
