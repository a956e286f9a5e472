/* The PLAIN security mechanism (RFC 24) over tcp://, with ZAP (RFC 27).
 *
 * Man pages: zmq_plain(7), zmq_setsockopt(3) (ZMQ_PLAIN_SERVER,
 * ZMQ_PLAIN_USERNAME, ZMQ_PLAIN_PASSWORD, ZMQ_ZAP_DOMAIN),
 * zmq_getsockopt(3) (ZMQ_MECHANISM), zmq_socket_monitor(3),
 * zmq_msg_gets(3).
 *
 * The ZAP handler is a REP socket on inproc://zeromq.zap.01 served by a
 * thread of this test. It accepts exactly the user "admin" with password
 * "password" (reply 200, user id "user:admin", which differs from the
 * user name on purpose, so that the User-Id seen on messages can only
 * come from the handler) and answers 400 to anything else.
 *
 * Behaviours pinned here (checked against the reference libzmq 4.3.4):
 * - Good credentials: the server's handler gets one request of 8 frames:
 *   "1.0", a request id, the domain, "127.0.0.1", the server socket's
 *   routing id, "PLAIN", the user name, the password. Messages flow both
 *   ways; on the server side they carry "User-Id" = the handler's user id;
 *   on the client side (which asks no one) there is no User-Id.
 * - A wrong password: 400 from the handler; the server monitor reports
 *   HANDSHAKE_FAILED_AUTH with value 400, and so does the client's (it
 *   gets an ERROR command), followed by DISCONNECTED; nothing gets
 *   through and the client does not try again.
 * - A PLAIN server needs a ZAP handler: with none bound, every handshake
 *   fails; the server monitor reports HANDSHAKE_FAILED_NO_DETAIL with
 *   value EFAULT, and no message gets through.
 * - A NULL client and a PLAIN server: both monitors report
 *   HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH.
 * - ZMQ_MECHANISM reads ZMQ_PLAIN on both ends; user name and password
 *   read back as NUL-terminated strings; ZMQ_PLAIN_SERVER reads 1/0; a
 *   user name or password of 256 bytes or more is EINVAL (255 is fine),
 *   and so is an empty one (length 0, not NULL); NULL with length 0
 *   switches the socket back to the NULL mechanism.
 * - On the wire (a raw TCP peer speaking ZMTP by hand): libzmq's PLAIN
 *   ERROR command is NOT the one RFC 23/24 describe. Its C source spells
 *   the prefix "\x05ERROR", where the hex escape swallows the 'E', so
 *   the body is the 9 bytes 5E 'R' 'R' 'O' 'R' 03 '4' '0' '0' (no
 *   name-length byte; "^RROR", then the status as a short string), and
 *   its PLAIN client recognises an ERROR only in that form. A library
 *   that talks PLAIN with libzmq has to send and accept this form: the
 *   raw server below sends it to our client, which must report
 *   HANDSHAKE_FAILED_AUTH 400; the raw client checks what the server
 *   sends after a 400.
 */
#include "testutil.h"

#include <poll.h>

static void *ctx;

/* Each case runs in a context of its own, which handler_start creates and
 * handler_stop terminates (after the case has closed its sockets): the
 * reference releases an inproc endpoint only some time after its socket
 * is closed, so the next handler could not bind it in the same context.
 * Cases without a handler use case_begin/case_end instead. */
static void case_begin (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
}

static void case_end (void)
{
    CHECK_RC (zmq_ctx_term (ctx));
}

/* 200 "user:admin" for admin/password, else 400. */
static void handler_start (struct tu_zap_handler *h)
{
    case_begin ();
    tu_zap_init (h);
    h->user = "admin";
    h->password = "password";
    h->user_id = "user:admin";
    TU_ZAP_START (ctx, h);
}

static void handler_stop (struct tu_zap_handler *h)
{
    TU_ZAP_STOP (h);
    case_end ();
}

/* A string option read back: NUL-terminated, its length counting the
 * NUL. */
static void check_str_option (void *s, int option, const char *want)
{
    char buf[300];
    size_t len = sizeof buf;
    memset (buf, 'x', sizeof buf);
    CHECK_RC (zmq_getsockopt (s, option, buf, &len));
    CHECK_EQ (len, strlen (want) + 1);
    CHECK_EQ (buf[len - 1], '\0');
    CHECK_STREQ (buf, want);
}

