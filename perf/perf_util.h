/* Shared helpers of the perf/ programs: argument parsing, a monotonic clock,
 * failure reporting and the closing RESULT line.
 *
 * Every program in perf/ uses only the public libzmq C API, so the same
 * binary measures our library and the reference one (LD_LIBRARY_PATH picks).
 * Timing uses clock_gettime(CLOCK_MONOTONIC), not the library's stopwatch, so
 * the clock itself is identical for both libraries.
 *
 * Each program ends by itself: blocking sockets get generous send/receive
 * timeouts, and a timeout is reported as a failure (exit 1, "RESULT status=FAIL")
 * rather than a hang.
 *
 * Include this header before any system header: it selects the POSIX/GNU
 * feature set (clock_gettime under -std=c99). */
#ifndef PERF_UTIL_H
#define PERF_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* Receive/send timeout used by every blocking socket, in milliseconds. Long
 * enough for the slowest case on a loaded 2-core machine, short enough that a
 * library that lost a message ends the run. The environment variable
 * PERF_TIMEOUT_MS overrides it (tools/bench.sh sets it). */
#define PERF_TIMEOUT_MS 20000

static inline int perf_timeout_ms (void)
{
    const char *text = getenv ("PERF_TIMEOUT_MS");
    if (text != NULL) {
        long v = strtol (text, NULL, 10);
        if (v > 0 && v < 3600 * 1000)
            return (int) v;
    }
    return PERF_TIMEOUT_MS;
}

static inline double perf_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* The error of the last failed call: zmq_errno () (libzmq returns errno;
 * a library that keeps its own error in a thread-local says it there), else
 * errno (libc calls). */
static inline int perf_errno (void)
{
    int e = errno;
    int z = zmq_errno ();
    return z != 0 ? z : e;
}

/* Prints what failed and the library's error text, then the failure RESULT
 * line the bench script looks for, and exits. */
#define PERF_DIE(what)                                                        \
    do {                                                                      \
        int perf_errno_ = perf_errno ();                                      \
        fprintf (stderr, "%s:%d: %s failed: %s (errno %d)\n", __FILE__,      \
                 __LINE__, (what), zmq_strerror (perf_errno_), perf_errno_); \
        printf ("RESULT status=FAIL\n");                                      \
        fflush (stdout);                                                      \
        exit (1);                                                             \
    } while (0)

