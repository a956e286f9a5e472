/* The GSSAPI client of tools/gssapi-interop.sh: a REQ socket with
 * ZMQ_GSSAPI_SERVICE_PRINCIPAL set, connected to ENDPOINT, in the realm of
 * tools/krb5-realm.sh (see gss.h for the exchange).
 *
 *   gss_client ENDPOINT [KEY=VALUE...]
 *     service=NAME       ZMQ_GSSAPI_SERVICE_PRINCIPAL
 *                        (default zmqtest@localhost)
 *     service_nt=N       ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE (0, 1, 2)
 *     principal=NAME     ZMQ_GSSAPI_PRINCIPAL (default: not set, the
 *                        default credentials of KRB5CCNAME)
 *     principal_nt=N     ZMQ_GSSAPI_PRINCIPAL_NAMETYPE
 *     plaintext=0|1      ZMQ_GSSAPI_PLAINTEXT (default 0: wrapped)
 *     count=N, size=N    as the server's
 *     expect=ok|fail     fail: pass if no reply arrives before the deadline
 *                        and no handshake succeeded (default ok)
 *     handshake=fail|any with expect=fail: whether this end must also see
 *                        its handshake fail (default fail; any: a server
 *                        that refuses after its ZAP handler said 400 still
 *                        sends READY in libzmq 4.3.4, so its client sees
 *                        HANDSHAKE_SUCCEEDED, and only delivery is checked)
 *     timeout=MS         the deadline of the whole run (default 10000)
 *     handshake_ivl=MS   ZMQ_HANDSHAKE_IVL (default 3000)
 * Prints "ok: ..." when passed.
 */
#include "gss.h"

int main (int argc, char **argv)
{
    const char *endpoint, *expect;
    int count, size, timeout, fail, seq, got = 0, i;
    int64_t deadline;
    struct gss_events ev = {0};
    void *ctx, *req, *mon;
    unsigned char *buf;

    if (argc < 2) {
        fprintf (stderr, "usage: gss_client ENDPOINT [KEY=VALUE...]\n");
        return 2;
    }
    endpoint = argv[1];
    gss_argc = argc - 2;
    gss_argv = argv + 2;
    gss_require ("gss_client");
    expect = gss_arg ("expect", "ok");
    count = gss_arg_int ("count", 3);
    size = gss_arg_int ("size", 100000);
    timeout = gss_arg_int ("timeout", 10000);
    fail = strcmp (expect, "fail") == 0;
    buf = malloc ((size_t) size + 64);
    GSS_CHECK (buf != NULL, "malloc");

    ctx = zmq_ctx_new ();
    GSS_CHECK (ctx != NULL, "zmq_ctx_new");
    req = zmq_socket (ctx, ZMQ_REQ);
    GSS_CHECK (req != NULL, "zmq_socket");
    {
        int zero = 0, t = 1000;
        GSS_OK (zmq_setsockopt (req, ZMQ_LINGER, &zero, sizeof zero));
        GSS_OK (zmq_setsockopt (req, ZMQ_RCVTIMEO, &t, sizeof t));
        GSS_OK (zmq_setsockopt (req, ZMQ_SNDTIMEO, &t, sizeof t));
    }
    gss_setup (req, 0);
    mon = gss_monitor (ctx, req, "client");
    GSS_OK (zmq_connect (req, endpoint));

    deadline = gss_now_ms () + timeout;
    for (seq = 0; seq < count && gss_now_ms () < deadline; seq++) {
        char head[64];
        int replied = 0;
        snprintf (head, sizeof head, "req %d", seq);
        for (i = 0; i < size; i++)
            buf[i] = gss_pattern ((unsigned) seq, (size_t) i);
        GSS_OK (zmq_send (req, head, strlen (head), ZMQ_SNDMORE));
        GSS_OK (zmq_send (req, buf, (size_t) size, ZMQ_SNDMORE));
        GSS_OK (zmq_send (req, "", 0, 0));
        while (!replied && gss_now_ms () < deadline) {
            zmq_pollitem_t items[2] = {{req, 0, ZMQ_POLLIN, 0},
                                       {mon, 0, ZMQ_POLLIN, 0}};
            int left = (int) (deadline - gss_now_ms ());
            GSS_OK (zmq_poll (items, 2, left > 0 ? left : 0));
            if (items[1].revents)
                gss_drain_events (mon, &ev);
            if (fail && ev.failed > 0)
                goto done;
            if (items[0].revents) {
                char want[64];
                int more, n;
                GSS_CHECK (!fail, "a reply arrived though the handshake "
                                  "should have failed");
                n = gss_recv_part (req, head, sizeof head, &more);
                GSS_CHECK (n == 0 && more, "reply %d head", seq);
                n = gss_recv_part (req, buf, (size_t) size + 64, &more);
                GSS_CHECK (n == size && more, "reply %d body of %d bytes", seq,
                           n);
                for (i = 0; i < size; i++)
                    GSS_CHECK (buf[i] == gss_pattern ((unsigned) seq, (size_t) i),
                               "reply %d body byte %d", seq, i);
                n = gss_recv_part (req, head, sizeof head - 1, &more);
                GSS_CHECK (n >= 0 && !more, "reply %d tail", seq);
                head[n] = 0;
                snprintf (want, sizeof want, "rep %d", seq);
                GSS_CHECK (strcmp (head, want) == 0, "reply \"%s\", not \"%s\"",
                           head, want);
                replied = 1;
                got++;
            }
        }
        if (!replied)
            break;
    }
done:
    gss_drain_events (mon, &ev);
    gss_print_events ("client", &ev);
    if (fail) {
        GSS_CHECK (got == 0, "%d replies got through", got);
        if (strcmp (gss_arg ("handshake", "fail"), "fail") == 0)
            GSS_CHECK (ev.succeeded == 0, "the handshake succeeded");
        printf ("ok: client refused: no reply, %d handshake failures "
                "(last 0x%x)\n",
                ev.failed, ev.last_failure);
    } else {
        GSS_CHECK (got == count, "%d of %d replies in %d ms", got, count,
                   timeout);
        GSS_CHECK (ev.succeeded >= 1, "no HANDSHAKE_SUCCEEDED event");
        printf ("ok: client got %d replies of 3 parts (%d B), plaintext=%d\n",
                got, size, gss_arg_int ("plaintext", 0));
    }
    zmq_close (mon);
    zmq_close (req);
    zmq_ctx_term (ctx);
    free (buf);
    return 0;
}