static void *plain_server (const char *domain)
{
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, "plain-server", 12));
    TU_SET_INT (s, ZMQ_PLAIN_SERVER, 1);
    if (domain)
        CHECK_RC (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
    return s;
}

static void *plain_client (const char *user, const char *password)
{
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, user, strlen (user)));
    CHECK_RC (
      zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, password, strlen (password)));
    return s;
}

static const int failures = TU_HANDSHAKE_EVENTS | ZMQ_EVENT_DISCONNECTED;

/* Options: mechanism, server flag, credentials read back. */
static void test_options (void)
{
    void *server, *client, *null_sock;
    char name[300];
    int i;

    case_begin ();
    server = plain_server (NULL);
    client = plain_client ("admin", "password");
    null_sock = TU_SOCKET (ctx, ZMQ_DEALER);

    CHECK_EQ (GET_INT (null_sock, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (GET_INT (server, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (GET_INT (server, ZMQ_PLAIN_SERVER), 1);
    CHECK_EQ (GET_INT (client, ZMQ_PLAIN_SERVER), 0);
    check_str_option (client, ZMQ_PLAIN_USERNAME, "admin");
    check_str_option (client, ZMQ_PLAIN_PASSWORD, "password");
    check_str_option (server, ZMQ_PLAIN_USERNAME, "");

    /* 255 bytes is the longest user name and password PLAIN can carry. */
    for (i = 0; i < 256; i++)
        name[i] = (char) ('a' + i % 26);
    name[255] = '\0';
    CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, name, 255));
    check_str_option (client, ZMQ_PLAIN_USERNAME, name);
    CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, name, 255));
    check_str_option (client, ZMQ_PLAIN_PASSWORD, name);
    /* 256 bytes: refused, and the old values stay. */
    name[255] = 'z';
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, name, 256),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, name, 256),
                 EINVAL);
    name[255] = '\0';
    check_str_option (client, ZMQ_PLAIN_USERNAME, name);
    check_str_option (client, ZMQ_PLAIN_PASSWORD, name);
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_PLAIN);

    /* An empty name is refused; NULL with length 0 turns PLAIN off (and
     * leaves the name as it was). */
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, "", 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, "", 0), EINVAL);
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, NULL, 0));
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_NULL);
    check_str_option (client, ZMQ_PLAIN_USERNAME, name);
    CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, NULL, 0));
    CHECK_EQ (GET_INT (client, ZMQ_MECHANISM), ZMQ_NULL);

    /* Setting a user name makes a PLAIN server a client again. */
    CHECK_RC (zmq_setsockopt (server, ZMQ_PLAIN_USERNAME, "u", 1));
    CHECK_EQ (GET_INT (server, ZMQ_PLAIN_SERVER), 0);
    CHECK_EQ (GET_INT (server, ZMQ_MECHANISM), ZMQ_PLAIN);

    CHECK_RC (zmq_close (null_sock));
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
    case_end ();
}

static void test_accepted (void)
{
    struct tu_zap_handler h;
    struct tu_zap_request r;
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *events;
    zmq_msg_t msg;

    handler_start (&h);
    server = plain_server ("global");
    client = plain_client ("admin", "password");
    WATCH_AND_CONNECT (ctx, server, client, failures, &events, NULL, ep);

    SEND_STR (client, "hello plain", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, server, 0), 11);
    CHECK (memcmp (zmq_msg_data (&msg), "hello plain", 11) == 0);
    CHECK_STREQ (zmq_msg_gets (&msg, "User-Id"), "user:admin");
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK_STREQ (ev.endpoint, ep);

    /* The request, as RFC 27 lays it out for PLAIN. */
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK_EQ (r.frames, 8);
    CHECK_STREQ (tu_zap_frame (&r, 0), "1.0");
    CHECK (r.len[1] > 0);
    CHECK_STREQ (tu_zap_frame (&r, 2), "global");
    CHECK_STREQ (tu_zap_frame (&r, 3), "127.0.0.1");
    CHECK_STREQ (tu_zap_frame (&r, 4), "plain-server");
    CHECK_STREQ (tu_zap_frame (&r, 5), "PLAIN");
    CHECK_STREQ (tu_zap_frame (&r, 6), "admin");
    CHECK_STREQ (tu_zap_frame (&r, 7), "password");

    /* Back to the client: no ZAP on that side, so no User-Id. */
    SEND_STR (server, "hello client", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, client, 0), 12);
    CHECK (memcmp (zmq_msg_data (&msg), "hello client", 12) == 0);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_RC (zmq_msg_close (&msg));

    /* Several more, multipart and large, both ways. */
    SEND_STR (client, "a", ZMQ_SNDMORE);
    SEND_BYTES (client, "", 0, ZMQ_SNDMORE);
    SEND_FILLED (client, 300000, 3, 0);
    RECV_STR (server, "a");
    CHECK_MORE (server);
    RECV_BYTES (server, "", 0);
    CHECK_MORE (server);
    RECV_FILLED (server, 300000, 3);
    CHECK_LAST (server);
    SEND_FILLED (server, 70000, 4, 0);
    RECV_FILLED (client, 70000, 4);
    CHECK_EQ (tu_zap_requests (&h, NULL), 1);
    EXPECT_NO_EVENT (events, ZMQ_EVENT_DISCONNECTED, 100);

    CLOSE_WATCHED (server, client, events, NULL);
    handler_stop (&h);
}

