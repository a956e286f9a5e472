/* Interop: PAIR against the reference libzmq in another process, over
 * tcp:// and ipc://, with either side binding. Multipart messages, empty
 * frames, and large messages (> 8 KiB, > 1 MiB) both ways.
 *
 * The peer is capi-tests/interop/peer.c (see interop.h); this process uses
 * the library under test. In reference mode both ends are the reference.
 */
#include "interop.h"

static void *ctx;

/* What this side sends (and the peer echoes): {size, parts}. */
static const struct
{
    size_t size;
    unsigned parts;
} msgs[] = {{5, 1},    {0, 1},        {10, 3},      {255, 2},
            {256, 1},  {8193, 2},     {65536, 1},   {(1u << 20) + 7, 1},
            {3000, 4}, {(3u << 20), 1}};
#define N_MSGS (sizeof msgs / sizeof msgs[0])

static void run_case (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], script[128];
    struct ip_peer peer;
    unsigned i;
    void *pair = TU_SOCKET (ctx, ZMQ_PAIR);
    IP_CASE ("PAIR", setup);
    /* The peer echoes ours, then asks its own: 2-part 9000-byte ones. */
    snprintf (script, sizeof script, "echo:%u,ask:4:9000:2,ask:1:1200000:1",
              (unsigned) N_MSGS);
    IP_PAIR_UP (pair, &peer, "PAIR", setup, script, NULL, ep);
    for (i = 0; i < N_MSGS; i++) {
        IP_SEND (pair, i, msgs[i].size, msgs[i].parts, NULL, 0);
        IP_RECV (pair, i, msgs[i].size, msgs[i].parts, NULL, 0);
    }
    for (i = 0; i < 5; i++)
        IP_ECHO (pair, NULL);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (pair));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++)
        run_case (&ip_setups[i]);
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
