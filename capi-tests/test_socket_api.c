/* The socket calls over inproc: creating and closing sockets, binding and
 * connecting, and the send/receive family with its flags, timeouts and
 * interruption by signals.
 *
 * Man pages: zmq_socket(3), zmq_close(3), zmq_bind(3), zmq_connect(3),
 * zmq_unbind(3), zmq_disconnect(3), zmq_send(3), zmq_recv(3),
 * zmq_send_const(3), zmq_msg_send(3), zmq_msg_recv(3), zmq_sendmsg(3),
 * zmq_recvmsg(3), zmq_getsockopt(3) (ZMQ_LAST_ENDPOINT, ZMQ_RCVMORE).
 * zmq_sendiov/zmq_recviov have no man page; their behaviour here is the
 * reference library's.
 *
 * SIGALRM is blocked in every thread from the start of main (threads a
 * library starts inherit the mask), and unblocked in the main thread only
 * while it waits to be interrupted, so the signal can only land there.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/uio.h>

static void *ctx;

/* Zeroed memory that is neither a context nor a socket. */
static char not_an_object[65536];

/* A connected pair of sockets on a fresh inproc name. */
static void make_pair (int bind_type, int connect_type, void **bound,
                       void **connected)
{
    static int n;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://socket-api-pair-%d", n++);
    *bound = TU_SOCKET (ctx, bind_type);
    *connected = TU_SOCKET (ctx, connect_type);
    CHECK_RC (zmq_bind (*bound, ep));
    CHECK_RC (zmq_connect (*connected, ep));
}

static void test_every_classic_type (void)
{
    int type;
    for (type = ZMQ_PAIR; type <= ZMQ_STREAM; type++) {
        void *s = zmq_socket (ctx, type);
        if (s == NULL)
            tu_fail_errno (__FILE__, __LINE__, "zmq_socket (classic type)",
                           errno);
        CHECK_EQ (GET_INT (s, ZMQ_TYPE), type);
        CHECK_EQ (zmq_close (s), 0);
    }
    CHECK_EQ (ZMQ_PAIR, 0);
    CHECK_EQ (ZMQ_STREAM, 11);
    CHECK_EQ (ZMQ_XREQ, ZMQ_DEALER);
    CHECK_EQ (ZMQ_XREP, ZMQ_ROUTER);
}

static void test_socket_errors (void)
{
    CHECK_NULL_ERRNO (zmq_socket (ctx, -1), EINVAL);
    CHECK_NULL_ERRNO (zmq_socket (ctx, 1000), EINVAL);
    CHECK_NULL_ERRNO (zmq_socket (NULL, ZMQ_PAIR), EFAULT);
    CHECK_NULL_ERRNO (zmq_socket (not_an_object, ZMQ_PAIR), EFAULT);
}

static void test_close_errors (void)
{
    CHECK_ERRNO (zmq_close (NULL), ENOTSOCK);
    CHECK_ERRNO (zmq_close (not_an_object), ENOTSOCK);
}

