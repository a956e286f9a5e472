/* The DRAFT socket types: SERVER/CLIENT (RFC 41), SCATTER/GATHER (RFC 49),
 * CHANNEL (RFC 51), PEER (zmq_connect_peer, zmq_disconnect_peer) and
 * RADIO/DISH (RFC 48, zmq_join/zmq_leave, message groups).
 *
 * Man pages: zmq_socket(3), zmq_msg_routing_id(3), zmq_msg_set_group(3),
 * zmq_join(3), zmq_connect_peer(3), zmq_disconnect_peer(3),
 * zmq_poller(3) (zmq_poller_fd) (master).
 *
 * What is checked (reference behaviour):
 * - all of them are thread-safe: ZMQ_THREAD_SAFE is 1 and ZMQ_FD EINVAL;
 * - none of them sends a multipart message (ZMQ_SNDMORE: EINVAL); the
 *   receive-only and send-only ones refuse the other way (ENOTSUP);
 * - SERVER and PEER give each peer a non-zero routing id that comes with
 *   every message received and picks the peer on send; an unknown id (or
 *   none) is EHOSTUNREACH; what a CLIENT receives has routing id 0;
 * - the ZMTP handshake refuses a peer of the wrong type (a DEALER's
 *   messages never reach a SERVER);
 * - zmq_connect_peer returns the new peer's id at once (0 with errno set
 *   on failure: ENOTSUP on other types, EFAULT with ZMQ_IMMEDIATE);
 * - a DISH receives only the groups it joined, each message with its
 *   group; joining twice, leaving what was not joined and names over 255
 *   bytes are EINVAL;
 * - udp:// is ENOCOMPATPROTO for types that cannot use it;
 * - several threads blocked on one socket, and a poller (also through
 *   zmq_poller_fd), are each woken.
 *
 * Peers whose connection is asynchronous are made to agree without
 * sleeps: a connecting socket queues at once, so round robin over
 * connected pipes is deterministic, and an answer proves the way back.
 */
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>

static void *ctx;

/* Sends one frame to the peer with routing id `id`. */
static int send_to (void *s, uint32_t id, const char *str)
{
    zmq_msg_t msg;
    size_t len = strlen (str);
    int rc;
    CHECK_RC (zmq_msg_init_size (&msg, len));
    memcpy (zmq_msg_data (&msg), str, len);
    if (id != 0)
        CHECK_RC (zmq_msg_set_routing_id (&msg, id));
    rc = zmq_msg_send (&msg, s, 0);
    if (rc == -1) {
        int err = errno;
        zmq_msg_close (&msg);
        errno = err;
    }
    return rc;
}

/* Receives one frame equal to `str` and returns its routing id. */
static uint32_t recv_from (void *s, const char *str)
{
    zmq_msg_t msg;
    uint32_t id;
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (CHECK_RC (zmq_msg_recv (&msg, s, 0)), strlen (str));
    CHECK (memcmp (zmq_msg_data (&msg), str, strlen (str)) == 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    id = zmq_msg_routing_id (&msg);
    CHECK_RC (zmq_msg_close (&msg));
    return id;
}

static void test_types (void)
{
    const int types[] = {ZMQ_SERVER, ZMQ_CLIENT, ZMQ_RADIO, ZMQ_DISH,
                         ZMQ_GATHER, ZMQ_SCATTER, ZMQ_PEER, ZMQ_CHANNEL};
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = TU_SOCKET (ctx, types[i]);
        int fd;
        size_t len = sizeof fd;
        CHECK_EQ (GET_INT (s, ZMQ_TYPE), types[i]);
        CHECK_EQ (GET_INT (s, ZMQ_THREAD_SAFE), 1);
        /* Thread-safe sockets are polled with zmq_poller, not ZMQ_FD. */
        CHECK_ERRNO (zmq_getsockopt (s, ZMQ_FD, &fd, &len), EINVAL);
        CHECK_ERRNO (zmq_send (s, "x", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT),
                     types[i] == ZMQ_GATHER || types[i] == ZMQ_DISH
                       ? ENOTSUP
                       : EINVAL);
        CHECK_RC (zmq_close (s));
    }
    /* A classic type stays what it was. */
    {
        void *pair = TU_SOCKET (ctx, ZMQ_PAIR);
        CHECK_EQ (GET_INT (pair, ZMQ_THREAD_SAFE), 0);
        CHECK_RC (zmq_close (pair));
    }
}

