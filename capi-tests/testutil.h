/* Shared assertion helpers for the C API tests in capi-tests/.
 *
 * Every test is a standalone program: on the first failed check it prints
 * where it failed (file:line), the expression, and for calls that set errno
 * the errno text, then exits with status 1. A test that returns from main
 * with 0 has passed. Nothing here may hide a failure or retry a check.
 */
#ifndef CAPI_TESTUTIL_H
#define CAPI_TESTUTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

static void tu_fail (const char *file, int line, const char *what,
                     const char *detail)
{
    fprintf (stderr, "%s:%d: check failed: %s%s%s\n", file, line, what,
             detail ? " -- " : "", detail ? detail : "");
    fflush (stderr);
    exit (1);
}

static void tu_fail_errno (const char *file, int line, const char *what,
                           int err)
{
    char detail[256];
    snprintf (detail, sizeof detail, "errno %d (%s)", err,
              zmq_strerror (err));
    tu_fail (file, line, what, detail);
}

/* Plain boolean check. */
#define CHECK(expr)                                                            \
    do {                                                                       \
        if (!(expr))                                                           \
            tu_fail (__FILE__, __LINE__, #expr, NULL);                         \
    } while (0)

/* A call returning int that must not return -1. Evaluates to the result. */
static int tu_check_rc (int rc, const char *file, int line, const char *what)
{
    if (rc == -1)
        tu_fail_errno (file, line, what, errno);
    return rc;
}
#define CHECK_RC(call) tu_check_rc ((call), __FILE__, __LINE__, #call)

/* A pointer-returning call that must not return NULL. Evaluates to it. */
static void *tu_check_ptr (void *p, const char *file, int line,
                           const char *what)
{
    if (p == NULL)
        tu_fail_errno (file, line, what, errno);
    return p;
}
#define CHECK_PTR(call) tu_check_ptr ((void *) (call), __FILE__, __LINE__, #call)

/* A call returning int that must fail with -1 and the given errno.
 * errno is cleared first so a stale value cannot satisfy the check. */
static void tu_check_errno (int rc, int err, int expected, const char *file,
                            int line, const char *what)
{
    char detail[256];
    if (rc != -1) {
        snprintf (detail, sizeof detail, "returned %d, expected -1", rc);
        tu_fail (file, line, what, detail);
    }
    if (err != expected) {
        snprintf (detail, sizeof detail, "errno %d (%s), expected %d (%s)",
                  err, zmq_strerror (err), expected, zmq_strerror (expected));
        tu_fail (file, line, what, detail);
    }
}
#define CHECK_ERRNO(call, expected)                                            \
    do {                                                                       \
        errno = 0;                                                             \
        int tu_rc_ = (int) (call);                                             \
        int tu_err_ = errno;                                                   \
        tu_check_errno (tu_rc_, tu_err_, (expected), __FILE__, __LINE__,       \
                        #call);                                                \
    } while (0)

/* A pointer-returning call that must give NULL with the given errno. */
#define CHECK_NULL_ERRNO(call, expected)                                       \
    do {                                                                       \
        errno = 0;                                                             \
        const void *tu_p_ = (const void *) (call);                             \
        int tu_err_ = errno;                                                   \
        tu_check_errno (tu_p_ == NULL ? -1 : 0, tu_err_, (expected),           \
                        __FILE__, __LINE__, #call);                            \
    } while (0)

/* Integer equality, printing both sides on failure. */
static void tu_check_eq (long long got, long long want, const char *file,
                         int line, const char *what)
{
    char detail[128];
    if (got != want) {
        snprintf (detail, sizeof detail, "got %lld, expected %lld", got,
                  want);
        tu_fail (file, line, what, detail);
    }
}
#define CHECK_EQ(got, want)                                                    \
    tu_check_eq ((long long) (got), (long long) (want), __FILE__, __LINE__,    \
                 #got " == " #want)

/* NUL-terminated string equality, printing both sides on failure. */
static void tu_check_streq (const char *got, const char *want,
                            const char *file, int line, const char *what)
{
    char detail[512];
    if (got == NULL || strcmp (got, want) != 0) {
        snprintf (detail, sizeof detail, "got \"%s\", expected \"%s\"",
                  got ? got : "(null)", want);
        tu_fail (file, line, what, detail);
    }
}
#define CHECK_STREQ(got, want)                                                 \
    tu_check_streq ((got), (want), __FILE__, __LINE__, #got " == " #want)

/* Silence "unused function" warnings in tests that use only some helpers. */
static inline void tu_use_all_helpers (void)
{
    (void) tu_check_rc;
    (void) tu_check_ptr;
    (void) tu_check_errno;
    (void) tu_check_eq;
    (void) tu_check_streq;
}


/* ---- Socket helpers (appended for the socket tests) ----------------------
 * All report the caller's file:line. tu_socket() gives a socket whose
 * blocking calls end after TU_TIMEOUT_MS and which does not linger, so a
 * missing message shows up as a failed check rather than a hang. */
#ifndef TU_TIMEOUT_MS
#define TU_TIMEOUT_MS 3000
#endif

static inline void *tu_socket (void *ctx, int type, const char *file,
                               int line)
{
    void *s = zmq_socket (ctx, type);
    int timeout = TU_TIMEOUT_MS, zero = 0;
    if (s == NULL)
        tu_fail_errno (file, line, "zmq_socket", errno);
    if (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0
        || zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) != 0
        || zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero) != 0)
        tu_fail_errno (file, line, "setting timeouts on a new socket", errno);
    return s;
}
#define TU_SOCKET(ctx, type) tu_socket ((ctx), (type), __FILE__, __LINE__)

static inline void tu_set_int (void *s, int option, int value,
                               const char *file, int line, const char *what)
{
    if (zmq_setsockopt (s, option, &value, sizeof value) != 0)
        tu_fail_errno (file, line, what, errno);
}
#define TU_SET_INT(s, option, value)                                           \
    tu_set_int ((s), (option), (value), __FILE__, __LINE__,                    \
                "zmq_setsockopt (" #s ", " #option ", " #value ")")

/* An int option read back; it must come back sizeof (int) long. */
static inline int tu_get_int (void *s, int option, const char *file,
                              int line, const char *what)
{
    int value = -12345;
    size_t len = sizeof value;
    if (zmq_getsockopt (s, option, &value, &len) != 0)
        tu_fail_errno (file, line, what, errno);
    tu_check_eq ((long long) len, (long long) sizeof value, file, line,
                 "length of an int option");
    return value;
}
#define GET_INT(s, option)                                                     \
    tu_get_int ((s), (option), __FILE__, __LINE__,                             \
                "zmq_getsockopt (" #s ", " #option ")")

/* A boolean int option: 0 by default, reads back 1 once set to 1, and
 * refuses 2 and -1 with EINVAL. */
static inline void tu_check_bool_option (void *s, int option,
                                         const char *file, int line)
{
    int value = -1;
    size_t len = sizeof value;
    if (zmq_getsockopt (s, option, &value, &len) != 0)
        tu_fail_errno (file, line, "zmq_getsockopt", errno);
    tu_check_eq (value, 0, file, line, "default");
    tu_set_int (s, option, 1, file, line, "zmq_setsockopt (1)");
    len = sizeof value;
    if (zmq_getsockopt (s, option, &value, &len) != 0)
        tu_fail_errno (file, line, "zmq_getsockopt", errno);
    tu_check_eq (value, 1, file, line, "value once set to 1");
    for (value = 2; value >= -1; value -= 3) {
        int rc;
        errno = 0;
        rc = zmq_setsockopt (s, option, &value, sizeof value);
        tu_check_errno (rc, errno, EINVAL, file, line,
                        value == 2 ? "zmq_setsockopt (2)"
                                   : "zmq_setsockopt (-1)");
    }
}
#define CHECK_BOOL_OPTION(s, option)                                           \
    tu_check_bool_option ((s), (option), __FILE__, __LINE__)

/* Subscribe (or unsubscribe) a SUB socket to a NUL-terminated topic. */
static inline void tu_set_bytes (void *s, int option, const char *value,
                                 const char *file, int line)
{
    if (zmq_setsockopt (s, option, value, strlen (value)) != 0)
        tu_fail_errno (file, line, value, errno);
}
#define SUBSCRIBE(s, topic)                                                    \
    tu_set_bytes ((s), ZMQ_SUBSCRIBE, (topic), __FILE__, __LINE__)
#define UNSUBSCRIBE(s, topic)                                                  \
    tu_set_bytes ((s), ZMQ_UNSUBSCRIBE, (topic), __FILE__, __LINE__)

/* Send one frame and check that the whole of it was accepted. */
static inline void tu_send_bytes (void *s, const void *data, size_t len,
                                  int flags, const char *file, int line)
{
    int rc = zmq_send (s, data, len, flags);
    if (rc == -1)
        tu_fail_errno (file, line, "zmq_send", errno);
    if ((size_t) rc != len)
        tu_fail (file, line, "zmq_send", "returned a short count");
}
#define SEND_BYTES(s, data, len, flags)                                        \
    tu_send_bytes ((s), (data), (len), (flags), __FILE__, __LINE__)
#define SEND_STR(s, str, flags)                                                \
    tu_send_bytes ((s), (str), strlen (str), (flags), __FILE__, __LINE__)

/* Offers a message to a connection whose handshake is meant to fail, so
 * that the test can check nothing of it gets through: a non-blocking send
 * that may find no pipe (EAGAIN), as the handshake may already have failed
 * and taken the connection's pipe with it (a slow run, under Valgrind).
 * Any other error fails the test. */
#define OFFER_STR(s, str)                                                      \
    do {                                                                       \
        if (zmq_send ((s), (str), strlen (str), ZMQ_DONTWAIT) < 0)            \
            CHECK (zmq_errno () == EAGAIN);                                    \
    } while (0)

/* Receive one frame and check it holds exactly len bytes equal to data. */
static inline void tu_recv_expect (void *s, const void *data, size_t len,
                                   const char *file, int line)
{
    zmq_msg_t msg;
    char detail[200];
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, s, 0) == -1)
        tu_fail_errno (file, line, "zmq_msg_recv", errno);
    if (zmq_msg_size (&msg) != len
        || (len > 0 && memcmp (zmq_msg_data (&msg), data, len) != 0)) {
        size_t n = zmq_msg_size (&msg), i, o = 0;
        const unsigned char *p = (const unsigned char *) zmq_msg_data (&msg);
        o += (size_t) snprintf (detail, sizeof detail, "got %zu bytes \"", n);
        for (i = 0; i < n && o + 8 < sizeof detail; i++)
            o += (size_t) snprintf (detail + o, sizeof detail - o,
                                    p[i] >= 32 && p[i] < 127 ? "%c" : "\\x%02x",
                                    p[i]);
        snprintf (detail + o, sizeof detail - o, "\", expected %zu", len);
        tu_fail (file, line, "received frame differs", detail);
    }
    zmq_msg_close (&msg);
}
#define RECV_BYTES(s, data, len)                                               \
    tu_recv_expect ((s), (data), (len), __FILE__, __LINE__)
#define RECV_STR(s, str)                                                       \
    tu_recv_expect ((s), (str), strlen (str), __FILE__, __LINE__)

/* ---- (Un)subscription messages of XPUB/XSUB: one frame, a flag byte
 * (1 subscribe, 0 unsubscribe) then the topic ---- */
static inline size_t tu_subscription (char *buf, size_t cap, int subscribe,
                                      const char *topic, const char *file,
                                      int line)
{
    size_t len = strlen (topic);
    if (len + 1 > cap)
        tu_fail (file, line, "subscription message", "topic too long");
    buf[0] = subscribe ? 1 : 0;
    memcpy (buf + 1, topic, len);
    return len + 1;
}

static inline void tu_send_subscription (void *xsub, int subscribe,
                                         const char *topic, int flags,
                                         const char *file, int line)
{
    char buf[256];
    size_t n = tu_subscription (buf, sizeof buf, subscribe, topic, file, line);
    tu_send_bytes (xsub, buf, n, flags, file, line);
}
#define SEND_NOTIFICATION(xsub, subscribe, topic, flags)                       \
    tu_send_subscription ((xsub), (subscribe), (topic), (flags), __FILE__,    \
                          __LINE__)

static inline void tu_recv_subscription (void *xpub, int subscribe,
                                         const char *topic, const char *file,
                                         int line)
{
    char buf[256];
    size_t n = tu_subscription (buf, sizeof buf, subscribe, topic, file, line);
    tu_recv_expect (xpub, buf, n, file, line);
}
#define RECV_NOTIFICATION(xpub, subscribe, topic)                              \
    tu_recv_subscription ((xpub), (subscribe), (topic), __FILE__, __LINE__)

/* ZMQ_RCVMORE of the last frame received on s. */
static inline int tu_rcvmore (void *s)
{
    int more = 0;
    size_t len = sizeof more;
    if (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len) != 0)
        tu_fail_errno (__FILE__, __LINE__, "zmq_getsockopt (ZMQ_RCVMORE)",
                       errno);
    return more;
}

/* 1 if s becomes ready for `events` (ZMQ_POLLIN or ZMQ_POLLOUT) within
 * timeout_ms, else 0. */
static inline int tu_poll_one (void *s, short events, long timeout_ms)
{
    zmq_pollitem_t item;
    int rc;
    memset (&item, 0, sizeof item);
    item.socket = s;
    item.events = events;
    rc = zmq_poll (&item, 1, timeout_ms);
    if (rc == -1)
        tu_fail_errno (__FILE__, __LINE__, "zmq_poll", errno);
    return rc == 1 && (item.revents & events) != 0;
}

/* 1 if s becomes readable within timeout_ms, else 0. */
static inline int tu_poll_in (void *s, long timeout_ms)
{
    return tu_poll_one (s, ZMQ_POLLIN, timeout_ms);
}


/* ---- Helpers for the socket-pattern tests (issue #3) ---------------------
 * Used by test_pair, test_pushpull, test_reqrep, test_router, test_conflate
 * and test_immediate. Macros so that a failure names the caller's line. */

/* s must have nothing to deliver right now: a non-blocking receive gives
 * EAGAIN. */
#define EXPECT_NOTHING(s)                                                      \
    do {                                                                       \
        char tu_nothing_[64];                                                  \
        CHECK_ERRNO (zmq_recv ((s), tu_nothing_, sizeof tu_nothing_,          \
                               ZMQ_DONTWAIT),                                  \
                     EAGAIN);                                                  \
    } while (0)

/* Nothing arrives on s for ms milliseconds, and then a non-blocking
 * receive still gives EAGAIN: the check that something never got through
 * (as after a failed handshake). */
#define EXPECT_NOTHING_WITHIN(s, ms)                                           \
    do {                                                                       \
        CHECK (!tu_poll_in ((s), (ms)));                                       \
        EXPECT_NOTHING (s);                                                    \
    } while (0)

/* The last frame received on s was (CHECK_MORE) or was not (CHECK_LAST)
 * followed by more frames of the same message. */
#define CHECK_MORE(s) CHECK_EQ (tu_rcvmore (s), 1)
#define CHECK_LAST(s) CHECK_EQ (tu_rcvmore (s), 0)

/* Receive one frame into buf (cap bytes) and return its size; a frame
 * larger than cap fails the test rather than being silently truncated. */
static inline size_t tu_recv_frame (void *s, void *buf, size_t cap,
                                    const char *file, int line)
{
    int rc = zmq_recv (s, buf, cap, 0);
    if (rc == -1)
        tu_fail_errno (file, line, "zmq_recv", errno);
    if ((size_t) rc > cap)
        tu_fail (file, line, "zmq_recv", "frame larger than the buffer");
    return (size_t) rc;
}
#define RECV_FRAME(s, buf, cap)                                                \
    tu_recv_frame ((s), (buf), (cap), __FILE__, __LINE__)

/* ZMQ_EVENTS of s (ZMQ_POLLIN and/or ZMQ_POLLOUT). */
static inline int tu_events (void *s)
{
    int events = 0;
    size_t len = sizeof events;
    if (zmq_getsockopt (s, ZMQ_EVENTS, &events, &len) != 0)
        tu_fail_errno (__FILE__, __LINE__, "zmq_getsockopt (ZMQ_EVENTS)",
                       errno);
    return events;
}

/* 1 if s becomes writable within timeout_ms, else 0. */
static inline int tu_poll_out (void *s, long timeout_ms)
{
    return tu_poll_one (s, ZMQ_POLLOUT, timeout_ms);
}

/* Milliseconds on a monotonic clock (libc only, so the helpers below do
 * not depend on the library under test for timing). */
static inline long long tu_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* zmq_stopwatch_stop (watch) must say at least ms milliseconds went by
 * (less 2 ms of slack for clocks read at millisecond grain), and less than
 * 5 s. */
static inline void tu_check_elapsed (void *watch, long ms, const char *file,
                                     int line)
{
    unsigned long us = zmq_stopwatch_stop (watch);
    char detail[96];
    snprintf (detail, sizeof detail, "returned after %lu us, wanted %ld ms",
              us, ms);
    if (us + 2000 < (unsigned long) ms * 1000)
        tu_fail (file, line, "waited long enough", detail);
    if (us >= 5000000UL)
        tu_fail (file, line, "waited less than 5 s", detail);
}
#define CHECK_ELAPSED_AT_LEAST(watch, ms)                                      \
    tu_check_elapsed ((watch), (ms), __FILE__, __LINE__)

/* Send a short message each way between two connected sockets that can
 * both send and receive (PAIR, DEALER): a two-frame "ping" / "" one way,
 * "pong" back. */
static inline void tu_bounce (void *a, void *b, const char *file, int line)
{
    tu_send_bytes (a, "ping", 4, ZMQ_SNDMORE, file, line);
    tu_send_bytes (a, "", 0, 0, file, line);
    tu_recv_expect (b, "ping", 4, file, line);
    tu_check_eq (tu_rcvmore (b), 1, file, line, "more after \"ping\"");
    tu_recv_expect (b, "", 0, file, line);
    tu_check_eq (tu_rcvmore (b), 0, file, line, "last frame");
    tu_send_bytes (b, "pong", 4, 0, file, line);
    tu_recv_expect (a, "pong", 4, file, line);
    tu_check_eq (tu_rcvmore (a), 0, file, line, "last frame");
}
#define BOUNCE(a, b) tu_bounce ((a), (b), __FILE__, __LINE__)

/* Wait (polling, at most TU_TIMEOUT_MS) until s stops being writable, as
 * when its last peer has gone away. Returns 1 if it did, 0 on timeout. */
static inline int tu_await_not_writable (void *s)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    while (tu_poll_out (s, 10))
        if (tu_now_ms () > deadline)
            return 0;
    return 1;
}


/* ---- Network helpers (appended for the tcp/ipc tests, issue #4) --------
 * Endpoints, monitor events, temporary directories and patterned payloads.
 * Only libc and the public zmq API; failures name the caller's line. */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TU_ENDPOINT_MAX 256

/* ZMQ_LAST_ENDPOINT of s into buf, checked to be a NUL-terminated string
 * whose reported length includes the NUL. */
static inline void tu_last_endpoint (void *s, char *buf, size_t cap,
                                     const char *file, int line)
{
    size_t len = cap;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len) != 0)
        tu_fail_errno (file, line, "zmq_getsockopt (ZMQ_LAST_ENDPOINT)",
                       errno);
    if (len == 0 || len > cap || buf[len - 1] != '\0'
        || strlen (buf) != len - 1)
        tu_fail (file, line, "ZMQ_LAST_ENDPOINT",
                 "not a NUL-terminated string of the reported length");
}
#define LAST_ENDPOINT(s, buf)                                                  \
    tu_last_endpoint ((s), (buf), sizeof (buf), __FILE__, __LINE__)

