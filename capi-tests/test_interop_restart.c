/* Interop: a peer restart, with the reference libzmq in other processes,
 * over tcp:// and ipc://.
 * - A reference PULL bound on an endpoint exits; a new one binds the SAME
 *   endpoint; our connected PUSH delivers what it queued meanwhile.
 * - A reference PUB is killed (SIGKILL) and restarted on the same
 *   endpoint; our SUB reconnects and re-sends its subscription.
 * - Our bound ROUTER is closed and a new one binds the same endpoint; the
 *   reference DEALER reconnects and its next request is answered.
 */
#include "interop.h"

static void *ctx;

static void pull_restarts (const char *transport)
{
    char spec[TU_ENDPOINT_MAX], ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    struct ip_setup setup;
    unsigned i;
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    void *events = TU_MONITOR (ctx, push, ZMQ_EVENT_DISCONNECTED);
    setup.transport = transport;
    setup.peer_binds = 1;
    IP_CASE ("restart of a reference PULL", &setup);
    ip_bind_spec (transport, spec, sizeof spec);
    IP_START (&peer, "PULL", "bind", spec, "recv:3:100:2", NULL);
    snprintf (ep, sizeof ep, "%s", peer.endpoint);
    CHECK_RC (zmq_connect (push, ep));
    for (i = 0; i < 3; i++)
        IP_SEND (push, i, 100, 2, NULL, 0);
    IP_FINISH (&peer); /* it received all three, then exited */
    EXPECT_EVENT (events, ZMQ_EVENT_DISCONNECTED, NULL);

    /* Queued while nobody is there. */
    for (i = 0; i < 5; i++)
        IP_SEND (push, i, 9000, 1, NULL, 0);
    IP_START (&peer, "PULL", "bind", ep, "recv:5:9000:1,recv:2:64:1", NULL);
    CHECK_STREQ (peer.endpoint, ep);
    for (i = 0; i < 2; i++)
        IP_SEND (push, i, 64, 1, NULL, 0);
    IP_FINISH (&peer);
    CLOSE_MONITOR (push, events);
    CHECK_RC (zmq_close (push));
    IP_CASE_DONE ();
}

static void pub_crashes (const char *transport)
{
    static const char *script = "syncsend:t,send:10:30:2:t:u,wait";
    char spec[TU_ENDPOINT_MAX], ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    struct ip_setup setup;
    unsigned i;
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    setup.transport = transport;
    setup.peer_binds = 1;
    IP_CASE ("crash of a reference PUB", &setup);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t", 1));
    ip_bind_spec (transport, spec, sizeof spec);
    IP_START (&peer, "PUB", "bind", spec, script, NULL);
    snprintf (ep, sizeof ep, "%s", peer.endpoint);
    CHECK_RC (zmq_connect (sub, ep));
    IP_AWAIT_PROBE (sub, "t");
    ip_tell (&peer);
    for (i = 0; i < 10; i++)
        IP_RECV (sub, i, 30, 2, "t", 0);
    ip_kill (&peer);

    IP_START (&peer, "PUB", "bind", ep, script, NULL);
    IP_AWAIT_PROBE (sub, "t");
    ip_tell (&peer);
    for (i = 0; i < 10; i++)
        IP_RECV (sub, i, 30, 2, "t", 0);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (sub));
    IP_CASE_DONE ();
}

static void router_restarts (const char *transport)
{
    char spec[TU_ENDPOINT_MAX], ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    struct ip_setup setup;
    void *events, *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    setup.transport = transport;
    setup.peer_binds = 0;
    IP_CASE ("restart of our ROUTER", &setup);
    ip_bind_spec (transport, spec, sizeof spec);
    BIND_ANY (router, spec, ep);
    IP_START (&peer, "DEALER", "connect", ep,
              "ask:2:40:2,say:asked,wait,ask:3:40:2", "id=dealer-1");
    IP_ECHO (router, "dealer-1");
    IP_ECHO (router, "dealer-1");
    IP_EXPECT_LINE (&peer, "asked");
    CHECK_RC (zmq_close (router));

    router = TU_SOCKET (ctx, ZMQ_ROUTER);
    events = TU_MONITOR (ctx, router, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    REBIND (router, ep);
    /* The reference DEALER finds the new ROUTER by itself. */
    EXPECT_EVENT (events, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL);
    ip_tell (&peer);
    IP_ECHO (router, "dealer-1");
    IP_ECHO (router, "dealer-1");
    IP_ECHO (router, "dealer-1");
    IP_FINISH (&peer);
    CLOSE_MONITOR (router, events);
    CHECK_RC (zmq_close (router));
    IP_CASE_DONE ();
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    pull_restarts ("tcp");
    pull_restarts ("ipc");
    pub_crashes ("tcp");
    pub_crashes ("ipc");
    router_restarts ("tcp");
    router_restarts ("ipc");
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
