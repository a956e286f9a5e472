//! The ZMTP greeting (RFC 23 §"Version Negotiation", RFC 37) and the
//! incremental exchange that detects older peers.
//!
//! A 3.x greeting is 64 bytes:
//!
//! ```text
//!  0      1..=8     9      10     11     12..32      32         33..64
//! 0xFF | padding | 0x7F | major | minor | mechanism | as-server | filler
//! ```
//!
//! We follow libzmq's detection strategy (RFC 37 "Detecting ZMTP 1.0 and 2.0
//! Peers"): the padding holds our routing-id length + 1 (big-endian), so a
//! ZMTP 1.0 peer reads our first 10 bytes as the header of an identity
//! frame. We send those 10 bytes at once, the major version once the peer's
//! signature proved it versioned, and the rest once its revision byte
//! arrived. Nothing here does I/O: bytes in, bytes out.

use std::fmt;

use bytes::{Buf, BytesMut};

use super::Version;
use crate::error::{Error, Result};

/// Byte positions of the greeting fields.
mod field {
    use std::ops::Range;

    pub const SIGNATURE_HEAD: usize = 0;
    pub const PADDING: Range<usize> = 1..9;
    pub const SIGNATURE_TAIL: usize = 9;
    pub const MAJOR: usize = 10;
    pub const MINOR: usize = 11;
    /// In a ZMTP 2.0 (or revisioned 1.0) greeting, the sender's socket type.
    pub const LEGACY_SOCKET_TYPE: usize = 11;
    pub const MECHANISM: Range<usize> = 12..32;
    pub const AS_SERVER: usize = 32;
    pub const FILLER: Range<usize> = 33..64;
}

/// Length of the signature (the first bytes libzmq sends at once).
pub const SIGNATURE_LEN: usize = 10;
/// Length of a ZMTP 2.0 greeting: signature, revision, socket type.
pub const LEGACY_GREETING_LEN: usize = 12;
/// Length of a ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;

/// The major version we announce.
pub const OUR_MAJOR: u8 = 3;
/// The minor version we announce.
pub const OUR_MINOR: u8 = 1;

/// Revision bytes of older peers (byte 10 of their greeting).
const REVISION_ZMTP10: u8 = 0;
const REVISION_ZMTP20: u8 = 1;

/// A security mechanism name: ASCII, NUL-padded to 20 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MechanismName([u8; 20]);

impl MechanismName {
    pub const NULL: MechanismName = MechanismName::new("NULL");
    pub const PLAIN: MechanismName = MechanismName::new("PLAIN");
    pub const CURVE: MechanismName = MechanismName::new("CURVE");
    pub const GSSAPI: MechanismName = MechanismName::new("GSSAPI");

    /// The field for `name`. Panics (at compile time for constants) if the
    /// name does not fit in 20 bytes.
    pub const fn new(name: &str) -> MechanismName {
        let src = name.as_bytes();
        assert!(src.len() <= 20, "mechanism names have at most 20 bytes");
        let mut field = [0u8; 20];
        let mut i = 0;
        while i < src.len() {
            field[i] = src[i];
            i += 1;
        }
        MechanismName(field)
    }

    /// The name without its NUL padding.
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(20);
        &self.0[..end]
    }

    /// The 20-byte field as sent on the wire.
    pub fn field(&self) -> &[u8; 20] {
        &self.0
    }
}

impl fmt::Debug for MechanismName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// A parsed 64-byte ZMTP 3.x greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting {
    /// Bytes 1..9: insignificant for 3.x (RFC 23); libzmq puts its
    /// routing-id length + 1 there, big-endian.
    pub padding: u64,
    pub major: u8,
    pub minor: u8,
    pub mechanism: MechanismName,
    pub as_server: bool,
}

