//! The traffic phase (RFC 23 `traffic = *(command | message)`): the frame
//! codec of the negotiated version, with the mechanism's per-message hooks
//! (CURVE's message boxes) applied on the way in and out.
//!
//! What the engine does with the frames is not decided here: libzmq answers
//! PING with PONG, passes SUBSCRIBE/CANCEL to the socket, and drops every
//! other command, including unknown and malformed ones (see
//! `Command::parse`). Nothing here does I/O.

use bytes::{Bytes, BytesMut};

use super::command::Command;
use super::decoder::Decoder;
use super::encoder::{subscription_msg, Encoder, FrameHeader};
use super::mechanism::Mechanism;
use super::Version;
use crate::error::Result;
use crate::msg::{flags, Msg};

/// Frames in and out of an established connection.
#[derive(Debug)]
pub struct Traffic {
    encoder: Encoder,
    decoder: Decoder,
    /// `None` for ZMTP 1.0/2.0 peers, which have no mechanism.
    mechanism: Option<Box<dyn Mechanism>>,
    /// The mechanism transforms messages (CURVE): every frame goes
    /// through it. Otherwise frames are encoded straight from the message.
    transform: bool,
}

impl Traffic {
    /// Traffic in `version`'s framing; frames over `max_msg_size` (-1: no
    /// limit) are refused.
    pub fn new(
        version: Version,
        max_msg_size: i64,
        mechanism: Option<Box<dyn Mechanism>>,
    ) -> Traffic {
        let transform = mechanism.as_ref().is_some_and(|m| m.transforms());
        Traffic {
            encoder: Encoder::new(version),
            decoder: Decoder::new(version, max_msg_size),
            mechanism,
            transform,
        }
    }

    pub fn version(&self) -> Version {
        self.encoder.version()
    }

    pub fn mechanism(&self) -> Option<&dyn Mechanism> {
        self.mechanism.as_deref()
    }

    /// The mechanism, for an engine with framing of its own (WebSocket)
    /// that applies its per-message hooks itself.
    pub fn into_mechanism(self) -> Option<Box<dyn Mechanism>> {
        self.mechanism
    }

    /// The decoder's hint of how many more bytes the current frame needs.
    pub fn bytes_wanted(&self, buffered: usize) -> usize {
        self.decoder.bytes_wanted(buffered)
    }

    /// The next frame from `input` (consumed), after the mechanism's
    /// `decode`. `Ok(None)`: no complete frame yet. Any error is fatal.
    pub fn decode(&mut self, input: &mut BytesMut) -> Result<Option<Msg>> {
        let Some(msg) = self.decoder.decode(input)? else {
            return Ok(None);
        };
        match self.mechanism.as_mut() {
            Some(m) if self.transform => m.decode(msg).map(Some),
            _ => Ok(Some(msg)),
        }
    }

    /// Decodes the short message frames at the front of `input` (see
    /// `Decoder::decode_short`); none when the mechanism transforms
    /// traffic.
    pub fn decode_short(&mut self, input: &mut BytesMut, deliver: impl FnMut(Msg) -> bool) {
        if !self.transform {
            self.decoder.decode_short(input, deliver);
        }
    }

    /// Passes `msg` through the mechanism and returns the frame to send as
    /// its header and message, for the engine to `writev` header and
    /// `msg.data()` without copying the body.
    pub fn prepare(&mut self, msg: Msg) -> Result<(FrameHeader, Msg)> {
        let msg = match self.mechanism.as_mut() {
            Some(m) if self.transform => m.encode(msg)?,
            _ => msg,
        };
        Ok((self.encoder.header(&msg), msg))
    }

    /// Appends `msg` as a frame (header and copied body) to `out`.
    pub fn encode(&mut self, msg: Msg, out: &mut BytesMut) -> Result<()> {
        if !self.transform {
            self.encoder.encode(&msg, out);
            return Ok(());
        }
        let (header, msg) = self.prepare(msg)?;
        out.reserve(header.len() + msg.size());
        out.extend_from_slice(header.as_ref());
        out.extend_from_slice(msg.data());
        Ok(())
    }