/* Bind s to spec (e.g. "tcp://127.0.0.1:*") and store the endpoint it
 * really bound in buf (TU_ENDPOINT_MAX bytes). */
static inline void tu_bind_any (void *s, const char *spec, char *buf,
                                const char *file, int line)
{
    if (zmq_bind (s, spec) != 0)
        tu_fail_errno (file, line, spec, errno);
    tu_last_endpoint (s, buf, TU_ENDPOINT_MAX, file, line);
}
#define BIND_ANY(s, spec, buf)                                                 \
    tu_bind_any ((s), (spec), (buf), __FILE__, __LINE__)
#define BIND_LOOPBACK(s, buf)                                                  \
    tu_bind_any ((s), "tcp://127.0.0.1:*", (buf), __FILE__, __LINE__)

/* Bind s to endpoint, which a just-closed socket held: its listener may
 * still be closing in the background, so EADDRINUSE is retried for a
 * bounded time. */
static inline void tu_rebind (void *s, const char *endpoint,
                              const char *file, int line)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    int rc;
    while ((rc = zmq_bind (s, endpoint)) == -1 && errno == EADDRINUSE
           && tu_now_ms () < deadline)
        tu_poll_in (s, 5); /* nothing to read: a 5 ms pause */
    if (rc == -1)
        tu_fail_errno (file, line, endpoint, errno);
}
#define REBIND(s, endpoint) tu_rebind ((s), (endpoint), __FILE__, __LINE__)

