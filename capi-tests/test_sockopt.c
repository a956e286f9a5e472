/* Socket options of the stable 4.3 API: defaults on a fresh socket, set/get
 * round trips, and what is refused (EINVAL) - wrong sizes, out-of-range
 * values, read-only and write-only options, options of other socket types.
 * The CURVE and GSSAPI options live in test_sockopt_security.c, the DRAFT
 * ones in test_draft_sockopt.c.
 *
 * Man pages: zmq_getsockopt(3), zmq_setsockopt(3).
 *
 * Rules the reference follows, checked below:
 * - int options need optvallen == sizeof (int) exactly, for get and set,
 *   except the four read-only ZMQ_RCVMORE, ZMQ_EVENTS, ZMQ_FD and
 *   ZMQ_THREAD_SAFE, whose get takes any buffer of at least that size and
 *   sets optvallen to sizeof (int);
 * - ZMQ_AFFINITY (uint64_t) and ZMQ_MAXMSGSIZE (int64_t) need 8 bytes;
 * - string gets need room for the terminating NUL, give EINVAL (and leave
 *   optvallen alone) otherwise, and set optvallen to strlen + 1;
 * - ZMQ_ROUTING_ID is binary: its get gives exactly its bytes, no NUL.
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static void *ctx;

#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

static int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

/* An int option: its default, values that are stored as given, values
 * that are refused. */
struct int_option
{
    int option;
    const char *name;
    int dflt;
    int good[4];
    int ngood;
    int bad[3];
    int nbad;
};

#define OPT(o) o, #o

static const struct int_option int_options[] = {
  {OPT (ZMQ_SNDHWM), 1000, {0, 1, 5000}, 3, {-1}, 1},
  {OPT (ZMQ_RCVHWM), 1000, {0, 1, 5000}, 3, {-1}, 1},
  {OPT (ZMQ_RATE), 100, {1, 1000}, 2, {0, -1}, 2},
  {OPT (ZMQ_RECOVERY_IVL), 10000, {0, 50}, 2, {-1}, 1},
  {OPT (ZMQ_SNDBUF), -1, {-1, 0, 65536}, 3, {-2}, 1},
  {OPT (ZMQ_RCVBUF), -1, {-1, 0, 65536}, 3, {-2}, 1},
  {OPT (ZMQ_LINGER), -1, {-1, 0, 500}, 3, {-2}, 1},
  {OPT (ZMQ_RECONNECT_IVL), 100, {-1, 0, 2000}, 3, {-2}, 1},
  {OPT (ZMQ_BACKLOG), 100, {0, 500}, 2, {-1}, 1},
  {OPT (ZMQ_RECONNECT_IVL_MAX), 0, {0, 5000}, 2, {-1}, 1},
  {OPT (ZMQ_MULTICAST_HOPS), 1, {1, 255}, 2, {0, -1}, 2},
  {OPT (ZMQ_RCVTIMEO), -1, {-1, 0, 100}, 3, {-2}, 1},
  {OPT (ZMQ_SNDTIMEO), -1, {-1, 0, 100}, 3, {-2}, 1},
  {OPT (ZMQ_IPV4ONLY), 1, {0, 1}, 2, {2, -1}, 2},
  {OPT (ZMQ_TCP_KEEPALIVE), -1, {-1, 0, 1}, 3, {2, -2}, 2},
  {OPT (ZMQ_TCP_KEEPALIVE_CNT), -1, {-1, 0, 10}, 3, {-2}, 1},
  {OPT (ZMQ_TCP_KEEPALIVE_IDLE), -1, {-1, 0, 60}, 3, {-2}, 1},
  {OPT (ZMQ_TCP_KEEPALIVE_INTVL), -1, {-1, 0, 5}, 3, {-2}, 1},
  {OPT (ZMQ_IMMEDIATE), 0, {0, 1}, 2, {2, -1}, 2},
  {OPT (ZMQ_IPV6), 0, {0, 1}, 2, {2, -1}, 2},
  {OPT (ZMQ_PLAIN_SERVER), 0, {0, 1}, 2, {2, -1}, 2},
  {OPT (ZMQ_CONFLATE), 0, {0, 1}, 2, {2, -1}, 2},
  {OPT (ZMQ_TOS), 0, {0, 0x28}, 2, {-1}, 1},
  {OPT (ZMQ_HANDSHAKE_IVL), 30000, {0, 1000}, 2, {-1}, 1},
  {OPT (ZMQ_HEARTBEAT_IVL), 0, {0, 1000}, 2, {-1}, 1},
  /* Defaults to -1 ("use ZMQ_HEARTBEAT_IVL"), yet -1 cannot be set. */
  {OPT (ZMQ_HEARTBEAT_TIMEOUT), -1, {0, 1000}, 2, {-1}, 1},
  {OPT (ZMQ_CONNECT_TIMEOUT), 0, {0, 100}, 2, {-1}, 1},
  {OPT (ZMQ_TCP_MAXRT), 0, {0, 100}, 2, {-1}, 1},
  {OPT (ZMQ_MULTICAST_MAXTPDU), 1500, {1, 9000}, 2, {0, -1}, 2},
  {OPT (ZMQ_USE_FD), -1, {-1, 0, 7}, 3, {-2}, 1},
};