impl Greeting {
    /// Parses a full greeting. Only the signature's two fixed bits are
    /// checked: a peer must not validate the padding, must accept any
    /// version, and the filler has no meaning (RFC 23).
    pub fn parse(bytes: &[u8]) -> Result<Greeting> {
        if bytes.len() < GREETING_LEN
            || bytes[field::SIGNATURE_HEAD] != 0xFF
            || bytes[field::SIGNATURE_TAIL] & 1 == 0
        {
            return Err(Error::Inval);
        }
        let mut padding = [0u8; 8];
        padding.copy_from_slice(&bytes[field::PADDING]);
        let mut mechanism = [0u8; 20];
        mechanism.copy_from_slice(&bytes[field::MECHANISM]);
        Ok(Greeting {
            padding: u64::from_be_bytes(padding),
            major: bytes[field::MAJOR],
            minor: bytes[field::MINOR],
            mechanism: MechanismName(mechanism),
            as_server: bytes[field::AS_SERVER] != 0,
        })
    }

    /// Writes the greeting into the first 64 bytes of `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        let buf = &mut buf[..GREETING_LEN];
        buf[field::SIGNATURE_HEAD] = 0xFF;
        buf[field::PADDING].copy_from_slice(&self.padding.to_be_bytes());
        buf[field::SIGNATURE_TAIL] = 0x7F;
        buf[field::MAJOR] = self.major;
        buf[field::MINOR] = self.minor;
        buf[field::MECHANISM].copy_from_slice(&self.mechanism.0);
        buf[field::AS_SERVER] = self.as_server as u8;
        buf[field::FILLER].fill(0);
    }

    /// The protocol we speak with the sender of this greeting: 3.0 with a
    /// 3.0 peer, 3.1 with anything newer (libzmq treats a revision byte of
    /// 2, or above 3, like 3.1 too).
    pub fn version(&self) -> Version {
        if self.major == 3 && self.minor == 0 {
            Version::Zmtp30
        } else {
            Version::Zmtp31
        }
    }
}

/// What the peer's greeting turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerGreeting {
    /// A ZMTP 1.0 peer with no signature. None of its bytes were consumed:
    /// they are the start of its identity frame (ZMTP 1.0 framing).
    Unversioned,
    /// A 12-byte greeting with revision 0 (ZMTP 1.0 framing follows) or 1
    /// (ZMTP 2.0); `socket_type` is the peer's zmq.h socket type number.
    Legacy { revision: u8, socket_type: u8 },
    /// A full ZMTP 3.x greeting.
    V3(Greeting),
}

impl PeerGreeting {
    /// The protocol to speak with this peer.
    pub fn version(&self) -> Version {
        match self {
            PeerGreeting::Unversioned => Version::Zmtp10,
            PeerGreeting::Legacy { revision, .. } if *revision == REVISION_ZMTP10 => {
                Version::Zmtp10
            }
            PeerGreeting::Legacy { .. } => Version::Zmtp20,
            PeerGreeting::V3(g) => g.version(),
        }
    }
}

/// Our side of the greeting exchange, fed with the peer's bytes.
///
/// Call `poll_transmit` for bytes to send (10 at first), and `handle_input`
/// with the received stream whenever it grows. The exchange consumes the
/// peer's greeting from the input only once it is complete, and never
/// consumes the bytes of an unversioned peer, so whatever the input holds
/// after a result belongs to the next layer.
#[derive(Debug, Clone)]
pub struct GreetingExchange {
    /// Our greeting, filled in as the peer's bytes decide its tail.
    ours: [u8; GREETING_LEN],
    /// How many bytes of `ours` are due to be sent.
    due: usize,
    /// How many of them `poll_transmit` has handed out.
    sent: usize,
    socket_type: u8,
    mechanism: MechanismName,
    as_server: bool,
    done: Option<PeerGreeting>,
}

