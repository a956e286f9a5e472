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
 *             plainserver=1   ZMQ_PLAIN_SERVER
 *             plainuser=U     ZMQ_PLAIN_USERNAME
 *             plainpass=P     ZMQ_PLAIN_PASSWORD
 *             curveserver=1   ZMQ_CURVE_SERVER
 *             serverkey=Z85   ZMQ_CURVE_SERVERKEY (40 Z85 characters)
 *             publickey=Z85   ZMQ_CURVE_PUBLICKEY
 *             secretkey=Z85   ZMQ_CURVE_SECRETKEY
 *             zapdomain=D     ZMQ_ZAP_DOMAIN
 *             zap=1           run a ZAP handler (inproc://zeromq.zap.01)
 *                             in a thread; it answers 200 with user id
 *                             zapid (default "peer-user") to PLAIN
 *                             zapuser/zappass or to the CURVE client key
 *                             zapkey (Z85), and 400 to anything else
 *             zapuser=U zappass=P zapkey=Z85 zapid=ID  (see zap)
 *             authmon=1       watch this socket's handshake events (see
 *                             hsevent); not with monitor=1 (a socket has
 *                             one monitor)
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
 *   echouid:N:ID        like echo:N, but each frame received must carry
 *                       the property User-Id = ID
 *   zapinfo             print "zap COUNT DOMAIN ADDRESS MECHANISM CRED"
 *                       for the last ZAP request (COUNT requests so far;
 *                       CRED is "USER PASSWORD" for PLAIN, the client key
 *                       in Z85 for CURVE), or "zap 0" if none came
 *   hsevent:E:V         wait (5 s at most) for the next handshake event of
 *                       authmon; it must be event E with value V (numbers,
 *                       0x... allowed)
 *
 * Exit status: 0 done; 2 bad usage; 3 a check failed; 4 a zmq call
 * failed. The whole run is bounded by alarm() ($ZMQ_PEER_ALARM seconds,
 * default 8); blocking calls time out after 5 s.
 */
#define INTEROP_PEER
#include "interop.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void *sock;
static void *monitor_reader;
static int envelope;
static int socket_type;
static unsigned disconnects;
static void *auth_reader;

/* The ZAP handler: its settings are made before the socket binds or
 * connects, so before any request can come; what it saw is kept under
 * zap_lock. */
static pthread_t zap_thread_id;
static int zap_running;
static void *zap_sock;
static char zap_user[256], zap_pass[256], zap_id[256] = "peer-user";
static unsigned char zap_key[32];
static int zap_have_key;
static pthread_mutex_t zap_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned zap_count;
static char zap_last[1100];

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

/* Frame i of a request as a string (ZAP frames here hold no NULs, except
 * a CURVE key, which is not read this way). */
static void frame_text (zmq_msg_t *frames, int n, int i, char *buf,
                        size_t cap)
{
    size_t len = i < n ? zmq_msg_size (&frames[i]) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy (buf, zmq_msg_data (&frames[i]), len);
    buf[len] = '\0';
}

static int zap_send (const void *data, size_t len, int more)
{
    return zmq_send (zap_sock, data, len, more ? ZMQ_SNDMORE : 0) == (int) len
             ? 0
             : -1;
}

