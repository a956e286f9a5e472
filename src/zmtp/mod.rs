//! ZMTP, the ZeroMQ Message Transport Protocol, as state machines over bytes.
//!
//! This module turns bytes into frames and frames into bytes: the greeting
//! and version detection (RFC 23/37, with ZMTP 2.0 and 1.0 fallbacks from
//! RFC 15 and RFC 13), the frame codecs, the commands, the security
//! mechanisms and the handshake that ties them together.
//!
//! It must never touch sockets, threads or clocks, and depends on nothing in
//! the crate but `error` and `msg`. Bytes come in through `handle_*` methods
//! and go out through `poll_transmit`, into buffers the caller owns; the
//! engine (`src/engine/`) does the I/O, the timers and the monitor events.
//!
//! Files, one concept each:
//! - `greeting`: the 64-byte greeting and the incremental version detection;
//! - `encoder`, `decoder`: frames of ZMTP 1.0, 2.0 and 3.x;
//! - `command`: command bodies (READY, ERROR, SUBSCRIBE, PING, ...) and
//!   metadata properties;
//! - `socket_type`: socket type names and the valid peer pairings;
//! - `mechanism`: the `Mechanism` trait, ZAP hooks, shared metadata rules;
//! - `null`: the NULL mechanism;
//! - `client_handshake`, `server_handshake`: the HELLO, WELCOME,
//!   INITIATE, READY exchange that PLAIN and CURVE share, each side one
//!   state machine over the mechanism's own steps;
//! - `plain`: the PLAIN mechanism (RFC 24), client and server;
//! - `curve`: the CURVE mechanism (RFC 25/26), client and server, and the
//!   key helpers behind `zmq_curve_keypair`/`zmq_curve_public`;
//! - `exchange`: the mechanism's commands in and out, unframed (shared by
//!   the ZMTP handshake and the WebSocket engine);
//! - `handshake`: greeting + mechanism, from the first byte to `Established`;
//! - `limits`: the bounds on what a peer may send before its handshake
//!   completes (beyond libzmq);
//! - `traffic`: the codec and mechanism hooks used after the handshake.

pub mod client_handshake;
pub mod command;
pub mod curve;
pub mod decoder;
pub mod encoder;
pub mod exchange;
pub mod greeting;
pub mod gssapi;
pub mod handshake;
pub mod limits;
pub mod mechanism;
pub mod null;
pub mod plain;
pub mod server_handshake;
pub mod socket_type;
pub mod traffic;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::error::Error;

pub use command::{Command, Properties};
pub use curve::{CurveClient, CurveKeys, CurveServer};
pub use decoder::Decoder;
pub use encoder::{Encoder, FrameHeader};
pub use exchange::MechanismExchange;
pub use greeting::{Greeting, GreetingExchange, MechanismName, PeerGreeting};
pub use handshake::{Config, Established, Handshake, MechanismKind};
pub use mechanism::{Mechanism, MechanismStatus, ZapReply, ZapRequest};
pub use null::NullMechanism;
pub use plain::{PlainClient, PlainServer};
pub use traffic::Traffic;

/// The protocol spoken with a peer, as detected from its greeting.
///
/// We announce ZMTP 3.1 and speak the peer's version when it is older,
/// as libzmq does: 3.0 peers get 3.0 framing of subscriptions, 2.0 peers
/// get the ZMTP 2.0 greeting tail and framing, 1.0 peers get 1.0 framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// ZMTP 1.0 (RFC 13): length-first frames, no version information.
    Zmtp10,
    /// ZMTP 2.0 (RFC 15): revision 1 in a 12-byte greeting.
    Zmtp20,
    /// ZMTP 3.0 (RFC 23): subscriptions travel as `0x01`/`0x00` messages.
    Zmtp30,
    /// ZMTP 3.1 (RFC 37) or later: SUBSCRIBE/CANCEL commands, PING context.
    Zmtp31,
}

impl Version {
    /// Whether this version frames with a length first (ZMTP 1.0) rather
    /// than flags first (2.0 and later).
    pub fn is_length_first(self) -> bool {
        self == Version::Zmtp10
    }

