/* Atomic counters.
 *
 * Man pages: zmq_atomic_counter_new(3), _set(3), _inc(3), _dec(3),
 * _value(3), _destroy(3).
 */
#include "testutil.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS 100000

static void test_single_thread (void)
{
    void *counter = CHECK_PTR (zmq_atomic_counter_new ());
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);

    /* inc returns the value before the increment. */
    CHECK_EQ (zmq_atomic_counter_inc (counter), 0);
    CHECK_EQ (zmq_atomic_counter_inc (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), 2);

    zmq_atomic_counter_set (counter, 5);
    CHECK_EQ (zmq_atomic_counter_value (counter), 5);
    CHECK_EQ (zmq_atomic_counter_inc (counter), 5);
    CHECK_EQ (zmq_atomic_counter_value (counter), 6);

    /* dec returns 1 while the new value is non-zero, 0 when it hits 0. */
    zmq_atomic_counter_set (counter, 2);
    CHECK_EQ (zmq_atomic_counter_dec (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), 1);
    CHECK_EQ (zmq_atomic_counter_dec (counter), 0);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);

    /* Below zero the counter reads as negative and dec still says 1
     * (non-zero). */
    CHECK_EQ (zmq_atomic_counter_dec (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), -1);
    CHECK_EQ (zmq_atomic_counter_inc (counter), -1);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);

    /* destroy frees the counter and clears the caller's pointer. */
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);

    /* Separate counters are independent. */
    void *a = CHECK_PTR (zmq_atomic_counter_new ());
    void *b = CHECK_PTR (zmq_atomic_counter_new ());
    CHECK (a != b);
    zmq_atomic_counter_set (a, 10);
    CHECK_EQ (zmq_atomic_counter_value (b), 0);
    zmq_atomic_counter_destroy (&a);
    zmq_atomic_counter_destroy (&b);
    CHECK (a == NULL && b == NULL);
}

struct worker
{
    void *counter;
    pthread_barrier_t *start;
    int zero_hits; /* times dec reported 0 */
};

static void *incrementer (void *arg)
{
    struct worker *w = (struct worker *) arg;
    int i;
    pthread_barrier_wait (w->start);
    for (i = 0; i < ROUNDS; i++)
        zmq_atomic_counter_inc (w->counter);
    return NULL;
}

static void *decrementer (void *arg)
{
    struct worker *w = (struct worker *) arg;
    int i;
    pthread_barrier_wait (w->start);
    for (i = 0; i < ROUNDS; i++)
        if (zmq_atomic_counter_dec (w->counter) == 0)
            w->zero_hits++;
    return NULL;
}

static void run_threads (void *(*fn) (void *), struct worker *w)
{
    pthread_t t[THREADS];
    pthread_barrier_t start;
    int i;
    CHECK_EQ (pthread_barrier_init (&start, NULL, THREADS), 0);
    for (i = 0; i < THREADS; i++) {
        w[i].start = &start;
        CHECK_EQ (pthread_create (&t[i], NULL, fn, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++)
        CHECK_EQ (pthread_join (t[i], NULL), 0);
    pthread_barrier_destroy (&start);
}

static void test_threads (void)
{
    struct worker w[THREADS];
    int i, zero_hits = 0;
    void *counter = CHECK_PTR (zmq_atomic_counter_new ());
    for (i = 0; i < THREADS; i++) {
        w[i].counter = counter;
        w[i].zero_hits = 0;
    }

    /* No increment is lost. */
    run_threads (incrementer, w);
    CHECK_EQ (zmq_atomic_counter_value (counter), THREADS * ROUNDS);

    /* Of all the concurrent decrements, exactly one sees zero. */
    run_threads (decrementer, w);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);
    for (i = 0; i < THREADS; i++)
        zero_hits += w[i].zero_hits;
    CHECK_EQ (zero_hits, 1);

    zmq_atomic_counter_destroy (&counter);
}

int main (void)
{
    test_single_thread ();
    test_threads ();
    return 0;
}
