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

#include <pthread.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MAX_FRAMES 10
#define FRAME_CAP 128

/* One recorded ZAP request. */
struct zap_request
{
    int frames;
    size_t len[MAX_FRAMES];
    char data[MAX_FRAMES][FRAME_CAP];
};

struct zap_handler
{
    void *rep;          /* handler socket, used only by the thread */
    void *stop_thread;  /* PAIR end polled by the thread */
    void *stop_main;    /* PAIR end the main thread sends "stop" on */
    pthread_t thread;
    pthread_mutex_t lock;
    int requests;                /* count, under lock */
    struct zap_request last;     /* under lock */
};

static int next_handler_id;

/* A frame as a string (frames of this test hold no NULs). */
static const char *frame_str (const struct zap_request *r, int i)
{
    return i < r->frames ? r->data[i] : "(missing)";
}

static void put_property (unsigned char *buf, size_t *off, const char *name,
                          const char *value)
{
    size_t n = strlen (name), v = strlen (value);
    buf[(*off)++] = (unsigned char) n;
    memcpy (buf + *off, name, n);
    *off += n;
    buf[(*off)++] = (unsigned char) (v >> 24);
    buf[(*off)++] = (unsigned char) (v >> 16);
    buf[(*off)++] = (unsigned char) (v >> 8);
    buf[(*off)++] = (unsigned char) v;
    memcpy (buf + *off, value, v);
    *off += v;
}

/* Answer one request. The domain picks the answer:
 *   "good"    200, user id "alice", metadata Hello=World, X-Team=blue
 *   "deny"    400          "temp" 300          "fail" 500
 *   "badversion"  version "2.0"        "badid"    request id not echoed
 *   "badstatus"   status "201"         "badmeta"  metadata frame cut short
 *   "short"       only 5 frames (no metadata frame)
 * anything else: 200 with no user id and no metadata. */
static void zap_reply (void *rep, const struct zap_request *r)
{
    const char *domain = frame_str (r, 2);
    const char *version = "1.0", *status = "200", *user = "";
    unsigned char meta[128];
    size_t meta_len = 0;
    char id[FRAME_CAP + 2];
    int frames = 6;

    snprintf (id, sizeof id, "%s", frame_str (r, 1));
    if (strcmp (domain, "good") == 0) {
        user = "alice";
        put_property (meta, &meta_len, "Hello", "World");
        put_property (meta, &meta_len, "X-Team", "blue");
    } else if (strcmp (domain, "deny") == 0)
        status = "400";
    else if (strcmp (domain, "temp") == 0)
        status = "300";
    else if (strcmp (domain, "fail") == 0)
        status = "500";
    else if (strcmp (domain, "badversion") == 0)
        version = "2.0";
    else if (strcmp (domain, "badid") == 0)
        strcat (id, "x");
    else if (strcmp (domain, "badstatus") == 0)
        status = "201";
    else if (strcmp (domain, "badmeta") == 0) {
        put_property (meta, &meta_len, "Hello", "World");
        meta_len -= 2; /* value shorter than its length says */
    } else if (strcmp (domain, "short") == 0)
        frames = 5;

    SEND_STR (rep, version, ZMQ_SNDMORE);
    SEND_STR (rep, id, ZMQ_SNDMORE);
    SEND_STR (rep, status, ZMQ_SNDMORE);
    SEND_STR (rep, strcmp (status, "200") == 0 ? "OK" : "No",
              ZMQ_SNDMORE);
    SEND_STR (rep, user, frames > 5 ? ZMQ_SNDMORE : 0);
    if (frames > 5)
        SEND_BYTES (rep, meta, meta_len, 0);
}

static void *zap_thread (void *arg)
{
    struct zap_handler *h = (struct zap_handler *) arg;
    for (;;) {
        zmq_pollitem_t items[2];
        struct zap_request r;
        memset (items, 0, sizeof items);
        items[0].socket = h->rep;
        items[0].events = ZMQ_POLLIN;
        items[1].socket = h->stop_thread;
        items[1].events = ZMQ_POLLIN;
        CHECK_RC (zmq_poll (items, 2, -1));
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        memset (&r, 0, sizeof r);
        for (;;) {
            zmq_msg_t frame;
            int more;
            CHECK_RC (zmq_msg_init (&frame));
            CHECK_RC (zmq_msg_recv (&frame, h->rep, 0));
            if (r.frames < MAX_FRAMES) {
                size_t n = zmq_msg_size (&frame);
                r.len[r.frames] = n;
                if (n >= FRAME_CAP)
                    n = FRAME_CAP - 1;
                memcpy (r.data[r.frames], zmq_msg_data (&frame), n);
                r.data[r.frames][n] = '\0';
            }
            r.frames++;
            more = zmq_msg_more (&frame);
            zmq_msg_close (&frame);
            if (!more)
                break;
        }
        pthread_mutex_lock (&h->lock);
        h->requests++;
        h->last = r;
        pthread_mutex_unlock (&h->lock);
        zap_reply (h->rep, &r);
    }
    return NULL;
}

/* Bind the handler (before any socket could ask) and start its thread. */
static void handler_start (void *ctx, struct zap_handler *h)
{
    char ep[64];
    memset (h, 0, sizeof *h);
    pthread_mutex_init (&h->lock, NULL);
    h->rep = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_bind (h->rep, ZAP_ENDPOINT));
    snprintf (ep, sizeof ep, "inproc://zap-stop-%d", next_handler_id++);
    h->stop_thread = TU_SOCKET (ctx, ZMQ_PAIR);
    h->stop_main = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (h->stop_thread, ep));
    CHECK_RC (zmq_connect (h->stop_main, ep));
    CHECK_EQ (pthread_create (&h->thread, NULL, zap_thread, h), 0);
}

