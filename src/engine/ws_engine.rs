//! `WsEngine`: ZMTP over WebSocket (ws://, and wss:// over TLS), as libzmq
//! master speaks it (ZWS 2.0, see `crate::ws`). First the HTTP upgrade
//! (we send it when connecting, answer it when accepting), then, with a
//! `ZWS2.0/<MECHANISM>` subprotocol, the mechanism's commands as WebSocket
//! messages (no ZMTP greeting), then traffic: one WebSocket binary message
//! per ZMTP frame. With bare `ZWS2.0` (NULL only) each side's first message
//! is its routing id and no properties are exchanged. Heartbeats are
//! WebSocket ping and pong frames; a close frame is echoed, then the
//! connection ends.
//!
//! It knows nothing of reconnection, timers or monitor events: its session
//! does that. Before the handshake completes it buffers at most
//! `zmtp::limits::INPUT_MAX` bytes of the peer's input, and a command over
//! the mechanism's limit is refused at its frame header.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use mio::{Registry, Token};

use super::stream::{ReadOutcome, Stream};
use super::tls_stream::TlsStream;
use super::zmtp_engine::{command_effect, stage_or_stall, CommandEffect};
use super::{Engine, Failure, PeerInfo, Progress};
use crate::error::Result;
use crate::msg::{flags, Metadata, Msg};
use crate::pipe::Pipe;
use crate::ws::frame::{self, Frame, FrameDecoder, FrameError, Outgoing};
use crate::ws::upgrade::{self, Subprotocol};
use crate::zmtp::protocol_error as code;
use crate::zmtp::{self, HandshakeError, Mechanism, MechanismExchange, MechanismStatus, Version};
use crate::zmtp::{ZapReply, ZapRequest};

/// Reads start at this size and double, while reads fill them, up to
/// `READ_CHUNK`.
const READ_START: usize = 8 * 1024;
const READ_CHUNK: usize = 256 * 1024;
/// Stop encoding into the write buffer past this size.
const WRITE_BATCH: usize = 256 * 1024;
/// An empty write buffer larger than this is given back.
const WRITE_KEEP: usize = 16 * 1024;

/// Which end of the upgrade we are, and what it needs.
enum Role {
    /// We connected: `key` is our `Sec-WebSocket-Key`.
    Client {
        key: String,
    },
    Server,
}

enum State {
    /// The HTTP upgrade.
    Upgrade,
    /// The mechanism's commands (`ZWS2.0/<MECHANISM>`).
    Mechanism(Box<MechanismExchange>),
    /// Bare `ZWS2.0`: the peer's routing id is the next message.
    RoutingId,
    /// Traffic; CURVE's per-message transform if the mechanism has one.
    Active(Option<Box<dyn Mechanism>>),
}

/// The byte stream under the WebSocket: a tcp socket, or TLS over one.
pub enum Link {
    Plain(Stream),
    Tls(Box<TlsStream>),
}

impl Link {
    fn stream(&self) -> &Stream {
        match self {
            Link::Plain(s) => s,
            Link::Tls(t) => t.stream(),
        }
    }

    fn stream_mut(&mut self) -> &mut Stream {
        match self {
            Link::Plain(s) => s,
            Link::Tls(t) => t.stream_mut(),
        }
    }

    fn read_into(&mut self, buf: &mut BytesMut, max: usize) -> std::io::Result<ReadOutcome> {
        match self {
            Link::Plain(s) => s.read_into(buf, max),
            Link::Tls(t) => t.read_into(buf, max),
        }
    }

    fn write_some(&mut self, data: &[u8]) -> std::io::Result<usize> {
        match self {
            Link::Plain(s) => s.write_some(data),
            Link::Tls(t) => t.write_some(data),
        }
    }

    /// Writes what the link itself still holds (TLS records); true when
    /// nothing is left.
    fn flush(&mut self) -> std::io::Result<bool> {
        match self {
            Link::Plain(_) => Ok(true),
            Link::Tls(t) => t.flush(),
        }
    }

    /// Whether a short read proves the socket empty (not so under TLS,
    /// which reads whole records).
    fn short_read_drains(&self) -> bool {
        matches!(self, Link::Plain(_))
    }
}

