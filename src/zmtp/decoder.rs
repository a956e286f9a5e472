//! Frame decoding for ZMTP 3.x and 2.0 (flags first) and ZMTP 1.0 (length
//! first); see `encoder` for the layouts.
//!
//! The decoder refuses a frame over the maximum message size as soon as its
//! header is read, before any of its body is buffered, and hands out large
//! bodies as slices of the input buffer (reference counted, no copy); small
//! ones are copied into the message itself. Nothing here does I/O.

use bytes::{Buf, Bytes, BytesMut};

use super::encoder::wire_flags;
use super::{eproto, Version};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg, INLINE_MAX};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a complete header.
    Header,
    /// Header read; waiting for `size` body bytes.
    Body { msg_flags: u8, size: usize },
}

/// Reads frames in the framing of one protocol version.
#[derive(Debug, Clone)]
pub struct Decoder {
    version: Version,
    /// `ZMQ_MAXMSGSIZE`: the largest body accepted, or -1 for no limit.
    max_msg_size: i64,
    state: State,
}

impl Decoder {
    pub fn new(version: Version, max_msg_size: i64) -> Decoder {
        Decoder {
            version,
            max_msg_size,
            state: State::Header,
        }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// How many more input bytes the current frame needs, at least (a
    /// hint for sizing reads: grow the buffer towards it in bounded steps,
    /// as a peer may announce a body it never sends).
    pub fn bytes_wanted(&self, buffered: usize) -> usize {
        match self.state {
            State::Header => 2usize.saturating_sub(buffered).max(1),
            State::Body { size, .. } => size.saturating_sub(buffered),
        }
    }

    /// The body size of the next frame, once its header is in `buf` (or of
    /// the frame whose header was already taken), without consuming
    /// anything: a caller with a tighter bound than the maximum message
    /// size (the handshake's) refuses the frame here, before its body is
    /// buffered. Errors as `decode` gives them for the header.
    pub fn next_size(&self, buf: &[u8]) -> Result<Option<usize>> {
        match self.state {
            State::Body { size, .. } => Ok(Some(size)),
            State::Header => Ok(self.parse_header(buf)?.map(|(_, _, size)| size)),
        }
    }

    /// Decodes the next frame from the front of `buf`, consuming its bytes.
    /// Returns `Ok(None)` when `buf` holds no complete frame yet (what it
    /// holds is kept, or taken into the decoder's state). The message has
    /// `flags::MORE` and `flags::COMMAND` set as on the wire.
    ///
    /// Errors: `EMSGSIZE` for a body over the maximum size (or over
    /// 2^63-1), `EPROTO` for a zero ZMTP 1.0 length. After an error the
    /// connection must be closed.
    ///
    /// The reserved flag bits (0x08-0x80, which RFC 23 reserves and has
    /// senders clear) are ignored, not refused: libzmq's decoder looks only at MORE, LONG
    /// and COMMAND and delivers the frame, and a peer that sets one keeps
    /// its connection with us as it does with libzmq.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Msg>> {
        if self.state == State::Header {
            let Some((header_len, msg_flags, size)) = self.parse_header(buf)? else {
                return Ok(None);
            };
            buf.advance(header_len);
            self.state = State::Body { msg_flags, size };
        }
        let State::Body { msg_flags, size } = self.state else {
            unreachable!("header state handled above");
        };
        if buf.len() < size {
            return Ok(None);
        }
        let mut msg = if size <= INLINE_MAX {
            let msg = Msg::from_slice(&buf[..size]);
            buf.advance(size);
            msg
        } else {
            Msg::from_bytes(buf.split_to(size).freeze())
        };
        msg.set_flags(msg_flags);
        self.state = State::Header;
        Ok(Some(msg))
    }

