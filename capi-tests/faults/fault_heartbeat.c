/* Heartbeats report a dead peer, between two network namespaces.
 *
 * The driver (namespace A) connects a PUSH with ZMQ_HEARTBEAT_IVL 200 ms
 * and ZMQ_HEARTBEAT_TIMEOUT 1 s to a PULL peer in namespace B that sets
 * no heartbeat option of its own. Once a message has gone through, every
 * packet on the link is dropped (nftables, both ways; the TCP connections
 * stay, as a pulled cable leaves them). Modes:
 *
 *   timeout  the driver's monitor reports ZMQ_EVENT_DISCONNECTED between
 *            TIMEOUT - IVL and TIMEOUT + IVL (+ 500 ms of slack) after
 *            the drop;
 *   ttl      the same, and the driver also sets ZMQ_HEARTBEAT_TTL 1.5 s,
 *            which its PINGs carry: the peer's monitor reports its
 *            DISCONNECTED within TTL (+ 500 ms), not before TTL - IVL
 *            (its last PING came at most one IVL before the drop).
 *   alive    no drop, PINGs every 100 ms and no TIMEOUT (the interval is
 *            then the timeout): the connection stays up for 1.5 s.
 *   connect  no heartbeats: packets dropped before connecting, the
 *            attempt is given up after ZMQ_CONNECT_TIMEOUT and retried.
 * In timeout and ttl, once packets pass again the driver reconnects (RECONNECT_IVL
 * 100 ms, CONNECT_TIMEOUT 500 ms for the SYNs lost meanwhile) and a new
 * message arrives within RECONNECT_IVL + CONNECT_TIMEOUT + 2 s.
 * Without heartbeats nothing would notice for minutes: TCP gives up on
 * unacknowledged data only after its retransmissions run out.
 */
#include "faults.h"

enum { HB_IVL = 200, HB_TIMEOUT = 1000, HB_TTL = 1500, RECONNECT_IVL = 100,
       CONNECT_TIMEOUT = 500 };

/* ---- peer ---------------------------------------------------------------- */

static int peer (int argc, char **argv)
{
    (void) argc;
    (void) argv;
    char ep[128], buf[FH_MSG_SIZE + 1];
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *pull = FH_PTR (zmq_socket (ctx, ZMQ_PULL));
    void *mon = fh_monitor (ctx, pull, ZMQ_EVENT_DISCONNECTED);

    FH_SET_INT (pull, ZMQ_LINGER, 0);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_bind (pull, ep));
    fh_say ("ready");
    for (;;) {
        zmq_pollitem_t items[3] = {{pull, 0, ZMQ_POLLIN, 0},
                                   {mon, 0, ZMQ_POLLIN, 0},
                                   {NULL, 0, ZMQ_POLLIN, 0}};
        FH_RC (zmq_poll (items, 3, -1));
        if ((items[2].revents & ZMQ_POLLIN) && fh_stdin_closed ())
            break;
        if (items[0].revents & ZMQ_POLLIN) {
            int n = zmq_recv (pull, buf, sizeof buf, 0);
            FH_CHECK (n >= 0, "recv: %s", zmq_strerror (errno));
            fh_say ("m %u", fh_get_seq (buf, n));
        }
        if (items[1].revents & ZMQ_POLLIN) {
            int ev = fh_event (mon, 0);
            if (ev == ZMQ_EVENT_DISCONNECTED)
                fh_say ("disconnected %lld", (long long) fh_now_ms ());
        }
    }
    fh_close_monitor (pull, mon);
    FH_RC (zmq_close (pull));
    FH_RC (zmq_ctx_term (ctx));
    return 0;
}

/* ---- driver -------------------------------------------------------------- */

/* Send message seq and wait until the peer has it (a disconnect it
 * reports meanwhile is skipped). */
static void deliver (void *push, struct fh_peer *p, unsigned seq,
                     int timeout_ms)
{
    char line[128];
    unsigned got;
    fh_send_seq (push, seq, 0);
    do
        fh_peer_wait_line (p, line, sizeof line, timeout_ms);
    while (strncmp (line, "disconnected ", 13) == 0);
    FH_CHECK (sscanf (line, "m %u", &got) == 1 && got == seq,
              "peer said '%s', expected message %u", line, seq);
}

/* "alive": PINGs every 100 ms with no ZMQ_HEARTBEAT_TIMEOUT (so the
 * interval is the timeout), on a healthy link: the connection stays up
 * across 1.5 s without messages, every PONG arriving within the
 * timeout. */
