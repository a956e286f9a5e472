//! The GSSAPI security mechanism (RFC 38, ZMTP-GSSAPI, as libzmq speaks
//! it: see `docs/gssapi.md`): a GSS security context (Kerberos) made by
//! passing its tokens in INITIATE commands, then READY each way, and every
//! message after that wrapped (`gss_wrap`) unless both ends chose
//! plaintext.
//!
//! ```text
//! C: INITIATE = %d8 "INITIATE" length(4) token      (the client's first)
//! S: INITIATE = %d8 "INITIATE" length(4) token      (when it has one)
//! C: (empty command)                                (the client is complete)
//! S: READY    = %d5 "READY" metadata                (after the ZAP handler's 200)
//! C: READY    = %d5 "READY" metadata
//! then, unless plaintext, every frame either way:
//!    MESSAGE  = %d7 "MESSAGE" length(4) wrap[flags(1) payload]
//! ```
//!
//! READY is itself the payload of a MESSAGE (flags: command) when not
//! plaintext. The flags byte carries MORE (1) and COMMAND (2); a peer may
//! also mark a subscription (4) or a cancellation (8) whose payload is the
//! bare topic. There is no ERROR command: every failure closes the
//! connection. Roles come from the options, not the greeting.
//!
//! The mechanism never calls the GSS library itself: it drives a
//! `SecurityContext` (`krb` is the system library's; the tests have their
//! own), so everything here runs without Kerberos.

mod krb;

#[cfg(test)]
mod tests;

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use super::command::{self, Command, Properties, INITIATE};
use super::greeting::MechanismName;
use super::mechanism::{no_zap_request, parse_peer_properties};
use super::mechanism::{Mechanism, MessageTransform, Outcome, ZapReply, ZapRequest};
use super::protocol_error as code;
use super::{eproto, FailureEvent, HandshakeError};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg, INLINE_MAX};

pub use krb::{available, KrbContext};

const MESSAGE: &[u8] = b"MESSAGE";
/// The flags byte of a wrapped payload.
const WRAP_MORE: u8 = 1;
const WRAP_COMMAND: u8 = 2;
const WRAP_SUBSCRIBE: u8 = 4;
const WRAP_CANCEL: u8 = 8;

/// The socket's GSSAPI options (`ZMQ_GSSAPI_*`), as given: names may end
/// in a NUL (libzmq's own tests pass `strlen + 1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GssapiConfig {
    /// `ZMQ_GSSAPI_PRINCIPAL`: our own name; empty for the default
    /// credentials.
    pub principal: Bytes,
    /// `ZMQ_GSSAPI_PRINCIPAL_NAMETYPE` (0 host-based, 1 user, 2 krb5).
    pub principal_nt: i32,
    /// `ZMQ_GSSAPI_SERVICE_PRINCIPAL`: the server a client asks for.
    pub service_principal: Bytes,
    pub service_principal_nt: i32,
    /// `ZMQ_GSSAPI_PLAINTEXT`: no wrapping after the handshake.
    pub plaintext: bool,
}

/// One step of making a security context: the token for the peer (maybe
/// empty) and whether our side of the context is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextStep {
    pub token: Vec<u8>,
    pub complete: bool,
}

/// A GSS call failed (credentials, a token the library refused, a wrap
/// that did not open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextFailed;

/// One side's security context, as the mechanism drives it.
pub trait SecurityContext: Send + fmt::Debug {
    /// The next step, with the peer's last token (`None` for an
    /// initiator's first step).
    fn step(&mut self, token: Option<&[u8]>) -> std::result::Result<ContextStep, ContextFailed>;

    /// Wraps `plain` with confidentiality (complete contexts only).
    fn wrap(&mut self, plain: &[u8]) -> std::result::Result<Vec<u8>, ContextFailed>;

    /// Unwraps a token the peer's `wrap` made.
    fn unwrap(&mut self, token: &[u8]) -> std::result::Result<Vec<u8>, ContextFailed>;

    /// An acceptor's view of the initiator's name, once complete: what the
    /// ZAP request gives as the credential (`user@REALM`).
    fn peer_name(&self) -> Option<Bytes>;
}

/// A GSS failure: libzmq raises `HANDSHAKE_FAILED_NO_DETAIL` for those.
fn gss_failure(reason: &'static str) -> HandshakeError {
    HandshakeError {
        error: Error::Os(libc::EACCES),
        event: Some(FailureEvent::NoDetail(libc::EACCES)),
        reason,
    }
}

fn unexpected() -> HandshakeError {
    HandshakeError::protocol(
        code::ZMTP_UNEXPECTED_COMMAND,
        "unexpected command in GSSAPI handshake",
    )
}

