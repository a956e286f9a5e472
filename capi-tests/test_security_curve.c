/* The CURVE security mechanism (RFC 25/26) over tcp://, with and without
 * ZAP (RFC 27).
 *
 * Man pages: zmq_curve(7), zmq_curve_keypair(3), zmq_curve_public(3),
 * zmq_has(3), zmq_setsockopt(3) / zmq_getsockopt(3) (ZMQ_CURVE_SERVER,
 * ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY,
 * ZMQ_MECHANISM, ZMQ_ZAP_DOMAIN), zmq_socket_monitor(3), zmq_msg_gets(3).
 *
 * The ZAP handler is a REP socket on inproc://zeromq.zap.01 served by a
 * thread of this test; it accepts one client public key (reply 200 with
 * user id "curve-user") and answers 400 to any other.
 *
 * Behaviours pinned here (checked against the reference libzmq 4.3.4):
 * - zmq_has ("curve") is 1; zmq_curve_keypair gives two 40-character Z85
 *   strings; zmq_curve_public derives the public key from the secret one
 *   (X25519 with the base point: RFC 7748's test vector holds); a secret
 *   that is not valid Z85 ("abc", "", 39 characters, 40 characters with
 *   one outside the alphabet) is EINVAL.
 * - Keys may be set as 32 binary bytes, 40 Z85 characters or 41 bytes
 *   (Z85 and NUL); a CURVE client and server then talk: REQ/REP round
 *   trips, 1 MiB frames and multipart messages arrive intact.
 * - With no handler bound the server lets any client in (with or without
 *   a ZAP domain); messages carry no User-Id.
 * - With a handler, the server asks it once per connection: 7 frames,
 *   "1.0", a request id, the domain, "127.0.0.1", the server socket's
 *   routing id, "CURVE", the client's 32-byte long-term public key. A 200
 *   reply's user id shows up as "User-Id" on the server's messages; a 400
 *   gives HANDSHAKE_FAILED_AUTH (value 400) on both monitors and nothing
 *   gets through.
 * - A client with the wrong server key, or whose secret key does not
 *   belong to its public key, fails the handshake: the server monitor
 *   reports HANDSHAKE_FAILED_PROTOCOL with
 *   ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC and nothing gets through.
 * - A NULL client and a CURVE server: HANDSHAKE_FAILED_PROTOCOL with
 *   ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH on both monitors.
 * - Keys read back as 32 bytes (buffer of 32) or as NUL-terminated Z85
 *   (buffer of 41); other buffer sizes and key lengths are EINVAL, and so
 *   are 40/41 bytes that are not Z85. (After such a refused Z85 key the
 *   reference has overwritten part of the old key with what it decoded
 *   before the bad character; that is not pinned.)
 */
#include "testutil.h"

#define MIB (1024 * 1024)

static void *ctx;

/* ---- Keys ---- */

struct keypair
{
    char public_z85[41], secret_z85[41];
    unsigned char public_bin[32], secret_bin[32];
};

static const char z85_alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   ".-:+=^!/*?&<>()[]{}@%$#";

static void check_z85_key (const char *key)
{
    size_t i;
    CHECK_EQ (strlen (key), 40);
    for (i = 0; i < 40; i++)
        CHECK (strchr (z85_alphabet, key[i]) != NULL);
}

static void new_keypair (struct keypair *k)
{
    memset (k, 0, sizeof *k);
    CHECK_RC (zmq_curve_keypair (k->public_z85, k->secret_z85));
    check_z85_key (k->public_z85);
    check_z85_key (k->secret_z85);
    CHECK (zmq_z85_decode (k->public_bin, k->public_z85) != NULL);
    CHECK (zmq_z85_decode (k->secret_bin, k->secret_z85) != NULL);
}

static void hex_decode (unsigned char *out, const char *hex)
{
    size_t i;
    CHECK_EQ (strlen (hex), 64);
    for (i = 0; i < 32; i++) {
        unsigned v;
        CHECK (sscanf (hex + 2 * i, "%2x", &v) == 1);
        out[i] = (unsigned char) v;
    }
}

/* ---- Contexts and the ZAP handler ---- */

/* Each case runs in a context of its own (the reference releases an
 * inproc endpoint only some time after its socket closes, so a second
 * handler could not bind it again in the same context). */