/// What the engine needs from its endpoint (the part of the address the
/// upgrade names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsTarget {
    /// The `Host` header: the endpoint's host, no port (as libzmq sends it).
    pub host: String,
    /// The request's path, `/` when the endpoint has none.
    pub path: String,
}

pub struct WsEngine {
    link: Link,
    role: Role,
    state: State,
    config: zmtp::Config,
    decoder: FrameDecoder,
    inbuf: BytesMut,
    outbuf: BytesMut,
    /// Control frames to send before traffic (pong, ping, a close echo).
    control: VecDeque<Control>,
    /// A close frame came in: once its echo is out, the connection ends.
    closing: bool,
    /// Our first handshake command is out (or due).
    commands_sent: bool,
    metadata: Option<Arc<Metadata>>,
    peer_address: String,
    stalled: Option<Msg>,
    in_more: bool,
    write_blocked: bool,
    last_received: Instant,
    read_size: usize,
    drained: bool,
    hangup: bool,
    /// Masks for a client's frames (RFC 6455 §5.3; they need not be
    /// secret, only unpredictable to scripts in a browser).
    mask_state: u64,
    zap_request: Option<ZapRequest>,
    zap_verdict: Option<std::result::Result<ZapReply, u32>>,
}

enum Control {
    Ping,
    Pong,
    Close(Bytes),
}

impl WsEngine {
    /// An engine for a connection we made to `target`: the upgrade
    /// request is queued at once.
    pub fn client(
        link: Link,
        config: zmtp::Config,
        peer_address: String,
        target: &WsTarget,
    ) -> Result<WsEngine> {
        let mut engine = WsEngine::new(link, config, peer_address, false)?;
        let nonce: [u8; 16] = {
            let mut n = [0u8; 16];
            n[..8].copy_from_slice(&engine.next_mask_word().to_le_bytes());
            n[8..].copy_from_slice(&engine.next_mask_word().to_le_bytes());
            n
        };
        let key = crate::ws::accept::base64(&nonce);
        let request = upgrade::request(&target.path, &target.host, &key, engine.config.mechanism);
        engine.outbuf.extend_from_slice(&request);
        engine.role = Role::Client { key };
        Ok(engine)
    }

    /// An engine for a connection we accepted.
    pub fn server(link: Link, config: zmtp::Config, peer_address: String) -> Result<WsEngine> {
        WsEngine::new(link, config, peer_address, true)
    }

    fn new(
        link: Link,
        config: zmtp::Config,
        peer_address: String,
        server: bool,
    ) -> Result<WsEngine> {
        let config = config.checked()?;
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Ok(WsEngine {
            link,
            role: Role::Server,
            state: State::Upgrade,
            decoder: FrameDecoder::new(server, config.max_msg_size),
            config,
            inbuf: BytesMut::new(),
            outbuf: BytesMut::new(),
            control: VecDeque::new(),
            closing: false,
            commands_sent: false,
            metadata: None,
            peer_address,
            stalled: None,
            in_more: false,
            write_blocked: false,
            last_received: Instant::now(),
            read_size: READ_START,
            drained: false,
            hangup: false,
            mask_state: seed | 1,
            zap_request: None,
            zap_verdict: None,
        })
    }

    /// xorshift64*: a fresh word for masks and the upgrade nonce.
    fn next_mask_word(&mut self) -> u64 {
        let mut x = self.mask_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.mask_state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn mask(&mut self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client { .. } => Some((self.next_mask_word() as u32).to_le_bytes()),
            Role::Server => None,
        }
    }

    /// Appends a ZMTP frame (message part or command) as a binary frame.
    fn queue_frame(&mut self, msg_flags: u8, body: &[u8]) {
        let mut f = 0;
        if msg_flags & flags::MORE != 0 {
            f |= frame::MORE;
        }
        if msg_flags & flags::COMMAND != 0 {
            f |= frame::COMMAND;
        }
        let mask = self.mask();
        frame::encode(Outgoing::Message { flags: f, body }, mask, &mut self.outbuf);
    }

