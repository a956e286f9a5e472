/* Shared by the fault programs (capi-tests/faults/fault_*.c), run by
 * tools/faults.sh between two network namespaces joined by a veth pair.
 *
 * Each program is one binary with two roles:
 *   PROG drive MODE   runs in namespace A: the socket under test, the
 *                     checks, and the faults (through $FAULT_CTL);
 *   PROG peer ...     the far end, started by the driver in namespace B
 *                     (`ip netns exec B PROG peer ...`). It reports what
 *                     it sees as lines on its stdout, which is a pipe to
 *                     the driver, and exits when its stdin closes.
 * Both ends link the same library: ours, or the reference libzmq.
 *
 * Environment (set by tools/faults.sh): FAULT_CTL (command that applies a
 * fault: "loss PCT", "drop", "undrop", "link down", "link up"), FAULT_NS_B
 * (the peer's namespace), FAULT_ADDR_B (the peer's address), FAULT_PORT
 * (a tcp port picked per run; nothing else lives in these namespaces).
 *
 * Only the plain libzmq API is used. A failed check prints where and why
 * and exits 1; a driver that returns 0 has passed and printed "ok: ...".
 */
#ifndef CAPI_FAULTS_H
#define CAPI_FAULTS_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

/* ---- checks ---------------------------------------------------------- */

static inline void fh_fail (const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf (stderr, "%s:%d: check failed: ", file, line);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    fflush (stderr);
    exit (1);
}

#define FH_CHECK(cond, ...)                                                    \
    do {                                                                       \
        if (!(cond))                                                           \
            fh_fail (__FILE__, __LINE__, __VA_ARGS__);                         \
    } while (0)

/* A zmq call returning int that must not return -1. */
static inline int fh_rc (int rc, const char *file, int line, const char *what)
{
    if (rc == -1)
        fh_fail (file, line, "%s: %s", what, zmq_strerror (errno));
    return rc;
}
#define FH_RC(call) fh_rc ((call), __FILE__, __LINE__, #call)

static inline void *fh_ptr (void *p, const char *file, int line, const char *what)
{
    if (p == NULL)
        fh_fail (file, line, "%s: %s", what, zmq_strerror (errno));
    return p;
}
#define FH_PTR(call) fh_ptr ((void *) (call), __FILE__, __LINE__, #call)

#define FH_SET_INT(s, opt, v)                                                  \
    do {                                                                       \
        int v_ = (v);                                                          \
        FH_RC (zmq_setsockopt ((s), (opt), &v_, sizeof v_));                   \
    } while (0)

/* ---- time ------------------------------------------------------------ */

/* CLOCK_MONOTONIC is one clock for every network namespace, so the
 * driver and the peer can compare their readings. */
static inline int64_t fh_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The only wait that is not for an event. Used where nothing observable
 * marks the moment: how long a fault lasts, or letting a heartbeat
 * interval pass so the peer has seen a PING. Keep these short. */