/* Start the peer, connect to it, and see a message through. */
static void connect_peer (void *push, void *mon, struct fh_peer *peer)
{
    char ep[128];
    fh_spawn (peer, NULL);
    fh_peer_ready (peer);
    fh_endpoint (ep, sizeof ep);
    FH_RC (zmq_connect (push, ep));
    fh_expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 5000, "handshake");
    deliver (push, peer, 0, 5000);
}

static int stays_alive (void *ctx, void *push, void *mon)
{
    struct fh_peer peer;
    int64_t until;
    FH_SET_INT (push, ZMQ_HEARTBEAT_IVL, 100);
    connect_peer (push, mon, &peer);
    until = fh_now_ms () + 1500;
    for (;;) {
        int64_t left = until - fh_now_ms ();
        int ev;
        if (left <= 0)
            break;
        ev = fh_event (mon, (int) left);
        FH_CHECK (ev != ZMQ_EVENT_DISCONNECTED,
                  "a healthy connection was dropped by heartbeats");
    }
    deliver (push, &peer, 1, 5000);
    fh_peer_finish (&peer);
    printf ("no DISCONNECTED in 1.5 s of PINGs every 100 ms\n");
    fh_close_monitor (push, mon);
    FH_RC (zmq_close (push));
    FH_RC (zmq_ctx_term (ctx));
    printf ("ok: heartbeat alive\n");
    return 0;
}

/* "connect": with every packet dropped, a connect attempt hangs on SYNs
 * nobody answers; ZMQ_CONNECT_TIMEOUT 500 ms gives it up (CLOSED, then
 * CONNECT_RETRIED) and retries, so once packets pass again the
 * connection is up within RECONNECT_IVL + CONNECT_TIMEOUT (+ 1 s), not
 * at the kernel's next SYN retransmission (1 s, 3 s, 7 s, ...). */
static int connect_times_out (void *ctx, void *push)
{
    struct fh_peer peer;
    char ep[128];
    void *mon = fh_monitor (ctx, push,
                            ZMQ_EVENT_CLOSED | ZMQ_EVENT_CONNECT_RETRIED
                              | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    int64_t t0, closed, retried, t_undrop, up;
    int bound = RECONNECT_IVL + CONNECT_TIMEOUT + 1000;
    FH_SET_INT (push, ZMQ_RECONNECT_IVL, RECONNECT_IVL);
    FH_SET_INT (push, ZMQ_CONNECT_TIMEOUT, CONNECT_TIMEOUT);
    fh_spawn (&peer, NULL);
    fh_peer_ready (&peer);
    fh_fault ("drop");
    fh_endpoint (ep, sizeof ep);
    t0 = fh_now_ms ();
    FH_RC (zmq_connect (push, ep));
    closed = fh_expect_event (mon, ZMQ_EVENT_CLOSED, CONNECT_TIMEOUT + 1000,
                              "CLOSED (connect timeout)")
             - t0;
    retried = fh_expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED, 1000,
                               "CONNECT_RETRIED")
              - t0;
    /* Into the second attempt, so its SYN is lost too. */
    fh_settle (RECONNECT_IVL + CONNECT_TIMEOUT / 2);
    fh_fault ("undrop");
    t_undrop = fh_now_ms ();
    up = fh_expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 10000,
                          "handshake after the link is back")
         - t_undrop;
    deliver (push, &peer, 0, 5000);
    fh_peer_finish (&peer);
    printf ("connect given up after %lld ms (CONNECT_TIMEOUT %d), retried "
            "at %lld ms\n",
            (long long) closed, CONNECT_TIMEOUT, (long long) retried);
    printf ("resumed %lld ms after packets pass again (bound %d ms)\n",
            (long long) up, bound);
    FH_CHECK (closed >= CONNECT_TIMEOUT - 50 && closed <= CONNECT_TIMEOUT + 500,
              "connect attempt given up after %lld ms", (long long) closed);
    FH_CHECK (up <= bound, "resumed after %lld ms", (long long) up);
    fh_close_monitor (push, mon);
    FH_RC (zmq_close (push));
    FH_RC (zmq_ctx_term (ctx));
    printf ("ok: heartbeat connect\n");
    return 0;
}