/* The port number at the end of a tcp endpoint string, or -1. */
static inline int tu_endpoint_port (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    char *end = NULL;
    long port;
    if (colon == NULL || colon[1] == '\0')
        return -1;
    port = strtol (colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        return -1;
    return (int) port;
}

/* A new TCP socket, and in *addr 127.0.0.1 with the given port (0: the
 * kernel picks one on bind). */
static inline int tu_loopback_socket (struct sockaddr_in *addr, int port,
                                      const char *file, int line)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        tu_fail_errno (file, line, "socket", errno);
    memset (addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons ((uint16_t) port);
    addr->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    return fd;
}

/* A loopback TCP port that was free a moment ago: the kernel picks it for
 * a plain socket, which is closed again at once (nothing listens or
 * connects on it, so the port is immediately reusable). */
static inline int tu_free_tcp_port (void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = tu_loopback_socket (&addr, 0, __FILE__, __LINE__), port;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0
        || getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
        tu_fail_errno (__FILE__, __LINE__, "bind/getsockname", errno);
    port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

/* ---- Plain TCP peers on loopback (for what goes over the wire) ----
 * A test speaks ZMTP by hand through these; every wait is bounded by
 * TU_TIMEOUT_MS. */
static inline int tu_raw_connect (const char *endpoint, const char *file,
                                  int line)
{
    struct sockaddr_in addr;
    int fd = tu_loopback_socket (&addr, tu_endpoint_port (endpoint), file,
                                 line);
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
        tu_fail_errno (file, line, "connect", errno);
    return fd;
}
#define RAW_CONNECT(endpoint) tu_raw_connect ((endpoint), __FILE__, __LINE__)

/* A listening socket on 127.0.0.1; its tcp endpoint into ep
 * (TU_ENDPOINT_MAX bytes). */
static inline int tu_raw_listen (char *ep, const char *file, int line)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = tu_loopback_socket (&addr, 0, file, line);
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0
        || listen (fd, 4) != 0
        || getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
        tu_fail_errno (file, line, "bind/listen/getsockname", errno);
    snprintf (ep, TU_ENDPOINT_MAX, "tcp://127.0.0.1:%d",
              ntohs (addr.sin_port));
    return fd;
}
#define RAW_LISTEN(ep) tu_raw_listen ((ep), __FILE__, __LINE__)

static inline int tu_raw_accept (int lfd, const char *file, int line)
{
    struct pollfd p;
    int fd;
    p.fd = lfd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll (&p, 1, TU_TIMEOUT_MS) != 1)
        tu_fail (file, line, "raw accept", "no connection came");
    fd = accept (lfd, NULL, NULL);
    if (fd < 0)
        tu_fail_errno (file, line, "accept", errno);
    return fd;
}
#define RAW_ACCEPT(lfd) tu_raw_accept ((lfd), __FILE__, __LINE__)

