//! `ZmtpEngine`: ZMTP over a non-blocking byte stream (tcp, ipc), and the
//! raw byte engine of STREAM sockets. The handshake comes from `zmtp`; then
//! frames move between the stream and the session's pipe. Reads are large
//! and decoded in place (bodies are slices of the read buffer); writes
//! batch every queued message into one buffer. It knows nothing of
//! reconnection, timers or monitor events: its session does that.
//!
//! Before the handshake completes it buffers at most
//! `zmtp::limits::INPUT_MAX` bytes of the peer's input (the handshake
//! refuses any larger command at its header): a peer that has not
//! authenticated holds a bounded amount of our memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::{Registry, Token};

use super::stream::{ReadOutcome, Stream};
use super::{Engine, Failure, PeerInfo, Progress};
use crate::error::Result;
use crate::msg::{Metadata, Msg};
use crate::pipe::Pipe;
use crate::zmtp::socket_type as kind;
use crate::zmtp::{self, Command, Established, Handshake, HandshakeError, Traffic, Version};
use crate::zmtp::{ZapReply, ZapRequest};

/// Reads start at this size and double, while reads fill them, up to
/// `READ_CHUNK`: an idle connection then holds little memory.
const READ_START: usize = 8 * 1024;
/// The most read at a time: large enough that big messages rarely
/// straddle two reads (a straddling body is copied once).
const READ_CHUNK: usize = 256 * 1024;
/// Message bodies at least this large are written from their own buffer
/// (`writev`) instead of being copied into the write buffer.
const ZERO_COPY_MIN: usize = 16 * 1024;
/// An empty write buffer larger than this is given back.
const WRITE_KEEP: usize = 16 * 1024;
/// Bodies up to this size are read into a buffer of their own size.
const BODY_READ_MAX: usize = 4 * 1024 * 1024;
/// Where read destinations start (see `read_buffer`).
const READ_ALIGN: usize = 64;
/// Most buffers given to one `writev`.
const MAX_IOV: usize = 64;
/// Stop encoding into the write buffer past this size.
const WRITE_BATCH: usize = 256 * 1024;

enum State {
    Handshaking(Box<Handshake>),
    Active(Traffic),
    /// STREAM: raw bytes, no ZMTP.
    Raw,
}

pub struct ZmtpEngine {
    stream: Stream,
    state: State,
    socket_type: i32,
    inbuf: BytesMut,
    outbuf: BytesMut,
    /// Bytes to write before `outbuf`, in order: earlier parts of the write
    /// buffer and large message bodies, shared rather than copied.
    segments: std::collections::VecDeque<Bytes>,
    /// Total length of `segments`.
    segments_len: usize,
    /// Properties every received message carries (`zmq_msg_gets`).
    metadata: Option<Arc<Metadata>>,
    /// Extra properties the transport adds (`Peer-Address`).
    peer_address: String,
    /// A decoded message waiting for room in the pipe.
    stalled: Option<Msg>,
    /// Inside a multipart message, inbound / outbound.
    in_more: bool,
    out_more: bool,
    /// The stream would block on write: wait for writability.
    write_blocked: bool,
    /// Commands to send before pipe traffic (PONG, PING).
    commands: Vec<Command>,
    /// When the last frame arrived (heartbeat timeouts count from it).
    last_received: Instant,
    /// The TTL the peer's last PING asked for.
    peer_ttl: Option<Duration>,
    /// How much the next read asks for.
    read_size: usize,
    /// The socket was read empty; no read until it is readable again.
    drained: bool,
    /// The peer closed its end (or the socket is in error) as of a
    /// readiness already reported: no new edge will come, so reads go on
    /// until they give EOF or the error, whatever `drained` says.
    hangup: bool,
    /// A SOCKS5 exchange with a proxy to finish before the handshake
    /// (`ZMQ_SOCKS_PROXY`).
    socks: Option<Box<crate::transport::socks::SocksClient>>,
    /// A request for the ZAP handler, for the session to send.
    zap_request: Option<ZapRequest>,
    /// The ZAP handler's verdict (or the protocol error code of a bad
    /// reply), for the handshake.
    zap_verdict: Option<std::result::Result<ZapReply, u32>>,
}

