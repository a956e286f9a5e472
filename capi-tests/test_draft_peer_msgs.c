/* The DRAFT peer messages: ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG and
 * ZMQ_HICCUP_MSG, over tcp, ipc, ws and inproc.
 *
 * Man page: zmq_setsockopt(3) (libzmq master).
 *
 * What is checked (libzmq master's behaviour):
 * - a ROUTER, DEALER, CLIENT or SERVER with ZMQ_HELLO_MSG sends it to each
 *   new peer, as one frame, before anything the application sent; over
 *   inproc both ends send theirs, whether the connect comes before or
 *   after the bind; what a ROUTER receives is prefixed with the sender's
 *   routing id, what a SERVER receives carries the peer's routing id;
 *   a socket type that may not send one (PUSH) sends none;
 * - a bound ROUTER or SERVER with ZMQ_DISCONNECT_MSG is given it when a
 *   peer leaves (closed, or over inproc disconnected), after what that
 *   peer sent, with that peer's routing id; a ROUTER that connected is
 *   given nothing when its peer goes;
 * - a DEALER with ZMQ_HICCUP_MSG is given it when a connection it made is
 *   lost (the bound peer closed); once a new peer is bound at the same
 *   endpoint, the hellos of both sides go again; a DEALER that was bound
 *   is given nothing when its peer goes.
 *
 * Absence is checked only after a monitor event said the connection was
 * lost, with a short wait (the message would follow that event at once).
 */
#include "testutil.h"

#include <stdint.h>

static void *ctx;

static void set_bytes (void *s, int option, const char *value)
{
    CHECK_RC (zmq_setsockopt (s, option, value, strlen (value)));
}

/* Receives one frame equal to str, the last of its message; returns the
 * routing id it came with (SERVER; 0 otherwise). */
static uint32_t recv_last (void *s, const char *str)
{
    zmq_msg_t msg;
    uint32_t id;
    size_t len = strlen (str);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_RC (zmq_msg_recv (&msg, s, 0));
    if (zmq_msg_size (&msg) != len
        || memcmp (zmq_msg_data (&msg), str, len) != 0) {
        char got[64];
        size_t n = zmq_msg_size (&msg) < sizeof got - 1 ? zmq_msg_size (&msg)
                                                        : sizeof got - 1;
        memcpy (got, zmq_msg_data (&msg), n);
        got[n] = '\0';
        CHECK_STREQ (got, str);
    }
    CHECK (!zmq_msg_more (&msg));
    id = zmq_msg_routing_id (&msg);
    CHECK_RC (zmq_msg_close (&msg));
    return id;
}

/* A ROUTER receives [routing id][str]. */
static void recv_routed (void *router, const char *id, const char *str)
{
    RECV_STR (router, id);
    CHECK_MORE (router);
    CHECK_EQ (recv_last (router, str), 0);
}

static void test_hello (const char *spec, int connect_first)
{
    char ep[TU_ENDPOINT_MAX];
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    set_bytes (router, ZMQ_HELLO_MSG, "R-HELLO");
    set_bytes (dealer, ZMQ_HELLO_MSG, "D-HELLO");
    set_bytes (dealer, ZMQ_ROUTING_ID, "D1");
    if (connect_first) {
        /* inproc only: the name is the endpoint. */
        snprintf (ep, sizeof ep, "%s", spec);
        CHECK_RC (zmq_connect (dealer, ep));
        SEND_STR (dealer, "after", 0);
        CHECK_RC (zmq_bind (router, ep));
    } else {
        BIND_ANY (router, spec, ep);
        CHECK_RC (zmq_connect (dealer, ep));
        /* Queued before the connection is made: the hello still goes
         * first. */
        SEND_STR (dealer, "after", 0);
    }
    recv_routed (router, "D1", "D-HELLO");
    recv_routed (router, "D1", "after");
    CHECK_EQ (recv_last (dealer, "R-HELLO"), 0);
    EXPECT_NOTHING (dealer);
    SEND_STR (router, "D1", ZMQ_SNDMORE);
    SEND_STR (router, "reply", 0);
    CHECK_EQ (recv_last (dealer, "reply"), 0);
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
}

/* SERVER and CLIENT: the hello comes with the peer's routing id, and that
 * id answers the peer. */
