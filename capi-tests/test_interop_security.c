/* Interop: the PLAIN (RFC 24) and CURVE (RFC 25/26) mechanisms against
 * the reference libzmq in another process, over tcp://, with either side
 * binding.
 *
 * - CURVE, this side the server (REP) and the peer the client (REQ), and
 *   the other way round; with and without a ZAP handler on the server's
 *   side. PLAIN both ways (its server always has a handler).
 * - Requests are multipart or single, from empty frames to 3 MiB, and
 *   come back byte for byte; whoever receives checks the bytes, and the
 *   server checks that every frame carries the User-Id its handler gave.
 * - The handler (ours: a thread of this test; the peer's: a thread of
 *   the peer, see peer.c) sees the mechanism and credentials the other
 *   library sent: PLAIN user name and password, the CURVE client's
 *   long-term public key.
 * - Failures across the two libraries: a client with the wrong server
 *   key (the server reports ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC), and
 *   a client its server's handler refuses (HANDSHAKE_FAILED_AUTH 400 on
 *   both sides).
 *
 * Keys are made with zmq_curve_keypair of the library under test and
 * handed to the peer on its command line.
 *
 * The PLAIN refusals depend on libzmq's own form of the PLAIN ERROR
 * command (body 5E 'R' 'R' 'O' 'R' 03 "400", not RFC 23's 05 "ERROR" 03
 * "400"; see test_security_plain.c): a PLAIN peer of the reference
 * recognises a refusal only in that form.
 */
#include "interop.h"

#include <pthread.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MAX_FRAMES 10
#define FRAME_CAP 300

static void *ctx;

/* What the client asks (each step numbers its messages from 0, as the
 * peer's "ask" does): {count, size, parts}. */
static const struct
{
    unsigned count;
    size_t size;
    unsigned parts;
} steps[] = {{3, 20, 3},
             {2, 0, 2},
             {2, 9000, 2},
             {1, (3u << 20) + 5, 1},
             {1, 1u << 20, 3},
             {1, 300, 1}};
#define N_STEPS (sizeof steps / sizeof steps[0])

static unsigned total_asks (void)
{
    unsigned i, n = 0;
    for (i = 0; i < N_STEPS; i++)
        n += steps[i].count;
    return n;
}

/* ---- Keys ---- */

struct keypair
{
    char public_z85[41], secret_z85[41];
    unsigned char public_bin[32];
};

static void new_keypair (struct keypair *k)
{
    CHECK_RC (zmq_curve_keypair (k->public_z85, k->secret_z85));
    CHECK_EQ (strlen (k->public_z85), 40);
    CHECK (zmq_z85_decode (k->public_bin, k->public_z85) != NULL);
}

/* ---- Our ZAP handler ---- */

struct zap_request
{
    int frames;
    size_t len[MAX_FRAMES];
    unsigned char data[MAX_FRAMES][FRAME_CAP];
};

struct zap_handler
{
    void *rep, *stop_thread, *stop_main;
    pthread_t thread;
    /* Whom to let in; set before the thread starts. */
    const char *user, *password;
    unsigned char key[32];
    int have_key;
    pthread_mutex_t lock;
    int requests;            /* under lock */
    struct zap_request last; /* under lock */
};

static int frame_is (const struct zap_request *r, int i, const char *want)
{
    return i < r->frames && r->len[i] == strlen (want)
           && memcmp (r->data[i], want, r->len[i]) == 0;
}

static void zap_answer (struct zap_handler *h, const struct zap_request *r)
{
    int ok = 0;
    if (r->frames == 8 && frame_is (r, 5, "PLAIN") && h->user)
        ok = frame_is (r, 6, h->user) && frame_is (r, 7, h->password);
    else if (r->frames == 7 && frame_is (r, 5, "CURVE") && h->have_key)
        ok = r->len[6] == 32 && memcmp (r->data[6], h->key, 32) == 0;
    SEND_STR (h->rep, "1.0", ZMQ_SNDMORE);
    SEND_BYTES (h->rep, r->data[1], r->len[1], ZMQ_SNDMORE);
    SEND_STR (h->rep, ok ? "200" : "400", ZMQ_SNDMORE);
    SEND_STR (h->rep, ok ? "OK" : "Refused", ZMQ_SNDMORE);
    SEND_STR (h->rep, ok ? "ours-user" : "", ZMQ_SNDMORE);
    SEND_BYTES (h->rep, "", 0, 0);
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
                memcpy (r.data[r.frames], zmq_msg_data (&frame),
                        n < FRAME_CAP ? n : FRAME_CAP);
            }
            r.frames++;
            more = zmq_msg_more (&frame);
            CHECK_RC (zmq_msg_close (&frame));
            if (!more)
                break;
        }
        pthread_mutex_lock (&h->lock);
        h->requests++;
        h->last = r;
        pthread_mutex_unlock (&h->lock);
        zap_answer (h, &r);
    }
    return NULL;
}

