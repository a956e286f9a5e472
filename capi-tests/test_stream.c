/* ZMQ_STREAM over tcp://, talking to plain TCP sockets made with
 * socket(2) in the test.
 *
 * Man pages: zmq_socket(3) (ZMQ_STREAM), zmq_setsockopt(3)
 * (ZMQ_STREAM_NOTIFY, ZMQ_CONNECT_ROUTING_ID).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - Every message is two frames: [routing id][data]. An accepted peer's
 *   routing id is 5 bytes, a zero byte then a 32-bit counter; for an
 *   outgoing connection ZMQ_CONNECT_ROUTING_ID chooses it.
 * - With ZMQ_STREAM_NOTIFY (the default) a new connection is announced by
 *   [id][empty frame], and a peer closing its end by [id][empty frame].
 *   Without it neither is delivered.
 * - Data arrives in whatever pieces TCP delivers (each [id][piece]); the
 *   bytes and their order are kept. What the application sends as
 *   [id][data] goes out as raw bytes, with no framing.
 * - Sending [id][empty frame] closes that connection (the peer reads end
 *   of file). No notification comes back for a close we asked for, and
 *   afterwards the id is unknown.
 * - An unknown routing id fails the send of the id frame with
 *   EHOSTUNREACH; the data frame that follows must then not be sent.
 * - Received frames carry "Peer-Address" metadata.
 */
#include "testutil.h"

#include <poll.h>

static void *ctx;

/* Wait (bounded, pumping) for end of file on fd. */
static void raw_expect_eof (int fd, void *pump)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    char c;
    for (;;) {
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        CHECK (tu_now_ms () < deadline);
        if (poll (&p, 1, 10) == 1) {
            CHECK_EQ (read (fd, &c, 1), 0);
            return;
        }
        tu_events (pump);
    }
}

/* Receive [id][data]; store the id, return the data size (into buf). */
static size_t recv_stream (void *s, unsigned char *id, size_t *id_len,
                           void *buf, size_t cap)
{
    size_t n;
    *id_len = RECV_FRAME (s, id, 255);
    CHECK_MORE (s);
    n = RECV_FRAME (s, buf, cap);
    CHECK_LAST (s);
    return n;
}

static void test_accepted_connection (void)
{
    char ep[TU_ENDPOINT_MAX], buf[64];
    unsigned char id[256], id2[256];
    size_t id_len, id2_len;
    zmq_msg_t msg;
    int fd;
    void *stream = TU_SOCKET (ctx, ZMQ_STREAM);
    BIND_LOOPBACK (stream, ep);
    fd = RAW_CONNECT (ep);

    /* Connect notification. */
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 0);
    CHECK_EQ (id_len, 5);
    CHECK_EQ (id[0], 0);

    /* Raw bytes in. */
    RAW_WRITE (fd, "hello", 5);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, stream, 0), 5);
    CHECK (memcmp (zmq_msg_data (&msg), id, 5) == 0);
    CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&msg));
    RECV_STR (stream, "hello");
    CHECK_LAST (stream);

    /* Raw bytes out, without framing. */
    SEND_BYTES (stream, id, id_len, ZMQ_SNDMORE);
    SEND_STR (stream, "world", 0);
    RAW_READ (fd, buf, 5, stream);
    CHECK (memcmp (buf, "world", 5) == 0);

    /* Unknown ids are refused at the id frame. */
    CHECK_ERRNO (zmq_send (stream, "\0zzzz", 5, ZMQ_SNDMORE), EHOSTUNREACH);

    /* A second client gets its own id. */
    {
        int fd2 = RAW_CONNECT (ep);
        CHECK_EQ (recv_stream (stream, id2, &id2_len, buf, sizeof buf), 0);
        CHECK_EQ (id2_len, 5);
        CHECK (memcmp (id, id2, 5) != 0);
        /* Its close is announced with an empty frame. */
        CHECK_RC (close (fd2));
        CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 0);
        CHECK (id_len == 5 && memcmp (id, id2, 5) == 0);
    }

    /* We close the first connection by sending it an empty frame. */
    RAW_WRITE (fd, "x", 1);
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 1);
    SEND_BYTES (stream, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (stream, "", 0, 0);
    raw_expect_eof (fd, stream);
    /* No notification for our own close, and the id is gone. */
    EXPECT_NOTHING (stream);
    CHECK_ERRNO (zmq_send (stream, id, id_len, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (stream));
}

/* Bytes written in one go arrive complete and in order, in pieces. */
static void test_large_input (void)
{
    enum { total = 300000 };
    static unsigned char sent[total], got[total];
    char ep[TU_ENDPOINT_MAX];
    unsigned char id[256], piece_id[256];
    size_t id_len, piece_id_len, have = 0;
    int fd;
    void *stream = TU_SOCKET (ctx, ZMQ_STREAM);
    BIND_LOOPBACK (stream, ep);
    fd = RAW_CONNECT (ep);
    CHECK_EQ (recv_stream (stream, id, &id_len, got, sizeof got), 0);
    tu_fill (sent, total, 9);
    RAW_WRITE (fd, sent, total);
    while (have < total) {
        size_t n = recv_stream (stream, piece_id, &piece_id_len, got + have,
                                total - have);
        CHECK (n > 0);
        CHECK (piece_id_len == id_len && memcmp (piece_id, id, id_len) == 0);
        have += n;
    }
    CHECK (memcmp (sent, got, total) == 0);

    /* And a large message out arrives whole. */
    SEND_BYTES (stream, id, id_len, ZMQ_SNDMORE);
    SEND_BYTES (stream, sent, total, 0);
    memset (got, 0, sizeof got);
    RAW_READ (fd, got, total, stream);
    CHECK (memcmp (sent, got, total) == 0);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (stream));
}