static inline void fh_settle (int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* ---- environment, faults --------------------------------------------- */

static inline const char *fh_env (const char *name)
{
    const char *v = getenv (name);
    FH_CHECK (v != NULL && *v, "environment variable %s is not set", name);
    return v;
}

/* The peer's endpoint: its namespace's address and the run's port. */
static inline void fh_endpoint (char *buf, size_t size)
{
    snprintf (buf, size, "tcp://%s:%s", fh_env ("FAULT_ADDR_B"),
              fh_env ("FAULT_PORT"));
}

/* Apply a fault through $FAULT_CTL; returns when it is in place. */
static inline void fh_fault (const char *action)
{
    char cmd[512];
    int rc;
    snprintf (cmd, sizeof cmd, "%s %s", fh_env ("FAULT_CTL"), action);
    rc = system (cmd);
    FH_CHECK (rc == 0, "fault '%s' failed (status %d)", action, rc);
}

/* ---- messages with sequence numbers ------------------------------------ */

#define FH_MSG_SIZE 100

/* A message is its sequence number in decimal, a space, then a pattern
 * that depends on the number: a frame arriving in the wrong message or
 * corrupted fails fh_get_seq. */
static inline void fh_put_seq (char *buf, size_t size, unsigned seq)
{
    size_t i = (size_t) snprintf (buf, size, "%u ", seq);
    for (; i < size; i++)
        buf[i] = (char) ('a' + (i + seq) % 26);
}

static inline unsigned fh_get_seq (const char *buf, int len)
{
    char tmp[16];
    unsigned seq;
    int i, n = 0;
    FH_CHECK (len == FH_MSG_SIZE, "message of %d bytes, want %d", len,
              FH_MSG_SIZE);
    while (n < len && n < 15 && buf[n] != ' ') {
        tmp[n] = buf[n];
        n++;
    }
    tmp[n] = 0;
    FH_CHECK (n > 0 && n < len, "message has no sequence number");
    seq = (unsigned) strtoul (tmp, NULL, 10);
    for (i = n + 1; i < len; i++)
        FH_CHECK (buf[i] == (char) ('a' + ((unsigned) i + seq) % 26),
                  "message %u corrupted at byte %d", seq, i);
    return seq;
}

static inline void fh_send_seq (void *s, unsigned seq, int flags)
{
    char buf[FH_MSG_SIZE];
    fh_put_seq (buf, sizeof buf, seq);
    FH_CHECK (zmq_send (s, buf, sizeof buf, flags) == (int) sizeof buf,
              "send %u: %s", seq, zmq_strerror (errno));
}

/* ---- runs: what arrived, as contiguous ranges -------------------------- */

#define FH_MAX_RUNS 64

/* Sequence numbers seen in one connection's (or one process's) life, as
 * contiguous ranges in arrival order. Adding a number that is not above
 * the last one is a duplicate or a reordering, which fails at once. */
struct fh_runs
{
    unsigned first[FH_MAX_RUNS], last[FH_MAX_RUNS];
    int n;
    unsigned count;
};

static inline void fh_runs_add (struct fh_runs *r, unsigned a, unsigned b,
                         const char *what)
{
    FH_CHECK (a <= b, "%s: bad range %u-%u", what, a, b);
    if (r->n > 0)
        FH_CHECK (a > r->last[r->n - 1],
                  "%s: %u after %u: duplicate or out of order", what, a,
                  r->last[r->n - 1]);
    if (r->n > 0 && a == r->last[r->n - 1] + 1)
        r->last[r->n - 1] = b;
    else {
        FH_CHECK (r->n < FH_MAX_RUNS, "%s: too many gaps", what);
        r->first[r->n] = a;
        r->last[r->n] = b;
        r->n++;
    }
    r->count += b - a + 1;
}

static inline unsigned fh_runs_last (const struct fh_runs *r)
{
    return r->n ? r->last[r->n - 1] : 0;
}

static inline void fh_runs_print (const struct fh_runs *r, const char *what)
{
    int i;
    printf ("%s: %u messages in %d run(s):", what, r->count, r->n);
    for (i = 0; i < r->n && i < 8; i++)
        printf (" %u-%u", r->first[i], r->last[i]);
    printf ("%s\n", r->n > 8 ? " ..." : "");
}

/* ---- the peer process ------------------------------------------------- */

struct fh_peer
{
    pid_t pid;
    int out;    /* its stdout: we read lines */
    int in;     /* its stdin: closing it asks it to finish */
    char buf[8192];
    size_t len;
    int eof;
};

/* Start `PROG peer ARGS...` in the peer's namespace. The argument list
 * ends with NULL. */
static inline void fh_spawn (struct fh_peer *p, const char *arg, ...)
{
    char self[PATH_MAX];
    const char *argv[24];
    int n = 0, to_child[2], from_child[2];
    ssize_t len;
    va_list ap;

    len = readlink ("/proc/self/exe", self, sizeof self - 1);
    FH_CHECK (len > 0, "readlink /proc/self/exe: %s", strerror (errno));
    self[len] = 0;
    argv[n++] = "ip";
    argv[n++] = "netns";
    argv[n++] = "exec";
    argv[n++] = fh_env ("FAULT_NS_B");
    argv[n++] = self;
    argv[n++] = "peer";
    va_start (ap, arg);
    for (; arg != NULL && n < 23; arg = va_arg (ap, const char *))
        argv[n++] = arg;
    va_end (ap);
    argv[n] = NULL;

    FH_CHECK (pipe2 (to_child, O_CLOEXEC) == 0, "pipe: %s", strerror (errno));
    FH_CHECK (pipe2 (from_child, O_CLOEXEC) == 0, "pipe: %s",
              strerror (errno));
    fflush (NULL);
    signal (SIGPIPE, SIG_IGN);
    p->pid = fork ();
    FH_CHECK (p->pid >= 0, "fork: %s", strerror (errno));
    if (p->pid == 0) {
        /* The peer must not outlive a driver killed by its timeout;
         * `ip netns exec` execs the program, so this carries over. */
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        dup2 (to_child[0], 0);
        dup2 (from_child[1], 1);
        execvp ("ip", (char *const *) argv);
        _exit (127);
    }
    close (to_child[0]);
    close (from_child[1]);
    p->in = to_child[1];
    p->out = from_child[0];
    fcntl (p->out, F_SETFL, fcntl (p->out, F_GETFL) | O_NONBLOCK);
    p->len = 0;
    p->eof = 0;
}

/* Read what the peer has written so far (never blocks). */
static inline void fh_peer_read (struct fh_peer *p)
{
    for (;;) {
        ssize_t n;
        if (p->len == sizeof p->buf - 1)
            return;
        n = read (p->out, p->buf + p->len, sizeof p->buf - 1 - p->len);
        if (n > 0)
            p->len += (size_t) n;
        else {
            if (n == 0)
                p->eof = 1;
            return;
        }
    }
}

/* Take one complete line (without its newline) out of the buffer. */
static inline int fh_peer_line (struct fh_peer *p, char *line, size_t size)
{
    char *nl = memchr (p->buf, '\n', p->len);
    size_t n;
    if (nl == NULL)
        return 0;
    n = (size_t) (nl - p->buf);
    FH_CHECK (n < size, "peer line too long");
    memcpy (line, p->buf, n);
    line[n] = 0;
    p->len -= n + 1;
    memmove (p->buf, nl + 1, p->len);
    return 1;
}

/* Wait for the next line, at most timeout_ms. */
static inline void fh_peer_wait_line (struct fh_peer *p, char *line, size_t size,
                               int timeout_ms)
{
    int64_t deadline = fh_now_ms () + timeout_ms;
    while (!fh_peer_line (p, line, size)) {
        struct pollfd pfd = {p->out, POLLIN, 0};
        int64_t left = deadline - fh_now_ms ();
        FH_CHECK (!p->eof, "peer exited before writing a line");
        FH_CHECK (left > 0, "no line from the peer within %d ms",
                  timeout_ms);
        poll (&pfd, 1, (int) left);
        fh_peer_read (p);
    }
}

/* Start the peer and wait for its "ready" line (bound or connected). */
static inline void fh_peer_ready (struct fh_peer *p)
{
    char line[256];
    fh_peer_wait_line (p, line, sizeof line, 10000);
    FH_CHECK (strcmp (line, "ready") == 0, "peer said '%s', not ready", line);
}

/* kill -9, and reap it. What it wrote before dying stays readable
 * (fh_peer_read until eof) until fh_peer_close. */
static inline void fh_peer_kill9 (struct fh_peer *p)
{
    int status;
    FH_CHECK (kill (p->pid, SIGKILL) == 0, "kill: %s", strerror (errno));
    FH_CHECK (waitpid (p->pid, &status, 0) == p->pid, "waitpid: %s",
              strerror (errno));
    close (p->in);
}

static inline void fh_peer_close (struct fh_peer *p)
{
    close (p->out);
}

/* Ask the peer to finish (close its stdin); it must exit 0 within 5 s.
 * Its exit shows as end of file on its stdout. Lines it had not yet
 * handed over are dropped. */
static inline void fh_peer_finish (struct fh_peer *p)
{
    int64_t deadline = fh_now_ms () + 5000;
    int status = 0;
    /* A byte first: zmq_poll reports a raw fd's POLLHUP alone as no
     * event, so end of file alone would not wake the peer. */
    if (write (p->in, "\n", 1) != 1)
        fh_fail (__FILE__, __LINE__, "peer is gone: %s", strerror (errno));
    close (p->in);
    while (!p->eof) {
        struct pollfd pfd = {p->out, POLLIN, 0};
        int64_t left = deadline - fh_now_ms ();
        if (left <= 0) {
            kill (p->pid, SIGKILL);
            waitpid (p->pid, &status, 0);
            fh_fail (__FILE__, __LINE__, "peer did not exit within 5 s");
        }
        poll (&pfd, 1, (int) left);
        fh_peer_read (p);
        p->len = 0;
    }
    FH_CHECK (waitpid (p->pid, &status, 0) == p->pid, "waitpid: %s",
              strerror (errno));
    close (p->out);
    FH_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0,
              "peer failed (status 0x%x)", status);
}

