#!/usr/bin/env python3
"""sensor_sub: the subscribing half of the sensor pipeline (see sensor_pub.c).

Connects a pyzmq SUB socket to the publisher, subscribes to "sensor/", decodes
each two-frame message (topic, 24-byte little-endian record) with `struct` and
prints one line per sample. Stops at the "sensor/END" message, or fails after
--timeout seconds without one.

    python3 sensor_sub.py tcp://127.0.0.1:5556 [--timeout 10]

Exit status: 0 when END arrived and every sensor's sequence numbers were
contiguous from 0; 1 otherwise.
"""

import argparse
import datetime
import os
import struct
import sys
import time

import zmq

TOPIC_PREFIX = b"sensor/"
END_TOPIC = b"sensor/END"
# sensor id, flags, sequence, timestamp (us), temperature (m°C), humidity (m%)
RECORD = struct.Struct("<HHIQiI")


def libzmq_path():
    """The file that provides zmq_version to this process: the library pyzmq's
    calls bind to (with LD_PRELOAD, ours rather than the wheel's bundled copy)."""
    try:
        import ctypes

        class DlInfo(ctypes.Structure):
            _fields_ = [
                ("dli_fname", ctypes.c_char_p),
                ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p),
                ("dli_saddr", ctypes.c_void_p),
            ]

        libc = ctypes.CDLL(None)
        addr = ctypes.cast(libc.zmq_version, ctypes.c_void_p)
        info = DlInfo()
        if libc.dladdr(addr, ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(info.dli_fname.decode())
    except (AttributeError, OSError):
        pass
    return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    print(
        f"pyzmq {zmq.pyzmq_version()}, libzmq {zmq.zmq_version()} from {libzmq_path()}",
        flush=True,
    )
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.connect(args.endpoint)
    sub.subscribe(TOPIC_PREFIX)

    next_seq = {}
    gaps = 0
    count = 0
    deadline = time.monotonic() + args.timeout
    ended = False
    while not ended:
        left = deadline - time.monotonic()
        if left <= 0 or not sub.poll(int(left * 1000)):
            print(f"timed out after {args.timeout:g} s without END", file=sys.stderr)
            break
        frames = sub.recv_multipart()
        topic = frames[0]
        if topic == END_TOPIC:
            ended = True
            break
        if len(frames) != 2 or len(frames[1]) != RECORD.size:
            print(f"malformed message on {topic!r}: {len(frames)} frames", file=sys.stderr)
            gaps += 1
            continue
        sensor_id, _flags, seq, ts_us, temp_mc, hum_m = RECORD.unpack(frames[1])
        name = topic[len(TOPIC_PREFIX):].decode("utf-8", "replace")
        expected = next_seq.get(name, 0)
        if seq != expected:
            gaps += 1
        next_seq[name] = seq + 1
        count += 1
        when = datetime.datetime.fromtimestamp(ts_us / 1e6).strftime("%H:%M:%S.%f")[:-3]
        print(
            f"{when}  {name:<10} id={sensor_id} #{seq:<3} "
            f"temperature {temp_mc / 1000:6.2f} °C  humidity {hum_m / 1000:6.2f} %",
            flush=True,
        )

    sub.close()
    ctx.term()
    ok = ended and gaps == 0 and count > 0
    print(
        f"received {count} samples from {len(next_seq)} sensors, "
        f"{gaps} gaps, {'END seen' if ended else 'no END'}: {'OK' if ok else 'FAILED'}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