static void test_int_options (void)
{
    size_t i;
    int j;
    for (i = 0; i < ARRAY_LEN (int_options); i++) {
        const struct int_option *o = &int_options[i];
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
        int value = GET_INT (s, o->option);
        if (value != o->dflt) {
            char detail[128];
            snprintf (detail, sizeof detail, "default %d, expected %d",
                      value, o->dflt);
            tu_fail (__FILE__, __LINE__, o->name, detail);
        }
        for (j = 0; j < o->ngood; j++) {
            if (set_int (s, o->option, o->good[j]) != 0)
                tu_fail_errno (__FILE__, __LINE__, o->name, errno);
            if (GET_INT (s, o->option) != o->good[j])
                tu_fail (__FILE__, __LINE__, o->name, "value not kept");
        }
        for (j = 0; j < o->nbad; j++) {
            int before = GET_INT (s, o->option);
            errno = 0;
            if (set_int (s, o->option, o->bad[j]) != -1 || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name,
                         "out-of-range value not refused with EINVAL");
            if (GET_INT (s, o->option) != before)
                tu_fail (__FILE__, __LINE__, o->name,
                         "refused value changed the option");
        }
        /* Sizes other than sizeof (int) are refused both ways. */
        {
            int64_t wide = 0;
            int16_t narrow = 0;
            size_t len = sizeof wide;
            errno = 0;
            if (zmq_setsockopt (s, o->option, &wide, sizeof wide) != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "8-byte set accepted");
            errno = 0;
            if (zmq_setsockopt (s, o->option, &narrow, sizeof narrow) != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "2-byte set accepted");
            errno = 0;
            if (zmq_getsockopt (s, o->option, &wide, &len) != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "8-byte get accepted");
            len = sizeof narrow;
            errno = 0;
            if (zmq_getsockopt (s, o->option, &narrow, &len) != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "2-byte get accepted");
            errno = 0;
            if (zmq_setsockopt (s, o->option, NULL, 0) != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "NULL/0 set accepted");
        }
        CHECK_EQ (zmq_close (s), 0);
    }
}

