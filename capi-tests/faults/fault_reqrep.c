/* REQ/REP over tcp between two network namespaces, under faults.
 *
 * The driver (namespace A) is a REQ client in the "lazy pirate" style
 * libzmq users write, on one socket: ZMQ_REQ_RELAXED lets it send a
 * request again when the reply is late, ZMQ_REQ_CORRELATE makes it drop a
 * late reply to an earlier try. Request N carries sequence number N; the
 * REP peer (bound in namespace B) reports each request it gets as
 * "q N" and echoes it. Checks: the client gets the reply to every request
 * exactly once and in order; the server sees requests in order, each
 * at most once per try of the client. Modes:
 *
 *   loss   5% of packets dropped each way: TCP retransmits, so no reply
 *          is ever late enough for a retry (5 s) and the server sees each
 *          request exactly once.
 *   flap   the server's link goes down for 1 s, a request is sent, and
 *          the link comes back: the TCP connection survives, the reply comes
 *          by retransmission within the flap's length + 1.5 s of link up,
 *          no retry, nothing seen twice.
 *   kill   the server is killed (kill -9) with a request in flight and
 *          started again: the client retries after 500 ms and gets its
 *          reply from the new server; each server life sees requests in
 *          order (the new one may see the request the old one died on).
 */
#include "faults.h"

enum { RECONNECT_IVL = 100, ROUNDTRIPS = 200, FAULT_AT = 100 };

/* ---- peer ---------------------------------------------------------------- */

static int peer (int argc, char **argv)
{
    (void) argc;
    (void) argv;
    char ep[128], buf[FH_MSG_SIZE + 1];
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *rep = FH_PTR (zmq_socket (ctx, ZMQ_REP));

    FH_SET_INT (rep, ZMQ_LINGER, 0);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_bind (rep, ep));
    fh_say ("ready");
    for (;;) {
        zmq_pollitem_t items[2] = {{rep, 0, ZMQ_POLLIN, 0},
                                   {NULL, 0, ZMQ_POLLIN, 0}};
        int n;
        FH_RC (zmq_poll (items, 2, -1));
        if ((items[1].revents & ZMQ_POLLIN) && fh_stdin_closed ())
            break;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        n = zmq_recv (rep, buf, sizeof buf, 0);
        FH_CHECK (n >= 0, "recv: %s", zmq_strerror (errno));
        fh_say ("q %u", fh_get_seq (buf, n));
        FH_CHECK (zmq_send (rep, buf, (size_t) n, 0) == n, "send: %s",
                  zmq_strerror (errno));
    }
    FH_RC (zmq_close (rep));
    FH_RC (zmq_ctx_term (ctx));
    return 0;
}

/* ---- driver -------------------------------------------------------------- */

/* What one server life saw. */
struct server_life
{
    int seen;
    unsigned first, last, count, repeats;
};

struct drive
{
    void *ctx, *req;
    struct fh_peer peer;
    struct server_life life[2];
    int cur;
    unsigned retries;
    int retry_ms;
    int64_t up_at;          /* link up due (flap), 0: none */
    int64_t t_up;           /* when it came up */
};

static void take_lines (struct drive *d)
{
    char line[128];
    fh_peer_read (&d->peer);
    while (fh_peer_line (&d->peer, line, sizeof line)) {
        struct server_life *l = &d->life[d->cur];
        unsigned q;
        FH_CHECK (sscanf (line, "q %u", &q) == 1, "peer line '%s'", line);
        /* A request comes again only as a retry, never goes back. */
        if (l->seen) {
            FH_CHECK (q == l->last || q == l->last + 1,
                      "server life %d saw %u after %u", d->cur, q, l->last);
            l->repeats += q == l->last;
        } else
            l->first = q;
        l->seen = 1;
        l->last = q;
        l->count++;
    }
}

static void send_request (struct drive *d, unsigned seq)
{
    char buf[FH_MSG_SIZE];
    fh_put_seq (buf, sizeof buf, seq);
    FH_CHECK (zmq_send (d->req, buf, sizeof buf, ZMQ_DONTWAIT)
                == (int) sizeof buf,
              "send %u: %s", seq, zmq_strerror (errno));
}

/* Wait for the reply to request seq (already sent), sending it again
 * every retry_ms; bring the link up when that is due. */
