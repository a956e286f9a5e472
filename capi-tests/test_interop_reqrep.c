/* Interop: REQ/REP and DEALER/REP against the reference libzmq in another
 * process, each role on each side, over tcp:// and ipc://, with either
 * side binding. Requests and replies are multipart, some > 8 KiB and one
 * > 1 MiB; a DEALER adds and checks the empty delimiter itself.
 */
#include "interop.h"

static void *ctx;

/* Requests this side makes: {size, parts}. */
static const struct
{
    size_t size;
    unsigned parts;
} asks[] = {{1, 1}, {20, 3}, {0, 2}, {9000, 2}, {1100000, 1}, {300, 1}};
#define N_ASKS (sizeof asks / sizeof asks[0])

/* This side asks (REQ, or DEALER with envelope), the peer REP echoes. */
static void we_ask (int type, const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], script[64];
    struct ip_peer peer;
    unsigned i;
    int envelope = type == ZMQ_DEALER;
    void *s = TU_SOCKET (ctx, type);
    IP_CASE (envelope ? "DEALER to a reference REP" : "REQ to a reference REP",
             setup);
    snprintf (script, sizeof script, "echo:%u", (unsigned) N_ASKS);
    IP_PAIR_UP (s, &peer, "REP", setup, script, NULL, ep);
    for (i = 0; i < N_ASKS; i++) {
        IP_SEND (s, i, asks[i].size, asks[i].parts, NULL, envelope);
        IP_RECV (s, i, asks[i].size, asks[i].parts, NULL, envelope);
    }
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (s));
    IP_CASE_DONE ();
}

/* This side is the REP; the peer asks as REQ, or as DEALER with the
 * envelope. */
static void we_reply (const char *peer_type, const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], what[64];
    struct ip_peer peer;
    int i, dealer = strcmp (peer_type, "DEALER") == 0;
    void *rep = TU_SOCKET (ctx, ZMQ_REP);
    snprintf (what, sizeof what, "REP to a reference %s", peer_type);
    IP_CASE (what, setup);
    IP_PAIR_UP (rep, &peer, peer_type, setup,
                dealer ? "env,ask:5:64:2,ask:2:9000:3,ask:1:1100000:1"
                       : "ask:5:64:2,ask:2:9000:3,ask:1:1100000:1",
                NULL, ep);
    for (i = 0; i < 8; i++)
        IP_ECHO (rep, NULL);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (rep));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++) {
        we_ask (ZMQ_REQ, &ip_setups[i]);
        we_ask (ZMQ_DEALER, &ip_setups[i]);
        we_reply ("REQ", &ip_setups[i]);
        we_reply ("DEALER", &ip_setups[i]);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