/* Defaults that differ per socket type, and those that do not. */
static void test_defaults_per_type (void)
{
    int type;
    for (type = ZMQ_PAIR; type <= ZMQ_STREAM; type++) {
        void *s = CHECK_PTR (zmq_socket (ctx, type));
        int pollout_at_once = type == ZMQ_PUB || type == ZMQ_ROUTER
                              || type == ZMQ_XPUB || type == ZMQ_XSUB
                              || type == ZMQ_STREAM;
        size_t i;
        CHECK_EQ (GET_INT (s, ZMQ_TYPE), type);
        /* Types that can always send (dropping or routing) say so at once;
         * the others wait for a peer. */
        CHECK_EQ (GET_INT (s, ZMQ_EVENTS), pollout_at_once ? ZMQ_POLLOUT : 0);
        /* SUB and XSUB do not linger by default. */
        CHECK_EQ (GET_INT (s, ZMQ_LINGER),
                  type == ZMQ_SUB || type == ZMQ_XSUB ? 0 : -1);
        CHECK_EQ (GET_INT (s, ZMQ_RCVMORE), 0);
        CHECK_EQ (GET_INT (s, ZMQ_THREAD_SAFE), 0);
        CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_NULL);
        for (i = 0; i < ARRAY_LEN (int_options); i++) {
            if (int_options[i].option == ZMQ_LINGER)
                continue;
            if (GET_INT (s, int_options[i].option) != int_options[i].dflt)
                tu_fail (__FILE__, __LINE__, int_options[i].name,
                         "default differs for this socket type");
        }
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_ipv6_and_ipv4only_mirror (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    CHECK_RC (set_int (s, ZMQ_IPV6, 1));
    CHECK_EQ (GET_INT (s, ZMQ_IPV4ONLY), 0);
    CHECK_RC (set_int (s, ZMQ_IPV4ONLY, 1));
    CHECK_EQ (GET_INT (s, ZMQ_IPV6), 0);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_relaxed_booleans (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_SUB));
    CHECK_EQ (GET_INT (s, ZMQ_INVERT_MATCHING), 0);
    /* Any non-zero value means "on" and reads back as 1. */
    CHECK_RC (set_int (s, ZMQ_INVERT_MATCHING, 7));
    CHECK_EQ (GET_INT (s, ZMQ_INVERT_MATCHING), 1);
    CHECK_RC (set_int (s, ZMQ_INVERT_MATCHING, -1));
    CHECK_EQ (GET_INT (s, ZMQ_INVERT_MATCHING), 1);
    CHECK_RC (set_int (s, ZMQ_INVERT_MATCHING, 0));
    CHECK_EQ (GET_INT (s, ZMQ_INVERT_MATCHING), 0);
    CHECK_EQ (zmq_close (s), 0);
}

/* ZMQ_HEARTBEAT_TTL is kept in tenths of a second: the value is divided by
 * 100 (rounding toward zero) before the range check 0..65535. */
static void test_heartbeat_ttl (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    CHECK_EQ (GET_INT (s, ZMQ_HEARTBEAT_TTL), 0);
    CHECK_RC (set_int (s, ZMQ_HEARTBEAT_TTL, 1234));
    CHECK_EQ (GET_INT (s, ZMQ_HEARTBEAT_TTL), 1200);
    CHECK_RC (set_int (s, ZMQ_HEARTBEAT_TTL, 99));
    CHECK_EQ (GET_INT (s, ZMQ_HEARTBEAT_TTL), 0);
    CHECK_RC (set_int (s, ZMQ_HEARTBEAT_TTL, 6553599));
    CHECK_EQ (GET_INT (s, ZMQ_HEARTBEAT_TTL), 6553500);
    CHECK_ERRNO (set_int (s, ZMQ_HEARTBEAT_TTL, 6553600), EINVAL);
    CHECK_RC (set_int (s, ZMQ_HEARTBEAT_TTL, -99));
    CHECK_EQ (GET_INT (s, ZMQ_HEARTBEAT_TTL), 0);
    CHECK_ERRNO (set_int (s, ZMQ_HEARTBEAT_TTL, -100), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_64bit_options (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    uint64_t affinity = 99;
    int64_t maxmsg = 99;
    int small = 0;
    size_t len = sizeof affinity;

    CHECK_RC (zmq_getsockopt (s, ZMQ_AFFINITY, &affinity, &len));
    CHECK_EQ (len, 8);
    CHECK (affinity == 0);
    len = sizeof maxmsg;
    CHECK_RC (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &maxmsg, &len));
    CHECK_EQ (len, 8);
    CHECK_EQ (maxmsg, -1);

    affinity = 0xFFFFFFFFFFULL;
    CHECK_RC (zmq_setsockopt (s, ZMQ_AFFINITY, &affinity, sizeof affinity));
    affinity = 0;
    len = sizeof affinity;
    CHECK_RC (zmq_getsockopt (s, ZMQ_AFFINITY, &affinity, &len));
    CHECK (affinity == 0xFFFFFFFFFFULL);

    maxmsg = 4096;
    CHECK_RC (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg));
    maxmsg = 0;
    len = sizeof maxmsg;
    CHECK_RC (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &maxmsg, &len));
    CHECK_EQ (maxmsg, 4096);

    /* int-sized buffers are refused. */
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_AFFINITY, &small, sizeof small),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &small, sizeof small),
                 EINVAL);
    len = sizeof small;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_AFFINITY, &small, &len), EINVAL);
    len = sizeof small;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &small, &len), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_routing_id (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    unsigned char buf[300], id[255];
    size_t len = sizeof buf, i;

    /* Unset: zero bytes. */
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    CHECK_EQ (len, 0);

    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, "abcd", 4));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    CHECK_EQ (len, 4);
    CHECK (memcmp (buf, "abcd", 4) == 0);
    /* Exactly four bytes of room is enough (no terminator), three is not. */
    len = 4;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    len = 3;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len), EINVAL);

    /* 255 binary bytes (zeros included) fit, 256 do not. */
    for (i = 0; i < sizeof id; i++)
        id[i] = (unsigned char) (i * 13);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    CHECK_EQ (len, 255);
    CHECK (memcmp (buf, id, 255) == 0);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTING_ID, buf, 256), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTING_ID, "x", 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_ROUTING_ID, NULL, 0), EINVAL);

    /* ZMQ_IDENTITY is the old name of the same option. */
    CHECK_EQ (ZMQ_IDENTITY, ZMQ_ROUTING_ID);
    CHECK_RC (zmq_setsockopt (s, ZMQ_IDENTITY, "old", 3));
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    CHECK_EQ (len, 3);
    CHECK_EQ (zmq_close (s), 0);
}