/// `name` then a 4-byte length then `token`: INITIATE and MESSAGE.
fn token_command(name: &[u8], token: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(1 + name.len() + 4 + token.len());
    out.put_u8(name.len() as u8);
    out.put_slice(name);
    out.put_u32(token.len() as u32);
    out.put_slice(token);
    out.freeze()
}

/// The token of a command `name` (INITIATE or MESSAGE): `None` if the
/// command has another name, `Some(Err(()))` if it is malformed (a length
/// that does not end the body exactly).
fn token_of<'a>(name: &[u8], body: &'a [u8]) -> Option<std::result::Result<&'a [u8], ()>> {
    let rest = body
        .strip_prefix(&[name.len() as u8][..])?
        .strip_prefix(name)?;
    let Some((len, token)) = rest.split_first_chunk::<4>() else {
        return Some(Err(()));
    };
    if u32::from_be_bytes(*len) as usize != token.len() {
        return Some(Err(()));
    }
    Some(Ok(token))
}

/// The token of an INITIATE body.
fn initiate_token(body: &[u8]) -> std::result::Result<&[u8], HandshakeError> {
    match token_of(INITIATE, body) {
        None => Err(unexpected()),
        Some(Err(())) => Err(HandshakeError::protocol(
            code::ZMTP_MALFORMED_COMMAND_INITIATE,
            "malformed INITIATE",
        )),
        Some(Ok(token)) => Ok(token),
    }
}

/// The context of an established connection and whether it wraps.
#[derive(Debug)]
struct Wrapping {
    context: Box<dyn SecurityContext>,
    plaintext: bool,
}

impl Wrapping {
    /// MESSAGE with `payload` under `wrap_flags`.
    fn wrap(&mut self, wrap_flags: u8, payload: &[u8]) -> Result<Bytes> {
        let mut plain = Vec::with_capacity(1 + payload.len());
        plain.push(wrap_flags);
        plain.extend_from_slice(payload);
        let token = self.context.wrap(&plain).map_err(|_| eproto())?;
        Ok(token_command(MESSAGE, &token))
    }

    /// The flags byte and payload of a MESSAGE body.
    fn unwrap(&mut self, body: &[u8]) -> std::result::Result<(u8, Vec<u8>), HandshakeError> {
        let token = match token_of(MESSAGE, body) {
            None => return Err(unexpected()),
            Some(Err(())) => {
                return Err(HandshakeError::protocol(
                    code::ZMTP_MALFORMED_COMMAND_MESSAGE,
                    "malformed MESSAGE",
                ))
            }
            Some(Ok(token)) => token,
        };
        let mut plain = self.context.unwrap(token).map_err(|_| {
            HandshakeError::protocol(code::ZMTP_CRYPTOGRAPHIC, "MESSAGE does not unwrap")
        })?;
        if plain.is_empty() {
            return Err(HandshakeError::protocol(
                code::ZMTP_MALFORMED_COMMAND_MESSAGE,
                "MESSAGE without flags",
            ));
        }
        let wrap_flags = plain.remove(0);
        Ok((wrap_flags, plain))
    }

    /// Our READY, as it goes out.
    fn ready(&mut self, ready: &Bytes) -> std::result::Result<Bytes, HandshakeError> {
        if self.plaintext {
            return Ok(ready.clone());
        }
        self.wrap(WRAP_COMMAND, ready)
            .map_err(|_| gss_failure("READY does not wrap"))
    }

    /// The peer's READY: its properties.
    fn peer_ready(
        &mut self,
        socket_type: i32,
        body: &Bytes,
    ) -> std::result::Result<Properties, HandshakeError> {
        let ready = if self.plaintext {
            body.clone()
        } else {
            Bytes::from(self.unwrap(body)?.1)
        };
        let (name, data) = command::split(&ready).map_err(|_| unexpected())?;
        if &name[..] != command::READY {
            return Err(unexpected());
        }
        parse_peer_properties(socket_type, &data).map_err(|_| {
            HandshakeError::protocol(code::ZMTP_INVALID_METADATA, "bad READY metadata")
        })
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        let wrap_flags = msg.flags() & (WRAP_MORE | WRAP_COMMAND);
        debug_assert_eq!(flags::MORE, WRAP_MORE);
        debug_assert_eq!(flags::COMMAND, WRAP_COMMAND);
        Ok(Msg::from_bytes(self.wrap(wrap_flags, msg.data())?))
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        let (wrap_flags, payload) = self.unwrap(msg.data()).map_err(|e| e.error)?;
        let subscription = match wrap_flags & (WRAP_SUBSCRIBE | WRAP_CANCEL) {
            0 => None,
            WRAP_SUBSCRIBE => Some(command::SUBSCRIBE),
            WRAP_CANCEL => Some(command::CANCEL),
            _ => return Err(eproto()),
        };
        let mut out = match subscription {
            // The bare topic of a subscription: as the command it stands for.
            Some(name) => {
                let mut body = Vec::with_capacity(1 + name.len() + payload.len());
                body.push(name.len() as u8);
                body.extend_from_slice(name);
                body.extend_from_slice(&payload);
                let mut m = Msg::from_bytes(Bytes::from(body));
                m.set_flags(flags::COMMAND);
                m
            }
            None if payload.len() <= INLINE_MAX => Msg::from_slice(&payload),
            None => Msg::from_bytes(Bytes::from(payload)),
        };
        out.set_flags(wrap_flags & (WRAP_MORE | WRAP_COMMAND));
        if subscription.is_some() {
            out.set_flags(flags::COMMAND);
        }
        Ok(out)
    }
}

