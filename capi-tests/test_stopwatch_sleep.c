/* zmq_stopwatch_start / _intermediate / _stop and zmq_sleep.
 *
 * Man pages: zmq_utils-style helpers declared in zmq.h (no separate man
 * pages); the stopwatch counts microseconds from zmq_stopwatch_start.
 */
#include "testutil.h"

#include <time.h>

static long long now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Spin (no sleeping) until at least `us` microseconds have passed. */
static void spin_for (long long us)
{
    long long end = now_us () + us;
    while (now_us () < end) {
    }
}

static void test_stopwatch (void)
{
    long long t0 = now_us ();
    void *watch = CHECK_PTR (zmq_stopwatch_start ());

    /* Readings never go backwards. */
    unsigned long prev = zmq_stopwatch_intermediate (watch);
    int i;
    for (i = 0; i < 10000; i++) {
        unsigned long cur = zmq_stopwatch_intermediate (watch);
        CHECK (cur >= prev);
        prev = cur;
    }

    /* After 20 ms of real time the watch shows about 20 ms: not less
     * (allowing 1 ms of clock granularity) and not absurdly more. */
    spin_for (20000);
    unsigned long mid = zmq_stopwatch_intermediate (watch);
    long long real = now_us () - t0;
    CHECK (mid >= prev);
    CHECK (mid >= 19000);
    CHECK ((long long) mid <= real + 1000);

    spin_for (5000);
    unsigned long total = zmq_stopwatch_stop (watch); /* frees the watch */
    CHECK (total >= mid + 4000);
    CHECK ((long long) total <= now_us () - t0 + 1000);

    /* Independent watches. */
    void *a = CHECK_PTR (zmq_stopwatch_start ());
    spin_for (3000);
    void *b = CHECK_PTR (zmq_stopwatch_start ());
    unsigned long rb = zmq_stopwatch_stop (b);
    unsigned long ra = zmq_stopwatch_stop (a);
    CHECK (ra + 1 >= 3000); /* both clocks truncate to whole microseconds */
    CHECK (ra >= rb);
}

static void test_sleep (void)
{
    long long t0 = now_us ();
    zmq_sleep (0);
    CHECK (now_us () - t0 < 500000);

    /* zmq_sleep takes whole seconds. */
    t0 = now_us ();
    zmq_sleep (1);
    long long slept = now_us () - t0;
    CHECK (slept >= 990000);
    CHECK (slept < 5000000);
}

int main (void)
{
    test_stopwatch ();
    test_sleep ();
    return 0;
}
