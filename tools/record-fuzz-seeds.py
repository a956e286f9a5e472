#!/usr/bin/python3
"""Records real ZMTP sessions between Debian's libzmq peers and writes them
as seed inputs for the wire-protocol fuzz targets (src/fuzzing/wire.rs,
src/fuzzing/handshake.rs), in the layout each target expects.

How the seeds were made: Debian's python3-zmq (pyzmq on Debian's libzmq
4.3, ZMTP 3.1) runs a client and a server, NULL, PLAIN (with a ZAP handler
that accepts) and CURVE, for DEALER/ROUTER, REQ/REP, PUB/SUB (SUBSCRIBE)
and PUSH/PULL with heartbeats (PING/PONG), through a TCP relay on
127.0.0.1 that keeps the bytes each side sent. CURVE uses the fuzz
harnesses' fixed keys (secret keys 32 x 0x5e for the server, 32 x 0xc1
for the client), so a recorded HELLO opens in the `handshake` target.
ZMTP 3.0, 2.0 and 1.0 peers are not available here: their seeds are made
by hand below (a 3.1 greeting with minor 0, the 12-byte 2.0 greeting,
a 1.0 identity frame).

Usage: tools/record-fuzz-seeds.py [OUT]   (default fuzz/seeds)
Needs /usr/bin/python3 with python3-zmq; touches only loopback sockets.
"""

import os
import socket
import struct
import sys
import threading
import time

import zmq
import zmq.utils.z85

SERVER_SECRET = bytes([0x5E]) * 32
CLIENT_SECRET = bytes([0xC1]) * 32

# Index of (side under test, peer) socket types in handshake.rs's PAIRS.
PAIRS = {("DEALER", "ROUTER"): 0, ("ROUTER", "DEALER"): 1, ("REQ", "REP"): 2,
         ("REP", "REQ"): 3, ("PUB", "SUB"): 4, ("XSUB", "XPUB"): 5,
         ("PULL", "PUSH"): 6}
MECH = {"NULL": 0, "PLAIN": 1, "CURVE": 2}


class Relay:
    """Accepts one connection and relays it to `target`, keeping what each
    side sent: `c2s` (client to server) and `s2c`."""

    def __init__(self, target_port):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.target_port = target_port
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.threads = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.target_port))
        for src, dst, log in ((client, server, self.c2s), (server, client, self.s2c)):
            t = threading.Thread(target=self._pump, args=(src, dst, log), daemon=True)
            t.start()
            self.threads.append(t)

    @staticmethod
    def _pump(src, dst, log):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            log.extend(data)
            try:
                dst.sendall(data)
            except OSError:
                return


def zap_handler(ctx, stop):
    """Accepts every ZAP request (RFC 27) with user id `fuzz` and one
    metadata property."""
    sock = ctx.socket(zmq.REP)
    sock.bind("inproc://zeromq.zap.01")
    sock.rcvtimeo = 100
    while not stop.is_set():
        try:
            req = sock.recv_multipart()
        except zmq.Again:
            continue
        version, request_id = req[0], req[1]
        sock.send_multipart([version, request_id, b"200", b"OK", b"fuzz",
                             b"\x08X-Tenant\x00\x00\x00\x04blue"])
    sock.close()


