/* Messages built and consumed locally (no sockets).
 *
 * Man pages: zmq_msg_init(3), zmq_msg_init_size(3), zmq_msg_init_data(3),
 * zmq_msg_close(3), zmq_msg_move(3), zmq_msg_copy(3), zmq_msg_data(3),
 * zmq_msg_size(3), zmq_msg_more(3), zmq_msg_get(3), zmq_msg_set(3),
 * zmq_msg_gets(3).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>

/* Larger than any inline payload, so the content is a separate buffer. */
#define LARGE 1000

/* ---- free-function bookkeeping ---------------------------------------- */

static pthread_mutex_t free_lock = PTHREAD_MUTEX_INITIALIZER;
static int free_calls;
static void *free_last_data;
static void *free_last_hint;
static pthread_t free_last_thread;

static void count_free (void *data, void *hint)
{
    pthread_mutex_lock (&free_lock);
    free_calls++;
    free_last_data = data;
    free_last_hint = hint;
    free_last_thread = pthread_self ();
    pthread_mutex_unlock (&free_lock);
}

static int frees (void)
{
    pthread_mutex_lock (&free_lock);
    int n = free_calls;
    pthread_mutex_unlock (&free_lock);
    return n;
}

static void reset_frees (void)
{
    pthread_mutex_lock (&free_lock);
    free_calls = 0;
    free_last_data = NULL;
    free_last_hint = NULL;
    pthread_mutex_unlock (&free_lock);
}