    /// Whether the peer runs a security handshake (READY etc.), i.e. 3.x.
    pub fn has_mechanism(self) -> bool {
        self >= Version::Zmtp30
    }
}

/// `ZMQ_PROTOCOL_ERROR_*` values of zmq.h, reported with
/// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`.
pub mod protocol_error {
    pub const ZMTP_UNSPECIFIED: u32 = 0x1000_0000;
    pub const ZMTP_UNEXPECTED_COMMAND: u32 = 0x1000_0001;
    pub const ZMTP_INVALID_SEQUENCE: u32 = 0x1000_0002;
    pub const ZMTP_KEY_EXCHANGE: u32 = 0x1000_0003;
    pub const ZMTP_MALFORMED_COMMAND_UNSPECIFIED: u32 = 0x1000_0011;
    pub const ZMTP_MALFORMED_COMMAND_MESSAGE: u32 = 0x1000_0012;
    pub const ZMTP_MALFORMED_COMMAND_HELLO: u32 = 0x1000_0013;
    pub const ZMTP_MALFORMED_COMMAND_INITIATE: u32 = 0x1000_0014;
    pub const ZMTP_MALFORMED_COMMAND_ERROR: u32 = 0x1000_0015;
    pub const ZMTP_MALFORMED_COMMAND_READY: u32 = 0x1000_0016;
    pub const ZMTP_MALFORMED_COMMAND_WELCOME: u32 = 0x1000_0017;
    pub const ZMTP_INVALID_METADATA: u32 = 0x1000_0018;
    pub const ZMTP_CRYPTOGRAPHIC: u32 = 0x1100_0001;
    pub const ZMTP_MECHANISM_MISMATCH: u32 = 0x1100_0002;
    pub const ZAP_UNSPECIFIED: u32 = 0x2000_0000;
    pub const ZAP_MALFORMED_REPLY: u32 = 0x2000_0001;
    pub const ZAP_BAD_REQUEST_ID: u32 = 0x2000_0002;
    pub const ZAP_BAD_VERSION: u32 = 0x2000_0003;
    pub const ZAP_INVALID_STATUS_CODE: u32 = 0x2000_0004;
    pub const ZAP_INVALID_METADATA: u32 = 0x2000_0005;
    /// A WebSocket upgrade or frame libzmq refuses (ws, wss).
    pub const WS_UNSPECIFIED: u32 = 0x3000_0000;
}

/// The monitor event libzmq raises for a failed handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureEvent {
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` with a `protocol_error` value.
    Protocol(u32),
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` with a ZAP status code (300, 400
    /// or 500): a ZAP handler refused us, or the peer's ERROR said so.
    Auth(u32),
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` with an errno (`EFAULT`: a
    /// PLAIN server found no ZAP handler to ask).
    NoDetail(i32),
}

/// Why a handshake failed.
///
/// The engine closes the connection as libzmq does for a protocol error
/// (after trying to flush what `poll_transmit` still holds, e.g. an ERROR
/// command), and raises `event` if there is one. libzmq raises no event
/// for some failures (a frame over `ZMQ_MAXMSGSIZE`, an incompatible
/// `Socket-Type`, bad metadata under NULL), and so `event` is `None` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeError {
    /// The errno-style cause (`EPROTO`, `EMSGSIZE`, `EINVAL`, ...).
    pub error: Error,
    /// The monitor event to raise, if libzmq raises one.
    pub event: Option<FailureEvent>,
    /// A short description, for logs and test failures.
    pub reason: &'static str,
}

impl HandshakeError {
    /// A failure reported with `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`.
    pub fn protocol(code: u32, reason: &'static str) -> HandshakeError {
        HandshakeError {
            error: Error::Os(libc::EPROTO),
            event: Some(FailureEvent::Protocol(code)),
            reason,
        }
    }

    /// A failure with no monitor event.
    pub fn silent(error: Error, reason: &'static str) -> HandshakeError {
        HandshakeError {
            error,
            event: None,
            reason,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZMTP handshake failed: {} ({})", self.reason, self.error)
    }
}

impl std::error::Error for HandshakeError {}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Error {
        e.error
    }
}

/// The error of a malformed frame or command (`EPROTO`).
pub(crate) fn eproto() -> Error {
    Error::Os(libc::EPROTO)
}
