//! Security mechanisms (RFC 23/37 §"Authentication and Confidentiality"):
//! the `Mechanism` trait that NULL (`null.rs`), PLAIN (`plain.rs`) and
//! CURVE (`curve.rs`) implement, the hooks a mechanism uses to ask a ZAP handler (RFC 27) for
//! a verdict, and the metadata rules every mechanism shares.
//!
//! A mechanism only sees command bodies: the handshake frames them, and
//! after the handshake `Traffic` passes every message through `encode` and
//! `decode` (CURVE boxes messages there; NULL and PLAIN leave them alone).
//! It never sends ZAP frames itself: it hands out a `ZapRequest` and takes
//! back a `ZapReply` that the engine's ZAP client has already validated.

use std::fmt;

use bytes::Bytes;

use super::command::{Command, Properties};
use super::greeting::MechanismName;
use super::limits;
use super::protocol_error as code;
use super::{socket_type, FailureEvent, HandshakeError};
use crate::error::{Error, Result};
use crate::msg::Msg;

/// Where a mechanism stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechanismStatus {
    /// Commands still to send or receive (or a ZAP reply to wait for).
    Handshaking,
    /// Both sides are done: traffic may flow.
    Ready,
    /// The handshake failed; commands already handed out (an ERROR)
    /// should still be flushed before the connection closes.
    Failed(HandshakeError),
}

/// What a mechanism asks a ZAP handler. The engine adds the version,
/// request id, domain, peer address and routing id frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRequest {
    pub mechanism: MechanismName,
    /// Mechanism-specific credential frames (none for NULL, user name and
    /// password for PLAIN, the client's public key for CURVE).
    pub credentials: Vec<Bytes>,
}

/// A ZAP handler's verdict, already checked by the ZAP client (version,
/// request id, a status code of 200, 300, 400 or 500, metadata syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapReply {
    pub status_code: u32,
    pub user_id: Bytes,
    pub metadata: Properties,
}

/// What a mechanism does to messages after the handshake: CURVE boxes
/// each one (RFC 26 MESSAGE), NULL and PLAIN leave them as they are.
pub trait MessageTransform {
    /// Whether `encode` and `decode` change messages (CURVE); if not,
    /// traffic skips them.
    fn transforms(&self) -> bool {
        false
    }

    /// Transforms an outgoing message after the handshake.
    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        Ok(msg)
    }

    /// Transforms an incoming frame after the handshake.
    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        Ok(msg)
    }
}

/// Messages as they are: what NULL and PLAIN leave after the handshake.
#[derive(Debug)]
pub struct Cleartext;

impl MessageTransform for Cleartext {}

/// A transform the handshake has not made yet: transforming a message
/// before it is there is out of turn (`EFSM`).
impl<T: MessageTransform> MessageTransform for Option<T> {
    fn transforms(&self) -> bool {
        self.as_ref().is_some_and(T::transforms)
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.as_mut().ok_or(Error::Fsm)?.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.as_mut().ok_or(Error::Fsm)?.decode(msg)
    }
}

/// A security mechanism, driven by the handshake.
///
/// A mechanism supplies its own exchange (`next_command`, `take_command`,
/// `done`, and the ZAP hooks); the provided methods hold the rules every
/// mechanism shares: after a failure no command is taken and none goes
/// out but the ERROR still due, and a failure a step returns is kept.
pub trait Mechanism: MessageTransform + Send + fmt::Debug {
    /// The name announced in the greeting.
    fn name(&self) -> MechanismName;

    /// What the handshake has come to so far.
    fn outcome(&self) -> &Outcome;

    fn outcome_mut(&mut self) -> &mut Outcome;

    /// The mechanism's next command, if one is due now (asked only while
    /// the handshake has not failed).
    fn next_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError>;

    /// Takes a received command (only while the handshake has not failed).
    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError>;

    /// Whether the mechanism's own exchange is complete.
    fn done(&self) -> bool;

    /// The largest command body the mechanism may take next: what the
    /// handshake refuses at the frame header (`zmtp::limits`). By default
    /// a command with properties (READY).
    fn command_limit(&self) -> usize {
        limits::COMMAND_MAX
    }

    /// The body of the next command to send, if one is ready now.
    fn next_handshake_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        if let Some(error) = self.outcome_mut().error_due.take() {
            return Ok(Some(error));
        }
        if self.outcome().is_failed() {
            return Ok(None);
        }
        let command = self.next_command();
        command.map_err(|e| self.outcome_mut().fail(e))
    }

    /// Takes the body of a command received during the handshake.
    fn process_handshake_command(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<(), HandshakeError> {
        if let Some(e) = self.outcome().failure {
            return Err(e);
        }
        let taken = self.take_command(body);
        taken.map_err(|e| self.outcome_mut().fail(e))
    }

    fn status(&self) -> MechanismStatus {
        match self.outcome().failure {
            Some(e) => MechanismStatus::Failed(e),
            None if self.done() => MechanismStatus::Ready,
            None => MechanismStatus::Handshaking,
        }
    }

    /// A request for the ZAP handler, once, when the mechanism needs one.
    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// Takes the ZAP handler's reply to `zap_request`.
    fn process_zap_reply(&mut self, _reply: ZapReply) -> std::result::Result<(), HandshakeError> {
        Err(no_zap_request())
    }

    /// The properties the peer sent (its READY or INITIATE metadata).
    fn peer_properties(&self) -> &Properties {
        &self.outcome().peer
    }

    /// Properties from the ZAP handler (`User-Id` and its metadata).
    fn zap_properties(&self) -> &Properties {
        &self.outcome().grant.properties
    }

    /// The user id a ZAP handler gave the peer, if any.
    fn user_id(&self) -> Option<&Bytes> {
        self.outcome().grant.user_id.as_ref()
    }
}