/// What both sides keep.
#[derive(Debug)]
struct Common {
    socket_type: i32,
    /// Our READY body, in the clear.
    ready: Bytes,
    wrapping: Wrapping,
    outcome: Outcome,
}

impl Common {
    fn new(
        socket_type: i32,
        properties: &Properties,
        context: Box<dyn SecurityContext>,
        plaintext: bool,
    ) -> Common {
        Common {
            socket_type,
            ready: Command::Ready(properties.clone()).to_bytes(),
            wrapping: Wrapping { context, plaintext },
            outcome: Outcome::default(),
        }
    }

    fn transforms(&self) -> bool {
        !self.wrapping.plaintext
    }

    /// The wrapping, once the handshake is done (`ready`); before, a
    /// message is out of turn.
    fn established(&mut self, ready: bool) -> Result<&mut Wrapping> {
        if ready {
            Ok(&mut self.wrapping)
        } else {
            Err(Error::Fsm)
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum ClientState {
    /// The first step is still to take.
    Start,
    /// A token (or the empty command) is due.
    Send(ContextStep),
    AwaitToken,
    AwaitReady,
    SendReady,
    Ready,
}

/// The client (initiator) side of GSSAPI.
#[derive(Debug)]
pub struct GssapiClient {
    common: Common,
    state: ClientState,
}

impl GssapiClient {
    /// `properties` is what READY announces; `context` is an initiator
    /// towards the service principal; `plaintext` is `ZMQ_GSSAPI_PLAINTEXT`.
    pub fn new(
        socket_type: i32,
        properties: &Properties,
        context: Box<dyn SecurityContext>,
        plaintext: bool,
    ) -> GssapiClient {
        GssapiClient {
            common: Common::new(socket_type, properties, context, plaintext),
            state: ClientState::Start,
        }
    }
}

impl MessageTransform for GssapiClient {
    fn transforms(&self) -> bool {
        self.common.transforms()
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.common
            .established(self.state == ClientState::Ready)?
            .encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.common
            .established(self.state == ClientState::Ready)?
            .decode(msg)
    }
}

impl Mechanism for GssapiClient {
    fn name(&self) -> MechanismName {
        MechanismName::GSSAPI
    }

    fn outcome(&self) -> &Outcome {
        &self.common.outcome
    }

    fn outcome_mut(&mut self) -> &mut Outcome {
        &mut self.common.outcome
    }

    fn next_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        loop {
            match std::mem::replace(&mut self.state, ClientState::Ready) {
                ClientState::Start => {
                    let step = self
                        .common
                        .wrapping
                        .context
                        .step(None)
                        .map_err(|_| gss_failure("no GSS context for the service"))?;
                    self.state = ClientState::Send(step);
                }
                ClientState::Send(step) => {
                    self.state = if step.complete {
                        ClientState::AwaitReady
                    } else {
                        ClientState::AwaitToken
                    };
                    // A complete context with nothing more to say still
                    // tells the server so: an empty command, as libzmq's
                    // client sends (the server starts ZAP on it).
                    return Ok(Some(if step.token.is_empty() {
                        Bytes::new()
                    } else {
                        token_command(INITIATE, &step.token)
                    }));
                }
                ClientState::SendReady => {
                    self.state = ClientState::Ready;
                    let ready = self.common.ready.clone();
                    return self.common.wrapping.ready(&ready).map(Some);
                }
                other => {
                    self.state = other;
                    return Ok(None);
                }
            }
        }
    }

    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        match self.state {
            ClientState::AwaitToken => {
                let token = initiate_token(body)?;
                let step = self
                    .common
                    .wrapping
                    .context
                    .step(Some(token))
                    .map_err(|_| gss_failure("server's GSS token refused"))?;
                self.state = ClientState::Send(step);
            }
            ClientState::AwaitReady => {
                let socket_type = self.common.socket_type;
                self.common.outcome.peer = self.common.wrapping.peer_ready(socket_type, body)?;
                self.state = ClientState::SendReady;
            }
            _ => return Err(unexpected()),
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.state == ClientState::Ready
    }
}

#[derive(Debug, PartialEq, Eq)]
enum ServerState {
    AwaitToken,
    Send(ContextStep),
    /// Our context is complete and our last token out: the client's next
    /// command (libzmq's empty one) says it is complete too.
    AwaitClientDone,
    ZapRequestDue,
    AwaitZap,
    SendReady,
    AwaitReady,
    Ready,
}

/// The server (acceptor) side of GSSAPI.
#[derive(Debug)]
pub struct GssapiServer {
    common: Common,
    state: ServerState,
    /// Whether a ZAP handler is there to ask (without one every client
    /// that authenticates is accepted, as in libzmq).
    zap: bool,
}

impl GssapiServer {
    pub fn new(
        socket_type: i32,
        properties: &Properties,
        context: Box<dyn SecurityContext>,
        plaintext: bool,
        zap: bool,
    ) -> GssapiServer {
        GssapiServer {
            common: Common::new(socket_type, properties, context, plaintext),
            state: ServerState::AwaitToken,
            zap,
        }
    }

    fn authenticated(&self) -> ServerState {
        if self.zap {
            ServerState::ZapRequestDue
        } else {
            ServerState::SendReady
        }
    }
}

impl MessageTransform for GssapiServer {
    fn transforms(&self) -> bool {
        self.common.transforms()
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.common
            .established(self.state == ServerState::Ready)?
            .encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.common
            .established(self.state == ServerState::Ready)?
            .decode(msg)
    }
}

impl Mechanism for GssapiServer {
    fn name(&self) -> MechanismName {
        MechanismName::GSSAPI
    }

    fn outcome(&self) -> &Outcome {
        &self.common.outcome
    }

    fn outcome_mut(&mut self) -> &mut Outcome {
        &mut self.common.outcome
    }

    fn next_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        loop {
            match std::mem::replace(&mut self.state, ServerState::Ready) {
                ServerState::Send(step) => {
                    if step.token.is_empty() {
                        // Complete with nothing to say: the client sent its
                        // last token and waits for READY.
                        self.state = if step.complete {
                            self.authenticated()
                        } else {
                            ServerState::AwaitToken
                        };
                        continue;
                    }
                    self.state = if step.complete {
                        ServerState::AwaitClientDone
                    } else {
                        ServerState::AwaitToken
                    };
                    return Ok(Some(token_command(INITIATE, &step.token)));
                }
                ServerState::SendReady => {
                    self.state = ServerState::AwaitReady;
                    let ready = self.common.ready.clone();
                    return self.common.wrapping.ready(&ready).map(Some);
                }
                other => {
                    self.state = other;
                    return Ok(None);
                }
            }
        }
    }

    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        match self.state {
            ServerState::AwaitToken => {
                let token = initiate_token(body)?;
                let step = self
                    .common
                    .wrapping
                    .context
                    .step(Some(token))
                    .map_err(|_| gss_failure("client's GSS token refused"))?;
                self.state = ServerState::Send(step);
            }
            // libzmq's server reads nothing of this command.
            ServerState::AwaitClientDone => self.state = self.authenticated(),
            ServerState::AwaitReady => {
                let socket_type = self.common.socket_type;
                self.common.outcome.peer = self.common.wrapping.peer_ready(socket_type, body)?;
                self.state = ServerState::Ready;
            }
            _ => return Err(unexpected()),
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.state == ServerState::Ready
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.state != ServerState::ZapRequestDue || self.common.outcome.is_failed() {
            return None;
        }
        self.state = ServerState::AwaitZap;
        let name = self.common.wrapping.context.peer_name().unwrap_or_default();
        Some(ZapRequest {
            mechanism: MechanismName::GSSAPI,
            credentials: vec![name],
        })
    }

    fn process_zap_reply(&mut self, reply: ZapReply) -> std::result::Result<(), HandshakeError> {
        if self.state != ServerState::AwaitZap || self.common.outcome.is_failed() {
            return Err(no_zap_request());
        }
        // No ERROR command in GSSAPI: a refusal just closes (libzmq master;
        // 4.3 still sent READY).
        if self.common.outcome.take_zap_reply(reply, |_| None)? {
            self.state = ServerState::SendReady;
        }
        Ok(())
    }
}