enum
{
    NULL_REFUSED, /* EINVAL */
    NULL_CLEARS,  /* accepted, the value is "" afterwards */
    NULL_OK       /* accepted (PLAIN: the mechanism goes back to NULL) */
};

/* A string option: how long it may be, whether NULL/0 resets it. */
struct string_option
{
    int option;
    const char *name;
    const char *sample;
    size_t max_len;   /* longest value accepted (0: no limit seen) */
    int null_set;     /* (NULL, 0): NULL_REFUSED, NULL_CLEARS or NULL_OK */
};

static const struct string_option string_options[] = {
  {OPT (ZMQ_PLAIN_USERNAME), "admin", 255, NULL_OK},
  {OPT (ZMQ_PLAIN_PASSWORD), "secret", 255, NULL_OK},
  {OPT (ZMQ_ZAP_DOMAIN), "global", 255, NULL_REFUSED},
  {OPT (ZMQ_SOCKS_PROXY), "127.0.0.1:1080", 0, NULL_CLEARS},
  {OPT (ZMQ_BINDTODEVICE), "lo", 16, NULL_CLEARS},
};

static void check_string (void *s, const struct string_option *o,
                          const char *want)
{
    char buf[600];
    size_t len = sizeof buf;
    memset (buf, '#', sizeof buf);
    if (zmq_getsockopt (s, o->option, buf, &len) != 0)
        tu_fail_errno (__FILE__, __LINE__, o->name, errno);
    if (len != strlen (want) + 1 || strcmp (buf, want) != 0)
        tu_fail (__FILE__, __LINE__, o->name, "unexpected value or length");
}

