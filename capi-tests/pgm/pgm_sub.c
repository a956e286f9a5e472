/* The subscriber of tools/pgm-interop.sh: a SUB socket (subscribed to
 * everything) that receives the stream of pgm.h over an epgm:// or pgm://
 * endpoint and checks every part of every message (pgm_check_part).
 *
 * usage: pgm_sub ENDPOINT [KEY=VALUE...]
 *   rate, recovery, profile   as the publisher's
 *   mode=all     (default) messages 0..count-1 arrive, each once, in order,
 *                the last one flagged LAST; a gap fails at once
 *   mode=late    joined after the publisher started: the first message is
 *                not message 0, is whole, and the next `count` follow it
 *                one by one
 *   mode=gap     the publisher's stream had an outage longer than the
 *                recovery interval: numbers only go up, at least one gap,
 *                at least `after` messages after the last gap, up to the
 *                LAST one; nothing torn or corrupted on the way
 *   count        see the modes (default 2000)
 *   after        mode=gap (default 100)
 *   wait         ZMQ_RCVTIMEO in ms (default 20000): no message for that
 *                long is a failure
 *
 * Prints "READY" once connected and subscribed; the script waits for it
 * (and for the group join) before it starts the publisher. */
#include "pgm.h"

/* One message: its parts checked, its header returned. */
static struct pgm_part_header receive_message (void *sub, enum pgm_profile p,
                                               zmq_msg_t *msg, size_t *bytes)
{
    struct pgm_part_header first, h;
    int part = 0, more;
    do {
        FH_CHECK (zmq_msg_recv (msg, sub, 0) >= 0, "receive: %s",
                  errno == EAGAIN ? "nothing for ZMQ_RCVTIMEO (wait=)"
                                  : zmq_strerror (errno));
        more = zmq_msg_more (msg);
        h = pgm_check_part (p, zmq_msg_data (msg), zmq_msg_size (msg), part,
                            more);
        if (part == 0)
            first = h;
        else
            FH_CHECK (h.seq == first.seq && h.flags == first.flags,
                      "part %d of message %u belongs to message %u", part,
                      first.seq, h.seq);
        *bytes += zmq_msg_size (msg);
        part++;
    } while (more);
    return first;
}

int main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: pgm_sub ENDPOINT [KEY=VALUE...]\n");
        return 2;
    }
    pgm_argc = argc;
    pgm_argv = argv;
    enum pgm_profile profile = pgm_arg_profile ();
    const char *mode = pgm_arg_str ("mode", "all");
    unsigned count = (unsigned) pgm_arg ("count", 2000);
    unsigned after = (unsigned) pgm_arg ("after", 100);
    FH_CHECK (strcmp (mode, "all") == 0 || strcmp (mode, "late") == 0
                || strcmp (mode, "gap") == 0,
              "mode=%s: want all, late or gap", mode);

    void *ctx = FH_PTR (zmq_ctx_new ());
    void *sub = FH_PTR (zmq_socket (ctx, ZMQ_SUB));
    pgm_options (sub, "sub");
    FH_SET_INT (sub, ZMQ_RCVTIMEO, (int) pgm_arg ("wait", 20000));
    FH_SET_INT (sub, ZMQ_LINGER, 0);
    FH_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    pgm_connect (sub, argv[1]);
    fh_say ("READY");

    zmq_msg_t msg;
    FH_RC (zmq_msg_init (&msg));
    struct fh_runs runs;
    memset (&runs, 0, sizeof runs);
    size_t bytes = 0;
    unsigned warm = 0, got = 0, first_seq = 0, stall_seq = 0;
    int64_t t_first = 0, t_prev = 0, stall = 0, t;
    struct pgm_part_header h;
    for (;;) {
        h = receive_message (sub, profile, &msg, &bytes);
        t = fh_now_ms ();
        if (h.flags & PGM_WARM) {
            FH_CHECK (got == 0, "warm-up message %u after message %u", h.seq,
                      fh_runs_last (&runs));
            warm++;
            continue;
        }
        if (got == 0) {
            t_first = t;
            first_seq = h.seq;
            if (strcmp (mode, "late") == 0) {
                FH_CHECK (h.seq > 0, "a late joiner got message 0");
                printf ("late joiner: first message %u (%u parts), whole\n",
                        h.seq, h.parts);
            } else
                FH_CHECK (h.seq == 0, "first message %u, want 0", h.seq);
        } else {
            if (t - t_prev > stall) {
                stall = t - t_prev;
                stall_seq = h.seq;
            }
            if (strcmp (mode, "gap") != 0)
                FH_CHECK (h.seq == fh_runs_last (&runs) + 1,
                          "message %u after message %u (%s)", h.seq,
                          fh_runs_last (&runs),
                          h.seq <= fh_runs_last (&runs) ? "duplicate or out "
                                                          "of order"
                                                        : "lost messages");
        }
        fh_runs_add (&runs, h.seq, h.seq, "received");
        t_prev = t;
        got++;
        if (strcmp (mode, "late") == 0 ? got == count + 1 : (h.flags & PGM_LAST) != 0)
            break;
    }
    printf ("received %u messages (%zu bytes) in %lld ms, after %u warm-up; "
            "longest wait %lld ms (before message %u)\n",
            got, bytes, (long long) (t_prev - t_first), warm,
            (long long) stall, stall_seq);
    if (strcmp (mode, "all") == 0)
        FH_CHECK (h.seq == count - 1, "LAST is message %u, want %u", h.seq,
                  count - 1);
    if (strcmp (mode, "gap") == 0) {
        fh_runs_print (&runs, "received");
        FH_CHECK (runs.n >= 2, "no gap: the outage lost nothing");
        FH_CHECK (runs.last[runs.n - 1] - runs.first[runs.n - 1] + 1 >= after,
                  "only %u messages after the last gap, want %u",
                  runs.last[runs.n - 1] - runs.first[runs.n - 1] + 1, after);
        printf ("resynchronised: %u messages lost in %d gap(s), whole messages "
                "from %u on\n",
                h.seq + 1 - first_seq - runs.count, runs.n - 1,
                runs.first[runs.n - 1]);
    }
    FH_RC (zmq_msg_close (&msg));
    FH_RC (zmq_close (sub));
    FH_RC (zmq_ctx_term (ctx));
    printf ("ok: %s, %u messages from %u\n", mode, got, first_seq);
    return 0;
}