/* Evaluates a zmq call returning int; dies if it returned -1. */
#define PERF_OK(call)                                                         \
    do {                                                                      \
        if ((call) == -1)                                                     \
            PERF_DIE (#call);                                                 \
    } while (0)

/* Evaluates an expression returning a pointer; dies if it is NULL. */
#define PERF_PTR(var, expr)                                                   \
    do {                                                                      \
        (var) = (expr);                                                       \
        if ((var) == NULL)                                                    \
            PERF_DIE (#expr);                                                 \
    } while (0)

/* Parses a positive integer argument or exits with a usage error. */
static inline long perf_arg_long (const char *text, const char *name)
{
    char *end = NULL;
    errno = 0;
    long v = strtol (text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v <= 0) {
        fprintf (stderr, "bad %s: '%s' (want a positive integer)\n", name,
                 text);
        exit (2);
    }
    return v;
}

/* Sets an int socket option, dying on error. */
static inline void perf_setopt_int (void *s, int option, int value)
{
    if (zmq_setsockopt (s, option, &value, sizeof value) == -1)
        PERF_DIE ("zmq_setsockopt");
}

/* Sets a high-water mark option to 0 (no limit). A library that refuses 0
 * (EINVAL) gets `fallback` instead, a limit the program never reaches, and a
 * note on stderr: the case still runs, with the same outcome. */
static inline void perf_setopt_hwm_unbounded (void *s, int option, int fallback)
{
    int zero = 0;
    if (zmq_setsockopt (s, option, &zero, sizeof zero) == 0)
        return;
    if (perf_errno () != EINVAL)
        PERF_DIE ("zmq_setsockopt (HWM 0)");
    static int noted = 0;
    if (!noted++)
        fprintf (stderr, "note: HWM 0 (no limit) refused; using %d\n",
                 fallback);
    perf_setopt_int (s, option, fallback);
}

/* Gives a blocking socket the harness's send and receive timeouts. */
static inline void perf_bound (void *s)
{
    perf_setopt_int (s, ZMQ_RCVTIMEO, perf_timeout_ms ());
    perf_setopt_int (s, ZMQ_SNDTIMEO, perf_timeout_ms ());
}

/* Fills a message of `size` bytes with a fixed pattern. */
static inline void perf_msg_init_size (zmq_msg_t *m, size_t size)
{
    if (zmq_msg_init_size (m, size) == -1)
        PERF_DIE ("zmq_msg_init_size");
    if (size > 0)
        memset (zmq_msg_data (m), 'x', size);
}

/* Receives one message into `m` and checks its size. */
static inline void perf_recv_expect (void *s, zmq_msg_t *m, size_t size)
{
    if (zmq_msg_recv (m, s, 0) == -1)
        PERF_DIE ("zmq_msg_recv");
    if (zmq_msg_size (m) != size) {
        fprintf (stderr, "message of %zu bytes, expected %zu\n",
                 zmq_msg_size (m), size);
        printf ("RESULT status=FAIL\n");
        exit (1);
    }
}

/* Resident set size of this process in KiB, from /proc/self/status. */
static inline long perf_rss_kib (void)
{
    FILE *f = fopen ("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets (line, sizeof line, f) != NULL) {
        if (strncmp (line, "VmRSS:", 6) == 0) {
            kib = strtol (line + 6, NULL, 10);
            break;
        }
    }
    fclose (f);
    return kib;
}

/* The version of the library this process actually loaded, "4.3.5" say:
 * printed in every RESULT line so a run can be checked against the library it
 * was meant to measure. */
static inline const char *perf_version (void)
{
    static char text[32];
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    snprintf (text, sizeof text, "%d.%d.%d", major, minor, patch);
    return text;
}

/* Binds `s` on a fresh endpoint of `transport` ("tcp", "ipc" or "inproc") and
 * writes the endpoint peers should connect to into `out`. tcp binds an
 * ephemeral port on 127.0.0.1; ipc uses a path unique to this process under
 * $TMPDIR (default /tmp); inproc a name unique within the process. */
static inline void perf_bind_any (void *s, const char *transport,
                                  const char *tag, char *out, size_t out_len)
{
    static int serial = 0;
    serial++;
    if (strcmp (transport, "tcp") == 0) {
        PERF_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
        size_t len = out_len;
        PERF_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len));
    } else if (strcmp (transport, "ipc") == 0) {
        const char *dir = getenv ("TMPDIR");
        if (dir == NULL || *dir == '\0')
            dir = "/tmp";
        snprintf (out, out_len, "ipc://%s/zmq-perf-%s-%ld-%d.sock", dir, tag,
                  (long) getpid (), serial);
        PERF_OK (zmq_bind (s, out));
    } else if (strcmp (transport, "inproc") == 0) {
        snprintf (out, out_len, "inproc://perf-%s-%d", tag, serial);
        PERF_OK (zmq_bind (s, out));
    } else {
        fprintf (stderr, "unknown transport '%s' (want tcp, ipc or inproc)\n",
                 transport);
        exit (2);
    }
}

/* Binds `s` to `endpoint` and prints "ENDPOINT <address>" on stdout, the
 * address actually bound (so "tcp://127.0.0.1:*" reports the port chosen).
 * The line also tells a script that the socket is bound and the peer may be
 * started. */
static inline void perf_bind_announce (void *s, const char *endpoint)
{
    char bound[256];
    size_t len = sizeof bound;
    PERF_OK (zmq_bind (s, endpoint));
    PERF_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));
    printf ("ENDPOINT %s\n", bound);
    fflush (stdout);
}

/* Removes the socket file an ipc endpoint left behind (a no-op for others). */
static inline void perf_unlink_endpoint (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) == 0)
        unlink (endpoint + 6);
}

#endif