static void *zap_main (void *arg)
{
    (void) arg;
    for (;;) {
        zmq_msg_t frames[IP_MAX_FRAMES];
        char domain[256], address[256], mech[32], user[256], pass[256];
        char cred[520], status[4];
        int n = ip_recv_frames (zap_sock, frames), ok = 0, rc;
        if (n < 0) {
            if (errno == ETERM)
                break;
            die (4, "ZAP handler: receive", zmq_strerror (errno));
        }
        frame_text (frames, n, 2, domain, sizeof domain);
        frame_text (frames, n, 3, address, sizeof address);
        frame_text (frames, n, 5, mech, sizeof mech);
        cred[0] = '\0';
        if (n == 8 && strcmp (mech, "PLAIN") == 0) {
            frame_text (frames, n, 6, user, sizeof user);
            frame_text (frames, n, 7, pass, sizeof pass);
            snprintf (cred, sizeof cred, "%s %s", user, pass);
            ok = strcmp (user, zap_user) == 0 && strcmp (pass, zap_pass) == 0;
        } else if (n == 7 && strcmp (mech, "CURVE") == 0
                   && zmq_msg_size (&frames[6]) == 32) {
            zmq_z85_encode (cred, (const uint8_t *) zmq_msg_data (&frames[6]),
                            32);
            ok = zap_have_key
                 && memcmp (zmq_msg_data (&frames[6]), zap_key, 32) == 0;
        }
        pthread_mutex_lock (&zap_lock);
        zap_count++;
        snprintf (zap_last, sizeof zap_last, "%s %s %s %s", domain, address,
                  mech, cred);
        pthread_mutex_unlock (&zap_lock);
        snprintf (status, sizeof status, "%s", ok ? "200" : "400");
        rc = n >= 2 ? 0 : -1;
        if (rc == 0)
            rc = zap_send ("1.0", 3, 1);
        if (rc == 0)
            rc = zap_send (zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                           1);
        if (rc == 0)
            rc = zap_send (status, 3, 1);
        if (rc == 0)
            rc = zap_send (ok ? "OK" : "Refused", ok ? 2 : 7, 1);
        if (rc == 0)
            rc = zap_send (ok ? zap_id : "", ok ? strlen (zap_id) : 0, 1);
        if (rc == 0)
            rc = zap_send ("", 0, 0);
        ip_free_frames (frames, n);
        if (rc != 0) {
            if (errno == ETERM)
                break;
            die (4, "ZAP handler: send", zmq_strerror (errno));
        }
    }
    zmq_close (zap_sock);
    return NULL;
}

static void start_zap (void *ctx)
{
    if (zap_running)
        return;
    zap_sock = zmq_socket (ctx, ZMQ_REP);
    if (zap_sock == NULL || zmq_bind (zap_sock, "inproc://zeromq.zap.01") != 0)
        zfail ("binding the ZAP handler");
    if (pthread_create (&zap_thread_id, NULL, zap_main, NULL) != 0)
        die (4, "pthread_create", NULL);
    zap_running = 1;
}

static void set_key (int option, const char *z85, const char *what)
{
    if (strlen (z85) != 40)
        die (2, "a key is 40 Z85 characters", what);
    if (zmq_setsockopt (sock, option, z85, 41) != 0)
        zfail (what);
}

