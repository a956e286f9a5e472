/* A tiny SOCKS5 proxy (RFC 1928, RFC 1929) for the ZMQ_SOCKS_* tests
 * (test_socks.c, test_draft_socks.c): one thread, plain sockets, one client
 * connection at a time, listening on 127.0.0.1 at a port the kernel picks.
 *
 * It records what each client sent (offered methods, credentials, the
 * CONNECT request) so a test can assert on the wire, can be told to refuse
 * (method 0xFF, a non-zero REP), and otherwise connects to the requested
 * destination and relays bytes both ways until either side closes.
 * Every wait is bounded and the thread stops on request (a pipe), so a
 * broken client shows as a failed check, never a hang. No sleeps.
 */
#ifndef CAPI_SOCKS_PROXY_H
#define CAPI_SOCKS_PROXY_H

#include "testutil.h"

#include <netdb.h>
#include <poll.h>
#include <pthread.h>

#define SP_IO_TIMEOUT_MS 5000

struct socks_proxy
{
    /* Set up before socks_proxy_start. */
    const char *user; /* non-NULL: require username/password (0x02) */
    const char *pass;
    int refuse_methods; /* answer 0xFF to every greeting */
    int reply_code;     /* REP of the CONNECT reply; 0 = connect */
    int reply_atyp;     /* form of BND.ADDR in a success reply: 1, 3 or 4 */
    int stall_from;     /* from this connection on (1 = the first), read the
                           greeting, then answer nothing until the client
                           goes away */

    int port;
    char endpoint[64]; /* "127.0.0.1:<port>", for ZMQ_SOCKS_PROXY */

    /* Records, under lock; counters only grow. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int connections;
    int greetings;
    unsigned char methods[256];
    int nmethods;
    int auth_ok, auth_failed;
    char got_user[256], got_pass[256];
    int got_plen;
    int requests;
    int cmd, rsv, atyp;
    char host[256]; /* ATYP 3: the name; 1/4: inet_ntop text */
    int dst_port;
    int relays;      /* CONNECTs that reached the destination */
    int relays_done; /* of those, tunnels that have ended */

    int listen_fd;
    int stop_pipe[2];
    pthread_t thread;
};

static inline void sp_bump (struct socks_proxy *p, int *counter)
{
    pthread_mutex_lock (&p->lock);
    (*counter)++;
    pthread_cond_broadcast (&p->cond);
    pthread_mutex_unlock (&p->lock);
}

/* Wait for fd to be ready for events; 0 when ready, -1 on timeout or a
 * stop request. */
static inline int sp_wait (struct socks_proxy *p, int fd, short events)
{
    struct pollfd pfd[2];
    pfd[0].fd = fd;
    pfd[0].events = events;
    pfd[1].fd = p->stop_pipe[0];
    pfd[1].events = POLLIN;
    if (poll (pfd, 2, SP_IO_TIMEOUT_MS) <= 0 || pfd[1].revents)
        return -1;
    return 0;
}

static inline int sp_read (struct socks_proxy *p, int fd, void *buf,
                           size_t len)
{
    unsigned char *b = (unsigned char *) buf;
    while (len > 0) {
        ssize_t n;
        if (sp_wait (p, fd, POLLIN) != 0)
            return -1;
        n = read (fd, b, len);
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t) n;
    }
    return 0;
}

