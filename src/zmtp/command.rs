//! ZMTP command bodies and metadata properties (RFC 23, RFC 37 §"The NULL
//! Security Mechanism", §"The Publish-Subscribe Pattern", §"Connection
//! Heartbeating").
//!
//! A command body is `name-length(1) name data`. This file parses and
//! emits the bodies only; `encoder` puts them in command frames.
//!
//! ```text
//! READY      = %d5 "READY" *property       property = name-len(1) name value-len(4, BE) value
//! ERROR      = %d5 "ERROR" reason-len(1) reason
//! SUBSCRIBE  = %d9 "SUBSCRIBE" topic       CANCEL = %d6 "CANCEL" topic      (3.1 only)
//! PING       = %d4 "PING" ttl(2, BE, deciseconds) context(0..16)
//! PONG       = %d4 "PONG" context(0..16)
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::eproto;
use crate::error::{Error, Result};
use crate::msg::{flags, Metadata, Msg};

pub const READY: &[u8] = b"READY";
pub const ERROR: &[u8] = b"ERROR";
pub const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
pub const CANCEL: &[u8] = b"CANCEL";
pub const PING: &[u8] = b"PING";
pub const PONG: &[u8] = b"PONG";
/// The handshake commands of PLAIN (RFC 24) and CURVE (RFC 26).
pub const HELLO: &[u8] = b"HELLO";
pub const WELCOME: &[u8] = b"WELCOME";
pub const INITIATE: &[u8] = b"INITIATE";

/// The longest PING context a PONG echoes (RFC 37); libzmq cuts a longer
/// one to this length.
pub const PING_CONTEXT_MAX: usize = 16;

/// The most a property value may hold (RFC 37: 2^31-1).
const VALUE_MAX: usize = i32::MAX as usize;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// NULL/PLAIN/CURVE metadata.
    Ready(Properties),
    /// A fatal error; the reason is printable text (a ZAP status code like
    /// "400" when authentication failed).
    Error { reason: Bytes },
    /// ZMTP 3.1 subscription to messages starting with `topic`.
    Subscribe(Bytes),
    /// ZMTP 3.1 cancellation of one earlier subscription.
    Cancel(Bytes),
    /// Heartbeat: `ttl` in tenths of a second (0: none), `context` to echo.
    Ping { ttl: u16, context: Bytes },
    /// Heartbeat reply echoing a PING's context.
    Pong { context: Bytes },
    /// Any other command (mechanism commands such as HELLO, or commands
    /// from later versions). libzmq drops these after the handshake.
    Unknown { name: Bytes, data: Bytes },
}

/// Splits a command body into (name, data). `EPROTO` if the body is
/// empty, the name is empty, or the name runs past the body.
pub fn split(body: &Bytes) -> Result<(Bytes, Bytes)> {
    let len = *body.first().ok_or_else(eproto)? as usize;
    if len == 0 || body.len() < 1 + len {
        return Err(eproto());
    }
    Ok((body.slice(1..1 + len), body.slice(1 + len..)))
}

impl Command {
    /// Parses a command body (`EPROTO` if malformed). Names match exactly,
    /// as in libzmq.
    pub fn parse(body: &Bytes) -> Result<Command> {
        let (name, data) = split(body)?;
        Ok(match &name[..] {
            READY => Command::Ready(Properties::parse(&data)?),
            ERROR => {
                let len = *data.first().ok_or_else(eproto)? as usize;
                if data.len() < 1 + len {
                    return Err(eproto());
                }
                // Bytes after the reason are ignored, as libzmq does.
                Command::Error {
                    reason: data.slice(1..1 + len),
                }
            }
            SUBSCRIBE => Command::Subscribe(data),
            CANCEL => Command::Cancel(data),
            PING => {
                if data.len() < 2 {
                    return Err(eproto());
                }
                Command::Ping {
                    ttl: u16::from_be_bytes([data[0], data[1]]),
                    context: data.slice(2..),
                }
            }
            PONG => Command::Pong { context: data },
            _ => Command::Unknown { name, data },
        })
    }

    /// The command's name.
    pub fn name(&self) -> &[u8] {
        match self {
            Command::Ready(_) => READY,
            Command::Error { .. } => ERROR,
            Command::Subscribe(_) => SUBSCRIBE,
            Command::Cancel(_) => CANCEL,
            Command::Ping { .. } => PING,
            Command::Pong { .. } => PONG,
            Command::Unknown { name, .. } => name,
        }
    }

    /// Appends the command body to `out`. An ERROR reason is cut at 255
    /// bytes; an unknown command's name must be 1..=255 bytes.
    pub fn emit(&self, out: &mut BytesMut) {
        let name = self.name();
        debug_assert!(!name.is_empty() && name.len() <= 255);
        out.put_u8(name.len() as u8);
        out.put_slice(name);
        match self {
            Command::Ready(props) => props.emit(out),
            Command::Error { reason } => {
                let reason = &reason[..reason.len().min(255)];
                out.put_u8(reason.len() as u8);
                out.put_slice(reason);
            }
            Command::Subscribe(topic) | Command::Cancel(topic) => out.put_slice(topic),
            Command::Ping { ttl, context } => {
                out.put_u16(*ttl);
                out.put_slice(context);
            }
            Command::Pong { context } => out.put_slice(context),
            Command::Unknown { data, .. } => out.put_slice(data),
        }
    }

