/* Fairness under a handshake flood: a REQ/REP loop over CURVE keeps its
 * round trips short while junk CURVE HELLOs flood the same server socket
 * (and so the same I/O thread: ZMQ_IO_THREADS 1 on the server context).
 *
 * The flood: FLOOD_SLOTS raw TCP connections at a time, each sending a
 * CURVE greeting and a HELLO whose 200 bytes are random (its box does not
 * open, so the server refuses it after its X25519 work), then closing
 * and starting over, as fast as one thread can.
 *
 * Asserted (on ours and on libzmq): the loaded loop's slowest round trip
 * stays under WORST_BOUND_MS, a bound a loaded 2-core machine meets
 * (here, shared with other jobs: ours 15-52 ms, libzmq 4.3.4 7-179 ms).
 * The figures (unloaded and loaded, median and worst, and the junk
 * connections made) are printed. Before the fix, ours served no round
 * trip at all while the flood lasted (over 60 s).
 */
#include "testutil.h"
#include "zmtp_raw.h"

#include <fcntl.h>
#include <pthread.h>

#define FLOOD_SLOTS 64
#define PHASE_MS 1500
#define WORST_BOUND_MS 200
#define MAX_TRIPS 200000

static void *ctx;
static char server_public[41], server_secret[41];
static int flood_on; /* shared by two threads: __atomic_* only */
static long flood_connections;
static char endpoint[TU_ENDPOINT_MAX];

static int cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Greeting (CURVE, as client) and a HELLO of random bytes. */
static size_t junk_hello (unsigned char *out, unsigned *seed)
{
    size_t i;
    make_greeting (out, 3, 0, "CURVE");
    out[64] = F_COMMAND;
    out[65] = 200;
    memcpy (out + 66, "\005HELLO\001\000", 8);
    for (i = 8; i < 200; i++)
        out[66 + i] = (unsigned char) rand_r (seed);
    memset (out + 66 + 8, 0, 72); /* the anti-amplification padding */
    return 66 + 200;
}

static int flood_connect (void)
{
    struct sockaddr_in addr;
    int fd = tu_loopback_socket (&addr, tu_endpoint_port (endpoint), __FILE__,
                                 __LINE__);
    CHECK_RC (fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK));
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
        CHECK (errno == EINPROGRESS);
    return fd;
}

/* FLOOD_SLOTS connections; each, once connected, sends its junk and
 * waits (at most 100 ms) for the server to close it; then a new one. */
static void *flood (void *arg)
{
    struct pollfd p[FLOOD_SLOTS];
    int sent[FLOOD_SLOTS];
    double since[FLOOD_SLOTS];
    unsigned char buf[300], junk[4096];
    unsigned seed = 7;
    int i;
    (void) arg;
    for (i = 0; i < FLOOD_SLOTS; i++) {
        p[i].fd = flood_connect ();
        p[i].events = POLLOUT;
        sent[i] = 0;
        since[i] = now_us ();
    }
    while (__atomic_load_n (&flood_on, __ATOMIC_ACQUIRE)) {
        poll (p, FLOOD_SLOTS, 10);
        for (i = 0; i < FLOOD_SLOTS; i++) {
            int renew = 0;
            if (!sent[i] && (p[i].revents & POLLOUT)) {
                size_t n = junk_hello (buf, &seed);
                if (send (p[i].fd, buf, n, MSG_NOSIGNAL) == (ssize_t) n) {
                    sent[i] = 1;
                    p[i].events = POLLIN;
                    flood_connections++;
                } else
                    renew = 1;
            } else if (sent[i]
                       && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t r = recv (p[i].fd, junk, sizeof junk, 0);
                renew = r <= 0 && !(r < 0 && errno == EAGAIN);
            } else if (p[i].revents & (POLLHUP | POLLERR))
                renew = 1;
            if (now_us () - since[i] > 100000)
                renew = 1;
            if (renew) {
                close (p[i].fd);
                p[i].fd = flood_connect ();
                p[i].events = POLLOUT;
                sent[i] = 0;
                since[i] = now_us ();
            }
        }
    }
    for (i = 0; i < FLOOD_SLOTS; i++)
        close (p[i].fd);
    return NULL;
}

