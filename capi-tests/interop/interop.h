/* Shared by the interop peer (capi-tests/interop/peer.c) and the interop
 * tests (capi-tests/test_interop_*.c).
 *
 * The tests run the library under test in their own process and start the
 * peer, a small program linked against the reference libzmq, in a child
 * process; the two talk over tcp:// or ipc://. Both sides build and check
 * the same patterned messages with the functions below, so either side
 * can verify what the other sent.
 *
 * Message `index` of a scripted run has `parts` frames of `size` bytes.
 * With a topic, frame 0 starts with the topic then '#'. A "probe" (used
 * to wait until a subscription is in place) is the single frame topic+'?'.
 * With `envelope` set, an empty delimiter frame goes first (a DEALER
 * talking to a REP).
 *
 * The second half (test side: starting and stopping peers) is left out
 * when INTEROP_PEER is defined.
 */
#ifndef CAPI_INTEROP_H
#define CAPI_INTEROP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

static inline void ip_fill_frame (unsigned char *buf, size_t size,
                                  unsigned index, unsigned part,
                                  const char *topic)
{
    size_t i = 0, t = (part == 0 && topic) ? strlen (topic) : 0;
    if (t) {
        memcpy (buf, topic, t < size ? t : size);
        i = t < size ? t : size;
        if (i < size)
            buf[i++] = '#';
    }
    for (; i < size; i++)
        buf[i] = (unsigned char) ((i * 7u + index * 13u + part * 29u + 1u)
                                  & 0xffu);
}

/* Send scripted message index. Returns 0, or -1 with errno set. */
static inline int ip_send_msg (void *s, unsigned index, size_t size,
                               unsigned parts, const char *topic,
                               int envelope)
{
    unsigned char *buf = (unsigned char *) malloc (size ? size : 1);
    unsigned p;
    int rc = 0;
    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if (envelope && zmq_send (s, "", 0, ZMQ_SNDMORE) != 0)
        rc = -1;
    for (p = 0; rc == 0 && p < parts; p++) {
        ip_fill_frame (buf, size, index, p, topic);
        if (zmq_send (s, buf, size, p + 1 < parts ? ZMQ_SNDMORE : 0)
            != (int) size)
            rc = -1;
    }
    free (buf);
    return rc;
}

/* Send a probe for topic. */
static inline int ip_send_probe (void *s, const char *topic)
{
    char buf[300];
    int n = snprintf (buf, sizeof buf, "%s?", topic ? topic : "");
    return zmq_send (s, buf, (size_t) n, 0) == n ? 0 : -1;
}

/* Receive one whole message into a list of frames the caller frees with
 * ip_free_frames. Returns the number of frames, or -1 (errno set). */
#define IP_MAX_FRAMES 64
static inline int ip_recv_frames (void *s, zmq_msg_t *frames)
{
    int n = 0;
    for (;;) {
        if (n == IP_MAX_FRAMES) {
            errno = EMSGSIZE;
            return -1;
        }
        zmq_msg_init (&frames[n]);
        if (zmq_msg_recv (&frames[n], s, 0) < 0) {
            int err = errno;
            zmq_msg_close (&frames[n]);
            while (n > 0)
                zmq_msg_close (&frames[--n]);
            errno = err;
            return -1;
        }
        if (!zmq_msg_more (&frames[n++]))
            return n;
    }
}

static inline void ip_free_frames (zmq_msg_t *frames, int n)
{
    while (n > 0)
        zmq_msg_close (&frames[--n]);
}

static inline int ip_is_probe (zmq_msg_t *frames, int n, const char *topic)
{
    size_t t = topic ? strlen (topic) : 0;
    const unsigned char *d = (const unsigned char *) zmq_msg_data (&frames[0]);
    return n == 1 && zmq_msg_size (&frames[0]) == t + 1
           && (t == 0 || memcmp (d, topic, t) == 0) && d[t] == '?';
}

/* Check frames[first..n) against scripted message index. Returns 0, or -1
 * with a reason in why. */
