/* ZAP (RFC 27) with the NULL security mechanism over tcp://.
 *
 * Man pages: zmq_setsockopt(3) (ZMQ_ZAP_DOMAIN), zmq_socket_monitor(3)
 * (ZMQ_EVENT_HANDSHAKE_FAILED_*), zmq_msg_gets(3); RFC 27/ZAP.
 *
 * The handler is a REP socket bound to inproc://zeromq.zap.01 in the same
 * context, run by a thread of this test. It records each request and
 * answers according to the request's domain (see zap_reply below).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - A socket asks ZAP only when its ZMQ_ZAP_DOMAIN is not empty; with the
 *   NULL mechanism that holds for the connecting side too (both ends of a
 *   NULL handshake may ask).
 * - A request is 6 frames after the REP envelope: "1.0", a request id
 *   ("1"), the domain, the peer's numeric address ("127.0.0.1", no port),
 *   the ZMQ_ROUTING_ID of the socket that asks (NOT the peer's: the
 *   connecting DEALER's id never shows up), "NULL"; no credentials.
 * - A 200 reply lets the connection through; the messages it carries then
 *   have "User-Id" (the reply's user id) and every property of the reply's
 *   metadata frame, next to the usual "Socket-Type" and "Peer-Address".
 * - 300/400/500 stop the handshake: the asking socket's monitor reports
 *   HANDSHAKE_FAILED_AUTH with the status as value. For 400 and 500 the
 *   peer is sent an ERROR: its monitor reports HANDSHAKE_FAILED_AUTH with
 *   the same value, then DISCONNECTED, and it does NOT reconnect (the
 *   handler sees one request only). For 300 nothing is sent and nothing
 *   is closed: the connection just stays in its handshake (until
 *   ZMQ_HANDSHAKE_IVL, 30 s by default, ends it); no DISCONNECTED on
 *   either side and no second request.
 * - A reply the server cannot accept gives HANDSHAKE_FAILED_PROTOCOL with
 *   ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION (version not "1.0"),
 *   _BAD_REQUEST_ID (id not echoed), _INVALID_STATUS_CODE (not
 *   200/300/400/500), _INVALID_METADATA (metadata frame cut short) or
 *   _MALFORMED_REPLY (wrong number of frames). No message gets through.
 * - A domain set with no handler bound: the handshake goes on without ZAP
 *   and messages flow (no User-Id on them).
 */
#include "testutil.h"

/* Answer one request. The domain picks the answer:
 *   "good"    200, user id "alice", metadata Hello=World, X-Team=blue
 *   "deny"    400          "temp" 300          "fail" 500
 *   "badversion"  version "2.0"        "badid"    request id not echoed
 *   "badstatus"   status "201"         "badmeta"  metadata frame cut short
 *   "short"       only 5 frames (no metadata frame)
 * anything else: 200 with no user id and no metadata. */
static void zap_reply (const struct tu_zap_request *r,
                       struct tu_zap_reply *reply)
{
    const char *domain = tu_zap_frame (r, 2);
    if (strcmp (domain, "good") == 0) {
        reply->user_id = "alice";
        tu_zap_put_property (reply, "Hello", "World");
        tu_zap_put_property (reply, "X-Team", "blue");
    } else if (strcmp (domain, "deny") == 0)
        reply->status = "400";
    else if (strcmp (domain, "temp") == 0)
        reply->status = "300";
    else if (strcmp (domain, "fail") == 0)
        reply->status = "500";
    else if (strcmp (domain, "badversion") == 0)
        reply->version = "2.0";
    else if (strcmp (domain, "badid") == 0)
        reply->request_id[reply->request_id_len++] = 'x';
    else if (strcmp (domain, "badstatus") == 0)
        reply->status = "201";
    else if (strcmp (domain, "badmeta") == 0) {
        tu_zap_put_property (reply, "Hello", "World");
        reply->metadata_len -= 2; /* value shorter than its length says */
    } else if (strcmp (domain, "short") == 0)
        reply->frames = 5;
}