static void *echo (void *rep)
{
    char buf[16];
    for (;;) {
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        if (n < 0)
            break;
        if (zmq_send (rep, buf, (size_t) n, 0) < 0)
            break;
    }
    return NULL;
}

/* Round trips for PHASE_MS: median and worst into *median, *worst (ms);
 * returns how many. */
static int measure (void *req, double *median, double *worst)
{
    static double trips[MAX_TRIPS];
    char buf[16];
    int n = 0;
    double start = now_us ();
    while (n < MAX_TRIPS && now_us () - start < PHASE_MS * 1000.0) {
        double t0 = now_us ();
        CHECK_EQ (zmq_send (req, "ping", 4, 0), 4);
        CHECK_EQ (zmq_recv (req, buf, sizeof buf, 0), 4);
        trips[n++] = (now_us () - t0) / 1000.0;
    }
    qsort (trips, (size_t) n, sizeof trips[0], cmp_double);
    *median = trips[n / 2];
    *worst = trips[n - 1];
    return n;
}

int main (void)
{
    char client_public[41], client_secret[41];
    double med0, worst0, med1, worst1;
    int n0, n1;
    pthread_t echo_thread, flood_thread;
    void *client_ctx, *rep, *req;
    int reference = getenv ("ZMQ_TEST_REFERENCE") != NULL;
    setvbuf (stdout, NULL, _IONBF, 0);

    ctx = CHECK_PTR (zmq_ctx_new ());
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1));
    CHECK_RC (zmq_curve_keypair (server_public, server_secret));
    CHECK_RC (zmq_curve_keypair (client_public, client_secret));
    rep = TU_SOCKET (ctx, ZMQ_REP);
    TU_SET_INT (rep, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (zmq_setsockopt (rep, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    TU_SET_INT (rep, ZMQ_LINGER, 0);
    BIND_LOOPBACK (rep, endpoint);

    client_ctx = CHECK_PTR (zmq_ctx_new ());
    req = TU_SOCKET (client_ctx, ZMQ_REQ);
    CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY, server_public, 40));
    CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY, client_public, 40));
    CHECK_RC (zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY, client_secret, 40));
    TU_SET_INT (req, ZMQ_RCVTIMEO, 5000);
    TU_SET_INT (req, ZMQ_LINGER, 0);
    CHECK_RC (zmq_connect (req, endpoint));
    CHECK_RC (pthread_create (&echo_thread, NULL, echo, rep));

    n0 = measure (req, &med0, &worst0);
    __atomic_store_n (&flood_on, 1, __ATOMIC_RELEASE);
    CHECK_RC (pthread_create (&flood_thread, NULL, flood, NULL));
    n1 = measure (req, &med1, &worst1);
    __atomic_store_n (&flood_on, 0, __ATOMIC_RELEASE);
    CHECK_RC (pthread_join (flood_thread, NULL));

    printf ("%s: unloaded %d round trips, median %.3f ms, worst %.3f ms; "
            "under %ld junk CURVE HELLOs: %d round trips, median %.3f ms, "
            "worst %.3f ms\n",
            reference ? "reference" : "ours", n0, med0, worst0,
            flood_connections, n1, med1, worst1);
    CHECK (flood_connections > 100);
    CHECK (worst1 < WORST_BOUND_MS);

    CHECK_RC (zmq_close (req));
    CHECK_RC (zmq_ctx_term (client_ctx));
    /* The echo thread is in zmq_recv on rep: shutting the context down
     * makes that fail with ETERM, and only once the thread is out may rep
     * be closed (a socket is not for two threads at once). */
    CHECK_RC (zmq_ctx_shutdown (ctx));
    CHECK_RC (pthread_join (echo_thread, NULL));
    CHECK_RC (zmq_close (rep));
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
