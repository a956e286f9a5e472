/* zmq_timers_*: a timer set driven by the caller.
 *
 * Man page: zmq_timers(3). These functions are stable API in libzmq 4.3
 * (declared outside the DRAFT section and exported by release builds).
 *
 * Waiting for a timer to expire is the behaviour under test, so this file
 * sleeps for the time zmq_timers_timeout reports, in a bounded loop.
 */
#include "testutil.h"

#include <time.h>
#include <unistd.h>

#define MAX_WAIT_MS 5000

static long long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct record
{
    int calls;
    int last_id;
    void *last_arg;
};

static struct record rec_a, rec_b;

static void on_timer (int timer_id, void *arg)
{
    struct record *r = (struct record *) arg;
    r->calls++;
    r->last_id = timer_id;
    r->last_arg = arg;
}

/* Sleep until the next live timer is due (timeout reports 0). */
static void wait_until_due (void *timers)
{
    long long deadline = now_ms () + MAX_WAIT_MS;
    for (;;) {
        long t = zmq_timers_timeout (timers);
        CHECK (t >= 0); /* there must be a live timer to wait for */
        if (t == 0)
            return;
        CHECK (now_ms () < deadline);
        usleep ((useconds_t) t * 1000);
    }
}

/* Sleep for at least `ms` milliseconds of real time. */
static void wait_ms (long long ms)
{
    long long end = now_ms () + ms;
    long long left;
    while ((left = end - now_ms ()) > 0)
        usleep ((useconds_t) left * 1000);
}

static void test_empty (void)
{
    void *timers = CHECK_PTR (zmq_timers_new ());
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
    CHECK (timers == NULL);
}

static void test_fire_and_repeat (void)
{
    memset (&rec_a, 0, sizeof rec_a);
    void *timers = CHECK_PTR (zmq_timers_new ());

    int id = CHECK_RC (zmq_timers_add (timers, 100, on_timer, &rec_a));
    CHECK (id > 0);
    long t = zmq_timers_timeout (timers);
    CHECK (t >= 0 && t <= 100);

    wait_until_due (timers);
    CHECK_EQ (rec_a.calls, 0); /* only execute runs handlers */
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 1);
    CHECK_EQ (rec_a.last_id, id);
    CHECK (rec_a.last_arg == &rec_a);

    /* The timer repeats: it is due again one interval later, and an
     * execute before then runs nothing. */
    t = zmq_timers_timeout (timers);
    CHECK (t > 0 && t <= 100);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 1);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 2);

    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

static void test_two_timers (void)
{
    memset (&rec_a, 0, sizeof rec_a);
    memset (&rec_b, 0, sizeof rec_b);
    void *timers = CHECK_PTR (zmq_timers_new ());

    int ida = CHECK_RC (zmq_timers_add (timers, 20, on_timer, &rec_a));
    int idb = CHECK_RC (zmq_timers_add (timers, 10000, on_timer, &rec_b));
    CHECK (ida > 0 && idb > 0 && ida != idb);

    /* The earliest timer decides the timeout. */
    CHECK (zmq_timers_timeout (timers) <= 20);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 1);
    CHECK_EQ (rec_b.calls, 0);

    /* Once the short one is cancelled the long one decides. */
    CHECK_EQ (zmq_timers_cancel (timers, ida), 0);
    long t = zmq_timers_timeout (timers);
    CHECK (t > 9000 && t <= 10000);

    /* Both due at once: one execute runs each handler once. */
    CHECK_EQ (zmq_timers_cancel (timers, idb), 0);
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    memset (&rec_a, 0, sizeof rec_a);
    ida = CHECK_RC (zmq_timers_add (timers, 10, on_timer, &rec_a));
    idb = CHECK_RC (zmq_timers_add (timers, 20, on_timer, &rec_b));
    wait_ms (40);
    CHECK_EQ (zmq_timers_timeout (timers), 0);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 1);
    CHECK_EQ (rec_b.calls, 1);
    CHECK_EQ (rec_a.last_id, ida);
    CHECK_EQ (rec_b.last_id, idb);

    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