def session(mech, client_type, server_type, heartbeat=False):
    """Runs one session through a relay; returns (c2s, s2c)."""
    ctx = zmq.Context()
    stop = threading.Event()
    zap = threading.Thread(target=zap_handler, args=(ctx, stop), daemon=True)
    zap.start()
    time.sleep(0.05)
    server = ctx.socket(getattr(zmq, server_type))
    client = ctx.socket(getattr(zmq, client_type))
    for s in (server, client):
        s.linger = 0
        s.setsockopt(zmq.METADATA, b"X-Seed:recorded") if hasattr(zmq, "METADATA") else None
        if heartbeat:
            s.heartbeat_ivl = 50
            s.heartbeat_ttl = 1000
            s.heartbeat_timeout = 1000
    client.routing_id = b"client-1"
    if mech == "PLAIN":
        server.plain_server = True
        server.zap_domain = b"fuzz"
        client.plain_username = b"admin"
        client.plain_password = b"secret"
    elif mech == "CURVE":
        server.curve_server = True
        server.curve_secretkey = zmq.utils.z85.encode(SERVER_SECRET)
        server.zap_domain = b"fuzz"
        server_public = zmq.curve_public(zmq.utils.z85.encode(SERVER_SECRET))
        client.curve_secretkey = zmq.utils.z85.encode(CLIENT_SECRET)
        client.curve_publickey = zmq.curve_public(zmq.utils.z85.encode(CLIENT_SECRET))
        client.curve_serverkey = server_public
    else:
        server.zap_domain = b"fuzz"
    port = server.bind_to_random_port("tcp://127.0.0.1")
    relay = Relay(port)
    if server_type == "SUB":
        # PUB connects to SUB here so the subscriber is the server side.
        pass
    client.connect("tcp://127.0.0.1:%d" % relay.port)
    poller = zmq.Poller()
    if client_type in ("DEALER", "REQ"):
        client.send_multipart([b"", b"hello"] if client_type == "DEALER" else [b"hello"])
        server.recv_multipart()
        if server_type == "ROUTER":
            pass
        else:
            server.send(b"world")
            client.recv()
    elif client_type == "SUB":
        client.subscribe(b"topic")
        client.subscribe(b"")
        time.sleep(0.2)
        server.send_multipart([b"topic", b"x" * 300])
        poller.register(client, zmq.POLLIN)
        poller.poll(2000)
    elif client_type == "PUSH":
        client.send_multipart([b"part", b"y" * 40])
        server.recv_multipart()
    if heartbeat:
        time.sleep(0.3)
    time.sleep(0.1)
    client.close()
    time.sleep(0.1)
    server.close()
    stop.set()
    zap.join()
    ctx.term()
    for t in relay.threads:
        t.join(2)
    return bytes(relay.c2s), bytes(relay.s2c)