static inline int sp_write (struct socks_proxy *p, int fd, const void *buf,
                            size_t len)
{
    const unsigned char *b = (const unsigned char *) buf;
    while (len > 0) {
        ssize_t n;
        if (sp_wait (p, fd, POLLOUT) != 0)
            return -1;
        n = write (fd, b, len);
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Connect to the requested destination; returns the fd or -1. */
static inline int sp_connect_dest (int atyp, const unsigned char *addr,
                                   const char *name, int port)
{
    if (atyp == 1 || atyp == 4) {
        struct sockaddr_storage ss;
        socklen_t len;
        int fd;
        memset (&ss, 0, sizeof ss);
        if (atyp == 1) {
            struct sockaddr_in *a = (struct sockaddr_in *) &ss;
            a->sin_family = AF_INET;
            memcpy (&a->sin_addr, addr, 4);
            a->sin_port = htons ((uint16_t) port);
            len = sizeof *a;
        } else {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
            a->sin6_family = AF_INET6;
            memcpy (&a->sin6_addr, addr, 16);
            a->sin6_port = htons ((uint16_t) port);
            len = sizeof *a;
        }
        fd = socket (ss.ss_family, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        if (connect (fd, (struct sockaddr *) &ss, len) != 0) {
            close (fd);
            return -1;
        }
        return fd;
    } else {
        struct addrinfo hints, *res = NULL, *ai;
        char service[16];
        int fd = -1;
        memset (&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        snprintf (service, sizeof service, "%d", port);
        if (getaddrinfo (name, service, &hints, &res) != 0)
            return -1;
        for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
            fd = socket (ai->ai_family, SOCK_STREAM, 0);
            if (fd >= 0 && connect (fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                close (fd);
                fd = -1;
            }
        }
        freeaddrinfo (res);
        return fd;
    }
}

/* Copy bytes both ways until either side closes or a stop request. */
static inline void sp_relay (struct socks_proxy *p, int a, int b)
{
    char buf[4096];
    for (;;) {
        struct pollfd pfd[3];
        int i;
        pfd[0].fd = a;
        pfd[1].fd = b;
        pfd[2].fd = p->stop_pipe[0];
        for (i = 0; i < 3; i++)
            pfd[i].events = POLLIN;
        if (poll (pfd, 3, -1) < 0 || pfd[2].revents)
            return;
        for (i = 0; i < 2; i++) {
            if (pfd[i].revents) {
                ssize_t n = read (pfd[i].fd, buf, sizeof buf);
                if (n <= 0 || sp_write (p, i == 0 ? b : a, buf, (size_t) n))
                    return;
            }
        }
    }
}

/* One client connection, start to end. */
static inline void sp_serve (struct socks_proxy *p, int c)
{
    unsigned char buf[600], addr[16], method = 0xFF;
    char name[256];
    int i, port, dest = -1;
    size_t n;

    /* Greeting: VER NMETHODS METHODS. */
    if (sp_read (p, c, buf, 2) || buf[0] != 5
        || sp_read (p, c, buf + 2, buf[1]))
        return;
    pthread_mutex_lock (&p->lock);
    p->nmethods = buf[1];
    memcpy (p->methods, buf + 2, buf[1]);
    pthread_mutex_unlock (&p->lock);
    if (p->stall_from > 0 && p->connections >= p->stall_from) {
        sp_bump (p, &p->greetings);
        while (sp_wait (p, c, POLLIN) == 0 && read (c, buf, sizeof buf) > 0)
            ;
        return;
    }
    for (i = 0; i < buf[1] && !p->refuse_methods; i++)
        if (buf[2 + i] == (p->user ? 0x02 : 0x00))
            method = buf[2 + i];
    sp_bump (p, &p->greetings);
    buf[0] = 5;
    buf[1] = method;
    if (sp_write (p, c, buf, 2) || method == 0xFF)
        return;

    if (method == 0x02) {
        /* RFC 1929: VER ULEN UNAME PLEN PASSWD. */
        unsigned char ulen, plen;
        int ok;
        if (sp_read (p, c, buf, 2) || buf[0] != 1)
            return;
        ulen = buf[1];
        if (sp_read (p, c, buf, (size_t) ulen + 1))
            return;
        plen = buf[ulen];
        if (sp_read (p, c, buf + ulen + 1, plen))
            return;
        pthread_mutex_lock (&p->lock);
        memcpy (p->got_user, buf, ulen);
        p->got_user[ulen] = '\0';
        memcpy (p->got_pass, buf + ulen + 1, plen);
        p->got_pass[plen] = '\0';
        p->got_plen = plen;
        pthread_mutex_unlock (&p->lock);
        ok = strlen (p->user) == (size_t) ulen
             && memcmp (p->user, buf, ulen) == 0
             && strlen (p->pass) == (size_t) plen
             && memcmp (p->pass, buf + ulen + 1, plen) == 0;
        sp_bump (p, ok ? &p->auth_ok : &p->auth_failed);
        buf[0] = 1;
        buf[1] = ok ? 0 : 1;
        if (sp_write (p, c, buf, 2) || !ok)
            return;
    }

    /* Request: VER CMD RSV ATYP DST.ADDR DST.PORT. */
    if (sp_read (p, c, buf, 4) || buf[0] != 5)
        return;
    name[0] = '\0';
    if (buf[3] == 1 || buf[3] == 4) {
        n = buf[3] == 1 ? 4 : 16;
        if (sp_read (p, c, addr, n))
            return;
        inet_ntop (buf[3] == 1 ? AF_INET : AF_INET6, addr, name, sizeof name);
    } else if (buf[3] == 3) {
        if (sp_read (p, c, buf + 4, 1) || sp_read (p, c, name, buf[4]))
            return;
        name[buf[4]] = '\0';
    } else
        return;
    if (sp_read (p, c, buf + 8, 2))
        return;
    port = buf[8] * 256 + buf[9];
    pthread_mutex_lock (&p->lock);
    p->cmd = buf[1];
    p->rsv = buf[2];
    p->atyp = buf[3];
    strcpy (p->host, name);
    p->dst_port = port;
    pthread_mutex_unlock (&p->lock);

    if (p->reply_code == 0 && buf[1] == 1)
        dest = sp_connect_dest (buf[3], addr, name, port);
    sp_bump (p, &p->requests);

    /* Reply: VER REP RSV ATYP BND.ADDR BND.PORT. */
    memset (buf, 0, sizeof buf);
    buf[0] = 5;
    buf[1] = (unsigned char) (p->reply_code ? p->reply_code
                              : dest < 0     ? 5 /* connection refused */
                                             : 0);
    buf[3] = (unsigned char) p->reply_atyp;
    if (p->reply_atyp == 3) {
        buf[4] = 10;
        memcpy (buf + 5, "proxy.test", 10);
        n = 4 + 1 + 10;
    } else
        n = 4 + (p->reply_atyp == 4 ? 16 : 4); /* unspecified address */
    buf[n] = 0x12;
    buf[n + 1] = 0x34;
    if (sp_write (p, c, buf, n + 2) == 0 && dest >= 0) {
        sp_bump (p, &p->relays);
        sp_relay (p, c, dest);
        sp_bump (p, &p->relays_done);
    }
    if (dest >= 0)
        close (dest);
}

static inline void *sp_main (void *arg)
{
    struct socks_proxy *p = (struct socks_proxy *) arg;
    for (;;) {
        struct pollfd pfd[2];
        int c;
        pfd[0].fd = p->listen_fd;
        pfd[0].events = POLLIN;
        pfd[1].fd = p->stop_pipe[0];
        pfd[1].events = POLLIN;
        if (poll (pfd, 2, -1) < 0 || pfd[1].revents)
            break;
        c = accept (p->listen_fd, NULL, NULL);
        if (c < 0)
            continue;
        sp_bump (p, &p->connections);
        sp_serve (p, c);
        close (c);
    }
    return NULL;
}

/* Start p (its settings filled in by the caller, the rest zero). */
static inline void socks_proxy_start (struct socks_proxy *p)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    if (p->reply_atyp == 0)
        p->reply_atyp = 1;
    pthread_mutex_init (&p->lock, NULL);
    pthread_cond_init (&p->cond, NULL);
    p->listen_fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (p->listen_fd >= 0);
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (p->listen_fd, (struct sockaddr *) &addr, sizeof addr));
    CHECK_RC (listen (p->listen_fd, 16));
    CHECK_RC (getsockname (p->listen_fd, (struct sockaddr *) &addr, &len));
    p->port = ntohs (addr.sin_port);
    snprintf (p->endpoint, sizeof p->endpoint, "127.0.0.1:%d", p->port);
    CHECK_RC (pipe (p->stop_pipe));
    CHECK (pthread_create (&p->thread, NULL, sp_main, p) == 0);
}

static inline void socks_proxy_stop (struct socks_proxy *p)
{
    CHECK (write (p->stop_pipe[1], "x", 1) == 1);
    CHECK (pthread_join (p->thread, NULL) == 0);
    close (p->listen_fd);
    close (p->stop_pipe[0]);
    close (p->stop_pipe[1]);
    pthread_mutex_destroy (&p->lock);
    pthread_cond_destroy (&p->cond);
}

/* Wait (at most TU_TIMEOUT_MS) until *counter reaches at least n; the
 * counter's value. */
static inline int socks_proxy_await (struct socks_proxy *p,
                                     const int *counter, int n)
{
    struct timespec deadline;
    int value;
    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += TU_TIMEOUT_MS / 1000;
    deadline.tv_nsec += (long) (TU_TIMEOUT_MS % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock (&p->lock);
    while (*counter < n
           && pthread_cond_timedwait (&p->cond, &p->lock, &deadline) == 0)
        ;
    value = *counter;
    pthread_mutex_unlock (&p->lock);
    return value;
}

/* Fail unless *counter reaches n in time. */
#define PROXY_AWAIT(p, field, n)                                               \
    do {                                                                       \
        if (socks_proxy_await ((p), &(p)->field, (n)) < (n))                   \
            tu_fail (__FILE__, __LINE__, "proxy " #field " >= " #n,            \
                     "not reached in time");                                   \
    } while (0)

/* ---- Test-side helpers ---- */

/* libzmq 4.3.4 bug (also in its master as of this writing): when a SOCKS
 * attempt fails, the connecter removes its poll handle without forgetting
 * it, so closing the socket while the reconnect timer is pending removes
 * it again and aborts the process ("Bad file descriptor
 * (src/epoll.cpp:113)"). The helpers below never close a socket in that
 * state. */

/* Close a connected pair in an order that never lets push reconnect:
 * push first, and pull only once its tunnel through p has ended (a
 * reconnect that the proxy refuses while push is being closed could hit
 * the bug above). */
static inline void close_pair (struct socks_proxy *p, void *push, void *pull)
{
    int relays = socks_proxy_await (p, &p->relays, 0);
    CHECK_RC (zmq_close (push));
    if (socks_proxy_await (p, &p->relays_done, relays) < relays)
        tu_fail (__FILE__, __LINE__, "tunnel ended after zmq_close (push)",
                 "it did not");
    CHECK_RC (zmq_close (pull));
}

/* The proxy refuses (as set up in p, with stall_from = 3); the socket
 * keeps retrying, reports CLOSED and CONNECT_RETRIED under the proxy's
 * address, and delivers nothing.
 * counter is the proxy record that counts the refused step; setup, if
 * not NULL, sets more options on the PUSH socket before it connects.
 *
 * The sockets live in a context of their own, terminated before the
 * proxy stops: zmq_close returns before the connecter is gone, and if the
 * proxy closed the stalled attempt first, that attempt would fail and the
 * bug above would strike. */
static inline void expect_refusal (struct socks_proxy *p, const int *counter,
                                   void (*setup) (void *push))
{
    char ep[TU_ENDPOINT_MAX], want[80];
    struct tu_event ev;
    void *own_ctx = CHECK_PTR (zmq_ctx_new ());
    void *pull, *push, *mon;

    CHECK_EQ (p->stall_from, 3);
    pull = TU_SOCKET (own_ctx, ZMQ_PULL);
    BIND_LOOPBACK (pull, ep);
    push = TU_SOCKET (own_ctx, ZMQ_PUSH);
    CHECK_RC (zmq_setsockopt (push, ZMQ_SOCKS_PROXY, p->endpoint,
                              strlen (p->endpoint)));
    if (setup)
        setup (push);
    mon = TU_MONITOR (own_ctx, push,
                      ZMQ_EVENT_CLOSED | ZMQ_EVENT_CONNECT_RETRIED
                        | ZMQ_EVENT_CONNECTED);
    CHECK_RC (zmq_connect (push, ep));
    CHECK_RC (zmq_send (push, "lost", 4, ZMQ_DONTWAIT));

    snprintf (want, sizeof want, "tcp://%s", p->endpoint);
    EXPECT_EVENT (mon, ZMQ_EVENT_CLOSED, &ev);
    CHECK_STREQ (ev.endpoint, want);
    EXPECT_EVENT (mon, ZMQ_EVENT_CONNECT_RETRIED, &ev);
    CHECK_STREQ (ev.endpoint, want);
    /* It tries the whole exchange again. */
    if (socks_proxy_await (p, counter, 2) < 2)
        tu_fail (__FILE__, __LINE__, "proxy saw a second attempt",
                 "it did not come");
    CHECK (!tu_poll_in (pull, 200));
    CHECK_EQ (socks_proxy_await (p, &p->relays, 0), 0);
    /* Close only during the stalled third attempt. */
    PROXY_AWAIT (p, greetings, 3);

    CLOSE_MONITOR (push, mon);
    CHECK_RC (zmq_close (push));
    CHECK_RC (zmq_close (pull));
    CHECK_RC (zmq_ctx_term (own_ctx));
}

#endif
