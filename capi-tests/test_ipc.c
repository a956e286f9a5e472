/* The ipc:// transport (UNIX domain stream sockets).
 *
 * Man pages: zmq_ipc(7), zmq_bind(3), zmq_setsockopt(3)
 * (ZMQ_IPC_FILTER_UID / _GID / _PID).
 *
 * Reference behaviours pinned here (libzmq 4.3.4 on Linux):
 * - A file path endpoint is reported by ZMQ_LAST_ENDPOINT as given. bind
 *   first unlinks whatever is at the path, so a stale socket file never
 *   blocks a bind (nor, in fact, a live one: a second bind of the same
 *   path succeeds). The file of a plain path is left behind on close.
 * - "ipc://" followed by "*" creates a private directory tmpXXXXXX under
 *   $TMPDIR (else $TEMPDIR, $TMP, else the current directory) holding a
 *   socket named "socket": LAST_ENDPOINT "ipc://$TMPDIR/tmpXXXXXX/socket".
 *   Both are removed when the socket closes. Unbinding the wildcard spec
 *   itself gives ENOENT; the real endpoint works.
 * - "ipc://@name" is a Linux abstract socket: no file, LAST_ENDPOINT as
 *   given, a second bind gives EADDRINUSE; "ipc://@" alone is EINVAL.
 * - The path (with the '@') must fit sun_path with its NUL: 107 bytes
 *   bind, 108 give ENAMETOOLONG, for bind and connect alike. A missing
 *   directory gives ENOENT on bind; connect is asynchronous and succeeds.
 * - With ZMQ_IPC_FILTER_UID/GID/PID set, a connection whose peer
 *   credentials match none of them is closed at once (the monitor reports
 *   ZMQ_EVENT_ACCEPT_FAILED) and nothing from it is delivered.
 * - Peer-Address of an ipc message ends in ":UID:GID:PID" of the peer.
 */
#include "testutil.h"

#include <sys/un.h>

static void *ctx;
static char dir[200];

static int is_socket_file (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0 && S_ISSOCK (st.st_mode);
}

static void test_file_path (void)
{
    char ep[TU_ENDPOINT_MAX], last[TU_ENDPOINT_MAX];
    static const size_t sizes[] = {0, 9000, (1u << 20) + 5};
    size_t i;
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    snprintf (ep, sizeof ep, "ipc://%s/pair.sock", dir);
    CHECK_RC (zmq_bind (a, ep));
    LAST_ENDPOINT (a, last);
    CHECK_STREQ (last, ep);
    CHECK (is_socket_file (ep + 6));
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    BOUNCE (b, a);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        SEND_FILLED (a, sizes[i], (unsigned) i, i < 2 ? ZMQ_SNDMORE : 0);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        RECV_FILLED (b, sizes[i], (unsigned) i);
        CHECK_EQ (tu_rcvmore (b), i < 2);
    }
    CHECK_ERRNO (zmq_unbind (a, "ipc://*"), ENOENT);
    CHECK_RC (zmq_disconnect (b, ep));
    CHECK_ERRNO (zmq_disconnect (b, ep), ENOENT);
    CHECK_RC (zmq_unbind (a, ep));
    CHECK_ERRNO (zmq_unbind (a, ep), ENOENT);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* Connecting before the bind: the reconnect timer finds it later. */