    /// Writes queued bytes.
    fn flush(&mut self) -> std::result::Result<(), Failure> {
        while !self.outbuf.is_empty() {
            match self.link.write_some(&self.outbuf) {
                Ok(0) => {
                    self.write_blocked = true;
                    return Ok(());
                }
                Ok(n) => self.outbuf.advance(n),
                Err(e) => return Err(tls_or_lost(&e)),
            }
        }
        match self.link.flush() {
            Ok(done) => self.write_blocked = !done,
            Err(e) => return Err(tls_or_lost(&e)),
        }
        if self.outbuf.capacity() > WRITE_KEEP {
            self.outbuf = BytesMut::new();
        }
        Ok(())
    }

    /// Reads into the input buffer; `Ok(false)` when nothing more now.
    fn fill(&mut self) -> std::result::Result<bool, Failure> {
        if self.drained && !self.hangup {
            return Ok(false);
        }
        let mut max = self.read_size;
        if !matches!(self.state, State::Active(_)) {
            // Before the handshake completes, a peer holds a bounded
            // amount of our memory.
            let limit = zmtp::limits::INPUT_MAX;
            match limit.checked_sub(self.inbuf.len()) {
                Some(room) if room > 0 => max = max.min(room),
                _ => return Err(over_limit("handshake input over the limit")),
            }
        } else if let Some(wanted) = self.decoder.bytes_wanted(&self.inbuf) {
            // A large frame half in: read its rest at once.
            max = max.max(wanted.min(4 * 1024 * 1024));
        }
        match self.link.read_into(&mut self.inbuf, max) {
            Ok(ReadOutcome::Data(n)) => {
                self.drained = self.link.short_read_drains() && n < max;
                if n == max && self.read_size < READ_CHUNK {
                    self.read_size *= 2;
                }
                self.last_received = Instant::now();
                Ok(true)
            }
            Ok(ReadOutcome::WouldBlock) => {
                self.drained = true;
                if self.inbuf.is_empty() {
                    self.inbuf = BytesMut::new();
                }
                Ok(false)
            }
            Ok(ReadOutcome::Eof) => Err(Failure::Lost(libc::EPIPE)),
            Err(e) => Err(tls_or_lost(&e)),
        }
    }

    /// The HTTP upgrade; `Ok(true)` once done.
    fn upgrade_step(&mut self) -> std::result::Result<bool, Failure> {
        loop {
            self.flush()?;
            let mechanism = self.config.mechanism;
            let parsed = match &self.role {
                Role::Client { key } => upgrade::parse_response(&self.inbuf, key, mechanism)
                    .map(|r| r.map(|(protocol, n)| (protocol, n, None))),
                Role::Server => upgrade::parse_request(&self.inbuf, mechanism)
                    .map(|r| r.map(|(a, n)| (a.protocol, n, Some(a.key)))),
            };
            match parsed {
                Ok(Some((protocol, n, key))) => {
                    self.inbuf.advance(n);
                    if let Some(key) = key {
                        let answer = upgrade::response(&key, protocol);
                        self.outbuf.extend_from_slice(&answer);
                    }
                    self.start(protocol);
                    return Ok(true);
                }
                Ok(None) => {
                    if !self.fill()? {
                        return Ok(false);
                    }
                }
                Err(_) => return Err(ws_refused("bad WebSocket upgrade")),
            }
        }
    }

    /// After the upgrade: the mechanism's exchange, or the routing ids.
    fn start(&mut self, protocol: Subprotocol) {
        if protocol == Subprotocol::Bare {
            let id = self.config.routing_id.clone();
            self.queue_frame(0, &id);
            self.state = State::RoutingId;
        } else {
            let exchange = MechanismExchange::new(&self.config, Version::Zmtp31);
            self.state = State::Mechanism(Box::new(exchange));
        }
    }

