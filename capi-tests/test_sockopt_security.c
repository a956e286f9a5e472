/* Socket options of the CURVE and GSSAPI security mechanisms.
 *
 * Man pages: zmq_setsockopt(3), zmq_getsockopt(3), zmq_curve(7),
 * zmq_gssapi(7), zmq_has(3), zmq_z85_encode(3).
 *
 * A library built without a mechanism refuses all of its options with
 * EINVAL; zmq_has() says which case applies, and both are checked. Keys
 * are 32 bytes: set as 32 binary bytes, 40 Z85 characters, or 40 Z85
 * characters plus NUL (41 bytes); read back as 32 binary bytes or, with a
 * 41-byte buffer, as NUL-terminated Z85. Any other length is EINVAL.
 */
#include "testutil.h"

static void *ctx;

static int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

static const int curve_keys[] = {ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY,
                                 ZMQ_CURVE_SERVERKEY};

static void test_curve_defaults (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    unsigned char bin[32];
    char z85[41];
    size_t i, len;
    CHECK_EQ (GET_INT (s, ZMQ_CURVE_SERVER), 0);
    for (i = 0; i < 3; i++) {
        memset (bin, 0xAA, sizeof bin);
        len = sizeof bin;
        CHECK_RC (zmq_getsockopt (s, curve_keys[i], bin, &len));
        CHECK_EQ (len, 32);
        CHECK (bin[0] == 0 && bin[31] == 0);
        /* All-zero key in Z85. */
        len = sizeof z85;
        CHECK_RC (zmq_getsockopt (s, curve_keys[i], z85, &len));
        CHECK_STREQ (z85, "0000000000000000000000000000000000000000");
    }
    CHECK_EQ (zmq_close (s), 0);
}

static void test_curve_key_forms (void)
{
    char public_z85[41], secret_z85[41], back[41];
    unsigned char public_bin[32], got[32];
    size_t i, len;
    CHECK_RC (zmq_curve_keypair (public_z85, secret_z85));
    CHECK (zmq_z85_decode (public_bin, public_z85) != NULL);

    for (i = 0; i < 3; i++) {
        void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
        int option = curve_keys[i];

        /* 40 Z85 characters, no terminator. */
        CHECK_RC (zmq_setsockopt (s, option, public_z85, 40));
        CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_CURVE);
        len = sizeof got;
        CHECK_RC (zmq_getsockopt (s, option, got, &len));
        CHECK (memcmp (got, public_bin, 32) == 0);
        len = sizeof back;
        CHECK_RC (zmq_getsockopt (s, option, back, &len));
        CHECK_STREQ (back, public_z85);

        /* 41 bytes: Z85 plus NUL. */
        CHECK_RC (zmq_setsockopt (s, option, secret_z85, 41));
        len = sizeof back;
        CHECK_RC (zmq_getsockopt (s, option, back, &len));
        CHECK_STREQ (back, secret_z85);

        /* 32 binary bytes. */
        CHECK_RC (zmq_setsockopt (s, option, public_bin, 32));
        len = sizeof back;
        CHECK_RC (zmq_getsockopt (s, option, back, &len));
        CHECK_STREQ (back, public_z85);

        /* Wrong lengths and bad Z85 characters. */
        CHECK_ERRNO (zmq_setsockopt (s, option, public_z85, 39), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (s, option, public_bin, 31), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (s, option, public_bin, 33), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (s, option, NULL, 0), EINVAL);
        CHECK_ERRNO (
          zmq_setsockopt (s, option, "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
                          40),
          EINVAL);
        /* Reading needs 32 or 41 bytes exactly. */
        len = 40;
        CHECK_ERRNO (zmq_getsockopt (s, option, back, &len), EINVAL);
        len = 33;
        CHECK_ERRNO (zmq_getsockopt (s, option, back, &len), EINVAL);
        CHECK_EQ (zmq_close (s), 0);
    }
}