static void set_string (int option, const char *value, const char *what)
{
    if (zmq_setsockopt (sock, option, value, strlen (value)) != 0)
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
            if (auth_reader)
                die (2, "a socket has one monitor", "monitor and authmon");
            snprintf (ep, sizeof ep, "inproc://peer-monitor-%d",
                      (int) getpid ());
            if (zmq_socket_monitor (sock, ep, ZMQ_EVENT_DISCONNECTED) != 0)
                zfail ("zmq_socket_monitor");
            monitor_reader = zmq_socket (ctx, ZMQ_PAIR);
            if (monitor_reader == NULL || zmq_connect (monitor_reader, ep) != 0)
                zfail ("monitor reader");
        } else if (strcmp (item, "authmon") == 0) {
            char ep[64];
            if (monitor_reader)
                die (2, "a socket has one monitor", "monitor and authmon");
            snprintf (ep, sizeof ep, "inproc://peer-authmon-%d",
                      (int) getpid ());
            if (zmq_socket_monitor (sock, ep,
                                    ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                      | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                      | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                      | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
                != 0)
                zfail ("zmq_socket_monitor");
            auth_reader = zmq_socket (ctx, ZMQ_PAIR);
            if (auth_reader == NULL || zmq_connect (auth_reader, ep) != 0)
                zfail ("handshake monitor reader");
        } else if (strcmp (item, "plainserver") == 0)
            set_int (ZMQ_PLAIN_SERVER, atoi (eq), "ZMQ_PLAIN_SERVER");
        else if (strcmp (item, "plainuser") == 0)
            set_string (ZMQ_PLAIN_USERNAME, eq, "ZMQ_PLAIN_USERNAME");
        else if (strcmp (item, "plainpass") == 0)
            set_string (ZMQ_PLAIN_PASSWORD, eq, "ZMQ_PLAIN_PASSWORD");
        else if (strcmp (item, "curveserver") == 0)
            set_int (ZMQ_CURVE_SERVER, atoi (eq), "ZMQ_CURVE_SERVER");
        else if (strcmp (item, "serverkey") == 0)
            set_key (ZMQ_CURVE_SERVERKEY, eq, "ZMQ_CURVE_SERVERKEY");
        else if (strcmp (item, "publickey") == 0)
            set_key (ZMQ_CURVE_PUBLICKEY, eq, "ZMQ_CURVE_PUBLICKEY");
        else if (strcmp (item, "secretkey") == 0)
            set_key (ZMQ_CURVE_SECRETKEY, eq, "ZMQ_CURVE_SECRETKEY");
        else if (strcmp (item, "zapdomain") == 0)
            set_string (ZMQ_ZAP_DOMAIN, eq, "ZMQ_ZAP_DOMAIN");
        else if (strcmp (item, "zap") == 0)
            start_zap (ctx);
        else if (strcmp (item, "zapuser") == 0)
            snprintf (zap_user, sizeof zap_user, "%s", eq);
        else if (strcmp (item, "zappass") == 0)
            snprintf (zap_pass, sizeof zap_pass, "%s", eq);
        else if (strcmp (item, "zapid") == 0)
            snprintf (zap_id, sizeof zap_id, "%s", eq);
        else if (strcmp (item, "zapkey") == 0) {
            if (strlen (eq) != 40 || zmq_z85_decode (zap_key, eq) == NULL)
                die (2, "zapkey is 40 Z85 characters", eq);
            zap_have_key = 1;
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
    } else if (strcmp (fields[0], "echouid") == 0) {
        const char *want = n > 2 ? fields[2] : "";
        count = field_uint (fields, n, 1, copy);
        for (i = 0; i < count; i++) {
            zmq_msg_t frames[IP_MAX_FRAMES];
            int k = ip_recv_frames (sock, frames), j;
            if (k < 0)
                zfail ("echouid: receive");
            for (j = 0; j < k; j++) {
                const char *got = zmq_msg_gets (&frames[j], "User-Id");
                if (got == NULL || strcmp (got, want) != 0) {
                    snprintf (why, sizeof why, "frame %d has User-Id %s", j,
                              got ? got : "(none)");
                    die (3, copy, why);
                }
            }
            for (j = 0; j < k; j++)
                if (zmq_msg_send (&frames[j], sock, j + 1 < k ? ZMQ_SNDMORE : 0)
                    < 0)
                    zfail ("echouid: send");
        }
    } else if (strcmp (fields[0], "zapinfo") == 0) {
        pthread_mutex_lock (&zap_lock);
        if (zap_count)
            printf ("zap %u %s\n", zap_count, zap_last);
        else
            printf ("zap 0\n");
        pthread_mutex_unlock (&zap_lock);
    } else if (strcmp (fields[0], "hsevent") == 0) {
        unsigned long want_event, want_value;
        zmq_pollitem_t item;
        zmq_msg_t frame;
        uint16_t event;
        uint32_t value;
        if (n < 3 || auth_reader == NULL)
            die (2, "hsevent needs E:V and authmon=1", copy);
        want_event = strtoul (fields[1], NULL, 0);
        want_value = strtoul (fields[2], NULL, 0);
        memset (&item, 0, sizeof item);
        item.socket = auth_reader;
        item.events = ZMQ_POLLIN;
        if (zmq_poll (&item, 1, 5000) != 1)
            die (3, copy, "no handshake event came");
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, auth_reader, 0) != 6)
            zfail ("hsevent: event frame");
        memcpy (&event, zmq_msg_data (&frame), 2);
        memcpy (&value, (char *) zmq_msg_data (&frame) + 2, 4);
        if (zmq_msg_recv (&frame, auth_reader, 0) < 0)
            zfail ("hsevent: endpoint frame");
        zmq_msg_close (&frame);
        if (event != want_event || value != want_value) {
            snprintf (why, sizeof why, "got event 0x%x value 0x%x",
                      (unsigned) event, (unsigned) value);
            die (3, copy, why);
        }
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
    if (monitor_reader || auth_reader) {
        zmq_socket_monitor (sock, NULL, 0);
        if (monitor_reader)
            zmq_close (monitor_reader);
        if (auth_reader)
            zmq_close (auth_reader);
    }
    zmq_close (sock);
    if (zap_running) {
        /* The handler's blocking receive ends with ETERM. */
        zmq_ctx_shutdown (ctx);
        pthread_join (zap_thread_id, NULL);
    }
    zmq_ctx_term (ctx);
    return 0;
}
