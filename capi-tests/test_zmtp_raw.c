/* ZMTP 3.x spoken by hand over a plain TCP socket to a zmq socket: the
 * greeting, the NULL mechanism's READY, framing, subscriptions, PING/PONG,
 * and hostile peers.
 *
 * Specs: ZMTP 3.0 (rfc.zeromq.org/spec/23), ZMTP 3.1 (spec/37).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - Greeting (64 bytes): FF, 8 padding bytes (libzmq sends 00*7 01),
 *   7F, version 3.1, mechanism "NULL" zero-padded to 20 bytes, as-server
 *   0 for NULL, 31 zero bytes. libzmq sends the first 10 bytes, then the
 *   rest once it has seen the peer's.
 * - READY is a command frame: flags 04, size, 05 "READY", then properties
 *   (1-byte name length, name, 4-byte big-endian value length, value).
 *   It holds "Socket-Type" and, for REQ/DEALER/ROUTER, "Identity".
 *   A peer's extra properties show up in zmq_msg_gets.
 * - Frames: flags bit0 MORE, bit1 LONG (8-byte size instead of 1), bit2
 *   COMMAND. A long-form size is accepted for a short body.
 * - A SUB tells a 3.0 peer its subscriptions as messages (01 topic; 00
 *   topic to cancel) and a 3.1 peer as SUBSCRIBE / CANCEL commands; an
 *   XPUB accepts both forms from the peer.
 * - PING (TTL, context) is answered by PONG echoing the context.
 * - Hostile peers only lose their own connection: an unknown mechanism
 *   gives HANDSHAKE_FAILED_PROTOCOL(ZMTP_MECHANISM_MISMATCH); a message
 *   or unknown command before READY gives
 *   HANDSHAKE_FAILED_PROTOCOL(ZMTP_UNEXPECTED_COMMAND); a peer that stays
 *   silent or sends junk is dropped after ZMQ_HANDSHAKE_IVL with
 *   HANDSHAKE_FAILED_NO_DETAIL; an incompatible socket type, a 2^63 byte
 *   frame or one above ZMQ_MAXMSGSIZE end in DISCONNECTED. The socket keeps
 *   serving well-behaved peers.
 */
#include "testutil.h"
#include "zmtp_raw.h"

static void *ctx;

/* ---- Well-behaved peers ---- */

static void test_push_to_pull (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char big[70000];
    zmq_msg_t msg;
    int fd;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    BIND_LOOPBACK (pull, ep);
    fd = RAW_CONNECT (ep);
    handshake (fd, 0, "PUSH", "PULL", pull);

    send_frame (fd, 0, "hello", 5, 0);
    send_frame (fd, F_MORE, "a", 1, 0);
    send_frame (fd, F_MORE, "", 0, 0);
    send_frame (fd, 0, "b", 1, 0);
    tu_fill (big, 300, 1);
    send_frame (fd, 0, big, 300, 0);
    send_frame (fd, 0, "long form", 9, 1);
    tu_fill (big, sizeof big, 2);
    send_frame (fd, 0, big, sizeof big, 0);

    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 5);
    CHECK (memcmp (zmq_msg_data (&msg), "hello", 5) == 0);
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "PUSH");
    CHECK_STREQ (zmq_msg_gets (&msg, "X-Raw"), "yes");
    CHECK_RC (zmq_msg_close (&msg));
    RECV_STR (pull, "a");
    CHECK_MORE (pull);
    RECV_STR (pull, "");
    CHECK_MORE (pull);
    RECV_STR (pull, "b");
    CHECK_LAST (pull);
    RECV_FILLED (pull, 300, 1);
    RECV_STR (pull, "long form");
    RECV_FILLED (pull, sizeof big, 2);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (pull));
}

static void test_dealer_both_ways (void)
{
    char ep[TU_ENDPOINT_MAX], value[64];
    unsigned char g[64], *body, want[300];
    int fd, flags;
    size_t len;
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    BIND_LOOPBACK (dealer, ep);
    fd = RAW_CONNECT (ep);
    /* By hand, to look at the DEALER's READY. */
    make_greeting (g, 3, 0, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, dealer);
    check_greeting (g);
    send_ready (fd, "DEALER", "Identity", "raw-peer");
    body = read_frame (fd, &flags, &len, dealer);
    CHECK_EQ (flags, F_COMMAND);
    CHECK (ready_property (body, len, "Socket-Type", value, sizeof value));
    CHECK_STREQ (value, "DEALER");
    CHECK (ready_property (body, len, "Identity", value, sizeof value));
    CHECK_STREQ (value, "");
    free (body);

    SEND_STR (dealer, "x", ZMQ_SNDMORE);
    SEND_STR (dealer, "y", 0);
    SEND_FILLED (dealer, 300, 3, 0);
    body = read_frame (fd, &flags, &len, dealer);
    CHECK (flags == F_MORE && len == 1 && body[0] == 'x');
    free (body);
    body = read_frame (fd, &flags, &len, dealer);
    CHECK (flags == 0 && len == 1 && body[0] == 'y');
    free (body);
    body = read_frame (fd, &flags, &len, dealer);
    CHECK (flags == F_LONG && len == 300);
    tu_fill (want, 300, 3);
    CHECK (memcmp (body, want, 300) == 0);
    free (body);

    send_frame (fd, 0, "reply", 5, 0);
    RECV_STR (dealer, "reply");
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (dealer));
}