static inline void tu_raw_write (int fd, const void *data, size_t len,
                                 const char *file, int line)
{
    const unsigned char *p = (const unsigned char *) data;
    while (len > 0) {
        ssize_t n = write (fd, p, len);
        if (n <= 0)
            tu_fail_errno (file, line, "raw write", errno);
        p += n;
        len -= (size_t) n;
    }
}
#define RAW_WRITE(fd, data, len)                                               \
    tu_raw_write ((fd), (data), (len), __FILE__, __LINE__)

/* Read exactly len bytes; pump (may be NULL) is a zmq socket to keep
 * calling into while waiting (the reference performs some queued work
 * only when the application uses the socket). */
static inline void tu_raw_read (int fd, void *buf, size_t len, void *pump,
                                const char *file, int line)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    size_t got = 0;
    while (got < len) {
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        if (tu_now_ms () >= deadline)
            tu_fail (file, line, "raw read", "timed out");
        if (poll (&p, 1, 10) == 1) {
            ssize_t n = read (fd, (unsigned char *) buf + got, len - got);
            if (n <= 0)
                tu_fail (file, line, "raw read",
                         "connection closed by the zmq side");
            got += (size_t) n;
        } else if (pump)
            tu_events (pump);
    }
}
#define RAW_READ(fd, buf, len, pump)                                           \
    tu_raw_read ((fd), (buf), (len), (pump), __FILE__, __LINE__)

