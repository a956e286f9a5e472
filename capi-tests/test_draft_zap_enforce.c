/* ZMQ_ZAP_ENFORCE_DOMAIN (DRAFT in libzmq 4.3.4's header) with the NULL
 * mechanism over tcp://. The rest of ZAP is in test_zap_null.c.
 *
 * Man page: zmq_setsockopt(3) (ZMQ_ZAP_DOMAIN, ZMQ_ZAP_ENFORCE_DOMAIN).
 *
 * Behaviours pinned here (libzmq master with DRAFT; 4.3.4 behaves the
 * same when given the option's number, 93, which it accepts):
 * - Default 0. With it set, a socket that has a ZAP domain but finds no
 *   handler bound at inproc://zeromq.zap.01 fails every handshake:
 *   its monitor reports HANDSHAKE_FAILED_NO_DETAIL with value EFAULT, and
 *   no message gets through.
 * - It only matters when a domain is set: with an empty domain nothing
 *   asks ZAP and messages flow.
 * - With a handler bound, the handshake asks it as usual.
 */
#include "testutil.h"

static void let_in (const struct tu_zap_request *r,
                    struct tu_zap_reply *reply)
{
    (void) r;
    reply->user_id = "enforced";
}

static void server_client (void *ctx, const char *domain, void **server,
                           void **client, char *ep)
{
    *server = TU_SOCKET (ctx, ZMQ_PULL);
    *client = TU_SOCKET (ctx, ZMQ_PUSH);
    TU_SET_INT (*server, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
    if (domain)
        CHECK_RC (
          zmq_setsockopt (*server, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
    BIND_LOOPBACK (*server, ep);
}

static void test_default_off (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *s = TU_SOCKET (ctx, ZMQ_PULL);
    int value = -1;
    size_t len = sizeof value;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ZAP_ENFORCE_DOMAIN, &value, &len));
    CHECK_EQ (len, sizeof value);
    CHECK_EQ (value, 0);
    TU_SET_INT (s, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
    CHECK_RC (zmq_getsockopt (s, ZMQ_ZAP_ENFORCE_DOMAIN, &value, &len));
    CHECK_EQ (value, 1);
    CHECK_RC (zmq_close (s));
    CHECK_RC (zmq_ctx_term (ctx));
}

/* Domain, no handler, enforced: every handshake fails. */
static void test_no_handler (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    void *server, *client, *events;

    server_client (ctx, "strict", &server, &client, ep);
    events = TU_MONITOR (ctx, server, TU_HANDSHAKE_EVENTS);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "blocked", ZMQ_DONTWAIT);
    EXPECT_NEXT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT,
                       ep);
    EXPECT_NOTHING_WITHIN (server, 300);
    while (tu_next_event (events, &ev, 0))
        CHECK (ev.event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CLOSE_MONITOR (server, events);
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
    CHECK_RC (zmq_ctx_term (ctx));
}

/* No domain: enforcing changes nothing. */
static void test_no_domain (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    void *server, *client;

    server_client (ctx, NULL, &server, &client, ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "open", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, server, 0), 4);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
    CHECK_RC (zmq_ctx_term (ctx));
}

/* Domain and a handler: the handler is asked and its 200 lets it in. */
static void test_with_handler (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    char ep[TU_ENDPOINT_MAX];
    struct tu_zap_handler h;
    struct tu_zap_request r;
    zmq_msg_t msg;
    void *server, *client;

    /* Lets everyone in with user id "enforced". */
    tu_zap_init (&h);
    h.answer = let_in;
    TU_ZAP_START (ctx, &h);
    server_client (ctx, "strict", &server, &client, ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "let in", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, server, 0), 6);
    CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), "enforced");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK (r.frames >= 6);
    CHECK_STREQ (tu_zap_frame (&r, 2), "strict");
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

int main (void)
{
    test_default_off ();
    test_no_handler ();
    test_no_domain ();
    test_with_handler ();
    return 0;
}