    /// The command body as bytes.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.emit(&mut out);
        out.freeze()
    }

    /// The command as a message with the COMMAND flag, ready to encode.
    pub fn to_msg(&self) -> Msg {
        let mut msg = Msg::from_bytes(self.to_bytes());
        msg.set_flags(flags::COMMAND);
        msg
    }

    /// The PONG answering a PING with `context`: the context cut to 16
    /// bytes, as libzmq does.
    pub fn pong_for(context: &Bytes) -> Command {
        Command::Pong {
            context: context.slice(..context.len().min(PING_CONTEXT_MAX)),
        }
    }
}

/// Whether `name` is a valid property name (RFC 37): 1 to 255 characters
/// among `ALPHA | DIGIT | "-" | "_" | "." | "+"`.
pub fn is_valid_property_name(name: &[u8]) -> bool {
    (1..=255).contains(&name.len())
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'+'))
}

/// An ordered list of metadata properties, as carried by READY (and by
/// PLAIN/CURVE's metadata and ZAP replies). Lookup ignores case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<(String, Bytes)>,
}

impl Properties {
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Appends a property. `EINVAL` if the name is empty, longer than 255
    /// bytes or the value longer than 2^31-1. The charset is not checked
    /// here (libzmq's `ZMQ_METADATA` accepts any `X-` name), only on parse.
    pub fn push(&mut self, name: &str, value: impl Into<Bytes>) -> Result<()> {
        let value = value.into();
        if name.is_empty() || name.len() > 255 || value.len() > VALUE_MAX {
            return Err(Error::Inval);
        }
        self.entries.push((name.to_owned(), value));
        Ok(())
    }

    /// The first value of `name`, ignoring case (RFC 37).
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses a property list. `EPROTO` for a truncated property, an empty
    /// name, or a name outside the RFC's charset (names are then ASCII).
    pub fn parse(data: &Bytes) -> Result<Properties> {
        let mut props = Properties::new();
        let mut at = 0;
        while at < data.len() {
            let name_len = data[at] as usize;
            let name_end = at + 1 + name_len;
            let name = data.get(at + 1..name_end).ok_or_else(eproto)?;
            if !is_valid_property_name(name) {
                return Err(eproto());
            }
            let len_bytes: [u8; 4] = data
                .get(name_end..name_end + 4)
                .ok_or_else(eproto)?
                .try_into()
                .expect("four bytes");
            let value_len = u32::from_be_bytes(len_bytes) as usize;
            let value_at = name_end + 4;
            if value_len > VALUE_MAX || data.len() - value_at < value_len {
                return Err(eproto());
            }
            let name = std::str::from_utf8(name).expect("charset checked");
            props
                .entries
                .push((name.to_owned(), data.slice(value_at..value_at + value_len)));
            at = value_at + value_len;
        }
        Ok(props)
    }

    /// Appends the encoded list to `out`.
    pub fn emit(&self, out: &mut BytesMut) {
        out.reserve(self.emitted_len());
        for (name, value) in &self.entries {
            out.put_u8(name.len() as u8);
            out.put_slice(name.as_bytes());
            out.put_u32(value.len() as u32);
            out.put_slice(value);
        }
    }

    /// The encoded length.
    pub fn emitted_len(&self) -> usize {
        self.entries
            .iter()
            .map(|(n, v)| 5 + n.len() + v.len())
            .sum()
    }