static void case_begin (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
}

static void case_end (void)
{
    CHECK_RC (zmq_ctx_term (ctx));
}

/* Bind a handler in the current context that lets in the client whose
 * public key is `allowed` (user id "curve-user"), and no other. */
static void handler_start (struct tu_zap_handler *h,
                           const unsigned char *allowed)
{
    tu_zap_init (h);
    h->key = allowed;
    h->user_id = "curve-user";
    TU_ZAP_START (ctx, h);
}

/* ---- Sockets ---- */

enum key_form
{
    FORM_Z85_NUL, /* 41 bytes */
    FORM_Z85,     /* 40 bytes */
    FORM_BINARY   /* 32 bytes */
};

static void set_key (void *s, int option, const struct keypair *k,
                     int secret, enum key_form form)
{
    const char *z85 = secret ? k->secret_z85 : k->public_z85;
    const unsigned char *bin = secret ? k->secret_bin : k->public_bin;
    switch (form) {
        case FORM_Z85_NUL:
            CHECK_RC (zmq_setsockopt (s, option, z85, 41));
            break;
        case FORM_Z85:
            CHECK_RC (zmq_setsockopt (s, option, z85, 40));
            break;
        case FORM_BINARY:
            CHECK_RC (zmq_setsockopt (s, option, bin, 32));
            break;
    }
}

static void *curve_server (int type, const struct keypair *server,
                           enum key_form form, const char *domain)
{
    void *s = TU_SOCKET (ctx, type);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, "curve-server", 12));
    TU_SET_INT (s, ZMQ_CURVE_SERVER, 1);
    set_key (s, ZMQ_CURVE_SECRETKEY, server, 1, form);
    if (domain)
        CHECK_RC (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
    return s;
}

static void *curve_client (int type, const struct keypair *server,
                           const struct keypair *client, enum key_form form)
{
    void *s = TU_SOCKET (ctx, type);
    set_key (s, ZMQ_CURVE_SERVERKEY, server, 0, form);
    set_key (s, ZMQ_CURVE_PUBLICKEY, client, 0, form);
    set_key (s, ZMQ_CURVE_SECRETKEY, client, 1, form);
    return s;
}

/* A key option reads back as `k`'s public or secret key in both forms. */
static void check_key_option (void *s, int option, const struct keypair *k,
                              int secret)
{
    unsigned char bin[32];
    char z85[41];
    size_t len;
    memset (bin, 0, sizeof bin);
    len = sizeof bin;
    CHECK_RC (zmq_getsockopt (s, option, bin, &len));
    CHECK_EQ (len, 32);
    CHECK (memcmp (bin, secret ? k->secret_bin : k->public_bin, 32) == 0);
    memset (z85, 'x', sizeof z85);
    len = sizeof z85;
    CHECK_RC (zmq_getsockopt (s, option, z85, &len));
    CHECK_EQ (len, 41);
    CHECK_STREQ (z85, secret ? k->secret_z85 : k->public_z85);
}

static const int watched = TU_HANDSHAKE_EVENTS | ZMQ_EVENT_DISCONNECTED;

/* Receive one frame on the server and check its User-Id: `user`, or none
 * at all when user is NULL. Returns the frame's size. */
static size_t recv_check_user (void *s, const void *data, size_t len,
                               const char *user)
{
    zmq_msg_t msg;
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, s, 0), (int) len);
    CHECK (len == 0 || memcmp (zmq_msg_data (&msg), data, len) == 0);
    if (user)
        CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), user);
    else
        CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "REQ");
    CHECK_RC (zmq_msg_close (&msg));
    return len;
}

/* ---- Cases ---- */

