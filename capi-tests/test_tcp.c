/* The tcp:// transport: binding, connecting, endpoints and payloads.
 *
 * Man pages: zmq_tcp(7), zmq_bind(3), zmq_connect(3), zmq_unbind(3),
 * zmq_disconnect(3), zmq_getsockopt(3) (ZMQ_LAST_ENDPOINT).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - "tcp://127.0.0.1:*" and ":0" bind an ephemeral port; ZMQ_LAST_ENDPOINT
 *   is "tcp://127.0.0.1:PORT". Binding the "*" address gives
 *   "tcp://0.0.0.0:PORT", or "tcp://[::]:PORT" with ZMQ_IPV6 (dual stack:
 *   IPv4 clients still connect). "tcp://[::1]:*" with ZMQ_IPV6 gives
 *   "tcp://[::1]:PORT".
 * - bind does not resolve host names: "tcp://localhost:*" fails with
 *   ENODEV (so do "[::1]" without ZMQ_IPV6 and unknown interface names);
 *   interface names such as "lo" do bind. connect resolves host names.
 * - Malformed endpoints give EINVAL; a port of "*" is not allowed in a
 *   connect; an address not on this host gives EADDRNOTAVAIL; a port in
 *   use gives EADDRINUSE, also for a second bind on the same socket.
 * - zmq_unbind / zmq_disconnect look the endpoint up as given and, failing
 *   that, after resolving it ("tcp://localhost:P" finds a connection made
 *   to "tcp://127.0.0.1:P"). A wildcard spec (port "*" resolves to 0), an
 *   endpoint never bound/connected, or a second call gives ENOENT.
 * - connect is asynchronous: connecting before anything listens succeeds,
 *   and the periodic reconnect picks up a later bind.
 * - "tcp://SRC;DST" connects from the given source address (port 0: any);
 *   the peer sees that source address.
 */
#include "testutil.h"

#include <ctype.h>

static void *ctx;

/* endpoint is exactly prefix followed by a port number 1..65535. */
static void check_endpoint_form (const char *endpoint, const char *prefix)
{
    size_t n = strlen (prefix), i;
    int port;
    CHECK (strncmp (endpoint, prefix, n) == 0);
    CHECK (endpoint[n] != '\0');
    for (i = n; endpoint[i]; i++)
        CHECK (isdigit ((unsigned char) endpoint[i]));
    port = tu_endpoint_port (endpoint);
    CHECK (port > 0 && port <= 65535);
}

