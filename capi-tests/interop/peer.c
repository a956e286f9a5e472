/* interop-peer: the far end of the interop tests, built against the
 * reference libzmq and using nothing but the plain libzmq API.
 *
 * Usage: interop-peer TYPE bind|connect ENDPOINT SCRIPT [OPTIONS]
 *
 *   TYPE      PAIR PUB SUB XPUB XSUB PUSH PULL REQ REP DEALER ROUTER
 *   ENDPOINT  bound or connected as given; after that the peer prints
 *             "ready <endpoint>" (for a bind, ZMQ_LAST_ENDPOINT)
 *   SCRIPT    steps separated by ',', fields by ':' (see below)
 *   OPTIONS   "key=value" items separated by ',':
 *             id=NAME         ZMQ_ROUTING_ID
 *             hb=MS           ZMQ_HEARTBEAT_IVL
 *             hbtimeout=MS    ZMQ_HEARTBEAT_TIMEOUT
 *             hbttl=MS        ZMQ_HEARTBEAT_TTL
 *             monitor=1       count this socket's disconnects (see nodisc)
 *
 * Steps (messages as in interop.h; each step numbers its messages from 0):
 *   sub:T / unsub:T     SUB: (un)subscribe T; XSUB: send 01 T / 00 T
 *   expectsub:T         receive the subscription message 01 T (XPUB)
 *   syncsend:T          send probes for T every 10 ms until a line arrives
 *                       on stdin
 *   syncrecv:T          receive until a probe for T arrives, then print
 *                       "synced"
 *   send:N:S:P[:T[:O]]  send N messages of P frames of S bytes (topic T);
 *                       with O, each is preceded by a one-frame message on
 *                       topic O, which a subscriber to T must not get
 *   recv:N:S:P[:T]      receive and check N such messages (probes skipped)
 *   echo:N[:F]          receive N messages and send each straight back;
 *                       with F, frame 0 must be F (a ROUTER's peer id)
 *   ask:N:S:P           N times: send message i, receive it back, check
 *   env                 from now on send and expect an empty delimiter
 *                       first (a DEALER talking to a REP)
 *   say:WORD            print WORD on a line
 *   wait                wait for a line (or end of file) on stdin
 *   idle:MS             do nothing for MS milliseconds
 *   nodisc              fail if the monitor saw a disconnect so far
 *
 * Exit status: 0 done; 2 bad usage; 3 a check failed; 4 a zmq call
 * failed. The whole run is bounded by alarm() ($ZMQ_PEER_ALARM seconds,
 * default 8); blocking calls time out after 5 s.
 */
#define INTEROP_PEER
#include "interop.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void *sock;
static void *monitor_reader;
static int envelope;
static int socket_type;
static unsigned disconnects;

static void die (int status, const char *what, const char *detail)
{
    fprintf (stderr, "interop-peer: %s%s%s\n", what, detail ? ": " : "",
             detail ? detail : "");
    exit (status);
}

static void zfail (const char *what)
{
    die (4, what, zmq_strerror (zmq_errno ()));
}

static const struct
{
    const char *name;
    int type;
} types[] = {{"PAIR", ZMQ_PAIR},     {"PUB", ZMQ_PUB},   {"SUB", ZMQ_SUB},
             {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB}, {"PUSH", ZMQ_PUSH},
             {"PULL", ZMQ_PULL},     {"REQ", ZMQ_REQ},   {"REP", ZMQ_REP},
             {"DEALER", ZMQ_DEALER}, {"ROUTER", ZMQ_ROUTER}};

static int parse_type (const char *name)
{
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp (types[i].name, name) == 0)
            return types[i].type;
    die (2, "unknown socket type", name);
    return -1;
}

static void set_int (int option, int value, const char *what)
{
    if (zmq_setsockopt (sock, option, &value, sizeof value) != 0)
        zfail (what);
}

static void apply_options (void *ctx, char *options)
{
    char *item, *save = NULL;
    for (item = strtok_r (options, ",", &save); item;
         item = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (item, '=');
        if (eq == NULL)
            die (2, "bad option", item);
        *eq++ = '\0';
        if (strcmp (item, "id") == 0) {
            if (zmq_setsockopt (sock, ZMQ_ROUTING_ID, eq, strlen (eq)) != 0)
                zfail ("ZMQ_ROUTING_ID");
        } else if (strcmp (item, "hb") == 0)
            set_int (ZMQ_HEARTBEAT_IVL, atoi (eq), "ZMQ_HEARTBEAT_IVL");
        else if (strcmp (item, "hbtimeout") == 0)
            set_int (ZMQ_HEARTBEAT_TIMEOUT, atoi (eq),
                     "ZMQ_HEARTBEAT_TIMEOUT");
        else if (strcmp (item, "hbttl") == 0)
            set_int (ZMQ_HEARTBEAT_TTL, atoi (eq), "ZMQ_HEARTBEAT_TTL");
        else if (strcmp (item, "monitor") == 0) {
            char ep[64];
            snprintf (ep, sizeof ep, "inproc://peer-monitor-%d",
                      (int) getpid ());
            if (zmq_socket_monitor (sock, ep, ZMQ_EVENT_DISCONNECTED) != 0)
                zfail ("zmq_socket_monitor");
            monitor_reader = zmq_socket (ctx, ZMQ_PAIR);
            if (monitor_reader == NULL || zmq_connect (monitor_reader, ep) != 0)
                zfail ("monitor reader");
        } else
            die (2, "unknown option", item);
    }
}

