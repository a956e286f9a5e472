/* mem_conns: resident memory of a ROUTER holding many idle tcp connections.
 *
 * usage: mem_conns <n-connections>
 *
 * The process forks before touching the library. The parent binds a ROUTER
 * on tcp://127.0.0.1:* and reads its VmRSS; the child (its own process, own
 * context) opens <n-connections> DEALER sockets, connects each to the ROUTER
 * and sends one "hi" from each. Once the ROUTER has received all of them
 * (every connection is up and has carried a message) the parent reads its
 * VmRSS again and reports the growth per connection. The child reports its
 * own growth (one DEALER socket plus one connection each) the same way.
 * The connections then sit idle: no heartbeats, no traffic. */
#include "perf_util.h"
#include "perf_proc.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* The child: n DEALERs connected to the endpoint read from `in`; reports
 * its RSS before and after on `out`, then waits for EOF on `in`. */
static int run_dealers (int in, int out, long n)
{
    char endpoint[256];
    if (!read_line (in, endpoint, sizeof endpoint))
        return 1;
    void *ctx;
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) n + 64));
    /* One socket first, so the I/O thread is running in "before" too. */
    void **dealers = calloc ((size_t) n, sizeof *dealers);
    if (dealers == NULL)
        PERF_DIE ("calloc");
    PERF_PTR (dealers[0], zmq_socket (ctx, ZMQ_DEALER));
    long before = perf_rss_kib ();
    for (long i = 0; i < n; i++) {
        if (i > 0)
            PERF_PTR (dealers[i], zmq_socket (ctx, ZMQ_DEALER));
        perf_bound (dealers[i]);
        perf_setopt_int (dealers[i], ZMQ_LINGER, 0);
        PERF_OK (zmq_connect (dealers[i], endpoint));
        if (zmq_send (dealers[i], "hi", 2, 0) != 2)
            PERF_DIE ("zmq_send hi");
    }
    /* The parent says when the ROUTER has every message; then measure. */
    char line[64];
    if (!read_line (in, line, sizeof line))
        return 1;
    long after = perf_rss_kib ();
    char report[128];
    int len = snprintf (report, sizeof report, "%ld %ld\n", before, after);
    write_all (out, report, (size_t) len);
    read_line (in, line, sizeof line); /* EOF: parent is done */
    for (long i = 0; i < n; i++)
        PERF_OK (zmq_close (dealers[i]));
    free (dealers);
    PERF_OK (zmq_ctx_term (ctx));
    return 0;
}

int main (int argc, char *argv[])
{
    if (argc != 2) {
        fprintf (stderr, "usage: mem_conns <n-connections>\n");
        return 2;
    }
    long n = perf_arg_long (argv[1], "n-connections");
    raise_fd_limit (4 * n + 256);

    int to_child[2], from_child[2];
    if (pipe (to_child) != 0 || pipe (from_child) != 0)
        PERF_DIE ("pipe");
    pid_t pid = fork ();
    if (pid < 0)
        PERF_DIE ("fork");
    if (pid == 0) {
        close (to_child[1]);
        close (from_child[0]);
        /* A child left alone when the parent dies must not linger. */
        alarm ((unsigned) perf_timeout_ms () / 1000 * 3 + 1);
        _exit (run_dealers (to_child[0], from_child[1], n));
    }
    close (to_child[0]);
    close (from_child[1]);

    long base = perf_rss_kib ();
    void *ctx, *router;
    char endpoint[256];
    PERF_PTR (ctx, zmq_ctx_new ());
    PERF_PTR (router, zmq_socket (ctx, ZMQ_ROUTER));
    perf_bound (router);
    perf_setopt_int (router, ZMQ_LINGER, 0);
    perf_bind_any (router, "tcp", "mem", endpoint, sizeof endpoint);
    long before = perf_rss_kib ();

    char line[300];
    int len = snprintf (line, sizeof line, "%s\n", endpoint);
    write_all (to_child[1], line, (size_t) len);

    double start = perf_now_us ();
    zmq_msg_t id, msg;
    PERF_OK (zmq_msg_init (&id));
    PERF_OK (zmq_msg_init (&msg));
    for (long i = 0; i < n; i++) {
        if (zmq_msg_recv (&id, router, 0) == -1
            || zmq_msg_recv (&msg, router, 0) == -1)
            PERF_DIE ("zmq_msg_recv");
    }
    double setup_us = perf_now_us () - start;
    PERF_OK (zmq_msg_close (&id));
    PERF_OK (zmq_msg_close (&msg));
    long after = perf_rss_kib ();

    write_all (to_child[1], "measure\n", 8);
    long child_before = -1, child_after = -1;
    if (!read_line (from_child[0], line, sizeof line)
        || sscanf (line, "%ld %ld", &child_before, &child_after) != 2) {
        fprintf (stderr, "no memory report from the DEALER process\n");
        printf ("RESULT status=FAIL\n");
        return 1;
    }
    close (to_child[1]);
    int status = 0;
    waitpid (pid, &status, 0);

    double per_conn = (double) (after - before) / (double) n;
    double child_per = (double) (child_after - child_before) / (double) n;
    printf ("ROUTER process: %ld KiB before, %ld KiB with %ld connections "
            "(%.2f KiB per connection)\n",
            before, after, n, per_conn);
    printf ("DEALER process: %ld KiB before, %ld KiB with %ld sockets "
            "(%.2f KiB per socket+connection)\n",
            child_before, child_after, n, child_per);
    printf ("RESULT status=OK version=%s conns=%ld rss_base_kib=%ld "
            "rss_before_kib=%ld rss_after_kib=%ld per_conn_kib=%.2f "
            "dealer_before_kib=%ld dealer_after_kib=%ld "
            "dealer_per_conn_kib=%.2f setup_us=%.0f\n",
            perf_version (), n, base, before, after, per_conn, child_before,
            child_after, child_per, setup_us);
    fflush (stdout);

    PERF_OK (zmq_close (router));
    PERF_OK (zmq_ctx_term (ctx));
    return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : 1;
}