static void test_bind_then_connect (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    BIND_LOOPBACK (a, ep);
    check_endpoint_form (ep, "tcp://127.0.0.1:");
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (b, a);
    BOUNCE (a, b);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Port 0 is a wildcard too, and LAST_ENDPOINT reports the real port. */
static void test_port_zero (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    BIND_ANY (a, "tcp://127.0.0.1:0", ep);
    check_endpoint_form (ep, "tcp://127.0.0.1:");
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Connecting first: the connect succeeds with nobody listening, a message
 * sent meanwhile waits, and the reconnect timer finds the later bind. */
static void test_connect_then_bind (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", tu_free_tcp_port ());
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "early", ZMQ_SNDMORE);
    SEND_STR (push, "bird", 0);
    CHECK_RC (zmq_bind (pull, ep));
    RECV_STR (pull, "early");
    CHECK_MORE (pull);
    RECV_STR (pull, "bird");
    CHECK_LAST (pull);
    /* The bound endpoint is reported as given. */
    {
        char last[TU_ENDPOINT_MAX];
        LAST_ENDPOINT (pull, last);
        CHECK_STREQ (last, ep);
    }
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_address_wildcard (void)
{
    char ep[TU_ENDPOINT_MAX], via[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    BIND_ANY (a, "tcp://*:*", ep);
    check_endpoint_form (ep, "tcp://0.0.0.0:");
    snprintf (via, sizeof via, "tcp://127.0.0.1:%d", tu_endpoint_port (ep));
    CHECK_RC (zmq_connect (b, via));
    BOUNCE (a, b);
    /* The wildcard spec does not name the binding; the real one does. */
    CHECK_ERRNO (zmq_unbind (a, "tcp://*:*"), ENOENT);
    CHECK_RC (zmq_unbind (a, ep));
    CHECK_ERRNO (zmq_unbind (a, ep), ENOENT);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

static void test_ipv6 (void)
{
    char ep[TU_ENDPOINT_MAX], via[TU_ENDPOINT_MAX];
    void *a, *b, *c;
    if (!tu_have_ipv6_loopback ()) {
        printf ("test_tcp: no ::1 on this machine, IPv6 cases skipped\n");
        return;
    }
    a = TU_SOCKET (ctx, ZMQ_PAIR);
    b = TU_SOCKET (ctx, ZMQ_PAIR);
    c = TU_SOCKET (ctx, ZMQ_PAIR);
    /* IPv6 addresses need ZMQ_IPV6. */
    CHECK_ERRNO (zmq_bind (a, "tcp://[::1]:*"), ENODEV);
    TU_SET_INT (a, ZMQ_IPV6, 1);
    TU_SET_INT (b, ZMQ_IPV6, 1);
    BIND_ANY (a, "tcp://[::1]:*", ep);
    check_endpoint_form (ep, "tcp://[::1]:");
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    CHECK_RC (zmq_disconnect (b, ep));
    CHECK_RC (zmq_unbind (a, ep));

    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));

    /* "*" with ZMQ_IPV6 is the IPv6 any-address, reachable over IPv4. */
    a = TU_SOCKET (ctx, ZMQ_PAIR);
    TU_SET_INT (a, ZMQ_IPV6, 1);
    BIND_ANY (a, "tcp://*:*", ep);
    check_endpoint_form (ep, "tcp://[::]:");
    snprintf (via, sizeof via, "tcp://127.0.0.1:%d", tu_endpoint_port (ep));
    CHECK_RC (zmq_connect (c, via));
    BOUNCE (a, c);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (a));
}

static void test_names (void)
{
    char ep[TU_ENDPOINT_MAX], via[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *c = TU_SOCKET (ctx, ZMQ_PAIR);
    void *d = TU_SOCKET (ctx, ZMQ_PAIR);
    /* bind takes addresses and interface names. (Host names: libzmq 4.3.4
     * refuses them with ENODEV, 4.3.5 resolves them; not asserted.) */
    CHECK_ERRNO (zmq_bind (a, "tcp://no-such-interface-zz:*"), ENODEV);
    BIND_LOOPBACK (a, ep);
    /* connect resolves them. */
    snprintf (via, sizeof via, "tcp://localhost:%d", tu_endpoint_port (ep));
    CHECK_RC (zmq_connect (b, via));
    BOUNCE (a, b);
    /* The interface name "lo" binds to its address. */
    BIND_ANY (c, "tcp://lo:*", ep);
    check_endpoint_form (ep, "tcp://127.0.0.1:");
    CHECK_RC (zmq_connect (d, ep));
    BOUNCE (c, d);
    CHECK_RC (zmq_close (d));
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

static void test_bad_endpoints (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_ERRNO (zmq_bind (s, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERRNO (zmq_bind (s, "tcp://127.0.0.1:"), EINVAL);
    CHECK_ERRNO (zmq_bind (s, "tcp://127.0.0.1:port"), EINVAL);
    CHECK_ERRNO (zmq_bind (s, "tcp://"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tcp://127.0.0.1:*"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tcp://"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tcp://localhost:port"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tcp://in valid:1234"), EINVAL);
    /* TEST-NET-1 is never a local address. */
    CHECK_ERRNO (zmq_bind (s, "tcp://192.0.2.1:*"), EADDRNOTAVAIL);
    CHECK_RC (zmq_close (s));
}

static void test_large_and_multipart (void)
{
    static const size_t sizes[] = {0, 1, 255, 256, 8191, 8192, 8193, 65536,
                                   (1u << 20) + 3, 3u << 20};
    char ep[TU_ENDPOINT_MAX];
    size_t i;
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    BIND_LOOPBACK (a, ep);
    CHECK_RC (zmq_connect (b, ep));
    /* One frame per size, then all sizes as one multipart message. */
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        SEND_FILLED (b, sizes[i], (unsigned) i, 0);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        RECV_FILLED (a, sizes[i], (unsigned) i);
        CHECK_LAST (a);
    }
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        SEND_FILLED (a, sizes[i], (unsigned) i + 100,
                     i + 1 < sizeof sizes / sizeof sizes[0] ? ZMQ_SNDMORE : 0);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        RECV_FILLED (b, sizes[i], (unsigned) i + 100);
        CHECK_EQ (tu_rcvmore (b), i + 1 < sizeof sizes / sizeof sizes[0]);
    }
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Many small messages keep their order and none is lost. */
static void test_stream_of_messages (void)
{
    char ep[TU_ENDPOINT_MAX], buf[32], want[32];
    int i, n;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    for (i = 0; i < 20000; i++) {
        n = snprintf (buf, sizeof buf, "m%d", i);
        SEND_BYTES (push, buf, (size_t) n, 0);
    }
    for (i = 0; i < 20000; i++) {
        n = snprintf (want, sizeof want, "m%d", i);
        CHECK_EQ (RECV_FRAME (pull, buf, sizeof buf), n);
        CHECK (memcmp (buf, want, (size_t) n) == 0);
    }
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_unbind_disconnect (void)
{
    char ep1[TU_ENDPOINT_MAX], ep2[TU_ENDPOINT_MAX], alias[TU_ENDPOINT_MAX];
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *push2 = TU_SOCKET (ctx, ZMQ_PUSH);
    BIND_LOOPBACK (pull, ep1);
    BIND_LOOPBACK (pull, ep2);
    CHECK (strcmp (ep1, ep2) != 0);

    CHECK_ERRNO (zmq_unbind (pull, "tcp://127.0.0.1:*"), ENOENT);
    CHECK_ERRNO (zmq_disconnect (push, ep1), ENOENT);

    CHECK_RC (zmq_connect (push, ep1));
    CHECK_RC (zmq_connect (push2, ep2));
    SEND_STR (push, "one", 0);
    RECV_STR (pull, "one");
    SEND_STR (push2, "two", 0);
    RECV_STR (pull, "two");

    /* Disconnect finds the connection by its endpoint; a name that
     * resolves to the same address matches too. */
    CHECK_ERRNO (zmq_disconnect (push, ep2), ENOENT);
    snprintf (alias, sizeof alias, "tcp://localhost:%d",
              tu_endpoint_port (ep1));
    CHECK_RC (zmq_disconnect (push, alias));
    CHECK_ERRNO (zmq_disconnect (push, ep1), ENOENT);
    /* With its only peer gone, the PUSH can no longer send. */
    CHECK (tu_await_not_writable (push));
    CHECK_ERRNO (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);

    /* Unbinding one endpoint leaves the other one working. */
    CHECK_RC (zmq_unbind (pull, ep1));
    CHECK_ERRNO (zmq_unbind (pull, ep1), ENOENT);
    SEND_STR (push2, "still", 0);
    RECV_STR (pull, "still");

    /* Unbinding drops the connections accepted on it too: the connecting
     * side sees a disconnect (the reference completes it only while the
     * application keeps using the unbound socket, hence the pump). */
    {
        void *events = TU_MONITOR (ctx, push2, ZMQ_EVENT_DISCONNECTED);
        CHECK_RC (zmq_unbind (pull, ep2));
        EXPECT_EVENT_PUMP (events, ZMQ_EVENT_DISCONNECTED, NULL, pull);
        CLOSE_MONITOR (push2, events);
    }

    /* The unbound port becomes free again (the close may finish in the
     * background, so allow it a bounded time). */
    {
        void *again = TU_SOCKET (ctx, ZMQ_PULL);
        long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
        int rc;
        while ((rc = zmq_bind (again, ep1)) == -1 && errno == EADDRINUSE
               && tu_now_ms () < deadline)
            tu_poll_in (push, 5); /* a 5 ms pause on a quiet socket */
        CHECK_RC (rc);
        CHECK_RC (zmq_close (again));
    }
    CHECK_RC (zmq_close (push2));
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

/* A bound PUSH whose only peer came in through the unbound endpoint has
 * nowhere left to send. */
static void test_unbind_bound_sender (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    BIND_LOOPBACK (push, ep);
    CHECK_RC (zmq_connect (pull, ep));
    SEND_STR (push, "abc", 0);
    RECV_STR (pull, "abc");
    CHECK_RC (zmq_unbind (push, ep));
    CHECK (tu_await_not_writable (push));
    CHECK_ERRNO (zmq_send (push, "abc", 3, ZMQ_DONTWAIT), EAGAIN);
    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

static void test_address_in_use (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PULL);
    void *b = TU_SOCKET (ctx, ZMQ_PULL);
    BIND_LOOPBACK (a, ep);
    CHECK_ERRNO (zmq_bind (b, ep), EADDRINUSE);
    CHECK_ERRNO (zmq_bind (a, ep), EADDRINUSE);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* "tcp://source;destination": the connection comes from the source. */
static void test_source_address (void)
{
    char ep[TU_ENDPOINT_MAX], spec[2 * TU_ENDPOINT_MAX];
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    zmq_msg_t msg;
    int fd, src_port = tu_free_tcp_port ();
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *push2 = TU_SOCKET (ctx, ZMQ_PUSH);
    BIND_LOOPBACK (pull, ep);

    snprintf (spec, sizeof spec, "tcp://127.0.0.1:0;%s", ep + 6);
    CHECK_RC (zmq_connect (push, spec));
    SEND_STR (push, "any port", 0);
    RECV_STR (pull, "any port");
    CHECK_RC (zmq_disconnect (push, spec));

    snprintf (spec, sizeof spec, "tcp://127.0.0.1:%d;%s", src_port, ep + 6);
    CHECK_RC (zmq_connect (push2, spec));
    SEND_STR (push2, "fixed port", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 10);
    fd = zmq_msg_get (&msg, ZMQ_SRCFD);
    CHECK (fd >= 0);
    CHECK_RC (getpeername (fd, (struct sockaddr *) &peer, &len));
    CHECK_EQ (peer.sin_family, AF_INET);
    CHECK_EQ (ntohs (peer.sin_port), src_port);
    CHECK_EQ (ntohl (peer.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK_RC (zmq_msg_close (&msg));
    /* Only the full "source;destination" string names the connection. */
    CHECK_ERRNO (zmq_disconnect (push2, ep), ENOENT);
    CHECK_RC (zmq_disconnect (push2, spec));
    CHECK_RC (zmq_close (push2));
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_bind_then_connect ();
    test_port_zero ();
    test_connect_then_bind ();
    test_address_wildcard ();
    test_ipv6 ();
    test_names ();
    test_bad_endpoints ();
    test_large_and_multipart ();
    test_stream_of_messages ();
    test_unbind_disconnect ();
    test_unbind_bound_sender ();
    test_address_in_use ();
    test_source_address ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
