/* Interop: DEALER/ROUTER and REQ/ROUTER against the reference libzmq in
 * another process, each role on each side, over tcp:// and ipc://, with
 * either side binding. The ROUTER checks the routing id its peer chose
 * (ZMQ_ROUTING_ID travels in the handshake) and echoes messages back
 * through it; REQ's empty delimiter passes through untouched.
 */
#include "interop.h"

static void *ctx;

/* This side asks (DEALER or REQ, with a routing id); the peer ROUTER
 * checks the id and echoes. */
static void we_ask (int type, const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX];
    struct ip_peer peer;
    unsigned i;
    int req = type == ZMQ_REQ;
    void *s = TU_SOCKET (ctx, type);
    IP_CASE (req ? "REQ to a reference ROUTER" : "DEALER to a reference ROUTER",
             setup);
    CHECK_RC (zmq_setsockopt (s, ZMQ_ROUTING_ID, "tester", 6));
    IP_PAIR_UP (s, &peer, "ROUTER", setup, "echo:8:tester", NULL, ep);
    for (i = 0; i < 6; i++) {
        IP_SEND (s, i, 50, 3, NULL, 0);
        IP_RECV (s, i, 50, 3, NULL, 0);
    }
    IP_SEND (s, 6, 9000, 2, NULL, 0);
    IP_RECV (s, 6, 9000, 2, NULL, 0);
    IP_SEND (s, 7, 1100000, 1, NULL, 0);
    IP_RECV (s, 7, 1100000, 1, NULL, 0);
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (s));
    IP_CASE_DONE ();
}

/* This side is the ROUTER; the peer asks as DEALER or REQ with a routing
 * id. The ROUTER sees [id][...] (REQ adds an empty delimiter) and echoes
 * the whole message. */
static void we_route (const char *peer_type, const struct ip_setup *setup)
{
    char ep[TU_ENDPOINT_MAX], what[64], delim[8];
    struct ip_peer peer;
    zmq_msg_t frames[IP_MAX_FRAMES];
    int i, n, req = strcmp (peer_type, "REQ") == 0;
    void *router = TU_SOCKET (ctx, ZMQ_ROUTER);
    snprintf (what, sizeof what, "ROUTER to a reference %s", peer_type);
    IP_CASE (what, setup);
    IP_PAIR_UP (router, &peer, peer_type, setup,
                "ask:6:50:3,ask:1:9000:2,ask:1:1100000:1", "id=peer-7", ep);
    for (i = 0; i < 8; i++) {
        /* Look at the envelope of the first one; echo them all. */
        if (i == 0) {
            RECV_STR (router, "peer-7");
            CHECK_MORE (router);
            if (req) {
                CHECK_EQ (RECV_FRAME (router, delim, sizeof delim), 0);
                CHECK_MORE (router);
            }
            n = ip_recv_frames (router, frames);
            CHECK_EQ (n, 3);
            {
                char why[200];
                if (ip_check_frames (frames, n, 0, 0, 50, 3, NULL, why,
                                     sizeof why)
                    != 0)
                    tu_fail (__FILE__, __LINE__, "first request", why);
            }
            SEND_STR (router, "peer-7", ZMQ_SNDMORE);
            if (req)
                SEND_BYTES (router, "", 0, ZMQ_SNDMORE);
            {
                int k;
                for (k = 0; k < n; k++)
                    CHECK_RC (zmq_msg_send (&frames[k], router,
                                            k + 1 < n ? ZMQ_SNDMORE : 0));
            }
        } else
            IP_ECHO (router, "peer-7");
    }
    IP_FINISH (&peer);
    CHECK_RC (zmq_close (router));
    IP_CASE_DONE ();
}

int main (void)
{
    int i;
    ctx = CHECK_PTR (zmq_ctx_new ());
    for (i = 0; i < 4; i++) {
        we_ask (ZMQ_DEALER, &ip_setups[i]);
        we_ask (ZMQ_REQ, &ip_setups[i]);
        we_route ("DEALER", &ip_setups[i]);
        we_route ("REQ", &ip_setups[i]);
    }
    CHECK_RC (zmq_ctx_term (ctx));
    return 0;
}