static void test_connect_then_bind (void)
{
    char ep[TU_ENDPOINT_MAX];
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    snprintf (ep, sizeof ep, "ipc://%s/later.sock", dir);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "queued", 0);
    CHECK_RC (zmq_bind (pull, ep));
    RECV_STR (pull, "queued");
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void test_wildcard (void)
{
    char ep[TU_ENDPOINT_MAX], prefix[TU_ENDPOINT_MAX], sockdir[TU_ENDPOINT_MAX];
    size_t n;
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *events = TU_MONITOR (ctx, a, ZMQ_EVENT_CLOSED);
    /* The wildcard directory goes under $TMPDIR: our private one. */
    CHECK_RC (setenv ("TMPDIR", dir, 1));
    BIND_ANY (a, "ipc://*", ep);
    snprintf (prefix, sizeof prefix, "ipc://%s/tmp", dir);
    n = strlen (prefix);
    CHECK (strncmp (ep, prefix, n) == 0);
    CHECK (strlen (ep) == n + 6 + strlen ("/socket"));
    CHECK_STREQ (ep + n + 6, "/socket");
    CHECK (is_socket_file (ep + 6));
    /* The directory: ep minus "ipc://" and minus "/socket". */
    snprintf (sockdir, sizeof sockdir, "%.*s", (int) n, ep + 6);
    CHECK (tu_path_exists (sockdir));

    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    CHECK_ERRNO (zmq_unbind (a, "ipc://*"), ENOENT);
    CHECK_RC (zmq_unbind (a, ep));
    /* Closing the listener removes the socket and its directory. */
    EXPECT_EVENT (events, ZMQ_EVENT_CLOSED, NULL);
    CHECK (!tu_path_exists (ep + 6));
    CHECK (!tu_path_exists (sockdir));
    CHECK_RC (unsetenv ("TMPDIR"));
    CLOSE_MONITOR (a, events);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

static void test_abstract (void)
{
    char ep[TU_ENDPOINT_MAX], last[TU_ENDPOINT_MAX];
    void *a = TU_SOCKET (ctx, ZMQ_PAIR);
    void *b = TU_SOCKET (ctx, ZMQ_PAIR);
    void *c = TU_SOCKET (ctx, ZMQ_PAIR);
    snprintf (ep, sizeof ep, "ipc://@zmq-capi-abstract-%d", (int) getpid ());
    CHECK_RC (zmq_bind (a, ep));
    LAST_ENDPOINT (a, last);
    CHECK_STREQ (last, ep);
    /* No file appears anywhere for it. */
    CHECK (!tu_path_exists (ep + 6));
    CHECK (!tu_path_exists (ep + 7));
    CHECK_ERRNO (zmq_bind (c, ep), EADDRINUSE);
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    CHECK_ERRNO (zmq_bind (c, "ipc://@"), EINVAL);
    CHECK_ERRNO (zmq_connect (c, "ipc://@"), EINVAL);
    CHECK_ERRNO (zmq_bind (c, "ipc://"), EINVAL);
    CHECK_RC (zmq_close (c));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

/* A socket file left by an earlier run does not block a bind. */
static void test_stale_file (void)
{
    char ep[TU_ENDPOINT_MAX];
    struct sockaddr_un addr;
    int fd;
    void *a, *b;
    snprintf (ep, sizeof ep, "ipc://%s/stale.sock", dir);

    /* A plain UNIX socket bound and closed leaves its file behind. */
    fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    snprintf (addr.sun_path, sizeof addr.sun_path, "%s", ep + 6);
    CHECK_RC (bind (fd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (close (fd));
    CHECK (is_socket_file (ep + 6));

    a = TU_SOCKET (ctx, ZMQ_PAIR);
    b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, ep));
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (a, b);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));

    /* A closed zmq socket's file is no obstacle either. */
    a = TU_SOCKET (ctx, ZMQ_PAIR);
    b = TU_SOCKET (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, ep));
    CHECK_RC (zmq_connect (b, ep));
    BOUNCE (b, a);
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_close (a));
}

static void test_path_limits (void)
{
    char ep[300];
    size_t base;
    void *s = TU_SOCKET (ctx, ZMQ_PAIR);
    void *t = TU_SOCKET (ctx, ZMQ_PAIR);
    /* A path of exactly 107 bytes fits (108 with its NUL)... */
    base = (size_t) snprintf (ep, sizeof ep, "ipc://%s/", dir);
    CHECK (base - 6 < 107);
    memset (ep + base, 'p', 107 - (base - 6));
    ep[6 + 107] = '\0';
    CHECK_EQ (strlen (ep + 6), 107);
    CHECK_RC (zmq_bind (s, ep));
    CHECK_RC (zmq_connect (t, ep));
    BOUNCE (s, t);
    /* ...one more byte does not. */
    ep[6 + 107] = 'p';
    ep[6 + 108] = '\0';
    CHECK_ERRNO (zmq_bind (s, ep), ENAMETOOLONG);
    CHECK_ERRNO (zmq_connect (s, ep), ENAMETOOLONG);
    /* The same for abstract names, counting the '@'. */
    base = (size_t) snprintf (ep, sizeof ep, "ipc://@zmq-capi-%d-",
                              (int) getpid ());
    memset (ep + base, 'q', 108 - (base - 6));
    ep[6 + 108] = '\0';
    CHECK_ERRNO (zmq_bind (s, ep), ENAMETOOLONG);
    ep[6 + 107] = '\0';
    CHECK_RC (zmq_bind (s, ep));
    /* A missing directory fails the bind; connect just waits. */
    snprintf (ep, sizeof ep, "ipc://%s/no-such-dir/x.sock", dir);
    CHECK_ERRNO (zmq_bind (s, ep), ENOENT);
    CHECK_RC (zmq_connect (s, ep));
    CHECK_RC (zmq_close (t));
    CHECK_RC (zmq_close (s));
}

