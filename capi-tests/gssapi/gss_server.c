/* The GSSAPI server of tools/gssapi-interop.sh: a REP socket with
 * ZMQ_GSSAPI_SERVER=1 bound to ENDPOINT, in the realm of
 * tools/krb5-realm.sh (see gss.h for the exchange).
 *
 *   gss_server ENDPOINT [KEY=VALUE...]
 *     principal=NAME     ZMQ_GSSAPI_PRINCIPAL (default zmqtest@localhost;
 *                        "-" sets none: default acceptor credentials)
 *     principal_nt=N     ZMQ_GSSAPI_PRINCIPAL_NAMETYPE (0, 1, 2)
 *     plaintext=0|1      ZMQ_GSSAPI_PLAINTEXT (default 0: wrapped)
 *     count=N            requests to answer (default 3)
 *     size=N             size of each request's middle part (default 100000)
 *     expect=ok|fail     fail: pass if no request arrives before the
 *                        deadline or a handshake failure (default ok)
 *     zap=none|allow|deny  a ZAP handler on inproc://zeromq.zap.01 that
 *                        checks the request (mechanism "GSSAPI") and
 *                        answers 200 or 400 (default none: no handler)
 *     zap_user=NAME      the credentials frame the ZAP request must carry
 *                        (the client principal's display name)
 *     timeout=MS         the deadline of the whole run (default 10000)
 *     handshake_ivl=MS   ZMQ_HANDSHAKE_IVL (default 3000)
 * Prints READY on stdout once bound, then "ok: ..." when passed.
 */
#include "gss.h"

static void zap_answer (void *zap, const char *policy, const char *want_user,
                        int *requests)
{
    char frames[8][512];
    int lens[8], n = 0, more = 1;
    const char *status;
    while (more) {
        GSS_CHECK (n < 8, "ZAP request of over 7 frames");
        lens[n] = gss_recv_part (zap, frames[n], sizeof frames[n] - 1, &more);
        GSS_CHECK (lens[n] >= 0, "ZAP request cut short");
        frames[n][lens[n]] = 0;
        n++;
    }
    /* version, request id, domain, address, routing id, mechanism,
     * credentials... */
    GSS_CHECK (n == 7, "ZAP request of %d frames, not 7", n);
    GSS_CHECK (strcmp (frames[0], "1.0") == 0, "ZAP version %s", frames[0]);
    GSS_CHECK (strcmp (frames[5], "GSSAPI") == 0, "ZAP mechanism \"%s\"",
               frames[5]);
    fprintf (stderr,
             "zap: domain \"%s\" address \"%s\" mechanism \"%s\" credentials "
             "\"%s\" (%d bytes)\n",
             frames[2], frames[3], frames[5], frames[6], lens[6]);
    if (want_user)
        GSS_CHECK (strcmp (frames[6], want_user) == 0,
                   "ZAP credentials \"%s\", not \"%s\"", frames[6], want_user);
    (*requests)++;
    status = strcmp (policy, "deny") == 0 ? "400" : "200";
    GSS_OK (zmq_send (zap, "1.0", 3, ZMQ_SNDMORE));
    GSS_OK (zmq_send (zap, frames[1], (size_t) lens[1], ZMQ_SNDMORE));
    GSS_OK (zmq_send (zap, status, 3, ZMQ_SNDMORE));
    GSS_OK (zmq_send (zap, "", 0, ZMQ_SNDMORE));
    GSS_OK (zmq_send (zap, frames[6], (size_t) lens[6], ZMQ_SNDMORE));
    GSS_OK (zmq_send (zap, "", 0, 0));
}

