/* Reserved flag bits of ZMTP 3.x frames, set by a raw TCP peer.
 *
 * Spec: ZMTP 3.1 (rfc.zeromq.org/spec/37), framing: bits 7-3 of the
 * flags byte are reserved, and senders leave them zero. Reference behaviour
 * (libzmq 4.3, its v2/v3 frame decoder): only MORE (0x01), LONG (0x02)
 * and COMMAND (0x04) are looked at; the reserved bits 0x08-0x80 are
 * ignored, on message frames and on commands, during the handshake and
 * after it. The frame is delivered as if they were clear and the
 * connection stays up.
 */
#include "testutil.h"
#include "zmtp_raw.h"

static void *ctx;

static const int reserved[] = {0x08, 0x10, 0x20, 0x40, 0x80, 0xF8};
#define N_RESERVED ((int) (sizeof reserved / sizeof reserved[0]))

/* The NULL handshake, with the reserved bits `bits` set on our READY. */
static void handshake_with_bits (int fd, int bits, void *pump)
{
    unsigned char body[64], *theirs;
    size_t n, len;
    int flags;
    exchange_greetings (fd, pump);
    n = begin_ready (body, "PUSH");
    send_frame (fd, F_COMMAND | bits, body, n, 0);
    theirs = read_frame (fd, &flags, &len, pump);
    CHECK_EQ (flags, F_COMMAND);
    free (theirs);
}

/* Message frames: each reserved bit, alone and with MORE, in the short
 * and the long form, is delivered as the frame without it. */
static void test_message_frames (void)
{
    char ep[TU_ENDPOINT_MAX], text[32];
    int i, fd;
    void *events, *pull = TU_SOCKET (ctx, ZMQ_PULL);
    events = TU_MONITOR (ctx, pull, ZMQ_EVENT_DISCONNECTED);
    BIND_LOOPBACK (pull, ep);
    fd = RAW_CONNECT (ep);
    handshake_with_bits (fd, 0, pull);
    for (i = 0; i < N_RESERVED; i++) {
        snprintf (text, sizeof text, "bits %02x", reserved[i]);
        send_frame (fd, reserved[i], text, strlen (text), 0);
        send_frame (fd, reserved[i] | F_MORE, "head", 4, 0);
        send_frame (fd, reserved[i], "tail", 4, 1);
        RECV_STR (pull, text);
        CHECK_LAST (pull);
        RECV_STR (pull, "head");
        CHECK_MORE (pull);
        RECV_STR (pull, "tail");
        CHECK_LAST (pull);
    }
    /* The connection is still the same one. */
    send_frame (fd, 0, "plain", 5, 0);
    RECV_STR (pull, "plain");
    EXPECT_NO_EVENT (events, ZMQ_EVENT_DISCONNECTED, 100);
    CHECK_RC (close (fd));
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

/* Commands: READY and PING with reserved bits are still those commands
 * (the handshake succeeds, the PING gets its PONG). */
static void test_commands (void)
{
    char ep[TU_ENDPOINT_MAX];
    unsigned char *body;
    int i, fd, flags;
    size_t len;
    struct tu_event ev;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *events = TU_MONITOR (ctx, pull, TU_HANDSHAKE_EVENTS);
    BIND_LOOPBACK (pull, ep);
    for (i = 0; i < N_RESERVED; i++) {
        fd = RAW_CONNECT (ep);
        handshake_with_bits (fd, reserved[i], pull);
        CHECK (tu_next_event (events, &ev, TU_TIMEOUT_MS));
        CHECK_EQ (ev.event, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        send_frame (fd, F_COMMAND | reserved[i], "\004PING\000\012abc", 10,
                    0);
        body = read_frame (fd, &flags, &len, pull);
        CHECK (flags == F_COMMAND && len == 8
               && memcmp (body, "\004PONGabc", 8) == 0);
        free (body);
        send_frame (fd, reserved[i], "after", 5, 0);
        RECV_STR (pull, "after");
        CHECK_RC (close (fd));
    }
    CLOSE_MONITOR (pull, events);
    CHECK_RC (zmq_close (pull));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_message_frames ();
    test_commands ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