/// Whether a frame from a SUB/XSUB is a subscription to convert into a
/// SUBSCRIBE/CANCEL command.
fn is_subscription(socket_type: i32, msg: &Msg) -> bool {
    matches!(socket_type, kind::SUB | kind::XSUB)
        && !msg.more()
        && matches!(msg.data().first(), Some(0) | Some(1))
}

impl ZmtpEngine {
    pub fn new(stream: Stream, config: zmtp::Config, peer_address: String) -> Result<ZmtpEngine> {
        let socket_type = config.socket_type;
        let state = State::Handshaking(Box::new(Handshake::new(config)?));
        Ok(ZmtpEngine::with(
            stream,
            state,
            socket_type,
            None,
            peer_address,
        ))
    }

    /// An engine for a STREAM socket: bytes in and out as they are.
    pub fn raw(stream: Stream, peer_address: String, src_fd: i32) -> ZmtpEngine {
        let mut metadata = Metadata::new();
        if !peer_address.is_empty() {
            metadata.insert("Peer-Address", peer_address.as_bytes());
        }
        metadata.insert("__fd", src_fd.to_string().as_bytes());
        let metadata = Some(Arc::new(metadata));
        ZmtpEngine::with(stream, State::Raw, kind::STREAM, metadata, peer_address)
    }

    fn with(
        stream: Stream,
        state: State,
        socket_type: i32,
        metadata: Option<Arc<Metadata>>,
        peer_address: String,
    ) -> ZmtpEngine {
        ZmtpEngine {
            stream,
            state,
            socket_type,
            inbuf: BytesMut::new(),
            outbuf: BytesMut::new(),
            segments: std::collections::VecDeque::new(),
            segments_len: 0,
            read_size: READ_START,
            drained: false,
            hangup: false,
            socks: None,
            metadata,
            peer_address,
            stalled: None,
            in_more: false,
            out_more: false,
            write_blocked: false,
            commands: Vec::new(),
            last_received: std::time::Instant::now(),
            peer_ttl: None,
            zap_request: None,
            zap_verdict: None,
        }
    }

    /// Runs `client`'s SOCKS5 exchange with the proxy this stream is
    /// connected to before anything else.
    pub fn through_proxy(&mut self, client: crate::transport::socks::SocksClient) {
        self.socks = Some(Box::new(client));
    }