static void test_hello_server (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    uint32_t id;
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    void *client = TU_SOCKET (ctx, ZMQ_CLIENT);
    set_bytes (server, ZMQ_HELLO_MSG, "W");
    set_bytes (client, ZMQ_HELLO_MSG, "H");
    BIND_ANY (server, spec, ep);
    CHECK_RC (zmq_connect (client, ep));
    id = recv_last (server, "H");
    CHECK (id != 0);
    CHECK_EQ (recv_last (client, "W"), 0);
    CHECK_RC (zmq_msg_init_size (&msg, 2));
    memcpy (zmq_msg_data (&msg), "ok", 2);
    CHECK_RC (zmq_msg_set_routing_id (&msg, id));
    CHECK_RC (zmq_msg_send (&msg, server, 0));
    CHECK_EQ (recv_last (client, "ok"), 0);
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

/* A PUSH may not send a hello: the first message is the application's. */
static void test_no_hello_from_push (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    set_bytes (push, ZMQ_HELLO_MSG, "X");
    BIND_ANY (push, spec, ep);
    CHECK_RC (zmq_connect (pull, ep));
    SEND_STR (push, "real", 0);
    CHECK_EQ (recv_last (pull, "real"), 0);
    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_close (push));
}

/* how: 0 the peer closes, 1 it disconnects (inproc). */
static void test_disconnect_router (const char *spec, int how)
{
    char ep[TU_ENDPOINT_MAX];
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    set_bytes (router, ZMQ_DISCONNECT_MSG, "BYE");
    set_bytes (dealer, ZMQ_ROUTING_ID, "D1");
    /* The connector's own disconnect message plays no part. */
    set_bytes (dealer, ZMQ_DISCONNECT_MSG, "NOT-THIS");
    BIND_ANY (router, spec, ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "last", 0);
    recv_routed (router, "D1", "last");
    if (how == 0)
        CHECK_RC (zmq_close (dealer));
    else
        CHECK_RC (zmq_disconnect (dealer, ep));
    recv_routed (router, "D1", "BYE");
    EXPECT_NOTHING (router);
    if (how != 0)
        CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
}

/* Two clients; the one that leaves is named by its routing id. */
static void test_disconnect_server (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    uint32_t id1, id2;
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    void *c1 = TU_SOCKET (ctx, ZMQ_CLIENT);
    void *c2 = TU_SOCKET (ctx, ZMQ_CLIENT);
    set_bytes (server, ZMQ_DISCONNECT_MSG, "D");
    set_bytes (c1, ZMQ_HELLO_MSG, "H1");
    set_bytes (c2, ZMQ_HELLO_MSG, "H2");
    BIND_ANY (server, spec, ep);
    CHECK_RC (zmq_connect (c1, ep));
    id1 = recv_last (server, "H1");
    CHECK_RC (zmq_connect (c2, ep));
    id2 = recv_last (server, "H2");
    CHECK (id1 != 0 && id2 != 0 && id1 != id2);
    CHECK_RC (zmq_close (c2));
    CHECK_EQ (recv_last (server, "D"), id2);
    CHECK_RC (zmq_close (c1));
    CHECK_EQ (recv_last (server, "D"), id1);
    EXPECT_NOTHING (server);
    CHECK_RC (zmq_close (server));
}

/* `leaving` closes; `watched`, whose monitor is `events`, sees the
 * connection go and is given nothing. */
static void expect_silent_loss (void *watched, void *events, void *leaving)
{
    struct tu_event ev;
    CHECK_RC (zmq_close (leaving));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, &ev);
    EXPECT_NOTHING_WITHIN (watched, 200);
    CLOSE_MONITOR (watched, events);
    CHECK_RC (zmq_close (watched));
}

/* A ROUTER that connected is given no disconnect message. */
static void test_no_disconnect_for_connector (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *events;
    set_bytes (router, ZMQ_DISCONNECT_MSG, "BYE");
    set_bytes (dealer, ZMQ_ROUTING_ID, "B");
    events = TU_MONITOR (ctx, router, ZMQ_EVENT_DISCONNECTED);
    BIND_ANY (dealer, spec, ep);
    CHECK_RC (zmq_connect (router, ep));
    SEND_STR (dealer, "hi", 0);
    recv_routed (router, "B", "hi");
    expect_silent_loss (router, events, dealer);
}