static inline int ip_check_frames (zmq_msg_t *frames, int n, int first,
                                   unsigned index, size_t size,
                                   unsigned parts, const char *topic,
                                   char *why, size_t whylen)
{
    unsigned char *want = (unsigned char *) malloc (size ? size : 1);
    unsigned p;
    int rc = 0;
    if (want == NULL) {
        snprintf (why, whylen, "out of memory");
        return -1;
    }
    if (n - first != (int) parts) {
        snprintf (why, whylen, "message %u: %d frames, expected %u", index,
                  n - first, parts);
        rc = -1;
    }
    for (p = 0; rc == 0 && p < parts; p++) {
        zmq_msg_t *f = &frames[first + (int) p];
        ip_fill_frame (want, size, index, p, topic);
        if (zmq_msg_size (f) != size) {
            snprintf (why, whylen,
                      "message %u frame %u: %zu bytes, expected %zu", index,
                      p, zmq_msg_size (f), size);
            rc = -1;
        } else if (size && memcmp (zmq_msg_data (f), want, size) != 0) {
            snprintf (why, whylen, "message %u frame %u: content differs",
                      index, p);
            rc = -1;
        }
    }
    free (want);
    return rc;
}

/* Receive scripted message index (skipping probes for topic), checking
 * it. Returns 0, or -1 with a reason in why. */
static inline int ip_recv_msg (void *s, unsigned index, size_t size,
                               unsigned parts, const char *topic,
                               int envelope, char *why, size_t whylen)
{
    zmq_msg_t frames[IP_MAX_FRAMES];
    int n, rc;
    for (;;) {
        n = ip_recv_frames (s, frames);
        if (n < 0) {
            snprintf (why, whylen, "message %u: receive failed: %s", index,
                      zmq_strerror (errno));
            return -1;
        }
        if (!ip_is_probe (frames, n, topic))
            break;
        ip_free_frames (frames, n);
    }
    if (envelope && (n < 1 || zmq_msg_size (&frames[0]) != 0)) {
        snprintf (why, whylen, "message %u: no empty delimiter", index);
        ip_free_frames (frames, n);
        return -1;
    }
    rc = ip_check_frames (frames, n, envelope ? 1 : 0, index, size, parts,
                          topic, why, whylen);
    ip_free_frames (frames, n);
    return rc;
}

/* Receive one message and send it straight back, frame by frame. If
 * first_frame is not NULL, frame 0 must equal it (a ROUTER checking the
 * routing id of its peer). Returns 0, or -1 with a reason in why. */
