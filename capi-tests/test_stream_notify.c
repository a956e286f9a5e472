/* ZMQ_STREAM details over tcp://: metadata of the connect notification,
 * sending to a ZMQ_CONNECT_ROUTING_ID before the connection is up, and
 * what ZMQ_ROUTING_ID reads on a STREAM socket. (test_stream.c has the
 * basics.)
 *
 * Man pages: zmq_socket(3) (ZMQ_STREAM), zmq_setsockopt(3)
 * (ZMQ_CONNECT_ROUTING_ID, ZMQ_STREAM_NOTIFY), zmq_getsockopt(3),
 * zmq_msg_gets(3).
 *
 * Reference behaviours pinned here (libzmq 4.3.4):
 * - The connect notification [id][empty] carries metadata like data
 *   does: zmq_msg_gets (id frame, "Peer-Address") is "127.0.0.1", on the
 *   accepting side and on the connecting side.
 * - A STREAM that set ZMQ_CONNECT_ROUTING_ID can send [id][data] right
 *   after zmq_connect returns, before the TCP connection exists: the data
 *   is queued and written once it is up. The bound STREAM sees its
 *   notification first, then the bytes.
 * - zmq_getsockopt (ZMQ_ROUTING_ID) on a STREAM socket reads the routing
 *   id it last made up for a peer (5 bytes: zero, then a 32-bit
 *   counter): right after zmq_connect on the connecting side (the peer
 *   is given its id at once), after an accept on the bound side. It is
 *   the id the notification then carries. An id chosen with
 *   ZMQ_CONNECT_ROUTING_ID is not made up, and does not change it.
 */
#include "testutil.h"

static void *ctx;

/* Receive [id][data] with the id as a message (for its metadata) and the
 * data into buf; returns the data's size. */
static size_t recv_pair (void *s, zmq_msg_t *id, void *buf, size_t cap)
{
    size_t n;
    CHECK_RC (zmq_msg_init (id));
    CHECK_RC (zmq_msg_recv (id, s, 0));
    CHECK (zmq_msg_more (id));
    n = RECV_FRAME (s, buf, cap);
    CHECK_LAST (s);
    return n;
}

/* Read len bytes of data from connection `id` of s, which may come in
 * several [id][piece] messages. */
static void recv_data_from (void *s, zmq_msg_t *id, const char *want)
{
    char got[256];
    size_t len = strlen (want), have = 0;
    CHECK (len < sizeof got);
    while (have < len) {
        zmq_msg_t piece_id;
        size_t n = recv_pair (s, &piece_id, got + have, sizeof got - have);
        CHECK_EQ (zmq_msg_size (&piece_id), zmq_msg_size (id));
        CHECK (memcmp (zmq_msg_data (&piece_id), zmq_msg_data (id),
                       zmq_msg_size (id))
               == 0);
        CHECK (n > 0);
        have += n;
        zmq_msg_close (&piece_id);
    }
    CHECK_EQ (have, len);
    CHECK (memcmp (got, want, len) == 0);
}

static void get_routing_id (void *s, unsigned char *buf, size_t *len)
{
    *len = 255;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, len));
}

static void test_notification_metadata (void)
{
    char ep[TU_ENDPOINT_MAX], buf[16];
    zmq_msg_t id;
    void *server = TU_SOCKET (ctx, ZMQ_STREAM);
    void *client = TU_SOCKET (ctx, ZMQ_STREAM);
    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (client, ep));

    CHECK_EQ (recv_pair (server, &id, buf, sizeof buf), 0);
    CHECK_EQ (zmq_msg_size (&id), 5);
    CHECK_STREQ (zmq_msg_gets (&id, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&id));

    CHECK_EQ (recv_pair (client, &id, buf, sizeof buf), 0);
    CHECK_STREQ (zmq_msg_gets (&id, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&id));

    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

