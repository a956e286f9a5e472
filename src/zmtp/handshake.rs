//! The whole ZMTP handshake: greeting, version fallback, and either the
//! security mechanism (3.x) or the identity frame exchange (1.0/2.0), ending
//! in `Established` or a `HandshakeError`.
//!
//! Driving it (sans-IO, as quinn-proto's connections are driven):
//! - `poll_transmit(&mut out)` after creation and after every call below,
//!   and send what it appended; after `Established` or an error, flush what
//!   it still gives (our READY, or an ERROR) before moving on or closing;
//! - `handle_input(&mut input)` whenever the received stream grows; it
//!   consumes only handshake bytes, so what `input` holds after
//!   `Established` is traffic for `Established::traffic`;
//! - `poll_zap_request()` after each call; if it gives a request, send it
//!   to the ZAP handler and pass the verdict to `handle_zap_reply`.
//!
//! The handshake timeout (`ZMQ_HANDSHAKE_IVL`) is the engine's.

use bytes::{Bytes, BytesMut};

use super::curve::CurveKeys;
use super::decoder::Decoder;
use super::encoder::Encoder;
use super::exchange::MechanismExchange;
use super::greeting::{GreetingExchange, MechanismName, PeerGreeting};
use super::gssapi::GssapiConfig;
use super::limits;
use super::mechanism::{basic_properties, MechanismStatus};
use super::mechanism::{ZapReply, ZapRequest};
use super::protocol_error as code;
use super::traffic::Traffic;
use super::{eproto, socket_type, HandshakeError, Version};
use crate::error::{Error, Result};
use crate::msg::{Metadata, Msg};

/// The security mechanism a socket uses (`ZMQ_MECHANISM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechanismKind {
    Null,
    Plain,
    Curve,
    Gssapi,
}

impl MechanismKind {
    pub fn name(self) -> MechanismName {
        match self {
            MechanismKind::Null => MechanismName::NULL,
            MechanismKind::Plain => MechanismName::PLAIN,
            MechanismKind::Curve => MechanismName::CURVE,
            MechanismKind::Gssapi => MechanismName::GSSAPI,
        }
    }
}

/// Our side's settings for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// zmq.h socket type (`ZMQ_DEALER` = 5, ...).
    pub socket_type: i32,
    /// `ZMQ_ROUTING_ID`, at most 255 bytes.
    pub routing_id: Bytes,
    /// `ZMQ_PLAIN_SERVER` / `ZMQ_CURVE_SERVER`.
    pub as_server: bool,
    /// `ZMQ_METADATA` properties (`X-` names), in the order to send them.
    pub metadata: Vec<(String, Bytes)>,
    /// `ZMQ_MAXMSGSIZE`, -1 for no limit; applies to every frame,
    /// handshake commands and identity frames included, as in libzmq.
    pub max_msg_size: i64,
    pub mechanism: MechanismKind,
    /// Whether a ZAP handler must approve the peer. For NULL the engine
    /// sets this when `ZMQ_ZAP_DOMAIN` is set; `Handshake::new` turns it on
    /// for PLAIN servers (always) and CURVE servers (unless
    /// `zap_enforce_domain` is set with no domain), and off for clients.
    /// The engine turns it off again when no handler is bound.
    pub zap: bool,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: a CURVE server with no ZAP domain then
    /// asks no handler (libzmq 4.3).
    pub zap_enforce_domain: bool,
    /// `ZMQ_PLAIN_USERNAME` / `ZMQ_PLAIN_PASSWORD` (PLAIN clients).
    pub plain_username: Bytes,
    pub plain_password: Bytes,
    /// `ZMQ_CURVE_*` keys (CURVE).
    pub curve: CurveKeys,
    /// `ZMQ_GSSAPI_*` names and plaintext (GSSAPI).
    pub gssapi: GssapiConfig,
}

impl Config {
    /// Defaults for `socket_type`: empty routing id, NULL, no limit.
    pub fn new(socket_type: i32) -> Config {
        Config {
            socket_type,
            routing_id: Bytes::new(),
            as_server: false,
            metadata: Vec::new(),
            max_msg_size: -1,
            mechanism: MechanismKind::Null,
            zap: false,
            zap_enforce_domain: false,
            plain_username: Bytes::new(),
            plain_password: Bytes::new(),
            curve: CurveKeys::default(),
            gssapi: GssapiConfig::default(),
        }
    }
}