/* A zmq SUB connecting to a raw publisher speaking 3.0 or 3.1. */
static void subscriptions_to (int minor)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char *body;
    int lfd, fd, flags;
    size_t len;
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    lfd = RAW_LISTEN (ep);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "ab", 2));
    CHECK_RC (zmq_connect (sub, ep));
    fd = RAW_ACCEPT (lfd);
    handshake (fd, minor, "PUB", "SUB", sub);

    body = read_frame (fd, &flags, &len, sub);
    if (minor == 0) /* a message: 01 topic */
        CHECK (flags == 0 && len == 3 && memcmp (body, "\1ab", 3) == 0);
    else /* a command: SUBSCRIBE topic */
        CHECK (flags == F_COMMAND && len == 12
               && memcmp (body, "\011SUBSCRIBEab", 12) == 0);
    free (body);

    send_frame (fd, 0, "abc news", 8, 0);
    send_frame (fd, 0, "xyz news", 8, 0);
    send_frame (fd, 0, "ab more", 7, 0);
    RECV_STR (sub, "abc news");
    RECV_STR (sub, "ab more");

    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "ab", 2));
    body = read_frame (fd, &flags, &len, sub);
    if (minor == 0)
        CHECK (flags == 0 && len == 3 && memcmp (body, "\0ab", 3) == 0);
    else
        CHECK (flags == F_COMMAND && len == 9
               && memcmp (body, "\006CANCELab", 9) == 0);
    free (body);
    CHECK_RC (close (fd));
    CHECK_RC (close (lfd));
    CHECK_RC (zmq_close (sub));
}

static void test_subscriptions (void)
{
    subscriptions_to (0);
    subscriptions_to (1);
}

/* An XPUB takes subscriptions from a 3.1 peer in both forms. */
static void test_xpub_from_raw_sub (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char *body;
    int fd, flags;
    size_t len;
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    BIND_LOOPBACK (xpub, ep);
    fd = RAW_CONNECT (ep);
    handshake (fd, 1, "SUB", "XPUB", xpub);
    send_frame (fd, F_COMMAND, "\011SUBSCRIBEt", 11, 0);
    RECV_BYTES (xpub, "\1t", 2);
    send_frame (fd, F_COMMAND, "\006CANCELt", 8, 0);
    RECV_BYTES (xpub, "\0t", 2);
    send_frame (fd, 0, "\1u", 2, 0);
    RECV_BYTES (xpub, "\1u", 2);
    SEND_STR (xpub, "t skipped", 0);
    SEND_STR (xpub, "u data", 0);
    body = read_frame (fd, &flags, &len, xpub);
    CHECK (flags == 0 && len == 6 && memcmp (body, "u data", 6) == 0);
    free (body);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (xpub));
}

static void test_ping_pong (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char *body;
    int fd, flags;
    size_t len;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    BIND_LOOPBACK (pull, ep);
    fd = RAW_CONNECT (ep);
    handshake (fd, 1, "PUSH", "PULL", pull);
    /* PING: name, TTL (deciseconds, 16 bits), context. */
    send_frame (fd, F_COMMAND, "\004PING\000\012ctx", 10, 0);
    body = read_frame (fd, &flags, &len, pull);
    CHECK (flags == F_COMMAND && len == 8
           && memcmp (body, "\004PONGctx", 8) == 0);
    free (body);
    /* The connection still carries messages. */
    send_frame (fd, 0, "after ping", 10, 0);
    RECV_STR (pull, "after ping");
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (pull));
}

/* ---- Hostile peers ---- */

/* A PULL with a short handshake limit and a size limit, and a monitor. */
static void *guarded_pull (char *ep, void **events)
{
    int64_t max = 100000;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (pull, ZMQ_HANDSHAKE_IVL, 300);
    CHECK_RC (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    *events = TU_MONITOR (ctx, pull, ZMQ_EVENT_ALL);
    BIND_LOOPBACK (pull, ep);
    return pull;
}

/* The socket still serves a good peer, and got nothing from the bad. */
static void still_healthy (void *pull, const char *ep)
{
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    EXPECT_NOTHING (pull);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "good peer", 0);
    RECV_STR (pull, "good peer");
    CHECK_RC (zmq_close (push));
}

static void expect_protocol_failure (void *events, uint32_t code)
{
    struct tu_event ev;
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &ev);
    CHECK_EQ (ev.value, code);
}

