/* A program written for plain libzmq: it prints the library version, makes a
 * message and round-trips a key through Z85. Built with `cc hello.c -lzmq`. */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("libzmq %d.%d.%d\n", major, minor, patch);

    zmq_msg_t msg;
    const char *text = "sensor reading 21.5 C";
    if (zmq_msg_init_size (&msg, strlen (text)) != 0)
        return 1;
    memcpy (zmq_msg_data (&msg), text, strlen (text));
    printf ("message of %zu bytes: %.*s\n", zmq_msg_size (&msg),
            (int) zmq_msg_size (&msg), (const char *) zmq_msg_data (&msg));
    zmq_msg_close (&msg);

    const unsigned char key[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char encoded[11];
    if (!zmq_z85_encode (encoded, key, sizeof key))
        return 1;
    printf ("z85: %s\n", encoded);

    void *ctx = zmq_ctx_new ();
    printf ("context with %d I/O thread(s), up to %d sockets\n",
            zmq_ctx_get (ctx, ZMQ_IO_THREADS), zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS));
    return zmq_ctx_term (ctx);
}
