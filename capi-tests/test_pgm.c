/* pgm:// and epgm://: what zmq_connect and zmq_bind say before any packet
 * is sent (the traffic itself is make check-pgm's, between two network
 * namespaces).
 *
 * Man pages: zmq_pgm(7), zmq_connect(3), zmq_has(3)
 *
 * Reference behaviours pinned here (libzmq 4.3.4 built with OpenPGM):
 * - zmq_has ("pgm") is 1.
 * - Only PUB, XPUB, SUB and XSUB take a pgm or epgm endpoint: any other
 *   type gets ENOCOMPATPROTO from zmq_connect and zmq_bind alike, whatever
 *   the address, before it is read.
 * - An address without "iface;" or without ":port" is EINVAL, at once.
 *
 * Where libzmq's answer is worse than an error, ours differs and this test
 * only checks ours (with ZMQ_TEST_REFERENCE set those cases are skipped):
 * - a group that is not a multicast address: libzmq aborts the process
 *   (an assertion in its session); ours is EINVAL;
 * - a port of 0 or not a number: libzmq says EAGAIN; ours EINVAL;
 * - an IPv6 group: OpenPGM would take it; ours is IPv4 only, EINVAL.
 */
#include "testutil.h"

static void *ctx;

static void test_has (void)
{
    CHECK_EQ (zmq_has ("pgm"), 1);
}

static void test_socket_types (void)
{
    static const int refused[] = {ZMQ_PAIR,   ZMQ_REQ,  ZMQ_REP,
                                  ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PULL,
                                  ZMQ_PUSH,   ZMQ_STREAM};
    static const char *eps[] = {"epgm://127.0.0.1;239.192.0.1:5555",
                                "pgm://127.0.0.1;239.192.0.1:5555",
                                "epgm://not an address"};
    size_t i, j;
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        void *s = TU_SOCKET (ctx, refused[i]);
        for (j = 0; j < sizeof eps / sizeof eps[0]; j++) {
            CHECK_ERRNO (zmq_connect (s, eps[j]), ENOCOMPATPROTO);
            CHECK_ERRNO (zmq_bind (s, eps[j]), ENOCOMPATPROTO);
        }
        CHECK_RC (zmq_close (s));
    }
}

static void test_bad_addresses (int reference)
{
    static const char *always[] = {
      "epgm://127.0.0.1",            /* no ";group" */
      "epgm://127.0.0.1;239.192.0.1", /* no ":port" */
      "pgm://127.0.0.1;239.192.0.1",  /* no ":port" */
    };
    static const char *ours_only[] = {
      "epgm://127.0.0.1;10.0.0.1:5555",    /* not multicast */
      "epgm://127.0.0.1;239.192.0.1:0",    /* port 0 */
      "epgm://127.0.0.1;239.192.0.1:abc",  /* not a number */
      "epgm://127.0.0.1;[ff02::1]:5555",   /* IPv6 */
      "epgm://nosuchif0;239.192.0.1:5555", /* no such interface */
    };
    size_t i;
    int types[] = {ZMQ_SUB, ZMQ_PUB};
    size_t t;
    for (t = 0; t < 2; t++) {
        void *s = TU_SOCKET (ctx, types[t]);
        for (i = 0; i < sizeof always / sizeof always[0]; i++)
            CHECK_ERRNO (zmq_connect (s, always[i]), EINVAL);
        for (i = 0; !reference && i < sizeof ours_only / sizeof ours_only[0];
             i++) {
            CHECK_ERRNO (zmq_connect (s, ours_only[i]), EINVAL);
            CHECK_ERRNO (zmq_bind (s, ours_only[i]), EINVAL);
        }
        CHECK_RC (zmq_close (s));
    }
}

int main (void)
{
    int reference = getenv ("ZMQ_TEST_REFERENCE") != NULL;
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_has ();
    test_socket_types ();
    test_bad_addresses (reference);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
