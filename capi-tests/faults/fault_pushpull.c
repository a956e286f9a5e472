/* PUSH/PULL over tcp between two network namespaces, under faults.
 *
 * The driver (namespace A) PUSHes numbered messages at a steady rate to a
 * PULL peer bound in namespace B; the peer reports each batch it received
 * as "r FIRST LAST" (checking itself that numbers only go up). Modes:
 *
 *   loss    5% of packets dropped each way for the whole run: TCP
 *           retransmits, so all 10000 messages arrive, once, in order, on
 *           one connection (no DISCONNECTED).
 *   flap    the peer's link goes down for 1 s mid-stream and comes back.
 *           No heartbeats: the TCP connection outlives the flap and the
 *           stream resumes by TCP retransmission, so again nothing is
 *           lost and nothing is reconnected. The time from link up to the
 *           next delivered message stays within the flap's length + 1.5 s
 *           (TCP's retransmission timer has doubled while the link was
 *           down, so the next retransmission can be up to that far off;
 *           ARP may have to resolve the peer again, 1 s per try).
 *   flaphb  the link goes down for 2.5 s, with heartbeats (IVL 200 ms,
 *           TIMEOUT 1 s) on both ends: the driver reports DISCONNECTED
 *           within IVL + TIMEOUT of the link going down, and reconnects
 *           (RECONNECT_IVL 100 ms, CONNECT_TIMEOUT 500 ms so a SYN lost
 *           to the dead link is retried) within RECONNECT_IVL +
 *           CONNECT_TIMEOUT + 2 s of the link coming up. Messages the dead
 *           connection held may be lost; the rest arrive once, in order.
 *   kill    the peer is killed (kill -9) mid-stream and started again on
 *           the same address: what each life received is contiguous, and
 *           the second life starts after the first ended (no duplicate,
 *           no reordering).
 */
#include "faults.h"

enum { HB_IVL = 200, HB_TIMEOUT = 1000, RECONNECT_IVL = 100,
       CONNECT_TIMEOUT = 500 };

/* ---- peer ---------------------------------------------------------------- */

static void report (int have, unsigned first, unsigned last)
{
    if (have)
        fh_say ("r %u %u", first, last);
}

static int peer (int argc, char **argv)
{
    char ep[128], buf[FH_MSG_SIZE + 1];
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *pull = FH_PTR (zmq_socket (ctx, ZMQ_PULL));
    unsigned last = 0;
    int seen = 0;

    FH_SET_INT (pull, ZMQ_LINGER, 0);
    if (argc > 2 && strcmp (argv[2], "hb") == 0) {
        FH_SET_INT (pull, ZMQ_HEARTBEAT_IVL, HB_IVL);
        FH_SET_INT (pull, ZMQ_HEARTBEAT_TIMEOUT, HB_TIMEOUT);
    }
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_bind (pull, ep));
    fh_say ("ready");
    for (;;) {
        zmq_pollitem_t items[2] = {{pull, 0, ZMQ_POLLIN, 0},
                                   {NULL, 0, ZMQ_POLLIN, 0}};
        unsigned first = 0, end = 0;
        int have = 0, n;
        FH_RC (zmq_poll (items, 2, -1));
        if ((items[1].revents & ZMQ_POLLIN) && fh_stdin_closed ())
            break;
        while ((n = zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
            unsigned seq = fh_get_seq (buf, n);
            FH_CHECK (!seen || seq > last,
                      "peer: %u after %u: duplicate or out of order", seq,
                      last);
            if (have && seq == end + 1)
                end = seq;
            else {
                report (have, first, end);
                first = end = seq;
                have = 1;
            }
            last = seq;
            seen = 1;
        }
        FH_CHECK (errno == EAGAIN, "recv: %s", zmq_strerror (errno));
        report (have, first, end);
    }
    FH_RC (zmq_close (pull));
    FH_RC (zmq_ctx_term (ctx));
    return 0;
}

/* ---- driver -------------------------------------------------------------- */

struct drive
{
    void *ctx, *push, *mon;
    struct fh_peer peer;
    struct fh_runs life[2];
    int cur;                /* which peer life is reporting */
    unsigned sent, total;   /* sent so far; stop at total */
    int64_t t0;
    int rate;               /* messages per ms */
    int disconnects, handshakes;
    int64_t t_disconnect;
};

static void take_lines (struct drive *d)
{
    char line[128];
    fh_peer_read (&d->peer);
    while (fh_peer_line (&d->peer, line, sizeof line)) {
        unsigned a, b;
        FH_CHECK (sscanf (line, "r %u %u", &a, &b) == 2,
                  "peer line '%s'", line);
        fh_runs_add (&d->life[d->cur], a, b, "driver");
    }
}

typedef int (*cond_fn) (struct drive *, unsigned);