/* Wrong credentials: 400, both sides told, nothing passes. */
static void check_refused (const char *user, const char *password)
{
    struct tu_zap_handler h;
    struct tu_zap_request r;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *server_events, *client_events;

    handler_start (&h);
    server = plain_server ("global");
    client = plain_client (user, password);
    WATCH_AND_CONNECT (ctx, server, client, failures, &server_events,
                       &client_events, ep);
    OFFER_STR (client, "let me in");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
                       ep);
    EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
                       NULL);
    EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_DISCONNECTED, TU_ANY_VALUE,
                       NULL);

    EXPECT_NOTHING_WITHIN (server, 300);
    CHECK_EQ (tu_zap_requests (&h, &r), 1);
    CHECK_EQ (r.frames, 8);
    CHECK_STREQ (tu_zap_frame (&r, 5), "PLAIN");
    CHECK_STREQ (tu_zap_frame (&r, 6), user);
    CHECK_STREQ (tu_zap_frame (&r, 7), password);
    /* No second attempt, no success. */
    EXPECT_NO_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    EXPECT_NO_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 100);
    CHECK_EQ (tu_zap_requests (&h, NULL), 1);

    CLOSE_WATCHED (server, client, server_events, client_events);
    handler_stop (&h);
}

static void test_refused (void)
{
    check_refused ("admin", "wrong");
    check_refused ("mallory", "password");
    check_refused ("admin", "passwordx");
}

/* A PLAIN server with nobody at inproc://zeromq.zap.01. */
static void check_no_handler (const char *domain)
{
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *events;
    case_begin ();
    server = plain_server (domain);
    client = plain_client ("admin", "password");
    WATCH_AND_CONNECT (ctx, server, client, failures, &events, NULL, ep);
    OFFER_STR (client, "anyone there?");
    EXPECT_NEXT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT,
                       ep);
    EXPECT_NOTHING_WITHIN (server, 300);
    EXPECT_NO_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 100);
    CLOSE_WATCHED (server, client, events, NULL);
    case_end ();
}

static void test_no_handler (void)
{
    check_no_handler ("global");
    check_no_handler (NULL);
}

/* A NULL client cannot talk to a PLAIN server. */
static void test_null_client (void)
{
    struct tu_zap_handler h;
    char ep[TU_ENDPOINT_MAX];
    void *server, *client, *server_events, *client_events;

    handler_start (&h);
    server = plain_server ("global");
    client = TU_SOCKET (ctx, ZMQ_DEALER);
    WATCH_AND_CONNECT (ctx, server, client, failures, &server_events,
                       &client_events, ep);
    OFFER_STR (client, "no mechanism");

    EXPECT_NEXT_EVENT (server_events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, ep);
    EXPECT_NEXT_EVENT (client_events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, NULL);

    EXPECT_NOTHING_WITHIN (server, 300);
    CHECK_EQ (tu_zap_requests (&h, NULL), 0);

    CLOSE_WATCHED (server, client, server_events, client_events);
    handler_stop (&h);
}

/* ---- A raw ZMTP peer, for what goes over the wire ---- */

