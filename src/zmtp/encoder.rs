//! Frame encoding: ZMTP 3.x and 2.0 (flags first, RFC 23/15) and ZMTP 1.0
//! (length first, RFC 13).
//!
//! ```text
//! 3.x / 2.0:  flags(1) size(1 | 8, big-endian) body      flags: MORE=1 LONG=2 COMMAND=4
//! 1.0:        length(1 | 0xFF + 8) flags(1) body         length = body + 1
//! ```
//!
//! Headers are built apart from bodies, so the engine can `writev` a large
//! body without copying it. Nothing here does I/O.

use bytes::{BufMut, BytesMut};

use super::Version;
use crate::msg::{flags, Msg, INLINE_MAX};

/// Bits of the 2.0/3.x flags byte.
pub mod wire_flags {
    pub const MORE: u8 = 0x01;
    pub const LONG: u8 = 0x02;
    pub const COMMAND: u8 = 0x04;
    /// Bits 7-3: reserved (RFC 23). We send them clear; the decoder ignores
    /// them in what it receives, as libzmq does.
    pub const RESERVED: u8 = 0xF8;
}

/// Body of the 3.1 SUBSCRIBE command's name field.
const SUBSCRIBE_NAME: &[u8] = b"\x09SUBSCRIBE";
/// Body of the 3.1 CANCEL command's name field.
const CANCEL_NAME: &[u8] = b"\x06CANCEL";

/// The largest frame header: 1.0 long form, `0xFF` + 8 bytes + flags.
const MAX_HEADER: usize = 10;

/// An encoded frame header, up to 10 bytes, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    bytes: [u8; MAX_HEADER],
    len: u8,
}

impl FrameHeader {
    fn new() -> FrameHeader {
        FrameHeader {
            bytes: [0; MAX_HEADER],
            len: 0,
        }
    }

    fn push(&mut self, data: &[u8]) {
        let at = self.len as usize;
        self.bytes[at..at + data.len()].copy_from_slice(data);
        self.len += data.len() as u8;
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for FrameHeader {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl std::fmt::Debug for FrameHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FrameHeader({:02x?})", self.as_ref())
    }
}

/// Header of a frame of `size` body bytes with message flags `msg_flags`
/// (`flags::MORE`, `flags::COMMAND`), in the framing of `version`.
pub fn frame_header(version: Version, msg_flags: u8, size: usize) -> FrameHeader {
    let mut h = FrameHeader::new();
    let more = msg_flags & flags::MORE != 0;
    if version.is_length_first() {
        // RFC 13: the length counts the flags byte; 1..=254 fit one byte.
        // ZMTP 1.0 has no command frames: only MORE goes on the wire.
        let length = size as u64 + 1;
        if length < 0xFF {
            h.push(&[length as u8]);
        } else {
            h.push(&[0xFF]);
            h.push(&length.to_be_bytes());
        }
        h.push(&[more as u8]);
    } else {
        let mut wire = 0u8;
        if more {
            wire |= wire_flags::MORE;
        }
        if msg_flags & flags::COMMAND != 0 {
            wire |= wire_flags::COMMAND;
        }
        if size > 0xFF {
            h.push(&[wire | wire_flags::LONG]);
            h.push(&(size as u64).to_be_bytes());
        } else {
            h.push(&[wire, size as u8]);
        }
    }
    h
}

/// Writes frames in the framing of one protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoder {
    version: Version,
}

