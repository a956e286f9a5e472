/* DRAFT socket options (declared only with ZMQ_BUILD_DRAFT_API): defaults,
 * round trips and refusals. Transport-specific DRAFT options of WSS and
 * NORM are left to the tests of those transports.
 *
 * Man pages: zmq_setsockopt(3), zmq_getsockopt(3) (master).
 */
#include "testutil.h"

static void *ctx;

#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

static int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

static void test_int_options (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    int64_t wide = 1;

    CHECK_EQ (GET_INT (s, ZMQ_IN_BATCH_SIZE), 8192);
    CHECK_EQ (GET_INT (s, ZMQ_OUT_BATCH_SIZE), 8192);
    CHECK_RC (set_int (s, ZMQ_IN_BATCH_SIZE, 1));
    CHECK_EQ (GET_INT (s, ZMQ_IN_BATCH_SIZE), 1);
    CHECK_RC (set_int (s, ZMQ_OUT_BATCH_SIZE, 65536));
    CHECK_EQ (GET_INT (s, ZMQ_OUT_BATCH_SIZE), 65536);
    CHECK_ERRNO (set_int (s, ZMQ_IN_BATCH_SIZE, 0), EINVAL);
    CHECK_ERRNO (set_int (s, ZMQ_OUT_BATCH_SIZE, -1), EINVAL);

    CHECK_EQ (GET_INT (s, ZMQ_PRIORITY), 0);
    CHECK_RC (set_int (s, ZMQ_PRIORITY, 7));
    CHECK_EQ (GET_INT (s, ZMQ_PRIORITY), 7);
    CHECK_ERRNO (set_int (s, ZMQ_PRIORITY, -1), EINVAL);

    /* Any int is stored as given. */
    CHECK_EQ (GET_INT (s, ZMQ_RECONNECT_STOP), 0);
    CHECK_RC (set_int (s, ZMQ_RECONNECT_STOP,
                       ZMQ_RECONNECT_STOP_CONN_REFUSED
                         | ZMQ_RECONNECT_STOP_AFTER_DISCONNECT));
    CHECK_EQ (GET_INT (s, ZMQ_RECONNECT_STOP),
              ZMQ_RECONNECT_STOP_CONN_REFUSED
                | ZMQ_RECONNECT_STOP_AFTER_DISCONNECT);
    CHECK_RC (set_int (s, ZMQ_RECONNECT_STOP, -2));
    CHECK_EQ (GET_INT (s, ZMQ_RECONNECT_STOP), -2);

    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_PRIORITY, &wide, sizeof wide),
                 EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

/* Booleans where any non-zero value means 1. */
static void test_relaxed_booleans (void)
{
    static const struct
    {
        int option;
        int dflt;
    } options[] = {{ZMQ_ZAP_ENFORCE_DOMAIN, 0},
                   {ZMQ_LOOPBACK_FASTPATH, 0},
                   {ZMQ_MULTICAST_LOOP, 1}};
    size_t i;
    for (i = 0; i < ARRAY_LEN (options); i++) {
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
        CHECK_EQ (GET_INT (s, options[i].option), options[i].dflt);
        CHECK_RC (set_int (s, options[i].option, 0));
        CHECK_EQ (GET_INT (s, options[i].option), 0);
        CHECK_RC (set_int (s, options[i].option, 5));
        CHECK_EQ (GET_INT (s, options[i].option), 1);
        CHECK_RC (set_int (s, options[i].option, -2));
        CHECK_EQ (GET_INT (s, options[i].option), 1);
        CHECK_ERRNO (zmq_setsockopt (s, options[i].option, NULL, 0), EINVAL);
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_socks_credentials (void)
{
    static const int options[] = {ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD};
    char buf[300];
    size_t i, len;
    memset (buf, 'u', sizeof buf);
    for (i = 0; i < ARRAY_LEN (options); i++) {
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
        char out[300];
        len = sizeof out;
        CHECK_RC (zmq_getsockopt (s, options[i], out, &len));
        CHECK_EQ (len, 1);
        CHECK_RC (zmq_setsockopt (s, options[i], "user", 4));
        len = sizeof out;
        CHECK_RC (zmq_getsockopt (s, options[i], out, &len));
        CHECK_STREQ (out, "user");
        CHECK_EQ (len, 5);
        len = 4;
        CHECK_ERRNO (zmq_getsockopt (s, options[i], out, &len), EINVAL);
        CHECK_RC (zmq_setsockopt (s, options[i], buf, 255));
        CHECK_ERRNO (zmq_setsockopt (s, options[i], buf, 256), EINVAL);
        /* NULL and the empty string both clear it. */
        CHECK_RC (zmq_setsockopt (s, options[i], NULL, 0));
        len = sizeof out;
        CHECK_RC (zmq_getsockopt (s, options[i], out, &len));
        CHECK_EQ (len, 1);
        CHECK_RC (zmq_setsockopt (s, options[i], "x", 1));
        CHECK_RC (zmq_setsockopt (s, options[i], "x", 0));
        len = sizeof out;
        CHECK_RC (zmq_getsockopt (s, options[i], out, &len));
        CHECK_EQ (len, 1);
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_metadata (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    char buf[16];
    size_t len = sizeof buf;
    int value = 1;
    CHECK_RC (zmq_setsockopt (s, ZMQ_METADATA, "X-key:value", 11));
    CHECK_RC (zmq_setsockopt (s, ZMQ_METADATA, "X-other:v", 9));
    /* The name must start with "X-", and there must be a name and a value
     * around the colon. */
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, "key:value", 9), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, "X-key", 5), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, "X-key:", 6), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, ":value", 6), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, NULL, 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_METADATA, &value, sizeof value),
                 EINVAL);
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_METADATA, buf, &len), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