static inline int ip_echo_one (void *s, const char *first_frame, char *why,
                               size_t whylen)
{
    zmq_msg_t frames[IP_MAX_FRAMES];
    int n = ip_recv_frames (s, frames), i;
    if (n < 0) {
        snprintf (why, whylen, "echo: receive failed: %s",
                  zmq_strerror (errno));
        return -1;
    }
    if (first_frame
        && (zmq_msg_size (&frames[0]) != strlen (first_frame)
            || memcmp (zmq_msg_data (&frames[0]), first_frame,
                       strlen (first_frame))
                 != 0)) {
        snprintf (why, whylen, "echo: first frame is not \"%s\"",
                  first_frame);
        ip_free_frames (frames, n);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (zmq_msg_send (&frames[i], s, i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
            snprintf (why, whylen, "echo: send failed: %s",
                      zmq_strerror (errno));
            ip_free_frames (frames + i, n - i);
            return -1;
        }
    }
    return 0;
}

#ifndef INTEROP_PEER
/* ---- Test side: running peers ------------------------------------------
 * ip_start forks and execs the peer with LD_LIBRARY_PATH set to
 * $ZMQ_PEER_LIBDIR (default /usr/lib/x86_64-linux-gnu, the reference) and
 * waits for its "ready <endpoint>" line. The peer program is
 * $ZMQ_INTEROP_PEER, else "interop-peer" next to the test binary. Every
 * peer still running when the test exits (a failed check) is killed. */
#include "testutil.h"

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

struct ip_peer
{
    pid_t pid;
    int to_peer;   /* the peer's stdin */
    int from_peer; /* the peer's stdout */
    char endpoint[TU_ENDPOINT_MAX];
};

#define IP_MAX_PEERS 16
static pid_t ip_live[IP_MAX_PEERS];

/* The case under way, named on stderr only if the test fails in it. */
static char ip_case_name[200];

static inline void ip_kill_all (void)
{
    int i;
    if (ip_case_name[0])
        fprintf (stderr, "interop case under way: %s\n", ip_case_name);
    for (i = 0; i < IP_MAX_PEERS; i++)
        if (ip_live[i] > 0) {
            kill (ip_live[i], SIGKILL);
            waitpid (ip_live[i], NULL, 0);
            ip_live[i] = 0;
        }
}

static inline void ip_register_exit (void)
{
    static int registered;
    if (!registered) {
        atexit (ip_kill_all);
        registered = 1;
    }
}

static inline void ip_track (pid_t pid, int add)
{
    int i;
    ip_register_exit ();
    for (i = 0; i < IP_MAX_PEERS; i++)
        if (add ? ip_live[i] == 0 : ip_live[i] == pid) {
            ip_live[i] = add ? pid : 0;
            return;
        }
    if (add)
        tu_fail (__FILE__, __LINE__, "ip_track", "too many peers at once");
}

static inline void ip_peer_path (char *buf, size_t cap)
{
    const char *env = getenv ("ZMQ_INTEROP_PEER");
    ssize_t n;
    char *slash;
    if (env && *env) {
        snprintf (buf, cap, "%s", env);
        return;
    }
    n = readlink ("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        tu_fail (__FILE__, __LINE__, "readlink /proc/self/exe", NULL);
    buf[n] = '\0';
    slash = strrchr (buf, '/');
    snprintf (slash + 1, cap - (size_t) (slash + 1 - buf), "interop-peer");
}

/* Read one line from the peer within timeout_ms into buf (no newline).
 * Returns 1, or 0 on timeout or end of file. */
static inline int ip_read_line (struct ip_peer *p, char *buf, size_t cap,
                                long timeout_ms)
{
    long long deadline = tu_now_ms () + timeout_ms;
    size_t n = 0;
    for (;;) {
        struct pollfd pfd;
        long long left = deadline - tu_now_ms ();
        char c;
        if (left <= 0)
            return 0;
        pfd.fd = p->from_peer;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll (&pfd, 1, (int) left) != 1)
            continue;
        if (read (p->from_peer, &c, 1) != 1)
            return 0;
        if (c == '\n') {
            buf[n] = '\0';
            return 1;
        }
        if (n + 1 < cap)
            buf[n++] = c;
    }
}

/* Start a peer: type is a socket type name ("PUSH"), mode "bind" or
 * "connect", script and options as documented in peer.c (options may be
 * NULL). */
static inline void ip_start_at (struct ip_peer *p, const char *type,
                                const char *mode, const char *endpoint,
                                const char *script, const char *options,
                                const char *file, int line)
{
    char path[512], got[512];
    const char *libdir = getenv ("ZMQ_PEER_LIBDIR");
    const char *argv[7];
    int in[2], out[2];
    if (libdir == NULL || *libdir == '\0')
        libdir = "/usr/lib/x86_64-linux-gnu";
    ip_peer_path (path, sizeof path);
    if (access (path, X_OK) != 0)
        tu_fail (file, line, "interop peer not found (set ZMQ_INTEROP_PEER)",
                 path);
    if (pipe (in) != 0 || pipe (out) != 0)
        tu_fail_errno (file, line, "pipe", errno);
    fflush (stdout);
    fflush (stderr);
    p->pid = fork ();
    if (p->pid < 0)
        tu_fail_errno (file, line, "fork", errno);
    if (p->pid == 0) {
        dup2 (in[0], 0);
        dup2 (out[1], 1);
        close (in[0]);
        close (in[1]);
        close (out[0]);
        close (out[1]);
        setenv ("LD_LIBRARY_PATH", libdir, 1);
        argv[0] = path;
        argv[1] = type;
        argv[2] = mode;
        argv[3] = endpoint;
        argv[4] = script;
        argv[5] = options;
        argv[6] = NULL;
        execv (path, (char *const *) argv);
        _exit (127);
    }
    ip_track (p->pid, 1);
    close (in[0]);
    close (out[1]);
    p->to_peer = in[1];
    p->from_peer = out[0];
    if (!ip_read_line (p, got, sizeof got, 5000)
        || strncmp (got, "ready ", 6) != 0)
        tu_fail (file, line, "interop peer did not start", script);
    snprintf (p->endpoint, sizeof p->endpoint, "%s", got + 6);
}
#define IP_START(p, type, mode, endpoint, script, options)                    \
    ip_start_at ((p), (type), (mode), (endpoint), (script), (options),        \
                 __FILE__, __LINE__)

/* The peer must print exactly this line next. */
static inline void ip_expect_line_at (struct ip_peer *p, const char *want,
                                      const char *file, int line)
{
    char got[512];
    if (!ip_read_line (p, got, sizeof got, 5000))
        tu_fail (file, line, "no line from the interop peer", want);
    tu_check_streq (got, want, file, line, "line from the interop peer");
}
#define IP_EXPECT_LINE(p, want)                                                \
    ip_expect_line_at ((p), (want), __FILE__, __LINE__)

/* Send the peer a line (ends its "wait" or "syncsend" step). */
static inline void ip_tell (struct ip_peer *p)
{
    if (write (p->to_peer, "go\n", 3) != 3)
        tu_fail_errno (__FILE__, __LINE__, "write to the interop peer", errno);
}

/* Close the peer's stdin and wait (bounded) for it to exit with 0. */
static inline void ip_finish_at (struct ip_peer *p, const char *file, int line)
{
    long long deadline = tu_now_ms () + 6000;
    int status = 0;
    char detail[64];
    close (p->to_peer);
    for (;;) {
        pid_t r = waitpid (p->pid, &status, WNOHANG);
        if (r == p->pid)
            break;
        if (tu_now_ms () > deadline)
            tu_fail (file, line, "interop peer", "did not exit in time");
        {
            struct pollfd none;
            poll (&none, 0, 5); /* a 5 ms pause between checks */
        }
    }
    ip_track (p->pid, 0);
    close (p->from_peer);
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        if (WIFSIGNALED (status))
            snprintf (detail, sizeof detail, "killed by signal %d",
                      WTERMSIG (status));
        else
            snprintf (detail, sizeof detail, "exit status %d",
                      WEXITSTATUS (status));
        tu_fail (file, line, "interop peer failed", detail);
    }
}
#define IP_FINISH(p) ip_finish_at ((p), __FILE__, __LINE__)

