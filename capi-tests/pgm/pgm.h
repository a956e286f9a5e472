/* Shared by capi-tests/pgm/pgm_pub.c and pgm_sub.c, the programs that
 * tools/pgm-interop.sh runs over epgm:// and pgm:// between two network
 * namespaces: the publisher in one, the subscribers in the other.
 *
 * The stream: numbered messages, each of one or three parts. Every part
 * starts with a 20-byte header (magic, sequence number, part index, part
 * count, part length, flags) and is filled after it with a pattern that
 * depends on all of them, so a part that arrives truncated, in the wrong
 * message, in the wrong place or with a byte changed fails its check. The
 * sizes follow a schedule both ends compute from the sequence number, so
 * the subscriber also knows how long every part must be. A few warm-up
 * messages (flag WARM, numbered on their own, each filling most of a TPDU)
 * come first: PGM receivers start at the first packet they see and never
 * ask for older ones, so a subscriber whose first packets were lost (the
 * loss check) or that joined a moment late loses only those.
 *
 * Arguments are KEY=VALUE words after the endpoint (see pgm_arg). Only
 * the plain libzmq API is used. A failed check prints where and why and
 * exits 1 (faults.h's FH_CHECK); a program that returns 0 printed "ok: ...".
 */
#ifndef CAPI_PGM_H
#define CAPI_PGM_H

#include "faults.h"

#define PGM_MAGIC 0x50474d54u /* "PGMT" */
#define PGM_HEADER 20
#define PGM_WARM 1u
#define PGM_LAST 2u
#define PGM_MAX_PART 65536
#define PGM_WARM_SIZE 1200

/* The size schedules. mixed: mostly small single-part messages, every
 * fifth one three parts, every 23rd one 5000 B and every 97th one 60000 B
 * (both over one TPDU: 1428 B of payload for epgm at the default
 * ZMQ_MULTICAST_MAXTPDU). big: three parts every time, the middle one
 * 3000..9000 B, so that a subscriber joining mid-stream is likely to join
 * in the middle of a message. */
enum pgm_profile { PGM_MIXED, PGM_BIG };

static inline int pgm_parts (enum pgm_profile p, unsigned seq)
{
    return p == PGM_BIG || seq % 5 == 0 ? 3 : 1;
}

static inline size_t pgm_part_size (enum pgm_profile p, unsigned seq, int part)
{
    if (p == PGM_BIG)
        return part == 1 ? 3000 + (seq * 613u) % 6001 : PGM_HEADER + seq % 40;
    if (part == 0 && seq % 97 == 13)
        return 60000;
    if (part == (seq % 5 == 0 ? 1 : 0) && seq % 23 == 5)
        return 5000;
    return PGM_HEADER + (seq * 37u + (unsigned) part * 11u) % 200;
}

static inline uint8_t pgm_pattern (unsigned seq, unsigned flags, int part,
                                   size_t i)
{
    return (uint8_t) (seq * 131u + flags * 71u + (unsigned) part * 17u
                      + (unsigned) i * 7u + (unsigned) (i >> 8));
}

struct pgm_part_header
{
    uint32_t magic, seq;
    uint16_t part, parts;
    uint32_t len, flags;
};

static inline void pgm_fill (uint8_t *buf, size_t len, unsigned seq,
                             int part, int parts, unsigned flags)
{
    struct pgm_part_header h = {PGM_MAGIC, seq, (uint16_t) part,
                                (uint16_t) parts, (uint32_t) len, flags};
    size_t i;
    memcpy (buf, &h, PGM_HEADER);
    for (i = PGM_HEADER; i < len; i++)
        buf[i] = pgm_pattern (seq, flags, part, i);
}

/* Checks one received part against the header it carries and the
 * schedule; returns that header. `part` is its place in the message. */
static inline struct pgm_part_header
pgm_check_part (enum pgm_profile p, const uint8_t *buf, size_t len, int part,
                int more)
{
    struct pgm_part_header h;
    size_t i, want;
    FH_CHECK (len >= PGM_HEADER, "part %d of %zu bytes: shorter than its header",
              part, len);
    memcpy (&h, buf, PGM_HEADER);
    FH_CHECK (h.magic == PGM_MAGIC,
              "part %d (%zu bytes) does not start a part: the message is "
              "torn or misframed",
              part, len);
    FH_CHECK (h.part == part, "message %u: part %u arrived as part %d",
              h.seq, h.part, part);
    FH_CHECK (h.len == len, "message %u part %d: %zu bytes, its header says %u",
              h.seq, part, len, h.len);
    want = h.flags & PGM_WARM ? PGM_WARM_SIZE : pgm_part_size (p, h.seq, part);
    FH_CHECK (len == want, "message %u part %d: %zu bytes, want %zu", h.seq,
              part, len, want);
    want = h.flags & PGM_WARM ? 1 : (size_t) pgm_parts (p, h.seq);
    FH_CHECK (h.parts == want, "message %u: %u parts, want %zu", h.seq,
              h.parts, want);
    FH_CHECK (more == (part + 1 < h.parts),
              "message %u part %d of %u: MORE is %d", h.seq, part, h.parts,
              more);
    for (i = PGM_HEADER; i < len; i++)
        FH_CHECK (buf[i] == pgm_pattern (h.seq, h.flags, part, i),
                  "message %u part %d corrupted at byte %zu", h.seq, part, i);
    return h;
}

/* ---- arguments: KEY=VALUE ---------------------------------------------- */

static int pgm_argc;
static char **pgm_argv;

/* The value of KEY=..., or `def` when absent. */
static inline const char *pgm_arg_str (const char *key, const char *def)
{
    size_t n = strlen (key);
    int i;
    for (i = 2; i < pgm_argc; i++)
        if (strncmp (pgm_argv[i], key, n) == 0 && pgm_argv[i][n] == '=')
            return pgm_argv[i] + n + 1;
    return def;
}

static inline long pgm_arg (const char *key, long def)
{
    const char *v = pgm_arg_str (key, NULL);
    char *end;
    long n;
    if (v == NULL)
        return def;
    n = strtol (v, &end, 10);
    FH_CHECK (*v && *end == 0, "argument %s=%s is not a number", key, v);
    return n;
}

static inline enum pgm_profile pgm_arg_profile (void)
{
    const char *v = pgm_arg_str ("profile", "mixed");
    FH_CHECK (strcmp (v, "mixed") == 0 || strcmp (v, "big") == 0,
              "profile=%s: want mixed or big", v);
    return strcmp (v, "big") == 0 ? PGM_BIG : PGM_MIXED;
}

/* Both ends set ZMQ_RATE and ZMQ_RECOVERY_IVL: the receive window is sized
 * from them as the transmit window is. Prints the library's version so a
 * log shows which one ran. */
static inline void pgm_options (void *s, const char *role)
{
    int major, minor, patch;
    FH_SET_INT (s, ZMQ_RATE, (int) pgm_arg ("rate", 10000));
    FH_SET_INT (s, ZMQ_RECOVERY_IVL, (int) pgm_arg ("recovery", 10000));
    zmq_version (&major, &minor, &patch);
    printf ("%s: libzmq %d.%d.%d, rate %ld kbit/s, recovery %ld ms\n", role,
            major, minor, patch, pgm_arg ("rate", 10000),
            pgm_arg ("recovery", 10000));
    fflush (stdout);
}

static inline void pgm_connect (void *s, const char *endpoint)
{
    FH_CHECK (zmq_connect (s, endpoint) == 0, "zmq_connect %s: %s (errno %d)",
              endpoint, zmq_strerror (errno), errno);
}

#endif