    /// Moves the SOCKS exchange on; `Ok(true)` once the tunnel is up.
    fn socks_step(&mut self) -> std::result::Result<bool, Failure> {
        use crate::transport::socks::Progress as Socks;
        while let Some(client) = self.socks.as_mut() {
            let progress = client.handle_input(&mut self.inbuf);
            // What the answer calls for goes out before anything else.
            client.poll_transmit(&mut self.outbuf);
            self.flush()?;
            match progress {
                Socks::Done(_) => self.socks = None,
                Socks::Failed(_) => return Err(Failure::Disconnected),
                Socks::Pending => {
                    if !self.fill()? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// Writes queued bytes; `Disconnected` on a write error.
    fn flush(&mut self) -> std::result::Result<(), Failure> {
        while !self.segments.is_empty() {
            let written = {
                let mut iov: Vec<std::io::IoSlice> = self
                    .segments
                    .iter()
                    .take(MAX_IOV - 1)
                    .map(|b| std::io::IoSlice::new(b))
                    .collect();
                if iov.len() < MAX_IOV - 1 && !self.outbuf.is_empty() {
                    iov.push(std::io::IoSlice::new(&self.outbuf));
                }
                self.stream.write_vectored(&iov)
            };
            match written {
                Ok(0) => {
                    self.write_blocked = true;
                    return Ok(());
                }
                Ok(mut n) => {
                    while n > 0 {
                        let Some(front) = self.segments.front_mut() else {
                            let _ = self.outbuf.split_to(n);
                            break;
                        };
                        let k = n.min(front.len());
                        bytes::Buf::advance(front, k);
                        self.segments_len -= k;
                        n -= k;
                        if front.is_empty() {
                            self.segments.pop_front();
                        }
                    }
                }
                Err(e) => return Err(Failure::lost(&e)),
            }
        }
        while !self.outbuf.is_empty() {
            match self.stream.write_some(&self.outbuf) {
                Ok(0) => {
                    self.write_blocked = true;
                    return Ok(());
                }
                Ok(n) => {
                    let _ = self.outbuf.split_to(n);
                }
                Err(e) => return Err(Failure::lost(&e)),
            }
        }
        self.write_blocked = false;
        if self.outbuf.capacity() > WRITE_KEEP {
            self.outbuf = BytesMut::new();
        }
        Ok(())
    }

    /// Reads into the input buffer; `Ok(false)` when nothing more now.
    fn fill(&mut self) -> std::result::Result<bool, Failure> {
        if self.drained && self.inbuf.is_empty() && !self.hangup {
            // The last read emptied the socket and left no partial frame:
            // nothing can be there until the reactor reports it readable
            // again (edge-triggered). With a frame half in, read anyway:
            // its rest is likely arriving now.
            return Ok(false);
        }
        let max = match self.body_read() {
            Some(n) => n,
            // A fresh buffer is laid out for the read; one holding a part
            // frame grows in place (`reserve` doubles, so a body too large
            // for `body_read` is not copied once per read).
            None if self.inbuf.is_empty() => {
                if self.inbuf.capacity() < self.read_size / 2 {
                    self.inbuf = read_buffer(&[], self.read_size);
                }
                self.inbuf.capacity().min(self.read_size)
            }
            None => self.read_size,
        };
        let max = match self.state {
            State::Handshaking(_) => self.handshake_room(max)?,
            _ => max,
        };
        match self.stream.read_into(&mut self.inbuf, max) {
            Ok(ReadOutcome::Data(n)) => {
                // A short read took everything the kernel had (Linux
                // stream sockets fill a read from every queued segment,
                // and this thread takes no signals): skip the read that
                // would only say EAGAIN.
                self.drained = n < max;
                if n == max && self.read_size < READ_CHUNK {
                    self.read_size *= 2;
                }
                // Heartbeat timeouts count from the last bytes in, read
                // once per read rather than per frame.
                self.last_received = std::time::Instant::now();
                Ok(true)
            }
            Ok(ReadOutcome::WouldBlock) => {
                self.drained = true;
                if self.inbuf.is_empty() {
                    // Nothing half-read: let the buffer go while idle.
                    self.inbuf = BytesMut::new();
                }
                Ok(false)
            }
            Ok(ReadOutcome::Eof) => Err(Failure::Lost(libc::EPIPE)),
            Err(e) => Err(Failure::lost(&e)),
        }
    }

    /// How much of a `max`-byte read fits under the handshake's input
    /// bound; a peer that filled it is dropped (the handshake consumes
    /// every complete command, so only a peer that sends more than the
    /// bound without completing one gets here).
    fn handshake_room(&self, max: usize) -> std::result::Result<usize, Failure> {
        match zmtp::limits::INPUT_MAX.checked_sub(self.inbuf.len()) {
            Some(room) if room > 0 => Ok(max.min(room)),
            _ => Err(Failure::Handshake(HandshakeError::protocol(
                zmtp::protocol_error::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
                "handshake input over the limit",
            ))),
        }
    }

    /// With a large frame body half read, the read that completes it:
    /// its rest is read alone, into a buffer of the body's size, as
    /// libzmq reads into the message itself. The body then owns exactly
    /// its memory (not a slice pinning a whole read buffer), and the read
    /// buffer is not reallocated for every large message.
    fn body_read(&mut self) -> Option<usize> {
        let State::Active(traffic) = &self.state else {
            return None;
        };
        let wanted = traffic.bytes_wanted(self.inbuf.len());
        if !(ZERO_COPY_MIN..=BODY_READ_MAX).contains(&wanted) {
            return None;
        }
        if self.inbuf.capacity() - self.inbuf.len() < wanted {
            self.inbuf = read_buffer(&self.inbuf, self.inbuf.len() + wanted + READ_ALIGN);
        }
        Some(wanted)
    }

    fn handshake(&mut self, src_fd: i32) -> std::result::Result<Option<PeerInfo>, Failure> {
        loop {
            let State::Handshaking(hs) = &mut self.state else {
                return Ok(None);
            };
            hs.poll_transmit(&mut self.outbuf);
            self.flush()?;
            let State::Handshaking(hs) = &mut self.state else {
                return Ok(None);
            };
            let step = match self.zap_verdict.take() {
                Some(Ok(reply)) => hs.handle_zap_reply(reply),
                Some(Err(code)) => Err(HandshakeError::protocol(code, "malformed ZAP reply")),
                None => hs.handle_input(&mut self.inbuf),
            };
            if let Some(req) = hs.poll_zap_request() {
                self.zap_request = Some(req);
            }
            match step {
                Ok(Some(est)) => {
                    // Anything the handshake still queued (our READY) goes first.
                    hs.poll_transmit(&mut self.outbuf);
                    return Ok(Some(self.establish(est, src_fd)));
                }
                Ok(None) => {}
                Err(e) => {
                    hs.poll_transmit(&mut self.outbuf);
                    let _ = self.flush();
                    return Err(Failure::Handshake(e));
                }
            }
            let before = self.outbuf.len();
            if let State::Handshaking(hs) = &mut self.state {
                hs.poll_transmit(&mut self.outbuf);
            }
            let wrote_more = self.outbuf.len() > before;
            if !self.fill()? && !wrote_more {
                self.flush()?;
                return Ok(None);
            }
        }
    }

    fn establish(&mut self, est: Established, src_fd: i32) -> PeerInfo {
        let Established {
            peer_version,
            peer_socket_type,
            peer_routing_id,
            mut metadata,
            subscribe_all,
            traffic,
            ..
        } = est;
        if !self.peer_address.is_empty() {
            metadata.insert("Peer-Address", self.peer_address.as_bytes());
        }
        metadata.insert("__fd", src_fd.to_string().as_bytes());
        self.metadata = Some(Arc::new(metadata));
        self.state = State::Active(traffic);
        PeerInfo {
            version: peer_version,
            socket_type: peer_socket_type,
            routing_id: peer_routing_id,
            subscribe_all,
        }
    }

    /// Stream → pipe, until the stream is dry or the pipe is full. What one
    /// call decodes reaches the socket in one hand-over.
    fn pump_in(&mut self, pipe: &mut Pipe) -> std::result::Result<(), Failure> {
        let result = self.pump_in_staged(pipe);
        pipe.flush_staged();
        result
    }

    fn pump_in_staged(&mut self, pipe: &mut Pipe) -> std::result::Result<(), Failure> {
        loop {
            if let Some(msg) = self.stalled.take() {
                if !stage_or_stall(pipe, &mut self.in_more, &mut self.stalled, msg) {
                    return Ok(()); // resumed by the pipe's Writable event
                }
            }
            if let State::Raw = self.state {
                if self.inbuf.is_empty() && !self.fill()? {
                    return Ok(());
                }
                let mut msg = Msg::from_bytes(self.inbuf.split().freeze());
                if let Some(md) = &self.metadata {
                    msg.set_metadata(md.clone());
                }
                self.stalled = Some(msg);
                continue;
            }
            let State::Active(traffic) = &mut self.state else {
                return Ok(());
            };
            if self.stalled.is_none() {
                // Runs of short messages, without a stop per frame.
                let (metadata, in_more, stalled) =
                    (&self.metadata, &mut self.in_more, &mut self.stalled);
                traffic.decode_short(&mut self.inbuf, |mut msg| {
                    if let Some(md) = metadata {
                        msg.set_metadata(md.clone());
                    }
                    stage_or_stall(pipe, in_more, stalled, msg)
                });
                if self.stalled.is_some() {
                    continue;
                }
            }
            match traffic.decode(&mut self.inbuf) {
                Ok(Some(msg)) => {
                    if let Some(m) = self.on_frame(msg)? {
                        self.stalled = Some(m);
                    }
                }
                Ok(None) => {
                    // One hand-over per read chunk.
                    pipe.flush_staged();
                    if !self.fill()? {
                        return Ok(());
                    }
                }
                Err(e) => return Err(Failure::Protocol(e)),
            }
        }
    }

    /// A decoded frame: commands are handled here; messages (and
    /// subscriptions turned into messages) are returned for the pipe.
    fn on_frame(&mut self, mut msg: Msg) -> std::result::Result<Option<Msg>, Failure> {
        if msg.is_command() {
            return Ok(match command_effect(self.socket_type, msg) {
                CommandEffect::Deliver(m) => Some(m),
                CommandEffect::Pong { ttl, pong } => {
                    self.peer_ttl = ttl;
                    self.commands.push(pong);
                    None
                }
                CommandEffect::Nothing => None,
            });
        }
        if let Some(md) = &self.metadata {
            msg.set_metadata(md.clone());
        }
        Ok(Some(msg))
    }

    /// Pipe → stream, batching many messages per write.
    fn pump_out(&mut self, mut pipe: Option<&mut Pipe>) -> std::result::Result<(), Failure> {
        loop {
            if let State::Raw = self.state {
                let mut more_waiting = false;
                while let Some(p) = pipe.as_deref_mut() {
                    if self.outbuf.len() >= WRITE_BATCH {
                        more_waiting = true;
                        break;
                    }
                    let Some(msg) = p.read() else { break };
                    self.outbuf.extend_from_slice(msg.data());
                }
                self.flush()?;
                if self.write_blocked || !more_waiting {
                    return Ok(());
                }
                continue;
            }
            let more_waiting = {
                let State::Active(traffic) = &mut self.state else {
                    return self.flush();
                };
                for c in self.commands.drain(..) {
                    traffic
                        .encode_command(&c, &mut self.outbuf)
                        .map_err(Failure::Protocol)?;
                }
                let mut more_waiting = false;
                while let Some(p) = pipe.as_deref_mut() {
                    if self.outbuf.len() + self.segments_len >= WRITE_BATCH
                        || self.segments.len() >= MAX_IOV - 2
                    {
                        more_waiting = true;
                        break;
                    }
                    let Some(msg) = p.read() else { break };
                    let first = !self.out_more;
                    self.out_more = msg.more();
                    if first && is_subscription(self.socket_type, &msg) {
                        let d = msg.data();
                        traffic
                            .encode_subscription(d[0] == 1, &d[1..], &mut self.outbuf)
                            .map_err(Failure::Protocol)?;
                    } else if msg.size() >= ZERO_COPY_MIN {
                        // Header into the buffer; the body goes out from
                        // its own memory.
                        let (header, msg) = traffic.prepare(msg).map_err(Failure::Protocol)?;
                        self.outbuf.extend_from_slice(header.as_ref());
                        let head = self.outbuf.split().freeze();
                        let body = msg.to_bytes();
                        self.segments_len += head.len() + body.len();
                        self.segments.push_back(head);
                        self.segments.push_back(body);
                    } else {
                        traffic
                            .encode(msg, &mut self.outbuf)
                            .map_err(Failure::Protocol)?;
                    }
                }
                more_waiting
            };
            self.flush()?;
            if self.write_blocked || !more_waiting {
                return Ok(());
            }
        }
    }

    /// Whether the engine waits for the stream to become writable.
    pub fn write_blocked(&self) -> bool {
        self.write_blocked
    }
}

impl Engine for ZmtpEngine {
    fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()> {
        self.stream.register(registry, token)
    }

    fn deregister(&mut self, registry: &Registry) {
        self.stream.deregister(registry)
    }

    fn last_received(&self) -> Instant {
        self.last_received
    }

    fn peer_ttl(&self) -> Option<Duration> {
        self.peer_ttl
    }

    /// Whether the handshake means to ask a ZAP handler.
    fn wants_zap(&self) -> bool {
        matches!(&self.state, State::Handshaking(hs) if hs.zap())
    }

    /// Turns the ZAP check off (no handler is bound).
    fn skip_zap(&mut self) {
        if let State::Handshaking(hs) = &mut self.state {
            hs.set_zap(false);
        }
    }

    /// The peer's address as ZAP requests name it (no port).
    fn peer_address(&self) -> &str {
        &self.peer_address
    }

    /// The handshake's request for the ZAP handler, if it made one.
    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap_request.take()
    }

    /// Gives the handshake the ZAP handler's verdict (`Err`: the protocol
    /// error code of a malformed reply); `drive` goes on from there.
    fn set_zap_verdict(&mut self, verdict: std::result::Result<ZapReply, u32>) {
        self.zap_verdict = Some(verdict);
    }

    /// The properties received messages carry, once known.
    fn metadata(&self) -> Option<Arc<Metadata>> {
        self.metadata.clone()
    }

    fn is_established(&self) -> bool {
        matches!(self.state, State::Active(_) | State::Raw)
    }

    /// Queues a PING (heartbeat) with the given TTL in deciseconds.
    fn send_ping(&mut self, ttl_deciseconds: u16) {
        if matches!(&self.state, State::Active(t) if t.version() >= Version::Zmtp30) {
            self.commands.push(Traffic::ping(ttl_deciseconds));
        }
    }

    /// Whether everything queued has been written to the stream.
    fn is_flushed(&self) -> bool {
        self.outbuf.is_empty() && self.segments.is_empty() && self.commands.is_empty()
    }

    /// Moves data both ways until nothing more can move now. `pipe` is the
    /// session's pipe end, if it has one yet.
    fn drive(&mut self, pipe: Option<&mut Pipe>) -> std::result::Result<Progress, Failure> {
        let src_fd = self.stream.fd();
        let mut progress = Progress::Idle;
        if self.socks.is_some() && !self.socks_step()? {
            return Ok(progress);
        }
        if let State::Handshaking(_) = self.state {
            if let Some(info) = self.handshake(src_fd)? {
                progress = Progress::Established(Box::new(info));
            } else {
                return Ok(progress);
            }
        }
        if let Some(pipe) = pipe {
            self.pump_in(pipe)?;
            self.pump_out(Some(pipe))?;
        } else {
            self.pump_out(None)?;
        }
        Ok(progress)
    }

    /// The reactor reports the socket readable (or closed, or in error):
    /// reading may find something again.
    fn set_readable(&mut self) {
        self.drained = false;
    }

    /// The reactor reported the peer's end closed (or an error).
    fn set_hangup(&mut self) {
        self.hangup = true;
    }

    /// Whether the SOCKS exchange is still going on.
    fn in_proxy_exchange(&self) -> bool {
        self.socks.is_some()
    }
}

/// What a command received after the handshake means (libzmq's rules).
pub(super) enum CommandEffect {
    /// A message for the socket: a subscription, or a DISH's JOIN/LEAVE
    /// for its RADIO.
    Deliver(Msg),
    /// A PING: answer with `pong`; `ttl` is the one it asked for.
    Pong {
        ttl: Option<Duration>,
        pong: Command,
    },
    /// PONG, ERROR and unknown commands carry nothing for the socket.
    Nothing,
}

/// What the command `msg` means for a socket of `socket_type`.
pub(super) fn command_effect(socket_type: i32, msg: Msg) -> CommandEffect {
    let body = msg.to_bytes();
    match Command::parse(&body) {
        Ok(Command::Subscribe(topic)) => CommandEffect::Deliver(Msg::subscription(true, &topic)),
        Ok(Command::Cancel(topic)) => CommandEffect::Deliver(Msg::subscription(false, &topic)),
        Ok(Command::Ping { ttl, context }) => CommandEffect::Pong {
            // RFC 37: deciseconds; 0 asks for none.
            ttl: (ttl > 0).then(|| Duration::from_millis(u64::from(ttl) * 100)),
            pong: Command::pong_for(&context),
        },
        // RFC 48: a DISH's JOIN/LEAVE is for its RADIO, as is.
        Ok(Command::Unknown { name, .. })
            if socket_type == kind::RADIO && (&name[..] == b"JOIN" || &name[..] == b"LEAVE") =>
        {
            CommandEffect::Deliver(msg)
        }
        _ => CommandEffect::Nothing,
    }
}

/// Hands a received message to the pipe, or keeps it in `stalled` when
/// the pipe is full at a message boundary (once a multipart message has
/// started it goes in whole: HWM is checked only on its first part, as
/// libzmq does). True if staged; a stalled message resumes on the pipe's
/// Writable event.
#[inline]
pub(super) fn stage_or_stall(
    pipe: &mut Pipe,
    in_more: &mut bool,
    stalled: &mut Option<Msg>,
    msg: Msg,
) -> bool {
    if !*in_more && !pipe.check_write() {
        *stalled = Some(msg);
        return false;
    }
    *in_more = msg.more();
    pipe.stage(msg);
    true
}

/// A read buffer of at least `cap` bytes holding a copy of `have`, the
/// bytes after it starting on a 64-byte boundary. The kernel's copy into a
/// misaligned destination (`rep movsb`) was measured at half speed on one
/// of this project's AMD hosts (another showed no difference), and a fresh
/// `malloc` block of read-buffer size is a page plus 16 bytes.
fn read_buffer(have: &[u8], cap: usize) -> BytesMut {
    let mut buf = BytesMut::with_capacity(cap.max(have.len() + 2 * READ_ALIGN));
    let pad = (READ_ALIGN - (buf.as_ptr() as usize + have.len()) % READ_ALIGN) % READ_ALIGN;
    buf.resize(pad, 0);
    bytes::Buf::advance(&mut buf, pad);
    buf.extend_from_slice(have);
    buf
}