/* Kill the peer outright (a crash), and reap it. */
static inline void ip_kill (struct ip_peer *p)
{
    kill (p->pid, SIGKILL);
    waitpid (p->pid, NULL, 0);
    ip_track (p->pid, 0);
    close (p->to_peer);
    close (p->from_peer);
}

/* Test-side wrappers that fail the test with the reason. */
#define IP_SEND(s, index, size, parts, topic, envelope)                        \
    do {                                                                       \
        if (ip_send_msg ((s), (index), (size), (parts), (topic), (envelope))   \
            != 0)                                                              \
            tu_fail_errno (__FILE__, __LINE__, "ip_send_msg", errno);          \
    } while (0)
#define IP_RECV(s, index, size, parts, topic, envelope)                        \
    do {                                                                       \
        char ip_why_[200];                                                     \
        if (ip_recv_msg ((s), (index), (size), (parts), (topic), (envelope),   \
                         ip_why_, sizeof ip_why_)                              \
            != 0)                                                              \
            tu_fail (__FILE__, __LINE__, "ip_recv_msg", ip_why_);              \
    } while (0)
#define IP_ECHO(s, first_frame)                                                \
    do {                                                                       \
        char ip_why_[200];                                                     \
        if (ip_echo_one ((s), (first_frame), ip_why_, sizeof ip_why_) != 0)    \
            tu_fail (__FILE__, __LINE__, "ip_echo_one", ip_why_);              \
    } while (0)

