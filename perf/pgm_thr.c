/* pgm_thr: PUB → SUB throughput over epgm:// or pgm:// at a set ZMQ_RATE.
 *
 * usage: pgm_thr <epgm|pgm> <msg-size> <msg-count> <rate-kbit> <recovery-ms>
 *                [<interface>;<group>:<port>]
 *
 * One process: the main thread publishes on a PUB socket, a second thread
 * subscribes to everything on a SUB socket, each socket on a context of its
 * own (so each end has its own I/O thread; libzmq 4.3.4 with two I/O
 * threads in one context was seen to abort in poller_base.cpp:140, as a
 * pgm engine can be given an I/O thread other than its session's). Both
 * connect to <transport>://<address>, by default
 * 127.0.0.1;239.192.1.1:5555. Multicast over lo needs a multicast route
 * (tools/bench.sh runs this in a private network namespace that has one);
 * pgm:// needs root (raw sockets).
 *
 * Both ends get ZMQ_RATE <rate-kbit>, ZMQ_RECOVERY_IVL <recovery-ms> and
 * 4 MiB socket buffers (the kernel caps these at net.core.[rw]mem_max). PGM
 * sends no faster than the rate, so the figure to compare is how close each
 * library gets to it and how much it loses on the way. The publisher sets
 * ZMQ_XPUB_NODROP, so a full send queue holds back its blocking sends
 * instead of dropping messages: the rate limit, not the HWM, decides the
 * pace. The subscriber's ZMQ_RCVHWM is 0 (unbounded).
 *
 * A subscriber joins a PGM stream wherever it finds it, so the first
 * messages may be missed: before the clock starts the publisher repeats a
 * warm-up message every 10 ms until the subscriber has one (within
 * PERF_TIMEOUT_MS, or the run fails). Then it sends <msg-count> data
 * messages, each of <msg-size> bytes, carrying a sequence number when
 * <msg-size> is at least 5.
 *
 * The subscriber stops after <msg-count> data messages, or after 2 s with
 * nothing new, and reports what arrived: messages per second and megabits
 * per second of payload from the first data message to the last, how many
 * arrived (received=, lost=) and how often the sequence jumped (gaps=).
 * half_mbit_per_s= is the payload rate over the second half of the messages
 * that arrived only: a sender that starts with a burst (say, a transmit
 * window's worth at full speed) and only then keeps to the rate shows
 * there. A run where no data message arrived fails. */
#include "perf_util.h"
#include <pthread.h>
#include <stdint.h>

/* Nothing new for this long ends the subscriber's run. */
#define IDLE_MS 2000
/* Warm-up messages are repeated this often until one arrives. */
#define WARMUP_EVERY_US 10000
/* SO_SNDBUF and SO_RCVBUF asked for, on both ends. */
#define SOCKET_BUF (4 * 1024 * 1024)

#define MARK_WARMUP 'w'
#define MARK_DATA 'd'

struct shared
{
    void *sub_ctx;
    const char *endpoint;
    size_t size;
    long count;
    int rate_kbit;
    int recovery_ms;

    pthread_mutex_t lock;
    int joined;         /* the subscriber has its first warm-up message */
    int connected;      /* the subscriber's socket is connected */

    /* Results, written by the subscriber before it returns. */
    long received;
    long gaps;
    double *arrival_us; /* arrival time of each data message */
};

static void set_lock (struct shared *s, int *field)
{
    pthread_mutex_lock (&s->lock);
    *field = 1;
    pthread_mutex_unlock (&s->lock);
}

static int get_lock (struct shared *s, const int *field)
{
    pthread_mutex_lock (&s->lock);
    int v = *field;
    pthread_mutex_unlock (&s->lock);
    return v;
}

static void pgm_options (void *socket, const struct shared *s)
{
    perf_setopt_int (socket, ZMQ_RATE, s->rate_kbit);
    perf_setopt_int (socket, ZMQ_RECOVERY_IVL, s->recovery_ms);
    perf_setopt_int (socket, ZMQ_SNDBUF, SOCKET_BUF);
    perf_setopt_int (socket, ZMQ_RCVBUF, SOCKET_BUF);
}