    /// Appends a command (PING, PONG, ...) as a frame to `out`.
    pub fn encode_command(&mut self, command: &Command, out: &mut BytesMut) -> Result<()> {
        let mut msg = Msg::from_bytes(command.to_bytes());
        msg.set_flags(flags::COMMAND);
        self.encode(msg, out)
    }

    /// Appends a subscription or cancellation for `topic`, as a command to
    /// 3.1 peers and as a `0x01`/`0x00`-prefixed message to older ones.
    pub fn encode_subscription(
        &mut self,
        subscribe: bool,
        topic: &[u8],
        out: &mut BytesMut,
    ) -> Result<()> {
        let msg = subscription_msg(self.version(), subscribe, topic);
        self.encode(msg, out)
    }

    /// The PING a heartbeat sends: TTL in tenths of a second (libzmq sends
    /// `ZMQ_HEARTBEAT_TTL / 100`) and no context.
    pub fn ping(ttl_deciseconds: u16) -> Command {
        Command::Ping {
            ttl: ttl_deciseconds,
            context: Bytes::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::basic_properties;
    use crate::zmtp::null::NullMechanism;
    use crate::zmtp::socket_type;

    fn null() -> Option<Box<dyn Mechanism>> {
        let props = basic_properties(socket_type::SUB, &Bytes::new(), &[]).unwrap();
        Some(Box::new(NullMechanism::new(
            socket_type::SUB,
            &props,
            false,
        )))
    }

    #[test]
    fn encode_then_decode() {
        let mut tx = Traffic::new(Version::Zmtp31, -1, null());
        let mut wire = BytesMut::new();
        let mut first = Msg::from_slice(b"key");
        first.set_more(true);
        tx.encode(first, &mut wire).unwrap();
        tx.encode(Msg::from_slice(&[7u8; 300]), &mut wire).unwrap();
        tx.encode_command(&Traffic::ping(50), &mut wire).unwrap();
        tx.encode_subscription(true, b"A", &mut wire).unwrap();
        assert_eq!(&wire[..5], b"\x01\x03key");

        let mut rx = Traffic::new(Version::Zmtp31, -1, null());
        let a = rx.decode(&mut wire).unwrap().unwrap();
        assert!(a.more());
        let b = rx.decode(&mut wire).unwrap().unwrap();
        assert_eq!(b.size(), 300);
        let ping = rx.decode(&mut wire).unwrap().unwrap();
        assert!(ping.is_command());
        assert_eq!(
            Command::parse(&ping.to_bytes()).unwrap(),
            Command::Ping {
                ttl: 50,
                context: Bytes::new()
            }
        );
        let sub = rx.decode(&mut wire).unwrap().unwrap();
        assert_eq!(
            Command::parse(&sub.to_bytes()).unwrap(),
            Command::Subscribe(Bytes::from_static(b"A"))
        );
        assert!(rx.decode(&mut wire).unwrap().is_none());
    }

    #[test]
    fn prepare_gives_header_for_writev() {
        let mut tx = Traffic::new(Version::Zmtp30, -1, None);
        let body = Bytes::from(vec![1u8; 1000]);
        let (header, msg) = tx.prepare(Msg::from_bytes(body.clone())).unwrap();
        assert_eq!(header.as_ref(), &[0x02, 0, 0, 0, 0, 0, 0, 3, 0xE8]);
        assert_eq!(msg.data().as_ptr(), body.as_ptr(), "body not copied");
    }

    #[test]
    fn old_peers_get_subscription_messages() {
        let mut tx = Traffic::new(Version::Zmtp30, -1, null());
        let mut wire = BytesMut::new();
        tx.encode_subscription(false, b"A", &mut wire).unwrap();
        assert_eq!(&wire[..], b"\x00\x02\x00A");
    }
}