/* Transports and directions every interop case runs in. */
struct ip_setup
{
    const char *transport; /* "tcp" or "ipc" */
    int peer_binds;
};
static const struct ip_setup ip_setups[4] = {
  {"tcp", 1}, {"tcp", 0}, {"ipc", 1}, {"ipc", 0}};

static char ip_dir[200];

static inline void ip_cleanup_dir (void)
{
    if (ip_dir[0])
        tu_remove_tree (ip_dir);
}

/* A fresh endpoint spec for transport: for binding ("tcp://127.0.0.1:*",
 * or an ipc path in a private directory). */
static inline void ip_bind_spec (const char *transport, char *buf, size_t cap)
{
    static int serial;
    if (strcmp (transport, "tcp") == 0) {
        snprintf (buf, cap, "tcp://127.0.0.1:*");
        return;
    }
    if (ip_dir[0] == '\0') {
        tu_make_tmpdir (ip_dir, sizeof ip_dir, __FILE__, __LINE__);
        atexit (ip_cleanup_dir);
    }
    snprintf (buf, cap, "ipc://%s/%d.sock", ip_dir, serial++);
}

/* Connect the local socket s with a peer of type peer_type running
 * script: whichever side setup says binds, binds. Returns with the peer
 * started; *endpoint (TU_ENDPOINT_MAX) gets the endpoint in use. */
static inline void ip_pair_up_at (void *s, struct ip_peer *p,
                                  const char *peer_type,
                                  const struct ip_setup *setup,
                                  const char *script, const char *options,
                                  char *endpoint, const char *file, int line)
{
    char spec[TU_ENDPOINT_MAX];
    ip_bind_spec (setup->transport, spec, sizeof spec);
    if (setup->peer_binds) {
        ip_start_at (p, peer_type, "bind", spec, script, options, file, line);
        snprintf (endpoint, TU_ENDPOINT_MAX, "%s", p->endpoint);
        if (zmq_connect (s, endpoint) != 0)
            tu_fail_errno (file, line, "zmq_connect", errno);
    } else {
        tu_bind_any (s, spec, endpoint, file, line);
        ip_start_at (p, peer_type, "connect", endpoint, script, options, file,
                     line);
    }
}
#define IP_PAIR_UP(s, p, peer_type, setup, script, options, endpoint)          \
    ip_pair_up_at ((s), (p), (peer_type), (setup), (script), (options),       \
                   (endpoint), __FILE__, __LINE__)

/* Receive, skipping anything but a probe for topic. */
static inline void ip_await_probe (void *s, const char *topic,
                                   const char *file, int line)
{
    zmq_msg_t frames[IP_MAX_FRAMES];
    for (;;) {
        int n = ip_recv_frames (s, frames), probe;
        if (n < 0)
            tu_fail_errno (file, line, "waiting for a probe", errno);
        probe = ip_is_probe (frames, n, topic);
        ip_free_frames (frames, n);
        if (probe)
            return;
    }
}
#define IP_AWAIT_PROBE(s, topic)                                               \
    ip_await_probe ((s), (topic), __FILE__, __LINE__)

/* Name the case under way (reported only if the test fails in it);
 * IP_CASE_DONE once it has passed. */
static inline void ip_case (const char *what, const struct ip_setup *setup)
{
    ip_register_exit ();
    snprintf (ip_case_name, sizeof ip_case_name, "%s over %s, %s binds",
              what, setup->transport, setup->peer_binds ? "peer" : "test");
}
#define IP_CASE(what, setup) ip_case ((what), (setup))
#define IP_CASE_DONE() (ip_case_name[0] = '\0')

#endif /* INTEROP_PEER */

#endif
