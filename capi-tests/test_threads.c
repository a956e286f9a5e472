/* zmq_threadstart / zmq_threadclose.
 *
 * zmq_threadstart runs fn(arg) on a new thread; zmq_threadclose waits for
 * it to finish and releases the handle.
 */
#include "testutil.h"

#include <pthread.h>

#define N 8

struct job
{
    int calls;
    void *seen_arg;
    pthread_t ran_on;
};

static void run_job (void *arg)
{
    struct job *j = (struct job *) arg;
    j->calls++;
    j->seen_arg = arg;
    j->ran_on = pthread_self ();
}

static void test_one (void)
{
    struct job j;
    memset (&j, 0, sizeof j);
    void *thread = CHECK_PTR (zmq_threadstart (run_job, &j));
    zmq_threadclose (thread);
    /* threadclose joined: the function has run, exactly once, with our
     * argument, on another thread. */
    CHECK_EQ (j.calls, 1);
    CHECK (j.seen_arg == &j);
    CHECK (!pthread_equal (j.ran_on, pthread_self ()));
}

static void test_many (void)
{
    struct job jobs[N];
    void *threads[N];
    int i;
    memset (jobs, 0, sizeof jobs);
    for (i = 0; i < N; i++)
        threads[i] = CHECK_PTR (zmq_threadstart (run_job, &jobs[i]));
    for (i = N - 1; i >= 0; i--)
        zmq_threadclose (threads[i]);
    for (i = 0; i < N; i++) {
        CHECK_EQ (jobs[i].calls, 1);
        CHECK (jobs[i].seen_arg == &jobs[i]);
    }
    for (i = 1; i < N; i++)
        CHECK (!pthread_equal (jobs[i].ran_on, jobs[0].ran_on));
}

/* A thread that blocks until the main thread lets it go: threadclose must
 * wait for it rather than return early. */
struct gate
{
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int started;
    int open;
    int finished;
};

static void wait_at_gate (void *arg)
{
    struct gate *g = (struct gate *) arg;
    pthread_mutex_lock (&g->lock);
    g->started = 1;
    pthread_cond_broadcast (&g->cond);
    while (!g->open)
        pthread_cond_wait (&g->cond, &g->lock);
    g->finished = 1;
    pthread_mutex_unlock (&g->lock);
}

static void test_close_waits (void)
{
    struct gate g;
    memset (&g, 0, sizeof g);
    pthread_mutex_init (&g.lock, NULL);
    pthread_cond_init (&g.cond, NULL);

    void *thread = CHECK_PTR (zmq_threadstart (wait_at_gate, &g));
    pthread_mutex_lock (&g.lock);
    while (!g.started)
        pthread_cond_wait (&g.cond, &g.lock);
    CHECK_EQ (g.finished, 0);
    g.open = 1;
    pthread_cond_broadcast (&g.cond);
    pthread_mutex_unlock (&g.lock);

    zmq_threadclose (thread);
    CHECK_EQ (g.finished, 1);

    pthread_cond_destroy (&g.cond);
    pthread_mutex_destroy (&g.lock);
}

int main (void)
{
    test_one ();
    test_many ();
    test_close_waits ();
    return 0;
}