/// The failure for a ZAP reply that nothing asked for.
pub fn no_zap_request() -> HandshakeError {
    HandshakeError::silent(Error::Fsm, "ZAP reply without a request")
}

/// What every mechanism keeps besides its own state: how the handshake
/// failed, if it did, an ERROR still to send, what the peer announced and
/// what a ZAP handler granted.
#[derive(Debug, Default)]
pub struct Outcome {
    failure: Option<HandshakeError>,
    /// An ERROR body to send once (after a ZAP refusal).
    error_due: Option<Bytes>,
    pub peer: Properties,
    grant: ZapGrant,
}

impl Outcome {
    /// Keeps `e` as the failure and returns it.
    pub fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.failure = Some(e);
        e
    }

    pub fn is_failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Takes the ZAP handler's reply: `Ok(true)` when it accepts (the grant
    /// is kept). When it refuses, the failure is kept, its ERROR (in the
    /// form `form` writes, none if it gives none) is due, and the answer
    /// is `Ok(false)`.
    pub fn take_zap_reply(
        &mut self,
        reply: ZapReply,
        form: fn(Bytes) -> Option<Bytes>,
    ) -> std::result::Result<bool, HandshakeError> {
        match zap_verdict(reply).map_err(|e| self.fail(e))? {
            ZapVerdict::Accepted {
                properties,
                user_id,
            } => {
                self.grant = ZapGrant {
                    properties,
                    user_id: Some(user_id),
                };
                Ok(true)
            }
            ZapVerdict::Refused { error, failure } => {
                self.error_due = error.and_then(form);
                self.fail(failure);
                Ok(false)
            }
        }
    }
}

/// What a ZAP handler's reply means for the handshake (RFC 27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZapVerdict {
    /// 200: go on. `properties` holds `User-Id` and the handler's metadata.
    Accepted {
        properties: Properties,
        user_id: Bytes,
    },
    /// 300, 400 or 500: the handshake has failed. `error` is the ERROR body
    /// to send first: none for 300, a temporary failure that closes
    /// silently (CurveZMQ, RFC 26 §"The ERROR Command").
    Refused {
        error: Option<Bytes>,
        failure: HandshakeError,
    },
}

/// Reads a ZAP reply into a verdict; an unknown status code is a ZAP
/// protocol error (the engine's ZAP client normally refuses those first).
pub fn zap_verdict(reply: ZapReply) -> std::result::Result<ZapVerdict, HandshakeError> {
    match reply.status_code {
        200 => {
            let mut properties = Properties::new();
            properties
                .push("User-Id", reply.user_id.clone())
                .expect("a valid name");
            for (name, value) in reply.metadata.iter() {
                properties
                    .push(name, value.clone())
                    .expect("parsed names are valid");
            }
            Ok(ZapVerdict::Accepted {
                properties,
                user_id: reply.user_id,
            })
        }
        status @ (300 | 400 | 500) => {
            let error = (status != 300).then(|| {
                Command::Error {
                    reason: Bytes::from(status.to_string()),
                }
                .to_bytes()
            });
            Ok(ZapVerdict::Refused {
                error,
                failure: HandshakeError {
                    error: super::eproto(),
                    event: Some(FailureEvent::Auth(status)),
                    reason: "ZAP handler refused the peer",
                },
            })
        }
        _ => Err(HandshakeError::protocol(
            code::ZAP_INVALID_STATUS_CODE,
            "invalid ZAP status code",
        )),
    }
}

/// What a ZAP handler's approval leaves.
#[derive(Debug, Default)]
struct ZapGrant {
    /// `User-Id` and the handler's metadata.
    properties: Properties,
    user_id: Option<Bytes>,
}

