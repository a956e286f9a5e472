/* router_many: one ROUTER exchanging messages with many DEALER peers.
 *
 * usage: router_many <transport> <n-dealers> <msg-size> <msg-count>
 *                    [<threads> [<procs>]]
 *
 * <n-dealers> DEALERs (routing id "dealer-<i>") connect to a ROUTER in the
 * main thread. They are spread over <threads> threads (default: one thread
 * per dealer); a thread with several dealers serves them one after the
 * other. With <procs> > 0 the dealers live in that many forked child
 * processes instead (the threads split among them), each with a context of
 * its own: a process holding both ends of 10,000 tcp connections needs more
 * than 30,000 descriptors, more than a hard limit of 20,000 allows.
 *
 * After every dealer has said hello, the growth of VmRSS is taken: of this
 * process since the ROUTER was bound, plus (with <procs>) each child's since
 * before its first dealer, read once all of its dealers are connected. So
 * rss_per_dealer_kib is both ends of a connection, DEALER and ROUTER side.
 * Then two timed phases run:
 *   in:  the ROUTER says "go" to each dealer and receives <msg-count>
 *        messages in all (msg-count / n-dealers from each), fair-queued;
 *   out: the ROUTER sends <msg-count> messages, addressed round-robin to the
 *        dealers by routing id, and each dealer receives its share.
 * The ROUTER's send HWM and the dealers' receive HWM are 0 (unbounded; a
 * library that refuses 0 gets a limit never reached here) and
 * ROUTER_MANDATORY is set, so no message is silently dropped. Reports each
 * phase's rate and the combined rate (all messages / both phases' time).
 * CLOCK_MONOTONIC is system-wide, so a child's end time compares. */
#include "perf_util.h"
#include "perf_proc.h"
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* What the dealer threads of one process share: how many of them have
 * every dealer connected, and the RSS read when the last one has. */
struct group
{
    pthread_mutex_t lock;
    long threads;
    long ready;
    long rss_ready_kib;
};

struct dealer_args
{
    void *ctx;
    const char *endpoint;
    struct group *group;
    long first; /* dealers first .. first + n - 1 */
    long n;
    size_t size;
    long share;
    double end_us;
    pthread_t thread;
};

static void *dealer (void *arg)
{
    struct dealer_args *a = arg;
    void **d = calloc ((size_t) a->n, sizeof *d);
    if (d == NULL)
        PERF_DIE ("calloc");
    for (long k = 0; k < a->n; k++) {
        char id[32];
        snprintf (id, sizeof id, "dealer-%ld", a->first + k);
        PERF_PTR (d[k], zmq_socket (a->ctx, ZMQ_DEALER));
        perf_bound (d[k]);
        perf_setopt_hwm_unbounded (d[k], ZMQ_RCVHWM, (int) a->share + 1000);
        perf_setopt_int (d[k], ZMQ_LINGER, perf_timeout_ms ());
        PERF_OK (zmq_setsockopt (d[k], ZMQ_ROUTING_ID, id, strlen (id)));
        PERF_OK (zmq_connect (d[k], a->endpoint));
        if (zmq_send (d[k], "hello", 5, 0) != 5)
            PERF_DIE ("zmq_send hello");
    }
    for (long k = 0; k < a->n; k++) {
        char go[8];
        if (zmq_recv (d[k], go, sizeof go, 0) != 2)
            PERF_DIE ("zmq_recv go");
    }
    pthread_mutex_lock (&a->group->lock);
    if (++a->group->ready == a->group->threads)
        a->group->rss_ready_kib = perf_rss_kib ();
    pthread_mutex_unlock (&a->group->lock);

    /* Unbounded receive HWMs and a ROUTER that never blocks: serving the
     * dealers one after the other cannot deadlock. */
    zmq_msg_t msg;
    for (long k = 0; k < a->n; k++) {
        for (long i = 0; i < a->share; i++) {
            PERF_OK (zmq_msg_init_size (&msg, a->size));
            if (zmq_msg_send (&msg, d[k], 0) == -1)
                PERF_DIE ("zmq_msg_send");
        }
    }
    PERF_OK (zmq_msg_init (&msg));
    for (long k = 0; k < a->n; k++)
        for (long i = 0; i < a->share; i++)
            perf_recv_expect (d[k], &msg, a->size);
    a->end_us = perf_now_us ();
    PERF_OK (zmq_msg_close (&msg));
    for (long k = 0; k < a->n; k++)
        PERF_OK (zmq_close (d[k]));
    free (d);
    return NULL;
}