    /// The mechanism's exchange (or the routing ids); the peer once done.
    fn handshake_step(&mut self, src_fd: i32) -> std::result::Result<Option<PeerInfo>, Failure> {
        if matches!(self.role, Role::Client { .. }) && !self.commands_sent {
            self.commands_sent = true;
            // libzmq's ws client takes in what came with the 101 before it
            // sends its own first command, so a server it refuses (by
            // socket type) never gets our READY and sees the connection
            // drop. Only a NULL server speaks first: one READY.
            while matches!(&self.state, State::Mechanism(ex) if matches!(ex.status(), MechanismStatus::Handshaking))
            {
                let State::Mechanism(ex) = &self.state else {
                    break;
                };
                let limit = ex.command_limit();
                match self.decoder.decode(&mut self.inbuf, Some(limit)) {
                    Ok(Some(frame)) => self.handshake_frame(frame, false)?,
                    Ok(None) => break,
                    Err(e) => return Err(handshake_frame_error(e)),
                }
            }
        }
        loop {
            if let Some(info) = self.queue_commands(src_fd)? {
                return Ok(Some(info));
            }
            self.flush()?;
            if let Some(verdict) = self.zap_verdict.take() {
                let State::Mechanism(ex) = &mut self.state else {
                    return Ok(None);
                };
                let step = match verdict {
                    Ok(reply) => ex.handle_zap_reply(reply),
                    Err(c) => Err(HandshakeError::protocol(c, "malformed ZAP reply")),
                };
                self.check(step)?;
                continue;
            }
            let limit = match &self.state {
                State::Mechanism(ex) => ex.command_limit(),
                _ => zmtp::limits::SHORT_COMMAND_MAX,
            };
            let frame = match self.decoder.decode(&mut self.inbuf, Some(limit)) {
                Ok(Some(f)) => f,
                Ok(None) => {
                    if !self.fill()? {
                        self.flush()?;
                        return Ok(None);
                    }
                    continue;
                }
                Err(e) => return Err(handshake_frame_error(e)),
            };
            if let (State::RoutingId, Frame::Message { body, .. }) = (&self.state, &frame) {
                let id = body.clone();
                return Ok(Some(self.establish_bare(id, src_fd)));
            }
            self.handshake_frame(frame, true)?;
        }
    }

    /// One frame of the mechanism's exchange; with `last_words`, a
    /// failure sends the mechanism's ERROR first.
    fn handshake_frame(
        &mut self,
        frame: Frame,
        last_words: bool,
    ) -> std::result::Result<(), Failure> {
        match frame {
            Frame::Message { command, body, .. } => {
                let State::Mechanism(ex) = &mut self.state else {
                    return Ok(());
                };
                if !command {
                    return Err(Failure::Handshake(HandshakeError::protocol(
                        code::ZMTP_UNEXPECTED_COMMAND,
                        "message frame during the handshake",
                    )));
                }
                let step = ex.handle_command(&body);
                if last_words {
                    self.check(step)
                } else {
                    step.map_err(Failure::Handshake)
                }
            }
            Frame::Ping(_) => {
                self.control.push_back(Control::Pong);
                Ok(())
            }
            Frame::Pong(_) => Ok(()),
            Frame::Close(_) => Err(Failure::Lost(libc::ECONNRESET)),
        }
    }

    /// A step's failure ends the handshake, after the mechanism's last
    /// words (an ERROR) are out.
    fn check(
        &mut self,
        step: std::result::Result<(), HandshakeError>,
    ) -> std::result::Result<(), Failure> {
        if let Err(e) = step {
            let _ = self.queue_commands(-1);
            let _ = self.flush();
            return Err(Failure::Handshake(e));
        }
        Ok(())
    }