/* 1 if this machine can bind a TCP socket to ::1. */
static inline int tu_have_ipv6_loopback (void)
{
    struct sockaddr_in6 addr;
    int fd = socket (AF_INET6, SOCK_STREAM, 0), ok;
    if (fd < 0)
        return 0;
    memset (&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    ok = bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
    close (fd);
    return ok;
}

/* A private directory under /tmp for ipc files; remove it (and anything
 * left inside) with tu_remove_tree. */
static inline void tu_make_tmpdir (char *buf, size_t cap, const char *file,
                                   int line)
{
    snprintf (buf, cap, "/tmp/zmq-capi-%d-XXXXXX", (int) getpid ());
    if (mkdtemp (buf) == NULL)
        tu_fail_errno (file, line, "mkdtemp", errno);
}
#define MAKE_TMPDIR(buf)                                                       \
    tu_make_tmpdir ((buf), sizeof (buf), __FILE__, __LINE__)

static inline int tu_remove_entry (const char *path, const struct stat *st,
                                   int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    remove (path);
    return 0;
}
static inline void tu_remove_tree (const char *dir)
{
    nftw (dir, tu_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 if path exists (any file type, symlinks not followed). */
static inline int tu_path_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

/* ---- Monitor events (version 1 format) ----
 * TU_MONITOR starts monitoring s on a fresh inproc endpoint and returns a
 * connected PAIR reader. EXPECT_EVENT waits (bounded) for one event type,
 * skipping any others, and fails listing what it saw instead. */
struct tu_event
{
    int event;
    uint32_t value;
    char endpoint[TU_ENDPOINT_MAX];
};

static inline void *tu_monitor (void *ctx, void *s, int events,
                                const char *file, int line)
{
    static int serial;
    char ep[80];
    void *reader;
    snprintf (ep, sizeof ep, "inproc://tu-monitor-%d-%d", (int) getpid (),
              serial++);
    if (zmq_socket_monitor (s, ep, events) != 0)
        tu_fail_errno (file, line, "zmq_socket_monitor", errno);
    reader = tu_socket (ctx, ZMQ_PAIR, file, line);
    if (zmq_connect (reader, ep) != 0)
        tu_fail_errno (file, line, "connecting the monitor reader", errno);
    return reader;
}
#define TU_MONITOR(ctx, s, events)                                             \
    tu_monitor ((ctx), (s), (events), __FILE__, __LINE__)

/* Stop monitoring s (still open), then close the reader. Closing a reader
 * while its socket is still monitored is a trap: the reference sends
 * events with blocking sends, so the next event would stall the thread
 * emitting it (an I/O thread, or the reaper while s is being closed) for
 * good, and with it every later connection or close. So either call this
 * before closing s, or close s and wait for ZMQ_EVENT_MONITOR_STOPPED
 * before closing the reader. */
static inline void tu_close_monitor (void *s, void *reader, const char *file,
                                     int line)
{
    if (zmq_socket_monitor (s, NULL, 0) != 0)
        tu_fail_errno (file, line, "zmq_socket_monitor (s, NULL, 0)", errno);
    if (zmq_close (reader) != 0)
        tu_fail_errno (file, line, "zmq_close (monitor reader)", errno);
}
#define CLOSE_MONITOR(s, reader)                                               \
    tu_close_monitor ((s), (reader), __FILE__, __LINE__)

/* For handshake tests: monitor server and client for events (into
 * *server_events and *client_events; client_events NULL: the client is not
 * watched), bind the server to a loopback port (its endpoint into ep) and
 * connect the client. CLOSE_WATCHED undoes it all. */
static inline void tu_watch_and_connect (void *ctx, void *server,
                                         void *client, int events,
                                         void **server_events,
                                         void **client_events, char *ep,
                                         const char *file, int line)
{
    *server_events = tu_monitor (ctx, server, events, file, line);
    if (client_events)
        *client_events = tu_monitor (ctx, client, events, file, line);
    tu_bind_any (server, "tcp://127.0.0.1:*", ep, file, line);
    if (zmq_connect (client, ep) != 0)
        tu_fail_errno (file, line, "zmq_connect", errno);
}
#define WATCH_AND_CONNECT(ctx, server, client, events, server_events,          \
                          client_events, ep)                                   \
    tu_watch_and_connect ((ctx), (server), (client), (events),                \
                          (server_events), (client_events), (ep), __FILE__,   \
                          __LINE__)

static inline void tu_close_watched (void *server, void *client,
                                     void *server_events,
                                     void *client_events, const char *file,
                                     int line)
{
    tu_close_monitor (server, server_events, file, line);
    if (client_events)
        tu_close_monitor (client, client_events, file, line);
    if (zmq_close (client) != 0 || zmq_close (server) != 0)
        tu_fail_errno (file, line, "zmq_close", errno);
}
#define CLOSE_WATCHED(server, client, server_events, client_events)            \
    tu_close_watched ((server), (client), (server_events), (client_events),   \
                      __FILE__, __LINE__)

/* Next event within timeout_ms: 1 and *ev filled, or 0 if none came. */
static inline int tu_next_event (void *reader, struct tu_event *ev,
                                 long timeout_ms)
{
    zmq_msg_t frame;
    uint16_t number;
    size_t n;
    if (!tu_poll_in (reader, timeout_ms))
        return 0;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, reader, 0) != 6 || !zmq_msg_more (&frame))
        tu_fail (__FILE__, __LINE__, "monitor event",
                 "first frame is not 6 bytes followed by more");
    memcpy (&number, zmq_msg_data (&frame), 2);
    memcpy (&ev->value, (char *) zmq_msg_data (&frame) + 2, 4);
    ev->event = number;
    if (zmq_msg_recv (&frame, reader, 0) == -1)
        tu_fail_errno (__FILE__, __LINE__, "monitor event endpoint", errno);
    if (zmq_msg_more (&frame))
        tu_fail (__FILE__, __LINE__, "monitor event", "more than 2 frames");
    n = zmq_msg_size (&frame);
    if (n >= sizeof ev->endpoint)
        tu_fail (__FILE__, __LINE__, "monitor event", "endpoint too long");
    memcpy (ev->endpoint, zmq_msg_data (&frame), n);
    ev->endpoint[n] = '\0';
    zmq_msg_close (&frame);
    return 1;
}

