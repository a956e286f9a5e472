/* Shared by capi-tests/gssapi/gss_server.c and gss_client.c, the programs
 * that tools/gssapi-interop.sh runs inside the throwaway Kerberos realm of
 * tools/krb5-realm.sh (its KRB5_* environment selects the keytabs and the
 * ticket cache; the programs only name principals).
 *
 * The exchange: REQ (client, connects) to REP (server, binds) over tcp,
 * COUNT requests of three parts each (a short one, one of SIZE bytes and
 * an empty one, so that the MORE flag and a large wrapped message are
 * exercised); the server checks every part and answers with the same three
 * parts reversed in order, which the client checks in turn.
 *
 * Both ends watch their own socket's monitor (events printed as "event:
 * NAME value" lines on stderr) and, with expect=fail, pass only if no
 * message got through and a handshake failure was seen (or, failing any
 * event, the deadline passed without a HANDSHAKE_SUCCEEDED).
 *
 * Arguments are KEY=VALUE words after the endpoint (gss_arg). Only the
 * plain libzmq API is used; nothing waits without a deadline. A failed
 * check prints where and why and exits 1; a program that returns 0
 * printed "ok: ...". Exit 77: the library has no GSSAPI (zmq_has).
 */
#ifndef CAPI_GSS_H
#define CAPI_GSS_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

static inline void gss_fail (const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf (stderr, "%s:%d: check failed: ", file, line);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    fflush (stderr);
    exit (1);
}

#define GSS_CHECK(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond))                                                           \
            gss_fail (__FILE__, __LINE__, __VA_ARGS__);                        \
    } while (0)

/* A libzmq call that must return >= 0. */
#define GSS_OK(call)                                                           \
    do {                                                                       \
        if ((call) < 0)                                                        \
            gss_fail (__FILE__, __LINE__, "%s: %s (errno %d)", #call,          \
                      zmq_strerror (zmq_errno ()), zmq_errno ());              \
    } while (0)

static inline int64_t gss_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- arguments: KEY=VALUE words --------------------------------------- */

static int gss_argc;
static char **gss_argv;

/* The value of KEY, or DEF. */
static inline const char *gss_arg (const char *key, const char *def)
{
    size_t n = strlen (key);
    int i;
    for (i = 0; i < gss_argc; i++)
        if (strncmp (gss_argv[i], key, n) == 0 && gss_argv[i][n] == '=')
            return gss_argv[i] + n + 1;
    return def;
}

static inline int gss_arg_int (const char *key, int def)
{
    const char *v = gss_arg (key, NULL);
    return v ? atoi (v) : def;
}

/* ---- options ---------------------------------------------------------- */

/* Sets a string option (length without the NUL, as most applications do;
 * libzmq's own test passes strlen + 1) and reads it back. */
static inline void gss_set_string (void *s, int opt, const char *name,
                                   const char *value)
{
    char buf[256];
    size_t len = sizeof buf;
    GSS_CHECK (zmq_setsockopt (s, opt, value, strlen (value)) == 0,
               "setsockopt %s \"%s\": %s", name, value,
               zmq_strerror (zmq_errno ()));
    GSS_CHECK (zmq_getsockopt (s, opt, buf, &len) == 0, "getsockopt %s: %s",
               name, zmq_strerror (zmq_errno ()));
    GSS_CHECK (len == strlen (value) + 1 && memcmp (buf, value, len) == 0,
               "getsockopt %s gave %zu bytes \"%.*s\", not \"%s\" and its NUL",
               name, len, (int) len, buf, value);
}

static inline void gss_set_int (void *s, int opt, const char *name, int value)
{
    int got = -1;
    size_t len = sizeof got;
    GSS_CHECK (zmq_setsockopt (s, opt, &value, sizeof value) == 0,
               "setsockopt %s %d: %s", name, value,
               zmq_strerror (zmq_errno ()));
    GSS_CHECK (zmq_getsockopt (s, opt, &got, &len) == 0, "getsockopt %s: %s",
               name, zmq_strerror (zmq_errno ()));
    GSS_CHECK (len == sizeof got && got == value,
               "getsockopt %s gave %d, not %d", name, got, value);
}