/* Peer side: one line to the driver, at once. */
static inline void fh_say (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vprintf (fmt, ap);
    va_end (ap);
    putchar ('\n');
    fflush (stdout);
}

/* Peer side: has the driver asked us to finish? It writes a byte, then
 * closes our stdin. (never blocks) */
static inline int fh_stdin_closed (void)
{
    struct pollfd pfd = {0, POLLIN, 0};
    char c;
    if (poll (&pfd, 1, 0) <= 0)
        return 0;
    return read (0, &c, 1) >= 0;
}

/* ---- monitor ----------------------------------------------------------- */

/* A PAIR socket receiving `events` of socket s. */
static inline void *fh_monitor (void *ctx, void *s, int events)
{
    static int counter;
    char ep[64];
    void *m;
    snprintf (ep, sizeof ep, "inproc://fault-monitor-%d", ++counter);
    FH_RC (zmq_socket_monitor (s, ep, events));
    m = FH_PTR (zmq_socket (ctx, ZMQ_PAIR));
    FH_RC (zmq_connect (m, ep));
    return m;
}

/* The next event within timeout_ms, or 0 if none came. */
static inline int fh_event (void *mon, int timeout_ms)
{
    zmq_msg_t frame;
    uint16_t event;
    int more, rc;
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    rc = zmq_poll (&it, 1, timeout_ms);
    FH_CHECK (rc >= 0, "zmq_poll: %s", zmq_strerror (errno));
    if (rc == 0)
        return 0;
    zmq_msg_init (&frame);
    FH_RC (zmq_msg_recv (&frame, mon, 0));
    FH_CHECK (zmq_msg_size (&frame) == 6, "monitor frame of %d bytes",
              (int) zmq_msg_size (&frame));
    memcpy (&event, zmq_msg_data (&frame), sizeof event);
    more = zmq_msg_more (&frame);
    while (more) {
        FH_RC (zmq_msg_recv (&frame, mon, 0));
        more = zmq_msg_more (&frame);
    }
    zmq_msg_close (&frame);
    return event;
}