static void test_client_server_tcp (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    void *c1 = TU_SOCKET (ctx, ZMQ_CLIENT);
    void *c2 = TU_SOCKET (ctx, ZMQ_CLIENT);
    uint32_t id1, id2;
    char buf[16];

    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (c1, ep));
    CHECK_RC (zmq_connect (c2, ep));

    SEND_STR (c1, "one", 0);
    id1 = recv_from (server, "one");
    SEND_STR (c2, "two", 0);
    id2 = recv_from (server, "two");
    CHECK (id1 != 0 && id2 != 0 && id1 != id2);

    /* Replies go where the routing id says, in either order. */
    CHECK_EQ (send_to (server, id2, "to two"), 6);
    CHECK_EQ (send_to (server, id1, "to one"), 6);
    CHECK_EQ (recv_from (c1, "to one"), 0);
    CHECK_EQ (recv_from (c2, "to two"), 0);
    /* The id stays the peer's for later messages. */
    SEND_STR (c1, "again", 0);
    CHECK_EQ (recv_from (server, "again"), id1);

    /* No such peer, or no id at all. */
    CHECK_ERRNO (send_to (server, id1 ^ id2 ^ 0x5a5a5a5a, "lost"),
                 EHOSTUNREACH);
    CHECK_ERRNO (send_to (server, 0, "lost"), EHOSTUNREACH);
    CHECK_ERRNO (zmq_send (server, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERRNO (zmq_send (c1, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERRNO (zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_disconnect_peer (c1, id1), ENOTSUP);

    CHECK_RC (zmq_close (c1));
    CHECK_RC (zmq_close (c2));
    CHECK_RC (zmq_close (server));
}

/* A DEALER is no CLIENT: the SERVER's handshake refuses it, so what it
 * sent never arrives, while a CLIENT connected after it gets through. */
static void test_server_refuses_dealer (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    void *client = TU_SOCKET (ctx, ZMQ_CLIENT);
    char buf[16];

    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "intruder", 0);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "client", 0);
    CHECK (recv_from (server, "client") != 0);
    CHECK_ERRNO (zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

static void test_scatter_gather (void)
{
    char ep1[TU_ENDPOINT_MAX], ep2[TU_ENDPOINT_MAX];
    void *scatter = TU_SOCKET (ctx, ZMQ_SCATTER);
    void *g1 = TU_SOCKET (ctx, ZMQ_GATHER);
    void *g2 = TU_SOCKET (ctx, ZMQ_GATHER);
    char buf[16];

    /* The scatter connects: both pipes exist at once, messages queue. */
    BIND_LOOPBACK (g1, ep1);
    BIND_LOOPBACK (g2, ep2);
    CHECK_RC (zmq_connect (scatter, ep1));
    CHECK_RC (zmq_connect (scatter, ep2));
    SEND_STR (scatter, "a", 0);
    SEND_STR (scatter, "b", 0);
    SEND_STR (scatter, "c", 0);
    SEND_STR (scatter, "d", 0);
    /* Round robin: each gather gets every other message. */
    RECV_STR (g1, "a");
    RECV_STR (g1, "c");
    RECV_STR (g2, "b");
    RECV_STR (g2, "d");
    CHECK_ERRNO (zmq_recv (g1, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_ERRNO (zmq_send (scatter, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERRNO (zmq_send (g1, "x", 1, 0), ENOTSUP);
    CHECK_ERRNO (zmq_recv (scatter, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_EQ (tu_events (scatter) & ZMQ_POLLIN, 0);

    CHECK_RC (zmq_close (scatter));
    CHECK_RC (zmq_close (g1));
    CHECK_RC (zmq_close (g2));
}

static void test_channel (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_CHANNEL);
    void *b = TU_SOCKET (ctx, ZMQ_CHANNEL);
    void *c = TU_SOCKET (ctx, ZMQ_CHANNEL);
    void *d = TU_SOCKET (ctx, ZMQ_CHANNEL);

    BIND_LOOPBACK (a, ep);
    CHECK_RC (zmq_connect (b, ep));
    SEND_STR (b, "ping", 0);
    RECV_STR (a, "ping");
    SEND_STR (a, "pong", 0);
    RECV_STR (b, "pong");
    CHECK_ERRNO (zmq_send (a, "x", 1, ZMQ_SNDMORE), EINVAL);

    /* Over inproc too. */
    CHECK_RC (zmq_bind (c, "inproc://draft-channel"));
    CHECK_RC (zmq_connect (d, "inproc://draft-channel"));
    SEND_STR (c, "in", 0);
    RECV_STR (d, "in");

    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (d));
}

static void test_peer (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *p1 = TU_SOCKET (ctx, ZMQ_PEER);
    void *p2 = TU_SOCKET (ctx, ZMQ_PEER);
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    uint32_t id_of_p1, id_of_p2;
    int one = 1;

    BIND_LOOPBACK (p1, ep);
    id_of_p1 = zmq_connect_peer (p2, ep);
    CHECK (id_of_p1 != 0);
    /* The id is usable at once: the message waits for the connection. */
    CHECK_EQ (send_to (p2, id_of_p1, "hello"), 5);
    id_of_p2 = recv_from (p1, "hello");
    CHECK (id_of_p2 != 0);
    CHECK_EQ (send_to (p1, id_of_p2, "back"), 4);
    CHECK_EQ (recv_from (p2, "back"), id_of_p1);

    /* Only PEER connects that way; not with ZMQ_IMMEDIATE. */
    errno = 0;
    CHECK_EQ (zmq_connect_peer (server, ep), 0);
    CHECK_EQ (errno, ENOTSUP);
    {
        void *p3 = TU_SOCKET (ctx, ZMQ_PEER);
        CHECK_RC (zmq_setsockopt (p3, ZMQ_IMMEDIATE, &one, sizeof one));
        errno = 0;
        CHECK_EQ (zmq_connect_peer (p3, ep), 0);
        CHECK_EQ (errno, EFAULT);
        CHECK_RC (zmq_close (p3));
    }

    /* Dropping a peer forgets its id at once. */
    CHECK_ERRNO (zmq_disconnect_peer (p1, id_of_p2 ^ 0x00ff00ff),
                 EHOSTUNREACH);
    CHECK_RC (zmq_disconnect_peer (p1, id_of_p2));
    CHECK_ERRNO (send_to (p1, id_of_p2, "gone"), EHOSTUNREACH);
    CHECK_ERRNO (zmq_disconnect_peer (p1, id_of_p2), EHOSTUNREACH);

    CHECK_RC (zmq_close (server));
    CHECK_RC (zmq_close (p2));
    CHECK_RC (zmq_close (p1));
}

static void send_group (void *radio, const char *group, const char *body)
{
    zmq_msg_t msg;
    CHECK_RC (zmq_msg_init_size (&msg, strlen (body)));
    memcpy (zmq_msg_data (&msg), body, strlen (body));
    CHECK_RC (zmq_msg_set_group (&msg, group));
    CHECK_EQ (zmq_msg_send (&msg, radio, 0), strlen (body));
    CHECK_RC (zmq_msg_close (&msg));
}

/* Receives one message; 1 if it is `body` in `group`, 0 if it is `other`
 * in `other_group` (when given); anything else fails the test. */
static int recv_either (void *dish, const char *group, const char *body,
                        const char *other_group, const char *other,
                        const char *file, int line)
{
    zmq_msg_t msg;
    const char *g;
    size_t n;
    int which = -1;
    CHECK_RC (zmq_msg_init (&msg));
    if (zmq_msg_recv (&msg, dish, 0) == -1)
        tu_fail_errno (file, line, "zmq_msg_recv", errno);
    g = zmq_msg_group (&msg);
    n = zmq_msg_size (&msg);
    if (g && strcmp (g, group) == 0 && n == strlen (body)
        && memcmp (zmq_msg_data (&msg), body, n) == 0)
        which = 1;
    else if (other && g && strcmp (g, other_group) == 0
             && n == strlen (other)
             && memcmp (zmq_msg_data (&msg), other, n) == 0)
        which = 0;
    if (which < 0) {
        char detail[400];
        snprintf (detail, sizeof detail,
                  "got %zu bytes in group \"%s\", expected \"%s\" in \"%s\"",
                  n, g ? g : "(null)", body, group);
        tu_fail (file, line, "received message differs", detail);
    }
    CHECK_RC (zmq_msg_close (&msg));
    return which;
}
#define RECV_GROUP(dish, group, body)                                          \
    recv_either ((dish), (group), (body), NULL, NULL, __FILE__, __LINE__)

/* A JOIN reaches the RADIO in its own time (in libzmq, when it next
 * processes commands): probe the group until the DISH hears it. Over
 * inproc a message the RADIO sends is in the DISH's queue at once, so a
 * probe that does not arrive was dropped, never late. */
static void await_joined (void *radio, void *dish, const char *group)
{
    int i;
    for (i = 0; i < 200; i++) {
        send_group (radio, group, "probe");
        if (tu_poll_in (dish, 10)) {
            RECV_GROUP (dish, group, "probe");
            return;
        }
    }
    CHECK (!"the RADIO never learnt the JOIN");
}

/* The same for a LEAVE of `left`: a probe sent to it ahead of a marker in
 * `kept` must no longer arrive first. */
static void await_left (void *radio, void *dish, const char *left,
                        const char *kept)
{
    int i;
    for (i = 0; i < 200; i++) {
        send_group (radio, left, "probe");
        send_group (radio, kept, "marker");
        if (recv_either (dish, kept, "marker", left, "probe", __FILE__,
                         __LINE__))
            return;
        RECV_GROUP (dish, kept, "marker");
    }
    CHECK (!"the RADIO never learnt the LEAVE");
}

static void test_join_leave_errors (void)
{
    void *dish = TU_SOCKET (ctx, ZMQ_DISH);
    void *radio = TU_SOCKET (ctx, ZMQ_RADIO);
    char name[ZMQ_GROUP_MAX_LENGTH + 2];
    char buf[16];

    memset (name, 'g', sizeof name);
    name[ZMQ_GROUP_MAX_LENGTH + 1] = '\0';
    CHECK_ERRNO (zmq_join (dish, name), EINVAL);
    name[ZMQ_GROUP_MAX_LENGTH] = '\0';
    CHECK_RC (zmq_join (dish, name));
    CHECK_RC (zmq_leave (dish, name));

    CHECK_ERRNO (zmq_leave (dish, "Movies"), EINVAL);
    CHECK_RC (zmq_join (dish, "Movies"));
    CHECK_ERRNO (zmq_join (dish, "Movies"), EINVAL);
    CHECK_RC (zmq_leave (dish, "Movies"));
    CHECK_ERRNO (zmq_leave (dish, "Movies"), EINVAL);

    CHECK_ERRNO (zmq_join (radio, "Movies"), ENOTSUP);
    CHECK_ERRNO (zmq_send (dish, "x", 1, 0), ENOTSUP);
    CHECK_ERRNO (zmq_recv (radio, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);

    /* udp suits only a RADIO's connect and a DISH's or DGRAM's bind. */
    CHECK_ERRNO (zmq_bind (radio, "udp://127.0.0.1:5556"), ENOCOMPATPROTO);
    CHECK_ERRNO (zmq_connect (dish, "udp://127.0.0.1:5556"), ENOCOMPATPROTO);
    {
        void *pair = TU_SOCKET (ctx, ZMQ_PAIR);
        void *dgram = TU_SOCKET (ctx, ZMQ_DGRAM);
        CHECK_ERRNO (zmq_connect (pair, "udp://127.0.0.1:5556"),
                     ENOCOMPATPROTO);
        CHECK_ERRNO (zmq_bind (pair, "udp://127.0.0.1:5556"), ENOCOMPATPROTO);
        CHECK_ERRNO (zmq_connect (dgram, "udp://127.0.0.1:5556"),
                     ENOCOMPATPROTO);
        CHECK_RC (zmq_close (dgram));
        CHECK_RC (zmq_close (pair));
    }

    CHECK_RC (zmq_close (dish));
    CHECK_RC (zmq_close (radio));
}

static void test_radio_dish_inproc (void)
{
    void *radio = TU_SOCKET (ctx, ZMQ_RADIO);
    void *dish = TU_SOCKET (ctx, ZMQ_DISH);
    void *late = TU_SOCKET (ctx, ZMQ_DISH);
    char buf[16];
    const char *long_group = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    CHECK_RC (zmq_bind (radio, "inproc://draft-radio"));
    CHECK_RC (zmq_join (dish, "Movies"));
    CHECK_RC (zmq_join (dish, long_group));
    CHECK_RC (zmq_connect (dish, "inproc://draft-radio"));
    /* Joins made before connecting travel together with the pipe. */
    await_joined (radio, dish, "Movies");

    send_group (radio, "TV", "Friends");
    send_group (radio, "Movies", "Godfather");
    send_group (radio, long_group, "long");
    RECV_GROUP (dish, "Movies", "Godfather");
    RECV_GROUP (dish, long_group, "long");
    CHECK_ERRNO (zmq_recv (dish, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    /* Joining while connected. */
    CHECK_RC (zmq_join (dish, "TV"));
    await_joined (radio, dish, "TV");
    send_group (radio, "TV", "Friends");
    RECV_GROUP (dish, "TV", "Friends");

    /* Leaving: "TV" stops, "Movies" goes on; the message behind the
     * dropped one proves it was dropped, not late. */
    CHECK_RC (zmq_leave (dish, "TV"));
    await_left (radio, dish, "TV", "Movies");
    send_group (radio, "TV", "Friends");
    send_group (radio, "Movies", "Alien");
    RECV_GROUP (dish, "Movies", "Alien");

    /* A second dish, connected later, hears only its own groups. */
    CHECK_RC (zmq_join (late, "TV"));
    CHECK_RC (zmq_connect (late, "inproc://draft-radio"));
    await_joined (radio, late, "TV");
    send_group (radio, "TV", "News");
    send_group (radio, "Movies", "Heat");
    RECV_GROUP (late, "TV", "News");
    RECV_GROUP (dish, "Movies", "Heat");
    CHECK_ERRNO (zmq_recv (late, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_recv (dish, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    /* zmq_poll works on them. */
    send_group (radio, "Movies", "Jaws");
    {
        zmq_pollitem_t items[2];
        memset (items, 0, sizeof items);
        items[0].socket = radio;
        items[0].events = ZMQ_POLLIN;
        items[1].socket = dish;
        items[1].events = ZMQ_POLLIN;
        CHECK_EQ (zmq_poll (items, 2, TU_TIMEOUT_MS), 1);
        CHECK_EQ (items[0].revents, 0);
        CHECK_EQ (items[1].revents, ZMQ_POLLIN);
    }
    RECV_GROUP (dish, "Movies", "Jaws");

    CHECK_ERRNO (zmq_send (radio, "x", 1, ZMQ_SNDMORE), EINVAL);

    CHECK_RC (zmq_close (late));
    CHECK_RC (zmq_close (dish));
    CHECK_RC (zmq_close (radio));
}

/* A UDP port on loopback that was free a moment ago. */
static int free_udp_port (void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket (AF_INET, SOCK_DGRAM, 0), port;
    CHECK (fd >= 0);
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (fd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (getsockname (fd, (struct sockaddr *) &addr, &len));
    port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

/* Receives the next message that is not a "probe". */
static void recv_group_skipping_probes (void *dish, const char *group,
                                        const char *body)
{
    while (!recv_either (dish, group, body, group, "probe", __FILE__,
                         __LINE__))
        ;
}

/* RADIO to DISH over udp: one datagram per message, no JOIN sent (the
 * DISH filters). The DISH's socket may be bound asynchronously (as in
 * libzmq), so the first datagrams can be lost: probe until one lands,
 * then late probes are skipped. */
static void test_radio_dish_udp (void)
{
    void *radio = TU_SOCKET (ctx, ZMQ_RADIO);
    void *dish = TU_SOCKET (ctx, ZMQ_DISH);
    char ep[64];
    int i;

    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", free_udp_port ());
    CHECK_RC (zmq_bind (dish, ep));
    CHECK_RC (zmq_join (dish, "TV"));
    CHECK_RC (zmq_connect (radio, ep));
    for (i = 0; i < 200; i++) {
        send_group (radio, "TV", "probe");
        if (tu_poll_in (dish, 10))
            break;
    }
    CHECK (i < 200);
    send_group (radio, "Movies", "Godfather");
    send_group (radio, "TV", "Friends");
    recv_group_skipping_probes (dish, "TV", "Friends");

    CHECK_RC (zmq_close (dish));
    CHECK_RC (zmq_close (radio));
}

/* DGRAM: messages are (address, body) pairs; the receiver learns the
 * sender's address and answers to it. */
static void test_dgram (void)
{
    void *a = TU_SOCKET (ctx, ZMQ_DGRAM);
    void *b = TU_SOCKET (ctx, ZMQ_DGRAM);
    char ep_a[64], ep_b[64], addr_b[64], from[64];
    int port_a = free_udp_port (), port_b = free_udp_port (), i, n;

    snprintf (ep_a, sizeof ep_a, "udp://127.0.0.1:%d", port_a);
    snprintf (ep_b, sizeof ep_b, "udp://127.0.0.1:%d", port_b);
    snprintf (addr_b, sizeof addr_b, "127.0.0.1:%d", port_b);
    CHECK_EQ (GET_INT (a, ZMQ_THREAD_SAFE), 0);
    CHECK_RC (zmq_bind (a, ep_a));
    CHECK_RC (zmq_bind (b, ep_b));
    /* Only (address, body) pairs. */
    CHECK_ERRNO (zmq_send (a, "x", 1, 0), EINVAL);

    for (i = 0; i < 200; i++) {
        SEND_STR (a, addr_b, ZMQ_SNDMORE);
        SEND_STR (a, "hello", 0);
        if (tu_poll_in (b, 10))
            break;
    }
    CHECK (i < 200);
    n = (int) RECV_FRAME (b, from, sizeof from - 1);
    from[n] = '\0';
    CHECK_MORE (b);
    CHECK_EQ (tu_endpoint_port (from), port_a);
    RECV_STR (b, "hello");
    CHECK_LAST (b);

    /* The answer goes back to the address received. */
    SEND_STR (b, from, ZMQ_SNDMORE);
    SEND_STR (b, "world", 0);
    n = (int) RECV_FRAME (a, from, sizeof from - 1);
    from[n] = '\0';
    CHECK_EQ (tu_endpoint_port (from), port_b);
    RECV_STR (a, "world");

    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (b));
}

/* Two threads blocked in zmq_recv on one GATHER each get one of two
 * messages: a wake-up taken by one must not be lost to the other. */
struct receiver
{
    void *socket;
    char got[16];
    int rc;
};

static void *recv_in_thread (void *arg)
{
    struct receiver *r = (struct receiver *) arg;
    r->rc = zmq_recv (r->socket, r->got, sizeof r->got - 1, 0);
    if (r->rc >= 0)
        r->got[r->rc] = '\0';
    return NULL;
}

static void test_two_blocked_threads (void)
{
    void *scatter = TU_SOCKET (ctx, ZMQ_SCATTER);
    void *gather = TU_SOCKET (ctx, ZMQ_GATHER);
    struct receiver r1, r2;
    pthread_t t1, t2;

    memset (&r1, 0, sizeof r1);
    memset (&r2, 0, sizeof r2);
    r1.socket = r2.socket = gather;
    CHECK_RC (zmq_bind (gather, "inproc://draft-threads"));
    CHECK_RC (zmq_connect (scatter, "inproc://draft-threads"));
    CHECK_EQ (pthread_create (&t1, NULL, recv_in_thread, &r1), 0);
    CHECK_EQ (pthread_create (&t2, NULL, recv_in_thread, &r2), 0);
    SEND_STR (scatter, "m1", 0);
    SEND_STR (scatter, "m2", 0);
    CHECK_EQ (pthread_join (t1, NULL), 0);
    CHECK_EQ (pthread_join (t2, NULL), 0);
    CHECK_EQ (r1.rc, 2);
    CHECK_EQ (r2.rc, 2);
    CHECK ((strcmp (r1.got, "m1") == 0 && strcmp (r2.got, "m2") == 0)
           || (strcmp (r1.got, "m2") == 0 && strcmp (r2.got, "m1") == 0));

    CHECK_RC (zmq_close (scatter));
    CHECK_RC (zmq_close (gather));
}

/* A poller of thread-safe sockets has an fd that becomes readable when
 * one of them may have events. */
static void test_poller_fd (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *server = TU_SOCKET (ctx, ZMQ_SERVER);
    void *client = TU_SOCKET (ctx, ZMQ_CLIENT);
    void *poller = CHECK_PTR (zmq_poller_new ());
    zmq_poller_event_t event;
    zmq_fd_t fd = -1;
    long long deadline;
    int found = 0;

    BIND_LOOPBACK (server, ep);
    CHECK_RC (zmq_connect (client, ep));
    CHECK_RC (zmq_poller_add (poller, server, server, ZMQ_POLLIN));
    CHECK_RC (zmq_poller_fd (poller, &fd));
    CHECK (fd >= 0);
    CHECK_ERRNO (zmq_poller_wait (poller, &event, 0), EAGAIN);

    SEND_STR (client, "wake", 0);
    deadline = tu_now_ms () + TU_TIMEOUT_MS;
    while (!found) {
        struct pollfd pfd;
        long long left = deadline - tu_now_ms ();
        CHECK (left > 0);
        pfd.fd = fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll (&pfd, 1, (int) left) == 1) {
            if (zmq_poller_wait (poller, &event, 0) == 0)
                found = 1;
            else
                CHECK_EQ (errno, EAGAIN);
        }
    }
    CHECK (event.socket == server);
    CHECK (event.user_data == server);
    CHECK_EQ (event.events, ZMQ_POLLIN);
    CHECK (recv_from (server, "wake") != 0);

    /* The poller's own wait wakes as well. */
    SEND_STR (client, "again", 0);
    CHECK_RC (zmq_poller_wait (poller, &event, TU_TIMEOUT_MS));
    CHECK (event.socket == server);
    CHECK (recv_from (server, "again") != 0);

    CHECK_RC (zmq_poller_remove (poller, server));
    CHECK_RC (zmq_poller_destroy (&poller));
    CHECK_RC (zmq_close (client));
    CHECK_RC (zmq_close (server));
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_types ();
    test_client_server_tcp ();
    test_server_refuses_dealer ();
    test_scatter_gather ();
    test_channel ();
    test_peer ();
    test_join_leave_errors ();
    test_radio_dish_inproc ();
    test_radio_dish_udp ();
    test_dgram ();
    test_two_blocked_threads ();
    test_poller_fd ();
    CHECK_RC (zmq_ctx_term (ctx));
    tu_use_all_helpers ();
    return 0;
}
