/* The publisher of tools/pgm-interop.sh: a PUB socket that sends the
 * stream of pgm.h over an epgm:// or pgm:// endpoint.
 *
 * usage: pgm_pub ENDPOINT [KEY=VALUE...]
 *   rate, recovery   ZMQ_RATE (kbit/s), ZMQ_RECOVERY_IVL (ms)
 *   profile          mixed (default) or big: the size schedule
 *   count            messages after the warm-up (default 2000); the last
 *                    carries the flag LAST
 *   warm             warm-up messages first (default 8)
 *   streaming=N      print "STREAMING" once N messages are sent (the
 *                    script starts a late subscriber then)
 *   until_stop=1     send on past `count` (no LAST) until the stop file
 *                    exists: the stream of the late-joiner check
 *   outage_at=N, outage_ms=MS, after=K
 *                    at message N apply "drop" through $FAULT_CTL, MS ms
 *                    later "undrop"; send at least K messages after that
 *   stop=FILE        after the last message, keep the socket open (the
 *                    subscribers may still ask for repairs) until FILE
 *                    exists, at most 60 s
 *
 * There is no flow control in PGM: the sender's pace is ZMQ_RATE. With
 * ZMQ_XPUB_NODROP and a small ZMQ_SNDHWM a blocking send waits for the
 * engine instead of dropping, so "sent" here stays within a few messages
 * of what went on the wire. */
#include "pgm.h"

static int stop_requested (const char *stop)
{
    return stop != NULL && access (stop, F_OK) == 0;
}

static void send_message (void *pub, enum pgm_profile p, unsigned seq,
                          unsigned flags, uint8_t *buf)
{
    int parts = flags & PGM_WARM ? 1 : pgm_parts (p, seq), i;
    for (i = 0; i < parts; i++) {
        size_t len = flags & PGM_WARM ? PGM_WARM_SIZE : pgm_part_size (p, seq, i);
        pgm_fill (buf, len, seq, i, parts, flags);
        FH_CHECK (zmq_send (pub, buf, len, i + 1 < parts ? ZMQ_SNDMORE : 0)
                    == (int) len,
                  "send message %u part %d: %s", seq, i, zmq_strerror (errno));
    }
}

int main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: pgm_pub ENDPOINT [KEY=VALUE...]\n");
        return 2;
    }
    pgm_argc = argc;
    pgm_argv = argv;
    enum pgm_profile profile = pgm_arg_profile ();
    unsigned count = (unsigned) pgm_arg ("count", 2000);
    unsigned warm = (unsigned) pgm_arg ("warm", 8);
    long streaming = pgm_arg ("streaming", -1);
    int until_stop = (int) pgm_arg ("until_stop", 0);
    long outage_at = pgm_arg ("outage_at", -1);
    long outage_ms = pgm_arg ("outage_ms", 3000);
    unsigned after = (unsigned) pgm_arg ("after", 300);
    const char *stop = pgm_arg_str ("stop", NULL);
    uint8_t *buf = malloc (PGM_MAX_PART);
    FH_CHECK (buf != NULL, "out of memory");

    void *ctx = FH_PTR (zmq_ctx_new ());
    void *pub = FH_PTR (zmq_socket (ctx, ZMQ_PUB));
    pgm_options (pub, "pub");
    FH_SET_INT (pub, ZMQ_SNDHWM, 16);
    FH_SET_INT (pub, ZMQ_XPUB_NODROP, 1);
    FH_SET_INT (pub, ZMQ_SNDTIMEO, 20000);
    FH_SET_INT (pub, ZMQ_LINGER, 1000);
    pgm_connect (pub, argv[1]);

    int64_t t0 = fh_now_ms (), drop_at = 0, undrop_at = 0;
    unsigned seq, undrop_seq = 0, sent = 0;
    for (seq = 0; seq < warm; seq++)
        send_message (pub, profile, seq, PGM_WARM, buf);
    int64_t t1 = fh_now_ms ();
    for (seq = 0;; seq++) {
        int64_t now = fh_now_ms ();
        if (drop_at && !undrop_at && now - drop_at >= outage_ms) {
            fh_fault ("undrop");
            undrop_at = now;
            undrop_seq = seq;
            printf ("outage: no packet passed for %lld ms, from message %ld "
                    "to message %u\n",
                    (long long) (undrop_at - drop_at), outage_at, seq);
            fflush (stdout);
        }
        int last;
        if (until_stop)
            last = stop_requested (stop);
        else if (outage_at >= 0)
            last = undrop_at && seq >= count - 1 && seq >= undrop_seq + after;
        else
            last = seq == count - 1;
        if (until_stop && last)
            break;
        if ((long) seq == outage_at) {
            fh_fault ("drop");
            drop_at = fh_now_ms ();
        }
        send_message (pub, profile, seq, last ? PGM_LAST : 0, buf);
        sent = seq + 1;
        if ((long) sent == streaming) {
            printf ("STREAMING after %u messages\n", sent);
            fflush (stdout);
        }
        if (last)
            break;
    }
    int64_t t2 = fh_now_ms ();
    printf ("sent %u messages (and %u warm-up) in %lld ms\n", sent, warm,
            (long long) (t2 - t1));
    fflush (stdout);

    /* Repairs are served from the transmit window while the socket lives. */
    while (stop != NULL && !stop_requested (stop) && fh_now_ms () - t2 < 60000)
        fh_settle (10);
    FH_CHECK (stop == NULL || stop_requested (stop),
              "no stop file %s within 60 s of the last message", stop);
    FH_RC (zmq_close (pub));
    FH_RC (zmq_ctx_term (ctx));
    free (buf);
    printf ("ok: published %u messages in %lld ms\n", sent,
            (long long) (t2 - t0));
    return 0;
}