static void test_keys (void)
{
    struct keypair a, b;
    char derived[41];
    unsigned char rfc_secret[32], rfc_public[32], got[32];
    char rfc_secret_z85[41];

    CHECK_EQ (zmq_has ("curve"), 1);

    new_keypair (&a);
    new_keypair (&b);
    CHECK (strcmp (a.public_z85, b.public_z85) != 0);
    CHECK (strcmp (a.secret_z85, b.secret_z85) != 0);
    CHECK (strcmp (a.public_z85, a.secret_z85) != 0);

    memset (derived, 'x', sizeof derived);
    CHECK_RC (zmq_curve_public (derived, a.secret_z85));
    CHECK_STREQ (derived, a.public_z85);
    CHECK_RC (zmq_curve_public (derived, b.secret_z85));
    CHECK_STREQ (derived, b.public_z85);

    /* RFC 7748, section 6.1: Alice's X25519 key pair. */
    hex_decode (rfc_secret, "77076d0a7318a57d3c16c17251b26645"
                            "df4c2f87ebc0992ab177fba51db92c2a");
    hex_decode (rfc_public, "8520f0098930a754748b7ddcb43ef75a"
                            "0dbf3a0d26381af4eba4a98eaa9b4e6a");
    CHECK (zmq_z85_encode (rfc_secret_z85, rfc_secret, 32) != NULL);
    CHECK_RC (zmq_curve_public (derived, rfc_secret_z85));
    CHECK (zmq_z85_decode (got, derived) != NULL);
    CHECK (memcmp (got, rfc_public, 32) == 0);

    /* Not a Z85 key. */
    CHECK_ERRNO (zmq_curve_public (derived, "abc"), EINVAL);
    CHECK_ERRNO (zmq_curve_public (derived, ""), EINVAL);
    CHECK_ERRNO (
      zmq_curve_public (derived, "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
      EINVAL);
    {
        char bad[41];
        memcpy (bad, a.secret_z85, 41);
        bad[17] = ' ';
        CHECK_ERRNO (zmq_curve_public (derived, bad), EINVAL);
        bad[17] = a.secret_z85[17];
        bad[39] = '\0'; /* 39 characters */
        CHECK_ERRNO (zmq_curve_public (derived, bad), EINVAL);
    }
}

static void test_options (void)
{
    struct keypair server_keys, client_keys, other;
    unsigned char buf[64];
    size_t len;
    void *server, *client;
    int bad_lengths[] = {0, 1, 31, 33, 39, 42, 64};
    size_t i;

    case_begin ();
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    server = curve_server (ZMQ_DEALER, &server_keys, FORM_Z85_NUL, NULL);
    client = curve_client (ZMQ_DEALER, &server_keys, &client_keys,
                           FORM_BINARY);

    CHECK_EQ (GET_INT (server, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (GET_INT (server, ZMQ_CURVE_SERVER), 1);
    CHECK_EQ (GET_INT (client, ZMQ_CURVE_SERVER), 0);
    check_key_option (server, ZMQ_CURVE_SECRETKEY, &server_keys, 1);
    check_key_option (client, ZMQ_CURVE_SERVERKEY, &server_keys, 0);
    check_key_option (client, ZMQ_CURVE_PUBLICKEY, &client_keys, 0);
    check_key_option (client, ZMQ_CURVE_SECRETKEY, &client_keys, 1);

    /* Key lengths other than 32, 40, 41 are refused; the key stays. */
    memset (buf, 0, sizeof buf);
    memcpy (buf, other.public_z85, 40);
    for (i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++)
        CHECK_ERRNO (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, buf,
                                     (size_t) bad_lengths[i]),
                     EINVAL);
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, NULL, 0),
                 EINVAL);
    check_key_option (client, ZMQ_CURVE_SERVERKEY, &server_keys, 0);
    /* 40 or 41 bytes that are not Z85. (What the key holds afterwards is
     * not checked: the reference decodes into the key in place and leaves
     * what it decoded before the bad character there.) */
    buf[5] = '~';
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, buf, 40),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, buf, 41),
                 EINVAL);

    /* Read-back buffers other than 32 or 41 bytes are refused. */
    len = 40;
    CHECK_ERRNO (zmq_getsockopt (client, ZMQ_CURVE_SERVERKEY, buf, &len),
                 EINVAL);
    len = 42;
    CHECK_ERRNO (zmq_getsockopt (client, ZMQ_CURVE_SERVERKEY, buf, &len),
                 EINVAL);
    len = 31;
    CHECK_ERRNO (zmq_getsockopt (client, ZMQ_CURVE_PUBLICKEY, buf, &len),
                 EINVAL);

    /* Setting a server key makes a CURVE server a client. */
    set_key (server, ZMQ_CURVE_SERVERKEY, &other, 0, FORM_Z85);
    CHECK_EQ (GET_INT (server, ZMQ_CURVE_SERVER), 0);
    check_key_option (server, ZMQ_CURVE_SERVERKEY, &other, 0);

    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
    case_end ();
}

