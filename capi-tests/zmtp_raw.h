/* ZMTP 3.x spoken by hand over a plain TCP socket, for the C tests that
 * play a peer on the wire (test_zmtp_raw.c, test_zmtp_reserved_flags.c,
 * test_handshake_limits.c): the greeting, frames, READY properties and
 * the NULL handshake done in lock step as libzmq does it.
 * Include after testutil.h. */
#ifndef CAPI_ZMTP_RAW_H
#define CAPI_ZMTP_RAW_H

#include <poll.h>
#include <stdint.h>

enum { F_MORE = 1, F_LONG = 2, F_COMMAND = 4 };

/* ---- Raw socket plumbing ---- */

/* The zmq side must close the connection (EOF or reset), bounded. */
static inline void raw_expect_closed (int fd)
{
    long long deadline = tu_now_ms () + TU_TIMEOUT_MS;
    unsigned char junk[4096];
    for (;;) {
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        CHECK (tu_now_ms () < deadline);
        if (poll (&p, 1, 10) == 1 && read (fd, junk, sizeof junk) <= 0)
            return;
    }
}

/* ---- ZMTP pieces ---- */

static inline void make_greeting (unsigned char *g, int major, int minor,
                                  const char *mechanism)
{
    memset (g, 0, 64);
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = (unsigned char) major;
    g[11] = (unsigned char) minor;
    memcpy (g + 12, mechanism, strlen (mechanism));
    g[32] = 0; /* as-server: 0 for NULL */
}

/* Write one frame, short or long form as the size requires (force_long
 * uses the long form regardless). */
static inline void send_frame (int fd, int flags, const void *body,
                               size_t len, int force_long)
{
    unsigned char head[9];
    size_t n = 0, i;
    if (len > 255 || force_long) {
        head[n++] = (unsigned char) (flags | F_LONG);
        for (i = 0; i < 8; i++)
            head[n++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
    } else {
        head[n++] = (unsigned char) flags;
        head[n++] = (unsigned char) len;
    }
    RAW_WRITE (fd, head, n);
    if (len)
        RAW_WRITE (fd, body, len);
}

/* Read one frame: returns its body (malloc'd, caller frees) and sets
 * *flags and *len. */
static inline unsigned char *read_frame (int fd, int *flags, size_t *len,
                                         void *pump)
{
    unsigned char b, size[8], *body;
    size_t i;
    RAW_READ (fd, &b, 1, pump);
    *flags = b;
    CHECK ((b & ~(F_MORE | F_LONG | F_COMMAND)) == 0);
    if (b & F_LONG) {
        RAW_READ (fd, size, 8, pump);
        *len = 0;
        for (i = 0; i < 8; i++)
            *len = (*len << 8) | size[i];
        CHECK (*len < (64u << 20));
    } else {
        RAW_READ (fd, size, 1, pump);
        *len = size[0];
    }
    body = (unsigned char *) malloc (*len ? *len : 1);
    CHECK (body != NULL);
    if (*len)
        RAW_READ (fd, body, *len, pump);
    return body;
}

/* Append one property to a command body being built. */
static inline size_t put_property (unsigned char *body, size_t at,
                                   const char *name, const char *value)
{
    size_t nl = strlen (name), vl = strlen (value);
    body[at++] = (unsigned char) nl;
    memcpy (body + at, name, nl);
    at += nl;
    body[at++] = (unsigned char) (vl >> 24);
    body[at++] = (unsigned char) (vl >> 16);
    body[at++] = (unsigned char) (vl >> 8);
    body[at++] = (unsigned char) vl;
    memcpy (body + at, value, vl);
    return at + vl;
}

/* Start a READY body in body: its name and Socket-Type. Returns its
 * length so far; put_property adds more. */
static inline size_t begin_ready (unsigned char *body,
                                  const char *socket_type)
{
    size_t n = 0;
    body[n++] = 5;
    memcpy (body + n, "READY", 5);
    n += 5;
    return put_property (body, n, "Socket-Type", socket_type);
}

static inline void send_ready (int fd, const char *socket_type,
                               const char *xname, const char *xvalue)
{
    unsigned char body[256];
    size_t n = begin_ready (body, socket_type);
    if (xname)
        n = put_property (body, n, xname, xvalue);
    send_frame (fd, F_COMMAND, body, n, 0);
}

/* Find property name in a READY body; its value into out (NUL-ended).
 * Returns 1 if present. Checks the whole body is well-formed. */
static inline int ready_property (const unsigned char *body, size_t len,
                                  const char *name, char *out, size_t cap)
{
    size_t at = 6, nl, vl;
    int found = 0;
    CHECK (len >= 6 && body[0] == 5 && memcmp (body + 1, "READY", 5) == 0);
    while (at < len) {
        nl = body[at++];
        CHECK (nl > 0 && at + nl + 4 <= len);
        vl = ((size_t) body[at + nl] << 24) | ((size_t) body[at + nl + 1] << 16)
             | ((size_t) body[at + nl + 2] << 8) | body[at + nl + 3];
        CHECK (at + nl + 4 + vl <= len);
        if (nl == strlen (name) && memcmp (body + at, name, nl) == 0) {
            CHECK (vl < cap);
            memcpy (out, body + at + nl + 4, vl);
            out[vl] = '\0';
            found = 1;
        }
        at += nl + 4 + vl;
    }
    return found;
}

/* Check the 64 greeting bytes a zmq socket sent. */
static inline void check_greeting (const unsigned char *g)
{
    static const unsigned char zeros[32] = {0};
    CHECK_EQ (g[0], 0xff);
    CHECK_EQ (g[9], 0x7f);
    CHECK_EQ (g[10], 3);
    CHECK_EQ (g[11], 1);
    CHECK (memcmp (g + 12, "NULL", 4) == 0);
    CHECK (memcmp (g + 16, zeros, 16) == 0);
    CHECK_EQ (g[32], 0);
    CHECK (memcmp (g + 33, zeros, 31) == 0);
}

/* Our NULL 3.1 greeting out, the zmq side's in (checked). */
static inline void exchange_greetings (int fd, void *pump)
{
    unsigned char g[64];
    make_greeting (g, 3, 1, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, pump);
    check_greeting (g);
}

/* Full client side of a NULL handshake, done in lock step as libzmq does:
 * greeting out, greeting in, READY out, READY in. The zmq side's
 * Socket-Type must be peer_type. */
static inline void handshake (int fd, int minor, const char *my_type,
                              const char *peer_type, void *pump)
{
    unsigned char g[64], *body;
    char value[64];
    int flags;
    size_t len;
    make_greeting (g, 3, minor, "NULL");
    RAW_WRITE (fd, g, 64);
    RAW_READ (fd, g, 64, pump);
    check_greeting (g);
    send_ready (fd, my_type, "X-Raw", "yes");
    body = read_frame (fd, &flags, &len, pump);
    CHECK_EQ (flags, F_COMMAND);
    CHECK (ready_property (body, len, "Socket-Type", value, sizeof value));
    CHECK_STREQ (value, peer_type);
    free (body);
}

#endif