/* Starts dealers first .. first + n - 1 on `threads` threads. */
static struct dealer_args *start_dealers (void *ctx, const char *endpoint,
                                          struct group *g, long first, long n,
                                          long threads, size_t size,
                                          long share)
{
    struct dealer_args *a = calloc ((size_t) threads, sizeof *a);
    if (a == NULL)
        PERF_DIE ("calloc");
    pthread_mutex_init (&g->lock, NULL);
    g->threads = threads;
    g->ready = 0;
    g->rss_ready_kib = -1;
    for (long t = 0; t < threads; t++) {
        a[t].ctx = ctx;
        a[t].endpoint = endpoint;
        a[t].group = g;
        a[t].first = first;
        a[t].n = n / threads + (t < n % threads ? 1 : 0);
        first += a[t].n;
        a[t].size = size;
        a[t].share = share;
        if (pthread_create (&a[t].thread, NULL, dealer, &a[t]) != 0)
            PERF_DIE ("pthread_create");
    }
    return a;
}

/* Joins the threads; returns the latest end time. */
static double join_dealers (struct dealer_args *a, long threads, double last)
{
    for (long t = 0; t < threads; t++) {
        pthread_join (a[t].thread, NULL);
        if (a[t].end_us > last)
            last = a[t].end_us;
    }
    free (a);
    return last;
}

/* A child process: reads the endpoint from `in`, runs its dealers, writes
 * "<end_us> <rss_before_kib> <rss_ready_kib>" to `out`. */
static int child_main (int in, int out, long first, long n, long threads,
                       size_t size, long share)
{
    char endpoint[256];
    if (!read_line (in, endpoint, sizeof endpoint))
        return 1;
    void *ctx;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) n + 64));
    long rss_before = perf_rss_kib ();
    struct group g;
    struct dealer_args *a =
      start_dealers (ctx, endpoint, &g, first, n, threads, size, share);
    double last = join_dealers (a, threads, 0.0);
    char line[128];
    snprintf (line, sizeof line, "%.0f %ld %ld\n", last, rss_before,
              g.rss_ready_kib);
    write_all (out, line, strlen (line));
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}

/* Receives one [routing id][payload] message on the ROUTER; the id goes
 * into `id`, the payload into `msg`. */
static void router_recv (void *router, zmq_msg_t *id, zmq_msg_t *msg)
{
    if (zmq_msg_recv (id, router, 0) == -1)
        PERF_DIE ("zmq_msg_recv (routing id)");
    if (!zmq_msg_more (id)) {
        fprintf (stderr, "routing id frame without a payload\n");
        printf ("RESULT status=FAIL\n");
        exit (1);
    }
    if (zmq_msg_recv (msg, router, 0) == -1)
        PERF_DIE ("zmq_msg_recv (payload)");
}