/* Every call taking a socket refuses something that is not one. */
static void test_not_a_socket (void)
{
    char buf[4];
    int value = 0;
    size_t len = sizeof value;
    zmq_msg_t msg;
    struct iovec iov = {buf, 1};
    size_t count = 1;

    CHECK_ERRNO (zmq_bind (NULL, "inproc://socket-api-nosock"), ENOTSOCK);
    CHECK_ERRNO (zmq_connect (NULL, "inproc://socket-api-nosock"), ENOTSOCK);
    CHECK_ERRNO (zmq_unbind (NULL, "inproc://socket-api-nosock"), ENOTSOCK);
    CHECK_ERRNO (zmq_disconnect (NULL, "inproc://socket-api-nosock"),
                 ENOTSOCK);
    CHECK_ERRNO (zmq_send (NULL, "x", 1, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_send_const (NULL, "x", 1, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_recv (NULL, buf, sizeof buf, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_recv (not_an_object, buf, sizeof buf, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_setsockopt (NULL, ZMQ_LINGER, &value, sizeof value),
                 ENOTSOCK);
    CHECK_ERRNO (zmq_getsockopt (NULL, ZMQ_LINGER, &value, &len), ENOTSOCK);
    CHECK_ERRNO (zmq_sendiov (NULL, &iov, 1, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_recviov (NULL, &iov, &count, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_socket_monitor (NULL, "inproc://socket-api-mon", 0),
                 ENOTSOCK);

    CHECK_RC (zmq_msg_init (&msg));
    CHECK_ERRNO (zmq_msg_send (&msg, NULL, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_msg_recv (&msg, NULL, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_sendmsg (NULL, &msg, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_recvmsg (NULL, &msg, 0), ENOTSOCK);
    CHECK_RC (zmq_msg_close (&msg));
}

static void test_max_sockets (void)
{
    void *c = CHECK_PTR (zmq_ctx_new ());
    void *socks[5];
    int i;
    /* The limit must be set before the first socket is created. */
    CHECK_RC (zmq_ctx_set (c, ZMQ_MAX_SOCKETS, 5));
    for (i = 0; i < 5; i++)
        socks[i] = CHECK_PTR (zmq_socket (c, ZMQ_PAIR));
    CHECK_NULL_ERRNO (zmq_socket (c, ZMQ_PAIR), EMFILE);
    CHECK_NULL_ERRNO (zmq_socket (c, ZMQ_PUSH), EMFILE);
    for (i = 0; i < 5; i++)
        CHECK_EQ (zmq_close (socks[i]), 0);
    CHECK_EQ (zmq_ctx_term (c), 0);
}

static void test_socket_after_shutdown (void)
{
    void *c = CHECK_PTR (zmq_ctx_new ());
    void *s = CHECK_PTR (zmq_socket (c, ZMQ_PAIR));
    CHECK_EQ (zmq_ctx_shutdown (c), 0);
    CHECK_NULL_ERRNO (zmq_socket (c, ZMQ_PAIR), ETERM);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (c), 0);
}

static void test_bad_endpoints (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    /* No "://", an empty transport or an empty address: EINVAL. */
    static const char *const malformed[] = {
      "inproc://", "inproc", "inproc:/socket-api-x", "", "://socket-api-x",
      "socket-api-x"};
    size_t i;
    for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        CHECK_ERRNO (zmq_bind (s, malformed[i]), EINVAL);
        CHECK_ERRNO (zmq_connect (s, malformed[i]), EINVAL);
    }
    /* Unknown transports, and transport names are case-sensitive. */
    CHECK_ERRNO (zmq_bind (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_connect (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_bind (s, "INPROC://socket-api-x"), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_connect (s, "INPROC://socket-api-x"), EPROTONOSUPPORT);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_address_in_use (void)
{
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://socket-api-inuse"));
    /* Taken, whether asked by the owner again or by another socket. */
    CHECK_ERRNO (zmq_bind (a, "inproc://socket-api-inuse"), EADDRINUSE);
    CHECK_ERRNO (zmq_bind (b, "inproc://socket-api-inuse"), EADDRINUSE);
    /* A different name is free. */
    CHECK_RC (zmq_bind (b, "inproc://socket-api-inuse-2"));
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_connect_before_bind (void)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_RC (zmq_connect (push, "inproc://socket-api-early"));
    /* The connection is pending, yet a message can already be queued. */
    SEND_STR (push, "early", ZMQ_DONTWAIT);
    CHECK_RC (zmq_bind (pull, "inproc://socket-api-early"));
    RECV_STR (pull, "early");
    SEND_STR (push, "later", 0);
    RECV_STR (pull, "later");
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

static void test_several_endpoints (void)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push[3];
    char ep[64], got[3] = {0, 0, 0}, buf[8];
    int i;
    for (i = 0; i < 3; i++) {
        snprintf (ep, sizeof ep, "inproc://socket-api-many-%d", i);
        CHECK_RC (zmq_bind (pull, ep));
        push[i] = TU_SOCKET (ctx, ZMQ_PUSH);
        CHECK_RC (zmq_connect (push[i], ep));
        buf[0] = (char) ('a' + i);
        SEND_BYTES (push[i], buf, 1, 0);
    }
    for (i = 0; i < 3; i++) {
        CHECK_EQ (zmq_recv (pull, buf, sizeof buf, 0), 1);
        CHECK (buf[0] >= 'a' && buf[0] <= 'c');
        CHECK_EQ (got[buf[0] - 'a'], 0);
        got[buf[0] - 'a'] = 1;
    }
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    for (i = 0; i < 3; i++)
        CHECK_EQ (zmq_close (push[i]), 0);

    /* One connecting socket with two peers: PUSH deals one to each. */
    void *pusher = TU_SOCKET (ctx, ZMQ_PUSH);
    void *p1 = TU_SOCKET (ctx, ZMQ_PULL);
    void *p2 = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (p1, "inproc://socket-api-fan-1"));
    CHECK_RC (zmq_bind (p2, "inproc://socket-api-fan-2"));
    CHECK_RC (zmq_connect (pusher, "inproc://socket-api-fan-1"));
    CHECK_RC (zmq_connect (pusher, "inproc://socket-api-fan-2"));
    SEND_STR (pusher, "m", 0);
    SEND_STR (pusher, "m", 0);
    RECV_STR (p1, "m");
    RECV_STR (p2, "m");
    CHECK_ERRNO (zmq_recv (p1, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_recv (p2, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_EQ (zmq_close (pusher), 0);
    CHECK_EQ (zmq_close (p1), 0);
    CHECK_EQ (zmq_close (p2), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

static void test_unbind (void)
{
    void *a = TU_SOCKET (ctx, ZMQ_PULL);
    void *b = TU_SOCKET (ctx, ZMQ_PULL);
    CHECK_ERRNO (zmq_unbind (a, "inproc://socket-api-unbind"), ENOENT);
    CHECK_RC (zmq_bind (a, "inproc://socket-api-unbind"));
    /* Only the socket that bound a name can unbind it. */
    CHECK_ERRNO (zmq_unbind (b, "inproc://socket-api-unbind"), ENOENT);
    CHECK_EQ (zmq_unbind (a, "inproc://socket-api-unbind"), 0);
    CHECK_ERRNO (zmq_unbind (a, "inproc://socket-api-unbind"), ENOENT);
    /* The name is free again. */
    CHECK_RC (zmq_bind (b, "inproc://socket-api-unbind"));

    CHECK_ERRNO (zmq_unbind (a, NULL), EINVAL);
    CHECK_ERRNO (zmq_unbind (a, "inproc://"), EINVAL);
    CHECK_ERRNO (zmq_unbind (a, "foo://x"), EPROTONOSUPPORT);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_disconnect (void)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *pull2 = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    char buf[4];
    CHECK_ERRNO (zmq_disconnect (push, "inproc://socket-api-disc"), ENOENT);
    CHECK_RC (zmq_bind (pull, "inproc://socket-api-disc"));
    CHECK_RC (zmq_connect (push, "inproc://socket-api-disc"));
    SEND_STR (push, "one", 0);
    RECV_STR (pull, "one");

    CHECK_EQ (zmq_disconnect (push, "inproc://socket-api-disc"), 0);
    CHECK_ERRNO (zmq_disconnect (push, "inproc://socket-api-disc"), ENOENT);
    /* With its only peer gone, PUSH has nowhere to send. */
    CHECK_ERRNO (zmq_send (push, "two", 3, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    /* Connecting somewhere else afterwards works. */
    CHECK_RC (zmq_bind (pull2, "inproc://socket-api-disc-2"));
    CHECK_RC (zmq_connect (push, "inproc://socket-api-disc-2"));
    SEND_STR (push, "three", 0);
    RECV_STR (pull2, "three");

    CHECK_ERRNO (zmq_disconnect (push, NULL), EINVAL);
    CHECK_ERRNO (zmq_disconnect (push, "inproc://"), EINVAL);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (pull2), 0);
}

/* Two connections to one name are both dropped by one disconnect. */
static void test_disconnect_all_pipes_of_endpoint (void)
{
    void *router = TU_SOCKET (ctx, ZMQ_PULL);
    void *dealer = TU_SOCKET (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_bind (router, "inproc://socket-api-twice"));
    CHECK_RC (zmq_connect (dealer, "inproc://socket-api-twice"));
    CHECK_RC (zmq_connect (dealer, "inproc://socket-api-twice"));
    CHECK_EQ (zmq_disconnect (dealer, "inproc://socket-api-twice"), 0);
    CHECK_ERRNO (zmq_disconnect (dealer, "inproc://socket-api-twice"),
                 ENOENT);
    CHECK_ERRNO (zmq_send (dealer, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_close (dealer), 0);
    CHECK_EQ (zmq_close (router), 0);
}

static void test_last_endpoint (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *t = TU_SOCKET (ctx, ZMQ_PAIR);
    char buf[64];
    size_t len = sizeof buf;

    /* Nothing bound yet: the empty string, with its terminator. */
    memset (buf, 'x', sizeof buf);
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    CHECK_EQ (len, 1);
    CHECK_EQ (buf[0], '\0');

    CHECK_RC (zmq_bind (s, "inproc://socket-api-last"));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    CHECK_STREQ (buf, "inproc://socket-api-last");
    CHECK_EQ (len, strlen ("inproc://socket-api-last") + 1);

    /* Exactly the right size is enough; one byte less is EINVAL and
     * leaves the length alone. */
    len = strlen ("inproc://socket-api-last") + 1;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    len = strlen ("inproc://socket-api-last");
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len), EINVAL);
    CHECK_EQ (len, strlen ("inproc://socket-api-last"));

    /* The latest bind wins. */
    CHECK_RC (zmq_bind (s, "inproc://socket-api-last-2"));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
    CHECK_STREQ (buf, "inproc://socket-api-last-2");

    /* A failed bind does not change it. */
    CHECK_ERRNO (zmq_bind (t, "inproc://socket-api-last"), EADDRINUSE);
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (t, ZMQ_LAST_ENDPOINT, buf, &len));
    CHECK_EQ (len, 1);

    /* inproc connects record the endpoint too. */
    CHECK_RC (zmq_connect (t, "inproc://socket-api-last"));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (t, ZMQ_LAST_ENDPOINT, buf, &len));
    CHECK_STREQ (buf, "inproc://socket-api-last");

    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_close (t), 0);
}

static void test_send_recv_truncation (void)
{
    void *a, *b;
    char buf[16];
    make_pair (ZMQ_PAIR, ZMQ_PAIR, &a, &b);

    CHECK_EQ (zmq_send (a, "hello world", 11, 0), 11);
    memset (buf, '#', sizeof buf);
    /* The frame is cut to the buffer, but the full size is returned. */
    CHECK_EQ (zmq_recv (b, buf, 5, 0), 11);
    CHECK (memcmp (buf, "hello", 5) == 0);
    CHECK_EQ (buf[5], '#');

    /* A zero-length buffer may be NULL. */
    CHECK_EQ (zmq_send (b, "abc", 3, 0), 3);
    CHECK_EQ (zmq_recv (a, NULL, 0, 0), 3);

    /* Empty frames. */
    CHECK_EQ (zmq_send (a, NULL, 0, 0), 0);
    CHECK_EQ (zmq_recv (b, buf, sizeof buf, 0), 0);

    /* A large frame survives intact. */
    {
        size_t n = 1 << 20, i;
        unsigned char *big = (unsigned char *) malloc (n);
        unsigned char *back = (unsigned char *) malloc (n);
        CHECK (big != NULL && back != NULL);
        for (i = 0; i < n; i++)
            big[i] = (unsigned char) (i * 7);
        CHECK_EQ (zmq_send (a, big, n, 0), (int) n);
        CHECK_EQ (zmq_recv (b, back, n, 0), (int) n);
        CHECK (memcmp (big, back, n) == 0);
        free (big);
        free (back);
    }

    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_send_const (void)
{
    static const char text[] = "constant data";
    void *a, *b;
    make_pair (ZMQ_PAIR, ZMQ_PAIR, &a, &b);
    CHECK_EQ (zmq_send_const (a, text, sizeof text - 1, ZMQ_SNDMORE),
              (int) sizeof text - 1);
    CHECK_EQ (zmq_send_const (a, text, 3, 0), 3);
    RECV_STR (b, "constant data");
    CHECK_EQ (tu_rcvmore (b), 1);
    RECV_STR (b, "con");
    CHECK_EQ (tu_rcvmore (b), 0);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_msg_send_recv (void)
{
    void *a, *b, *lonely;
    zmq_msg_t msg;
    make_pair (ZMQ_PAIR, ZMQ_PAIR, &a, &b);

    CHECK_RC (zmq_msg_init_size (&msg, 7));
    memcpy (zmq_msg_data (&msg), "payload", 7);
    CHECK_EQ (zmq_msg_send (&msg, a, 0), 7);
    /* A sent message is left empty, ready to be closed or reused. */
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_RC (zmq_msg_close (&msg));

    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, b, 0), 7);
    CHECK_EQ (zmq_msg_size (&msg), 7);
    CHECK (memcmp (zmq_msg_data (&msg), "payload", 7) == 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);

    /* The same message object can go straight back. */
    CHECK_EQ (zmq_sendmsg (b, &msg, 0), 7);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_recvmsg (a, &msg, 0), 7);
    CHECK (memcmp (zmq_msg_data (&msg), "payload", 7) == 0);
    CHECK_RC (zmq_msg_close (&msg));

    /* A send that fails leaves the message with the caller, unchanged. */
    lonely = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_msg_init_size (&msg, 3));
    memcpy (zmq_msg_data (&msg), "xyz", 3);
    CHECK_ERRNO (zmq_msg_send (&msg, lonely, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_msg_size (&msg), 3);
    CHECK (memcmp (zmq_msg_data (&msg), "xyz", 3) == 0);
    CHECK_EQ (zmq_msg_send (&msg, a, 0), 3);
    RECV_STR (b, "xyz");
    CHECK_RC (zmq_msg_close (&msg));

    /* A failed receive leaves an initialised message usable. */
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_ERRNO (zmq_msg_recv (&msg, lonely, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_RC (zmq_msg_close (&msg));

    CHECK_EQ (zmq_close (lonely), 0);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void free_iov (struct iovec *iov, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free (iov[i].iov_base);
}

static void test_iov (void)
{
    void *a, *b;
    char p0[] = "ab", p1[] = "cde", p2[] = "f";
    struct iovec out[3], in[5];
    size_t count;
    make_pair (ZMQ_PAIR, ZMQ_PAIR, &a, &b);
    out[0].iov_base = p0;
    out[0].iov_len = 2;
    out[1].iov_base = p1;
    out[1].iov_len = 3;
    out[2].iov_base = p2;
    out[2].iov_len = 1;

    /* With ZMQ_SNDMORE the vector is one multipart message (the flag is
     * dropped from the last part). The call returns the size of the last
     * part sent. */
    CHECK_EQ (zmq_sendiov (a, out, 3, ZMQ_SNDMORE), 1);
    count = 5;
    CHECK_EQ (zmq_recviov (b, in, &count, 0), 3);
    CHECK_EQ (count, 3);
    CHECK_EQ (in[0].iov_len, 2);
    CHECK (memcmp (in[0].iov_base, "ab", 2) == 0);
    CHECK_EQ (in[1].iov_len, 3);
    CHECK (memcmp (in[1].iov_base, "cde", 3) == 0);
    CHECK_EQ (in[2].iov_len, 1);
    CHECK (memcmp (in[2].iov_base, "f", 1) == 0);
    CHECK_EQ (tu_rcvmore (b), 0);
    free_iov (in, count);

    /* Without it, each element is a message of its own. */
    CHECK_EQ (zmq_sendiov (a, out, 3, 0), 1);
    count = 5;
    CHECK_EQ (zmq_recviov (b, in, &count, 0), 1);
    CHECK_EQ (count, 1);
    CHECK_EQ (in[0].iov_len, 2);
    free_iov (in, count);
    RECV_STR (b, "cde");
    RECV_STR (b, "f");

    /* Fewer slots than parts: the rest stays queued, RCVMORE says so. */
    CHECK_EQ (zmq_sendiov (a, out, 3, ZMQ_SNDMORE), 1);
    count = 2;
    CHECK_EQ (zmq_recviov (b, in, &count, 0), 2);
    CHECK_EQ (count, 2);
    CHECK_EQ (tu_rcvmore (b), 1);
    free_iov (in, count);
    RECV_STR (b, "f");
    CHECK_EQ (tu_rcvmore (b), 0);

    /* Nothing to receive: -1 EAGAIN, and the count says no parts. */
    count = 5;
    CHECK_ERRNO (zmq_recviov (b, in, &count, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (count, 0);

    /* Bad arguments. */
    CHECK_ERRNO (zmq_sendiov (a, out, 0, 0), EINVAL);
    CHECK_ERRNO (zmq_sendiov (a, NULL, 1, 0), EINVAL);
    count = 0;
    CHECK_ERRNO (zmq_recviov (b, in, &count, ZMQ_DONTWAIT), EINVAL);
    CHECK_ERRNO (zmq_recviov (b, in, NULL, ZMQ_DONTWAIT), EINVAL);
    count = 1;
    CHECK_ERRNO (zmq_recviov (b, NULL, &count, ZMQ_DONTWAIT), EINVAL);

    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_dontwait_and_wrong_direction (void)
{
    void *pair = TU_SOCKET (ctx, ZMQ_PAIR);
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    char buf[4];

    /* No peer: nothing can be sent or received right now. */
    CHECK_ERRNO (zmq_send (pair, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_recv (pair, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /* PUB never blocks: with no subscriber the message is dropped. */
    CHECK_EQ (zmq_send (pub, "x", 1, ZMQ_DONTWAIT), 1);

    /* Directions a socket type does not have. */
    CHECK_ERRNO (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);

    /* Request/reply state machine: out of turn is EFSM. */
    CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    CHECK_ERRNO (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);

    CHECK_EQ (zmq_close (pair), 0);
    CHECK_EQ (zmq_close (sub), 0);
    CHECK_EQ (zmq_close (pub), 0);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (req), 0);
    CHECK_EQ (zmq_close (rep), 0);
}

static void test_multipart (void)
{
    void *a, *b;
    zmq_msg_t msg;
    make_pair (ZMQ_PAIR, ZMQ_PAIR, &a, &b);

    CHECK_EQ (tu_rcvmore (b), 0);
    SEND_STR (a, "one", ZMQ_SNDMORE);
    SEND_STR (a, "", ZMQ_SNDMORE);
    SEND_STR (a, "three", 0);
    SEND_STR (a, "next", 0);

    RECV_STR (b, "one");
    CHECK_EQ (tu_rcvmore (b), 1);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, b, 0), 0);
    CHECK_EQ (zmq_msg_more (&msg), 1);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 1);
    CHECK_EQ (tu_rcvmore (b), 1);
    CHECK_EQ (zmq_msg_recv (&msg, b, 0), 5);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (tu_rcvmore (b), 0);
    CHECK_RC (zmq_msg_close (&msg));
    RECV_STR (b, "next");
    CHECK_EQ (tu_rcvmore (b), 0);

    /* ZMQ_RCVMORE accepts a larger buffer and reports an int. */
    {
        int64_t wide = -1;
        size_t len = sizeof wide;
        CHECK_RC (zmq_getsockopt (b, ZMQ_RCVMORE, &wide, &len));
        CHECK_EQ (len, sizeof (int));
    }

    /* A message in progress is delivered whole, never in part: the
     * receiver sees nothing until the last frame is sent. */
    SEND_STR (a, "part", ZMQ_SNDMORE);
    CHECK (!tu_poll_in (b, 0));
    SEND_STR (a, "end", 0);
    RECV_STR (b, "part");
    RECV_STR (b, "end");

    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

static void test_timeouts (void)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    char buf[4];
    void *watch;

    /* Defaults: wait forever. */
    {
        void *fresh = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
        CHECK_EQ (GET_INT (fresh, ZMQ_RCVTIMEO), -1);
        CHECK_EQ (GET_INT (fresh, ZMQ_SNDTIMEO), -1);
        CHECK_EQ (zmq_close (fresh), 0);
    }

    TU_SET_INT (pull, ZMQ_RCVTIMEO, 250);
    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    CHECK_ELAPSED_AT_LEAST (watch, 250);

    /* PUSH with no peer blocks in send until the timeout. */
    TU_SET_INT (push, ZMQ_SNDTIMEO, 250);
    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK_ELAPSED_AT_LEAST (watch, 250);

    /* A timeout of 0 behaves as ZMQ_DONTWAIT. */
    TU_SET_INT (pull, ZMQ_RCVTIMEO, 0);
    TU_SET_INT (push, ZMQ_SNDTIMEO, 0);
    watch = zmq_stopwatch_start ();
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK (zmq_stopwatch_stop (watch) < 1000000UL);

    /* A message that is there is returned at once, timeout or not. */
    TU_SET_INT (pull, ZMQ_RCVTIMEO, 2000);
    CHECK_RC (zmq_bind (pull, "inproc://socket-api-timeo"));
    CHECK_RC (zmq_connect (push, "inproc://socket-api-timeo"));
    SEND_STR (push, "now", 0);
    RECV_STR (pull, "now");

    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (push), 0);
}

/* Blocking calls interrupted by a signal. */
static void test_eintr (void)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    char buf[4];
    TU_SET_INT (pull, ZMQ_RCVTIMEO, 5000);
    TU_SET_INT (push, ZMQ_SNDTIMEO, 5000);
    CHECK_RC (zmq_bind (pull, "inproc://socket-api-eintr"));

    tu_alarms_start (1);
    CHECK_ERRNO (zmq_recv (pull, buf, sizeof buf, 0), EINTR);
    /* PUSH without a peer blocks in send: interrupted the same way. */
    CHECK_ERRNO (zmq_send (push, "x", 1, 0), EINTR);
    tu_alarms_stop ();
    CHECK (tu_alarms () > 0);

    /* The sockets are still fine afterwards. */
    CHECK_RC (zmq_connect (push, "inproc://socket-api-eintr"));
    SEND_STR (push, "after", 0);
    RECV_STR (pull, "after");
    CHECK_EQ (zmq_close (pull), 0);
    CHECK_EQ (zmq_close (push), 0);
}

int main (void)
{
    tu_block_alarms ();
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_every_classic_type ();
    test_socket_errors ();
    test_close_errors ();
    test_not_a_socket ();
    test_max_sockets ();
    test_socket_after_shutdown ();
    test_bad_endpoints ();
    test_address_in_use ();
    test_connect_before_bind ();
    test_several_endpoints ();
    test_unbind ();
    test_disconnect ();
    test_disconnect_all_pipes_of_endpoint ();
    test_last_endpoint ();
    test_send_recv_truncation ();
    test_send_const ();
    test_msg_send_recv ();
    test_iov ();
    test_dontwait_and_wrong_direction ();
    test_multipart ();
    test_timeouts ();
    test_eintr ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