/* Start a handler in ctx (a fresh context per case: an inproc endpoint
 * is released only some time after its socket closes). Set h->user,
 * h->password, h->key / h->have_key after handler_init, before
 * handler_run. */
static void handler_init (struct zap_handler *h)
{
    memset (h, 0, sizeof *h);
    pthread_mutex_init (&h->lock, NULL);
}

static void handler_run (struct zap_handler *h)
{
    h->rep = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_bind (h->rep, ZAP_ENDPOINT));
    h->stop_thread = TU_SOCKET (ctx, ZMQ_PAIR);
    h->stop_main = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (h->stop_thread, "inproc://interop-zap-stop"));
    CHECK_RC (zmq_connect (h->stop_main, "inproc://interop-zap-stop"));
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

/* ---- Helpers ---- */

/* Receive scripted message index on s, check its bytes and that every
 * frame has User-Id user (or none, if user is NULL), and send it back. */
static void echo_checked_at (void *s, unsigned index, size_t size,
                             unsigned parts, const char *user,
                             const char *file, int line)
{
    zmq_msg_t frames[IP_MAX_FRAMES];
    char why[200];
    int n = ip_recv_frames (s, frames), i;
    if (n < 0)
        tu_fail_errno (file, line, "ip_recv_frames", errno);
    for (i = 0; i < n; i++) {
        const char *got = zmq_msg_gets (&frames[i], "User-Id");
        if (user)
            tu_check_streq (got, user, file, line, "User-Id of a frame");
        else if (got != NULL)
            tu_fail (file, line, "User-Id of a frame", got);
    }
    if (ip_check_frames (frames, n, 0, index, size, parts, NULL, why,
                         sizeof why)
        != 0)
        tu_fail (file, line, "ip_check_frames", why);
    for (i = 0; i < n; i++)
        if (zmq_msg_send (&frames[i], s, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            tu_fail_errno (file, line, "zmq_msg_send", errno);
}
#define ECHO_CHECKED(s, index, size, parts, user)                              \
    echo_checked_at ((s), (index), (size), (parts), (user), __FILE__,         \
                     __LINE__)

/* The peer's "ask" steps for the table above. */
static void ask_script (char *buf, size_t cap)
{
    size_t i, o = 0;
    buf[0] = '\0';
    for (i = 0; i < N_STEPS; i++)
        o += (size_t) snprintf (buf + o, cap - o, "%sask:%u:%zu:%u",
                                i ? "," : "", steps[i].count, steps[i].size,
                                steps[i].parts);
}

static const int watched = ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                           | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

enum mech
{
    MECH_CURVE,
    MECH_PLAIN
};

/* ---- Cases where this side is the server ---- */

/* Our REP server, the peer's REQ client asks. zap: our handler runs. */
static void ours_serves (enum mech mech, int zap, const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys;
    struct zap_handler h;
    struct zap_request r;
    struct ip_peer peer;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX], script[256], options[300], what[80];
    const char *user = zap ? "ours-user" : NULL;
    void *rep, *events;
    size_t i;
    unsigned k;

    snprintf (what, sizeof what, "%s server here, %s, reference client",
              mech == MECH_CURVE ? "CURVE" : "PLAIN",
              zap ? "ZAP handler" : "no ZAP handler");
    IP_CASE (what, setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    handler_init (&h);
    if (zap) {
        h.user = "admin";
        h.password = "s3cret";
        memcpy (h.key, client_keys.public_bin, 32);
        h.have_key = 1;
        handler_run (&h);
    }

    rep = TU_SOCKET (ctx, ZMQ_REP);
    CHECK_RC (zmq_setsockopt (rep, ZMQ_ROUTING_ID, "ours", 4));
    if (mech == MECH_CURVE) {
        TU_SET_INT (rep, ZMQ_CURVE_SERVER, 1);
        CHECK_RC (
          zmq_setsockopt (rep, ZMQ_CURVE_SECRETKEY, server_keys.secret_z85, 41));
        snprintf (options, sizeof options,
                  "serverkey=%s,publickey=%s,secretkey=%s",
                  server_keys.public_z85, client_keys.public_z85,
                  client_keys.secret_z85);
    } else {
        TU_SET_INT (rep, ZMQ_PLAIN_SERVER, 1);
        snprintf (options, sizeof options, "plainuser=admin,plainpass=s3cret");
    }
    if (zap)
        CHECK_RC (zmq_setsockopt (rep, ZMQ_ZAP_DOMAIN, "interop", 7));
    events = TU_MONITOR (ctx, rep, watched);

    ask_script (script, sizeof script);
    IP_PAIR_UP (rep, &peer, "REQ", setup, script, options, ep);
    for (i = 0; i < N_STEPS; i++)
        for (k = 0; k < steps[i].count; k++)
            ECHO_CHECKED (rep, k, steps[i].size, steps[i].parts, user);
    IP_FINISH (&peer);
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);

    if (zap) {
        CHECK_EQ (handler_requests (&h, &r), 1);
        CHECK (frame_is (&r, 0, "1.0"));
        CHECK (frame_is (&r, 2, "interop"));
        CHECK (frame_is (&r, 3, "127.0.0.1"));
        CHECK (frame_is (&r, 4, "ours"));
        if (mech == MECH_CURVE) {
            CHECK_EQ (r.frames, 7);
            CHECK (frame_is (&r, 5, "CURVE"));
            CHECK_EQ (r.len[6], 32);
            CHECK (memcmp (r.data[6], client_keys.public_bin, 32) == 0);
        } else {
            CHECK_EQ (r.frames, 8);
            CHECK (frame_is (&r, 5, "PLAIN"));
            CHECK (frame_is (&r, 6, "admin"));
            CHECK (frame_is (&r, 7, "s3cret"));
        }
    }

    CLOSE_MONITOR (rep, events);
    CHECK_RC (zmq_close (rep));
    if (zap)
        handler_stop (&h);
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* ---- Cases where the peer is the server ---- */

/* The peer's REP server echoes; our REQ client asks. zap: the peer's
 * handler runs. */
static void ours_asks (enum mech mech, int zap, const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys;
    struct ip_peer peer;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX], script[128], options[400], what[80],
      line[200];
    void *req, *events;
    size_t i;
    unsigned k;

    snprintf (what, sizeof what, "%s client here, reference server, %s",
              mech == MECH_CURVE ? "CURVE" : "PLAIN",
              zap ? "ZAP handler" : "no ZAP handler");
    IP_CASE (what, setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);

    req = TU_SOCKET (ctx, ZMQ_REQ);
    if (mech == MECH_CURVE) {
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY,
                                  server_keys.public_z85, 41));
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY,
                                  client_keys.public_bin, 32));
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY,
                                  client_keys.secret_z85, 40));
        snprintf (options, sizeof options, "curveserver=1,secretkey=%s%s%s",
                  server_keys.secret_z85,
                  zap ? ",zap=1,zapdomain=interop,zapkey=" : "",
                  zap ? client_keys.public_z85 : "");
        snprintf (line, sizeof line, "zap 1 interop 127.0.0.1 CURVE %s",
                  client_keys.public_z85);
    } else {
        CHECK_RC (zmq_setsockopt (req, ZMQ_PLAIN_USERNAME, "admin", 5));
        CHECK_RC (zmq_setsockopt (req, ZMQ_PLAIN_PASSWORD, "s3cret", 6));
        snprintf (options, sizeof options,
                  "plainserver=1,zap=1,zapdomain=interop,zapuser=admin,"
                  "zappass=s3cret");
        snprintf (line, sizeof line, "zap 1 interop 127.0.0.1 PLAIN admin s3cret");
    }
    events = TU_MONITOR (ctx, req, watched);

    if (zap)
        snprintf (script, sizeof script, "echouid:%u:peer-user,zapinfo",
                  total_asks ());
    else
        snprintf (script, sizeof script, "echo:%u", total_asks ());
    IP_PAIR_UP (req, &peer, "REP", setup, script, options, ep);
    for (i = 0; i < N_STEPS; i++)
        for (k = 0; k < steps[i].count; k++) {
            IP_SEND (req, k, steps[i].size, steps[i].parts, NULL, 0);
            IP_RECV (req, k, steps[i].size, steps[i].parts, NULL, 0);
        }
    if (zap)
        IP_EXPECT_LINE (&peer, line);
    IP_FINISH (&peer);
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);

    CLOSE_MONITOR (req, events);
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* ---- Failures ---- */