/* Count disconnect events seen so far (non-blocking). */
static void drain_monitor (void)
{
    zmq_msg_t frame;
    if (monitor_reader == NULL)
        return;
    zmq_msg_init (&frame);
    while (zmq_msg_recv (&frame, monitor_reader, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        if (zmq_msg_size (&frame) == 6 && zmq_msg_more (&frame)) {
            memcpy (&event, zmq_msg_data (&frame), 2);
            if (event == ZMQ_EVENT_DISCONNECTED)
                disconnects++;
        }
    }
    zmq_msg_close (&frame);
}

/* Wait for a line or end of file on stdin; with probe_topic, send a probe
 * every 10 ms meanwhile. */
static void wait_stdin (const char *probe_topic)
{
    char c;
    for (;;) {
        struct pollfd p;
        p.fd = 0;
        p.events = POLLIN;
        p.revents = 0;
        if (poll (&p, 1, 10) == 1) {
            ssize_t n = read (0, &c, 1);
            if (n <= 0 || c == '\n')
                return;
            continue;
        }
        if (probe_topic && ip_send_probe (sock, probe_topic) != 0)
            zfail ("sending a probe");
    }
}

static unsigned field_uint (char **fields, int n, int i, const char *step)
{
    if (i >= n)
        die (2, "missing field in step", step);
    return (unsigned) strtoul (fields[i], NULL, 10);
}

static void run_step (char *step)
{
    char *fields[8], *save = NULL, *f, why[200];
    char copy[256];
    int n = 0;
    unsigned i, count;
    snprintf (copy, sizeof copy, "%s", step);
    for (f = strtok_r (step, ":", &save); f && n < 8;
         f = strtok_r (NULL, ":", &save))
        fields[n++] = f;
    /* An empty trailing topic ("sub:") leaves the field out. */
    if (n == 0)
        return;

    if (strcmp (fields[0], "sub") == 0 || strcmp (fields[0], "unsub") == 0) {
        const char *topic = n > 1 ? fields[1] : "";
        int on = fields[0][0] == 's';
        if (socket_type == ZMQ_SUB) {
            if (zmq_setsockopt (sock, on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE,
                                topic, strlen (topic))
                != 0)
                zfail ("ZMQ_SUBSCRIBE");
        } else {
            char buf[256];
            buf[0] = (char) (on ? 1 : 0);
            memcpy (buf + 1, topic, strlen (topic));
            if (zmq_send (sock, buf, strlen (topic) + 1, 0) < 0)
                zfail ("sending a subscription");
        }
    } else if (strcmp (fields[0], "expectsub") == 0) {
        const char *topic = n > 1 ? fields[1] : "";
        char buf[256];
        int got = zmq_recv (sock, buf, sizeof buf, 0);
        if (got < 0)
            zfail ("receiving a subscription");
        if ((size_t) got != strlen (topic) + 1 || buf[0] != 1
            || memcmp (buf + 1, topic, strlen (topic)) != 0)
            die (3, "unexpected subscription message", copy);
    } else if (strcmp (fields[0], "syncsend") == 0) {
        wait_stdin (n > 1 ? fields[1] : "");
    } else if (strcmp (fields[0], "syncrecv") == 0) {
        const char *topic = n > 1 ? fields[1] : "";
        zmq_msg_t frames[IP_MAX_FRAMES];
        for (;;) {
            int k = ip_recv_frames (sock, frames);
            int probe;
            if (k < 0)
                zfail ("waiting for a probe");
            probe = ip_is_probe (frames, k, topic);
            ip_free_frames (frames, k);
            if (probe)
                break;
        }
        printf ("synced\n");
    } else if (strcmp (fields[0], "send") == 0) {
        size_t size;
        unsigned parts;
        const char *topic = n > 4 ? fields[4] : NULL;
        const char *other = n > 5 ? fields[5] : NULL;
        count = field_uint (fields, n, 1, copy);
        size = field_uint (fields, n, 2, copy);
        parts = field_uint (fields, n, 3, copy);
        for (i = 0; i < count; i++) {
            if (other && ip_send_msg (sock, i, size, 1, other, 0) != 0)
                zfail ("send (other topic)");
            if (ip_send_msg (sock, i, size, parts, topic, envelope) != 0)
                zfail ("send");
        }
    } else if (strcmp (fields[0], "recv") == 0) {
        size_t size;
        unsigned parts;
        const char *topic = n > 4 ? fields[4] : NULL;
        count = field_uint (fields, n, 1, copy);
        size = field_uint (fields, n, 2, copy);
        parts = field_uint (fields, n, 3, copy);
        for (i = 0; i < count; i++)
            if (ip_recv_msg (sock, i, size, parts, topic, envelope, why,
                             sizeof why)
                != 0)
                die (3, copy, why);
    } else if (strcmp (fields[0], "echo") == 0) {
        count = field_uint (fields, n, 1, copy);
        for (i = 0; i < count; i++)
            if (ip_echo_one (sock, n > 2 ? fields[2] : NULL, why, sizeof why)
                != 0)
                die (3, copy, why);
    } else if (strcmp (fields[0], "ask") == 0) {
        size_t size;
        unsigned parts;
        count = field_uint (fields, n, 1, copy);
        size = field_uint (fields, n, 2, copy);
        parts = field_uint (fields, n, 3, copy);
        for (i = 0; i < count; i++) {
            if (ip_send_msg (sock, i, size, parts, NULL, envelope) != 0)
                zfail ("ask: send");
            if (ip_recv_msg (sock, i, size, parts, NULL, envelope, why,
                             sizeof why)
                != 0)
                die (3, copy, why);
        }
    } else if (strcmp (fields[0], "env") == 0) {
        envelope = 1;
    } else if (strcmp (fields[0], "say") == 0) {
        printf ("%s\n", n > 1 ? fields[1] : "");
    } else if (strcmp (fields[0], "wait") == 0) {
        wait_stdin (NULL);
    } else if (strcmp (fields[0], "idle") == 0) {
        struct timespec ts;
        unsigned ms = field_uint (fields, n, 1, copy);
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (long) (ms % 1000) * 1000000L;
        nanosleep (&ts, NULL);
    } else if (strcmp (fields[0], "nodisc") == 0) {
        drain_monitor ();
        if (disconnects != 0)
            die (3, "the connection dropped", copy);
    } else
        die (2, "unknown step", copy);
}

int main (int argc, char **argv)
{
    void *ctx;
    char endpoint[512];
    char *script, *step, *save = NULL;
    int timeout = 5000;
    const char *alarm_env = getenv ("ZMQ_PEER_ALARM");
    size_t len = sizeof endpoint;

    if (argc < 5 || argc > 6)
        die (2, "usage",
             "interop-peer TYPE bind|connect ENDPOINT SCRIPT [OPTIONS]");
    signal (SIGALRM, SIG_DFL);
    alarm (alarm_env ? (unsigned) atoi (alarm_env) : 8u);
    setvbuf (stdout, NULL, _IOLBF, 0);

    ctx = zmq_ctx_new ();
    if (ctx == NULL)
        zfail ("zmq_ctx_new");
    socket_type = parse_type (argv[1]);
    sock = zmq_socket (ctx, socket_type);
    if (sock == NULL)
        zfail ("zmq_socket");
    set_int (ZMQ_RCVTIMEO, timeout, "ZMQ_RCVTIMEO");
    set_int (ZMQ_SNDTIMEO, timeout, "ZMQ_SNDTIMEO");
    if (argc == 6 && argv[5][0])
        apply_options (ctx, argv[5]);

    if (strcmp (argv[2], "bind") == 0) {
        if (zmq_bind (sock, argv[3]) != 0)
            zfail ("zmq_bind");
        if (zmq_getsockopt (sock, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0)
            zfail ("ZMQ_LAST_ENDPOINT");
    } else if (strcmp (argv[2], "connect") == 0) {
        if (zmq_connect (sock, argv[3]) != 0)
            zfail ("zmq_connect");
        snprintf (endpoint, sizeof endpoint, "%s", argv[3]);
    } else
        die (2, "expected bind or connect", argv[2]);
    printf ("ready %s\n", endpoint);

    script = argv[4];
    for (step = strtok_r (script, ",", &save); step;
         step = strtok_r (NULL, ",", &save))
        run_step (step);

    /* Flush what was sent (bounded by the alarm), then leave. */
    if (monitor_reader) {
        zmq_socket_monitor (sock, NULL, 0);
        zmq_close (monitor_reader);
    }
    zmq_close (sock);
    zmq_ctx_term (ctx);
    return 0;
}