static void test_notify_off (void)
{
    char ep[TU_ENDPOINT_MAX], buf[16];
    unsigned char id[256];
    size_t id_len;
    int fd;
    void *stream = TU_SOCKET (ctx, ZMQ_STREAM);
    TU_SET_INT (stream, ZMQ_STREAM_NOTIFY, 0);
    BIND_LOOPBACK (stream, ep);
    fd = RAW_CONNECT (ep);
    RAW_WRITE (fd, "first", 5);
    /* The first thing received is data, not a notification. */
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 5);
    CHECK (memcmp (buf, "first", 5) == 0);
    /* The peer's close is not announced: the stream stays empty until a
     * new client's data comes. */
    CHECK_RC (close (fd));
    fd = RAW_CONNECT (ep);
    RAW_WRITE (fd, "second", 6);
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 6);
    CHECK (memcmp (buf, "second", 6) == 0);
    CHECK_RC (close (fd));
    CHECK_RC (zmq_close (stream));
}

/* A STREAM socket connecting out to a plain TCP server. */
static void test_outgoing (void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    char ep[TU_ENDPOINT_MAX], buf[16];
    unsigned char id[256];
    size_t id_len;
    int lfd, fd;
    void *stream = TU_SOCKET (ctx, ZMQ_STREAM);
    lfd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (lfd >= 0);
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (lfd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (listen (lfd, 4));
    CHECK_RC (getsockname (lfd, (struct sockaddr *) &addr, &len));
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));

    CHECK_RC (zmq_setsockopt (stream, ZMQ_CONNECT_ROUTING_ID, "out-1", 5));
    CHECK_RC (zmq_connect (stream, ep));
    fd = accept (lfd, NULL, NULL);
    CHECK (fd >= 0);
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 0);
    CHECK (id_len == 5 && memcmp (id, "out-1", 5) == 0);

    RAW_WRITE (fd, "server", 6);
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 6);
    CHECK (id_len == 5 && memcmp (id, "out-1", 5) == 0);
    CHECK (memcmp (buf, "server", 6) == 0);

    SEND_STR (stream, "out-1", ZMQ_SNDMORE);
    SEND_STR (stream, "client", 0);
    RAW_READ (fd, buf, 6, stream);
    CHECK (memcmp (buf, "client", 6) == 0);

    /* The server hanging up is announced too. */
    CHECK_RC (close (fd));
    CHECK_EQ (recv_stream (stream, id, &id_len, buf, sizeof buf), 0);
    CHECK (id_len == 5 && memcmp (id, "out-1", 5) == 0);
    CHECK_RC (close (lfd));
    CHECK_RC (zmq_close (stream));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_accepted_connection ();
    test_large_input ();
    test_notify_off ();
    test_outgoing ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