int main (int argc, char **argv)
{
    const char *endpoint, *principal, *expect, *zap_policy, *zap_user;
    int count, size, timeout, fail, handled = 0, zap_requests = 0;
    int64_t deadline;
    struct gss_events ev = {0};
    void *ctx, *rep, *mon, *zap = NULL;
    unsigned char *buf;

    if (argc < 2) {
        fprintf (stderr, "usage: gss_server ENDPOINT [KEY=VALUE...]\n");
        return 2;
    }
    endpoint = argv[1];
    gss_argc = argc - 2;
    gss_argv = argv + 2;
    gss_require ("gss_server");
    principal = gss_arg ("principal", "zmqtest@localhost");
    expect = gss_arg ("expect", "ok");
    zap_policy = gss_arg ("zap", "none");
    zap_user = gss_arg ("zap_user", NULL);
    count = gss_arg_int ("count", 3);
    size = gss_arg_int ("size", 100000);
    timeout = gss_arg_int ("timeout", 10000);
    fail = strcmp (expect, "fail") == 0;
    buf = malloc ((size_t) size + 64);
    GSS_CHECK (buf != NULL, "malloc");

    ctx = zmq_ctx_new ();
    GSS_CHECK (ctx != NULL, "zmq_ctx_new");
    if (strcmp (zap_policy, "none") != 0) {
        zap = zmq_socket (ctx, ZMQ_REP);
        GSS_OK (zmq_bind (zap, "inproc://zeromq.zap.01"));
    }
    rep = zmq_socket (ctx, ZMQ_REP);
    GSS_CHECK (rep != NULL, "zmq_socket");
    {
        int zero = 0, rcv = 1000;
        GSS_OK (zmq_setsockopt (rep, ZMQ_LINGER, &zero, sizeof zero));
        GSS_OK (zmq_setsockopt (rep, ZMQ_RCVTIMEO, &rcv, sizeof rcv));
        GSS_OK (zmq_setsockopt (rep, ZMQ_SNDTIMEO, &rcv, sizeof rcv));
    }
    {
        /* principal= defaults to the service: gss_setup reads it from the
         * arguments, so add it when absent. */
        static char *args[64];
        static char pbuf[300];
        int i, n = 0;
        for (i = 0; i < gss_argc && n < 62; i++)
            if (strncmp (gss_argv[i], "principal=", 10) != 0)
                args[n++] = gss_argv[i];
        if (strcmp (principal, "-") != 0) {
            snprintf (pbuf, sizeof pbuf, "principal=%s", principal);
            args[n++] = pbuf;
        }
        gss_argv = args;
        gss_argc = n;
    }
    gss_setup (rep, 1);
    mon = gss_monitor (ctx, rep, "server");
    GSS_OK (zmq_bind (rep, endpoint));
    printf ("READY\n");
    fflush (stdout);

    deadline = gss_now_ms () + timeout;
    while (handled < count && gss_now_ms () < deadline) {
        zmq_pollitem_t items[3] = {{rep, 0, ZMQ_POLLIN, 0},
                                   {mon, 0, ZMQ_POLLIN, 0},
                                   {zap, 0, ZMQ_POLLIN, 0}};
        int left = (int) (deadline - gss_now_ms ());
        GSS_OK (zmq_poll (items, zap ? 3 : 2, left > 0 ? left : 0));
        if (items[1].revents)
            gss_drain_events (mon, &ev);
        if (zap && items[2].revents)
            zap_answer (zap, zap_policy, zap_user, &zap_requests);
        if (fail && ev.failed > 0)
            break;
        if (items[0].revents) {
            char head[64], want[64];
            int more, n, m;
            n = gss_recv_part (rep, head, sizeof head - 1, &more);
            GSS_CHECK (n >= 0 && more, "request head");
            GSS_CHECK (!fail, "a request arrived though the handshake should "
                              "have failed");
            head[n] = 0;
            snprintf (want, sizeof want, "req %d", handled);
            GSS_CHECK (strcmp (head, want) == 0, "request \"%s\", not \"%s\"",
                       head, want);
            m = gss_recv_part (rep, buf, (size_t) size + 64, &more);
            GSS_CHECK (m == size && more, "request %d body of %d bytes",
                       handled, m);
            for (n = 0; n < size; n++)
                GSS_CHECK (buf[n] == gss_pattern ((unsigned) handled, (size_t) n),
                           "request %d body byte %d", handled, n);
            n = gss_recv_part (rep, head, sizeof head, &more);
            GSS_CHECK (n == 0 && !more, "request %d tail", handled);
            snprintf (want, sizeof want, "rep %d", handled);
            GSS_OK (zmq_send (rep, "", 0, ZMQ_SNDMORE));
            GSS_OK (zmq_send (rep, buf, (size_t) size, ZMQ_SNDMORE));
            GSS_OK (zmq_send (rep, want, strlen (want), 0));
            handled++;
        }
    }
    /* The last reply out before the socket closes (linger 0). */
    if (!fail) {
        int64_t until = gss_now_ms () + 300;
        while (gss_now_ms () < until) {
            zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
            zmq_poll (&item, 1, 50);
            gss_drain_events (mon, &ev);
        }
    }
    gss_drain_events (mon, &ev);
    gss_print_events ("server", &ev);
    if (zap)
        fprintf (stderr, "server: %d ZAP requests\n", zap_requests);
    if (fail) {
        GSS_CHECK (handled == 0, "%d requests got through", handled);
        GSS_CHECK (ev.succeeded == 0 || zap_requests > 0,
                   "a handshake succeeded without ZAP");
        printf ("ok: server refused: no request delivered, %d handshake "
                "failures (last 0x%x), %d ZAP requests\n",
                ev.failed, ev.last_failure, zap_requests);
    } else {
        GSS_CHECK (handled == count, "%d of %d requests answered in %d ms",
                   handled, count, timeout);
        GSS_CHECK (ev.succeeded >= 1, "no HANDSHAKE_SUCCEEDED event");
        if (strcmp (zap_policy, "allow") == 0)
            GSS_CHECK (zap_requests >= 1, "no ZAP request");
        printf ("ok: server answered %d requests of 3 parts (%d B), "
                "plaintext=%d, %d ZAP requests\n",
                handled, size, gss_arg_int ("plaintext", 0), zap_requests);
    }
    zmq_close (mon);
    zmq_close (rep);
    if (zap)
        zmq_close (zap);
    zmq_ctx_term (ctx);
    free (buf);
    return 0;
}
