/* Interop: PUB/SUB and XPUB/XSUB against the reference libzmq in another
 * process, both roles, over tcp:// and ipc://, with either side binding.
 * Subscriptions travel both ways (the subscriber only gets its topic; an
 * XPUB sees the subscribe and cancel messages), messages are multipart,
 * and one run carries > 1 MiB messages.
 *
 * A plain PUB cannot tell when a subscription has arrived, so the
 * publisher sends "probes" (see interop.h) until the subscriber has seen
 * one, then the real messages; probes left in flight are skipped.
 */
#include "interop.h"

static void *ctx;

/* Send probes until the peer says it has seen one. */
static void probe_until_synced (void *pub, struct ip_peer *peer,
                                const char *topic)
{
    char line[64];
    long long deadline = tu_now_ms () + 5000;
    for (;;) {
        CHECK (tu_now_ms () < deadline);
        CHECK_RC (ip_send_probe (pub, topic));
        if (ip_read_line (peer, line, sizeof line, 10)) {
            CHECK_STREQ (line, "synced");
            return;
        }
    }
}

static void we_publish (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    unsigned i;
    void *pub = TU_SOCKET (ctx, ZMQ_PUB);
    IP_CASE ("PUB to a reference SUB", setup);
    IP_PAIR_UP (pub, &peer, "SUB", setup,
                "sub:news,syncrecv:news,recv:50:64:2:news,"
                "recv:2:1100000:1:news,say:done",
                NULL, ep);
    probe_until_synced (pub, &peer, "news");
    /* Each wanted message follows an unwanted one on another topic. */
    for (i = 0; i < 50; i++) {
        CHECK_RC (ip_send_msg (pub, i, 64, 1, "other", 0));
        IP_SEND (pub, i, 64, 2, "news", 0);
    }
    for (i = 0; i < 2; i++) {
        CHECK_RC (ip_send_msg (pub, i, 1100000, 1, "sports", 0));
        IP_SEND (pub, i, 1100000, 1, "news", 0);
    }
    IP_EXPECT_LINE (&peer, "done");
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (pub));
    IP_CASE_DONE ();
}

static void we_subscribe (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    unsigned i;
    void *sub = TU_SOCKET (ctx, ZMQ_SUB);
    IP_CASE ("SUB to a reference PUB", setup);
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "news", 4));
    IP_PAIR_UP (sub, &peer, "PUB", setup,
                "syncsend:news,send:50:64:2:news:other,"
                "send:2:1100000:1:news:sports,wait",
                NULL, ep);
    IP_AWAIT_PROBE (sub, "news");
    ip_tell (&peer);
    for (i = 0; i < 50; i++)
        IP_RECV (sub, i, 64, 2, "news", 0);
    for (i = 0; i < 2; i++)
        IP_RECV (sub, i, 1100000, 1, "news", 0);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (sub));
    IP_CASE_DONE ();
}

static void we_xpublish (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    unsigned i;
    void *xpub = TU_SOCKET (ctx, ZMQ_XPUB);
    IP_CASE ("XPUB to a reference XSUB", setup);
    IP_PAIR_UP (xpub, &peer, "XSUB", setup,
                "sub:alpha,recv:30:100:3:alpha,unsub:alpha,wait", NULL, ep);
    /* The subscription arrives as a message. */
    RECV_BYTES (xpub, "\1alpha", 6);
    for (i = 0; i < 30; i++) {
        CHECK_RC (ip_send_msg (xpub, i, 100, 1, "beta", 0));
        IP_SEND (xpub, i, 100, 3, "alpha", 0);
    }
    RECV_BYTES (xpub, "\0alpha", 6);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (xpub));
    IP_CASE_DONE ();
}

static void we_xsubscribe (const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    unsigned i;
    void *xsub = TU_SOCKET (ctx, ZMQ_XSUB);
    IP_CASE ("XSUB to a reference XPUB", setup);
    IP_PAIR_UP (xsub, &peer, "XPUB", setup,
                "expectsub:alpha,send:30:100:3:alpha:beta,say:sent,wait",
                NULL, ep);
    SEND_BYTES (xsub, "\1alpha", 6, 0);
    for (i = 0; i < 30; i++)
        IP_RECV (xsub, i, 100, 3, "alpha", 0);
    IP_EXPECT_LINE (&peer, "sent");
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (xsub));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++) {
        we_publish (&ip_setups[i]);
        we_subscribe (&ip_setups[i]);
        we_xpublish (&ip_setups[i]);
        we_xsubscribe (&ip_setups[i]);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