static int got_count (struct drive *d, unsigned n)
{
    return d->life[d->cur].count >= n;
}

static int got_beyond (struct drive *d, unsigned seq)
{
    return d->life[d->cur].count > 0 && fh_runs_last (&d->life[d->cur]) > seq;
}

static int got_all (struct drive *d, unsigned unused)
{
    (void) unused;
    return d->sent == d->total && d->life[d->cur].count > 0
           && fh_runs_last (&d->life[d->cur]) == d->total - 1;
}

static int got_disconnect (struct drive *d, unsigned n)
{
    return d->disconnects >= (int) n;
}

/* Send at the set rate, take the peer's reports and the monitor's events,
 * until done(d, arg) holds (returns 1) or `ms` have passed (returns 0). */
static int pump (struct drive *d, int ms, cond_fn done, unsigned arg)
{
    int64_t until = fh_now_ms () + ms;
    for (;;) {
        zmq_pollitem_t items[3] = {{d->push, 0, 0, 0},
                                   {NULL, d->peer.out, ZMQ_POLLIN, 0},
                                   {d->mon, 0, ZMQ_POLLIN, 0}};
        int64_t now = fh_now_ms (), due;
        long timeout;
        if (done != NULL && done (d, arg))
            return 1;
        if (now >= until)
            return 0;
        due = (now - d->t0) * d->rate;
        if (due > d->total)
            due = d->total;
        timeout = (long) (until - now);
        if (d->sent < due)
            items[0].events = ZMQ_POLLOUT;
        else if (d->sent < d->total && timeout > 1)
            timeout = 1;
        FH_RC (zmq_poll (items, 3, timeout));
        if (items[0].revents & ZMQ_POLLOUT) {
            while (d->sent < due) {
                char buf[FH_MSG_SIZE];
                fh_put_seq (buf, sizeof buf, d->sent);
                if (zmq_send (d->push, buf, sizeof buf, ZMQ_DONTWAIT) == -1) {
                    FH_CHECK (errno == EAGAIN, "send: %s",
                              zmq_strerror (errno));
                    break;
                }
                d->sent++;
            }
        }
        if (items[1].revents)
            take_lines (d);
        if (items[2].revents & ZMQ_POLLIN) {
            int ev;
            while ((ev = fh_event (d->mon, 0)) != 0) {
                if (ev == ZMQ_EVENT_DISCONNECTED) {
                    d->disconnects++;
                    d->t_disconnect = fh_now_ms ();
                } else if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
                    d->handshakes++;
            }
        }
    }
}

static void must_pump (struct drive *d, int ms, cond_fn done, unsigned arg,
                       const char *what)
{
    FH_CHECK (pump (d, ms, done, arg), "%s: not within %d ms (sent %u, "
              "received %u, last %u)", what, ms, d->sent,
              d->life[d->cur].count, fh_runs_last (&d->life[d->cur]));
}

/* Link down for `down_ms` while sending; returns the time from link up
 * to the next message delivered. */
static int64_t flap (struct drive *d, int down_ms, int expect_disconnect)
{
    int64_t t_down, t_downed, t_up;
    unsigned before;
    t_down = fh_now_ms ();
    fh_fault ("link down");
    t_downed = fh_now_ms ();
    if (expect_disconnect) {
        int64_t took, early;
        must_pump (d, HB_IVL + HB_TIMEOUT + 1000, got_disconnect, 1,
                   "heartbeat DISCONNECTED");
        /* The link went down between t_down and t_downed. */
        took = d->t_disconnect - t_downed;
        early = d->t_disconnect - t_down;
        printf ("DISCONNECTED %lld ms after link down (bound %d-%d)\n",
                (long long) took, HB_TIMEOUT - HB_IVL - 50,
                HB_IVL + HB_TIMEOUT + 500);
        /* Silence counts from the last bytes received (up to one IVL
         * before the link went down) or from the first unanswered PING
         * (libzmq): either way not before TIMEOUT - IVL. */
        FH_CHECK (took <= HB_IVL + HB_TIMEOUT + 500,
                  "heartbeat took %lld ms to report a dead link",
                  (long long) took);
        FH_CHECK (early >= HB_TIMEOUT - HB_IVL - 50,
                  "DISCONNECTED after %lld ms, before the heartbeat timeout",
                  (long long) took);
    }
    pump (d, (int) (t_down + down_ms - fh_now_ms ()), NULL, 0);
    take_lines (d);
    before = fh_runs_last (&d->life[d->cur]);
    fh_fault ("link up");
    t_up = fh_now_ms ();
    must_pump (d, 20000, got_beyond, before, "resume after link up");
    return fh_now_ms () - t_up;
}