static void free_heap (void *data, void *hint)
{
    count_free (data, hint);
    free (data);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_init_empty (void)
{
    zmq_msg_t msg;
    CHECK_EQ (sizeof (zmq_msg_t), 64);
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

static void check_init_size (size_t size)
{
    zmq_msg_t msg;
    size_t i;
    CHECK_EQ (zmq_msg_init_size (&msg, size), 0);
    CHECK_EQ (zmq_msg_size (&msg), size);
    unsigned char *data = (unsigned char *) zmq_msg_data (&msg);
    if (size > 0)
        CHECK (data != NULL);
    for (i = 0; i < size; i++)
        data[i] = (unsigned char) (i * 7 + 3);
    for (i = 0; i < size; i++)
        if (data[i] != (unsigned char) (i * 7 + 3))
            CHECK (!"payload byte changed");
    /* zmq_msg_data is stable for one message. */
    CHECK (zmq_msg_data (&msg) == data);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

static void test_init_size (void)
{
    check_init_size (0);
    check_init_size (1);
    check_init_size (5);
    check_init_size (33);
    check_init_size (34);
    check_init_size (64);
    check_init_size (LARGE);
    check_init_size (1024 * 1024);
}

static void test_init_data_with_ffn (void)
{
    static char hint_target;
    zmq_msg_t msg;

    /* Large buffer: the message points at the caller's bytes (no copy),
     * and the free function runs at close with data and hint. */
    reset_frees ();
    char *buf = (char *) malloc (LARGE);
    CHECK (buf != NULL);
    memset (buf, 'x', LARGE);
    CHECK_EQ (zmq_msg_init_data (&msg, buf, LARGE, free_heap, &hint_target),
              0);
    CHECK (zmq_msg_data (&msg) == buf);
    CHECK_EQ (zmq_msg_size (&msg), LARGE);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK_EQ (frees (), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (frees (), 1);
    CHECK (free_last_data == buf);
    CHECK (free_last_hint == &hint_target);

    /* Small buffer: still not copied; the free function still runs. */
    reset_frees ();
    buf = (char *) malloc (4);
    CHECK (buf != NULL);
    memcpy (buf, "abcd", 4);
    CHECK_EQ (zmq_msg_init_data (&msg, buf, 4, free_heap, NULL), 0);
    CHECK (zmq_msg_data (&msg) == buf);
    CHECK_EQ (zmq_msg_size (&msg), 4);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (frees (), 1);
    CHECK (free_last_data == buf);
    CHECK (free_last_hint == NULL);
}

static void test_init_data_without_ffn (void)
{
    static char buf[LARGE];
    char small[3] = {'a', 'b', 'c'};
    zmq_msg_t msg, copy;

    /* No free function: the caller keeps ownership and the message uses
     * the caller's buffer as is. Such content counts as shared. */
    memset (buf, 'q', sizeof buf);
    CHECK_EQ (zmq_msg_init_data (&msg, buf, sizeof buf, NULL, NULL), 0);
    CHECK (zmq_msg_data (&msg) == buf);
    CHECK_EQ (zmq_msg_size (&msg), sizeof buf);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 1);
    buf[10] = 'Z';
    CHECK_EQ (((char *) zmq_msg_data (&msg))[10], 'Z');

    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK (zmq_msg_data (&copy) == buf);
    CHECK_EQ (zmq_msg_get (&copy, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (buf[10], 'Z'); /* untouched by close */

    CHECK_EQ (zmq_msg_init_data (&msg, small, sizeof small, NULL, NULL), 0);
    CHECK (zmq_msg_data (&msg) == small);
    CHECK_EQ (zmq_msg_size (&msg), 3);
    CHECK_EQ (zmq_msg_close (&msg), 0);

    /* A NULL buffer of size 0 is allowed. */
    CHECK_EQ (zmq_msg_init_data (&msg, NULL, 0, NULL, NULL), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

static void test_copy_shares_content (void)
{
    zmq_msg_t a, b, c;

    /* A large message is shared by copy, not duplicated. */
    reset_frees ();
    char *buf = (char *) malloc (LARGE);
    CHECK (buf != NULL);
    memset (buf, 'm', LARGE);
    CHECK_EQ (zmq_msg_init_data (&a, buf, LARGE, free_heap, NULL), 0);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK (zmq_msg_data (&b) == zmq_msg_data (&a));
    CHECK_EQ (zmq_msg_size (&b), LARGE);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 1);

    /* A copy of a copy; the destination's old content is released. */
    CHECK_EQ (zmq_msg_init_size (&c, 10), 0);
    CHECK_EQ (zmq_msg_copy (&c, &b), 0);
    CHECK (zmq_msg_data (&c) == buf);
    CHECK_EQ (zmq_msg_size (&c), LARGE);

    /* The free function runs exactly once, after the last copy closes. */
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (frees (), 0);
    CHECK_EQ (zmq_msg_close (&c), 0);
    CHECK_EQ (frees (), 0);
    CHECK_EQ (((char *) zmq_msg_data (&b))[LARGE - 1], 'm');
    CHECK_EQ (zmq_msg_close (&b), 0);
    CHECK_EQ (frees (), 1);
    CHECK (free_last_data == buf);

    /* Same with init_size content. */
    CHECK_EQ (zmq_msg_init_size (&a, LARGE), 0);
    memset (zmq_msg_data (&a), 'k', LARGE);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK (zmq_msg_data (&a) == zmq_msg_data (&b));
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (((char *) zmq_msg_data (&b))[0], 'k');
    CHECK_EQ (zmq_msg_close (&b), 0);

    /* A small message is copied by value: equal bytes, not shared. */
    CHECK_EQ (zmq_msg_init_size (&a, 5), 0);
    memcpy (zmq_msg_data (&a), "hello", 5);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK_EQ (zmq_msg_size (&b), 5);
    CHECK (memcmp (zmq_msg_data (&b), "hello", 5) == 0);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK (memcmp (zmq_msg_data (&b), "hello", 5) == 0);
    CHECK_EQ (zmq_msg_close (&b), 0);
}

static void test_move (void)
{
    zmq_msg_t a, b;

    reset_frees ();
    char *buf = (char *) malloc (LARGE);
    CHECK (buf != NULL);
    CHECK_EQ (zmq_msg_init_data (&a, buf, LARGE, free_heap, NULL), 0);
    CHECK_EQ (zmq_msg_init_size (&b, 3), 0);
    CHECK_EQ (zmq_msg_move (&b, &a), 0);
    /* The destination takes the content; the source becomes an empty
     * message that must still be closed. */
    CHECK (zmq_msg_data (&b) == buf);
    CHECK_EQ (zmq_msg_size (&b), LARGE);
    CHECK_EQ (zmq_msg_size (&a), 0);
    CHECK_EQ (zmq_msg_more (&a), 0);
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (frees (), 0);
    CHECK_EQ (zmq_msg_close (&b), 0);
    CHECK_EQ (frees (), 1);

    /* Moving small content keeps the bytes. */
    CHECK_EQ (zmq_msg_init_size (&a, 4), 0);
    memcpy (zmq_msg_data (&a), "wxyz", 4);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_move (&b, &a), 0);
    CHECK_EQ (zmq_msg_size (&b), 4);
    CHECK (memcmp (zmq_msg_data (&b), "wxyz", 4) == 0);
    CHECK_EQ (zmq_msg_size (&a), 0);
    /* The emptied source is a normal message: it can be reused. */
    CHECK_EQ (zmq_msg_move (&a, &b), 0);
    CHECK_EQ (zmq_msg_size (&a), 4);
    CHECK_EQ (zmq_msg_size (&b), 0);
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (zmq_msg_close (&b), 0);
}

static void test_properties (void)
{
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init_size (&msg, 8), 0);

    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    /* ZMQ_SRCFD: a local message came from no socket. */
    CHECK_ERRNO (zmq_msg_get (&msg, ZMQ_SRCFD), EINVAL);
    CHECK_ERRNO (zmq_msg_get (&msg, 77), EINVAL);
    CHECK_ERRNO (zmq_msg_get (&msg, -1), EINVAL);

    /* zmq_msg_set supports no property. */
    CHECK_ERRNO (zmq_msg_set (&msg, ZMQ_MORE, 1), EINVAL);
    CHECK_ERRNO (zmq_msg_set (&msg, ZMQ_SHARED, 1), EINVAL);
    CHECK_ERRNO (zmq_msg_set (&msg, 77, 0), EINVAL);
    CHECK_EQ (zmq_msg_more (&msg), 0);

    /* A local message has no metadata. */
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "Peer-Address"), EINVAL);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_NULL_ERRNO (zmq_msg_gets (&msg, ""), EINVAL);

    CHECK_EQ (zmq_msg_close (&msg), 0);
}

/* A zmq_msg_t is plain data: it may be moved with memcpy and used from its
 * new place (the old place is then dead). */
static void test_bitwise_relocation (void)
{
    zmq_msg_t orig, moved;

    CHECK_EQ (zmq_msg_init_size (&orig, 6), 0);
    memcpy (zmq_msg_data (&orig), "inline", 6);
    memcpy (&moved, &orig, sizeof moved);
    memset (&orig, 0xA5, sizeof orig);
    CHECK_EQ (zmq_msg_size (&moved), 6);
    CHECK (memcmp (zmq_msg_data (&moved), "inline", 6) == 0);
    CHECK_EQ (zmq_msg_close (&moved), 0);

    reset_frees ();
    char *buf = (char *) malloc (LARGE);
    CHECK (buf != NULL);
    memset (buf, 'r', LARGE);
    CHECK_EQ (zmq_msg_init_data (&orig, buf, LARGE, free_heap, NULL), 0);
    memcpy (&moved, &orig, sizeof moved);
    memset (&orig, 0, sizeof orig);
    CHECK (zmq_msg_data (&moved) == buf);
    CHECK_EQ (zmq_msg_size (&moved), LARGE);
    CHECK_EQ (zmq_msg_close (&moved), 0);
    CHECK_EQ (frees (), 1);

    /* Relocate a shared copy; both holders keep working. */
    zmq_msg_t holder[2];
    CHECK_EQ (zmq_msg_init_size (&orig, LARGE), 0);
    CHECK_EQ (zmq_msg_init (&moved), 0);
    CHECK_EQ (zmq_msg_copy (&moved, &orig), 0);
    memcpy (&holder[0], &orig, sizeof orig);
    memcpy (&holder[1], &moved, sizeof moved);
    CHECK (zmq_msg_data (&holder[0]) == zmq_msg_data (&holder[1]));
    CHECK_EQ (zmq_msg_close (&holder[1]), 0);
    CHECK_EQ (zmq_msg_size (&holder[0]), LARGE);
    CHECK_EQ (zmq_msg_close (&holder[0]), 0);
}

/* Closed or zeroed message objects are rejected with EFAULT. */
static void test_invalid_messages (void)
{
    zmq_msg_t zeroed, good, closed;
    memset (&zeroed, 0, sizeof zeroed);

    CHECK_ERRNO (zmq_msg_close (&zeroed), EFAULT);

    CHECK_EQ (zmq_msg_init_size (&closed, 4), 0);
    CHECK_EQ (zmq_msg_close (&closed), 0);
    CHECK_ERRNO (zmq_msg_close (&closed), EFAULT);

    CHECK_EQ (zmq_msg_init_size (&good, 4), 0);
    /* Invalid source. */
    CHECK_ERRNO (zmq_msg_copy (&good, &zeroed), EFAULT);
    CHECK_ERRNO (zmq_msg_move (&good, &zeroed), EFAULT);
    CHECK_ERRNO (zmq_msg_copy (&good, &closed), EFAULT);
    CHECK_ERRNO (zmq_msg_move (&good, &closed), EFAULT);
    CHECK_EQ (zmq_msg_size (&good), 4); /* destination untouched */
    /* Invalid destination: it must be an initialised message. */
    CHECK_ERRNO (zmq_msg_copy (&zeroed, &good), EFAULT);
    CHECK_ERRNO (zmq_msg_move (&zeroed, &good), EFAULT);
    CHECK_ERRNO (zmq_msg_copy (&closed, &good), EFAULT);
    CHECK_ERRNO (zmq_msg_move (&closed, &good), EFAULT);
    CHECK_EQ (zmq_msg_size (&good), 4); /* source untouched */
    CHECK_EQ (zmq_msg_close (&good), 0);

    /* A closed message object can be initialised again. */
    CHECK_EQ (zmq_msg_init_size (&closed, 2), 0);
    CHECK_EQ (zmq_msg_size (&closed), 2);
    CHECK_EQ (zmq_msg_close (&closed), 0);
}

/* ---- free function across threads ---------------------------------------- */

struct closer
{
    zmq_msg_t msg; /* relocated here by memcpy */
    pthread_barrier_t *start;
    int rc;
};

static void *close_on_thread (void *arg)
{
    struct closer *c = (struct closer *) arg;
    if (c->start)
        pthread_barrier_wait (c->start);
    c->rc = zmq_msg_close (&c->msg);
    return NULL;
}

static void test_ffn_other_thread (void)
{
    int i;

    /* The last close happens on another thread: the free function runs
     * there, once. */
    reset_frees ();
    {
        zmq_msg_t msg;
        struct closer c;
        pthread_t t;
        char *buf = (char *) malloc (LARGE);
        CHECK (buf != NULL);
        CHECK_EQ (zmq_msg_init_data (&msg, buf, LARGE, free_heap, buf), 0);
        CHECK_EQ (zmq_msg_init (&c.msg), 0);
        CHECK_EQ (zmq_msg_copy (&c.msg, &msg), 0);
        c.start = NULL;
        c.rc = -2;
        CHECK_EQ (zmq_msg_close (&msg), 0);
        CHECK_EQ (frees (), 0);
        CHECK_EQ (pthread_create (&t, NULL, close_on_thread, &c), 0);
        CHECK_EQ (pthread_join (t, NULL), 0);
        CHECK_EQ (c.rc, 0);
        CHECK_EQ (frees (), 1);
        CHECK (pthread_equal (free_last_thread, t));
        CHECK (free_last_hint == buf);
    }

    /* Two holders close at the same moment on two threads, many times:
     * the free function must run exactly once per message. */
    reset_frees ();
    for (i = 0; i < 300; i++) {
        zmq_msg_t msg;
        struct closer c;
        pthread_t t;
        pthread_barrier_t start;
        char *buf = (char *) malloc (LARGE);
        CHECK (buf != NULL);
        CHECK_EQ (pthread_barrier_init (&start, NULL, 2), 0);
        CHECK_EQ (zmq_msg_init_data (&msg, buf, LARGE, free_heap, NULL), 0);
        CHECK_EQ (zmq_msg_init (&c.msg), 0);
        CHECK_EQ (zmq_msg_copy (&c.msg, &msg), 0);
        c.start = &start;
        c.rc = -2;
        CHECK_EQ (pthread_create (&t, NULL, close_on_thread, &c), 0);
        pthread_barrier_wait (&start);
        CHECK_EQ (zmq_msg_close (&msg), 0);
        CHECK_EQ (pthread_join (t, NULL), 0);
        CHECK_EQ (c.rc, 0);
        CHECK_EQ (frees (), i + 1);
        pthread_barrier_destroy (&start);
    }
}

int main (void)
{
    test_init_empty ();
    test_init_size ();
    test_init_data_with_ffn ();
    test_init_data_without_ffn ();
    test_copy_shares_content ();
    test_move ();
    test_properties ();
    test_bitwise_relocation ();
    test_invalid_messages ();
    test_ffn_other_thread ();
    return 0;
}