static void test_curve_roles (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    char public_z85[41], secret_z85[41];
    CHECK_RC (zmq_curve_keypair (public_z85, secret_z85));

    CHECK_RC (set_int (s, ZMQ_CURVE_SERVER, 1));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (GET_INT (s, ZMQ_CURVE_SERVER), 1);
    CHECK_EQ (GET_INT (s, ZMQ_PLAIN_SERVER), 0);
    /* Giving a server key makes the socket a client. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, public_z85, 40));
    CHECK_EQ (GET_INT (s, ZMQ_CURVE_SERVER), 0);
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_CURVE);
    /* CURVE_SERVER 0 drops back to NULL. */
    CHECK_RC (set_int (s, ZMQ_CURVE_SERVER, 0));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_ERRNO (set_int (s, ZMQ_CURVE_SERVER, 2), EINVAL);
    CHECK_ERRNO (set_int (s, ZMQ_CURVE_SERVER, -1), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_curve_absent (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    unsigned char key[41];
    size_t i, len;
    int value;
    memset (key, 'a', sizeof key);
    CHECK_ERRNO (set_int (s, ZMQ_CURVE_SERVER, 1), EINVAL);
    len = sizeof value;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_CURVE_SERVER, &value, &len), EINVAL);
    for (i = 0; i < 3; i++) {
        CHECK_ERRNO (zmq_setsockopt (s, curve_keys[i], key, 32), EINVAL);
        len = 32;
        CHECK_ERRNO (zmq_getsockopt (s, curve_keys[i], key, &len), EINVAL);
    }
    CHECK_EQ (zmq_close (s), 0);
}

static void test_gssapi (void)
{
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    char buf[300];
    size_t len;

    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_SERVER), 0);
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_PLAINTEXT), 0);
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE),
              ZMQ_GSSAPI_NT_HOSTBASED);
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE),
              ZMQ_GSSAPI_NT_HOSTBASED);
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len));
    CHECK_EQ (len, 1);
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, buf, &len));
    CHECK_EQ (len, 1);

    /* A principal selects GSSAPI. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "me", 2));
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_GSSAPI);
    len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len));
    CHECK_STREQ (buf, "me");
    CHECK_EQ (len, 3);
    CHECK_RC (set_int (s, ZMQ_GSSAPI_SERVER, 1));
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_SERVER), 1);
    /* Naming a service to talk to makes it a client again. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "svc", 3));
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_SERVER), 0);
    CHECK_EQ (GET_INT (s, ZMQ_MECHANISM), ZMQ_GSSAPI);

    CHECK_RC (set_int (s, ZMQ_GSSAPI_PLAINTEXT, 1));
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_PLAINTEXT), 1);
    CHECK_ERRNO (set_int (s, ZMQ_GSSAPI_PLAINTEXT, 2), EINVAL);
    CHECK_ERRNO (set_int (s, ZMQ_GSSAPI_SERVER, 2), EINVAL);

    CHECK_RC (set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                       ZMQ_GSSAPI_NT_KRB5_PRINCIPAL));
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE),
              ZMQ_GSSAPI_NT_KRB5_PRINCIPAL);
    CHECK_RC (set_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
                       ZMQ_GSSAPI_NT_USER_NAME));
    CHECK_EQ (GET_INT (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE),
              ZMQ_GSSAPI_NT_USER_NAME);
    CHECK_ERRNO (set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, 3), EINVAL);
    CHECK_ERRNO (set_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, -1),
                 EINVAL);

    memset (buf, 'p', sizeof buf);
    CHECK_RC (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, 255));
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, 256), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, NULL, 0), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, buf, 0),
                 EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

static void test_gssapi_absent (void)
{
    static const int options[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PLAINTEXT,
                                  ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                                  ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};
    void *s = CHECK_PTR (zmq_socket (ctx, ZMQ_DEALER));
    char buf[16];
    size_t i, len;
    for (i = 0; i < sizeof options / sizeof options[0]; i++) {
        int value = 0;
        len = sizeof value;
        CHECK_ERRNO (set_int (s, options[i], 0), EINVAL);
        CHECK_ERRNO (zmq_getsockopt (s, options[i], &value, &len), EINVAL);
    }
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "me", 2), EINVAL);
    len = sizeof buf;
    CHECK_ERRNO (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len), EINVAL);
    CHECK_EQ (zmq_close (s), 0);
}

int main (void)
{
    ctx = CHECK_PTR (zmq_ctx_new ());
    if (zmq_has ("curve")) {
        test_curve_defaults ();
        test_curve_key_forms ();
        test_curve_roles ();
    } else
        test_curve_absent ();
    if (zmq_has ("gssapi"))
        test_gssapi ();
    else
        test_gssapi_absent ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
