//! The server side of the handshake PLAIN (RFC 24) and CURVE (RFC 26)
//! share: HELLO in, WELCOME out, INITIATE in, READY out, with a ZAP
//! handler's verdict (RFC 27) asked before one of the two replies.
//!
//! `ServerHandshake` holds what is the same for both: the order of the
//! commands, when the ZAP request goes out and what its verdict does, the
//! ERROR sent on a refusal, the failure and the properties. The mechanism
//! supplies the rest through `ServerSteps`: parsing HELLO and INITIATE,
//! writing WELCOME and READY, and the ZAP credentials.
//!
//! It never parses or writes a command body itself, and never talks to a
//! ZAP handler: it hands out a `ZapRequest` and takes back a `ZapReply`.

use std::fmt;

use bytes::Bytes;

use super::command::Properties;
use super::greeting::MechanismName;
use super::limits;
use super::mechanism::{no_zap_request, Mechanism, MessageTransform, Outcome};
use super::mechanism::{ZapReply, ZapRequest};
use super::protocol_error as code;
use super::HandshakeError;
use crate::error::Result;
use crate::msg::Msg;

/// A command the server sends in answer to one it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// WELCOME, the answer to HELLO.
    Welcome,
    /// READY, the answer to INITIATE.
    Ready,
}

/// What PLAIN and CURVE servers each do their own way.
pub trait ServerSteps: Send + fmt::Debug {
    /// The mechanism, as the greeting and the ZAP request name it.
    const NAME: MechanismName;
    /// The reply that waits for the ZAP handler's verdict: WELCOME for
    /// PLAIN (the handler judges HELLO's user name and password), READY
    /// for CURVE (it judges INITIATE's long-term key).
    const ZAP_BEFORE: Reply;
    /// The reason given for a command received out of turn.
    const OUT_OF_TURN: &'static str;

    /// What transforms messages once READY is out (CURVE's boxes).
    type Messages: MessageTransform + Send + fmt::Debug;

    /// The failure when there is no ZAP handler to ask, if the mechanism
    /// then refuses every client (PLAIN does, CURVE does not).
    fn without_zap() -> Option<HandshakeError> {
        None
    }

    /// Takes HELLO.
    fn process_hello(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError>;

    /// Writes WELCOME.
    fn welcome(&mut self) -> std::result::Result<Bytes, HandshakeError>;

    /// Takes INITIATE and returns the client's metadata.
    fn process_initiate(&mut self, body: &Bytes)
        -> std::result::Result<Properties, HandshakeError>;

    /// Writes READY, and makes what transforms messages from then on.
    fn ready(&mut self) -> std::result::Result<(Bytes, Self::Messages), HandshakeError>;

    /// The credential frames of the ZAP request, asked for once.
    fn zap_credentials(&mut self) -> Vec<Bytes>;

    /// The ERROR body to send for a ZAP refusal, from the RFC form.
    fn refusal(error: Bytes) -> Bytes {
        error
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitHello,
    AwaitInitiate,
    /// The ZAP handler must be asked before the reply goes out.
    ZapRequestDue(Reply),
    AwaitZap(Reply),
    Send(Reply),
    Ready,
}

/// A PLAIN or CURVE server, driven by the handshake as any `Mechanism`.
#[derive(Debug)]
pub struct ServerHandshake<S: ServerSteps> {
    steps: S,
    /// Whether a ZAP handler is there to ask.
    zap: bool,
    state: State,
    outcome: Outcome,
    /// From READY on.
    messages: Option<S::Messages>,
}

impl<S: ServerSteps> ServerHandshake<S> {
    /// A server that awaits HELLO; `zap` says whether a ZAP handler is
    /// there to ask.
    pub(super) fn with_steps(steps: S, zap: bool) -> ServerHandshake<S> {
        ServerHandshake {
            steps,
            zap,
            state: State::AwaitHello,
            outcome: Outcome::default(),
            messages: None,
        }
    }

    /// The mechanism's own part, for tests that look inside it.
    #[cfg(test)]
    pub(super) fn steps(&self) -> &S {
        &self.steps
    }

    /// The state once the command that `reply` answers is taken: the ZAP
    /// handler comes first if this is the reply it decides.
    fn before(&self, reply: Reply) -> std::result::Result<State, HandshakeError> {
        if reply != S::ZAP_BEFORE {
            return Ok(State::Send(reply));
        }
        if self.zap {
            return Ok(State::ZapRequestDue(reply));
        }
        match S::without_zap() {
            Some(e) => Err(e),
            None => Ok(State::Send(reply)),
        }
    }
}

impl<S: ServerSteps> Mechanism for ServerHandshake<S> {
    fn name(&self) -> MechanismName {
        S::NAME
    }

    fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    fn outcome_mut(&mut self) -> &mut Outcome {
        &mut self.outcome
    }

    fn next_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        let command = match self.state {
            State::Send(Reply::Welcome) => {
                self.state = State::AwaitInitiate;
                self.steps.welcome()?
            }
            State::Send(Reply::Ready) => {
                self.state = State::Ready;
                let (command, messages) = self.steps.ready()?;
                self.messages = Some(messages);
                command
            }
            _ => return Ok(None),
        };
        Ok(Some(command))
    }

    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        self.state = match self.state {
            State::AwaitHello => {
                self.steps.process_hello(body)?;
                self.before(Reply::Welcome)?
            }
            State::AwaitInitiate => {
                self.outcome.peer = self.steps.process_initiate(body)?;
                self.before(Reply::Ready)?
            }
            _ => {
                return Err(HandshakeError::protocol(
                    code::ZMTP_UNSPECIFIED,
                    S::OUT_OF_TURN,
                ))
            }
        };
        Ok(())
    }

    fn done(&self) -> bool {
        self.state == State::Ready
    }

    /// Only INITIATE carries properties; from a client that has not even
    /// sent HELLO, or that should now be waiting for us, nothing larger
    /// than an ERROR is due.
    fn command_limit(&self) -> usize {
        match self.state {
            State::AwaitInitiate => limits::COMMAND_MAX,
            _ => limits::SHORT_COMMAND_MAX,
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        let State::ZapRequestDue(reply) = self.state else {
            return None;
        };
        if self.outcome.is_failed() {
            return None;
        }
        self.state = State::AwaitZap(reply);
        Some(ZapRequest {
            mechanism: S::NAME,
            credentials: self.steps.zap_credentials(),
        })
    }

    fn process_zap_reply(&mut self, reply: ZapReply) -> std::result::Result<(), HandshakeError> {
        let State::AwaitZap(next) = self.state else {
            return Err(no_zap_request());
        };
        if self.outcome.is_failed() {
            return Err(no_zap_request());
        }
        if self
            .outcome
            .take_zap_reply(reply, |e| Some(S::refusal(e)))?
        {
            self.state = State::Send(next);
        }
        Ok(())
    }
}

/// What READY made transforms messages after the handshake.
impl<S: ServerSteps> MessageTransform for ServerHandshake<S> {
    fn transforms(&self) -> bool {
        self.messages.transforms()
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.decode(msg)
    }
}
