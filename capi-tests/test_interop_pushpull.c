/* Interop: PUSH/PULL against the reference libzmq in another process,
 * both roles, over tcp:// and ipc://, with either side binding. Many small
 * multipart messages, then large ones (> 8 KiB, > 1 MiB).
 */
#include "interop.h"

static void *ctx;

#define SCRIPT_STEPS "%s:200:40:3,%s:5:9000:1,%s:3:1300000:2"

static void we_push (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], script[128];
    struct ip_peer peer;
    unsigned i;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    IP_CASE ("PUSH to a reference PULL", setup);
    snprintf (script, sizeof script, SCRIPT_STEPS ",say:done", "recv", "recv",
              "recv");
    IP_PAIR_UP (push, &peer, "PULL", setup, script, NULL, ep);
    for (i = 0; i < 200; i++)
        IP_SEND (push, i, 40, 3, NULL, 0);
    for (i = 0; i < 5; i++)
        IP_SEND (push, i, 9000, 1, NULL, 0);
    for (i = 0; i < 3; i++)
        IP_SEND (push, i, 1300000, 2, NULL, 0);
    IP_EXPECT_LINE (&peer, "done");
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (push));
    IP_CASE_DONE ();
}

static void we_pull (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], script[128];
    struct ip_peer peer;
    unsigned i;
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    IP_CASE ("PULL from a reference PUSH", setup);
    snprintf (script, sizeof script, SCRIPT_STEPS ",wait", "send", "send",
              "send");
    IP_PAIR_UP (pull, &peer, "PUSH", setup, script, NULL, ep);
    for (i = 0; i < 200; i++)
        IP_RECV (pull, i, 40, 3, NULL, 0);
    for (i = 0; i < 5; i++)
        IP_RECV (pull, i, 9000, 1, NULL, 0);
    for (i = 0; i < 3; i++)
        IP_RECV (pull, i, 1300000, 2, NULL, 0);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (pull));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++) {
        we_push (&ip_setups[i]);
        we_pull (&ip_setups[i]);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