/* Binary write-only options that take anything, (NULL, 0) included. */
static void test_message_options (void)
{
    static const int options[] = {ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG,
                                  ZMQ_HICCUP_MSG};
    size_t i;
    for (i = 0; i < ARRAY_LEN (options); i++) {
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_ROUTER));
        char buf[8];
        size_t len = sizeof buf;
        CHECK_RC (zmq_setsockopt (s, options[i], "hello", 5));
        CHECK_RC (zmq_setsockopt (s, options[i], NULL, 0));
        CHECK_ERRNO (zmq_getsockopt (s, options[i], buf, &len), EINVAL);
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_router_notify (void)
{
    void *router = CHECK_PTR (zmq_socket (ctx, ZMQ_ROUTER));
    void *pair = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    CHECK_EQ (GET_INT (router, ZMQ_ROUTER_NOTIFY), 0);
    CHECK_RC (set_int (router, ZMQ_ROUTER_NOTIFY, ZMQ_NOTIFY_CONNECT));
    CHECK_EQ (GET_INT (router, ZMQ_ROUTER_NOTIFY), ZMQ_NOTIFY_CONNECT);
    CHECK_RC (set_int (router, ZMQ_ROUTER_NOTIFY,
                       ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT));
    CHECK_EQ (GET_INT (router, ZMQ_ROUTER_NOTIFY),
              ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT);
    CHECK_ERRNO (set_int (router, ZMQ_ROUTER_NOTIFY, 4), EINVAL);
    CHECK_ERRNO (set_int (router, ZMQ_ROUTER_NOTIFY, -1), EINVAL);
    /* Readable everywhere, settable on ROUTER only. */
    CHECK_EQ (GET_INT (pair, ZMQ_ROUTER_NOTIFY), 0);
    CHECK_ERRNO (set_int (pair, ZMQ_ROUTER_NOTIFY, ZMQ_NOTIFY_CONNECT),
                 EINVAL);
    CHECK_EQ (zmq_close (router), 0);
    CHECK_EQ (zmq_close (pair), 0);
}

static void test_pubsub_options (void)
{
    void *xpub = CHECK_PTR (zmq_socket (ctx, ZMQ_XPUB));
    void *xsub = CHECK_PTR (zmq_socket (ctx, ZMQ_XSUB));
    void *pair = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    int value;
    size_t len = sizeof value;

    CHECK_RC (set_int (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, 1));
    CHECK_ERRNO (set_int (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, -1), EINVAL);
    CHECK_ERRNO (zmq_getsockopt (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, &value,
                                 &len),
                 EINVAL);
    CHECK_ERRNO (set_int (pair, ZMQ_XPUB_MANUAL_LAST_VALUE, 1), EINVAL);

    CHECK_RC (set_int (xpub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1));
    CHECK_RC (set_int (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1));
    CHECK_ERRNO (set_int (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, -1), EINVAL);
    CHECK_ERRNO (set_int (pair, ZMQ_ONLY_FIRST_SUBSCRIBE, 1), EINVAL);

    CHECK_RC (set_int (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1));
    CHECK_RC (set_int (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 0));
    CHECK_ERRNO (set_int (pair, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1), EINVAL);

    CHECK_EQ (zmq_close (xpub), 0);
    CHECK_EQ (zmq_close (xsub), 0);
    CHECK_EQ (zmq_close (pair), 0);
}

static void test_topics_count (void)
{
    static const int types[] = {ZMQ_PUB, ZMQ_SUB, ZMQ_XPUB, ZMQ_XSUB};
    void *pair = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    void *sub;
    int value;
    size_t i, len = sizeof value;
    for (i = 0; i < ARRAY_LEN (types); i++) {
        void *s = CHECK_PTR (zmq_socket (ctx, types[i]));
        CHECK_EQ (GET_INT (s, ZMQ_TOPICS_COUNT), 0);
        CHECK_ERRNO (set_int (s, ZMQ_TOPICS_COUNT, 1), EINVAL);
        CHECK_EQ (zmq_close (s), 0);
    }
    CHECK_ERRNO (zmq_getsockopt (pair, ZMQ_TOPICS_COUNT, &value, &len),
                 EINVAL);

    /* A SUB counts its own subscriptions. */
    sub = CHECK_PTR (zmq_socket (ctx, ZMQ_SUB));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "b", 1));
    CHECK_EQ (GET_INT (sub, ZMQ_TOPICS_COUNT), 2);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "a", 1));
    CHECK_EQ (GET_INT (sub, ZMQ_TOPICS_COUNT), 1);
    CHECK_EQ (zmq_close (sub), 0);
    CHECK_EQ (zmq_close (pair), 0);
}

static void test_busy_poll (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    int value;
    size_t len = sizeof value;
    CHECK_RC (set_int (s, ZMQ_BUSY_POLL, 1));
    CHECK_RC (set_int (s, ZMQ_BUSY_POLL, 0));
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_BUSY_POLL, &value, &len), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_BUSY_POLL, NULL, 0), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_int_options ();
    test_relaxed_booleans ();
    test_socks_credentials ();
    test_metadata ();
    test_message_options ();
    test_router_notify ();
    test_pubsub_options ();
    test_topics_count ();
    test_busy_poll ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
