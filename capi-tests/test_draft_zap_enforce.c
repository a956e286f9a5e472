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

#include <pthread.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

/* A handler that answers exactly one request with 200. */
struct one_shot
{
    void *rep;
    pthread_t thread;
    char domain[64];
};

static void *one_shot_thread (void *arg)
{
    struct one_shot *h = (struct one_shot *) arg;
    char frames[8][64];
    int n = 0, more = 1;
    while (more) {
        int rc = zmq_recv (h->rep, n < 8 ? frames[n] : frames[7], 63, 0);
        CHECK (rc >= 0 && rc < 64);
        frames[n < 8 ? n : 7][rc] = '\0';
        more = tu_rcvmore (h->rep);
        n++;
    }
    CHECK (n >= 6);
    snprintf (h->domain, sizeof h->domain, "%s", frames[2]);
    SEND_STR (h->rep, "1.0", ZMQ_SNDMORE);
    SEND_STR (h->rep, frames[1], ZMQ_SNDMORE);
    SEND_STR (h->rep, "200", ZMQ_SNDMORE);
    SEND_STR (h->rep, "OK", ZMQ_SNDMORE);
    SEND_STR (h->rep, "enforced", ZMQ_SNDMORE);
    SEND_STR (h->rep, "", 0);
    return NULL;
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
    events = TU_MONITOR (ctx, server,
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                           | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "blocked", ZMQ_DONTWAIT);
    CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    CHECK_EQ (ev.value, EFAULT);
    CHECK_STREQ (ev.endpoint, ep);
    CHECK (!tu_poll_in (server, 300));
    EXPECT_NOTHING (server);
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
    struct one_shot h;
    zmq_msg_t msg;
    void *server, *client;

    memset (&h, 0, sizeof h);
    h.rep = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_bind (h.rep, ZAP_ENDPOINT));
    CHECK_EQ (pthread_create (&h.thread, NULL, one_shot_thread, &h), 0);
    server_client (ctx, "strict", &server, &client, ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "let in", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, server, 0), 6);
    CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), "enforced");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_EQ (pthread_join (h.thread, NULL), 0);
    CHECK_STREQ (h.domain, "strict");
    CHECK_RC (zmq_close (h.rep));
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
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