static void handler_stop (struct zap_handler *h)
{
    SEND_STR (h->stop_main, "stop", 0);
    CHECK_EQ (pthread_join (h->thread, NULL), 0);
    CHECK_RC (zmq_close (h->rep));
    CHECK_RC (zmq_close (h->stop_thread));
    CHECK_RC (zmq_close (h->stop_main));
    pthread_mutex_destroy (&h->lock);
}

static int handler_requests (struct zap_handler *h, struct zap_request *last)
{
    int n;
    pthread_mutex_lock (&h->lock);
    n = h->requests;
    if (last)
        *last = h->last;
    pthread_mutex_unlock (&h->lock);
    return n;
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
    struct zap_handler h;
    struct zap_request r;
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
    CHECK_EQ (handler_requests (&h, &r), 1);
    CHECK_EQ (r.frames, 6);
    CHECK_STREQ (frame_str (&r, 0), "1.0");
    CHECK (r.len[1] > 0);
    CHECK_STREQ (frame_str (&r, 2), "good");
    CHECK_STREQ (frame_str (&r, 3), "127.0.0.1");
    CHECK_STREQ (frame_str (&r, 4), "server-id");
    CHECK_STREQ (frame_str (&r, 5), "NULL");

    /* The other direction works too (the client asked no one). */
    SEND_STR (p.server, "back", 0);
    RECV_STR (p.client, "back");
    CHECK_EQ (handler_requests (&h, NULL), 1);

    CLOSE_MONITOR (p.server, events);
    pair_close (&p);
    handler_stop (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

/* The connecting side asks ZAP as well when it has a domain. */
static void test_client_asks (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct zap_handler h;
    struct zap_request r;
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
    CHECK_EQ (handler_requests (&h, &r), 1);
    CHECK_STREQ (frame_str (&r, 2), "good");
    CHECK_STREQ (frame_str (&r, 3), "127.0.0.1");
    CHECK_STREQ (frame_str (&r, 4), "client-id");
    pair_close (&p);
    handler_stop (&h);
    CHECK_RC (zmq_ctx_term (ctx));
}

/* A status other than 200: nothing passes, both monitors report it. */
static void check_refused (const char *domain, int status, int peer_told)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    struct zap_handler h;
    struct zap_request r;
    struct pair p;
    struct tu_event ev;
    void *server_events, *client_events;
    const int watched = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                        | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                        | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                        | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                        | ZMQ_EVENT_DISCONNECTED;

    handler_start (ctx, &h);
    pair_open (ctx, &p, domain);
    server_events = TU_MONITOR (ctx, p.server, watched);
    client_events = TU_MONITOR (ctx, p.client, watched);
    pair_connect (&p);
    SEND_STR (p.client, "hello", ZMQ_DONTWAIT);

    CHECK (tu_next_event (server_events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    CHECK_EQ (ev.value, status);
    CHECK_STREQ (ev.endpoint, p.ep);
    if (peer_told) {
        /* The peer got the ERROR: it reports the status and drops. */
        CHECK (tu_next_event (client_events, &ev, TU_TIMEOUT_MS));
        CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
        CHECK_EQ (ev.value, status);
        CHECK_STREQ (ev.endpoint, p.ep);
        CHECK (tu_next_event (client_events, &ev, TU_TIMEOUT_MS));
        CHECK_EQ (ev.event, ZMQ_EVENT_DISCONNECTED);
        CHECK_STREQ (ev.endpoint, p.ep);
    }

    /* The message never arrives, and no one tries again: after an ERROR
     * the peer gives up for good; after 300 the connection stays open,
     * stuck in its handshake. */
    CHECK (!tu_poll_in (p.server, 300));
    EXPECT_NOTHING (p.server);
    CHECK_EQ (handler_requests (&h, &r), 1);
    CHECK_STREQ (frame_str (&r, 2), domain);
    if (peer_told) {
        EXPECT_EVENT (server_events, ZMQ_EVENT_DISCONNECTED, &ev);
        CHECK_STREQ (ev.endpoint, p.ep);
    }
    CHECK (!tu_next_event (server_events, &ev, 0));
    CHECK (!tu_next_event (client_events, &ev, 0));

    CLOSE_MONITOR (p.server, server_events);
    CLOSE_MONITOR (p.client, client_events);
    pair_close (&p);
    handler_stop (&h);
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
    struct zap_handler h;
    struct pair p;
    struct tu_event ev;
    void *events;

    handler_start (ctx, &h);
    pair_open (ctx, &p, domain);
    events = TU_MONITOR (ctx, p.server,
                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                           | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                           | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    pair_connect (&p);
    SEND_STR (p.client, "hello", ZMQ_DONTWAIT);
    CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    CHECK_EQ (ev.value, error);
    CHECK_STREQ (ev.endpoint, p.ep);
    CHECK (handler_requests (&h, NULL) >= 1);
    CHECK (!tu_poll_in (p.server, 300));
    CLOSE_MONITOR (p.server, events);
    pair_close (&p);
    handler_stop (&h);
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
    struct zap_handler h;
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
    CHECK_EQ (handler_requests (&h, NULL), 0);
    pair_close (&p);
    handler_stop (&h);
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