/// libzmq's first check on a command received by a PLAIN or CURVE server:
/// a body of at most one byte, or shorter than its name claims, is
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED`.
pub fn check_command_structure(body: &[u8]) -> std::result::Result<(), HandshakeError> {
    match body.first() {
        Some(&name_len) if body.len() > 1 && body.len() > name_len as usize => Ok(()),
        _ => Err(HandshakeError::protocol(
            code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            "malformed command",
        )),
    }
}

/// Parses peer metadata (INITIATE or READY) and checks its `Socket-Type`.
/// `EPROTO` for a malformed list, `EINVAL` for an incompatible type.
pub fn parse_peer_properties(socket_type: i32, data: &Bytes) -> Result<Properties> {
    let props = Properties::parse(data)?;
    if !peer_socket_type_ok(socket_type, &props) {
        return Err(Error::Inval);
    }
    Ok(props)
}

/// The properties every mechanism announces (libzmq's basic properties):
/// `Socket-Type`, `Identity` for REQ, DEALER and ROUTER, then the
/// application's `ZMQ_METADATA` properties.
pub fn basic_properties(
    socket_type: i32,
    routing_id: &Bytes,
    metadata: &[(String, Bytes)],
) -> Result<Properties> {
    let name = socket_type::name(socket_type).ok_or(Error::Inval)?;
    let mut props = Properties::new();
    props.push("Socket-Type", Bytes::from_static(name.as_bytes()))?;
    if socket_type::sends_identity(socket_type) {
        props.push("Identity", routing_id.clone())?;
    }
    for (name, value) in metadata {
        props.push(name, value.clone())?;
    }
    Ok(props)
}

/// Whether every `Socket-Type` the peer announced suits `ours`. A peer
/// announcing none is accepted, as libzmq does.
pub fn peer_socket_type_ok(ours: i32, peer: &Properties) -> bool {
    peer.iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Socket-Type"))
        .all(|(_, v)| socket_type::is_compatible(ours, v))
}

/// The auth event for an ERROR reason: libzmq raises one only when the
/// reason is a ZAP status code "300", "400" or "500".
pub fn error_reason_event(reason: &[u8]) -> Option<FailureEvent> {
    match reason {
        [d @ b'3'..=b'5', b'0', b'0'] => Some(FailureEvent::Auth((d - b'0') as u32 * 100)),
        _ => None,
    }
}

/// The failure for a received ERROR command body (its data part).
pub fn peer_error(data: &Bytes) -> HandshakeError {
    let malformed = HandshakeError::protocol(code::ZMTP_MALFORMED_COMMAND_ERROR, "malformed ERROR");
    let Some(&len) = data.first() else {
        return malformed;
    };
    let Some(reason) = data.get(1..1 + len as usize) else {
        return malformed;
    };
    HandshakeError {
        error: super::eproto(),
        event: error_reason_event(reason),
        reason: "peer sent ERROR",
    }
}

/// What the mechanisms' scenario tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::{FailureEvent, HandshakeError, Mechanism, ZapRequest};

    /// Moves every pending command from `from` into `to`; how many.
    pub fn pass(
        from: &mut dyn Mechanism,
        to: &mut dyn Mechanism,
    ) -> std::result::Result<usize, HandshakeError> {
        let mut n = 0;
        while let Some(cmd) = from.next_handshake_command()? {
            to.process_handshake_command(&cmd)?;
            n += 1;
        }
        Ok(n)
    }

    /// The ZAP request `m` owes now: `waits` (a command) does not go out
    /// before the verdict, and the handler is asked once.
    pub fn zap_request_due(m: &mut dyn Mechanism, waits: &str) -> ZapRequest {
        let msg = format!("{waits} waits for ZAP");
        assert_eq!(m.next_handshake_command().unwrap(), None, "{msg}");
        let req = m.zap_request().unwrap();
        assert!(m.zap_request().is_none(), "asked once");
        req
    }

    /// The `ZMQ_PROTOCOL_ERROR_*` code a failure reports, if any.
    pub fn protocol(e: HandshakeError) -> Option<u32> {
        match e.event {
            Some(FailureEvent::Protocol(c)) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    #[test]
    fn basic_properties_fixtures() {
        let cases: &[(i32, &[u8])] = &[
            (
                socket_type::DEALER,
                b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x02id",
            ),
            (
                socket_type::ROUTER,
                b"\x0bSocket-Type\x00\x00\x00\x06ROUTER\x08Identity\x00\x00\x00\x02id",
            ),
            (
                socket_type::REQ,
                b"\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x02id",
            ),
            (socket_type::PUB, b"\x0bSocket-Type\x00\x00\x00\x03PUB"),
            (socket_type::REP, b"\x0bSocket-Type\x00\x00\x00\x03REP"),
        ];
        for &(t, expected) in cases {
            let props = basic_properties(t, &b(b"id"), &[]).unwrap();
            let mut out = BytesMut::new();
            props.emit(&mut out);
            assert_eq!(&out[..], expected, "type {t}");
        }
        let app = [("X-Hello".to_owned(), b(b"World"))];
        let props = basic_properties(socket_type::PUSH, &Bytes::new(), &app).unwrap();
        assert_eq!(props.get("x-hello").unwrap(), &b"World"[..]);
        assert_eq!(basic_properties(99, &Bytes::new(), &[]), Err(Error::Inval));
    }

    #[test]
    fn error_reason_events() {
        assert_eq!(error_reason_event(b"500"), Some(FailureEvent::Auth(500)));
        assert_eq!(error_reason_event(b"200"), None);
        assert_eq!(error_reason_event(b"600"), None);
        assert_eq!(error_reason_event(b"4000"), None);
        assert_eq!(error_reason_event(b"410"), None);
    }
}
