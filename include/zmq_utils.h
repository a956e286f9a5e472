/*
 * zmq_utils.h -- compatibility header, kept so that old programs build.
 *
 * Up to libzmq 4.0 this header declared the stopwatch, sleep and thread
 * helpers. Since 4.1 zmq.h declares them, and libzmq ships this file as a
 * deprecated header that declares nothing.
 *
 * Ours pulls in zmq.h, so that a program which includes only zmq_utils.h
 * for those helpers still finds them. It declares nothing of its own and
 * prints no diagnostic, so it is safe under -Werror.
 */

#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#include "zmq.h"

#endif /* __ZMQ_UTILS_H_INCLUDED__ */