/* The peer's CURVE client names the wrong server key: our server cannot
 * open its HELLO, reports the cryptographic error, and never completes a
 * handshake. */
static void ref_client_wrong_server_key (const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys, other;
    struct ip_peer peer;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX], options[300];
    void *rep, *events;

    IP_CASE ("reference CURVE client with a wrong server key", setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    rep = TU_SOCKET (ctx, ZMQ_REP);
    TU_SET_INT (rep, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (
      zmq_setsockopt (rep, ZMQ_CURVE_SECRETKEY, server_keys.secret_z85, 41));
    events = TU_MONITOR (ctx, rep, watched);
    snprintf (options, sizeof options,
              "serverkey=%s,publickey=%s,secretkey=%s", other.public_z85,
              client_keys.public_z85, client_keys.secret_z85);
    IP_PAIR_UP (rep, &peer, "REQ", setup, "wait", options, ep);
    CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    CHECK_EQ (ev.value, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    EXPECT_NO_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    IP_FINISH (&peer);
    CLOSE_MONITOR (rep, events);
    CHECK_RC (zmq_close (rep));
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* Our CURVE client names the wrong server key: the peer's server reports
 * the cryptographic error, and our side never completes a handshake. */
static void our_client_wrong_server_key (const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys, other;
    struct ip_peer peer;
    char ep[TU_ENDPOINT_MAX], options[300];
    void *req, *events;

    IP_CASE ("our CURVE client with a wrong server key", setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    req = TU_SOCKET (ctx, ZMQ_REQ);
    CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY, other.public_z85, 41));
    CHECK_RC (
      zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY, client_keys.public_z85, 41));
    CHECK_RC (
      zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY, client_keys.secret_z85, 41));
    events = TU_MONITOR (ctx, req, watched);
    snprintf (options, sizeof options, "curveserver=1,secretkey=%s,authmon=1",
              server_keys.secret_z85);
    IP_PAIR_UP (req, &peer, "REP", setup, "hsevent:0x2000:0x11000001",
                options, ep);
    IP_FINISH (&peer); /* exits 0 only if it saw the event */
    EXPECT_NO_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    CLOSE_MONITOR (req, events);
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* The peer's client is refused by our handler (PLAIN: a wrong password;
 * CURVE: a key it does not know): our handler says 400 and both sides
 * report it. */
