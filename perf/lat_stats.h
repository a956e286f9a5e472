/* Latency summary shared by remote_lat and inproc_lat: the mean one-way
 * latency (total round-trip time / 2 / count, as libzmq's tools report it)
 * plus the median and 99th percentile of the per-round-trip one-way times. */
#ifndef LAT_STATS_H
#define LAT_STATS_H

#include "perf_util.h"

static int lat_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* `rtt` holds `count` round-trip times in microseconds; sorts it in place. */
static void lat_report (double *rtt, long count, double total_us, size_t size)
{
    qsort (rtt, (size_t) count, sizeof *rtt, lat_cmp_double);
    double mean = total_us / (double) count / 2.0;
    double p50 = rtt[count / 2] / 2.0;
    double p99 = rtt[(long) ((double) (count - 1) * 0.99)] / 2.0;

    printf ("message size: %zu [B]\n", size);
    printf ("roundtrip count: %ld\n", count);
    printf ("average latency: %.3f [us]\n", mean);
    printf ("RESULT status=OK version=%s msg_size=%zu roundtrips=%ld "
            "msgs=%ld elapsed_us=%.0f latency_us=%.3f p50_us=%.3f p99_us=%.3f\n",
            perf_version (), size, count, 2 * count, total_us, mean, p50, p99);
    fflush (stdout);
}

#endif
