#!/usr/bin/env python3
"""The GSSAPI publish-subscribe check of tools/gssapi-interop.sh, run with
Debian's pyzmq (python3-zmq) on whichever libzmq LD_LIBRARY_PATH names:
subscriptions and their cancellation travel wrapped (inside MESSAGE) from
a SUB client to a PUB server (ZMQ_GSSAPI_SERVER), in the realm of
tools/krb5-realm.sh.

  gss_pubsub.py pub ENDPOINT SECONDS   publishes "A n" and "B n" every 5 ms
                                       until killed or SECONDS pass
  gss_pubsub.py sub ENDPOINT SECONDS   subscribes to A: only A arrives; then
                                       cancels A, subscribes to B: once B
                                       arrives, only B does. Prints "ok: ..."
"""
import sys
import time

import zmq

role, endpoint, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
ctx = zmq.Context()
if role == "pub":
    s = ctx.socket(zmq.PUB)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.GSSAPI_SERVER, 1)
    s.setsockopt(zmq.GSSAPI_PRINCIPAL, b"zmqtest@localhost")
    s.bind(endpoint)
    print("READY", flush=True)
    end, i = time.time() + seconds, 0
    while time.time() < end:
        s.send_multipart([b"A", b"%d" % i])
        s.send_multipart([b"B", b"%d" % i])
        i += 1
        time.sleep(0.005)
    sys.exit(0)

s = ctx.socket(zmq.SUB)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.GSSAPI_SERVICE_PRINCIPAL, b"zmqtest@localhost")
s.setsockopt(zmq.GSSAPI_PRINCIPAL, b"zmqclient")
s.setsockopt(zmq.GSSAPI_PRINCIPAL_NAMETYPE, 1)
s.setsockopt(zmq.RCVTIMEO, int(seconds * 1000 / 2))
s.setsockopt(zmq.SUBSCRIBE, b"A")
s.connect(endpoint)
try:
    first = [s.recv_multipart() for _ in range(20)]
    topics = {m[0] for m in first}
    if topics != {b"A"}:
        sys.exit("check failed: subscribed to A, got %r" % topics)
    s.setsockopt(zmq.UNSUBSCRIBE, b"A")
    s.setsockopt(zmq.SUBSCRIBE, b"B")
    while s.recv_multipart()[0] != b"B":
        pass
    then = {s.recv_multipart()[0] for _ in range(40)}
    if then != {b"B"}:
        sys.exit("check failed: after cancelling A for B, got %r" % then)
except zmq.Again:
    sys.exit("check failed: nothing more arrived within %.1f s" % (seconds / 2))
print("ok: 20 messages of A only, then B only after the cancel")