/* A REQ client talks to a REP server. zap: 0 no handler, no domain;
 * 1 no handler, a domain; 2 a handler that accepts the client. */
static void check_round_trips (enum key_form server_form,
                               enum key_form client_form, int zap)
{
    struct keypair server_keys, client_keys;
    struct tu_zap_handler h;
    struct tu_zap_request r;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX];
    const char *user = zap == 2 ? "curve-user" : NULL;
    void *server, *client, *events;
    unsigned char *big;
    int i;

    case_begin ();
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    if (zap == 2)
        handler_start (&h, client_keys.public_bin);
    server = curve_server (ZMQ_REP, &server_keys, server_form,
                           zap ? "curve-domain" : NULL);
    client = curve_client (ZMQ_REQ, &server_keys, &client_keys, client_form);
    WATCH_AND_CONNECT (ctx, server, client, watched, &events, NULL, ep);

    /* Small requests and replies. */
    for (i = 0; i < 3; i++) {
        char req[32], rep[32];
        snprintf (req, sizeof req, "request %d", i);
        snprintf (rep, sizeof rep, "reply %d", i);
        SEND_STR (client, req, 0);
        recv_check_user (server, req, strlen (req), user);
        CHECK_LAST (server);
        SEND_STR (server, rep, 0);
        RECV_STR (client, rep);
        CHECK_LAST (client);
    }
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK_STREQ (ev.endpoint, ep);

    /* 1 MiB each way. */
    big = (unsigned char *) malloc (MIB);
    CHECK (big != NULL);
    tu_fill (big, MIB, 11);
    SEND_BYTES (client, big, MIB, 0);
    recv_check_user (server, big, MIB, user);
    SEND_FILLED (server, MIB, 12, 0);
    RECV_FILLED (client, MIB, 12);

    /* Multipart, with an empty frame and a large one. */
    SEND_STR (client, "first", ZMQ_SNDMORE);
    SEND_BYTES (client, "", 0, ZMQ_SNDMORE);
    SEND_BYTES (client, big, MIB, ZMQ_SNDMORE);
    SEND_STR (client, "last", 0);
    recv_check_user (server, "first", 5, user);
    CHECK_MORE (server);
    recv_check_user (server, "", 0, user);
    CHECK_MORE (server);
    recv_check_user (server, big, MIB, user);
    CHECK_MORE (server);
    recv_check_user (server, "last", 4, user);
    CHECK_LAST (server);
    SEND_FILLED (server, 5000, 13, ZMQ_SNDMORE);
    SEND_STR (server, "tail", 0);
    RECV_FILLED (client, 5000, 13);
    CHECK_MORE (client);
    RECV_STR (client, "tail");
    CHECK_LAST (client);
    free (big);

    if (zap == 2) {
        CHECK_EQ (tu_zap_requests (&h, &r), 1);
        CHECK_EQ (r.frames, 7);
        CHECK (tu_zap_frame_is (&r, 0, "1.0"));
        CHECK (r.len[1] > 0);
        CHECK (tu_zap_frame_is (&r, 2, "curve-domain"));
        CHECK (tu_zap_frame_is (&r, 3, "127.0.0.1"));
        CHECK (tu_zap_frame_is (&r, 4, "curve-server"));
        CHECK (tu_zap_frame_is (&r, 5, "CURVE"));
        CHECK_EQ (r.len[6], 32);
        CHECK (memcmp (r.data[6], client_keys.public_bin, 32) == 0);
    }
    EXPECT_NO_EVENT (events, ZMQ_EVENT_DISCONNECTED, 50);

    CLOSE_WATCHED (server, client, events, NULL);
    if (zap == 2)
        TU_ZAP_STOP (&h);
    case_end ();
}

static void test_round_trips (void)
{
    check_round_trips (FORM_Z85_NUL, FORM_Z85_NUL, 0);
    check_round_trips (FORM_BINARY, FORM_BINARY, 0);
    check_round_trips (FORM_Z85, FORM_BINARY, 1);
    check_round_trips (FORM_BINARY, FORM_Z85_NUL, 2);
    check_round_trips (FORM_Z85_NUL, FORM_Z85, 2);
}