static void test_string_options (void)
{
    char long_value[600];
    size_t i;
    memset (long_value, 'a', sizeof long_value);
    for (i = 0; i < ARRAY_LEN (string_options); i++) {
        const struct string_option *o = &string_options[i];
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
        size_t n = strlen (o->sample), len;
        char small[64];

        check_string (s, o, "");
        if (zmq_setsockopt (s, o->option, o->sample, n) != 0)
            tu_fail_errno (__FILE__, __LINE__, o->name, errno);
        check_string (s, o, o->sample);

        /* Too small for value plus NUL: EINVAL, length untouched. */
        len = n;
        errno = 0;
        if (zmq_getsockopt (s, o->option, small, &len) != -1
            || errno != EINVAL || len != n)
            tu_fail (__FILE__, __LINE__, o->name,
                     "short buffer not refused with EINVAL");
        len = n + 1;
        if (zmq_getsockopt (s, o->option, small, &len) != 0 || len != n + 1)
            tu_fail (__FILE__, __LINE__, o->name, "exact buffer refused");

        /* A non-NULL pointer with length 0 is refused. */
        errno = 0;
        if (zmq_setsockopt (s, o->option, "x", 0) != -1 || errno != EINVAL)
            tu_fail (__FILE__, __LINE__, o->name, "(ptr, 0) accepted");

        if (o->max_len) {
            if (zmq_setsockopt (s, o->option, long_value, o->max_len) != 0)
                tu_fail_errno (__FILE__, __LINE__, o->name, errno);
            errno = 0;
            if (zmq_setsockopt (s, o->option, long_value, o->max_len + 1)
                  != -1
                || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "overlong accepted");
        } else {
            if (zmq_setsockopt (s, o->option, long_value, sizeof long_value)
                != 0)
                tu_fail_errno (__FILE__, __LINE__, o->name, errno);
        }

        errno = 0;
        if (o->null_set != NULL_REFUSED) {
            if (zmq_setsockopt (s, o->option, NULL, 0) != 0)
                tu_fail_errno (__FILE__, __LINE__, o->name, errno);
            if (o->null_set == NULL_CLEARS)
                check_string (s, o, "");
        } else if (zmq_setsockopt (s, o->option, NULL, 0) != -1
                   || errno != EINVAL)
            tu_fail (__FILE__, __LINE__, o->name, "(NULL, 0) accepted");
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_plain_mechanism (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_NULL);
    /* A username makes a PLAIN client. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "u", 1));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (GET_INT (s, ZMQ_PLAIN_SERVER), 0);
    CHECK_RC (set_int (s, ZMQ_PLAIN_SERVER, 1));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (GET_INT (s, ZMQ_PLAIN_SERVER), 1);
    /* Clearing the username goes back to NULL. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, NULL, 0));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (GET_INT (s, ZMQ_PLAIN_SERVER), 0);
    /* A password makes a client again; PLAIN_SERVER 0 means NULL. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "p", 1));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_RC (set_int (s, ZMQ_PLAIN_SERVER, 0));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_read_only (void)
{
    static const int read_only[] = {ZMQ_TYPE,     ZMQ_RCVMORE,
                                    ZMQ_FD,       ZMQ_EVENTS,
                                    ZMQ_MECHANISM, ZMQ_THREAD_SAFE};
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    size_t i;
    for (i = 0; i < ARRAY_LEN (read_only); i++)
        CHECK_ERRNO (set_int (s, read_only[i], 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_LAST_ENDPOINT, "inproc://x", 10),
                 EINVAL);
    CHECK_EQ (GET_INT (s, ZMQ_TYPE), ZMQ_PAIR);

    /* These four take a larger buffer and report sizeof (int). */
    {
        static const int flexible[] = {ZMQ_RCVMORE, ZMQ_EVENTS, ZMQ_FD,
                                       ZMQ_THREAD_SAFE};
        for (i = 0; i < ARRAY_LEN (flexible); i++) {
            int64_t wide = 0;
            int16_t narrow = 0;
            size_t len = sizeof wide;
            CHECK_RC (zmq_getsockopt (s, flexible[i], &wide, &len));
            CHECK_EQ (len, sizeof (int));
            len = sizeof narrow;
            CHECK_ERRNO (zmq_getsockopt (s, flexible[i], &narrow, &len),
                         EINVAL);
        }
        /* ZMQ_TYPE is an ordinary int option. */
        {
            int64_t wide = 0;
            size_t len = sizeof wide;
            CHECK_ERRNO (zmq_getsockopt (s, ZMQ_TYPE, &wide, &len), EINVAL);
        }
    }
    CHECK_EQ (zmq_close (s), 0);
}

static void test_fd_option (void)
{
    void *a = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    void *b = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    int fa = GET_INT (a, ZMQ_FD), fb = GET_INT (b, ZMQ_FD);
    CHECK (fa >= 0);
    CHECK (fb >= 0);
    CHECK (fa != fb);
    CHECK (fcntl (fa, F_GETFD) != -1);
    CHECK (fcntl (fb, F_GETFD) != -1);
    /* Stable for the life of the socket. */
    CHECK_EQ (GET_INT (a, ZMQ_FD), fa);
    CHECK_EQ (zmq_close (a), 0);
    CHECK_EQ (zmq_close (b), 0);
}

/* Options one socket type knows and the others refuse. */
struct typed_option
{
    int option;
    const char *name;
    int types[4];
    int ntypes;
};

static const struct typed_option typed_int_options[] = {
  {OPT (ZMQ_XPUB_VERBOSE), {ZMQ_XPUB, ZMQ_PUB}, 2},
  {OPT (ZMQ_XPUB_VERBOSER), {ZMQ_XPUB, ZMQ_PUB}, 2},
  {OPT (ZMQ_XPUB_NODROP), {ZMQ_XPUB, ZMQ_PUB}, 2},
  {OPT (ZMQ_XPUB_MANUAL), {ZMQ_XPUB, ZMQ_PUB}, 2},
  {OPT (ZMQ_ROUTER_MANDATORY), {ZMQ_ROUTER}, 1},
  {OPT (ZMQ_ROUTER_RAW), {ZMQ_ROUTER}, 1},
  {OPT (ZMQ_ROUTER_HANDOVER), {ZMQ_ROUTER}, 1},
  {OPT (ZMQ_PROBE_ROUTER), {ZMQ_ROUTER, ZMQ_DEALER, ZMQ_REQ}, 3},
  {OPT (ZMQ_REQ_CORRELATE), {ZMQ_REQ}, 1},
  {OPT (ZMQ_REQ_RELAXED), {ZMQ_REQ}, 1},
};

/* Types that never take a type-specific option (REP is left out: it is
 * built on ROUTER in the reference and takes ROUTER's options). */
static const int plain_types[] = {ZMQ_PAIR, ZMQ_SUB,  ZMQ_PULL,
                                  ZMQ_PUSH, ZMQ_XSUB, ZMQ_STREAM};

static void test_type_specific_int_options (void)
{
    size_t i, k;
    int j;
    for (i = 0; i < ARRAY_LEN (typed_int_options); i++) {
        const struct typed_option *o = &typed_int_options[i];
        for (j = 0; j < o->ntypes; j++) {
            void *s = CHECK_PTR (zmq_socket (ctx, o->types[j]));
            if (set_int (s, o->option, 1) != 0 || set_int (s, o->option, 0))
                tu_fail_errno (__FILE__, __LINE__, o->name, errno);
            errno = 0;
            if (set_int (s, o->option, -1) != -1 || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name, "-1 accepted");
            /* Write-only. */
            {
                int value;
                size_t len = sizeof value;
                errno = 0;
                if (zmq_getsockopt (s, o->option, &value, &len) != -1
                    || errno != EINVAL)
                    tu_fail (__FILE__, __LINE__, o->name, "readable");
            }
            CHECK_EQ (zmq_close (s), 0);
        }
        for (k = 0; k < ARRAY_LEN (plain_types); k++) {
            void *s = CHECK_PTR (zmq_socket (ctx, plain_types[k]));
            errno = 0;
            if (set_int (s, o->option, 1) != -1 || errno != EINVAL)
                tu_fail (__FILE__, __LINE__, o->name,
                         "accepted by a socket type it does not apply to");
            CHECK_EQ (zmq_close (s), 0);
        }
    }
}

static void test_stream_notify (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_STREAM));
    void *d = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    CHECK_RC (set_int (s, ZMQ_STREAM_NOTIFY, 0));
    CHECK_RC (set_int (s, ZMQ_STREAM_NOTIFY, 1));
    CHECK_ERRNO (set_int (s, ZMQ_STREAM_NOTIFY, 2), EINVAL);
    CHECK_ERRNO (set_int (d, ZMQ_STREAM_NOTIFY, 1), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_close (d), 0);
}