/* pump, if not NULL, is a socket the wait keeps calling into (ZMQ_EVENTS)
 * so that it processes its internal commands meanwhile: the reference
 * finishes some teardown (e.g. of connections after zmq_unbind) only when
 * the application uses the socket. */
static inline void tu_expect_event_pump (void *reader, int want,
                                         struct tu_event *out,
                                         long timeout_ms, void *pump,
                                         const char *file, int line)
{
    struct tu_event ev;
    char seen[300], what[64];
    size_t o = 0;
    long long deadline = tu_now_ms () + timeout_ms;
    seen[0] = '\0';
    for (;;) {
        long long left = deadline - tu_now_ms ();
        if (left < 0)
            break;
        if (pump != NULL) {
            int events = 0;
            size_t len = sizeof events;
            zmq_getsockopt (pump, ZMQ_EVENTS, &events, &len);
            if (left > 10)
                left = 10;
        }
        if (!tu_next_event (reader, &ev, (long) left)) {
            if (pump != NULL)
                continue;
            break;
        }
        if (ev.event == want) {
            if (out)
                *out = ev;
            return;
        }
        if (o + 40 < sizeof seen)
            o += (size_t) snprintf (seen + o, sizeof seen - o, " 0x%04x(%u)",
                                    ev.event, (unsigned) ev.value);
    }
    snprintf (what, sizeof what, "monitor event 0x%04x", want);
    {
        char detail[360];
        snprintf (detail, sizeof detail, "did not come%s%s",
                  o ? "; other events seen:" : "", seen);
        tu_fail (file, line, what, detail);
    }
}
#define EXPECT_EVENT(reader, want, out)                                        \
    tu_expect_event_pump ((reader), (want), (out), TU_TIMEOUT_MS, NULL,       \
                          __FILE__, __LINE__)
#define EXPECT_EVENT_PUMP(reader, want, out, pump)                             \
    tu_expect_event_pump ((reader), (want), (out), TU_TIMEOUT_MS, (pump),     \
                          __FILE__, __LINE__)

/* The next event, within TU_TIMEOUT_MS, must be `want` (no skipping),
 * with the given value unless that is TU_ANY_VALUE, and on endpoint
 * unless that is NULL. */
#define TU_ANY_VALUE (-1LL)
static inline void tu_expect_next_event (void *reader, int want,
                                         long long value,
                                         const char *endpoint,
                                         const char *file, int line)
{
    struct tu_event ev;
    if (!tu_next_event (reader, &ev, TU_TIMEOUT_MS))
        tu_fail (file, line, "next monitor event", "none came");
    tu_check_eq (ev.event, want, file, line, "next monitor event");
    if (value != TU_ANY_VALUE)
        tu_check_eq (ev.value, value, file, line, "its value");
    if (endpoint != NULL)
        tu_check_streq (ev.endpoint, endpoint, file, line, "its endpoint");
}
#define EXPECT_NEXT_EVENT(reader, want, value, endpoint)                       \
    tu_expect_next_event ((reader), (want), (value), (endpoint), __FILE__,    \
                          __LINE__)

/* Every handshake outcome a monitor reports. */
#define TU_HANDSHAKE_EVENTS                                                    \
    (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL    \
     | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

/* ---- Patterned payloads, for large messages ---- */
static inline void tu_fill (void *buf, size_t len, unsigned seed)
{
    unsigned char *p = (unsigned char *) buf;
    size_t i;
    for (i = 0; i < len; i++)
        p[i] = (unsigned char) ((i * 131u + (i >> 9) + seed * 7u + 1u) & 0xff);
}

/* Receive one frame that must be len bytes of tu_fill (seed). */
static inline void tu_recv_filled (void *s, size_t len, unsigned seed,
                                   const char *file, int line)
{
    zmq_msg_t msg;
    unsigned char *want;
    char detail[120];
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, s, 0) == -1)
        tu_fail_errno (file, line, "zmq_msg_recv", errno);
    if (zmq_msg_size (&msg) != len) {
        snprintf (detail, sizeof detail, "got %zu bytes, expected %zu",
                  zmq_msg_size (&msg), len);
        tu_fail (file, line, "received frame size", detail);
    }
    want = (unsigned char *) malloc (len ? len : 1);
    if (want == NULL)
        tu_fail (file, line, "malloc", NULL);
    tu_fill (want, len, seed);
    if (len && memcmp (want, zmq_msg_data (&msg), len) != 0)
        tu_fail (file, line, "received frame content", "differs");
    free (want);
    zmq_msg_close (&msg);
}
#define RECV_FILLED(s, len, seed)                                              \
    tu_recv_filled ((s), (len), (seed), __FILE__, __LINE__)

/* Send one frame of len bytes of tu_fill (seed). */
static inline void tu_send_filled (void *s, size_t len, unsigned seed,
                                   int flags, const char *file, int line)
{
    unsigned char *buf = (unsigned char *) malloc (len ? len : 1);
    if (buf == NULL)
        tu_fail (file, line, "malloc", NULL);
    tu_fill (buf, len, seed);
    tu_send_bytes (s, buf, len, flags, file, line);
    free (buf);
}
#define SEND_FILLED(s, len, seed, flags)                                       \
    tu_send_filled ((s), (len), (seed), (flags), __FILE__, __LINE__)

/* ---- Absence of a monitor event (appended for test_draft_reconnect_stop)
 * EXPECT_NO_EVENT watches reader for ms milliseconds (keep it at most
 * 500) and fails if the given event type shows up; other events are
 * skipped. The one place a test waits for something NOT to happen. */
