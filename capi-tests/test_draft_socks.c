/* SOCKS5 username/password authentication (RFC 1929) for tcp:// connects
 * through ZMQ_SOCKS_PROXY: ZMQ_SOCKS_USERNAME and ZMQ_SOCKS_PASSWORD, which
 * libzmq 4.3.x declares only in its DRAFT API. Runs against the proxy of
 * socks_proxy.h; the rest of SOCKS is in test_socks.c.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD).
 *
 * Reference behaviours pinned here (libzmq built with DRAFT):
 * - With a non-empty username the greeting offers exactly one method,
 *   0x02 (username/password), not 0x00 as well.
 * - An empty or NULL username means no authentication: the greeting
 *   offers 0x00 only, whatever the password. Setting NULL/empty after a
 *   username clears it (getsockopt then gives "").
 * - A username without a password is sent with PLEN 0.
 * - The proxy rejecting the credentials is a refused connection like any
 *   other: CLOSED, CONNECT_RETRIED, the exchange is tried again, nothing
 *   is delivered, no error reaches the API.
 * - Username and password take at most 255 bytes; 256 gives EINVAL.
 */
#include "socks_proxy.h"

static void *ctx;

static void set_str (void *s, int option, const char *value)
{
    CHECK_RC (zmq_setsockopt (s, option, value, value ? strlen (value) : 0));
}

static void check_str (void *s, int option, const char *want)
{
    char buf[300];
    size_t len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, option, buf, &len));
    CHECK_EQ (len, strlen (want) + 1);
    CHECK_STREQ (buf, want);
}

/* Connect a PUSH (set up with the given credentials, NULL to leave an
 * option unset) through p to a PULL and deliver one message. */
static void deliver_through (struct socks_proxy *p, const char *user,
                             const char *pass)
{
    char ep[TU_ENDPOINT_MAX];
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    BIND_LOOPBACK (pull, ep);
    set_str (push, ZMQ_SOCKS_PROXY, p->endpoint);
    if (user)
        set_str (push, ZMQ_SOCKS_USERNAME, user);
    if (pass)
        set_str (push, ZMQ_SOCKS_PASSWORD, pass);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "authenticated", 0);
    RECV_STR (pull, "authenticated");
    PROXY_AWAIT (p, relays, 1);
    CHECK_EQ (p->atyp, 1);
    CHECK_EQ (p->dst_port, tu_endpoint_port (ep));
    close_pair (p, push, pull);
}

static void test_option_values (void)
{
    void *s = TU_SOCKET (ctx, ZMQ_PUSH);
    char big[257];

    check_str (s, ZMQ_SOCKS_USERNAME, "");
    check_str (s, ZMQ_SOCKS_PASSWORD, "");
    set_str (s, ZMQ_SOCKS_USERNAME, "alice");
    set_str (s, ZMQ_SOCKS_PASSWORD, "s3cret");
    check_str (s, ZMQ_SOCKS_USERNAME, "alice");
    check_str (s, ZMQ_SOCKS_PASSWORD, "s3cret");
    /* NULL and "" both clear. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_SOCKS_USERNAME, NULL, 0));
    check_str (s, ZMQ_SOCKS_USERNAME, "");
    set_str (s, ZMQ_SOCKS_PASSWORD, "");
    check_str (s, ZMQ_SOCKS_PASSWORD, "");

    memset (big, 'x', sizeof big);
    big[255] = '\0';
    set_str (s, ZMQ_SOCKS_USERNAME, big);
    set_str (s, ZMQ_SOCKS_PASSWORD, big);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_SOCKS_USERNAME, big, 256), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_SOCKS_PASSWORD, big, 256), EINVAL);
    check_str (s, ZMQ_SOCKS_USERNAME, big);
    CHECK_RC (zmq_close (s));
}

static void test_username_password_accepted (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p);
    p.user = "alice";
    p.pass = "s3cret";
    socks_proxy_start (&p);
    deliver_through (&p, "alice", "s3cret");
    socks_proxy_stop (&p);
    CHECK_EQ (p.nmethods, 1);
    CHECK_EQ (p.methods[0], 0x02);
    CHECK_EQ (p.auth_ok, 1);
    CHECK_EQ (p.auth_failed, 0);
    CHECK_STREQ (p.got_user, "alice");
    CHECK_STREQ (p.got_pass, "s3cret");
}

static void test_username_without_password (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p);
    p.user = "bob";
    p.pass = "";
    socks_proxy_start (&p);
    deliver_through (&p, "bob", NULL);
    socks_proxy_stop (&p);
    CHECK_EQ (p.methods[0], 0x02);
    CHECK_EQ (p.auth_ok, 1);
    CHECK_EQ (p.got_plen, 0);
}

static void test_empty_username_means_no_auth (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p); /* p.user NULL: the proxy wants method 0x00 */
    socks_proxy_start (&p);
    deliver_through (&p, "", "ignored");
    socks_proxy_stop (&p);
    CHECK_EQ (p.nmethods, 1);
    CHECK_EQ (p.methods[0], 0x00);
    CHECK_EQ (p.auth_ok + p.auth_failed, 0);
}

static void set_wrong_password (void *push)
{
    set_str (push, ZMQ_SOCKS_USERNAME, "alice");
    set_str (push, ZMQ_SOCKS_PASSWORD, "wrong");
}

static void test_wrong_password_never_connects (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p);
    p.user = "alice";
    p.pass = "s3cret";
    p.stall_from = 3;
    socks_proxy_start (&p);
    expect_refusal (&p, &p.auth_failed, set_wrong_password);
    socks_proxy_stop (&p);
    CHECK_EQ (p.auth_ok, 0);
    CHECK_EQ (p.auth_failed, 2);
    CHECK_STREQ (p.got_pass, "wrong");
    CHECK_EQ (p.requests, 0); /* no CONNECT after a failed login */
}

static void set_username_only (void *push)
{
    set_str (push, ZMQ_SOCKS_USERNAME, "alice");
}

/* A proxy that allows no authentication gets only 0x02 from a client
 * with a username, so it must answer 0xFF: no fallback to 0x00. */
static void test_no_fallback_to_no_auth (void)
{
    struct socks_proxy p;
    memset (&p, 0, sizeof p); /* wants 0x00 */
    p.stall_from = 3;
    socks_proxy_start (&p);
    expect_refusal (&p, &p.greetings, set_username_only);
    socks_proxy_stop (&p);
    CHECK_EQ (p.nmethods, 1);
    CHECK_EQ (p.methods[0], 0x02);
    CHECK_EQ (p.requests, 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_option_values ();
    test_username_password_accepted ();
    test_username_without_password ();
    test_empty_username_means_no_auth ();
    test_wrong_password_never_connects ();
    test_no_fallback_to_no_auth ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