    /// Decodes the short message frames (ZMTP 3.x/2.0, body of at most
    /// `INLINE_MAX` bytes, not a command) at the front of `buf`, handing
    /// each to `deliver` until it returns false, and consumes their bytes
    /// at once at the end. Stops at anything else (a long or command
    /// frame, a partial frame, a header `decode` must judge), which
    /// `decode` then takes. The many-small-messages case thus costs no
    /// per-frame buffer bookkeeping.
    pub fn decode_short(&mut self, buf: &mut BytesMut, mut deliver: impl FnMut(Msg) -> bool) {
        if self.state != State::Header || self.version.is_length_first() {
            return;
        }
        let limit = match self.max_msg_size {
            m if m >= 0 && (m as u64) < INLINE_MAX as u64 => m as usize,
            _ => INLINE_MAX,
        };
        let mut pos = 0;
        {
            let data: &[u8] = buf;
            while let [wire, size, rest @ ..] = &data[pos..] {
                let size = *size as usize;
                // Reserved bits are ignored here as in `parse_header`.
                let framing = wire & (wire_flags::LONG | wire_flags::COMMAND);
                if framing != 0 || size > limit || rest.len() < size {
                    break;
                }
                let mut msg = Msg::from_slice(&rest[..size]);
                if wire & wire_flags::MORE != 0 {
                    msg.set_flags(flags::MORE);
                }
                pos += 2 + size;
                if !deliver(msg) {
                    break;
                }
            }
        }
        if pos > 0 {
            buf.advance(pos);
        }
    }

    /// Parses a header at the front of `buf` without consuming it:
    /// `(header length, message flags, body size)`.
    fn parse_header(&self, buf: &[u8]) -> Result<Option<(usize, u8, usize)>> {
        if self.version.is_length_first() {
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            let (length, flags_at) = if first == 0xFF {
                match read_u64(buf, 1) {
                    Some(length) => (length, 9),
                    None => return Ok(None),
                }
            } else {
                (first as u64, 1)
            };
            // RFC 13: the length includes the flags byte, so 0 is invalid.
            if length == 0 {
                return Err(eproto());
            }
            let size = self.check_size(length - 1)?;
            let Some(&wire) = buf.get(flags_at) else {
                return Ok(None);
            };
            // Bits 1-7 "SHOULD be zero": not checked (libzmq keeps MORE only,
            // and our own pseudo-signature sends 0x7F as identity flags).
            Ok(Some((flags_at + 1, wire & flags::MORE, size)))
        } else {
            let Some(&wire) = buf.first() else {
                return Ok(None);
            };
            let (size, header_len) = if wire & wire_flags::LONG != 0 {
                match read_u64(buf, 1) {
                    Some(size) => (size, 9),
                    None => return Ok(None),
                }
            } else {
                match buf.get(1) {
                    Some(&size) => (size as u64, 2),
                    None => return Ok(None),
                }
            };
            let size = self.check_size(size)?;
            let mut msg_flags = 0;
            if wire & wire_flags::MORE != 0 {
                msg_flags |= flags::MORE;
            }
            if wire & wire_flags::COMMAND != 0 {
                msg_flags |= flags::COMMAND;
            }
            Ok(Some((header_len, msg_flags, size)))
        }
    }

    /// Refuses a body over the maximum message size, over the RFC's
    /// 2^63-1, or over what this machine can address.
    fn check_size(&self, size: u64) -> Result<usize> {
        if size > i64::MAX as u64 {
            return Err(Error::MsgSize);
        }
        if self.max_msg_size >= 0 && size > self.max_msg_size as u64 {
            return Err(Error::MsgSize);
        }
        usize::try_from(size)
            .ok()
            .filter(|&s| s <= isize::MAX as usize)
            .ok_or(Error::MsgSize)
    }
}