/* Bind with a credential filter; return the bound endpoint in ep. */
static void *filtered_pull (int option, int value, const char *name,
                            char *ep)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    TU_SET_INT (pull, option, value);
    snprintf (ep, TU_ENDPOINT_MAX, "ipc://%s/%s.sock", dir, name);
    CHECK_RC (zmq_bind (pull, ep));
    return pull;
}

static void test_filters_accept (void)
{
    static const int options[] = {ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_GID,
                                  ZMQ_IPC_FILTER_PID};
    int values[3], i;
    char ep[TU_ENDPOINT_MAX], name[32];
    values[0] = (int) getuid ();
    values[1] = (int) getgid ();
    values[2] = (int) getpid ();
    for (i = 0; i < 3; i++) {
        void *pull, *push = TU_SOCKET (ctx, ZMQ_PUSH);
        snprintf (name, sizeof name, "accept-%d", i);
        pull = filtered_pull (options[i], values[i], name, ep);
        CHECK_RC (zmq_connect (push, ep));
        SEND_STR (push, "let in", 0);
        RECV_STR (pull, "let in");
        CHECK_RC (zmq_close (push));
        CHECK_RC (zmq_close (pull));
    }
}

static void test_filters_reject (void)
{
    static const int options[] = {ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_PID};
    int values[2], i;
    char ep[TU_ENDPOINT_MAX], name[32];
    values[0] = (int) getuid () + 4242;
    values[1] = (int) getpid () + 4242;
    for (i = 0; i < 2; i++) {
        void *pull, *events, *push = TU_SOCKET (ctx, ZMQ_PUSH);
        snprintf (name, sizeof name, "reject-%d", i);
        pull = filtered_pull (options[i], values[i], name, ep);
        events = TU_MONITOR (ctx, pull, ZMQ_EVENT_ACCEPTED
                                          | ZMQ_EVENT_ACCEPT_FAILED);
        CHECK_RC (zmq_connect (push, ep));
        SEND_STR (push, "keep out", 0);
        /* Turned away, and again when the connecter retries. */
        EXPECT_EVENT (events, ZMQ_EVENT_ACCEPT_FAILED, NULL);
        EXPECT_EVENT (events, ZMQ_EVENT_ACCEPT_FAILED, NULL);
        EXPECT_NOTHING (pull);
        CLOSE_MONITOR (pull, events);
        CHECK_RC (zmq_close (push));
        CHECK_RC (zmq_close (pull));
    }
}

/* Peer-Address of an ipc message carries the peer's credentials. */
static void test_peer_address (void)
{
    char ep[TU_ENDPOINT_MAX], suffix[64];
    const char *addr;
    size_t n, m;
    zmq_msg_t msg;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    snprintf (ep, sizeof ep, "ipc://%s/creds.sock", dir);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "who", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 3);
    addr = zmq_msg_gets (&msg, "Peer-Address");
    CHECK (addr != NULL);
    snprintf (suffix, sizeof suffix, ":%d:%d:%d", (int) getuid (),
              (int) getgid (), (int) getpid ());
    n = strlen (addr);
    m = strlen (suffix);
    CHECK (n > m && strcmp (addr + n - m, suffix) == 0);
    CHECK_STREQ (zmq_msg_gets (&msg, "Socket-Type"), "PUSH");
    CHECK (zmq_msg_get (&msg, ZMQ_SRCFD) >= 0);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
}

static void cleanup (void)
{
    tu_remove_tree (dir);
}

int main (void)
{
    MAKE_TMPDIR (dir);
    atexit (cleanup);
    ctx = CHECK_PTR (zmq_ctx_new ());
    test_file_path ();
    test_connect_then_bind ();
    test_wildcard ();
    test_abstract ();
    test_stale_file ();
    test_path_limits ();
    test_filters_accept ();
    test_filters_reject ();
    test_peer_address ();
    CHECK_RC (zmq_ctx_term (ctx));
    cleanup ();
    CHECK (!tu_path_exists (dir));
    return 0;
}
