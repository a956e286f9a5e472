/* zmq_version, zmq_errno, zmq_strerror and zmq_has.
 *
 * Man pages: zmq_version(3), zmq_errno(3), zmq_strerror(3), zmq_has(3).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void test_version (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    CHECK_EQ (major, 4);
    CHECK_EQ (minor, 3);
    CHECK (patch >= 0);

    /* The header's macros describe the same 4.3 line. */
    CHECK_EQ (ZMQ_VERSION_MAJOR, 4);
    CHECK_EQ (ZMQ_VERSION_MINOR, 3);
    CHECK_EQ (ZMQ_VERSION, ZMQ_MAKE_VERSION (ZMQ_VERSION_MAJOR,
                                             ZMQ_VERSION_MINOR,
                                             ZMQ_VERSION_PATCH));
    CHECK_EQ (ZMQ_MAKE_VERSION (4, 3, 5), 40305);

    /* Optional strict mode: the library must be exactly the header's version
     * (set when header and library come from the same build). */
    if (getenv ("ZMQ_TEST_EXPECT_EXACT_VERSION"))
        CHECK_EQ (ZMQ_MAKE_VERSION (major, minor, patch), ZMQ_VERSION);
}

static void test_errno (void)
{
    /* zmq_errno reports the calling thread's errno after a failed call. */
    CHECK_EQ (zmq_ctx_get (NULL, ZMQ_IO_THREADS), -1);
    CHECK_EQ (zmq_errno (), EFAULT);

    /* It is the C library's errno itself, not a private copy. */
    errno = EAGAIN;
    CHECK_EQ (zmq_errno (), EAGAIN);
    errno = 0;
    CHECK_EQ (zmq_errno (), 0);
}

/* zmq_strerror of a system error number gives the C library's text. */
static void check_system_text (int err)
{
    char want[256];
    /* Copy first: strerror may reuse one static buffer. */
    snprintf (want, sizeof want, "%s", strerror (err));
    CHECK_STREQ (zmq_strerror (err), want);
}

static void test_strerror (void)
{
    /* The error numbers libzmq defines itself sit above ZMQ_HAUSNUMERO. */
    CHECK_EQ (ZMQ_HAUSNUMERO, 156384712);
    CHECK_EQ (EFSM, ZMQ_HAUSNUMERO + 51);
    CHECK_EQ (ENOCOMPATPROTO, ZMQ_HAUSNUMERO + 52);
    CHECK_EQ (ETERM, ZMQ_HAUSNUMERO + 53);
    CHECK_EQ (EMTHREAD, ZMQ_HAUSNUMERO + 54);

    CHECK_STREQ (zmq_strerror (EFSM),
                 "Operation cannot be accomplished in current state");
    CHECK_STREQ (zmq_strerror (ENOCOMPATPROTO),
                 "The protocol is not compatible with the socket type");
    CHECK_STREQ (zmq_strerror (ETERM), "Context was terminated");
    CHECK_STREQ (zmq_strerror (EMTHREAD), "No thread available");

    /* libzmq has its own text for EHOSTUNREACH even where the system
     * defines it (glibc says "No route to host"). */
    CHECK_STREQ (zmq_strerror (EHOSTUNREACH), "Host unreachable");

    /* Everything else is the system's text. */
    check_system_text (0);
    check_system_text (EINVAL);
    check_system_text (EAGAIN);
    check_system_text (EFAULT);
    check_system_text (EINTR);
    check_system_text (ENOTSUP);
    check_system_text (EADDRINUSE);
    check_system_text (ECONNREFUSED);
    check_system_text (ENOTSOCK);
    check_system_text (EMSGSIZE);
    check_system_text (99999); /* unknown number: "Unknown error 99999" */
}

static void test_has (void)
{
    static const char *const names[] = {"ipc",   "pgm",  "tipc", "norm",
                                        "curve", "gssapi", "draft", "tcp",
                                        "WS",    "WSS",  "vmci", "udp"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        int rc = zmq_has (names[i]);
        if (rc != 0 && rc != 1) {
            fprintf (stderr, "zmq_has(\"%s\") returned %d\n", names[i], rc);
            CHECK (rc == 0 || rc == 1);
        }
    }
    /* ipc:// exists on every Linux build. */
    CHECK_EQ (zmq_has ("ipc"), 1);
    /* Unknown capabilities, and names that differ only in case or by
     * extra characters, are reported absent. */
    CHECK_EQ (zmq_has ("no-such-capability"), 0);
    CHECK_EQ (zmq_has (""), 0);
    CHECK_EQ (zmq_has ("IPC"), 0);
    CHECK_EQ (zmq_has ("ipc "), 0);
}

int main (void)
{
    test_version ();
    test_errno ();
    test_strerror ();
    test_has ();
    return 0;
}