fn read_u64(buf: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = buf.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Splits a SUBSCRIBE/CANCEL carried as a 3.0-style message (`0x01 topic`
/// / `0x00 topic`) into (subscribe, topic); `None` for other messages.
/// libzmq's XPUB accepts this form from peers of every version.
pub fn legacy_subscription(body: &Bytes) -> Option<(bool, Bytes)> {
    match body.first() {
        Some(&1) => Some((true, body.slice(1..))),
        Some(&0) => Some((false, body.slice(1..))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::encoder::Encoder;

    fn msg(body: &[u8], msg_flags: u8) -> Msg {
        let mut m = Msg::from_slice(body);
        m.set_flags(msg_flags);
        m
    }

    #[test]
    fn short_run_matches_frame_by_frame() {
        // Short frames, a MORE frame, a 40-byte frame, a command, a frame
        // split at the end: decode_short + decode give what decode alone
        // gives, in order, and stop where a deliver refuses.
        let mut wire = Vec::new();
        let frames: Vec<(Vec<u8>, u8)> = vec![
            (b"a".to_vec(), 0),
            (vec![], flags::MORE),
            (vec![7; 32], 0),
            (vec![9; 40], 0),
            (b"\x04PING\x00\x01".to_vec(), flags::COMMAND),
            (b"tail".to_vec(), 0),
            (b"more".to_vec(), flags::MORE),
        ];
        for (body, f) in &frames {
            wire.extend(encoded(Version::Zmtp31, body, *f));
        }
        wire.push(0); // a header with no length yet
        for stop_after in [usize::MAX, 1, 2] {
            let mut input = BytesMut::from(&wire[..]);
            let mut d = Decoder::new(Version::Zmtp31, -1);
            let mut got = Vec::new();
            loop {
                let mut n = 0;
                d.decode_short(&mut input, |m| {
                    got.push((m.data().to_vec(), m.flags()));
                    n += 1;
                    n < stop_after
                });
                match d.decode(&mut input).unwrap() {
                    Some(m) => got.push((m.data().to_vec(), m.flags())),
                    None => break,
                }
            }
            assert_eq!(got, frames, "stop after {stop_after}");
            assert_eq!(&input[..], &[0]);
        }
        // A limit below the frame's size leaves it to `decode`, which
        // refuses it.
        let mut input = BytesMut::from(&encoded(Version::Zmtp31, b"abcdef", 0)[..]);
        let mut d = Decoder::new(Version::Zmtp31, 5);
        d.decode_short(&mut input, |_| panic!("over the limit"));
        assert_eq!(d.decode(&mut input).unwrap_err(), Error::MsgSize);
    }

    fn encoded(version: Version, body: &[u8], msg_flags: u8) -> Vec<u8> {
        let mut out = BytesMut::new();
        Encoder::new(version).encode(&msg(body, msg_flags), &mut out);
        out.to_vec()
    }

    /// Decodes every frame of `wire` fed `step` bytes at a time.
    fn decode_all(version: Version, max: i64, wire: &[u8], step: usize) -> Result<Vec<Msg>> {
        let mut dec = Decoder::new(version, max);
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for chunk in wire.chunks(step) {
            buf.extend_from_slice(chunk);
            while let Some(m) = dec.decode(&mut buf)? {
                frames.push(m);
            }
        }
        assert!(buf.is_empty(), "undecoded bytes left");
        Ok(frames)
    }

    const MORE: u8 = flags::MORE;

    #[test]
    fn round_trip_every_version_and_split() {
        let big = vec![0x5Au8; 70_000];
        let frames: Vec<(Vec<u8>, u8)> = vec![
            (b"".to_vec(), 0),
            (b"a".to_vec(), MORE),
            (vec![7; 32], MORE),
            (vec![8; 33], 0),
            (vec![9; 255], MORE),
            (vec![1; 256], 0),
            (big, 0),
        ];
        for version in [
            Version::Zmtp10,
            Version::Zmtp20,
            Version::Zmtp30,
            Version::Zmtp31,
        ] {
            let mut wire = Vec::new();
            for (body, f) in &frames {
                wire.extend(encoded(version, body, *f));
            }
            for step in [1, 3, 64, wire.len()] {
                let got = decode_all(version, -1, &wire, step).unwrap();
                assert_eq!(got.len(), frames.len());
                for (m, (body, f)) in got.iter().zip(&frames) {
                    assert_eq!(m.data(), &body[..], "{version:?} step {step}");
                    assert_eq!(m.flags(), *f);
                }
            }
        }
    }

    #[test]
    fn command_flag_is_decoded() {
        let got = decode_all(Version::Zmtp31, -1, b"\x04\x05\x04PONG", 1).unwrap();
        assert!(got[0].is_command() && !got[0].more());
        assert_eq!(got[0].data(), b"\x04PONG");
    }

    #[test]
    fn large_body_is_a_slice_of_the_input() {
        let wire = encoded(Version::Zmtp31, &[3u8; 1000], 0);
        let mut buf = BytesMut::from(&wire[..]);
        let body_addr = buf.as_ptr() as usize + 9;
        let m = Decoder::new(Version::Zmtp31, -1)
            .decode(&mut buf)
            .unwrap()
            .unwrap();
        assert_eq!(m.data().as_ptr() as usize, body_addr, "body was copied");
        assert!(buf.is_empty());
    }

    #[test]
    fn reserved_bits_are_ignored() {
        // As libzmq: every reserved bit, alone or with MORE, COMMAND and
        // LONG, leaves the frame as it would be without it.
        for reserved in [0x08u8, 0x10, 0x20, 0x40, 0x80, 0xF8] {
            for (extra, want) in [(0, 0), (0x01, MORE), (0x04, flags::COMMAND)] {
                for v in [Version::Zmtp20, Version::Zmtp30, Version::Zmtp31] {
                    let short = [reserved | extra, 1, b'x'];
                    let long = [reserved | extra | 0x02, 0, 0, 0, 0, 0, 0, 0, 1, b'x'];
                    for wire in [&short[..], &long[..]] {
                        for step in [1, wire.len()] {
                            let got = decode_all(v, -1, wire, step).unwrap();
                            assert_eq!(got.len(), 1, "flags {:#x}", wire[0]);
                            assert_eq!(got[0].data(), b"x");
                            assert_eq!(got[0].flags(), want, "flags {:#x}", wire[0]);
                        }
                    }
                    // The short-frame run takes them too.
                    let mut buf = BytesMut::from(&short[..]);
                    let mut d = Decoder::new(v, -1);
                    let mut n = 0;
                    d.decode_short(&mut buf, |m| {
                        assert_eq!((m.data(), m.flags()), (&b"x"[..], want));
                        n += 1;
                        true
                    });
                    if extra & 0x04 == 0 {
                        assert_eq!((n, buf.len()), (1, 0), "flags {:#x}", short[0]);
                    }
                }
            }
        }
        // ZMTP 1.0 ignores bits 1-7 of its flags byte.
        let got = decode_all(Version::Zmtp10, -1, &[2, 0x7F, b'x'], 1).unwrap();
        assert_eq!(got[0].flags(), MORE);
    }

    #[test]
    fn max_size_is_checked_at_the_header() {
        // Only the 9-byte header is given: the decision needs no body.
        let mut buf = BytesMut::from(&[0x02u8, 0, 0, 0, 0, 0, 0, 0x10, 0x01][..]);
        let mut dec = Decoder::new(Version::Zmtp31, 4096);
        assert_eq!(dec.decode(&mut buf).unwrap_err(), Error::MsgSize);
        // Exactly the limit is fine.
        let ok = encoded(Version::Zmtp31, &[0; 100], 0);
        assert_eq!(decode_all(Version::Zmtp31, 100, &ok, 7).unwrap().len(), 1);
        let over = encoded(Version::Zmtp31, &[0; 101], 0);
        assert_eq!(
            decode_all(Version::Zmtp31, 100, &over, 7).unwrap_err(),
            Error::MsgSize
        );
        let over10 = encoded(Version::Zmtp10, &[0; 101], 0);
        assert_eq!(
            decode_all(Version::Zmtp10, 100, &over10, 7).unwrap_err(),
            Error::MsgSize
        );
        // Zero is a limit too.
        assert_eq!(
            decode_all(Version::Zmtp31, 0, b"\x00\x00", 1)
                .unwrap()
                .len(),
            1
        );
        assert!(decode_all(Version::Zmtp31, 0, b"\x00\x01x", 1).is_err());
    }

    #[test]
    fn absurd_lengths_are_refused_without_allocation() {
        let two_63 = [0x02u8, 0x80, 0, 0, 0, 0, 0, 0, 0];
        let all_ones = [0x02u8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        for wire in [&two_63[..], &all_ones[..]] {
            let mut buf = BytesMut::from(wire);
            let err = Decoder::new(Version::Zmtp31, -1)
                .decode(&mut buf)
                .unwrap_err();
            assert_eq!(err, Error::MsgSize);
        }
        let v1 = [0xFFu8, 0x80, 0, 0, 0, 0, 0, 0, 1, 0];
        let mut buf = BytesMut::from(&v1[..]);
        assert_eq!(
            Decoder::new(Version::Zmtp10, -1)
                .decode(&mut buf)
                .unwrap_err(),
            Error::MsgSize
        );
    }

    #[test]
    fn huge_declared_body_waits_without_buffering() {
        let mut buf = BytesMut::from(&[0x02u8, 0, 0, 0, 0x10, 0, 0, 0, 0, b'x'][..]);
        let mut dec = Decoder::new(Version::Zmtp31, -1);
        assert!(dec.decode(&mut buf).unwrap().is_none());
        assert_eq!(buf.len(), 1);
        assert!(buf.capacity() < 4096, "nothing was reserved for the body");
        assert_eq!(dec.bytes_wanted(buf.len()), (1usize << 36) - 1);
    }

    #[test]
    fn next_size_reads_the_header_only() {
        let mut d = Decoder::new(Version::Zmtp31, -1);
        assert_eq!(d.next_size(b"").unwrap(), None);
        assert_eq!(d.next_size(b"\x04").unwrap(), None);
        assert_eq!(d.next_size(b"\x04\x05ab").unwrap(), Some(5));
        let long = [0x06u8, 0, 0, 0, 0, 0x40, 0, 0, 0];
        assert_eq!(d.next_size(&long[..8]).unwrap(), None);
        assert_eq!(d.next_size(&long).unwrap(), Some(1 << 30));
        // Once the header is taken, the frame's size is still known.
        let mut buf = BytesMut::from(&b"\x00\x05ab"[..]);
        assert!(d.decode(&mut buf).unwrap().is_none());
        assert_eq!(d.next_size(&buf).unwrap(), Some(5));
        // The maximum message size is judged as `decode` judges it.
        let d = Decoder::new(Version::Zmtp31, 4);
        assert_eq!(d.next_size(b"\x04\x05").unwrap_err(), Error::MsgSize);
        let d = Decoder::new(Version::Zmtp10, -1);
        assert_eq!(d.next_size(b"\x03\x00").unwrap(), Some(2));
    }

    #[test]
    fn zmtp10_zero_length_is_a_protocol_error() {
        for wire in [&[0u8][..], &[0xFF, 0, 0, 0, 0, 0, 0, 0, 0][..]] {
            assert_eq!(
                decode_all(Version::Zmtp10, -1, wire, 1).unwrap_err(),
                Error::Os(libc::EPROTO)
            );
        }
    }

    #[test]
    fn legacy_subscriptions() {
        let sub = legacy_subscription(&Bytes::from_static(b"\x01ab"));
        assert_eq!(sub, Some((true, Bytes::from_static(b"ab"))));
        let cancel = legacy_subscription(&Bytes::from_static(b"\x00"));
        assert_eq!(cancel, Some((false, Bytes::new())));
        assert_eq!(legacy_subscription(&Bytes::from_static(b"\x02ab")), None);
        assert_eq!(legacy_subscription(&Bytes::new()), None);
    }
}