static void test_unknown_mechanism (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char g[64];
    void *events, *pull = guarded_pull (ep, &events);
    int fd = RAW_CONNECT (ep);
    make_greeting (g, 3, 0, "BOGUS");
    RAW_WRITE (fd, g, 64);
    raw_expect_closed (fd);
    expect_protocol_failure (events,
                             ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    CHECK_RC (close (fd));
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

static void test_message_before_ready (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char g[64];
    void *events, *pull = guarded_pull (ep, &events);
    int fd = RAW_CONNECT (ep);
    make_greeting (g, 3, 0, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, NULL);
    send_frame (fd, 0, "too early", 9, 0);
    raw_expect_closed (fd);
    expect_protocol_failure (events,
                             ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    CHECK_RC (close (fd));

    /* An unknown command instead of READY is just as unexpected. */
    fd = RAW_CONNECT (ep);
    make_greeting (g, 3, 0, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, NULL);
    send_frame (fd, F_COMMAND, "\005HELLO", 6, 0);
    raw_expect_closed (fd);
    expect_protocol_failure (events,
                             ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    CHECK_RC (close (fd));
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

static void test_incompatible_type (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char g[64];
    struct tu_event ev;
    void *events, *pull = guarded_pull (ep, &events);
    int fd = RAW_CONNECT (ep);
    make_greeting (g, 3, 0, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, NULL);
    send_ready (fd, "PULL", NULL, NULL);
    raw_expect_closed (fd);
    for (;;) {
        CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
        CHECK (ev.event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        if (ev.event == ZMQ_EVENT_DISCONNECTED)
            break;
    }
    CHECK_RC (close (fd));
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

/* Frame sizes: 2^63 and one just over ZMQ_MAXMSGSIZE, after a good
 * handshake. */
static void test_oversized_frames (void)
{
    static const uint64_t sizes[] = {(uint64_t) 1 << 63, 100001};
    char ep[TU_ENDPOINT_MAX];
    unsigned char head[9];
    size_t i, k;
    void *events, *pull = guarded_pull (ep, &events);
    for (i = 0; i < 2; i++) {
        int fd = RAW_CONNECT (ep);
        handshake (fd, 0, "PUSH", "PULL", pull);
        EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL);
        head[0] = F_LONG;
        for (k = 0; k < 8; k++)
            head[1 + k] = (unsigned char) (sizes[i] >> (56 - 8 * k));
        RAW_WRITE (fd, head, 9);
        RAW_WRITE (fd, "some bytes", 10);
        raw_expect_closed (fd);
        EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
        CHECK_RC (close (fd));
    }
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

/* Junk, and silence: dropped once ZMQ_HANDSHAKE_IVL has passed. */
static void test_junk_and_silence (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    int fd, round;
    long long start;
    void *events, *pull = guarded_pull (ep, &events);
    for (round = 0; round < 2; round++) {
        fd = RAW_CONNECT (ep);
        start = tu_now_ms ();
        if (round == 0)
            RAW_WRITE (fd, "GET / HTTP/1.1\r\n\r\n", 18);
        raw_expect_closed (fd);
        CHECK (tu_now_ms () - start >= 200);
        EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &ev);
        CHECK_RC (close (fd));
    }
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

/* A peer that sends part of a greeting and closes at once: the data and
 * the end of the stream arrive together, and the socket must notice the
 * end (NO_DETAIL with EPIPE, then DISCONNECTED) long before its 30 s
 * handshake interval ends. Rounds 0-2 close at once; rounds 3-4 first read
 * the socket's whole greeting, then send the rest of theirs (or part) and
 * close, so the data and the end of stream come in one later readiness. */
static void test_greeting_then_close (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    unsigned char g[64];
    int round, fd;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *events = TU_MONITOR (ctx, pull, ZMQ_EVENT_ALL);
    TU_SET_INT (pull, ZMQ_HANDSHAKE_IVL, 30000);
    BIND_LOOPBACK (pull, ep);
    make_greeting (g, 3, 1, "NULL");
    for (round = 0; round < 5; round++) {
        unsigned char theirs[64];
        fd = RAW_CONNECT (ep);
        if (round < 3) {
            /* 10, 11 and 64 bytes: signature, major version, greeting */
            RAW_WRITE (fd, g, round == 0 ? 10 : round == 1 ? 11 : 64);
        } else {
            RAW_WRITE (fd, g, 11);
            RAW_READ (fd, theirs, sizeof theirs, NULL);
            RAW_WRITE (fd, g + 11, round == 3 ? 53 : 30);
        }
        CHECK_RC (close (fd));
        EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &ev);
        /* EPIPE for a clean end, ECONNRESET when our greeting was unread */
        CHECK (ev.value == EPIPE || ev.value == ECONNRESET);
        EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, &ev);
    }
    still_healthy (pull, ep);
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_push_to_pull ();
    test_dealer_both_ways ();
    test_subscriptions ();
    test_xpub_from_raw_sub ();
    test_ping_pong ();
    test_unknown_mechanism ();
    test_message_before_ready ();
    test_incompatible_type ();
    test_oversized_frames ();
    test_junk_and_silence ();
    test_greeting_then_close ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
