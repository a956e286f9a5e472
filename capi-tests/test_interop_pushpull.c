/* Interop: PUSH/PULL against the reference libzmq in another process,
 * both roles, over tcp:// and ipc://, with either side binding. Many small
 * multipart messages, then large ones (> 8 KiB, > 1 MiB).
 */
#include "interop.h"

static void *ctx;

#define SCRIPT_STEPS "%s:200:40:3,%s:5:9000:1,%s:3:1300000:2"

/* The messages of SCRIPT_STEPS: {count, size, parts}, each step numbering
 * its messages from 0. */
static const struct
{
    unsigned count;
    size_t size;
    unsigned parts;
} steps[] = {{200, 40, 3}, {5, 9000, 1}, {3, 1300000, 2}};

/* we_push: our PUSH sends to a reference PULL, which says "done" once it
 * has checked everything; else our PULL receives and checks what a
 * reference PUSH sends. */
static void run_case (const struct ip_setup *setup, int we_push)
{
    char ep[TU_ENDPOINT_MAX], script[128];
    struct ip_peer peer;
    size_t i;
    unsigned k;
    const char *peer_does = we_push ? "recv" : "send";
    void *s = TU_SOCKET (ctx, we_push ? ZMQ_PUSH : ZMQ_PULL);
    IP_CASE (we_push ? "PUSH to a reference PULL"
                     : "PULL from a reference PUSH",
             setup);
    snprintf (script, sizeof script, SCRIPT_STEPS ",%s", peer_does,
              peer_does, peer_does, we_push ? "say:done" : "wait");
    IP_PAIR_UP (s, &peer, we_push ? "PULL" : "PUSH", setup, script, NULL, ep);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
        for (k = 0; k < steps[i].count; k++) {
            if (we_push)
                IP_SEND (s, k, steps[i].size, steps[i].parts, NULL, 0);
            else
                IP_RECV (s, k, steps[i].size, steps[i].parts, NULL, 0);
        }
    if (we_push)
        IP_EXPECT_LINE (&peer, "done");
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (s));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++) {
        run_case (&ip_setups[i], 1);
        run_case (&ip_setups[i], 0);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