static void ref_client_refused (enum mech mech, const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys, other;
    struct zap_handler h;
    struct zap_request r;
    struct ip_peer peer;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX], options[300];
    void *rep, *events;

    IP_CASE (mech == MECH_CURVE ? "reference CURVE client refused by our handler"
                                : "reference PLAIN client refused by our handler",
             setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    handler_init (&h);
    h.user = "admin";
    h.password = "s3cret";
    memcpy (h.key, other.public_bin, 32);
    h.have_key = 1;
    handler_run (&h);
    rep = TU_SOCKET (ctx, ZMQ_REP);
    if (mech == MECH_CURVE) {
        TU_SET_INT (rep, ZMQ_CURVE_SERVER, 1);
        CHECK_RC (
          zmq_setsockopt (rep, ZMQ_CURVE_SECRETKEY, server_keys.secret_z85, 41));
        snprintf (options, sizeof options,
                  "serverkey=%s,publickey=%s,secretkey=%s,authmon=1",
                  server_keys.public_z85, client_keys.public_z85,
                  client_keys.secret_z85);
    } else {
        TU_SET_INT (rep, ZMQ_PLAIN_SERVER, 1);
        snprintf (options, sizeof options,
                  "plainuser=admin,plainpass=guess,authmon=1");
    }
    CHECK_RC (zmq_setsockopt (rep, ZMQ_ZAP_DOMAIN, "interop", 7));
    events = TU_MONITOR (ctx, rep, watched);
    IP_PAIR_UP (rep, &peer, "REQ", setup, "hsevent:0x4000:400", options, ep);
    CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    CHECK_EQ (ev.value, 400);
    IP_FINISH (&peer); /* exits 0 only if it saw 400 too */
    CHECK_EQ (handler_requests (&h, &r), 1);
    if (mech == MECH_CURVE) {
        CHECK_EQ (r.frames, 7);
        CHECK (frame_is (&r, 5, "CURVE"));
        CHECK_EQ (r.len[6], 32);
        CHECK (memcmp (r.data[6], client_keys.public_bin, 32) == 0);
    } else {
        CHECK_EQ (r.frames, 8);
        CHECK (frame_is (&r, 5, "PLAIN"));
        CHECK (frame_is (&r, 6, "admin"));
        CHECK (frame_is (&r, 7, "guess"));
    }
    CLOSE_MONITOR (rep, events);
    CHECK_RC (zmq_close (rep));
    handler_stop (&h);
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

/* Our client is refused by the peer's handler (CURVE: its key is not the
 * one let in; PLAIN: a wrong password). */
static void our_client_refused (enum mech mech, const struct ip_setup *setup)
{
    struct keypair server_keys, client_keys, other;
    struct ip_peer peer;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX], options[400], line[200];
    void *req, *events;

    IP_CASE (mech == MECH_CURVE
               ? "our CURVE client refused by the reference handler"
               : "our PLAIN client refused by the reference handler",
             setup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    req = TU_SOCKET (ctx, ZMQ_REQ);
    if (mech == MECH_CURVE) {
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY,
                                  server_keys.public_z85, 41));
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY,
                                  client_keys.public_z85, 41));
        CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY,
                                  client_keys.secret_z85, 41));
        snprintf (options, sizeof options,
                  "curveserver=1,secretkey=%s,zap=1,zapdomain=interop,"
                  "zapkey=%s,authmon=1",
                  server_keys.secret_z85, other.public_z85);
        snprintf (line, sizeof line, "zap 1 interop 127.0.0.1 CURVE %s",
                  client_keys.public_z85);
    } else {
        CHECK_RC (zmq_setsockopt (req, ZMQ_PLAIN_USERNAME, "admin", 5));
        CHECK_RC (zmq_setsockopt (req, ZMQ_PLAIN_PASSWORD, "guess", 5));
        snprintf (options, sizeof options,
                  "plainserver=1,zap=1,zapdomain=interop,zapuser=admin,"
                  "zappass=s3cret,authmon=1");
        snprintf (line, sizeof line,
                  "zap 1 interop 127.0.0.1 PLAIN admin guess");
    }
    events = TU_MONITOR (ctx, req, watched);
    IP_PAIR_UP (req, &peer, "REP", setup, "hsevent:0x4000:400,zapinfo",
                options, ep);
    CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
    CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    CHECK_EQ (ev.value, 400);
    IP_EXPECT_LINE (&peer, line);
    IP_FINISH (&peer);
    CLOSE_MONITOR (req, events);
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_ctx_term (ctx));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    /* ip_setups[0] and [1]: tcp, the peer or this side binding. */
    for (i = 0; i < 2; i++) {
        const struct ip_setup *setup = &ip_setups[i];
        ours_serves (MECH_CURVE, 0, setup);
        ours_serves (MECH_CURVE, 1, setup);
        ours_serves (MECH_PLAIN, 1, setup);
        ours_asks (MECH_CURVE, 0, setup);
        ours_asks (MECH_CURVE, 1, setup);
        ours_asks (MECH_PLAIN, 1, setup);
    }
    ref_client_wrong_server_key (&ip_setups[1]);
    our_client_wrong_server_key (&ip_setups[0]);
    ref_client_refused (MECH_CURVE, &ip_setups[1]);
    our_client_refused (MECH_CURVE, &ip_setups[0]);
    ref_client_refused (MECH_PLAIN, &ip_setups[1]);
    our_client_refused (MECH_PLAIN, &ip_setups[0]);
    return 0;
}