static void test_hiccup (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    void *r1 = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *r2;
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    set_bytes (r1, ZMQ_HELLO_MSG, "R1-HELLO");
    set_bytes (dealer, ZMQ_HELLO_MSG, "D-HELLO");
    set_bytes (dealer, ZMQ_HICCUP_MSG, "HICCUP");
    set_bytes (dealer, ZMQ_ROUTING_ID, "D1");
    BIND_ANY (r1, spec, ep);
    CHECK_RC (zmq_connect (dealer, ep));
    recv_routed (r1, "D1", "D-HELLO");
    CHECK_EQ (recv_last (dealer, "R1-HELLO"), 0);

    CHECK_RC (zmq_close (r1));
    CHECK_EQ (recv_last (dealer, "HICCUP"), 0);
    EXPECT_NOTHING (dealer);

    /* A new peer at the same endpoint: the dealer reconnects, and each
     * side's hello goes to the other again. */
    r2 = TU_SOCKET (ctx, ZMQ_ROUTER);
    set_bytes (r2, ZMQ_HELLO_MSG, "R2-HELLO");
    REBIND (r2, ep);
    recv_routed (r2, "D1", "D-HELLO");
    CHECK_EQ (recv_last (dealer, "R2-HELLO"), 0);
    SEND_STR (dealer, "again", 0);
    recv_routed (r2, "D1", "again");
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (r2));
}

/* A DEALER that was bound is given no hiccup message. */
static void test_no_hiccup_for_acceptor (const char *spec)
{
    char ep[TU_ENDPOINT_MAX];
    void *bound = TU_SOCKET (ctx, ZMQ_DEALER);
    void *peer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *events;
    set_bytes (bound, ZMQ_HICCUP_MSG, "HICCUP");
    events = TU_MONITOR (ctx, bound, ZMQ_EVENT_DISCONNECTED);
    BIND_ANY (bound, spec, ep);
    CHECK_RC (zmq_connect (peer, ep));
    SEND_STR (peer, "hi", 0);
    CHECK_EQ (recv_last (bound, "hi"), 0);
    expect_silent_loss (bound, events, peer);
}

/* The endpoint spec for one test: tcp and ws on a port the system picks,
 * ipc at a fresh path in dir (a wildcard ipc bind would do, but its directory goes with the
 * socket, and the hiccup test binds the same path again). */
static const char *spec_for (const char *transport, const char *dir)
{
    static char buf[TU_ENDPOINT_MAX];
    static int serial;
    if (strcmp (transport, "ipc") != 0) {
        snprintf (buf, sizeof buf, "%s://127.0.0.1:*", transport);
        return buf;
    }
    snprintf (buf, sizeof buf, "ipc://%s/s%d", dir, serial++);
    return buf;
}

int main (void)
{
    static const char *const net[] = {"tcp", "ipc", "ws"};
    char dir[64];
    size_t i;
    setvbuf (stdout, NULL, _IONBF, 0);
    MAKE_TMPDIR (dir);
    ctx = CHECK_PTR (zmq_ctx_new ());

    for (i = 0; i < sizeof net / sizeof net[0]; i++) {
        const char *t = net[i];
        printf ("%s\n", t);
        test_hello (spec_for (t, dir), 0);
        test_hello_server (spec_for (t, dir));
        test_no_hello_from_push (spec_for (t, dir));
        test_disconnect_router (spec_for (t, dir), 0);
        test_disconnect_server (spec_for (t, dir));
        test_no_disconnect_for_connector (spec_for (t, dir));
        test_hiccup (spec_for (t, dir));
        test_no_hiccup_for_acceptor (spec_for (t, dir));
    }

    printf ("inproc\n");
    test_hello ("inproc://peer-msgs-hello", 0);
    test_hello ("inproc://peer-msgs-hello-late", 1);
    test_hello_server ("inproc://peer-msgs-server");
    test_no_hello_from_push ("inproc://peer-msgs-push");
    test_disconnect_router ("inproc://peer-msgs-close", 0);
    test_disconnect_router ("inproc://peer-msgs-disconnect", 1);
    test_disconnect_server ("inproc://peer-msgs-server-close");

    CHECK_RC (zmq_ctx_term (ctx));
    tu_remove_tree (dir);
    return 0;
}