    /// Frames the mechanism's pending commands and acts on its status.
    fn queue_commands(&mut self, src_fd: i32) -> std::result::Result<Option<PeerInfo>, Failure> {
        self.queue_control();
        let State::Mechanism(ex) = &mut self.state else {
            return Ok(None);
        };
        let mut bodies = Vec::new();
        let polled = loop {
            match ex.poll_command() {
                Ok(Some(body)) => bodies.push(body),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if let Some(req) = ex.poll_zap_request() {
            self.zap_request = Some(req);
        }
        let status = ex.status();
        for body in bodies {
            self.queue_frame(flags::COMMAND, &body);
        }
        polled.map_err(Failure::Handshake)?;
        match status {
            MechanismStatus::Handshaking => Ok(None),
            MechanismStatus::Failed(e) => {
                let _ = self.flush();
                Err(Failure::Handshake(e))
            }
            MechanismStatus::Ready => {
                let State::Mechanism(ex) = std::mem::replace(&mut self.state, State::Upgrade)
                else {
                    unreachable!("in the mechanism state");
                };
                Ok(Some(self.establish(*ex, src_fd)))
            }
        }
    }

    fn establish(&mut self, ex: MechanismExchange, src_fd: i32) -> PeerInfo {
        let est = ex.establish();
        let mut metadata = est.metadata;
        self.finish_metadata(&mut metadata, src_fd);
        let mechanism = est.traffic.into_mechanism().filter(|m| m.transforms());
        self.state = State::Active(mechanism);
        PeerInfo {
            version: Version::Zmtp31,
            socket_type: est.peer_socket_type,
            routing_id: est.peer_routing_id,
            subscribe_all: false,
        }
    }

    /// Bare `ZWS2.0`: the peer's first message was its routing id.
    fn establish_bare(&mut self, routing_id: Bytes, src_fd: i32) -> PeerInfo {
        let mut metadata = Metadata::new();
        self.finish_metadata(&mut metadata, src_fd);
        self.state = State::Active(None);
        PeerInfo {
            version: Version::Zmtp31,
            socket_type: None,
            routing_id: Some(routing_id),
            subscribe_all: false,
        }
    }

    fn finish_metadata(&mut self, metadata: &mut Metadata, src_fd: i32) {
        if !self.peer_address.is_empty() {
            metadata.insert("Peer-Address", self.peer_address.as_bytes());
        }
        metadata.insert("__fd", src_fd.to_string().as_bytes());
        self.metadata = Some(Arc::new(std::mem::take(metadata)));
    }

    fn queue_control(&mut self) {
        while let Some(c) = self.control.pop_front() {
            let mask = self.mask();
            let f = match &c {
                Control::Ping => Outgoing::Ping,
                Control::Pong => Outgoing::Pong,
                Control::Close(body) => Outgoing::Close(body),
            };
            frame::encode(f, mask, &mut self.outbuf);
        }
    }

    /// Stream → pipe, until the stream is dry or the pipe is full.
    fn pump_in(&mut self, pipe: &mut Pipe) -> std::result::Result<(), Failure> {
        let result = self.pump_in_staged(pipe);
        pipe.flush_staged();
        result
    }

    fn pump_in_staged(&mut self, pipe: &mut Pipe) -> std::result::Result<(), Failure> {
        loop {
            if let Some(msg) = self.stalled.take() {
                if !stage_or_stall(pipe, &mut self.in_more, &mut self.stalled, msg) {
                    return Ok(());
                }
            }
            if self.closing {
                return Ok(());
            }
            let frame = match self.decoder.decode(&mut self.inbuf, None) {
                Ok(Some(f)) => f,
                Ok(None) => {
                    pipe.flush_staged();
                    if !self.fill()? {
                        return Ok(());
                    }
                    continue;
                }
                Err(e) => return Err(Failure::Protocol(e.into())),
            };
            let (more, command, body) = match frame {
                Frame::Message {
                    more,
                    command,
                    body,
                } => (more, command, body),
                Frame::Ping(_) => {
                    self.control.push_back(Control::Pong);
                    continue;
                }
                Frame::Pong(_) => continue,
                Frame::Close(body) => {
                    self.control.push_back(Control::Close(body));
                    self.closing = true;
                    return Ok(());
                }
            };
            let mut msg = Msg::from_bytes(body);
            msg.set_flags(
                if more { flags::MORE } else { 0 } | if command { flags::COMMAND } else { 0 },
            );
            if let State::Active(Some(m)) = &mut self.state {
                msg = m.decode(msg).map_err(Failure::Protocol)?;
            }
            let msg = if msg.is_command() {
                match command_effect(self.config.socket_type, msg) {
                    CommandEffect::Deliver(m) => m,
                    // A ZMTP PING inside ZWS: answered in kind.
                    CommandEffect::Pong { pong, .. } => {
                        let body = pong.to_bytes();
                        self.queue_frame(flags::COMMAND, &body);
                        continue;
                    }
                    CommandEffect::Nothing => continue,
                }
            } else {
                if let Some(md) = &self.metadata {
                    msg.set_metadata(md.clone());
                }
                msg
            };
            self.stalled = Some(msg);
        }
    }

    /// Pipe → stream, batching many messages per write.
    fn pump_out(&mut self, mut pipe: Option<&mut Pipe>) -> std::result::Result<(), Failure> {
        loop {
            self.queue_control();
            let mut more_waiting = false;
            while let Some(p) = pipe.as_deref_mut() {
                if self.closing {
                    break;
                }
                if self.outbuf.len() >= WRITE_BATCH {
                    more_waiting = true;
                    break;
                }
                let Some(msg) = p.read() else { break };
                let msg = match &mut self.state {
                    State::Active(Some(m)) => m.encode(msg).map_err(Failure::Protocol)?,
                    _ => msg,
                };
                self.queue_frame(msg.flags(), msg.data());
            }
            self.flush()?;
            if self.write_blocked || !more_waiting {
                return Ok(());
            }
        }
    }
}

impl Engine for WsEngine {
    fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()> {
        self.link.stream_mut().register(registry, token)
    }

    fn deregister(&mut self, registry: &Registry) {
        self.link.stream_mut().deregister(registry)
    }

    fn set_readable(&mut self) {
        self.drained = false;
    }

    fn set_hangup(&mut self) {
        self.hangup = true;
    }

    fn drive(&mut self, pipe: Option<&mut Pipe>) -> std::result::Result<Progress, Failure> {
        let src_fd = self.link.stream().fd();
        let mut progress = Progress::Idle;
        if let State::Upgrade = self.state {
            if !self.upgrade_step()? {
                return Ok(progress);
            }
            self.flush()?;
            return Ok(Progress::Upgraded);
        }
        if matches!(self.state, State::Mechanism(_) | State::RoutingId) {
            match self.handshake_step(src_fd)? {
                Some(info) => progress = Progress::Established(Box::new(info)),
                None => return Ok(progress),
            }
        }
        if let Some(pipe) = pipe {
            self.pump_in(pipe)?;
            self.pump_out(Some(pipe))?;
        } else {
            self.pump_out(None)?;
        }
        if self.closing && self.is_flushed() {
            // The peer's close was echoed: the connection is over.
            return Err(Failure::Lost(libc::ECONNRESET));
        }
        Ok(progress)
    }

    fn is_established(&self) -> bool {
        matches!(self.state, State::Active(_))
    }

    fn is_flushed(&self) -> bool {
        self.outbuf.is_empty() && self.control.is_empty() && !self.write_blocked
    }

    /// Heartbeats are WebSocket pings (no TTL travels with them).
    fn send_ping(&mut self, _ttl_deciseconds: u16) {
        if self.is_established() {
            self.control.push_back(Control::Ping);
        }
    }

    fn last_received(&self) -> Instant {
        self.last_received
    }

    fn metadata(&self) -> Option<Arc<Metadata>> {
        self.metadata.clone()
    }

    fn peer_address(&self) -> &str {
        &self.peer_address
    }

    fn wants_zap(&self) -> bool {
        matches!(self.state, State::Upgrade | State::Mechanism(_)) && self.config.zap
    }

    fn skip_zap(&mut self) {
        if let State::Upgrade = self.state {
            self.config.zap = false;
        }
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap_request.take()
    }

    fn set_zap_verdict(&mut self, verdict: std::result::Result<ZapReply, u32>) {
        self.zap_verdict = Some(verdict);
    }
}

/// A refused upgrade or frame: libzmq's `HANDSHAKE_FAILED_PROTOCOL` with
/// `ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED`.
fn ws_refused(reason: &'static str) -> Failure {
    Failure::Handshake(HandshakeError::protocol(code::WS_UNSPECIFIED, reason))
}

fn over_limit(reason: &'static str) -> Failure {
    Failure::Handshake(HandshakeError::protocol(
        code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        reason,
    ))
}

/// A bad frame before the handshake completed.
fn handshake_frame_error(e: FrameError) -> Failure {
    match e {
        FrameError::OverLimit => over_limit("handshake command over the size limit"),
        FrameError::TooLarge => Failure::Handshake(HandshakeError::silent(
            crate::error::Error::MsgSize,
            "frame over ZMQ_MAXMSGSIZE",
        )),
        FrameError::Protocol => ws_refused("bad WebSocket frame"),
    }
}

/// A read or write error. A TLS failure (no errno) ends the connection as
/// libzmq's does: during the handshake `HANDSHAKE_FAILED_NO_DETAIL`, with
/// `EPROTO`.
fn tls_or_lost(e: &std::io::Error) -> Failure {
    match e.raw_os_error() {
        Some(errno) => Failure::Lost(errno),
        None if e.kind() == std::io::ErrorKind::InvalidData => Failure::Lost(libc::EPROTO),
        None => Failure::lost(e),
    }
}
