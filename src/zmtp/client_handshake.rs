//! The client side of the handshake PLAIN (RFC 24) and CURVE (RFC 26)
//! share: HELLO out, WELCOME in, INITIATE out, READY in, and an ERROR from
//! the server in place of WELCOME or READY.
//!
//! `ClientHandshake` holds what is the same for both: the order of the
//! commands, which command is welcome when, the failure and the server's
//! properties. The mechanism supplies the rest through `ClientSteps`:
//! writing HELLO and INITIATE, parsing WELCOME and READY.
//!
//! It never parses or writes a command body itself beyond its name.

use std::fmt;

use bytes::Bytes;

use super::command::{self, Properties};
use super::greeting::MechanismName;
use super::limits;
use super::mechanism::{peer_error, Mechanism, MessageTransform, Outcome};
use super::HandshakeError;
use crate::error::Result;
use crate::msg::Msg;

/// What PLAIN and CURVE clients each do their own way.
pub trait ClientSteps: Send + fmt::Debug {
    /// The mechanism, as the greeting names it.
    const NAME: MechanismName;

    /// What transforms messages once READY is in (CURVE's boxes).
    type Messages: MessageTransform + Send + fmt::Debug;

    /// The failure for a command the client does not expect now.
    fn unexpected() -> HandshakeError;

    /// The data part of an ERROR the server wrote in another form than
    /// RFC 23's, if `body` is one (PLAIN: libzmq's).
    fn other_error(_body: &Bytes) -> Option<Bytes> {
        None
    }

    /// Writes HELLO.
    fn hello(&mut self) -> std::result::Result<Bytes, HandshakeError>;

    /// Takes WELCOME (the whole body, name included).
    fn process_welcome(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError>;

    /// Writes INITIATE.
    fn initiate(&mut self) -> std::result::Result<Bytes, HandshakeError>;

    /// Takes READY (the whole body): the server's metadata, and what
    /// transforms messages from then on.
    fn process_ready(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<(Properties, Self::Messages), HandshakeError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SendHello,
    AwaitWelcome,
    SendInitiate,
    AwaitReady,
    Ready,
}

/// A PLAIN or CURVE client, driven by the handshake as any `Mechanism`.
#[derive(Debug)]
pub struct ClientHandshake<S: ClientSteps> {
    steps: S,
    state: State,
    /// Holds no ZAP grant: a client never asks a ZAP handler.
    outcome: Outcome,
    /// From READY on.
    messages: Option<S::Messages>,
}

impl<S: ClientSteps> ClientHandshake<S> {
    /// A client about to send HELLO.
    pub(super) fn with_steps(steps: S) -> ClientHandshake<S> {
        ClientHandshake {
            steps,
            state: State::SendHello,
            outcome: Outcome::default(),
            messages: None,
        }
    }

    /// The mechanism's own part, for tests that look inside it.
    #[cfg(test)]
    pub(super) fn steps(&self) -> &S {
        &self.steps
    }
}

impl<S: ClientSteps> Mechanism for ClientHandshake<S> {
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
            State::SendHello => {
                self.state = State::AwaitWelcome;
                self.steps.hello()?
            }
            State::SendInitiate => {
                self.state = State::AwaitReady;
                self.steps.initiate()?
            }
            _ => return Ok(None),
        };
        Ok(Some(command))
    }

    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        let awaiting = matches!(self.state, State::AwaitWelcome | State::AwaitReady);
        if let Some(data) = S::other_error(body).filter(|_| awaiting) {
            return Err(peer_error(&data));
        }
        let (name, data) = command::split(body).map_err(|_| S::unexpected())?;
        self.state = match (&name[..], self.state) {
            (command::WELCOME, State::AwaitWelcome) => {
                self.steps.process_welcome(body)?;
                State::SendInitiate
            }
            (command::READY, State::AwaitReady) => {
                let (peer, messages) = self.steps.process_ready(body)?;
                self.outcome.peer = peer;
                self.messages = Some(messages);
                State::Ready
            }
            (command::ERROR, _) if awaiting => return Err(peer_error(&data)),
            _ => return Err(S::unexpected()),
        };
        Ok(())
    }

    fn done(&self) -> bool {
        self.state == State::Ready
    }

    /// Only READY carries properties; WELCOME and ERROR are short.
    fn command_limit(&self) -> usize {
        match self.state {
            State::AwaitReady => limits::COMMAND_MAX,
            _ => limits::SHORT_COMMAND_MAX,
        }
    }
}

/// What READY made transforms messages after the handshake.
impl<S: ClientSteps> MessageTransform for ClientHandshake<S> {
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