/* Bind the handler (before any socket could ask) and start its thread. */
static void handler_start (void *ctx, struct tu_zap_handler *h)
{
    tu_zap_init (h);
    h->answer = zap_reply;
    TU_ZAP_START (ctx, h);
}

static void set_domain (void *s, const char *domain)
{
    CHECK_RC (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
}

/* A server DEALER with routing id "server-id" bound to loopback, with the
 * given ZAP domain (NULL: none), and a client DEALER "client-id"
 * connected to it. */
struct pair
{
    void *server, *client;
    char ep[TU_ENDPOINT_MAX];
};

static void pair_open (void *ctx, struct pair *p, const char *domain)
{
    p->server = TU_SOCKET (ctx, ZMQ_DEALER);
    p->client = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (p->server, ZMQ_ROUTING_ID, "server-id", 9));
    CHECK_RC (zmq_setsockopt (p->client, ZMQ_ROUTING_ID, "client-id", 9));
    if (domain)
        set_domain (p->server, domain);
}

static void pair_connect (struct pair *p)
{
    BIND_LOOPBACK (p->server, p->ep);
    CHECK_RC (zmq_connect (p->client, p->ep));
}

static void pair_close (struct pair *p)
{
    CHECK_RC (zmq_close (p->client));
    CHECK_RC (zmq_close (p->server));
}

/* A 200 reply: the request's frames, and metadata on what arrives. */
static void test_accepted (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct tu_zap_handler h;
    struct tu_zap_request r;
    struct pair p;
    struct tu_event ev;
    zmq_msg_t msg;
    void *events;

    handler_start (ctx, &h);
    pair_open (ctx, &p, "good");
    events = TU_MONITOR (ctx, p.server, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    pair_connect (&p);
    SEND_STR (p.client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, p.server, 0), 5);
    CHECK (memcmp (zmq_msg_data (&msg), "hello", 5) == 0);
    CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), "alice");
    CHECK_STREQ (zmq_msg_gets (&msg, "Hello"), "World");
    CHECK_STREQ (zmq_msg_gets (&msg, "X-Team"), "blue");
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "client-id");
    CHECK_RC (zmq_msg_close (&msg));
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK_EQ (ev.value, 0);

    /* Exactly one request, as RFC 27 lays it out. */
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK_EQ (r.frames, 6);
    CHECK_STREQ (tu_zap_frame (&r, 0), "1.0");
    CHECK (r.len[1] > 0);
    CHECK_STREQ (tu_zap_frame (&r, 2), "good");
    CHECK_STREQ (tu_zap_frame (&r, 3), "127.0.0.1");
    CHECK_STREQ (tu_zap_frame (&r, 4), "server-id");
    CHECK_STREQ (tu_zap_frame (&r, 5), "NULL");

    /* The other direction works too (the client asked no one). */
    SEND_STR (p.server, "back", 0);
    RECV_STR (p.client, "back");
    CHECK_EQ (tu_zap_requests (&h, NULL), 1);

    CLOSE_MONITOR (p.server, events);
    pair_close (&p);
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

/* The connecting side asks ZAP as well when it has a domain. */
static void test_client_asks (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct tu_zap_handler h;
    struct tu_zap_request r;
    struct pair p;
    zmq_msg_t msg;

    handler_start (ctx, &h);
    pair_open (ctx, &p, NULL);
    set_domain (p.client, "good");
    pair_connect (&p);
    SEND_STR (p.server, "to client", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, p.client, 0), 9);
    CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), "alice");
    CHECK_STREQ (zmq_msg_gets (&msg, "Hello"), "World");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK_STREQ (tu_zap_frame (&r, 2), "good");
    CHECK_STREQ (tu_zap_frame (&r, 3), "127.0.0.1");
    CHECK_STREQ (tu_zap_frame (&r, 4), "client-id");
    pair_close (&p);
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