int main (int argc, char *argv[])
{
    if (argc < 5 || argc > 7) {
        fprintf (stderr, "usage: router_many <transport> <n-dealers> "
                         "<msg-size> <msg-count> [<threads> [<procs>]]\n");
        return 2;
    }
    const char *transport = argv[1];
    long n = perf_arg_long (argv[2], "n-dealers");
    size_t size = (size_t) perf_arg_long (argv[3], "msg-size");
    long count = perf_arg_long (argv[4], "msg-count");
    long share = count / n;
    if (share < 1)
        share = 1;
    long total = share * n;
    long threads = argc >= 6 ? perf_arg_long (argv[5], "threads") : n;
    if (threads > n)
        threads = n;
    long procs = 0;
    if (argc == 7 && strcmp (argv[6], "0") != 0)
        procs = perf_arg_long (argv[6], "procs");
    if (procs > threads)
        procs = threads;
    if (procs > 0 && strcmp (transport, "inproc") == 0) {
        fprintf (stderr, "router_many: <procs> needs tcp or ipc\n");
        return 2;
    }
    raise_fd_limit (4 * n + 256);

    /* Children fork before this process touches the library. */
    pid_t *pids = calloc ((size_t) procs + 1, sizeof *pids);
    int *to_child = calloc ((size_t) procs + 1, sizeof *to_child);
    int *from_child = calloc ((size_t) procs + 1, sizeof *from_child);
    if (pids == NULL || to_child == NULL || from_child == NULL)
        PERF_DIE ("calloc");
    for (long p = 0, first = 0; p < procs; p++) {
        long pn = n / procs + (p < n % procs ? 1 : 0);
        long pt = threads / procs + (p < threads % procs ? 1 : 0);
        int down[2], up[2];
        if (pipe (down) != 0 || pipe (up) != 0)
            PERF_DIE ("pipe");
        fflush (stdout);
        pids[p] = fork ();
        if (pids[p] < 0)
            PERF_DIE ("fork");
        if (pids[p] == 0) {
            close (down[1]);
            close (up[0]);
            for (long q = 0; q < p; q++) {
                close (to_child[q]);
                close (from_child[q]);
            }
            /* A child left alone when the parent dies must not linger. */
            alarm ((unsigned) perf_timeout_ms () / 1000 * 3 + 1);
            _exit (child_main (down[0], up[1], first, pn, pt, size, share));
        }
        close (down[0]);
        close (up[1]);
        to_child[p] = down[1];
        from_child[p] = up[0];
        first += pn;
    }

    void *ctx, *router;
    char endpoint[256];
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) n + 64));
    PERF_PTR (router, zmq_socket (ctx, ZMQ_ROUTER));
    perf_bound (router);
    perf_setopt_hwm_unbounded (router, ZMQ_SNDHWM, (int) share + 1000);
    perf_setopt_int (router, ZMQ_ROUTER_MANDATORY, 1);
    perf_setopt_int (router, ZMQ_LINGER, perf_timeout_ms ());
    /* Many dealers connect at once: a listen backlog that holds them. */
    /* Best effort: a library without ZMQ_BACKLOG still runs the case. */
    int backlog = n < 4096 ? (int) n + 16 : 4096;
    if (zmq_setsockopt (router, ZMQ_BACKLOG, &backlog, sizeof backlog) == -1)
        fprintf (stderr, "note: ZMQ_BACKLOG not supported: %s\n",
                 zmq_strerror (errno));
    perf_bind_any (router, transport, "router", endpoint, sizeof endpoint);
    long rss_before = perf_rss_kib ();

    struct group g;
    struct dealer_args *a = NULL;
    if (procs == 0) {
        a = start_dealers (ctx, endpoint, &g, 0, n, threads, size, share);
    } else {
        char line[300];
        snprintf (line, sizeof line, "%s\n", endpoint);
        for (long p = 0; p < procs; p++)
            write_all (to_child[p], line, strlen (line));
    }

    zmq_msg_t id, msg;
    PERF_OK (zmq_msg_init (&id));
    PERF_OK (zmq_msg_init (&msg));
    double setup_start = perf_now_us ();
    for (long i = 0; i < n; i++)
        router_recv (router, &id, &msg);
    double setup_us = perf_now_us () - setup_start;
    long rss_after = perf_rss_kib ();

    /* Phase "in": dealers to router. */
    double in_start = perf_now_us ();
    for (long i = 0; i < n; i++) {
        char name[32];
        int len = snprintf (name, sizeof name, "dealer-%ld", i);
        if (zmq_send (router, name, (size_t) len, ZMQ_SNDMORE) != len
            || zmq_send (router, "go", 2, 0) != 2)
            PERF_DIE ("zmq_send go");
    }
    for (long i = 0; i < total; i++) {
        router_recv (router, &id, &msg);
        if (zmq_msg_size (&msg) != size) {
            fprintf (stderr, "message of %zu bytes, expected %zu\n",
                     zmq_msg_size (&msg), size);
            printf ("RESULT status=FAIL\n");
            return 1;
        }
    }
    double in_us = perf_now_us () - in_start;

    /* Phase "out": router to dealers, round-robin by routing id. */
    char (*names)[32] = malloc ((size_t) n * sizeof *names);
    size_t *name_len = malloc ((size_t) n * sizeof *name_len);
    if (names == NULL || name_len == NULL)
        PERF_DIE ("malloc");
    for (long i = 0; i < n; i++)
        name_len[i] = (size_t) snprintf (names[i], 32, "dealer-%ld", i);
    double out_start = perf_now_us ();
    for (long j = 0; j < share; j++) {
        for (long i = 0; i < n; i++) {
            if (zmq_send (router, names[i], name_len[i], ZMQ_SNDMORE)
                != (int) name_len[i])
                PERF_DIE ("zmq_send (routing id)");
            PERF_OK (zmq_msg_init_size (&msg, size));
            if (zmq_msg_send (&msg, router, 0) == -1)
                PERF_DIE ("zmq_msg_send");
        }
    }
    double last = out_start;
    long dealer_growth = 0;
    int ok = 1;
    if (procs == 0) {
        last = join_dealers (a, threads, last);
    } else {
        for (long p = 0; p < procs; p++) {
            char line[128];
            double end_us = 0;
            long before = 0, ready = 0;
            if (!read_line (from_child[p], line, sizeof line)
                || sscanf (line, "%lf %ld %ld", &end_us, &before, &ready)
                     != 3) {
                fprintf (stderr, "no report from dealer process %ld\n", p);
                ok = 0;
                continue;
            }
            if (end_us > last)
                last = end_us;
            dealer_growth += ready - before;
        }
        for (long p = 0; p < procs; p++) {
            int status = 0;
            close (to_child[p]);
            waitpid (pids[p], &status, 0);
            if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
                ok = 0;
        }
    }
    if (!ok) {
        printf ("RESULT status=FAIL\n");
        return 1;
    }
    double out_us = last - out_start;
    PERF_OK (zmq_msg_close (&id));
    PERF_OK (zmq_msg_close (&msg));
    double rss_per_dealer =
      (double) (rss_after - rss_before + dealer_growth) / (double) n;

    if (in_us < 1.0)
        in_us = 1.0;
    if (out_us < 1.0)
        out_us = 1.0;
    double in_rate = (double) total * 1e6 / in_us;
    double out_rate = (double) total * 1e6 / out_us;
    double rate = 2.0 * (double) total * 1e6 / (in_us + out_us);
    printf ("dealers: %ld on %ld threads in %ld extra processes, message "
            "size: %zu [B], messages each way: %ld\n",
            n, threads, procs, size, total);
    printf ("in: %.0f [msg/s], out: %.0f [msg/s], both: %.0f [msg/s]\n",
            in_rate, out_rate, rate);
    printf ("connecting took %.0f [ms]; VmRSS grew by %ld KiB (ROUTER "
            "process) + %ld KiB (dealer processes): %.2f KiB per dealer, "
            "both ends\n",
            setup_us / 1e3, rss_after - rss_before, dealer_growth,
            rss_per_dealer);
    printf ("RESULT status=OK version=%s transport=%s dealers=%ld "
            "threads=%ld procs=%ld msg_size=%zu msg_count=%ld msgs=%ld "
            "in_us=%.0f out_us=%.0f in_msg_per_s=%.0f out_msg_per_s=%.0f "
            "msg_per_s=%.0f setup_us=%.0f router_rss_growth_kib=%ld "
            "dealer_rss_growth_kib=%ld rss_per_dealer_kib=%.2f\n",
            perf_version (), transport, n, threads, procs, size, total,
            2 * total, in_us, out_us, in_rate, out_rate, rate, setup_us,
            rss_after - rss_before, dealer_growth, rss_per_dealer);
    fflush (stdout);

    free (names);
    free (name_len);
    free (pids);
    free (to_child);
    free (from_child);
    PERF_OK (zmq_close (router));
    perf_unlink_endpoint (endpoint);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}