/* The handler refuses the client's key. */
static void test_refused (void)
{
    struct keypair server_keys, client_keys, other;
    struct tu_zap_handler h;
    struct tu_zap_request r;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *server_events, *client_events;

    case_begin ();
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    handler_start (&h, other.public_bin);
    server = curve_server (ZMQ_REP, &server_keys, FORM_Z85_NUL,
                           "curve-domain");
    client = curve_client (ZMQ_REQ, &server_keys, &client_keys, FORM_BINARY);
    WATCH_AND_CONNECT (ctx, server, client, watched, &server_events,
                       &client_events, ep);
    OFFER_STR (client, "let me in");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
                       ep);
    EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
                       NULL);
    EXPECT_NOTHING_WITHIN (server, 300);
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK (tu_zap_frame_is (&r, 5, "CURVE"));
    CHECK_EQ (r.len[6], 32);
    CHECK (memcmp (r.data[6], client_keys.public_bin, 32) == 0);
    EXPECT_NO_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    EXPECT_NO_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    CHECK_EQ (tu_zap_requests (&h, NULL), 1);

    CLOSE_WATCHED (server, client, server_events, client_events);
    TU_ZAP_STOP (&h);
    case_end ();
}

/* Keys that do not fit: the handshake fails on the server, which reports
 * a cryptographic error, and the message never arrives. bad_server_key:
 * the client names another server key; else the client's secret key is
 * not the one of its public key. */
static void check_bad_keys (int bad_server_key, int with_handler)
{
    struct keypair server_keys, client_keys, other;
    struct tu_zap_handler h;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *server_events, *client_events;

    case_begin ();
    new_keypair (&server_keys);
    new_keypair (&client_keys);
    new_keypair (&other);
    if (with_handler)
        handler_start (&h, client_keys.public_bin);
    server = curve_server (ZMQ_REP, &server_keys, FORM_Z85_NUL,
                           with_handler ? "curve-domain" : NULL);
    client = TU_SOCKET (ctx, ZMQ_REQ);
    set_key (client, ZMQ_CURVE_SERVERKEY,
             bad_server_key ? &other : &server_keys, 0, FORM_Z85_NUL);
    set_key (client, ZMQ_CURVE_PUBLICKEY, &client_keys, 0, FORM_Z85_NUL);
    set_key (client, ZMQ_CURVE_SECRETKEY,
             bad_server_key ? &client_keys : &other, 1, FORM_Z85_NUL);
    WATCH_AND_CONNECT (ctx, server, client, watched, &server_events,
                       &client_events, ep);
    OFFER_STR (client, "secret");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, ep);
    EXPECT_NOTHING_WITHIN (server, 300);
    EXPECT_NO_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    EXPECT_NO_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    if (with_handler)
        CHECK_EQ (tu_zap_requests (&h, NULL), 0);

    CLOSE_WATCHED (server, client, server_events, client_events);
    if (with_handler)
        TU_ZAP_STOP (&h);
    case_end ();
}

static void test_bad_keys (void)
{
    check_bad_keys (1, 0);
    check_bad_keys (1, 1);
    check_bad_keys (0, 0);
    check_bad_keys (0, 1);
}

/* A NULL client cannot talk to a CURVE server. */
static void test_null_client (void)
{
    struct keypair server_keys;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *server_events, *client_events;

    case_begin ();
    new_keypair (&server_keys);
    server = curve_server (ZMQ_DEALER, &server_keys, FORM_BINARY, NULL);
    client = TU_SOCKET (ctx, ZMQ_DEALER);
    WATCH_AND_CONNECT (ctx, server, client, watched, &server_events,
                       &client_events, ep);
    OFFER_STR (client, "in the clear");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, NULL);
    EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, NULL);
    EXPECT_NOTHING_WITHIN (server, 300);

    CLOSE_WATCHED (server, client, server_events, client_events);
    case_end ();
}

int main (void)
{
    test_keys ();
    test_options ();
    test_round_trips ();
    test_refused ();
    test_bad_keys ();
    test_null_client ();
    return 0;
}
