/* PUB/SUB across kill -9 and restart of the publisher, between two
 * network namespaces: subscriptions are sent again.
 *
 * The PUB peer binds in namespace B (the run's port, the same address
 * for every life) and publishes, once a millisecond, "t LIFE SEQ" and
 * "u LIFE SEQ". The driver's SUB (namespace A, RECONNECT_IVL 100 ms)
 * subscribes to "t " once, before connecting. A PUB filters on its side,
 * so a restarted PUB sends nothing until the SUB's reconnection has told
 * it the subscription again. Checks: after the kill and restart the SUB
 * receives the new life's messages within RECONNECT_IVL + 2 s without
 * subscribing again; only "t" messages ever arrive; within each life the
 * numbers only go up, and no message of the old life follows one of the
 * new.
 */
#include "faults.h"

enum { RECONNECT_IVL = 100, PER_LIFE = 200 };

/* ---- peer ---------------------------------------------------------------- */

static int peer (int argc, char **argv)
{
    char ep[128], buf[64];
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *pub = FH_PTR (zmq_socket (ctx, ZMQ_PUB));
    unsigned life = argc > 2 ? (unsigned) atoi (argv[2]) : 0, seq = 0;

    FH_SET_INT (pub, ZMQ_LINGER, 0);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_bind (pub, ep));
    fh_say ("ready");
    for (;; seq++) {
        zmq_pollitem_t in = {NULL, 0, ZMQ_POLLIN, 0};
        const char *topic;
        /* The stream's pace: one pair of messages per millisecond. */
        FH_RC (zmq_poll (&in, 1, 1));
        if ((in.revents & ZMQ_POLLIN) && fh_stdin_closed ())
            break;
        for (topic = "t"; topic; topic = *topic == 't' ? "u" : NULL) {
            int n = snprintf (buf, sizeof buf, "%s %u %u", topic, life, seq);
            FH_CHECK (zmq_send (pub, buf, (size_t) n, 0) == n, "send: %s",
                      zmq_strerror (errno));
        }
    }
    FH_RC (zmq_close (pub));
    FH_RC (zmq_ctx_term (ctx));
    return 0;
}

/* ---- driver -------------------------------------------------------------- */

struct life
{
    unsigned count, first, last;
};

/* Receive until `want` messages of life `cur` have come, within
 * timeout_ms; returns when the first of them came. */
static int64_t receive (void *sub, struct life *lives, unsigned cur,
                        unsigned want, int timeout_ms)
{
    int64_t deadline = fh_now_ms () + timeout_ms, first_at = 0;
    while (lives[cur].count < want) {
        char buf[64], topic[4];
        unsigned life, seq;
        int64_t left = deadline - fh_now_ms ();
        int n;
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        FH_CHECK (left > 0, "life %u: %u of %u messages within %d ms", cur,
                  lives[cur].count, want, timeout_ms);
        FH_RC (zmq_poll (&it, 1, (long) left));
        if (!(it.revents & ZMQ_POLLIN))
            continue;
        n = zmq_recv (sub, buf, sizeof buf - 1, 0);
        FH_CHECK (n >= 0, "recv: %s", zmq_strerror (errno));
        buf[n] = 0;
        FH_CHECK (sscanf (buf, "%3s %u %u", topic, &life, &seq) == 3,
                  "message '%s'", buf);
        FH_CHECK (strcmp (topic, "t") == 0, "unsubscribed message '%s'",
                  buf);
        FH_CHECK (life <= cur, "message '%s' from a life not started", buf);
        FH_CHECK (life == cur || lives[cur].count == 0,
                  "message '%s' of an old life after the new one's", buf);
        if (lives[life].count)
            FH_CHECK (seq > lives[life].last,
                      "'%s' after %u: duplicate or out of order", buf,
                      lives[life].last);
        else
            lives[life].first = seq;
        if (life == cur && lives[cur].count == 0)
            first_at = fh_now_ms ();
        lives[life].last = seq;
        lives[life].count++;
    }
    return first_at;
}

static int drive (const char *mode)
{
    char ep[128];
    struct fh_peer peer;
    struct life lives[2];
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *sub = FH_PTR (zmq_socket (ctx, ZMQ_SUB));
    int64_t t_restart, resume;
    int bound = RECONNECT_IVL + 2000;

    FH_CHECK (strcmp (mode, "kill") == 0, "unknown mode %s", mode);
    memset (lives, 0, sizeof lives);
    FH_SET_INT (sub, ZMQ_LINGER, 0);
    FH_SET_INT (sub, ZMQ_RECONNECT_IVL, RECONNECT_IVL);
    FH_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t ", 2));
    fh_spawn (&peer, "0", NULL);
    fh_peer_ready (&peer);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_connect (sub, ep));
    receive (sub, lives, 0, PER_LIFE, 10000);

    fh_peer_kill9 (&peer);
    fh_peer_close (&peer);
    fh_spawn (&peer, "1", NULL);
    fh_peer_ready (&peer);
    t_restart = fh_now_ms ();
    /* No ZMQ_SUBSCRIBE from here on. */
    resume = receive (sub, lives, 1, PER_LIFE, 10000) - t_restart;
    fh_peer_finish (&peer);

    printf ("received life 0: %u messages (%u-%u), life 1: %u messages "
            "(%u-%u)\n",
            lives[0].count, lives[0].first, lives[0].last, lives[1].count,
            lives[1].first, lives[1].last);
    printf ("resumed %lld ms after the restart (bound %d ms)\n",
            (long long) resume, bound);
    FH_CHECK (resume <= bound, "resumed after %lld ms", (long long) resume);

    FH_RC (zmq_close (sub));
    FH_RC (zmq_ctx_term (ctx));
    printf ("ok: pubsub kill\n");
    return 0;
}

int main (int argc, char **argv)
{
    return fh_main (argc, argv, peer, drive, "kill");
}