/* A ZMTP 3.1 greeting for PLAIN with the given as-server flag. */
static void raw_greeting (int fd, int as_server)
{
    unsigned char g[64];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, "PLAIN", 5);
    g[32] = (unsigned char) as_server;
    RAW_WRITE (fd, g, sizeof g);
}

/* The peer's greeting: a ZMTP 3.x one for PLAIN. */
static void raw_expect_greeting (int fd)
{
    unsigned char g[64];
    static const unsigned char mech[20] = "PLAIN";
    RAW_READ (fd, g, sizeof g, NULL);
    CHECK_EQ (g[0], 0xff);
    CHECK_EQ (g[9], 0x7f);
    CHECK_EQ (g[10], 3);
    CHECK (memcmp (g + 12, mech, 20) == 0);
}

/* One short command frame: its body into buf (cap bytes), size returned. */
static size_t raw_read_command (int fd, unsigned char *buf, size_t cap)
{
    unsigned char head[2];
    RAW_READ (fd, head, 2, NULL);
    CHECK_EQ (head[0], 0x04);
    CHECK (head[1] <= cap);
    RAW_READ (fd, buf, head[1], NULL);
    return head[1];
}

static void raw_send_command (int fd, const void *body, size_t len)
{
    unsigned char head[2];
    CHECK (len <= 255);
    head[0] = 0x04;
    head[1] = (unsigned char) len;
    RAW_WRITE (fd, head, 2);
    RAW_WRITE (fd, body, len);
}

/* libzmq's PLAIN ERROR for status 400, as it goes on the wire. */
static const unsigned char libzmq_plain_error_400[9] = {
  0x5e, 'R', 'R', 'O', 'R', 3, '4', '0', '0'};

/* A raw client sends a HELLO with a wrong password to a PLAIN server;
 * what comes back is libzmq's ERROR. */
static void test_error_sent (void)
{
    struct tu_zap_handler h;
    char ep[TU_ENDPOINT_MAX];
    static const unsigned char hello[] = {5,   'H', 'E', 'L', 'L', 'O', 5,
                                          'a', 'd', 'm', 'i', 'n', 5,   'w',
                                          'r', 'o', 'n', 'g'};
    unsigned char body[256];
    size_t n;
    void *server;
    int fd;

    handler_start (&h);
    server = plain_server ("global");
    BIND_LOOPBACK (server, ep);
    fd = RAW_CONNECT (ep);
    raw_greeting (fd, 0);
    raw_expect_greeting (fd);
    raw_send_command (fd, hello, sizeof hello);
    n = raw_read_command (fd, body, sizeof body);
    CHECK_EQ (n, sizeof libzmq_plain_error_400);
    CHECK (memcmp (body, libzmq_plain_error_400, n) == 0);
    CHECK_EQ (tu_zap_requests (&h, NULL), 1);
    close (fd);
    CHECK_RC (zmq_close (server));
    handler_stop (&h);
}

/* A raw server answers a PLAIN client's HELLO with libzmq's ERROR: the
 * client takes it for a refusal with status 400. */
static void test_error_received (void)
{
    struct tu_event ev;
    char ep[TU_ENDPOINT_MAX];
    unsigned char body[256];
    size_t n;
    void *client, *events;
    int lfd, fd;

    case_begin ();
    lfd = RAW_LISTEN (ep);
    client = plain_client ("admin", "password");
    events = TU_MONITOR (ctx, client, failures);
    CHECK_RC (zmq_connect (client, ep));
    fd = RAW_ACCEPT (lfd);
    raw_greeting (fd, 0); /* libzmq's PLAIN server sends 0 here too */
    raw_expect_greeting (fd);
    n = raw_read_command (fd, body, sizeof body);
    CHECK_EQ (n, 6 + 6 + 9);
    CHECK (memcmp (body, "\5HELLO\5admin\10password", n) == 0);
    raw_send_command (fd, libzmq_plain_error_400,
                      sizeof libzmq_plain_error_400);
    EXPECT_NEXT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, ep);
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, &ev);
    close (fd);
    close (lfd);
    CLOSE_MONITOR (client, events);
    CHECK_RC (zmq_close (client));
    case_end ();
}

int main (void)
{
    test_options ();
    test_accepted ();
    test_refused ();
    test_no_handler ();
    test_null_client ();
    test_error_sent ();
    test_error_received ();
    return 0;
}