/* A status other than 200: nothing passes, both monitors report it. */
static void check_refused (const char *domain, int status, int peer_told)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct tu_zap_handler h;
    struct tu_zap_request r;
    struct pair p;
    struct tu_event ev;
    void *server_events, *client_events;
    const int watched = TU_HANDSHAKE_EVENTS | ZMQ_EVENT_DISCONNECTED;

    handler_start (ctx, &h);
    pair_open (ctx, &p, domain);
    server_events = TU_MONITOR (ctx, p.server, watched);
    client_events = TU_MONITOR (ctx, p.client, watched);
    pair_connect (&p);
    OFFER_STR (p.client, "hello");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, status,
                       p.ep);
    if (peer_told) {
        /* The peer got the ERROR: it reports the status and drops. */
        EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH,
                           status, p.ep);
        EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE,
                           p.ep);
    }

    /* The message never arrives, and no one tries again: after an ERROR
     * the peer gives up for good; after 300 the connection stays open,
     * stuck in its handshake. */
    EXPECT_NOTHING_WITHIN (p.server, 300);
    if (peer_told) {
        CHECK_EQ (tu_zap_requests (&h, &r), 1);
        CHECK_STREQ (tu_zap_frame (&r, 2), domain);
        EXPECT_EVENT (server_events, ZMQ_EVENT_DISCONNECTED, &ev);
        CHECK_STREQ (ev.endpoint, p.ep);
        CHECK (!tu_next_event (server_events, &ev, 0));
        CHECK (!tu_next_event (client_events, &ev, 0));
    } else {
        /* After 300 libzmq 4.3.4 sometimes drops the connection without a
         * word and the client's reconnect asks again (about 1 run in 2
         * here); ours keeps it in its handshake. Either way every answer
         * is "temp" and nothing gets through. */
        CHECK (tu_zap_requests (&h, &r) >= 1);
        CHECK_STREQ (tu_zap_frame (&r, 2), domain);
    }

    CLOSE_MONITOR (p.server, server_events);
    CLOSE_MONITOR (p.client, client_events);
    pair_close (&p);
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

static void test_refused (void)
{
    check_refused ("deny", 400, 1);
    check_refused ("fail", 500, 1);
    check_refused ("temp", 300, 0);
}

/* A reply the server cannot use: a protocol error, nothing passes. */
static void check_bad_reply (const char *domain, unsigned error)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct tu_zap_handler h;
    struct pair p;
    void *events;

    handler_start (ctx, &h);
    pair_open (ctx, &p, domain);
    events = TU_MONITOR (ctx, p.server, TU_HANDSHAKE_EVENTS);
    pair_connect (&p);
    OFFER_STR (p.client, "hello");
    EXPECT_NEXT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, error,
                       p.ep);
    CHECK (tu_zap_requests (&h, NULL) >= 1);
    CHECK (!tu_poll_in (p.server, 300));
    CLOSE_MONITOR (p.server, events);
    pair_close (&p);
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

static void test_bad_replies (void)
{
    check_bad_reply ("badversion", ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
    check_bad_reply ("badid", ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
    check_bad_reply ("badstatus", ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE);
    check_bad_reply ("badmeta", ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA);
    check_bad_reply ("short", ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
}

/* No domain: the handler is never asked, traffic flows, no User-Id. */
static void test_no_domain (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct tu_zap_handler h;
    struct pair p;
    zmq_msg_t msg;

    handler_start (ctx, &h);
    pair_open (ctx, &p, NULL);
    pair_connect (&p);
    SEND_STR (p.client, "plain", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, p.server, 0), 5);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    SEND_STR (p.server, "reply", 0);
    RECV_STR (p.client, "reply");
    CHECK_EQ (tu_zap_requests (&h, NULL), 0);
    pair_close (&p);
    TU_ZAP_STOP (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

/* A domain but nobody bound at inproc://zeromq.zap.01: no ZAP at all. */
static void test_no_handler (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct pair p;
    zmq_msg_t msg;

    pair_open (ctx, &p, "deny");
    pair_connect (&p);
    SEND_STR (p.client, "through", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, p.server, 0), 7);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&msg));
    SEND_STR (p.server, "reply", 0);
    RECV_STR (p.client, "reply");
    pair_close (&p);
    CHECK_RC (zmq_ctx_term (ctx));
}

int main (void)
{
    test_accepted ();
    test_client_asks ();
    test_refused ();
    test_bad_replies ();
    test_no_domain ();
    test_no_handler ();
    return 0;
}