static void test_cancel (void)
{
    memset (&rec_a, 0, sizeof rec_a);
    void *timers = CHECK_PTR (zmq_timers_new ());

    int id = CHECK_RC (zmq_timers_add (timers, 10, on_timer, &rec_a));
    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    /* Cancelling twice, or an id never issued, fails. */
    CHECK_ERRNO (zmq_timers_cancel (timers, id), EINVAL);
    CHECK_ERRNO (zmq_timers_cancel (timers, id + 1000), EINVAL);
    CHECK_ERRNO (zmq_timers_cancel (timers, -1), EINVAL);

    /* A cancelled timer never runs. */
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    wait_ms (20);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 0);

    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

static void test_set_interval_and_reset (void)
{
    memset (&rec_a, 0, sizeof rec_a);
    void *timers = CHECK_PTR (zmq_timers_new ());

    int id = CHECK_RC (zmq_timers_add (timers, 10000, on_timer, &rec_a));
    CHECK (zmq_timers_timeout (timers) > 9000);

    /* set_interval reschedules from now with the new interval. */
    CHECK_EQ (zmq_timers_set_interval (timers, id, 20), 0);
    long t = zmq_timers_timeout (timers);
    CHECK (t >= 0 && t <= 20);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (rec_a.calls, 1);
    /* ... and the new interval sticks for later rounds. */
    t = zmq_timers_timeout (timers);
    CHECK (t > 0 && t <= 20);

    /* reset restarts the countdown with the current interval. */
    CHECK_EQ (zmq_timers_set_interval (timers, id, 300), 0);
    wait_ms (150);
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0 && t <= 150);
    CHECK_EQ (zmq_timers_reset (timers, id), 0);
    t = zmq_timers_timeout (timers);
    CHECK (t > 200 && t <= 300);

    /* Unknown ids. */
    CHECK_ERRNO (zmq_timers_set_interval (timers, id + 1000, 10), EINVAL);
    CHECK_ERRNO (zmq_timers_reset (timers, id + 1000), EINVAL);

    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

static void test_efault (void)
{
    void *none = NULL;
    static long long not_timers[64]; /* zeroed memory, not a timer set */
    void *foreign = not_timers;

    CHECK_ERRNO (zmq_timers_add (NULL, 10, on_timer, NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_cancel (NULL, 1), EFAULT);
    CHECK_ERRNO (zmq_timers_set_interval (NULL, 1, 10), EFAULT);
    CHECK_ERRNO (zmq_timers_reset (NULL, 1), EFAULT);
    CHECK_ERRNO (zmq_timers_timeout (NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_execute (NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_destroy (&none), EFAULT);

    CHECK_ERRNO (zmq_timers_add (foreign, 10, on_timer, NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_timeout (foreign), EFAULT);
    CHECK_ERRNO (zmq_timers_execute (foreign), EFAULT);
    CHECK_ERRNO (zmq_timers_destroy (&foreign), EFAULT);
    CHECK (foreign == (void *) not_timers);

    /* A NULL handler is refused. */
    void *timers = CHECK_PTR (zmq_timers_new ());
    CHECK_ERRNO (zmq_timers_add (timers, 10, NULL, NULL), EFAULT);
    CHECK_EQ (zmq_timers_timeout (timers), -1);

    /* destroy clears the pointer; destroying again gives EFAULT. */
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
    CHECK (timers == NULL);
    CHECK_ERRNO (zmq_timers_destroy (&timers), EFAULT);
}

int main (void)
{
    test_empty ();
    test_fire_and_repeat ();
    test_two_timers ();
    test_cancel ();
    test_set_interval_and_reset ();
    test_efault ();
    return 0;
}
