/* Z85 encoding (ZeroMQ RFC 32).
 *
 * Man pages: zmq_z85_encode(3), zmq_z85_decode(3).
 */
#include "testutil.h"

#include <stdint.h>

static void test_rfc_vector (void)
{
    const uint8_t bin[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    uint8_t back[8];

    memset (text, '#', sizeof text);
    CHECK (zmq_z85_encode (text, bin, 8) == text);
    CHECK_STREQ (text, "HelloWorld");

    memset (back, 0, sizeof back);
    CHECK (zmq_z85_decode (back, "HelloWorld") == back);
    CHECK (memcmp (back, bin, 8) == 0);
}

static void test_edges (void)
{
    char text[11];
    uint8_t bin[8];

    /* Four zero bytes and four 0xFF bytes: the ends of the alphabet. */
    const uint8_t zeros[4] = {0, 0, 0, 0};
    const uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    CHECK (zmq_z85_encode (text, zeros, 4) == text);
    CHECK_STREQ (text, "00000");
    CHECK (zmq_z85_encode (text, ones, 4) == text);
    CHECK_STREQ (text, "%nSc0");
    CHECK (zmq_z85_decode (bin, "%nSc0") == bin);
    CHECK (memcmp (bin, ones, 4) == 0);
    CHECK (zmq_z85_decode (bin, "00000") == bin);
    CHECK (memcmp (bin, zeros, 4) == 0);

    /* Encoding nothing gives the empty string. */
    memset (text, '#', sizeof text);
    CHECK (zmq_z85_encode (text, zeros, 0) == text);
    CHECK_STREQ (text, "");
}

/* Deterministic pseudo-random bytes (64-bit LCG), so failures repeat. */
static uint64_t lcg_state = 0x9E3779B97F4A7C15ull;
static uint8_t next_byte (void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t) (lcg_state >> 56);
}

static void test_key_round_trips (void)
{
    int round, i;
    for (round = 0; round < 1000; round++) {
        uint8_t key[32], back[32];
        char text[41];
        for (i = 0; i < 32; i++)
            key[i] = next_byte ();
        memset (text, 0x7f, sizeof text);
        CHECK (zmq_z85_encode (text, key, 32) == text);
        CHECK_EQ (strlen (text), 40);
        for (i = 0; i < 40; i++)
            CHECK (strchr ("0123456789abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#",
                           text[i])
                   != NULL);
        memset (back, 0, sizeof back);
        CHECK (zmq_z85_decode (back, text) == back);
        CHECK (memcmp (back, key, 32) == 0);
    }

    /* Longer, odd multiples of four also round-trip. */
    {
        uint8_t data[100], back[100];
        char text[126];
        for (i = 0; i < 100; i++)
            data[i] = next_byte ();
        CHECK (zmq_z85_encode (text, data, 100) == text);
        CHECK_EQ (strlen (text), 125);
        CHECK (zmq_z85_decode (back, text) == back);
        CHECK (memcmp (back, data, 100) == 0);
    }
}

static void test_bad_lengths (void)
{
    const uint8_t bin[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    char text[16];
    uint8_t out[16];

    /* Encoding needs a multiple of 4 bytes. */
    CHECK_NULL_ERRNO (zmq_z85_encode (text, bin, 1), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_encode (text, bin, 3), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_encode (text, bin, 5), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_encode (text, bin, 7), EINVAL);

    /* Decoding needs a non-empty multiple of 5 characters. */
    CHECK_NULL_ERRNO (zmq_z85_decode (out, ""), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_decode (out, "Hell"), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_decode (out, "HelloW"), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_decode (out, "HelloWorl"), EINVAL);
    CHECK_NULL_ERRNO (zmq_z85_decode (out, "HelloWorld!"), EINVAL);
}

static void test_bad_characters (void)
{
    /* Printable ASCII that is not in the Z85 alphabet, plus control and
     * non-ASCII bytes. */
    const char bad[] = {' ', '"', '\'', ',', ';', '\\', '_', '`', '|', '~',
                        0x7f, '\t', '\n', 0x01, (char) 0x80, (char) 0xC3,
                        (char) 0xFF};
    size_t i;
    for (i = 0; i < sizeof bad; i++) {
        char text[11];
        uint8_t out[8];
        memcpy (text, "HelloWorld", 11);
        text[7] = bad[i];
        errno = 0;
        if (zmq_z85_decode (out, text) != NULL) {
            fprintf (stderr, "character 0x%02x accepted\n",
                     (unsigned char) bad[i]);
            CHECK (!"invalid Z85 character accepted");
        }
        CHECK_EQ (errno, EINVAL);
    }

    /* Five valid characters whose value exceeds 2^32 - 1. */
    {
        uint8_t out[4];
        CHECK_NULL_ERRNO (zmq_z85_decode (out, "%nSc1"), EINVAL);
        CHECK_NULL_ERRNO (zmq_z85_decode (out, "#####"), EINVAL);
    }
}

int main (void)
{
    test_rfc_vector ();
    test_edges ();
    test_key_round_trips ();
    test_bad_lengths ();
    test_bad_characters ();
    return 0;
}