static void *subscriber (void *arg)
{
    struct shared *s = arg;
    void *sub;
    PERF_PTR (sub, zmq_socket (s->sub_ctx, ZMQ_SUB));
    perf_bound (sub);
    perf_setopt_int (sub, ZMQ_RCVHWM, 0);
    perf_setopt_int (sub, ZMQ_LINGER, 0);
    pgm_options (sub, s);
    PERF_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    PERF_OK (zmq_connect (sub, s->endpoint));
    set_lock (s, &s->connected);

    zmq_msg_t msg;
    PERF_OK (zmq_msg_init (&msg));
    /* Warm-up: the first message of any kind ends the joining phase (a data
     * message cannot come first: the publisher waits for this). Blocks for
     * at most PERF_TIMEOUT_MS, as every perf socket. */
    perf_recv_expect (sub, &msg, s->size);
    set_lock (s, &s->joined);
    perf_setopt_int (sub, ZMQ_RCVTIMEO, IDLE_MS);

    uint32_t expect = 0;
    while (s->received < s->count) {
        if (zmq_msg_recv (&msg, sub, 0) == -1) {
            if (errno == EAGAIN)
                break; /* IDLE_MS without a message: report what arrived */
            PERF_DIE ("zmq_msg_recv");
        }
        double now = perf_now_us ();
        if (zmq_msg_size (&msg) != s->size) {
            fprintf (stderr, "message of %zu bytes, expected %zu\n",
                     zmq_msg_size (&msg), s->size);
            printf ("RESULT status=FAIL\n");
            exit (1);
        }
        const unsigned char *data = zmq_msg_data (&msg);
        if (data[0] == MARK_WARMUP)
            continue;
        if (data[0] != MARK_DATA) {
            fprintf (stderr, "message with unknown mark 0x%02x\n", data[0]);
            printf ("RESULT status=FAIL\n");
            exit (1);
        }
        s->arrival_us[s->received++] = now;
        if (s->size >= 5) {
            uint32_t seq;
            memcpy (&seq, data + 1, sizeof seq);
            if (seq != expect)
                s->gaps++;
            expect = seq + 1;
        }
    }
    PERF_OK (zmq_msg_close (&msg));
    PERF_OK (zmq_close (sub));
    return NULL;
}

static void send_one (void *pub, size_t size, char mark, uint32_t seq)
{
    zmq_msg_t msg;
    perf_msg_init_size (&msg, size);
    unsigned char *data = zmq_msg_data (&msg);
    data[0] = (unsigned char) mark;
    if (size >= 5)
        memcpy (data + 1, &seq, sizeof seq);
    if (zmq_msg_send (&msg, pub, 0) == -1)
        PERF_DIE ("zmq_msg_send");
}