static int drive (const char *mode)
{
    char ep[128];
    struct drive d;
    int hb = strcmp (mode, "flaphb") == 0;
    int loss = strcmp (mode, "loss") == 0;
    int kill9 = strcmp (mode, "kill") == 0;
    int64_t resume = -1, bound = 0;

    memset (&d, 0, sizeof d);
    FH_CHECK (hb || loss || kill9 || strcmp (mode, "flap") == 0,
              "unknown mode %s", mode);
    if (loss)
        fh_fault ("loss 5");
    d.ctx = FH_PTR (zmq_ctx_new ());
    d.push = FH_PTR (zmq_socket (d.ctx, ZMQ_PUSH));
    FH_SET_INT (d.push, ZMQ_LINGER, 0);
    FH_SET_INT (d.push, ZMQ_RECONNECT_IVL, RECONNECT_IVL);
    if (hb) {
        FH_SET_INT (d.push, ZMQ_HEARTBEAT_IVL, HB_IVL);
        FH_SET_INT (d.push, ZMQ_HEARTBEAT_TIMEOUT, HB_TIMEOUT);
        FH_SET_INT (d.push, ZMQ_CONNECT_TIMEOUT, CONNECT_TIMEOUT);
    }
    d.mon = fh_monitor (d.ctx, d.push,
                        ZMQ_EVENT_DISCONNECTED
                          | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    fh_spawn (&d.peer, hb ? "hb" : "nohb", NULL);
    fh_peer_ready (&d.peer);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_connect (d.push, ep));
    d.t0 = fh_now_ms ();
    d.rate = loss ? 5 : 1;
    d.total = loss ? 10000 : UINT_MAX;

    if (loss) {
        must_pump (&d, 30000, got_all, 0, "all messages under loss");
    } else {
        must_pump (&d, 10000, got_count, 300, "first 300 messages");
        if (kill9) {
            int64_t t_restart;
            fh_peer_kill9 (&d.peer);
            while (!d.peer.eof)
                take_lines (&d);
            fh_peer_close (&d.peer);
            d.cur = 1;
            fh_spawn (&d.peer, "nohb", NULL);
            fh_peer_ready (&d.peer);
            t_restart = fh_now_ms ();
            must_pump (&d, 10000, got_count, 1, "resume after restart");
            resume = fh_now_ms () - t_restart;
            bound = RECONNECT_IVL + 2000;
        } else if (hb) {
            resume = flap (&d, 2500, 1);
            bound = RECONNECT_IVL + CONNECT_TIMEOUT + 2000;
        } else {
            resume = flap (&d, 1000, 0);
            bound = 1000 + 1500;
        }
        d.total = d.sent + 300;
        must_pump (&d, 15000, got_all, 0, "the last messages");
    }
    fh_peer_finish (&d.peer);

    fh_runs_print (&d.life[0], "received");
    if (kill9)
        fh_runs_print (&d.life[1], "received after restart");
    printf ("sent %u, disconnects %d, handshakes %d\n", d.sent,
            d.disconnects, d.handshakes);
    if (resume >= 0)
        printf ("resumed %lld ms after %s (bound %lld ms)\n",
                (long long) resume, kill9 ? "restart" : "link up",
                (long long) bound);
    FH_CHECK (d.life[0].n > 0 && d.life[0].first[0] == 0,
              "the first message did not arrive");
    if (loss || strcmp (mode, "flap") == 0) {
        /* One TCP connection throughout: everything, once, in order. */
        FH_CHECK (d.life[0].n == 1 && d.life[0].count == d.total,
                  "messages lost on a live TCP connection");
        FH_CHECK (d.disconnects == 0, "connection dropped (%d times)",
                  d.disconnects);
    } else if (kill9) {
        FH_CHECK (d.life[0].n == 1, "gap in the first life");
        FH_CHECK (d.life[1].n == 1, "gap in the second life");
        FH_CHECK (d.life[1].first[0] > d.life[0].last[0],
                  "second life repeats the first");
        FH_CHECK (fh_runs_last (&d.life[1]) == d.total - 1,
                  "last messages missing");
    } else {
        FH_CHECK (d.handshakes >= 2, "no reconnect after the flap");
        FH_CHECK (fh_runs_last (&d.life[0]) == d.total - 1,
                  "last messages missing");
    }
    if (resume >= 0)
        FH_CHECK (resume <= bound, "resumed after %lld ms, bound %lld",
                  (long long) resume, (long long) bound);
    if (loss)
        fh_fault ("loss 0");

    fh_close_monitor (d.push, d.mon);
    FH_RC (zmq_close (d.push));
    FH_RC (zmq_ctx_term (d.ctx));
    printf ("ok: pushpull %s\n", mode);
    return 0;
}

int main (int argc, char **argv)
{
    return fh_main (argc, argv, peer, drive, "loss|flap|flaphb|kill");
}
