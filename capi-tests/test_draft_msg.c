/* DRAFT message API: zmq_msg_init_buffer, routing ids and groups.
 *
 * Man pages: zmq_msg_init_buffer(3), zmq_msg_set_routing_id(3),
 * zmq_msg_routing_id(3). Group behaviour follows libzmq master.
 */
#include "testutil.h"

#include <stdint.h>

static void check_init_buffer (size_t size)
{
    zmq_msg_t msg;
    size_t i;
    unsigned char *src = (unsigned char *) malloc (size ? size : 1);
    CHECK (src != NULL);
    for (i = 0; i < size; i++)
        src[i] = (unsigned char) (i ^ 0x5A);

    CHECK_EQ (zmq_msg_init_buffer (&msg, src, size), 0);
    CHECK_EQ (zmq_msg_size (&msg), size);
    /* The bytes are copied: the message does not point at the source and
     * later changes to the source do not show. */
    if (size > 0) {
        CHECK (zmq_msg_data (&msg) != (void *) src);
        CHECK (memcmp (zmq_msg_data (&msg), src, size) == 0);
        src[0] ^= 0xFF;
        CHECK_EQ (((unsigned char *) zmq_msg_data (&msg))[0], 0x5A);
    }
    free (src);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

static void test_init_buffer (void)
{
    zmq_msg_t msg;
    check_init_buffer (0);
    check_init_buffer (1);
    check_init_buffer (33);
    check_init_buffer (34);
    check_init_buffer (1000);
    check_init_buffer (1024 * 1024);

    /* NULL with size 0 is allowed. */
    CHECK_EQ (zmq_msg_init_buffer (&msg, NULL, 0), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

static void test_routing_id (void)
{
    zmq_msg_t msg, other;
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);

    CHECK_EQ (zmq_msg_set_routing_id (&msg, 42), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 42);
    /* Zero means "no routing id" and cannot be set; the old one stays. */
    CHECK_ERRNO (zmq_msg_set_routing_id (&msg, 0), EINVAL);
    CHECK_EQ (zmq_msg_routing_id (&msg), 42);
    CHECK_EQ (zmq_msg_set_routing_id (&msg, UINT32_MAX), 0);
    CHECK (zmq_msg_routing_id (&msg) == UINT32_MAX);
    CHECK_EQ (zmq_msg_set_routing_id (&msg, 1), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 1);

    /* A copy carries the routing id; a move takes it from the source. */
    CHECK_EQ (zmq_msg_init (&other), 0);
    CHECK_EQ (zmq_msg_copy (&other, &msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&other), 1);
    CHECK_EQ (zmq_msg_close (&other), 0);
    CHECK_EQ (zmq_msg_init (&other), 0);
    CHECK_EQ (zmq_msg_move (&other, &msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&other), 1);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_EQ (zmq_msg_close (&other), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);

    /* Fresh messages of every kind start without a routing id. */
    CHECK_EQ (zmq_msg_init_size (&msg, 1000), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (zmq_msg_init_buffer (&msg, "ab", 2), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

/* A string of n copies of a letter that depends on the position. */
static char *make_name (size_t n)
{
    char *s = (char *) malloc (n + 1);
    size_t i;
    CHECK (s != NULL);
    for (i = 0; i < n; i++)
        s[i] = (char) ('a' + i % 26);
    s[n] = '\0';
    return s;
}

static void check_group_len (size_t n)
{
    zmq_msg_t msg, copy;
    char *name = make_name (n);
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_set_group (&msg, name), 0);
    CHECK_STREQ (zmq_msg_group (&msg), name);

    /* The copy keeps the group after the original is closed. */
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_STREQ (zmq_msg_group (&copy), name);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    free (name);
}

static void test_group (void)
{
    zmq_msg_t msg, other;

    CHECK_EQ (ZMQ_GROUP_MAX_LENGTH, 255);

    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_STREQ (zmq_msg_group (&msg), "");
    CHECK_EQ (zmq_msg_set_group (&msg, "news"), 0);
    CHECK_STREQ (zmq_msg_group (&msg), "news");
    /* Setting again replaces it. */
    CHECK_EQ (zmq_msg_set_group (&msg, "weather"), 0);
    CHECK_STREQ (zmq_msg_group (&msg), "weather");
    CHECK_EQ (zmq_msg_set_group (&msg, ""), 0);
    CHECK_STREQ (zmq_msg_group (&msg), "");

    /* Move takes the group; the source is left with none. */
    CHECK_EQ (zmq_msg_set_group (&msg, "sports"), 0);
    CHECK_EQ (zmq_msg_init (&other), 0);
    CHECK_EQ (zmq_msg_move (&other, &msg), 0);
    CHECK_STREQ (zmq_msg_group (&other), "sports");
    CHECK_STREQ (zmq_msg_group (&msg), "");
    CHECK_EQ (zmq_msg_close (&other), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);

    /* Short and long group names up to the maximum. */
    check_group_len (1);
    check_group_len (14);
    check_group_len (15);
    check_group_len (16);
    check_group_len (100);
    check_group_len (254);
    check_group_len (255);

    /* A longer name is not refused: libzmq reads at most 255 characters,
     * so the group becomes the name's first 255 characters. */
    {
        char *name = make_name (300);
        CHECK_EQ (zmq_msg_init (&msg), 0);
        CHECK_EQ (zmq_msg_set_group (&msg, name), 0);
        name[255] = '\0';
        CHECK_STREQ (zmq_msg_group (&msg), name);
        CHECK_EQ (zmq_msg_close (&msg), 0);
        free (name);
    }

    /* Group and payload are independent. */
    CHECK_EQ (zmq_msg_init_buffer (&msg, "payload", 7), 0);
    CHECK_EQ (zmq_msg_set_group (&msg, "a-rather-long-group-name"), 0);
    CHECK_EQ (zmq_msg_size (&msg), 7);
    CHECK (memcmp (zmq_msg_data (&msg), "payload", 7) == 0);
    CHECK_STREQ (zmq_msg_group (&msg), "a-rather-long-group-name");
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

int main (void)
{
    test_init_buffer ();
    test_routing_id ();
    test_group ();
    return 0;
}