impl Encoder {
    pub fn new(version: Version) -> Encoder {
        Encoder { version }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The header of `msg` (its MORE and COMMAND flags and size). For a
    /// large body, write this header and then `msg.data()` (or
    /// `msg.to_bytes()`, which shares rather than copies) with `writev`.
    pub fn header(&self, msg: &Msg) -> FrameHeader {
        frame_header(self.version, msg.flags(), msg.size())
    }

    /// Appends `msg` as one frame: header and a copy of the body.
    pub fn encode(&self, msg: &Msg, out: &mut BytesMut) {
        let size = msg.size();
        if size <= 0xFF && !self.version.is_length_first() {
            // The common short frame: flags and a one-byte length (the
            // MORE and COMMAND bits are the same in both flag sets).
            const _: () = assert!(flags::MORE == wire_flags::MORE);
            const _: () = assert!(flags::COMMAND << 1 == wire_flags::COMMAND);
            let f = msg.flags();
            let wire = (f & flags::MORE) | ((f & flags::COMMAND) << 1);
            if size <= INLINE_MAX {
                // Header and body go in with one copy.
                let mut frame = [0u8; 2 + INLINE_MAX];
                frame[0] = wire;
                frame[1] = size as u8;
                frame[2..2 + size].copy_from_slice(msg.data());
                out.extend_from_slice(&frame[..2 + size]);
                return;
            }
            out.reserve(2 + size);
            out.put_slice(&[wire, size as u8]);
            out.put_slice(msg.data());
            return;
        }
        let header = self.header(msg);
        out.reserve(header.len() + msg.size());
        out.put_slice(header.as_ref());
        out.put_slice(msg.data());
    }

    /// Appends a command frame with `body`.
    pub fn encode_command(&self, body: &[u8], out: &mut BytesMut) {
        let header = frame_header(self.version, flags::COMMAND, body.len());
        out.reserve(header.len() + body.len());
        out.put_slice(header.as_ref());
        out.put_slice(body);
    }

    /// Appends a subscription (`subscribe`) or its cancellation for
    /// `topic` in the form this peer understands (see `subscription_msg`).
    pub fn encode_subscription(&self, subscribe: bool, topic: &[u8], out: &mut BytesMut) {
        self.encode(&subscription_msg(self.version, subscribe, topic), out);
    }
}

/// A subscription (`subscribe`) or its cancellation for `topic`, as the
/// frame a peer of `version` understands: a SUBSCRIBE/CANCEL command for
/// 3.1, a message `0x01 topic` / `0x00 topic` for 3.0 and older (RFC 37
/// §"The Publish-Subscribe Pattern", RFC 15 §"Publish-Subscribe").
pub fn subscription_msg(version: Version, subscribe: bool, topic: &[u8]) -> Msg {
    if version != Version::Zmtp31 {
        return Msg::subscription(subscribe, topic);
    }
    let name = if subscribe {
        SUBSCRIBE_NAME
    } else {
        CANCEL_NAME
    };
    let mut body = BytesMut::with_capacity(name.len() + topic.len());
    body.put_slice(name);
    body.put_slice(topic);
    let mut msg = if body.len() <= INLINE_MAX {
        Msg::from_slice(&body)
    } else {
        Msg::from_bytes(body.freeze())
    };
    msg.set_flags(flags::COMMAND);
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(version: Version, body: &[u8], msg_flags: u8) -> Vec<u8> {
        let mut m = Msg::from_slice(body);
        m.set_flags(msg_flags);
        let mut out = BytesMut::new();
        Encoder::new(version).encode(&m, &mut out);
        out.to_vec()
    }

    const MORE: u8 = flags::MORE;
    const CMD: u8 = flags::COMMAND;

    #[test]
    fn header_fixtures() {
        use Version::*;
        // (version, flags, size, expected header)
        let cases: &[(Version, u8, usize, &[u8])] = &[
            (Zmtp31, 0, 0, &[0x00, 0]),
            (Zmtp31, MORE, 5, &[0x01, 5]),
            (Zmtp31, CMD, 255, &[0x04, 255]),
            (Zmtp31, 0, 256, &[0x02, 0, 0, 0, 0, 0, 0, 1, 0]),
            (Zmtp30, MORE, 0x1_0000, &[0x03, 0, 0, 0, 0, 0, 1, 0, 0]),
            (Zmtp20, CMD | MORE, 300, &[0x07, 0, 0, 0, 0, 0, 0, 1, 44]),
            (Zmtp10, 0, 0, &[1, 0]),
            (Zmtp10, MORE, 3, &[4, 1]),
            (Zmtp10, CMD, 253, &[254, 0]),
            (Zmtp10, 0, 254, &[0xFF, 0, 0, 0, 0, 0, 0, 0, 255, 0]),
            (Zmtp10, MORE, 1000, &[0xFF, 0, 0, 0, 0, 0, 0, 3, 0xE9, 1]),
        ];
        for &(version, f, size, expected) in cases {
            let h = frame_header(version, f, size);
            assert_eq!(h.as_ref(), expected, "{version:?} flags {f} size {size}");
        }
    }

    #[test]
    fn encode_body_fixtures() {
        assert_eq!(encoded(Version::Zmtp31, b"hi", MORE), b"\x01\x02hi");
        assert_eq!(
            encoded(Version::Zmtp31, b"\x04PING\x00\x0a", CMD),
            b"\x04\x07\x04PING\x00\x0a"
        );
        assert_eq!(encoded(Version::Zmtp10, b"hi", 0), b"\x03\x00hi");
    }

    #[test]
    fn subscriptions_per_version() {
        use Version::*;
        let cases: &[(Version, bool, &[u8])] = &[
            (Zmtp31, true, b"\x04\x0c\x09SUBSCRIBEab"),
            (Zmtp31, false, b"\x04\x09\x06CANCELab"),
            (Zmtp30, true, b"\x00\x03\x01ab"),
            (Zmtp20, false, b"\x00\x03\x00ab"),
            (Zmtp10, true, b"\x04\x00\x01ab"),
        ];
        for &(version, subscribe, expected) in cases {
            let mut out = BytesMut::new();
            Encoder::new(version).encode_subscription(subscribe, b"ab", &mut out);
            assert_eq!(&out[..], expected, "{version:?} {subscribe}");
        }
        // A 255-byte topic needs a long frame once the prefix is added.
        let mut out = BytesMut::new();
        Encoder::new(Zmtp30).encode_subscription(true, &[b't'; 255], &mut out);
        assert_eq!(&out[..9], &[0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(out[9], 1);
    }

    #[test]
    fn encode_command_uses_command_flag() {
        let mut out = BytesMut::new();
        Encoder::new(Version::Zmtp31).encode_command(b"\x05READY", &mut out);
        assert_eq!(&out[..], b"\x04\x06\x05READY");
    }
}