static void await_reply (struct drive *d, unsigned seq)
{
    int64_t give_up = fh_now_ms () + 20000;
    int64_t retry_at = fh_now_ms () + d->retry_ms;
    for (;;) {
        zmq_pollitem_t items[2] = {{d->req, 0, ZMQ_POLLIN, 0},
                                   {NULL, d->peer.out, ZMQ_POLLIN, 0}};
        int64_t now = fh_now_ms (), wake = retry_at;
        if (d->up_at && d->up_at < wake)
            wake = d->up_at;
        FH_CHECK (now < give_up, "no reply to request %u in 20 s", seq);
        FH_RC (zmq_poll (items, 2, wake > now ? (long) (wake - now) : 0));
        if (items[1].revents)
            take_lines (d);
        if (items[0].revents & ZMQ_POLLIN) {
            char buf[FH_MSG_SIZE + 1];
            int n = zmq_recv (d->req, buf, sizeof buf, 0);
            unsigned got;
            FH_CHECK (n >= 0, "recv: %s", zmq_strerror (errno));
            got = fh_get_seq (buf, n);
            /* CORRELATE: a reply to an earlier try never shows. */
            FH_CHECK (got == seq, "reply %u to request %u", got, seq);
            return;
        }
        now = fh_now_ms ();
        if (d->up_at && now >= d->up_at) {
            fh_fault ("link up");
            d->t_up = fh_now_ms ();
            d->up_at = 0;
        }
        if (now >= retry_at) {
            d->retries++;
            send_request (d, seq);
            retry_at = now + d->retry_ms;
        }
    }
}

static void check_life (const struct server_life *l, int i)
{
    printf ("server life %d: %u requests, %u-%u, %u seen again (retries)\n",
            i, l->count, l->first, l->last, l->repeats);
}

static int drive (const char *mode)
{
    char ep[128];
    struct drive d;
    int loss = strcmp (mode, "loss") == 0;
    int flap = strcmp (mode, "flap") == 0;
    int kill9 = strcmp (mode, "kill") == 0;
    int64_t resume = -1, bound = 0, t_fault = 0;
    unsigned seq;

    memset (&d, 0, sizeof d);
    FH_CHECK (loss || flap || kill9, "unknown mode %s", mode);
    d.retry_ms = kill9 ? 500 : 5000;
    if (loss)
        fh_fault ("loss 5");
    d.ctx = FH_PTR (zmq_ctx_new ());
    d.req = FH_PTR (zmq_socket (d.ctx, ZMQ_REQ));
    FH_SET_INT (d.req, ZMQ_LINGER, 0);
    FH_SET_INT (d.req, ZMQ_RECONNECT_IVL, RECONNECT_IVL);
    FH_SET_INT (d.req, ZMQ_REQ_RELAXED, 1);
    FH_SET_INT (d.req, ZMQ_REQ_CORRELATE, 1);
    fh_spawn (&d.peer, NULL);
    fh_peer_ready (&d.peer);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_connect (d.req, ep));

    for (seq = 0; seq < ROUNDTRIPS; seq++) {
        int at_fault = seq == FAULT_AT && !loss;
        if (at_fault && flap) {
            /* Down first, so this request is sure to meet a dead link. */
            fh_fault ("link down");
            d.up_at = fh_now_ms () + 1000;
        }
        send_request (&d, seq);
        if (at_fault && kill9) {
            fh_peer_kill9 (&d.peer);
            while (!d.peer.eof)
                take_lines (&d);
            fh_peer_close (&d.peer);
            d.cur = 1;
            fh_spawn (&d.peer, NULL);
            fh_peer_ready (&d.peer);
            t_fault = fh_now_ms ();
        }
        await_reply (&d, seq);
        if (at_fault && flap) {
            FH_CHECK (d.t_up != 0, "reply came while the link was down");
            resume = fh_now_ms () - d.t_up;
            bound = 1000 + 1500;
        } else if (at_fault && kill9) {
            resume = fh_now_ms () - t_fault;
            bound = d.retry_ms + RECONNECT_IVL + 2000;
        }
    }
    fh_peer_finish (&d.peer);
    take_lines (&d);

    printf ("%d round trips, %u retries\n", ROUNDTRIPS, d.retries);
    check_life (&d.life[0], 0);
    if (kill9)
        check_life (&d.life[1], 1);
    if (resume >= 0)
        printf ("resumed %lld ms after %s (bound %lld ms)\n",
                (long long) resume, kill9 ? "restart" : "link up",
                (long long) bound);
    FH_CHECK (d.life[0].seen && d.life[0].first == 0,
              "server never saw the first request");
    if (!kill9) {
        /* One TCP connection throughout: no retry, nothing twice. */
        FH_CHECK (d.retries == 0, "%u retries on a live connection",
                  d.retries);
        FH_CHECK (d.life[0].count == ROUNDTRIPS && d.life[0].repeats == 0,
                  "server saw %u requests, %u twice", d.life[0].count,
                  d.life[0].repeats);
    } else {
        FH_CHECK (d.life[1].seen && d.life[1].first >= d.life[0].last,
                  "the new server saw a request older than the old one's");
        FH_CHECK (d.life[1].last == ROUNDTRIPS - 1,
                  "the new server missed the last request");
    }
    if (resume >= 0)
        FH_CHECK (resume <= bound, "resumed after %lld ms, bound %lld",
                  (long long) resume, (long long) bound);
    if (loss)
        fh_fault ("loss 0");
    FH_RC (zmq_close (d.req));
    FH_RC (zmq_ctx_term (d.ctx));
    printf ("ok: reqrep %s\n", mode);
    return 0;
}

int main (int argc, char **argv)
{
    return fh_main (argc, argv, peer, drive, "loss|flap|kill");
}