impl Config {
    /// `config` checked and completed for a handshake: `EINVAL` for an
    /// unknown socket type, a routing id over 255 bytes, a bad
    /// metadata name or a PLAIN credential over 255 bytes; `zap` set as
    /// libzmq 4.3 decides who asks a ZAP handler.
    pub fn checked(mut self) -> Result<Config> {
        let config = &mut self;
        // STREAM passes: over ws it sends its READY like any type (and
        // then every peer refuses it), as libzmq's does.
        if socket_type::name(config.socket_type).is_none() {
            return Err(Error::Inval);
        }
        if config.routing_id.len() > 255 {
            return Err(Error::Inval);
        }
        basic_properties(config.socket_type, &config.routing_id, &config.metadata)?;
        if config.plain_username.len() > 255 || config.plain_password.len() > 255 {
            return Err(Error::Inval);
        }
        // Who asks a ZAP handler (libzmq 4.3): a PLAIN server always (no
        // handler: every client is refused), a CURVE server unless the
        // domain is enforced and empty (no handler: every client that
        // completes the handshake is accepted), a GSSAPI server when
        // one is bound (without: every client that authenticates is
        // accepted), never a client.
        config.zap = match (config.mechanism, config.as_server) {
            (MechanismKind::Null, _) => config.zap,
            (MechanismKind::Plain | MechanismKind::Gssapi, true) => true,
            (MechanismKind::Curve, true) => config.zap || !config.zap_enforce_domain,
            (_, false) => false,
        };
        Ok(self)
    }
}

/// A completed handshake.
#[derive(Debug)]
pub struct Established {
    pub peer_version: Version,
    /// The peer's socket type: from `Socket-Type` (3.x; `None` if absent
    /// or unknown) or the greeting byte (2.0); `None` for 1.0 peers.
    pub peer_socket_type: Option<i32>,
    /// The peer's `Identity` property (3.x; `None` if it sent none) or
    /// identity frame (1.0/2.0). libzmq uses it only on ROUTER sockets
    /// (`recv_routing_id`): it hands the socket a routing-id message with
    /// it, empty when absent, and an empty one means "generate one".
    pub peer_routing_id: Option<Bytes>,
    /// ZAP properties (`User-Id`, handler metadata), then the peer's
    /// properties; the engine adds `Peer-Address` over them.
    pub metadata: Metadata,
    /// The user id a ZAP handler gave the peer (libzmq delivers a non-empty
    /// one as a credential message before the first received message).
    pub user_id: Option<Bytes>,
    /// We are PUB/XPUB and the peer speaks unversioned ZMTP 1.0, so it will
    /// never subscribe: libzmq then feeds the socket a subscription to
    /// everything (a message `0x01`) right after the peer's identity.
    pub subscribe_all: bool,
    pub traffic: Traffic,
}

#[derive(Debug)]
enum State {
    Greeting,
    /// ZMTP 1.0/2.0: waiting for the peer's identity frame.
    Identity {
        version: Version,
        peer_socket_type: Option<i32>,
        decoder: Decoder,
        subscribe_all: bool,
    },
    /// ZMTP 3.x: exchanging mechanism commands.
    Mechanism {
        decoder: Decoder,
        encoder: Encoder,
        exchange: MechanismExchange,
    },
    Done,
    Failed(HandshakeError),
}

/// One connection's handshake, from the first byte to `Established`.
#[derive(Debug)]
pub struct Handshake {
    config: Config,
    greeting: GreetingExchange,
    state: State,
    out: BytesMut,
}

impl Handshake {
    /// Starts a handshake; its first 10 bytes are ready to send at once.
    /// `EINVAL` for an unknown or STREAM socket type, a routing id over
    /// 255 bytes, a bad metadata name or a PLAIN credential over 255 bytes.
    pub fn new(config: Config) -> Result<Handshake> {
        // Over tcp and ipc a STREAM socket speaks no ZMTP at all.
        if config.socket_type == socket_type::STREAM {
            return Err(Error::Inval);
        }
        let config = config.checked()?;
        let type_byte = config.socket_type as u8;
        let mut greeting = GreetingExchange::new(
            config.routing_id.len(),
            type_byte,
            config.mechanism.name(),
            // RFC 37: as-server MUST be zero with NULL.
            config.as_server && config.mechanism != MechanismKind::Null,
        );
        let mut out = BytesMut::new();
        greeting.poll_transmit(&mut out);
        Ok(Handshake {
            config,
            greeting,
            state: State::Greeting,
            out,
        })
    }

