/* Application metadata: ZMQ_METADATA (a DRAFT option) sends "X-" named
 * properties in the handshake; the peer reads them with zmq_msg_gets.
 *
 * Man pages: zmq_setsockopt(3) (ZMQ_METADATA), zmq_msg_gets(3).
 *
 * Reference behaviours pinned here (libzmq 4.3.x built with DRAFT API):
 * - The value is "X-Name:value". The name must start with "X-" exactly
 *   (case-sensitive) and have at least one more character; the value must
 *   not be empty; anything after the first ':' is the value, verbatim
 *   (later colons and leading spaces included). Otherwise EINVAL.
 * - Each call adds one property. Setting the same name again does not
 *   replace it: the first value is the one sent.
 * - ZMQ_METADATA cannot be read back with zmq_getsockopt (EINVAL).
 * - Received names are matched case-sensitively.
 */
#include "testutil.h"

static void *ctx;

#define SET_META(s, str)                                                       \
    CHECK_RC (zmq_setsockopt ((s), ZMQ_METADATA, (str), strlen (str)))
#define BAD_META(s, str)                                                       \
    CHECK_ERRNO (zmq_setsockopt ((s), ZMQ_METADATA, (str), strlen (str)),      \
                 EINVAL)

static void test_validation (void)
{
    char buf[64];
    size_t len = sizeof buf;
    void *s = TU_SOCKET (ctx, ZMQ_DEALER);
    BAD_META (s, "");
    BAD_META (s, "X-NoColon");
    BAD_META (s, "Hello:World");
    BAD_META (s, "x-lower:v");
    BAD_META (s, "X-:v");
    BAD_META (s, "X-Empty:");
    BAD_META (s, ":v");
    BAD_META (s, "Socket-Type:PUSH");
    SET_META (s, "X-Fine:yes");
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_METADATA, buf, &len), EINVAL);
    CHECK_RC (zmq_close (s));
}

static void test_properties_arrive (const char *transport)
{
    char ep[TU_ENDPOINT_MAX];
    zmq_msg_t msg;
    unsigned char id[256];
    size_t id_len = 0;
    int part;
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    void *dealer = TU_SOCKET (ctx, ZMQ_DEALER);
    SET_META (dealer, "X-Hello:World");
    SET_META (dealer, "X-Url:tcp://example:1");
    SET_META (dealer, "X-Spaced: leading space");
    SET_META (dealer, "X-Hello:Ignored");
    SET_META (router, "X-Role:router");
    BIND_ANY (router, transport, ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "payload", 0);
    for (part = 0; part < 2; part++) { /* routing id, then payload */
        CHECK_RC (zmq_msg_init (&msg));
        CHECK_RC (zmq_msg_recv (&msg, router, 0));
        CHECK_STREQ (zmq_msg_gets (&msg, "X-Hello"), "World");
        CHECK_STREQ (zmq_msg_gets (&msg, "X-Url"), "tcp://example:1");
        CHECK_STREQ (zmq_msg_gets (&msg, "X-Spaced"), " leading space");
        CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
        CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "x-hello"), EINVAL);
        CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "X-Role"), EINVAL);
        if (part == 0) {
            CHECK (zmq_msg_size (&msg) < sizeof id);
            id_len = zmq_msg_size (&msg);
            memcpy (id, zmq_msg_data (&msg), id_len);
        }
        CHECK_RC (zmq_msg_close (&msg));
    }
    /* And the router's own property reaches the dealer. */
    SEND_BYTES (router, id, id_len, ZMQ_SNDMORE);
    SEND_STR (router, "reply", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, dealer, 0), 5);
    CHECK_STREQ (zmq_msg_gets (&msg, "X-Role"), "router");
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "ROUTER");
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "X-Hello"), EINVAL);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (dealer));
    CHECK_RC (zmq_close (router));
}

static char dir[200];

static void remove_dir (void)
{
    tu_remove_tree (dir);
}

int main (void)
{
    char ep[TU_ENDPOINT_MAX];
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_validation ();
    test_properties_arrive ("tcp://127.0.0.1:*");
    MAKE_TMPDIR (dir);
    atexit (remove_dir);
    snprintf (ep, sizeof ep, "ipc://%s/meta.sock", dir);
    test_properties_arrive (ep);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
