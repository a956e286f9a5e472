/* ZWS 2.0 (ZMTP over WebSocket, RFC 6455) spoken by hand over a plain TCP
 * socket, for the C tests that play a ws:// peer on the wire (test_ws.c):
 * the HTTP upgrade, WebSocket frames with and without a mask, and ZMTP
 * messages and commands carried one per binary WebSocket message.
 *
 * What a ZWS 2.0 binary message holds: one flags byte (bit0 MORE, bit1
 * COMMAND: not the ZMTP bits, which put COMMAND at bit2), then the frame
 * body. There is no ZMTP greeting; the mechanism is chosen by the
 * WebSocket subprotocol ("ZWS2.0/NULL", "ZWS2.0/PLAIN", "ZWS2.0/CURVE",
 * or "ZWS2.0" for no mechanism at all). A client masks every frame it
 * sends and a server none (RFC 6455 section 5.1).
 *
 * Include after testutil.h and zmtp_raw.h (READY bodies are built and read
 * with the helpers there). */
#ifndef CAPI_WS_RAW_H
#define CAPI_WS_RAW_H

#include <poll.h>
#include <stdint.h>
#include <strings.h>

enum {
    WS_FIN = 0x80,
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xa,
    WS_MASKED = 0x80
};

/* ZWS 2.0 flags byte. */
enum { ZWS_MORE = 1, ZWS_COMMAND = 2 };

/* The example key of RFC 6455 section 1.3 and the accept value it gives:
 * the test checks the server's SHA-1/base64 without computing either. */
#define WS_SAMPLE_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define WS_SAMPLE_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* Masking key of every frame the test sends masked (RFC 6455 section
 * 5.7's example key). */