impl GreetingExchange {
    /// Starts an exchange. `routing_id_len` (at most 255) goes in the
    /// padding, `socket_type` is sent to ZMTP 2.0 peers, `mechanism` and
    /// `as_server` to 3.x peers.
    pub fn new(
        routing_id_len: usize,
        socket_type: u8,
        mechanism: MechanismName,
        as_server: bool,
    ) -> GreetingExchange {
        let mut ours = [0u8; GREETING_LEN];
        Greeting {
            padding: routing_id_len as u64 + 1,
            major: OUR_MAJOR,
            minor: OUR_MINOR,
            mechanism,
            as_server,
        }
        .emit(&mut ours);
        GreetingExchange {
            ours,
            due: SIGNATURE_LEN,
            sent: 0,
            socket_type,
            mechanism,
            as_server,
            done: None,
        }
    }

    /// Appends the greeting bytes that are due and not yet handed out.
    /// Returns how many bytes were appended.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
        let n = self.due - self.sent;
        out.extend_from_slice(&self.ours[self.sent..self.due]);
        self.sent = self.due;
        n
    }

    /// The bytes we have sent or will send so far (for tests and logs).
    pub fn ours(&self) -> &[u8] {
        &self.ours[..self.due]
    }

    /// The result, once known.
    pub fn peer(&self) -> Option<PeerGreeting> {
        self.done
    }

    /// Looks at the peer's stream received so far, from its first byte.
    /// Returns the peer's greeting once it is known; only then are its
    /// bytes consumed (and never those of an unversioned peer). Call
    /// `poll_transmit` afterwards: the peer's bytes decide what we send.
    pub fn handle_input(&mut self, input: &mut BytesMut) -> Option<PeerGreeting> {
        if self.done.is_some() {
            return self.done;
        }
        let seen = &input[..];
        if seen.is_empty() {
            return None;
        }
        // RFC 37: a first byte other than 0xFF is a ZMTP 1.0 short length.
        if seen[field::SIGNATURE_HEAD] != 0xFF {
            return self.finish(PeerGreeting::Unversioned);
        }
        if seen.len() < SIGNATURE_LEN {
            return None;
        }
        // Bit 0 of byte 9 clear: the flags of a ZMTP 1.0 long identity frame.
        if seen[field::SIGNATURE_TAIL] & 1 == 0 {
            return self.finish(PeerGreeting::Unversioned);
        }
        // A versioned peer: it gets our major version now.
        self.due = self.due.max(field::MAJOR + 1);
        if seen.len() <= field::MAJOR {
            return None;
        }
        let revision = seen[field::MAJOR];
        if revision == REVISION_ZMTP10 || revision == REVISION_ZMTP20 {
            // ZMTP 2.0 greeting tail: our socket type, then framing.
            self.ours[field::LEGACY_SOCKET_TYPE] = self.socket_type;
            self.due = LEGACY_GREETING_LEN;
            if seen.len() < LEGACY_GREETING_LEN {
                return None;
            }
            let socket_type = seen[field::LEGACY_SOCKET_TYPE];
            input.advance(LEGACY_GREETING_LEN);
            return self.finish(PeerGreeting::Legacy {
                revision,
                socket_type,
            });
        }
        // ZMTP 3.x: the rest of our greeting (already in `ours`).
        self.due = GREETING_LEN;
        if seen.len() < GREETING_LEN {
            return None;
        }
        let greeting = Greeting::parse(&seen[..GREETING_LEN]).expect("signature checked above");
        input.advance(GREETING_LEN);
        self.finish(PeerGreeting::V3(greeting))
    }

    fn finish(&mut self, peer: PeerGreeting) -> Option<PeerGreeting> {
        self.done = Some(peer);
        self.done
    }

    /// The mechanism we announce.
    pub fn mechanism(&self) -> MechanismName {
        self.mechanism
    }

    /// The as-server flag we announce.
    pub fn as_server(&self) -> bool {
        self.as_server
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our 64-byte greeting for routing id length `id_len`, NULL, client.
    fn null_greeting(id_len: u8) -> Vec<u8> {
        let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, id_len + 1, 0x7F, 3, 1];
        g.extend_from_slice(b"NULL");
        g.resize(64, 0);
        g
    }

    fn exchange() -> GreetingExchange {
        GreetingExchange::new(0, 5, MechanismName::NULL, false)
    }

    /// Feeds `peer` in chunks of `step`; returns the result and all output.
    fn run(peer: &[u8], step: usize) -> (Option<PeerGreeting>, Vec<u8>, BytesMut) {
        let mut ex = exchange();
        let mut out = BytesMut::new();
        let mut input = BytesMut::new();
        let mut result = None;
        ex.poll_transmit(&mut out);
        for chunk in peer.chunks(step.max(1)) {
            input.extend_from_slice(chunk);
            result = ex.handle_input(&mut input);
            ex.poll_transmit(&mut out);
        }
        (result, out.to_vec(), input)
    }

    #[test]
    fn emit_matches_hand_computed_bytes() {
        let mut buf = [0xAAu8; 64];
        Greeting {
            padding: 1,
            major: 3,
            minor: 1,
            mechanism: MechanismName::NULL,
            as_server: false,
        }
        .emit(&mut buf);
        assert_eq!(&buf[..], &null_greeting(0)[..]);
        assert_eq!(
            Greeting::parse(&buf).unwrap().mechanism,
            MechanismName::NULL
        );
    }

    #[test]
    fn parse_fields() {
        let mut g = null_greeting(4);
        g[12..17].copy_from_slice(b"PLAIN");
        g[32] = 1;
        g[40] = 0x55; // filler is not validated
        let parsed = Greeting::parse(&g).unwrap();
        assert_eq!(parsed.padding, 5);
        assert_eq!((parsed.major, parsed.minor), (3, 1));
        assert_eq!(parsed.mechanism.as_bytes(), b"PLAIN");
        assert!(parsed.as_server);
    }

    #[test]
    fn parse_rejects_bad_signature_and_short_input() {
        let mut g = null_greeting(0);
        assert!(Greeting::parse(&g[..63]).is_err());
        g[9] = 0x7E;
        assert!(Greeting::parse(&g).is_err());
        g[9] = 0x7F;
        g[0] = 0xFE;
        assert!(Greeting::parse(&g).is_err());
    }

    #[test]
    fn first_ten_bytes_carry_routing_id_length() {
        let mut ex = GreetingExchange::new(3, 5, MechanismName::NULL, false);
        let mut out = BytesMut::new();
        assert_eq!(ex.poll_transmit(&mut out), 10);
        assert_eq!(&out[..], &[0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F]);
        assert_eq!(ex.poll_transmit(&mut out), 0);
    }

    #[test]
    fn v3_peer_any_split() {
        let peer = null_greeting(0);
        for step in [1, 2, 7, 10, 11, 63, 64] {
            let (result, out, rest) = run(&peer, step);
            let Some(PeerGreeting::V3(g)) = result else {
                panic!("step {step}: {result:?}");
            };
            assert_eq!(g.version(), Version::Zmtp31);
            assert_eq!(out, null_greeting(0), "step {step}");
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn output_waits_for_peer_signature_then_revision() {
        let peer = null_greeting(0);
        let mut ex = exchange();
        let mut out = BytesMut::new();
        let mut input = BytesMut::from(&peer[..9]);
        ex.poll_transmit(&mut out);
        assert_eq!(ex.handle_input(&mut input), None);
        assert_eq!(ex.poll_transmit(&mut out), 0);
        input.extend_from_slice(&peer[9..10]);
        assert_eq!(ex.handle_input(&mut input), None);
        assert_eq!(ex.poll_transmit(&mut out), 1); // major version
        assert_eq!(out[10], 3);
        input.extend_from_slice(&peer[10..11]);
        assert_eq!(ex.handle_input(&mut input), None);
        assert_eq!(ex.poll_transmit(&mut out), 53); // rest of greeting
        assert_eq!(input.len(), 11, "nothing consumed before completion");
    }

    #[test]
    fn zmtp30_peer_and_newer_versions() {
        let cases: &[(u8, u8, Version)] = &[
            (3, 0, Version::Zmtp30),
            (3, 1, Version::Zmtp31),
            (3, 7, Version::Zmtp31),
            (2, 0, Version::Zmtp31),
            (4, 0, Version::Zmtp31),
        ];
        for &(major, minor, version) in cases {
            let mut peer = null_greeting(0);
            peer[10] = major;
            peer[11] = minor;
            let (result, out, _) = run(&peer, 1);
            assert_eq!(result.unwrap().version(), version, "{major}.{minor}");
            assert_eq!(out.len(), 64);
        }
    }

    #[test]
    fn zmtp20_peer_gets_socket_type() {
        // signature, revision 1, socket type ROUTER (6), then identity frame.
        let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 6];
        peer.extend_from_slice(&[0, 0]);
        for step in [1, 5, 12, 14] {
            let (result, out, rest) = run(&peer, step);
            assert_eq!(
                result,
                Some(PeerGreeting::Legacy {
                    revision: 1,
                    socket_type: 6
                })
            );
            assert_eq!(out, vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 5]);
            assert_eq!(&rest[..], &[0, 0], "step {step}");
        }
        assert_eq!(result_version(&peer), Version::Zmtp20);
        let mut rev0 = peer.clone();
        rev0[10] = 0;
        assert_eq!(result_version(&rev0), Version::Zmtp10);
    }

    fn result_version(peer: &[u8]) -> Version {
        run(peer, 64).0.unwrap().version()
    }

    #[test]
    fn unversioned_short_identity_is_left_in_input() {
        // ZMTP 1.0: identity frame "A": length 2, flags 0, 'A'.
        let peer = [2, 0, b'A'];
        for step in [1, 3] {
            let (result, out, rest) = run(&peer, step);
            assert_eq!(result, Some(PeerGreeting::Unversioned));
            assert_eq!(out.len(), 10, "only the signature went out");
            assert_eq!(&rest[..], &peer[..]);
        }
    }

    #[test]
    fn unversioned_long_identity_is_detected_at_byte_nine() {
        // 0xFF + 8-byte length + flags 0x00: ZMTP 1.0 long identity frame.
        let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 2, 0x00, b'Z'];
        let (result, out, rest) = run(&peer, 1);
        assert_eq!(result, Some(PeerGreeting::Unversioned));
        assert_eq!(out.len(), 10);
        assert_eq!(rest.len(), peer.len());
        // Same with an odd padding and flag 0x7E: still ZMTP 1.0.
        peer[9] = 0x7E;
        assert_eq!(run(&peer, 4).0, Some(PeerGreeting::Unversioned));
    }

    #[test]
    fn garbage_is_treated_as_zmtp10() {
        let (result, _, rest) = run(b"GET / HTTP/1.1\r\n", 1);
        assert_eq!(result, Some(PeerGreeting::Unversioned));
        assert_eq!(&rest[..], b"GET / HTTP/1.1\r\n");
    }

    #[test]
    fn mechanism_and_as_server_are_announced() {
        let mut ex = GreetingExchange::new(0, 5, MechanismName::CURVE, true);
        let mut out = BytesMut::new();
        let mut input = BytesMut::from(&null_greeting(0)[..]);
        ex.poll_transmit(&mut out);
        assert!(ex.handle_input(&mut input).is_some());
        ex.poll_transmit(&mut out);
        assert_eq!(&out[12..17], b"CURVE");
        assert_eq!(&out[17..32], &[0u8; 15]);
        assert_eq!(out[32], 1);
        assert_eq!(ex.ours(), &out[..]);
    }
}