static void test_subscribe (void)
{
    void *sub = CHECK_PTR (zmq_socket (ctx, ZMQ_SUB));
    void *xsub = CHECK_PTR (zmq_socket (ctx, ZMQ_XSUB));
    void *pub = CHECK_PTR (zmq_socket (ctx, ZMQ_PUB));
    char topic[300];
    int value;
    size_t len = sizeof value;
    memset (topic, 't', sizeof topic);

    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, NULL, 0));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "news", 4));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, topic, sizeof topic));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "news", 4));
    /* Unsubscribing what was never subscribed is not an error. */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "never", 5));
    CHECK_ERRNO (zmq_getsockopt (sub, ZMQ_SUBSCRIBE, &value, &len), EINVAL);

    /* XSUB takes subscriptions as messages, not as options. */
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_SUBSCRIBE, "", 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "", 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_UNSUBSCRIBE, "", 0), EINVAL);
    CHECK_EQ (zmq_close (sub), 0);
    CHECK_EQ (zmq_close (xsub), 0);
    CHECK_EQ (zmq_close (pub), 0);
}

static void test_binary_type_specific (void)
{
    void *xpub = CHECK_PTR (zmq_socket (ctx, ZMQ_XPUB));
    void *router = CHECK_PTR (zmq_socket (ctx, ZMQ_ROUTER));
    void *stream = CHECK_PTR (zmq_socket (ctx, ZMQ_STREAM));
    void *pair = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    char buf[8];
    size_t len = sizeof buf;

    CHECK_RC (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "hi", 2));
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    CHECK_ERRNO (zmq_getsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, buf, &len),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pair, ZMQ_XPUB_WELCOME_MSG, "hi", 2),
                 EINVAL);

    CHECK_RC (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "peer", 4));
    CHECK_RC (zmq_setsockopt (stream, ZMQ_CONNECT_ROUTING_ID, "peer", 4));
    CHECK_ERRNO (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, NULL, 0),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "x", 0),
                 EINVAL);
    len = sizeof buf;
    CHECK_ERRNO (zmq_getsockopt (router, ZMQ_CONNECT_ROUTING_ID, buf, &len),
                 EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pair, ZMQ_CONNECT_ROUTING_ID, "peer", 4),
                 EINVAL);
    CHECK_EQ (ZMQ_CONNECT_RID, ZMQ_CONNECT_ROUTING_ID);

    CHECK_EQ (zmq_close (xpub), 0);
    CHECK_EQ (zmq_close (router), 0);
    CHECK_EQ (zmq_close (stream), 0);
    CHECK_EQ (zmq_close (pair), 0);
}