static int drive (const char *mode)
{
    char line[128];
    struct fh_peer peer;
    void *ctx = FH_PTR (zmq_ctx_new ());
    void *push = FH_PTR (zmq_socket (ctx, ZMQ_PUSH));
    void *mon = fh_monitor (ctx, push,
                            ZMQ_EVENT_DISCONNECTED
                              | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    int ttl = strcmp (mode, "ttl") == 0;
    int alive = strcmp (mode, "alive") == 0;
    int64_t t_drop, t_dropped, t_a, t_undrop, resume;
    long long t_b;
    /* 50 ms below the exact lower bounds for timer granularity. */
    int low_a = HB_TIMEOUT - HB_IVL - 50, bound_a = HB_TIMEOUT + HB_IVL + 500;
    int low_b = HB_TTL - HB_IVL - 50, bound_b = HB_TTL + 500;
    int bound_r = RECONNECT_IVL + CONNECT_TIMEOUT + 2000;

    FH_CHECK (ttl || alive || strcmp (mode, "timeout") == 0
                || strcmp (mode, "connect") == 0,
              "unknown mode %s", mode);
    FH_SET_INT (push, ZMQ_LINGER, 0);
    if (strcmp (mode, "connect") == 0) {
        fh_close_monitor (push, mon);
        return connect_times_out (ctx, push);
    }
    if (alive)
        return stays_alive (ctx, push, mon);
    FH_SET_INT (push, ZMQ_HEARTBEAT_IVL, HB_IVL);
    FH_SET_INT (push, ZMQ_HEARTBEAT_TIMEOUT, HB_TIMEOUT);
    if (ttl)
        FH_SET_INT (push, ZMQ_HEARTBEAT_TTL, HB_TTL);
    FH_SET_INT (push, ZMQ_RECONNECT_IVL, RECONNECT_IVL);
    FH_SET_INT (push, ZMQ_CONNECT_TIMEOUT, CONNECT_TIMEOUT);
    connect_peer (push, mon, &peer);
    /* The peer knows the TTL only once a PING has reached it, and nothing
     * it can show tells us when that was: let two intervals pass. */
    fh_settle (2 * HB_IVL);

    /* The drop took effect between t_drop and t_dropped: lower bounds
     * are checked from the first, upper bounds from the second. */
    t_drop = fh_now_ms ();
    fh_fault ("drop");
    t_dropped = fh_now_ms ();
    t_a = fh_expect_event (mon, ZMQ_EVENT_DISCONNECTED, 5000,
                           "DISCONNECTED (driver)");
    printf ("DISCONNECTED %lld ms after the drop (heartbeat timeout; "
            "bound %d-%d; the drop took %lld ms to apply)\n",
            (long long) (t_a - t_dropped), low_a, bound_a,
            (long long) (t_dropped - t_drop));
    FH_CHECK (t_a - t_drop >= low_a && t_a - t_dropped <= bound_a,
              "heartbeat timeout reported after %lld ms",
              (long long) (t_a - t_dropped));
    if (ttl) {
        fh_peer_wait_line (&peer, line, sizeof line, HB_TTL + 3000);
        FH_CHECK (sscanf (line, "disconnected %lld", &t_b) == 1,
                  "peer said '%s', expected its DISCONNECTED", line);
        printf ("peer DISCONNECTED %lld ms after the drop (TTL; bound "
                "%d-%d)\n",
                (long long) (t_b - t_dropped), low_b, bound_b);
        FH_CHECK (t_b - t_drop >= low_b && t_b - t_dropped <= bound_b,
                  "TTL reported after %lld ms", (long long) (t_b - t_dropped));
    }

    fh_fault ("undrop");
    t_undrop = fh_now_ms ();
    fh_expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, bound_r + 3000,
                     "handshake after the link is back");
    deliver (push, &peer, 1, bound_r + 3000);
    resume = fh_now_ms () - t_undrop;
    fh_peer_finish (&peer);
    printf ("resumed %lld ms after packets pass again (bound %d ms)\n",
            (long long) resume, bound_r);
    FH_CHECK (resume <= bound_r, "resumed after %lld ms", (long long) resume);

    fh_close_monitor (push, mon);
    FH_RC (zmq_close (push));
    FH_RC (zmq_ctx_term (ctx));
    printf ("ok: heartbeat %s\n", mode);
    return 0;
}

int main (int argc, char **argv)
{
    return fh_main (argc, argv, peer, drive, "timeout|ttl|alive|connect");
}