    /// Adds every property whose name `metadata` does not hold yet (the
    /// first value of a name wins, as in libzmq's property maps).
    pub fn merge_into(&self, metadata: &mut Metadata) {
        for (name, value) in &self.entries {
            let present = metadata.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
            if !present {
                metadata.insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    /// RFC 37's worked example: DEALER's READY with an empty Identity.
    const DEALER_READY: &[u8] =
        b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";

    #[test]
    fn ready_fixture_from_rfc37() {
        assert_eq!(DEALER_READY.len(), 41);
        let Command::Ready(props) = Command::parse(&b(DEALER_READY)).unwrap() else {
            panic!("not READY");
        };
        assert_eq!(props.len(), 2);
        assert_eq!(props.get("socket-type").unwrap(), &b"DEALER"[..]);
        assert_eq!(props.get("IDENTITY").unwrap(), &b""[..]);
        assert!(props.get("Resource").is_none());

        let mut again = Properties::new();
        again.push("Socket-Type", b(b"DEALER")).unwrap();
        again.push("Identity", Bytes::new()).unwrap();
        assert_eq!(Command::Ready(again).to_bytes(), b(DEALER_READY));
    }

    #[test]
    fn command_fixtures_round_trip() {
        let cases: Vec<(&[u8], Command)> = vec![
            (b"\x05ERROR\x03400", Command::Error { reason: b(b"400") }),
            (
                b"\x05ERROR\x00",
                Command::Error {
                    reason: Bytes::new(),
                },
            ),
            (b"\x09SUBSCRIBEtopic", Command::Subscribe(b(b"topic"))),
            (b"\x09SUBSCRIBE", Command::Subscribe(Bytes::new())),
            (b"\x06CANCELtopic", Command::Cancel(b(b"topic"))),
            (
                b"\x04PING\x00\x00",
                Command::Ping {
                    ttl: 0,
                    context: Bytes::new(),
                },
            ),
            (
                b"\x04PING\x01\x2cctx",
                Command::Ping {
                    ttl: 300,
                    context: b(b"ctx"),
                },
            ),
            (b"\x04PONGctx", Command::Pong { context: b(b"ctx") }),
            (
                b"\x04PONG",
                Command::Pong {
                    context: Bytes::new(),
                },
            ),
            (
                b"\x05HELLOabc",
                Command::Unknown {
                    name: b(b"HELLO"),
                    data: b(b"abc"),
                },
            ),
            (b"\x05READY", Command::Ready(Properties::new())),
        ];
        for (wire, cmd) in cases {
            assert_eq!(Command::parse(&b(wire)).unwrap(), cmd, "{wire:?}");
            assert_eq!(cmd.to_bytes(), b(wire));
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        let cmd = Command::parse(&b(b"\x04ping\x00\x00")).unwrap();
        assert!(matches!(cmd, Command::Unknown { .. }));
    }

    #[test]
    fn malformed_commands() {
        let bad: &[&[u8]] = &[
            b"",                                               // no name length
            b"\x00",                                           // empty name
            b"\x06READY",                                      // name runs past the body
            b"\x05ERROR",                                      // no reason length
            b"\x05ERROR\x04abc",                               // reason runs past the body
            b"\x04PING",                                       // no TTL
            b"\x04PING\x01",                                   // half a TTL
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x07DEALER", // value truncated
            b"\x05READY\x0bSocket-Type\x00\x00",               // length truncated
            b"\x05READY\x0bSocket",                            // name truncated
            b"\x05READY\x00\x00\x00\x00\x00",                  // empty name
            b"\x05READY\x03a b\x00\x00\x00\x00",               // space in name
            b"\x05READY\x02\xc3\xa9\x00\x00\x00\x00",          // non-ASCII name
            b"\x05READY\x01",                                  // lone name length
        ];
        for wire in bad {
            assert_eq!(Command::parse(&b(wire)), Err(eproto()), "{wire:?}");
        }
    }

    #[test]
    fn error_reason_extra_bytes_are_ignored() {
        let cmd = Command::parse(&b(b"\x05ERROR\x02okJUNK")).unwrap();
        assert_eq!(cmd, Command::Error { reason: b(b"ok") });
    }

    #[test]
    fn property_names() {
        assert!(is_valid_property_name(b"X-Hello_World.v1+2"));
        assert!(is_valid_property_name(&[b'a'; 255]));
        assert!(!is_valid_property_name(b""));
        assert!(!is_valid_property_name(&[b'a'; 256]));
        for c in [b' ', b':', b'/', b'\0', 0x7F, 0xFF] {
            assert!(!is_valid_property_name(&[b'X', c]), "{c:#x}");
        }
        let mut p = Properties::new();
        assert_eq!(p.push("", Bytes::new()), Err(Error::Inval));
        assert_eq!(p.push(&"x".repeat(256), Bytes::new()), Err(Error::Inval));
    }

    #[test]
    fn pong_for_cuts_context_at_16() {
        let ctx = b(b"0123456789abcdefXYZ");
        assert_eq!(
            Command::pong_for(&ctx),
            Command::Pong {
                context: b(b"0123456789abcdef")
            }
        );
        assert_eq!(Command::pong_for(&b(b"ab")).to_bytes(), b(b"\x04PONGab"));
    }

    #[test]
    fn to_msg_sets_command_flag() {
        let m = Command::Ping {
            ttl: 10,
            context: Bytes::new(),
        }
        .to_msg();
        assert!(m.is_command());
        assert_eq!(m.data(), b"\x04PING\x00\x0a");
    }

    #[test]
    fn merge_keeps_first_value() {
        let mut p = Properties::new();
        p.push("X-A", b(b"1")).unwrap();
        p.push("x-a", b(b"2")).unwrap();
        p.push("X-B", b(b"3")).unwrap();
        let mut m = Metadata::new();
        m.insert("X-B", b"already");
        p.merge_into(&mut m);
        assert_eq!(m.get("X-A").unwrap().to_bytes(), b"1");
        assert_eq!(m.get("X-B").unwrap().to_bytes(), b"already");
    }

    #[test]
    fn big_value_length_is_refused() {
        let wire = b"\x05READY\x01X\x80\x00\x00\x00";
        assert_eq!(Command::parse(&b(wire)), Err(eproto()));
    }
}