static void test_write_only_filters (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    int id = (int) getpid (), value;
    int16_t narrow = 1;
    size_t len = sizeof value;

    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.1", 9));
    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10));
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "nonsense", 8),
                 EINVAL);
    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_TCP_ACCEPT_FILTER, &value, &len),
                 EINVAL);

    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_PID, &id, sizeof id));
    id = (int) getuid ();
    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, &id, sizeof id));
    id = (int) getgid ();
    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_GID, &id, sizeof id));
    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_PID, NULL, 0));
    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, NULL, 0));
    CHECK_RC (zmq_setsockopt (s, ZMQ_IPC_FILTER_GID, NULL, 0));
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, &narrow, 2), EINVAL);
    len = sizeof value;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_IPC_FILTER_UID, &value, &len),
                 EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_unknown_options (void)
{
    /* 1 was ZMQ_HWM in 2.x; ZMQ_BLOCKY (70) belongs to contexts; the VMCI
     * options (85-88) exist only in builds with that transport. */
    static const int unknown[] = {-1, 0, 1, 2, 3, 10, 20, 26, 29, 30,
                                  ZMQ_BLOCKY, 85, 86, 87, 88, 1000};
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_PAIR));
    size_t i;
    for (i = 0; i < ARRAY_LEN (unknown); i++) {
        int value = 1;
        size_t len = sizeof value;
        CHECK_ERRNO (zmq_setsockopt (s, unknown[i], &value, sizeof value),
                     EINVAL);
        CHECK_ERRNO (zmq_getsockopt (s, unknown[i], &value, &len), EINVAL);
    }
    CHECK_EQ (zmq_close (s), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_int_options ();
    test_defaults_per_type ();
    test_ipv6_and_ipv4only_mirror ();
    test_relaxed_booleans ();
    test_heartbeat_ttl ();
    test_64bit_options ();
    test_routing_id ();
    test_string_options ();
    test_plain_mechanism ();
    test_read_only ();
    test_fd_option ();
    test_type_specific_int_options ();
    test_stream_notify ();
    test_subscribe ();
    test_binary_type_specific ();
    test_write_only_filters ();
    test_unknown_options ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