static inline void tu_expect_no_event (void *reader, int unwanted, long ms,
                                       const char *file, int line)
{
    struct tu_event ev;
    long long deadline = tu_now_ms () + ms;
    for (;;) {
        long long left = deadline - tu_now_ms ();
        if (left <= 0 || !tu_next_event (reader, &ev, (long) left))
            return;
        if (ev.event == unwanted) {
            char what[64], detail[64];
            snprintf (what, sizeof what, "monitor event 0x%04x", unwanted);
            snprintf (detail, sizeof detail, "came (value %u), expected none",
                      (unsigned) ev.value);
            tu_fail (file, line, what, detail);
        }
    }
}
#define EXPECT_NO_EVENT(reader, unwanted, ms)                                  \
    tu_expect_no_event ((reader), (unwanted), (ms), __FILE__, __LINE__)


/* ---- A ZAP handler (RFC 27) served by a thread of the test ----------------
 * tu_zap_init, then set what it lets in, then TU_ZAP_START binds a REP
 * socket at TU_ZAP_ENDPOINT in ctx (before any socket could ask) and
 * starts the thread; TU_ZAP_STOP ends it. Each request is recorded (count
 * and the last one, read with tu_zap_requests) and answered.
 *
 * By default the answer is 200 (with user_id) for the one PLAIN user and
 * password, or the one CURVE public key, it was given, and 400 to anything
 * else. A test that wants other answers sets `answer`, which gets a reply
 * filled in as a plain 200 (version "1.0", the request's id, no user id, no
 * metadata, 6 frames) and changes what it likes.
 *
 * A context's inproc endpoint is released only some time after its socket
 * closes (in the reference), so a second handler cannot bind in the same
 * context: each handler wants a context of its own. */
#include <pthread.h>

#define TU_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define TU_ZAP_MAX_FRAMES 10
#define TU_ZAP_FRAME_CAP 300

/* One recorded request: each frame's real length, and its first
 * TU_ZAP_FRAME_CAP - 1 bytes with a NUL after them. */
struct tu_zap_request
{
    int frames;
    size_t len[TU_ZAP_MAX_FRAMES];
    char data[TU_ZAP_MAX_FRAMES][TU_ZAP_FRAME_CAP];
};

struct tu_zap_reply
{
    const char *version;
    char request_id[TU_ZAP_FRAME_CAP + 1];
    size_t request_id_len;
    const char *status;
    const char *status_text; /* NULL: "OK" for 200, else "Refused" */
    const char *user_id;
    unsigned char metadata[128];
    size_t metadata_len;
    int frames; /* 6; 5 leaves out the metadata frame */
};

struct tu_zap_handler
{
    /* Set between tu_zap_init and TU_ZAP_START; the thread only reads. */
    const char *user, *password; /* the PLAIN client let in (NULL: none) */
    const unsigned char *key;    /* the CURVE public key (32 bytes) let in */
    const char *user_id;         /* of a 200 reply */
    void (*answer) (const struct tu_zap_request *r,
                    struct tu_zap_reply *reply);

    void *rep, *stop_thread, *stop_main;
    pthread_t thread;
    pthread_mutex_t lock;
    int requests;                /* under lock */
    struct tu_zap_request last;  /* under lock */
};

/* Frame i as a string, or "(missing)". */
static inline const char *tu_zap_frame (const struct tu_zap_request *r, int i)
{
    return i < r->frames ? r->data[i] : "(missing)";
}

/* 1 if frame i is exactly the bytes of want. */
static inline int tu_zap_frame_is (const struct tu_zap_request *r, int i,
                                   const char *want)
{
    return i < r->frames && r->len[i] == strlen (want)
           && memcmp (r->data[i], want, r->len[i]) == 0;
}

/* Append one metadata property (RFC 27: name, 4-byte length, value). */
static inline void tu_zap_put_property (struct tu_zap_reply *reply,
                                        const char *name, const char *value)
{
    size_t n = strlen (name), v = strlen (value);
    unsigned char *buf = reply->metadata;
    size_t *off = &reply->metadata_len;
    buf[(*off)++] = (unsigned char) n;
    memcpy (buf + *off, name, n);
    *off += n;
    buf[(*off)++] = (unsigned char) (v >> 24);
    buf[(*off)++] = (unsigned char) (v >> 16);
    buf[(*off)++] = (unsigned char) (v >> 8);
    buf[(*off)++] = (unsigned char) v;
    memcpy (buf + *off, value, v);
    *off += v;
}

static inline int tu_zap_accepts (const struct tu_zap_handler *h,
                                  const struct tu_zap_request *r)
{
    if (r->frames == 8 && tu_zap_frame_is (r, 5, "PLAIN") && h->user)
        return tu_zap_frame_is (r, 6, h->user)
               && tu_zap_frame_is (r, 7, h->password);
    if (r->frames == 7 && tu_zap_frame_is (r, 5, "CURVE") && h->key)
        return r->len[6] == 32 && memcmp (r->data[6], h->key, 32) == 0;
    return 0;
}

static inline void tu_zap_reply_to (struct tu_zap_handler *h,
                                    const struct tu_zap_request *r)
{
    struct tu_zap_reply reply;
    size_t id_len = r->len[1] < TU_ZAP_FRAME_CAP ? r->len[1]
                                                 : TU_ZAP_FRAME_CAP - 1;
    memset (&reply, 0, sizeof reply);
    reply.version = "1.0";
    memcpy (reply.request_id, r->data[1], id_len);
    reply.request_id_len = id_len;
    reply.status = "200";
    reply.user_id = "";
    reply.frames = 6;
    if (h->answer)
        h->answer (r, &reply);
    else if (tu_zap_accepts (h, r))
        reply.user_id = h->user_id ? h->user_id : "";
    else
        reply.status = "400";
    if (reply.status_text == NULL)
        reply.status_text = strcmp (reply.status, "200") == 0 ? "OK"
                                                              : "Refused";
    SEND_STR (h->rep, reply.version, ZMQ_SNDMORE);
    SEND_BYTES (h->rep, reply.request_id, reply.request_id_len, ZMQ_SNDMORE);
    SEND_STR (h->rep, reply.status, ZMQ_SNDMORE);
    SEND_STR (h->rep, reply.status_text, ZMQ_SNDMORE);
    SEND_STR (h->rep, reply.user_id, reply.frames > 5 ? ZMQ_SNDMORE : 0);
    if (reply.frames > 5)
        SEND_BYTES (h->rep, reply.metadata, reply.metadata_len, 0);
}