int main (int argc, char *argv[])
{
    if (argc != 6 && argc != 7) {
        fprintf (stderr, "usage: pgm_thr <epgm|pgm> <msg-size> <msg-count> "
                         "<rate-kbit> <recovery-ms> "
                         "[<interface>;<group>:<port>]\n");
        return 2;
    }
    const char *transport = argv[1];
    if (strcmp (transport, "epgm") != 0 && strcmp (transport, "pgm") != 0) {
        fprintf (stderr, "unknown transport '%s' (want epgm or pgm)\n",
                 transport);
        return 2;
    }
    struct shared s;
    memset (&s, 0, sizeof s);
    s.size = (size_t) perf_arg_long (argv[2], "msg-size");
    s.count = perf_arg_long (argv[3], "msg-count");
    long rate = perf_arg_long (argv[4], "rate-kbit");
    long recovery = perf_arg_long (argv[5], "recovery-ms");
    if (rate > 0x7fffffffL || recovery > 0x7fffffffL) {
        fprintf (stderr, "rate-kbit and recovery-ms must fit an int\n");
        return 2;
    }
    s.rate_kbit = (int) rate;
    s.recovery_ms = (int) recovery;
    const char *address = argc == 7 ? argv[6] : "127.0.0.1;239.192.1.1:5555";
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s://%s", transport, address);
    s.endpoint = endpoint;
    s.arrival_us = malloc ((size_t) s.count * sizeof *s.arrival_us);
    if (s.arrival_us == NULL)
        PERF_DIE ("malloc");
    if (pthread_mutex_init (&s.lock, NULL) != 0)
        PERF_DIE ("pthread_mutex_init");

    void *pub_ctx, *pub;
    PERF_PTR (pub_ctx, zmq_ctx_new ());
    PERF_PTR (s.sub_ctx, zmq_ctx_new ());
    PERF_PTR (pub, zmq_socket (pub_ctx, ZMQ_PUB));
    perf_bound (pub);
    perf_setopt_int (pub, ZMQ_XPUB_NODROP, 1);
    perf_setopt_int (pub, ZMQ_LINGER, 0);
    pgm_options (pub, &s);
    PERF_OK (zmq_connect (pub, endpoint));

    pthread_t thread;
    if (pthread_create (&thread, NULL, subscriber, &s) != 0)
        PERF_DIE ("pthread_create");

    /* Warm-up until the subscriber has joined the stream. */
    double deadline = perf_now_us () + perf_timeout_ms () * 1e3;
    long warmups_sent = 0;
    while (!get_lock (&s, &s.joined)) {
        if (perf_now_us () > deadline) {
            fprintf (stderr, "the subscriber got none of %ld warm-up "
                             "messages in %d ms\n",
                     warmups_sent, perf_timeout_ms ());
            printf ("RESULT status=FAIL\n");
            fflush (stdout);
            exit (1);
        }
        if (get_lock (&s, &s.connected)) {
            send_one (pub, s.size, MARK_WARMUP, 0);
            warmups_sent++;
        }
        usleep (WARMUP_EVERY_US);
    }

    double start = perf_now_us ();
    for (long i = 0; i < s.count; i++)
        send_one (pub, s.size, MARK_DATA, (uint32_t) i);
    double send_us = perf_now_us () - start;

    /* The publisher stays open until the subscriber is done, so the tail is
     * still in its transmit window for repairs. */
    pthread_join (thread, NULL);
    PERF_OK (zmq_close (pub));
    PERF_OK (zmq_ctx_term (pub_ctx));
    PERF_OK (zmq_ctx_term (s.sub_ctx));
    pthread_mutex_destroy (&s.lock);

    /* The first data message starts the clock: received - 1 arrived while
     * it ran (as local_thr counts). */
    double elapsed = 1.0, half_elapsed = 1.0;
    long timed = 1, half_timed = 1;
    if (s.received > 1) {
        long half = s.received / 2;
        elapsed = s.arrival_us[s.received - 1] - s.arrival_us[0];
        half_elapsed = s.arrival_us[s.received - 1] - s.arrival_us[half];
        timed = s.received - 1;
        half_timed = s.received - 1 - half;
        if (half_timed < 1)
            half_timed = 1;
    }
    if (elapsed < 1.0)
        elapsed = 1.0;
    if (half_elapsed < 1.0)
        half_elapsed = 1.0;
    double msg_per_s = (double) timed * 1e6 / elapsed;
    double mbit_per_s = msg_per_s * (double) s.size * 8.0 / 1e6;
    double half_mbit_per_s =
      (double) half_timed * (double) s.size * 8.0 / half_elapsed;
    long lost = s.count - s.received;
    free (s.arrival_us);

    printf ("%s, message size: %zu [B], messages: %ld, ZMQ_RATE: %d [kbit/s], "
            "ZMQ_RECOVERY_IVL: %d [ms]\n",
            transport, s.size, s.count, s.rate_kbit, s.recovery_ms);
    printf ("received %ld of %ld (%ld lost, %ld gaps) after %ld warm-up "
            "messages; %.0f [msg/s], %.3f [Mb/s] of payload (%.1f%% of "
            "ZMQ_RATE), %.3f [Mb/s] over the second half; sending took "
            "%.0f [ms]\n",
            s.received, s.count, lost, s.gaps, warmups_sent, msg_per_s,
            mbit_per_s, mbit_per_s * 1e5 / (double) s.rate_kbit,
            half_mbit_per_s, send_us / 1e3);
    if (s.received == 0) {
        fprintf (stderr, "no data message arrived within %d ms of the "
                         "warm-up\n",
                 IDLE_MS);
        printf ("RESULT status=FAIL received=0\n");
        fflush (stdout);
        return 1;
    }
    printf ("RESULT status=OK version=%s transport=%s msg_size=%zu "
            "msg_count=%ld msgs=%ld rate_kbit=%d recovery_ms=%d received=%ld lost=%ld "
            "gaps=%ld warmups=%ld elapsed_us=%.0f send_us=%.0f "
            "msg_per_s=%.0f mbit_per_s=%.3f half_mbit_per_s=%.3f\n",
            perf_version (), transport, s.size, s.count, s.count, s.rate_kbit,
            s.recovery_ms, s.received, lost, s.gaps, warmups_sent, elapsed,
            send_us, msg_per_s, mbit_per_s, half_mbit_per_s);
    fflush (stdout);
    return 0;
}