def frames(stream):
    """Splits a ZMTP 3.x stream after its greeting into (flags, body)."""
    out, at = [], 64
    while at + 2 <= len(stream):
        flags = stream[at]
        if flags & 2:
            if at + 9 > len(stream):
                break
            size = struct.unpack(">Q", stream[at + 1:at + 9])[0]
            header = 9
        else:
            size, header = stream[at + 1], 2
        if at + header + size > len(stream):
            break
        out.append((flags, stream[at + header:at + header + size]))
        at += header + size
    return out


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def greeting_31(mech, as_server, minor=1):
    g = bytearray(64)
    g[0], g[8], g[9], g[10], g[11] = 0xFF, 1, 0x7F, 3, minor
    g[12:12 + len(mech)] = mech.encode()
    g[32] = as_server
    return bytes(g)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "seeds")
    runs = [
        ("NULL", "DEALER", "ROUTER", False),
        ("NULL", "REQ", "REP", False),
        ("NULL", "SUB", "PUB", False),
        ("NULL", "PUSH", "PULL", True),
        ("PLAIN", "DEALER", "ROUTER", False),
        ("CURVE", "DEALER", "ROUTER", False),
        ("CURVE", "PUSH", "PULL", True),
    ]
    commands = {}
    for mech, ctype, stype, hb in runs:
        c2s, s2c = session(mech, ctype, stype, hb)
        tag = "%s-%s-%s%s" % (mech.lower(), ctype.lower(), stype.lower(), "-hb" if hb else "")
        print("%-28s client sent %5d bytes, server sent %5d" % (tag, len(c2s), len(s2c)))
        m = MECH[mech]
        for who, stream, sock_type in (("client", c2s, ctype), ("server", s2c, stype)):
            # greeting: setting (mechanism, 3 split points), routing id
            # length, socket type, points 10/1/53, the stream's start.
            write(out, "greeting", "%s-%s" % (tag, who),
                  bytes([0x30 | m, 8, getattr(zmq, sock_type), 10, 1, 53]) + stream[:80])
            # decoder: ZMTP 3.1, no limit, decode_short, 4 split points.
            write(out, "decoder", "%s-%s" % (tag, who),
                  bytes([0x23, 0, 4, 7, 1, 64, 3]) + stream[64:64 + 2048])
            for flags, body in frames(stream):
                if flags & 4 and body[:1] and body[0] < len(body):
                    name = body[1:1 + body[0]].decode("latin-1")
                    key = "%s-%s" % (name.lower(), mech.lower())
                    commands.setdefault(key, (getattr(zmq, sock_type), body))
        # handshake: our side is the server fed the client's stream, and
        # the client fed the server's; ZAP accepts.
        pair = PAIRS.get((stype, ctype))
        if pair is not None:
            write(out, "handshake", tag + "-as-server",
                  bytes([0x04 | m | 0x08, pair, 69, 0, 0, 0, 0]) + c2s[:4096])
        pair = PAIRS.get((ctype, stype))
        if pair is not None:
            write(out, "handshake", tag + "-as-client",
                  bytes([m, pair, 7, 0, 0, 0, 0]) + s2c[:4096])
    for key, (sock_type, body) in sorted(commands.items()):
        write(out, "command", key, bytes([sock_type]) + body)

    # Hand-made: older peers and 3.0.
    write(out, "greeting", "zmtp30", bytes([0x30, 0, 5, 10, 1, 53]) + greeting_31("NULL", 0, 0))
    write(out, "greeting", "zmtp20", bytes([0x20, 0, 5, 10, 2])
          + b"\xff" + b"\0" * 7 + b"\x01\x7f\x01\x05" + b"\x01\x00")
    write(out, "greeting", "zmtp10", bytes([0x10, 3, 5, 1]) + b"\x04\x00abc\x02\x00x")
    write(out, "greeting", "zmtp10-long", bytes([0x10, 0, 5, 9]) + b"\xff" + b"\0" * 7
          + b"\x02\x00\x7e")
    write(out, "decoder", "zmtp10", bytes([0x00, 0, 2, 3, 5]) + b"\x06\x01hello\x04\x00abc"
          + b"\xff" + struct.pack(">Q", 3) + b"\x00ab")
    write(out, "decoder", "zmtp20-limit", bytes([0x0D, 40, 0]) + b"\x01\x03abc\x02"
          + struct.pack(">Q", 50) + b"z" * 50)
    write(out, "decoder", "zmtp31-long-command", bytes([0x23, 0, 2, 5, 40]) + b"\x06"
          + struct.pack(">Q", 41) + b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER"
          + b"\x08Identity\x00\x00\x00\x00")
    write(out, "handshake", "zmtp30-null-after-greeting", bytes([0x30, 1, 69, 0, 0, 0, 0])
          + b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER"
          + b"\x08Identity\x00\x00\x00\x00" + b"\x00\x03abc")
    write(out, "handshake", "zmtp20-peer", bytes([0, 0, 69, 0, 0, 0, 0]) + b"\xff" + b"\0" * 7
          + b"\x01\x7f\x01\x06" + b"\x00\x03abc" + b"\x00\x01x")
    write(out, "handshake", "zmtp10-peer", bytes([0, 4, 3, 0, 0, 0, 0]) + b"\x04\x00abc"
          + b"\x03\x00hi")
    # A server refusing us with ERROR: PLAIN after HELLO, CURVE after
    # HELLO, NULL instead of READY (after a valid greeting, 0x10).
    for m, mech in ((0, "null"), (1, "plain"), (2, "curve")):
        write(out, "handshake", "%s-error-as-client" % mech, bytes([0x10 | m, 0, 69, 0, 0, 0, 0])
              + b"\x04\x0a\x05ERROR\x03400")
    for name, body in [
        ("join", b"\x04JOIN\x05group"), ("leave", b"\x05LEAVE\x05group"),
        ("cancel", b"\x06CANCELtopic"), ("error", b"\x05ERROR\x03400"),
        ("ping-context", b"\x04PING\x00\x0a" + b"c" * 20), ("pong", b"\x04PONGctx"),
    ]:
        write(out, "command", name, bytes([5]) + body)
    zap_frames = [b"", b"1.0", b"1", b"200", b"OK", b"fuzz",
                  b"\x08X-Tenant\x00\x00\x00\x04blue"]
    for status in (b"200", b"300", b"400", b"500"):
        f = list(zap_frames)
        f[3] = status
        write(out, "zap_reply", status.decode(),
              bytes([7]) + b"".join(bytes([len(x)]) + x for x in f))
    # handshake_server/handshake_client: a setting per mechanism and pair,
    # the ZAP verdict 200, then an edit of units 0..8 (greeting pieces,
    # HELLO/WELCOME/INITIATE/READY, the first messages): flip a bit at
    # byte 20 of it.
    for target in ("handshake_server", "handshake_client"):
        for m in (0, 1, 2):
            for unit in range(9):
                setting = m | (unit % 7) << 2
                write(out, target, "%s-unit%d" % (["null", "plain", "curve"][m], unit),
                      bytes([setting, 69, 3]) + b"abc" + bytes([0, 0, 0, unit, 1, 0, 20, 3]))


if __name__ == "__main__":
    main()