/* Wait for event `want` (others are skipped) within timeout_ms; returns
 * the time it arrived. */
static inline int64_t fh_expect_event (void *mon, int want, int timeout_ms,
                                const char *what)
{
    int64_t deadline = fh_now_ms () + timeout_ms;
    for (;;) {
        int64_t left = deadline - fh_now_ms ();
        int ev;
        FH_CHECK (left > 0, "no %s event within %d ms", what, timeout_ms);
        ev = fh_event (mon, (int) left);
        if (ev == want)
            return fh_now_ms ();
    }
}

static inline void fh_close_monitor (void *s, void *mon)
{
    int linger = 0;
    FH_RC (zmq_socket_monitor (s, NULL, 0));
    zmq_setsockopt (mon, ZMQ_LINGER, &linger, sizeof linger);
    FH_RC (zmq_close (mon));
}

/* ---- main ------------------------------------------------------------------ */

/* `PROG peer ARGS...` runs peer(argc, argv); `PROG drive MODE` runs
 * drive(MODE). */
static inline int fh_main (int argc, char **argv,
                           int (*peer) (int, char **),
                           int (*drive) (const char *), const char *modes)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp (argv[1], "peer") == 0)
        return peer (argc, argv);
    if (argc >= 3 && strcmp (argv[1], "drive") == 0)
        return drive (argv[2]);
    fprintf (stderr, "usage: %s drive %s\n", argv[0], modes);
    return 2;
}

#endif
