/* Interop: ZMTP heartbeats (PING/PONG) with the reference libzmq in
 * another process, over tcp:// and ipc://, with either side binding.
 * - Both ends send PINGs every 100 ms and drop the connection if nothing
 *   comes back within 1 s: across 1.5 s of application silence the
 *   connection must stay up on both sides (each answers the other's
 *   PINGs), and messages still flow.
 * - A peer that freezes (SIGSTOP) stops answering: our side drops the
 *   connection (ZMQ_EVENT_DISCONNECTED) on its own.
 */
#include "interop.h"

#include <signal.h>

static void *ctx;

static void *heartbeating_pair (void)
{
    void *pair = TU_SOCKET (ctx, ZMQ_PAIR);
    TU_SET_INT (pair, ZMQ_HEARTBEAT_IVL, 100);
    TU_SET_INT (pair, ZMQ_HEARTBEAT_TIMEOUT, 1000);
    return pair;
}

static void quiet_but_alive (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct tu_event ev;
    struct ip_peer peer;
    void *pair = heartbeating_pair ();
    void *events = TU_MONITOR (ctx, pair, ZMQ_EVENT_DISCONNECTED);
    IP_CASE ("heartbeats across a quiet spell", setup);
    /* The peer stays until told to go ("wait"): its leaving would be a
     * DISCONNECTED here too. */
    IP_PAIR_UP (pair, &peer, "PAIR", setup,
                "echo:1,idle:1500,echo:1,nodisc,wait",
                "hb=100,hbtimeout=1000,monitor=1", ep);
    IP_SEND (pair, 0, 10, 1, NULL, 0);
    IP_RECV (pair, 0, 10, 1, NULL, 0);
    /* Answered only after the peer's 1.5 s of silence. */
    IP_SEND (pair, 1, 10, 2, NULL, 0);
    IP_RECV (pair, 1, 10, 2, NULL, 0);
    CHECK (!tu_next_event (events, &ev, 0));
    IP_FINISH (&peer);
    CLOSE_MONITOR (pair, events);
    CHECK_RC (zmq_close (pair));
    IP_CASE_DONE ();
}

static void frozen_peer (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    void *pair = heartbeating_pair ();
    void *events = TU_MONITOR (ctx, pair, ZMQ_EVENT_DISCONNECTED);
    IP_CASE ("heartbeat timeout of a frozen peer", setup);
    IP_PAIR_UP (pair, &peer, "PAIR", setup, "echo:1,wait", NULL, ep);
    IP_SEND (pair, 0, 10, 1, NULL, 0);
    IP_RECV (pair, 0, 10, 1, NULL, 0);
    CHECK_RC (kill (peer.pid, SIGSTOP));
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);
    CHECK_RC (kill (peer.pid, SIGCONT));
    IP_FINISH (&peer);
    CLOSE_MONITOR (pair, events);
    CHECK_RC (zmq_close (pair));
    IP_CASE_DONE ();
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    quiet_but_alive (&ip_setups[0]);
    quiet_but_alive (&ip_setups[3]);
    frozen_peer (&ip_setups[0]);
    frozen_peer (&ip_setups[3]);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