    /// Whether the handshake will ask a ZAP handler.
    pub fn zap(&self) -> bool {
        self.config.zap
    }

    /// Turns the ZAP check on or off; it counts only before the greeting
    /// is complete (the engine turns it off when no handler is bound).
    pub fn set_zap(&mut self, zap: bool) {
        self.config.zap = zap;
    }

    /// Appends the bytes due to the peer; returns how many.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
        let n = self.out.len();
        out.extend_from_slice(&self.out);
        self.out.clear();
        n
    }

    /// The peer's protocol, once its greeting is in.
    pub fn peer_version(&self) -> Option<Version> {
        self.greeting.peer().map(|p| p.version())
    }

    /// Takes received bytes. Returns `Established` once, when done.
    pub fn handle_input(
        &mut self,
        input: &mut BytesMut,
    ) -> std::result::Result<Option<Established>, HandshakeError> {
        loop {
            match &mut self.state {
                State::Greeting => {
                    let peer = self.greeting.handle_input(input);
                    self.greeting.poll_transmit(&mut self.out);
                    match peer {
                        None => return Ok(None),
                        Some(peer) => {
                            if let Some(done) = self.start(peer)? {
                                return Ok(Some(done));
                            }
                        }
                    }
                }
                State::Identity { decoder, .. } => {
                    if let Err(e) = check_size(decoder, input, limits::SHORT_COMMAND_MAX) {
                        return Err(self.fail(e));
                    }
                    let frame = match decoder.decode(input) {
                        Ok(Some(frame)) => frame,
                        Ok(None) => return Ok(None),
                        Err(e) => return Err(self.fail(HandshakeError::silent(e, "bad frame"))),
                    };
                    return Ok(Some(self.establish_legacy(frame)));
                }
                State::Mechanism {
                    decoder, exchange, ..
                } => {
                    if let Err(e) = check_size(decoder, input, exchange.command_limit()) {
                        return Err(self.fail(e));
                    }
                    let frame = match decoder.decode(input) {
                        Ok(Some(frame)) => frame,
                        Ok(None) => return Ok(None),
                        Err(e) => return Err(self.fail(HandshakeError::silent(e, "bad frame"))),
                    };
                    if !frame.is_command() {
                        return Err(self.fail(HandshakeError::protocol(
                            code::ZMTP_UNEXPECTED_COMMAND,
                            "message frame during the handshake",
                        )));
                    }
                    if let Err(e) = exchange.handle_command(&frame.to_bytes()) {
                        // Queue what the mechanism still has to say (an ERROR).
                        let _ = self.queue_commands();
                        return Err(self.fail(e));
                    }
                    if let Some(done) = self.pump()? {
                        return Ok(Some(done));
                    }
                }
                State::Done => return Ok(None),
                State::Failed(e) => return Err(*e),
            }
        }
    }

    /// A request for the ZAP handler, when the mechanism wants one.
    pub fn poll_zap_request(&mut self) -> Option<ZapRequest> {
        match &mut self.state {
            State::Mechanism { exchange, .. } => exchange.poll_zap_request(),
            _ => None,
        }
    }

    /// Takes the ZAP handler's verdict (see `ZapReply`).
    pub fn handle_zap_reply(
        &mut self,
        reply: ZapReply,
    ) -> std::result::Result<Option<Established>, HandshakeError> {
        let State::Mechanism { exchange, .. } = &mut self.state else {
            return Err(HandshakeError::silent(Error::Fsm, "no ZAP request pending"));
        };
        if let Err(e) = exchange.handle_zap_reply(reply) {
            return Err(self.fail(e));
        }
        self.pump()
    }

    fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.state = State::Failed(e);
        e
    }

    /// Moves on from a complete greeting.
    fn start(
        &mut self,
        peer: PeerGreeting,
    ) -> std::result::Result<Option<Established>, HandshakeError> {
        let version = peer.version();
        let greeting = match peer {
            PeerGreeting::V3(greeting) => greeting,
            PeerGreeting::Unversioned | PeerGreeting::Legacy { .. } => {
                return self.start_legacy(peer, version).map(|()| None);
            }
        };
        if greeting.mechanism != self.config.mechanism.name() {
            return Err(self.fail(HandshakeError::protocol(
                code::ZMTP_MECHANISM_MISMATCH,
                "peer announced another mechanism",
            )));
        }
        let c = &self.config;
        let exchange = MechanismExchange::new(c, version);
        self.state = State::Mechanism {
            decoder: Decoder::new(version, c.max_msg_size),
            encoder: Encoder::new(version),
            exchange,
        };
        self.pump()
    }

    /// ZMTP 1.0/2.0: sends our identity frame and waits for the peer's.
    fn start_legacy(
        &mut self,
        peer: PeerGreeting,
        version: Version,
    ) -> std::result::Result<(), HandshakeError> {
        // RFC 37: 1.0/2.0 peers can only do NULL; libzmq also refuses them
        // when ZAP is on, and raises no event.
        if self.config.mechanism != MechanismKind::Null || self.config.zap {
            return Err(self.fail(HandshakeError::silent(
                eproto(),
                "ZMTP 1.0/2.0 peer with security enabled",
            )));
        }
        let routing_id = Msg::from_slice(&self.config.routing_id);
        let peer_socket_type = match peer {
            PeerGreeting::Unversioned => {
                // Our signature was the header of this frame: the body is left.
                self.out.extend_from_slice(&self.config.routing_id);
                None
            }
            PeerGreeting::Legacy { socket_type, .. } => {
                Encoder::new(version).encode(&routing_id, &mut self.out);
                Some(socket_type as i32)
            }
            PeerGreeting::V3(_) => unreachable!("3.x peers have a mechanism"),
        };
        let publisher = matches!(
            self.config.socket_type,
            socket_type::PUB | socket_type::XPUB
        );
        self.state = State::Identity {
            version,
            peer_socket_type,
            decoder: Decoder::new(version, self.config.max_msg_size),
            subscribe_all: publisher && peer == PeerGreeting::Unversioned,
        };
        Ok(())
    }

    fn establish_legacy(&mut self, identity: Msg) -> Established {
        let State::Identity {
            version,
            peer_socket_type,
            subscribe_all,
            ..
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            unreachable!("called in the identity state");
        };
        Established {
            peer_version: version,
            peer_socket_type,
            peer_routing_id: Some(identity.to_bytes()),
            metadata: Metadata::new(),
            user_id: None,
            subscribe_all,
            traffic: Traffic::new(version, self.config.max_msg_size, None),
        }
    }

    /// Queues the mechanism's pending commands, then acts on its status.
    fn pump(&mut self) -> std::result::Result<Option<Established>, HandshakeError> {
        if let Err(e) = self.queue_commands() {
            return Err(self.fail(e));
        }
        let State::Mechanism { exchange, .. } = &self.state else {
            return Ok(None);
        };
        match exchange.status() {
            MechanismStatus::Handshaking => Ok(None),
            MechanismStatus::Failed(e) => Err(self.fail(e)),
            MechanismStatus::Ready => Ok(Some(self.establish())),
        }
    }

    /// Frames the mechanism's pending commands into the output.
    fn queue_commands(&mut self) -> std::result::Result<(), HandshakeError> {
        if let State::Mechanism {
            encoder, exchange, ..
        } = &mut self.state
        {
            while let Some(body) = exchange.poll_command()? {
                encoder.encode_command(&body, &mut self.out);
            }
        }
        Ok(())
    }

    fn establish(&mut self) -> Established {
        let State::Mechanism { exchange, .. } = std::mem::replace(&mut self.state, State::Done)
        else {
            unreachable!("called in the mechanism state");
        };
        exchange.establish()
    }
}

/// Refuses the next frame at its header when it announces more than
/// `limit` bytes (`zmtp::limits`), before any of its body is buffered. A
/// header over `ZMQ_MAXMSGSIZE` is left to `decode`, which refuses it
/// with no event, as libzmq does.
fn check_size(
    decoder: &Decoder,
    input: &[u8],
    limit: usize,
) -> std::result::Result<(), HandshakeError> {
    match decoder.next_size(input) {
        Ok(Some(size)) if size > limit => Err(HandshakeError::protocol(
            code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            "handshake command over the size limit",
        )),
        _ => Ok(()),
    }
}