static inline int gss_get_int (void *s, int opt)
{
    int v = -1;
    size_t len = sizeof v;
    GSS_OK (zmq_getsockopt (s, opt, &v, &len));
    return v;
}

/* Exits 77 with a SKIPPED line when the library has no GSSAPI. */
static inline void gss_require (const char *who)
{
    if (!zmq_has ("gssapi")) {
        printf ("SKIPPED: %s: zmq_has(\"gssapi\") is false\n", who);
        exit (77);
    }
}

/* The GSSAPI options from the arguments: principal=, principal_nt=,
 * plaintext=, and for a client service=, service_nt=. Every value is read
 * back with getsockopt. */
static inline void gss_setup (void *s, int server)
{
    const char *principal = gss_arg ("principal", NULL);
    const char *pnt = gss_arg ("principal_nt", NULL);
    int plaintext = gss_arg_int ("plaintext", 0);

    /* Before any GSSAPI option: the defaults. */
    GSS_CHECK (gss_get_int (s, ZMQ_MECHANISM) == ZMQ_NULL, "mechanism");
    GSS_CHECK (gss_get_int (s, ZMQ_GSSAPI_SERVER) == 0, "default server");
    GSS_CHECK (gss_get_int (s, ZMQ_GSSAPI_PLAINTEXT) == 0, "default plaintext");
    GSS_CHECK (gss_get_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE)
                 == ZMQ_GSSAPI_NT_HOSTBASED,
               "default principal nametype");
    GSS_CHECK (gss_get_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE)
                 == ZMQ_GSSAPI_NT_HOSTBASED,
               "default service principal nametype");

    if (server)
        gss_set_int (s, ZMQ_GSSAPI_SERVER, "ZMQ_GSSAPI_SERVER", 1);
    else {
        gss_set_string (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL,
                        "ZMQ_GSSAPI_SERVICE_PRINCIPAL",
                        gss_arg ("service", "zmqtest@localhost"));
        gss_set_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
                     "ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE",
                     gss_arg_int ("service_nt", ZMQ_GSSAPI_NT_HOSTBASED));
        GSS_CHECK (gss_get_int (s, ZMQ_GSSAPI_SERVER) == 0, "client is server");
    }
    if (pnt)
        gss_set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                     "ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", atoi (pnt));
    if (principal)
        gss_set_string (s, ZMQ_GSSAPI_PRINCIPAL, "ZMQ_GSSAPI_PRINCIPAL",
                        principal);
    gss_set_int (s, ZMQ_GSSAPI_PLAINTEXT, "ZMQ_GSSAPI_PLAINTEXT", plaintext);
    GSS_CHECK (gss_get_int (s, ZMQ_MECHANISM) == ZMQ_GSSAPI,
               "ZMQ_MECHANISM is %d, not ZMQ_GSSAPI", gss_get_int (s, ZMQ_MECHANISM));
    {
        int ivl = gss_arg_int ("handshake_ivl", 3000);
        GSS_OK (zmq_setsockopt (s, ZMQ_HANDSHAKE_IVL, &ivl, sizeof ivl));
    }
}

/* ---- the monitor -------------------------------------------------------- */

struct gss_events
{
    int succeeded, failed, failed_no_detail, failed_protocol, failed_auth,
      connected, accepted, disconnected;
    unsigned last_failure;
};

static inline const char *gss_event_name (unsigned e)
{
    switch (e) {
        case ZMQ_EVENT_CONNECTED: return "CONNECTED";
        case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
        case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
        case ZMQ_EVENT_LISTENING: return "LISTENING";
        case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
        case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
        case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
        case ZMQ_EVENT_CLOSED: return "CLOSED";
        case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
        case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
        case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
    }
    return "?";
}