static void test_send_before_connected (void)
{
    char ep[TU_ENDPOINT_MAX], buf[16];
    zmq_msg_t id, cid;
    void *server = TU_SOCKET (ctx, ZMQ_STREAM);
    void *client = TU_SOCKET (ctx, ZMQ_STREAM);
    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "early", 5));
    CHECK_RC (zmq_connect (client, ep));
    /* At once: no wait for the connection. */
    SEND_STR (client, "early", ZMQ_SNDMORE | ZMQ_DONTWAIT);
    SEND_STR (client, "before connect", ZMQ_DONTWAIT);

    CHECK_EQ (recv_pair (server, &id, buf, sizeof buf), 0);
    recv_data_from (server, &id, "before connect");

    /* And back, to the id the server gave the client. */
    SEND_BYTES (server, zmq_msg_data (&id), zmq_msg_size (&id), ZMQ_SNDMORE);
    SEND_STR (server, "reply", 0);
    CHECK_EQ (recv_pair (client, &cid, buf, sizeof buf), 0);
    CHECK_EQ (zmq_msg_size (&cid), 5);
    CHECK (memcmp (zmq_msg_data (&cid), "early", 5) == 0);
    CHECK_RC (zmq_msg_close (&cid));
    CHECK_RC (zmq_msg_init_size (&cid, 5));
    memcpy (zmq_msg_data (&cid), "early", 5);
    recv_data_from (client, &cid, "reply");
    CHECK_RC (zmq_msg_close (&cid));
    CHECK_RC (zmq_msg_close (&id));

    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

static void test_routing_id_reads_last_made (void)
{
    char ep[TU_ENDPOINT_MAX], buf[16];
    unsigned char made[256], later[256];
    size_t made_len, later_len;
    zmq_msg_t id;
    void *server = TU_SOCKET (ctx, ZMQ_STREAM);
    void *client = TU_SOCKET (ctx, ZMQ_STREAM);
    BIND_LOOPBACK (server, ep);

    /* Connecting side: the id exists as soon as zmq_connect returns. */
    CHECK_RC (zmq_connect (client, ep));
    get_routing_id (client, made, &made_len);
    CHECK_EQ (made_len, 5);
    CHECK_EQ (made[0], 0);
    CHECK_EQ (recv_pair (client, &id, buf, sizeof buf), 0);
    CHECK_EQ (zmq_msg_size (&id), made_len);
    CHECK (memcmp (zmq_msg_data (&id), made, made_len) == 0);
    CHECK_RC (zmq_msg_close (&id));

    /* Bound side: after the accept, the accepted peer's id. */
    CHECK_EQ (recv_pair (server, &id, buf, sizeof buf), 0);
    get_routing_id (server, later, &later_len);
    CHECK_EQ (later_len, 5);
    CHECK_EQ (zmq_msg_size (&id), later_len);
    CHECK (memcmp (zmq_msg_data (&id), later, later_len) == 0);
    CHECK_RC (zmq_msg_close (&id));

    /* A second connect makes a new id; ROUTING_ID follows it. */
    CHECK_RC (zmq_connect (client, ep));
    get_routing_id (client, later, &later_len);
    CHECK_EQ (later_len, 5);
    CHECK (memcmp (later, made, 5) != 0);
    CHECK_EQ (recv_pair (client, &id, buf, sizeof buf), 0);
    CHECK (memcmp (zmq_msg_data (&id), later, 5) == 0);
    CHECK_RC (zmq_msg_close (&id));
    memcpy (made, later, 5);

    /* A chosen id leaves it as it was. */
    CHECK_RC (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "mine", 4));
    CHECK_RC (zmq_connect (client, ep));
    get_routing_id (client, later, &later_len);
    CHECK_EQ (later_len, 5);
    CHECK (memcmp (later, made, 5) == 0);
    CHECK_EQ (recv_pair (client, &id, buf, sizeof buf), 0);
    CHECK_EQ (zmq_msg_size (&id), 4);
    CHECK (memcmp (zmq_msg_data (&id), "mine", 4) == 0);
    CHECK_RC (zmq_msg_close (&id));

    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_notification_metadata ();
    test_send_before_connected ();
    test_routing_id_reads_last_made ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
