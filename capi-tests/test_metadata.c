/* Connection metadata on received messages: zmq_msg_gets and
 * zmq_msg_get (ZMQ_SRCFD), over tcp://.
 *
 * Man pages: zmq_msg_gets(3), zmq_msg_get(3).
 *
 * Reference behaviours pinned here (libzmq 4.3.4, NULL mechanism):
 * - Every frame received over a ZMTP connection carries the peer's
 *   "Socket-Type" (its type name in capitals, e.g. "PUSH") and
 *   "Peer-Address" (the numeric IP of the peer: "127.0.0.1", "::1").
 * - "Identity" is present when the peer is a REQ, DEALER or ROUTER: its
 *   ZMQ_ROUTING_ID, or "" when it has none. Other peers (PUSH, PUB...)
 *   send no "Identity": the lookup fails.
 * - "Routing-Id" is not a property name in 4.3.4 (the lookup fails), and
 *   names are case-sensitive ("socket-type" fails). No "User-Id" without
 *   a security mechanism. A failed lookup returns NULL with errno EINVAL.
 * - A message built locally has no metadata (gets fails with EINVAL) and
 *   ZMQ_SRCFD -1. A received message's ZMQ_SRCFD is the connection's fd.
 * - zmq_msg_copy and zmq_msg_move keep the metadata.
 */
#include "testutil.h"

static void *ctx;

/* A property that must be absent. */
#define CHECK_NO_PROPERTY(msg, name)                                           \
    CHECK_NULL_ERRNO (zmq_msg_gets ((msg), (name)), EINVAL)

static void recv_msg (void *s, zmq_msg_t *msg)
{
    CHECK_RC (zmq_msg_init (msg));
    CHECK_RC (zmq_msg_recv (msg, s, 0));
}

static void test_push_pull (void)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    struct sockaddr_in local;
    socklen_t len = sizeof local;
    int fd, part;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    /* A PUSH sends no Identity even when it has a routing id. */
    CHECK_RC (zmq_setsockopt (push, ZMQ_ROUTING_ID, "push-id", 7));
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "one", ZMQ_SNDMORE);
    SEND_STR (push, "two", 0);
    for (part = 0; part < 2; part++) {
        recv_msg (pull, &msg);
        CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "PUSH");
        CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
        CHECK_NO_PROPERTY (&msg, "Identity");
        CHECK_NO_PROPERTY (&msg, "Routing-Id");
        CHECK_NO_PROPERTY (&msg, "User-Id");
        CHECK_NO_PROPERTY (&msg, "socket-type");
        CHECK_NO_PROPERTY (&msg, "No-Such-Property");
        CHECK_NO_PROPERTY (&msg, "");
        /* The fd is the accepted connection: its local port is ours. */
        fd = zmq_msg_get (&msg, ZMQ_SRCFD);
        CHECK (fd >= 0);
        CHECK_RC (getsockname (fd, (struct sockaddr *) &local, &len));
        CHECK_EQ (ntohs (local.sin_port), tu_endpoint_port (ep));
        CHECK_EQ (zmq_msg_more (&msg), part == 0);
        CHECK_RC (zmq_msg_close (&msg));
    }
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_identities (void)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *named = TU_SOCKET (ctx, ZMQ_DEALER);
    void *anon = TU_SOCKET (ctx, ZMQ_DEALER);
    void *req = TU_SOCKET (ctx, ZMQ_REQ);
    CHECK_RC (zmq_setsockopt (named, ZMQ_ROUTING_ID, "dealer-1", 8));
    BIND_LOOPBACK (router, ep);
    CHECK_RC (zmq_connect (named, ep));
    SEND_STR (named, "hi", 0);
    /* The routing-id frame ROUTER adds carries the metadata too. */
    recv_msg (router, &msg);
    CHECK_EQ (zmq_msg_size (&msg), 8);
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "dealer-1");
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    recv_msg (router, &msg);
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "dealer-1");
    CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&msg));

    CHECK_RC (zmq_connect (anon, ep));
    SEND_STR (anon, "hi", 0);
    recv_msg (router, &msg);
    CHECK_EQ (zmq_msg_size (&msg), 5); /* generated: 0 + 4 bytes */
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "");
    CHECK_RC (zmq_msg_close (&msg));
    recv_msg (router, &msg);
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "");
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));

    /* The other way: what the DEALER learns about the ROUTER. */
    SEND_STR (router, "dealer-1", ZMQ_SNDMORE);
    SEND_STR (router, "back", 0);
    recv_msg (named, &msg);
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "ROUTER");
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "");
    CHECK_RC (zmq_msg_close (&msg));

    /* REQ peers send an Identity as well. */
    CHECK_RC (zmq_connect (req, ep));
    SEND_STR (req, "question", 0);
    recv_msg (router, &msg); /* routing id */
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "REQ");
    CHECK_STREQ (zmq_msg_gets (&msg, "Identity"), "");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_close (anon));
    CHECK_RC (zmq_close (named));
    CHECK_RC (zmq_close (router));
}

static void test_copy_keeps_metadata (void)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg, copy, moved;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    BIND_LOOPBACK (pull, ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "x", 0);
    recv_msg (pull, &msg);
    CHECK_RC (zmq_msg_init (&copy));
    CHECK_RC (zmq_msg_init (&moved));
    CHECK_RC (zmq_msg_copy (&copy, &msg));
    CHECK_STREQ (zmq_msg_gets (&copy, "Socket-Type"), "PUSH");
    CHECK_RC (zmq_msg_move (&moved, &msg));
    CHECK_STREQ (zmq_msg_gets (&moved, "Peer-Address"), "127.0.0.1");
    CHECK_RC (zmq_msg_close (&moved));
    /* The copy outlives the original. */
    CHECK_STREQ (zmq_msg_gets (&copy, "Socket-Type"), "PUSH");
    CHECK_RC (zmq_msg_close (&copy));
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_local_message (void)
{
    zmq_msg_t msg;
    CHECK_RC (zmq_msg_init_size (&msg, 4));
    CHECK_NO_PROPERTY (&msg, "Socket-Type");
    CHECK_NO_PROPERTY (&msg, "Peer-Address");
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SRCFD), -1);
    CHECK_RC (zmq_msg_close (&msg));
}

static void test_ipv6_peer_address (void)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    void *pull, *push;
    if (!tu_have_ipv6_loopback ()) {
        printf ("test_metadata: no ::1 on this machine, IPv6 case skipped\n");
        return;
    }
    pull = TU_SOCKET (ctx, ZMQ_PULL);
    push = TU_SOCKET (ctx, ZMQ_PUSH);
    TU_SET_INT (pull, ZMQ_IPV6, 1);
    TU_SET_INT (push, ZMQ_IPV6, 1);
    BIND_ANY (pull, "tcp://[::1]:*", ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "v6", 0);
    recv_msg (pull, &msg);
    CHECK_STREQ (zmq_msg_gets (&msg, "Peer-Address"), "::1");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_push_pull ();
    test_identities ();
    test_copy_keeps_metadata ();
    test_local_message ();
    test_ipv6_peer_address ();
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
