/* sensor_pub: the publishing half of a classic ZeroMQ data pipeline.
 *
 * It reads samples from a few simulated sensors and publishes each one as a
 * two-frame message: the topic ("sensor/<name>") and a fixed 24-byte binary
 * record, every field little-endian:
 *
 *   offset size  field
 *        0    2  sensor id            (uint16)
 *        2    2  flags, reserved      (uint16, 0)
 *        4    4  sequence number      (uint32, per sensor, from 0)
 *        8    8  timestamp            (uint64, microseconds since the epoch)
 *       16    4  temperature          (int32, milli-degrees Celsius)
 *       20    4  relative humidity    (uint32, thousandths of a percent)
 *
 * After the last round it sends one "sensor/END" message (empty payload) so
 * subscribers know the stream is over.
 *
 * Written against the plain libzmq API only:
 *   cc -std=c99 sensor_pub.c -lzmq -o sensor_pub
 *   ./sensor_pub tcp://127.0.0.1:* [ROUNDS] [INTERVAL_MS]
 *   ./sensor_pub ws://127.0.0.1:5556/sensors [ROUNDS] [INTERVAL_MS]
 *
 * Any endpoint libzmq binds will do, a wildcard port too. Over ws://
 * (libzmq's WebSocket transport) a web browser can subscribe:
 * examples/sensor_page.html.
 *
 * The first line on stdout is "endpoint <address>", the address actually
 * bound (useful with a wildcard port), so a script can start a subscriber.
 *
 * Slow joiners: a PUB socket drops whatever it sends before a subscription
 * has reached it, and a subscriber that connects late would miss the first
 * samples. So the publishing socket is an XPUB, which behaves as a PUB but
 * also hands the incoming subscriptions to the application: we wait until a
 * subscription that covers our topics has arrived before sending anything.
 * No sleeps, no second socket.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep under -std=c99 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define TOPIC_PREFIX "sensor/"
#define RECORD_SIZE 24

struct sample
{
    uint16_t sensor_id;
    uint32_t seq;
    uint64_t timestamp_us;
    int32_t temperature_mc; /* milli-degrees Celsius */
    uint32_t humidity_m;    /* thousandths of a percent */
};

struct sensor
{
    const char *name;
    int32_t base_temperature_mc;
    uint32_t base_humidity_m;
    uint32_t seq;
};

static int fail (const char *what)
{
    fprintf (stderr, "sensor_pub: %s: %s\n", what, zmq_strerror (zmq_errno ()));
    return 1;
}

static uint64_t now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* A small deterministic generator, so runs are comparable. */
static uint32_t next_random (uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Reads one sample from a simulated sensor: a slow drift plus some noise. */
static struct sample read_sensor (struct sensor *s, uint16_t id, uint32_t *rng)
{
    struct sample out;
    int32_t drift = (int32_t) (s->seq % 20) * 50 - 500; /* -0.5 .. +0.45 C */
    int32_t noise = (int32_t) (next_random (rng) % 201) - 100;
    out.sensor_id = id;
    out.seq = s->seq++;
    out.timestamp_us = now_us ();
    out.temperature_mc = s->base_temperature_mc + drift + noise;
    out.humidity_m = s->base_humidity_m + next_random (rng) % 2000;
    return out;
}

static void put_le (unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char) (v >> (8 * i));
}

/* Lays the record out byte by byte, so the wire format does not depend on
 * the compiler's struct layout or the machine's byte order. */
static void encode (const struct sample *s, unsigned char *rec)
{
    put_le (rec + 0, s->sensor_id, 2);
    put_le (rec + 2, 0, 2);
    put_le (rec + 4, s->seq, 4);
    put_le (rec + 8, s->timestamp_us, 8);
    put_le (rec + 16, (uint32_t) s->temperature_mc, 4);
    put_le (rec + 20, s->humidity_m, 4);
}

static int publish (void *pub, const char *topic, const void *data, size_t size)
{
    if (zmq_send (pub, topic, strlen (topic), ZMQ_SNDMORE) < 0)
        return -1;
    return zmq_send (pub, data, size, 0) < 0 ? -1 : 0;
}

/* Waits for a subscription that matches our topics: a subscribe message
 * (first byte 1) whose topic is a prefix of "sensor/..." or starts with it. */
static int wait_for_subscriber (void *pub, int timeout_ms)
{
    if (zmq_setsockopt (pub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0)
        return -1;
    for (;;) {
        unsigned char buf[256];
        int n = zmq_recv (pub, buf, sizeof buf, 0);
        if (n < 0)
            return -1;
        if (n > (int) sizeof buf)
            n = (int) sizeof buf; /* truncated: the prefix is all we look at */
        if (n < 1 || buf[0] != 1)
            continue; /* an unsubscribe */
        size_t len = (size_t) n - 1;
        size_t cmp = len < strlen (TOPIC_PREFIX) ? len : strlen (TOPIC_PREFIX);
        if (memcmp (buf + 1, TOPIC_PREFIX, cmp) == 0) {
            printf ("subscriber joined (subscription \"%.*s\")\n", (int) len,
                    (const char *) buf + 1);
            fflush (stdout);
            return 0;
        }
    }
}

int main (int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf (stderr, "usage: %s ENDPOINT [ROUNDS] [INTERVAL_MS]\n", argv[0]);
        return 2;
    }
    const char *endpoint = argv[1];
    int rounds = argc > 2 ? atoi (argv[2]) : 10;
    int interval_ms = argc > 3 ? atoi (argv[3]) : 100;

    struct sensor sensors[] = {
        {"kitchen", 21500, 45000, 0},
        {"cellar", 12800, 71000, 0},
        {"greenhouse", 26300, 63000, 0},
    };
    const int n_sensors = (int) (sizeof sensors / sizeof sensors[0]);
    uint32_t rng = 2024;

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        return fail ("zmq_ctx_new");
    void *pub = zmq_socket (ctx, ZMQ_XPUB);
    if (!pub)
        return fail ("zmq_socket");
    /* Give queued samples up to 2 s to leave when we close. */
    int linger = 2000;
    zmq_setsockopt (pub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind (pub, endpoint) != 0)
        return fail ("zmq_bind");

    char bound[256];
    size_t bound_len = sizeof bound;
    if (zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, bound, &bound_len) != 0)
        return fail ("ZMQ_LAST_ENDPOINT");
    printf ("endpoint %s\n", bound);
    fflush (stdout);

    if (wait_for_subscriber (pub, 20000) != 0)
        return fail ("waiting for a subscriber");

    int sent = 0;
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < n_sensors; i++) {
            struct sample s = read_sensor (&sensors[i], (uint16_t) (i + 1), &rng);
            unsigned char rec[RECORD_SIZE];
            char topic[64];
            encode (&s, rec);
            snprintf (topic, sizeof topic, TOPIC_PREFIX "%s", sensors[i].name);
            if (publish (pub, topic, rec, sizeof rec) != 0)
                return fail ("zmq_send");
            sent++;
        }
        if (interval_ms > 0 && round + 1 < rounds) {
            struct timespec pause = {interval_ms / 1000, (long) (interval_ms % 1000) * 1000000L};
            nanosleep (&pause, NULL); /* the sensors' sampling period */
        }
    }
    if (publish (pub, TOPIC_PREFIX "END", "", 0) != 0)
        return fail ("zmq_send END");
    printf ("published %d samples from %d sensors, then END\n", sent, n_sensors);
    fflush (stdout);

    zmq_close (pub);
    zmq_ctx_term (ctx);
    return 0;
}
