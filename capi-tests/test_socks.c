/* tcp:// connects through a SOCKS5 proxy (ZMQ_SOCKS_PROXY), against the
 * small proxy of socks_proxy.h running in a thread of this program.
 * Username/password authentication (ZMQ_SOCKS_USERNAME/PASSWORD, DRAFT in
 * libzmq 4.3.x) is in test_draft_socks.c.
 *
 * Man pages: zmq_setsockopt(3) (ZMQ_SOCKS_PROXY), zmq_socket_monitor(3).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - Without a username the greeting offers exactly one method, 0x00.
 * - The request is CONNECT (1) with RSV 0. A numeric destination goes as
 *   ATYP 1 (IPv4) or 4 (IPv6); a host name ("localhost") is not resolved
 *   by libzmq but sent as ATYP 3 with the name as written.
 * - Any BND.ADDR form in the proxy's reply is accepted (1, 3, 4).
 * - Monitor events name the proxy, not the destination: CONNECTED carries
 *   "tcp://" + the ZMQ_SOCKS_PROXY string.
 * - A refusal by the proxy (method 0xFF, or a non-zero REP) closes the
 *   connection (ZMQ_EVENT_CLOSED) and schedules a reconnect
 *   (ZMQ_EVENT_CONNECT_RETRIED); the whole SOCKS exchange is then tried
 *   again, and nothing is ever delivered. No error reaches the API.
 * - libzmq 4.3.4 bug: closing the socket while that reconnect timer is
 *   pending aborts the process ("Bad file descriptor (src/epoll.cpp:113)").
 *   The helpers in socks_proxy.h (close_pair, expect_refusal) close
 *   sockets only when no failed attempt is pending; see there.
 */
#include "socks_proxy.h"

static void *ctx;

/* Bind a PULL socket (to spec) and report the endpoint it got. */
static void *bound_pull (const char *spec, int ipv6, char *endpoint)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    if (ipv6)
        TU_SET_INT (pull, ZMQ_IPV6, 1);
    BIND_ANY (pull, spec, endpoint);
    return pull;
}

/* A PUSH socket that uses proxy p. */
static void *proxied_push (struct socks_proxy *p)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_setsockopt (push, ZMQ_SOCKS_PROXY, p->endpoint,
                              strlen (p->endpoint)));
    return push;
}

static void test_proxy_option_round_trip (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PUSH);
    char buf[64];
    size_t len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_SOCKS_PROXY, buf, &len));
    CHECK_EQ (len, 1); /* not set: the empty string */
    CHECK_RC (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "127.0.0.1:1080", 14));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_SOCKS_PROXY, buf, &len));
    CHECK_EQ (len, 15);
    CHECK_STREQ (buf, "127.0.0.1:1080");
    CHECK_RC (zmq_close (s));
}

static void test_ipv4_destination (void)
{
    struct socks_proxy p;
    char ep[TU_ENDPOINT_MAX], want[80];
    struct tu_event ev;
    void *pull, *push, *mon;

    memset (&p, 0, sizeof p);
    socks_proxy_start (&p);
    pull = bound_pull ("tcp://127.0.0.1:*", 0, ep);
    push = proxied_push (&p);
    mon = TU_MONITOR (ctx, push, ZMQ_EVENT_CONNECTED);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "through the proxy", 0);
    RECV_STR (pull, "through the proxy");

    PROXY_AWAIT (&p, relays, 1);
    CHECK_EQ (p.nmethods, 1);
    CHECK_EQ (p.methods[0], 0x00);
    CHECK_EQ (p.cmd, 1);
    CHECK_EQ (p.rsv, 0);
    CHECK_EQ (p.atyp, 1);
    CHECK_STREQ (p.host, "127.0.0.1");
    CHECK_EQ (p.dst_port, tu_endpoint_port (ep));
    CHECK_EQ (p.auth_ok + p.auth_failed, 0);

    /* The connection is reported under the proxy's address. */
    EXPECT_EVENT (mon, ZMQ_EVENT_CONNECTED, &ev);
    snprintf (want, sizeof want, "tcp://%s", p.endpoint);
    CHECK_STREQ (ev.endpoint, want);

    /* Messages flow the other way too (the tunnel is a plain stream). */
    SEND_STR (push, "second", 0);
    RECV_STR (pull, "second");

    CLOSE_MONITOR (push, mon);
    close_pair (&p, push, pull);
    socks_proxy_stop (&p);
    CHECK_EQ (p.greetings, 1);
}

static void test_hostname_goes_to_proxy_unresolved (void)
{
    struct socks_proxy p;
    char ep[TU_ENDPOINT_MAX], target[80];
    void *pull, *push;

    memset (&p, 0, sizeof p);
    p.reply_atyp = 3; /* BND.ADDR as a name: must be accepted too */
    socks_proxy_start (&p);
    pull = bound_pull ("tcp://127.0.0.1:*", 0, ep);
    push = proxied_push (&p);
    snprintf (target, sizeof target, "tcp://localhost:%d",
              tu_endpoint_port (ep));
    CHECK_RC (zmq_connect (push, target));
    SEND_STR (push, "by name", 0);
    RECV_STR (pull, "by name");

    PROXY_AWAIT (&p, requests, 1);
    CHECK_EQ (p.atyp, 3);
    CHECK_STREQ (p.host, "localhost");
    CHECK_EQ (p.dst_port, tu_endpoint_port (ep));

    close_pair (&p, push, pull);
    socks_proxy_stop (&p);
}

static void test_ipv6_destination (void)
{
    struct socks_proxy p;
    char ep[TU_ENDPOINT_MAX];
    void *pull, *push;

    if (!tu_have_ipv6_loopback ())
        return;
    memset (&p, 0, sizeof p);
    p.reply_atyp = 4;
    socks_proxy_start (&p);
    pull = bound_pull ("tcp://[::1]:*", 1, ep);
    CHECK (strncmp (ep, "tcp://[::1]:", 12) == 0);
    push = proxied_push (&p);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "six", 0);
    RECV_STR (pull, "six");

    PROXY_AWAIT (&p, requests, 1);
    CHECK_EQ (p.atyp, 4);
    CHECK_STREQ (p.host, "::1");
    CHECK_EQ (p.dst_port, tu_endpoint_port (ep));

    close_pair (&p, push, pull);
    socks_proxy_stop (&p);
}

static void test_proxy_refuses_connect (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p);
    p.reply_code = 2; /* connection not allowed by ruleset */
    p.stall_from = 3;
    socks_proxy_start (&p);
    expect_refusal (&p, &p.requests, NULL);
    socks_proxy_stop (&p);
    CHECK_EQ (p.atyp, 1);
}

static void test_proxy_accepts_no_method (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p);
    p.refuse_methods = 1;
    p.stall_from = 3;
    socks_proxy_start (&p);
    expect_refusal (&p, &p.greetings, NULL);
    socks_proxy_stop (&p);
    CHECK_EQ (p.requests, 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_proxy_option_round_trip ();
    test_ipv4_destination ();
    test_hostname_goes_to_proxy_unresolved ();
    test_ipv6_destination ();
    test_proxy_refuses_connect ();
    test_proxy_accepts_no_method ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