/* A PAIR socket connected to S's monitor. */
static inline void *gss_monitor (void *ctx, void *s, const char *name)
{
    char ep[64];
    void *m;
    snprintf (ep, sizeof ep, "inproc://gss-monitor-%s", name);
    GSS_OK (zmq_socket_monitor (s, ep, ZMQ_EVENT_ALL));
    m = zmq_socket (ctx, ZMQ_PAIR);
    GSS_CHECK (m != NULL, "monitor socket");
    GSS_OK (zmq_connect (m, ep));
    return m;
}

/* Reads every pending event of monitor M into EV, printing each. */
static inline void gss_drain_events (void *m, struct gss_events *ev)
{
    for (;;) {
        zmq_msg_t f1, f2;
        uint16_t e;
        uint32_t v;
        zmq_msg_init (&f1);
        if (zmq_msg_recv (&f1, m, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&f1);
            return;
        }
        GSS_CHECK (zmq_msg_size (&f1) == 6 && zmq_msg_more (&f1),
                   "monitor frame of %zu bytes", zmq_msg_size (&f1));
        memcpy (&e, zmq_msg_data (&f1), 2);
        memcpy (&v, (char *) zmq_msg_data (&f1) + 2, 4);
        zmq_msg_close (&f1);
        zmq_msg_init (&f2);
        GSS_OK (zmq_msg_recv (&f2, m, 0));
        fprintf (stderr, "event: %s 0x%x %.*s\n", gss_event_name (e), v,
                 (int) zmq_msg_size (&f2), (char *) zmq_msg_data (&f2));
        zmq_msg_close (&f2);
        switch (e) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: ev->succeeded++; break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                ev->failed++, ev->failed_no_detail++, ev->last_failure = v;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                ev->failed++, ev->failed_protocol++, ev->last_failure = v;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                ev->failed++, ev->failed_auth++, ev->last_failure = v;
                break;
            case ZMQ_EVENT_CONNECTED: ev->connected++; break;
            case ZMQ_EVENT_ACCEPTED: ev->accepted++; break;
            case ZMQ_EVENT_DISCONNECTED: ev->disconnected++; break;
        }
    }
}

static inline void gss_print_events (const char *who,
                                     const struct gss_events *ev)
{
    fprintf (stderr,
             "%s: events: %d handshake succeeded, %d failed (%d no detail, "
             "%d protocol, %d auth; last value 0x%x), %d connected, "
             "%d accepted, %d disconnected\n",
             who, ev->succeeded, ev->failed, ev->failed_no_detail,
             ev->failed_protocol, ev->failed_auth, ev->last_failure,
             ev->connected, ev->accepted, ev->disconnected);
}

/* ---- the messages ------------------------------------------------------- */

static inline unsigned char gss_pattern (unsigned seq, size_t i)
{
    return (unsigned char) (seq * 31u + i * 7u + (i >> 8));
}

/* Receives one part of at most CAP bytes into BUF; its size, or -1 on
 * EAGAIN (the socket's ZMQ_RCVTIMEO passed). */
static inline int gss_recv_part (void *s, void *buf, size_t cap, int *more)
{
    zmq_msg_t m;
    int n;
    zmq_msg_init (&m);
    n = zmq_msg_recv (&m, s, 0);
    if (n < 0) {
        GSS_CHECK (zmq_errno () == EAGAIN, "recv: %s",
                   zmq_strerror (zmq_errno ()));
        zmq_msg_close (&m);
        return -1;
    }
    GSS_CHECK ((size_t) n <= cap, "part of %d bytes, over %zu", n, cap);
    memcpy (buf, zmq_msg_data (&m), (size_t) n);
    *more = zmq_msg_more (&m);
    zmq_msg_close (&m);
    return n;
}

#endif
