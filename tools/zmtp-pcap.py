#!/usr/bin/env python3
"""Prints the ZMTP 3.x stream of each TCP connection in a pcap file (as
tools/gssapi-interop.sh GSS_CAPTURE=1 writes: loopback, Ethernet link
type): the greeting's version, mechanism and as-server byte, then each
frame with its flags, size and, for a command, its name and what follows.
GSSAPI commands are taken apart: INITIATE's token length and the token's
outer form (RFC 2743 section 3.1 framing with the mechanism OID, or a bare
RFC 4121 token), MESSAGE's wrapped-token length and the RFC 4121 wrap
token header (TOK_ID 05 04, flags, EC, RRC). Stdlib only.

Usage: tools/zmtp-pcap.py FILE.pcap [--max N]   (N frames per direction,
default 12; the rest are counted)
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:  # Ethernet
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif linktype == 113:  # Linux cooked
            ip = pkt[16:]
        elif linktype in (101, 228):  # raw IPv4
            ip = pkt
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        src = "%d.%d.%d.%d:%d" % (*ip[12:16], sport)
        dst = "%d.%d.%d.%d:%d" % (*ip[16:20], dport)
        yield src, dst, seq, flags, tcp[doff:]


def streams(path):
    """{(src, dst): bytes} in sequence order, and the connection order."""
    segs, order, syn = {}, [], {}
    for src, dst, seq, flags, payload in packets(path):
        key = (src, dst)
        if key not in segs:
            segs[key] = {}
            order.append(key)
        if flags & 2:  # SYN
            syn[key] = seq + 1
        if payload:
            segs[key].setdefault(seq, payload)
    out = {}
    for key, parts in segs.items():
        base = syn.get(key, min(parts) if parts else 0)
        buf = bytearray()
        for seq in sorted(parts):
            rel = (seq - base) & 0xFFFFFFFF
            if rel > len(buf):
                buf += b"\0" * (rel - len(buf))  # a hole: not expected on lo
            p = parts[seq]
            if rel + len(p) > len(buf):
                buf += p[len(buf) - rel:]
        out[key] = bytes(buf)
    return out, order


def gss_token(tok):
    if tok[:1] == b"\x60":
        # [APPLICATION 0] length, then the mechanism OID, then the inner
        # token whose first two bytes are its TOK_ID (01 00 AP-REQ, 02 00
        # AP-REP, 03 00 KRB-ERROR)
        i = 2 if tok[1] < 0x80 else 2 + (tok[1] & 0x7F)
        if tok[i:i + 1] == b"\x06":
            olen = tok[i + 1]
            oid = tok[i + 2:i + 2 + olen].hex()
            tid = tok[i + 2 + olen:i + 4 + olen].hex()
            names = {"0100": "AP-REQ", "0200": "AP-REP", "0300": "KRB-ERROR"}
            return "GSS framed token, mech OID %s, TOK_ID %s (%s)" % (
                oid, tid, names.get(tid, "?"))
        return "GSS framed token %s..." % tok[:8].hex()
    return "bare token %s..." % tok[:8].hex()


def wrap_token(tok):
    if tok[:2] == b"\x05\x04" and len(tok) >= 16:
        fl = tok[2]
        ec, rrc = struct.unpack(">HH", tok[4:8])
        what = []
        if fl & 1:
            what.append("SentByAcceptor")
        if fl & 2:
            what.append("Sealed")
        if fl & 4:
            what.append("AcceptorSubkey")
        return "RFC 4121 wrap token, flags %02x (%s), EC %d, RRC %d, seq %d" % (
            fl, "|".join(what) or "-", ec, rrc,
            struct.unpack(">Q", tok[8:16])[0])
    if tok[:2] == b"\x04\x04":
        return "RFC 4121 MIC token"
    return "token %s..." % tok[:8].hex()


def frames(buf, limit):
    lines = []
    if len(buf) < 10:
        return ["(%d bytes: no greeting)" % len(buf)]
    if len(buf) >= 64 and buf[0] == 0xFF and buf[9] & 1:
        mech = buf[12:32].rstrip(b"\0").decode("ascii", "replace")
        lines.append("greeting: ZMTP %d.%d, mechanism %s, as-server %d" % (
            buf[10], buf[11], mech, buf[32]))
        pos = 64
    else:
        lines.append("greeting (short or old): %s" % buf[:16].hex())
        return lines
    n = shown = 0
    counted = {}
    while pos < len(buf):
        fl = buf[pos]
        if fl & 2:
            if pos + 9 > len(buf):
                break
            size = struct.unpack(">Q", buf[pos + 1:pos + 9])[0]
            hdr = 9
        else:
            if pos + 2 > len(buf):
                break
            size = buf[pos + 1]
            hdr = 2
        body = buf[pos + hdr:pos + hdr + size]
        cut = len(body) < size
        pos += hdr + size
        n += 1
        kind = "command" if fl & 4 else ("more" if fl & 1 else "last")
        desc = "frame flags %02x (%s), %d B" % (fl, kind, size)
        name = ""
        if body[:8] == b"\x07MESSAGE" and not fl & 4 and len(body) >= 12:
            # a GSSAPI-wrapped message after the handshake: a plain frame
            # (MORE never set outside; the flags byte is inside the token)
            tl = struct.unpack(">I", body[8:12])[0]
            name = "MESSAGE"
            desc += ": MESSAGE token %d B, %s" % (tl, wrap_token(body[12:12 + tl]))
        elif fl & 4 and body:
            nl = body[0]
            name = body[1:1 + nl].decode("ascii", "replace")
            rest = body[1 + nl:]
            desc += ": %s" % name
            if name in ("INITIATE", "MESSAGE") and len(rest) >= 4:
                tl = struct.unpack(">I", rest[:4])[0]
                tok = rest[4:4 + tl]
                desc += " token %d B, %s" % (
                    tl, gss_token(tok) if name == "INITIATE" else wrap_token(tok))
            elif name == "READY":
                props, i = [], 0
                while i < len(rest):
                    kl = rest[i]
                    k = rest[i + 1:i + 1 + kl].decode("ascii", "replace")
                    vl = struct.unpack(">I", rest[i + 1 + kl:i + 5 + kl])[0]
                    v = rest[i + 5 + kl:i + 5 + kl + vl]
                    props.append("%s=%r" % (k, v.decode("ascii", "replace")))
                    i += 5 + kl + vl
                desc += " " + " ".join(props)
            elif name == "ERROR" and rest:
                desc += " reason %r" % rest[1:1 + rest[0]].decode("ascii", "replace")
        elif fl & 4:
            desc += ": (empty command)"
        if cut:
            desc += " (cut short in the capture)"
        if shown < limit:
            lines.append(desc)
            shown += 1
        else:
            k = name or kind
            counted[k] = counted.get(k, 0) + 1
    if counted:
        lines.append("... and " + ", ".join(
            "%d more %s" % (c, k) for k, c in counted.items()))
    if pos < len(buf):
        lines.append("(%d bytes left over)" % (len(buf) - pos))
    return lines


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    limit = 12
    if "--max" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--max") + 1])
    st, order = streams(sys.argv[1])
    for key in order:
        buf = st.get(key, b"")
        print("%s -> %s: %d bytes" % (key[0], key[1], len(buf)))
        for line in frames(buf, limit):
            print("    " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