static const unsigned char ws_mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* The port of "ws://host:port[/path]" (also wss:// and tcp://), or -1. */
static inline int ws_endpoint_port (const char *endpoint)
{
    const char *host = strstr (endpoint, "://");
    const char *colon;
    char *end = NULL;
    long port;
    if (host == NULL)
        return -1;
    colon = strrchr (host + 3, ':');
    if (colon == NULL)
        return -1;
    port = strtol (colon + 1, &end, 10);
    if (end == colon + 1 || (*end != '\0' && *end != '/') || port <= 0
        || port > 65535)
        return -1;
    return (int) port;
}

/* A plain TCP connection to the port of a ws:// or wss:// endpoint on
 * 127.0.0.1. */
static inline int ws_raw_connect (const char *endpoint, const char *file,
                                  int line)
{
    char tcp[TU_ENDPOINT_MAX];
    int port = ws_endpoint_port (endpoint);
    if (port < 0)
        tu_fail (file, line, "ws endpoint", endpoint);
    snprintf (tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
    return tu_raw_connect (tcp, file, line);
}
#define WS_RAW_CONNECT(endpoint)                                               \
    ws_raw_connect ((endpoint), __FILE__, __LINE__)

/* One WebSocket frame: byte0 is FIN and opcode; masked chooses a masked
 * frame (with ws_mask_key). The shortest length form is used unless
 * len_form forces 126 (16-bit) or 127 (64-bit). */

/* Writes as RAW_WRITE does, except that a server which has already closed
 * the connection (EPIPE, ECONNRESET: it may close on a bad frame, or at
 * the header of one over ZMQ_MAXMSGSIZE) ends the write quietly; what
 * the test then receives, or not, is what it checks. */
static inline void ws_write_maybe_closed (int fd, const void *data,
                                          size_t len)
{
    const unsigned char *p = (const unsigned char *) data;
    while (len > 0) {
        ssize_t n = write (fd, p, len);
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            return;
        if (n <= 0)
            tu_fail_errno (__FILE__, __LINE__, "raw write", errno);
        p += n;
        len -= (size_t) n;
    }
}

static inline void ws_send_frame (int fd, int byte0, int masked,
                                  const void *payload, size_t len,
                                  int len_form)
{
    unsigned char head[14];
    unsigned char *body = NULL;
    size_t n = 0, i;
    int form = len_form;
    if (form == 0)
        form = len <= 125 ? 0 : len <= 0xffff ? 126 : 127;
    head[n++] = (unsigned char) byte0;
    if (form == 0)
        head[n++] = (unsigned char) ((masked ? WS_MASKED : 0) | len);
    else if (form == 126) {
        head[n++] = (unsigned char) ((masked ? WS_MASKED : 0) | 126);
        head[n++] = (unsigned char) (len >> 8);
        head[n++] = (unsigned char) len;
    } else {
        head[n++] = (unsigned char) ((masked ? WS_MASKED : 0) | 127);
        for (i = 0; i < 8; i++)
            head[n++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
    }
    if (masked) {
        memcpy (head + n, ws_mask_key, 4);
        n += 4;
    }
    ws_write_maybe_closed (fd, head, n);
    if (len == 0)
        return;
    body = (unsigned char *) malloc (len);
    CHECK (body != NULL);
    memcpy (body, payload, len);
    if (masked)
        for (i = 0; i < len; i++)
            body[i] ^= ws_mask_key[i % 4];
    ws_write_maybe_closed (fd, body, len);
    free (body);
}

/* One ZWS 2.0 message: a binary frame holding flags then body. */
static inline void ws_send_message (int fd, int flags, int masked,
                                    const void *body, size_t len)
{
    unsigned char *payload = (unsigned char *) malloc (len + 1);
    CHECK (payload != NULL);
    payload[0] = (unsigned char) flags;
    if (len)
        memcpy (payload + 1, body, len);
    ws_send_frame (fd, WS_FIN | WS_OP_BINARY, masked, payload, len + 1, 0);
    free (payload);
}

/* Read one WebSocket frame: its first byte into *byte0, whether it was
 * masked into *masked, its payload (unmasked; malloc'd, caller frees) as
 * the result and its size into *len; into *form (if not NULL) which
 * length form it used: 0 (7-bit), 126 (16-bit) or 127 (64-bit). */
static inline unsigned char *ws_read_frame_form (int fd, int *byte0,
                                                 int *masked, size_t *len,
                                                 int *form, void *pump)
{
    unsigned char b[2], ext[8], key[4], *payload;
    size_t i, n;
    RAW_READ (fd, b, 2, pump);
    *byte0 = b[0];
    *masked = (b[1] & WS_MASKED) != 0;
    n = b[1] & 0x7f;
    if (form)
        *form = n < 126 ? 0 : (int) n;
    if (n == 126) {
        RAW_READ (fd, ext, 2, pump);
        n = ((size_t) ext[0] << 8) | ext[1];
    } else if (n == 127) {
        RAW_READ (fd, ext, 8, pump);
        n = 0;
        for (i = 0; i < 8; i++)
            n = (n << 8) | ext[i];
        CHECK (n < (64u << 20));
    }
    if (*masked)
        RAW_READ (fd, key, 4, pump);
    payload = (unsigned char *) malloc (n ? n : 1);
    CHECK (payload != NULL);
    if (n)
        RAW_READ (fd, payload, n, pump);
    if (*masked)
        for (i = 0; i < n; i++)
            payload[i] ^= key[i % 4];
    *len = n;
    return payload;
}

/* As ws_read_frame_form, without the length form. */
static inline unsigned char *ws_read_frame (int fd, int *byte0, int *masked,
                                            size_t *len, void *pump)
{
    return ws_read_frame_form (fd, byte0, masked, len, NULL, pump);
}

/* Read one ZWS 2.0 message the zmq side sent as a server: a final,
 * unmasked binary frame of at least the flags byte. Returns the body
 * (malloc'd, without the flags byte), *flags and *len. */
static inline unsigned char *ws_read_message (int fd, int *flags,
                                              size_t *len, void *pump)
{
    int byte0, masked;
    size_t n;
    unsigned char *payload = ws_read_frame (fd, &byte0, &masked, &n, pump);
    CHECK_EQ (byte0, WS_FIN | WS_OP_BINARY);
    CHECK_EQ (masked, 0);
    CHECK (n >= 1);
    *flags = payload[0];
    *len = n - 1;
    memmove (payload, payload + 1, n - 1);
    return payload;
}

/* Read the HTTP response head (up to and including the empty line) into
 * buf, NUL-terminated; cap bounds it. */
static inline void ws_read_http_head (int fd, char *buf, size_t cap,
                                      void *pump)
{
    size_t n = 0;
    for (;;) {
        CHECK (n + 1 < cap);
        RAW_READ (fd, buf + n, 1, pump);
        n++;
        buf[n] = '\0';
        if (n >= 4 && memcmp (buf + n - 4, "\r\n\r\n", 4) == 0)
            return;
    }
}

/* Send an upgrade request for path offering protocols (NULL: no
 * Sec-WebSocket-Protocol header), with the RFC's sample key. */
static inline void ws_send_upgrade (int fd, const char *path,
                                    const char *protocols)
{
    char req[512];
    int n;
    if (protocols)
        n = snprintf (req, sizeof req,
                      "GET %s HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
                      "Sec-WebSocket-Protocol: %s\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n",
                      path, protocols);
    else
        n = snprintf (req, sizeof req,
                      "GET %s HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " WS_SAMPLE_KEY "\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n",
                      path);
    CHECK (n > 0 && (size_t) n < sizeof req);
    RAW_WRITE (fd, req, (size_t) n);
}

/* The 101 answer to ws_send_upgrade, exactly as libzmq master words it,
 * with the protocol it chose. */
static inline void ws_expect_switching (int fd, const char *protocol,
                                        void *pump)
{
    char head[512], want[512];
    ws_read_http_head (fd, head, sizeof head, pump);
    snprintf (want, sizeof want,
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: " WS_SAMPLE_ACCEPT "\r\n"
              "Sec-WebSocket-Protocol: %s\r\n\r\n",
              protocol);
    CHECK_STREQ (head, want);
}

/* Client side of a ZWS2.0/NULL connection done by hand: the upgrade, the
 * zmq side's READY in (its Socket-Type must be peer_type), ours out,
 * masked. */
static inline void ws_null_handshake (int fd, const char *my_type,
                                      const char *peer_type, void *pump)
{
    unsigned char ready[256], *body;
    char value[64];
    int flags;
    size_t len, n;
    ws_send_upgrade (fd, "/", "ZWS2.0/NULL");
    ws_expect_switching (fd, "ZWS2.0/NULL", pump);
    body = ws_read_message (fd, &flags, &len, pump);
    CHECK_EQ (flags, ZWS_COMMAND);
    CHECK (ready_property (body, len, "Socket-Type", value, sizeof value));
    CHECK_STREQ (value, peer_type);
    free (body);
    n = begin_ready (ready, my_type);
    ws_send_message (fd, ZWS_COMMAND, 1, ready, n);
}

/* ---- The server's side of the upgrade, for a test playing the server:
 * Sec-WebSocket-Accept is base64 (SHA-1 (key + the RFC 6455 GUID)). The
 * SHA-1 here (FIPS 180-4) is only for that. ---- */

static inline uint32_t ws_rol (uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static inline void ws_sha1 (const unsigned char *data, size_t len,
                            unsigned char out[20])
{
    uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                     0xc3d2e1f0u};
    size_t total = ((len + 8) / 64 + 1) * 64, off, i;
    unsigned char *buf = (unsigned char *) calloc (total, 1);
    CHECK (buf != NULL);
    memcpy (buf, data, len);
    buf[len] = 0x80;
    for (i = 0; i < 8; i++)
        buf[total - 1 - i] = (unsigned char) (((uint64_t) len * 8) >> (8 * i));
    for (off = 0; off < total; off += 64) {
        uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (i = 0; i < 16; i++)
            w[i] = ((uint32_t) buf[off + 4 * i] << 24)
                   | ((uint32_t) buf[off + 4 * i + 1] << 16)
                   | ((uint32_t) buf[off + 4 * i + 2] << 8)
                   | buf[off + 4 * i + 3];
        for (i = 16; i < 80; i++)
            w[i] = ws_rol (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        for (i = 0; i < 80; i++) {
            uint32_t f, k, t;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5a827999u;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ed9eba1u;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8f1bbcdcu;
            } else {
                f = b ^ c ^ d;
                k = 0xca62c1d6u;
            }
            t = ws_rol (a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = ws_rol (b, 30);
            b = a;
            a = t;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    free (buf);
    for (i = 0; i < 20; i++)
        out[i] = (unsigned char) (h[i / 4] >> (24 - 8 * (i % 4)));
}

static inline void ws_base64 (const unsigned char *in, size_t len, char *out)
{
    static const char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t) in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t) in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = digits[(v >> 18) & 63];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = i + 1 < len ? digits[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? digits[v & 63] : '=';
    }
    out[o] = '\0';
}

/* The Sec-WebSocket-Accept value for key (out: at least 29 bytes). */
static inline void ws_accept_for (const char *key, char *out)
{
    char joined[128];
    unsigned char digest[20];
    int n = snprintf (joined, sizeof joined, "%s%s", key,
                      "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    CHECK (n > 0 && (size_t) n < sizeof joined);
    ws_sha1 ((const unsigned char *) joined, (size_t) n, digest);
    ws_base64 (digest, 20, out);
}

/* The value of header name (case-insensitive) in an HTTP head, into out
 * (NUL-terminated). Returns 1 if present. */
static inline int ws_header (const char *head, const char *name, char *out,
                             size_t cap)
{
    const char *line = strstr (head, "\r\n");
    size_t nl = strlen (name);
    while (line != NULL && line[2] != '\r') {
        const char *start = line + 2, *end = strstr (start, "\r\n");
        if (end == NULL)
            return 0;
        if ((size_t) (end - start) > nl && start[nl] == ':'
            && strncasecmp (start, name, nl) == 0) {
            const char *v = start + nl + 1;
            size_t vl;
            while (*v == ' ')
                v++;
            vl = (size_t) (end - v);
            CHECK (vl < cap);
            memcpy (out, v, vl);
            out[vl] = '\0';
            return 1;
        }
        line = end;
    }
    return 0;
}

#endif