/* Read one whole request from h->rep. */
static inline void tu_zap_read_request (struct tu_zap_handler *h,
                                        struct tu_zap_request *r)
{
    int more = 1;
    memset (r, 0, sizeof *r);
    while (more) {
        zmq_msg_t frame;
        CHECK_RC (zmq_msg_init (&frame));
        CHECK_RC (zmq_msg_recv (&frame, h->rep, 0));
        if (r->frames < TU_ZAP_MAX_FRAMES) {
            size_t n = zmq_msg_size (&frame);
            r->len[r->frames] = n;
            if (n >= TU_ZAP_FRAME_CAP)
                n = TU_ZAP_FRAME_CAP - 1;
            memcpy (r->data[r->frames], zmq_msg_data (&frame), n);
            r->data[r->frames][n] = '\0';
        }
        r->frames++;
        more = zmq_msg_more (&frame);
        CHECK_RC (zmq_msg_close (&frame));
    }
}

static inline void *tu_zap_thread (void *arg)
{
    struct tu_zap_handler *h = (struct tu_zap_handler *) arg;
    for (;;) {
        zmq_pollitem_t items[2];
        struct tu_zap_request r;
        memset (items, 0, sizeof items);
        items[0].socket = h->rep;
        items[0].events = ZMQ_POLLIN;
        items[1].socket = h->stop_thread;
        items[1].events = ZMQ_POLLIN;
        CHECK_RC (zmq_poll (items, 2, -1));
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        tu_zap_read_request (h, &r);
        pthread_mutex_lock (&h->lock);
        h->requests++;
        h->last = r;
        pthread_mutex_unlock (&h->lock);
        tu_zap_reply_to (h, &r);
    }
    return NULL;
}

static inline void tu_zap_init (struct tu_zap_handler *h)
{
    memset (h, 0, sizeof *h);
    pthread_mutex_init (&h->lock, NULL);
}

static inline void tu_zap_start (void *ctx, struct tu_zap_handler *h,
                                 const char *file, int line)
{
    static int serial;
    char ep[80];
    h->rep = tu_socket (ctx, ZMQ_REP, file, line);
    if (zmq_bind (h->rep, TU_ZAP_ENDPOINT) != 0)
        tu_fail_errno (file, line, "binding the ZAP handler", errno);
    snprintf (ep, sizeof ep, "inproc://tu-zap-stop-%d-%d", (int) getpid (),
              serial++);
    h->stop_thread = tu_socket (ctx, ZMQ_PAIR, file, line);
    h->stop_main = tu_socket (ctx, ZMQ_PAIR, file, line);
    if (zmq_bind (h->stop_thread, ep) != 0
        || zmq_connect (h->stop_main, ep) != 0)
        tu_fail_errno (file, line, "the ZAP handler's stop pair", errno);
    if (pthread_create (&h->thread, NULL, tu_zap_thread, h) != 0)
        tu_fail (file, line, "pthread_create (ZAP handler)", NULL);
}
#define TU_ZAP_START(ctx, h) tu_zap_start ((ctx), (h), __FILE__, __LINE__)

static inline void tu_zap_stop (struct tu_zap_handler *h, const char *file,
                                int line)
{
    tu_send_bytes (h->stop_main, "stop", 4, 0, file, line);
    if (pthread_join (h->thread, NULL) != 0)
        tu_fail (file, line, "pthread_join (ZAP handler)", NULL);
    if (zmq_close (h->rep) != 0 || zmq_close (h->stop_thread) != 0
        || zmq_close (h->stop_main) != 0)
        tu_fail_errno (file, line, "closing the ZAP handler", errno);
    pthread_mutex_destroy (&h->lock);
}
#define TU_ZAP_STOP(h) tu_zap_stop ((h), __FILE__, __LINE__)

/* How many requests came so far; the last one into *last if not NULL. */
static inline int tu_zap_requests (struct tu_zap_handler *h,
                                   struct tu_zap_request *last)
{
    int n;
    pthread_mutex_lock (&h->lock);
    n = h->requests;
    if (last)
        *last = h->last;
    pthread_mutex_unlock (&h->lock);
    return n;
}

/* ---- SIGALRM, to interrupt blocking calls (EINTR) -------------------------
 * tu_block_alarms at the start of main blocks SIGALRM in the main thread,
 * and so in every thread started later (a library's threads inherit the
 * mask): the signal can land only where a test lets it through.
 * tu_alarms_start delivers it every 20 ms (repeated, so that one surely
 * lands while the call under test waits), with a handler that counts and
 * does not ask for SA_RESTART; with unblock set the main thread lets it
 * through until tu_alarms_stop. */
#include <signal.h>
#include <sys/time.h>

static inline volatile sig_atomic_t *tu_alarm_counter (void)
{
    static volatile sig_atomic_t count;
    return &count;
}

/* How many SIGALRMs landed since tu_alarms_start. */
static inline int tu_alarms (void)
{
    return (int) *tu_alarm_counter ();
}

static inline void tu_on_alarm (int sig)
{
    (void) sig;
    (*tu_alarm_counter ())++;
}

static inline void tu_alarm_mask (int how)
{
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGALRM);
    if (pthread_sigmask (how, &set, NULL) != 0)
        tu_fail (__FILE__, __LINE__, "pthread_sigmask (SIGALRM)", NULL);
}

static inline void tu_block_alarms (void)
{
    tu_alarm_mask (SIG_BLOCK);
}

static inline void tu_alarms_start (int unblock)
{
    struct sigaction sa;
    struct itimerval it;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = tu_on_alarm;
    sigemptyset (&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART */
    CHECK_RC (sigaction (SIGALRM, &sa, NULL));
    *tu_alarm_counter () = 0;
    memset (&it, 0, sizeof it);
    it.it_value.tv_usec = 20000;
    it.it_interval.tv_usec = 20000;
    CHECK_RC (setitimer (ITIMER_REAL, &it, NULL));
    if (unblock)
        tu_alarm_mask (SIG_UNBLOCK);
}

/* Stop the timer and block SIGALRM again. */
static inline void tu_alarms_stop (void)
{
    struct itimerval it;
    memset (&it, 0, sizeof it);
    CHECK_RC (setitimer (ITIMER_REAL, &it, NULL));
    tu_alarm_mask (SIG_BLOCK);
}

#endif
