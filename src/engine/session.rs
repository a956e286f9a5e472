//! `Session`: an I/O-thread handler that owns one connection's engine and
//! the pipe end toward the socket. Connecting sessions outlive their
//! connections: they reconnect (with `ZMQ_RECONNECT_IVL` and exponential
//! backoff to `ZMQ_RECONNECT_IVL_MAX`) and keep their pipe, so messages
//! queue across reconnects. Accepted sessions end with their connection.
//! When the socket closes, a session lingers to flush what it was given.
//!
//! A CURVE handshake step (reading and answering the peer's handshake:
//! its X25519 is the costly part) takes one of the I/O thread's costly
//! steps for the turn (`Reactor::costly_step`); when they are spent it is
//! deferred to the next turn, so a flood of handshaking peers cannot
//! starve the thread's established connections. NULL and PLAIN steps cost
//! no more than a message and are never deferred: deferring them would
//! let connections complete out of the order they were made in, and
//! users (and libzmq's tests) count on a load balancer's peers coming in
//! connect order.
//!
//! Its deadlines (reconnect, handshake, heartbeats, linger) are decided by
//! `Timers`, which never reads the clock: the session reads it at most once
//! per reactor callback and passes it in, and keeps one reactor timer
//! (`WAKE_UP`) set for the next deadline.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use mio::Token;

use super::config::SessionConfig;
use super::connecter::{self, Target};
use super::link::{event, EventSink, SessionGuard, SocketLink};
use super::stream::Stream;
use super::timers::{TimerConfig, TimerEvent, Timers, Wakeups};
use super::zap::{RequestContext, ZapClient};
use super::{Engine, Failure, PeerInfo, Progress};
use crate::io::{Handler, Reactor};
use crate::msg::Msg;
use crate::pipe::{self, EndInfo, Pipe, PipeEvent};
use crate::zmtp::{self, FailureEvent};

/// The session's one timer id: something in `Timers` may be due. The
/// reactor cannot cancel a timer, so it may also come for a deadline that
/// is gone; the session then finds nothing due.
const WAKE_UP: u64 = 1;
/// Not a timer: the socket closed (sent with `Reactor::poke`).
pub const NOTE_SOCKET_CLOSED: u64 = 100;

/// What a session shares with its socket.
#[derive(Clone)]
pub struct SessionContext {
    pub socket: Arc<dyn SocketLink>,
    pub config: Arc<SessionConfig>,
    /// The socket's current `ZMQ_LINGER` (it may change after connect).
    pub linger: Arc<AtomicI32>,
    pub events: Arc<dyn EventSink>,
    /// The endpoint as the user gave it (monitor events name it).
    pub endpoint: String,
    /// `zmq_disconnect` was called on the socket while it had
    /// `ZMQ_RECONNECT_STOP_AFTER_DISCONNECT`: refused connects stop.
    pub disconnected: Arc<AtomicBool>,
}

impl SessionContext {
    pub fn event(&self, ev: u64, value: u64) {
        self.events
            .event(ev, &[value], &self.endpoint, &self.endpoint, "");
    }
}

enum Conn {
    /// Not connected (connecting sessions between attempts).
    Idle,
    /// A connect in progress.
    Connecting(Stream),
    /// Connected: handshaking or exchanging messages.
    Engine(Box<dyn Engine>),
}

pub struct Session {
    cx: SessionContext,
    /// `Some` for connecting sessions.
    target: Option<Target>,
    pipe: Option<Pipe>,
    conn: Conn,
    timers: Timers,
    /// The reactor timers set for `timers`' deadlines.
    wakeups: Wakeups,
    /// The clock as read in the current reactor callback (at most once).
    now: Option<Instant>,
    /// The socket closed: flush and go.
    lingering: bool,
    guard: SessionGuard,
    fd: i32,
    /// A connection was established before (the next one is a reconnect).
    connected_before: bool,
    /// The two ends of the current connection, for v2 monitor events.
    local_ep: String,
    remote_ep: String,
    /// The ZAP handler's pipe, while the handshake waits for its verdict.
    zap: Option<ZapClient>,
    /// Set when the session gives up for good (the socket's endpoint is
    /// then gone).
    ended: Option<Arc<AtomicBool>>,
    /// The endpoint the user connected or bound. `cx.endpoint`, which
    /// events name, is the proxy's instead when connecting through SOCKS.
    user_endpoint: String,
    /// A handshake step waits for the next turn (`Handler::resume`).
    deferred: bool,
}

impl Session {
    /// A monitor event about this session's connection.
    fn event(&self, ev: u64, value: u64) {
        let (local, remote) = if self.target.is_some() {
            (self.local_ep.as_str(), self.cx.endpoint.as_str())
        } else {
            (self.cx.endpoint.as_str(), self.remote_ep.as_str())
        };
        self.cx
            .events
            .event(ev, &[value], &self.cx.endpoint, local, remote);
    }

    /// The fields every session starts with; `user_endpoint` is what the
    /// user gave, `cx.endpoint` what events report.
    fn with(
        cx: SessionContext,
        user_endpoint: String,
        target: Option<Target>,
        pipe: Option<Pipe>,
        conn: Conn,
        guard: SessionGuard,
    ) -> Session {
        Session {
            timers: Timers::new(timer_config(&cx.config)),
            cx,
            target,
            pipe,
            conn,
            wakeups: Wakeups::default(),
            now: None,
            lingering: false,
            guard,
            fd: -1,
            connected_before: false,
            local_ep: String::new(),
            remote_ep: String::new(),
            zap: None,
            ended: None,
            user_endpoint,
            deferred: false,
        }
    }

    /// A connecting session; `pipe` is its end of a pipe the socket already
    /// attached (absent with `ZMQ_IMMEDIATE`).
    pub fn connecting(
        cx: SessionContext,
        target: Target,
        pipe: Option<Pipe>,
        guard: SessionGuard,
    ) -> Session {
        let mut cx = cx;
        let user_endpoint = cx.endpoint.clone();
        if let (Target::Tcp(_), Some(proxy)) = (&target, &cx.config.socks) {
            // As in libzmq, a connection made through a SOCKS proxy is
            // reported under the proxy's address.
            cx.endpoint = format!("tcp://{}", String::from_utf8_lossy(&proxy.address));
        }
        Self::with(cx, user_endpoint, Some(target), pipe, Conn::Idle, guard)
    }

    /// `flag` is set when the session gives up for good.
    pub fn ending_with(mut self, flag: Arc<AtomicBool>) -> Session {
        self.ended = Some(flag);
        self
    }

    /// A session for an accepted connection.
    pub fn accepted(
        cx: SessionContext,
        stream: Stream,
        peer: String,
        guard: SessionGuard,
    ) -> Option<Session> {
        let fd = stream.fd();
        let remote_ep = stream.peer_endpoint();
        let engine = connecter::accepted_engine(&cx.config, stream, peer)?;
        let user_endpoint = cx.endpoint.clone();
        let mut s = Self::with(cx, user_endpoint, None, None, Conn::Engine(engine), guard);
        s.fd = fd;
        s.remote_ep = remote_ep;
        Some(s)
    }

    /// A session for a connectionless engine (pgm, epgm, udp) made at
    /// `zmq_connect`, with its end of the pipe the socket attached then.
    pub fn connectionless(
        cx: SessionContext,
        engine: Box<dyn Engine>,
        pipe: Pipe,
        guard: SessionGuard,
    ) -> Session {
        let user_endpoint = cx.endpoint.clone();
        Self::with(
            cx,
            user_endpoint,
            None,
            Some(pipe),
            Conn::Engine(engine),
            guard,
        )
    }

    fn start_connect(&mut self, r: &mut Reactor, token: Token) {
        let Some(target) = self.target.clone() else {
            return;
        };
        let result = target.connect(&self.cx.config);
        match result {
            Ok(mut stream) => {
                if stream.register(r.registry(), token).is_err() {
                    self.schedule_reconnect();
                    return;
                }
                self.fd = stream.fd();
                self.cx
                    .event(event::CONNECT_DELAYED, libc::EINPROGRESS as u64);
                self.conn = Conn::Connecting(stream);
                let now = self.now();
                self.timers.connect_started(now);
            }
            // A name that does not resolve made no socket to close.
            Err(e) if e.errno() == libc::EHOSTUNREACH || e.errno() == libc::EINVAL => {
                self.schedule_reconnect()
            }
            Err(e) => self.connect_failed(r, token, e.errno()),
        }
    }

    /// A connect attempt failed with `errno` (its socket is closed): retry
    /// later, unless `ZMQ_RECONNECT_STOP` says a refusal ends the session.
    fn connect_failed(&mut self, r: &mut Reactor, token: Token, errno: i32) {
        self.event(event::CLOSED, self.fd.max(0) as u64);
        self.timers.connect_over();
        let stop = self.cx.config.reconnect_stop;
        let refused = errno == libc::ECONNREFUSED;
        if refused
            && (stop.conn_refused
                || (stop.after_disconnect && self.cx.disconnected.load(Ordering::Relaxed)))
        {
            self.end(r, token);
            return;
        }
        self.schedule_reconnect();
    }

    /// The session is over for good: its pipe ends, the handler goes.
    fn end(&mut self, r: &mut Reactor, token: Token) {
        if let Some(flag) = &self.ended {
            flag.store(true, Ordering::Relaxed);
        }
        self.conn = Conn::Idle;
        if let Some(mut p) = self.pipe.take() {
            p.close();
        }
        r.remove(token);
    }

    /// The clock for this reactor callback: read on first use.
    fn now(&mut self) -> Instant {
        *self.now.get_or_insert_with(Instant::now)
    }

    /// Sets the reactor timer for the next deadline, unless one at or
    /// before it is already set. Run at the end of every callback.
    fn arm(&mut self, r: &mut Reactor, token: Token) {
        // A PING read during this callback may have brought a TTL.
        if let Conn::Engine(e) = &self.conn {
            if e.is_established() {
                self.timers.peer_ttl(e.peer_ttl(), e.last_received());
            }
        }
        let mut next = self.timers.next_deadline();
        if let Conn::Engine(e) = &self.conn {
            if let Some(at) = e.next_deadline() {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        if let Some(at) = self.wakeups.arm(next) {
            let now = self.now();
            r.set_timer(token, at.saturating_duration_since(now), WAKE_UP);
        }
        self.now = None;
    }

    /// The connection attempt is over: try again later, unless
    /// reconnection is off (`ZMQ_RECONNECT_IVL` <= 0).
    fn schedule_reconnect(&mut self) {
        self.conn = Conn::Idle;
        let now = self.now();
        if let Some(ivl) = self.timers.schedule_reconnect(now) {
            self.cx
                .event(event::CONNECT_RETRIED, ivl.as_millis() as u64);
        }
    }

    fn on_connected(&mut self, r: &mut Reactor, token: Token, stream: Stream) {
        let Some(target) = self.target.clone() else {
            return;
        };
        self.timers.connect_over();
        self.fd = stream.fd();
        self.local_ep = stream.local_endpoint();
        if !target.via_proxy(&self.cx.config) {
            self.event(event::CONNECTED, self.fd as u64);
        }
        match target.engine(&self.cx.config, stream, &self.user_endpoint) {
            Some(engine) => {
                self.conn = Conn::Engine(engine);
                self.start_engine(r, token);
            }
            None => self.schedule_reconnect(),
        }
    }

    fn start_engine(&mut self, r: &mut Reactor, token: Token) {
        if matches!(&self.conn, Conn::Engine(e) if e.connectionless()) {
            // pgm, udp: nothing to establish, no timer of the session's
            // runs (a pgm socket end of the pipe subscribes to everything).
            if let Some(p) = &mut self.pipe {
                p.notify_attached();
            }
            self.drive(r, token);
            return;
        }
        if self.cx.config.raw {
            // STREAM: no handshake; the socket learns of the peer now.
            self.established(r, token, None);
            if self.cx.config.raw_notify {
                let mut hello = Msg::new();
                if let Conn::Engine(engine) = &self.conn {
                    if let Some(md) = engine.metadata() {
                        hello.set_metadata(md);
                    }
                }
                if let Some(p) = &mut self.pipe {
                    p.write(hello);
                }
            }
        } else {
            if !self.connect_zap(r, token) {
                // ZMQ_ZAP_ENFORCE_DOMAIN with no handler bound.
                self.cx
                    .event(event::HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as u64);
                self.failed(r, token, Failure::Disconnected);
                return;
            }
            let now = self.now();
            self.timers.handshake_started(now);
            // DRAFT ZMQ_HELLO_MSG, first on every connection: in now, as
            // one drive may end the handshake and move traffic (an accepted
            // connection's pipe is made later, in `established`).
            if let (Some(hello), Some(p)) = (&self.cx.config.peer_msgs.hello, &mut self.pipe) {
                p.put_first(Msg::from_bytes(hello.clone()));
            }
        }
        self.drive_or_defer(r, token);
    }

    /// Runs the engine, unless it is handshaking and this turn's costly
    /// steps are spent: then on a later turn (the engine keeps what the
    /// reactor told it, so no readiness is lost meanwhile).
    fn drive_or_defer(&mut self, r: &mut Reactor, token: Token) {
        let costly = self.cx.config.handshake.mechanism == zmtp::MechanismKind::Curve;
        let handshaking = matches!(&self.conn, Conn::Engine(e) if !e.is_established());
        if costly && handshaking && (self.deferred || !r.costly_step()) {
            if !self.deferred {
                self.deferred = true;
                r.defer(token);
            }
            return;
        }
        self.drive(r, token);
    }

    /// Connects to the ZAP handler if the handshake wants one. Without a
    /// handler the handshake goes on without ZAP, unless the socket has
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: then `false`.
    fn connect_zap(&mut self, r: &mut Reactor, token: Token) -> bool {
        let Conn::Engine(engine) = &mut self.conn else {
            return true;
        };
        if !engine.wants_zap() {
            return true;
        }
        let (waker, key) = r.aux_pipe_waker(token);
        self.zap = ZapClient::connect(self.guard.context(), waker, key);
        if self.zap.is_none() {
            if self.cx.config.zap_enforce_domain {
                return false;
            }
            engine.skip_zap();
        }
        true
    }

    /// The ZAP handler answered (or left).
    fn zap_news(&mut self, r: &mut Reactor, token: Token) {
        let Some(zap) = &mut self.zap else {
            return;
        };
        let verdict = zap.poll_reply();
        let gone = zap.handler_gone();
        match verdict {
            Some(Ok(reply)) if reply.status_code == 300 => {
                // A temporary failure: as libzmq, it is reported and the
                // handshake then stays where it is, with neither READY nor
                // ERROR, until ZMQ_HANDSHAKE_IVL ends it.
                self.zap = None;
                self.event(event::HANDSHAKE_FAILED_AUTH, 300);
            }
            Some(v) => {
                self.zap = None;
                if let Conn::Engine(engine) = &mut self.conn {
                    engine.set_zap_verdict(v);
                }
                self.drive_or_defer(r, token);
            }
            None if gone => {
                // The handler closed without answering. As libzmq, the
                // handshake stays where it is, until the peer leaves or
                // ZMQ_HANDSHAKE_IVL ends it.
                self.zap = None;
            }
            None => {}
        }
    }

    /// Runs the engine; handles establishment and failures.
    fn drive(&mut self, r: &mut Reactor, token: Token) {
        let Conn::Engine(engine) = &mut self.conn else {
            return;
        };
        let tunnelling = engine.in_proxy_exchange();
        let mut result = engine.drive(self.pipe.as_mut());
        if tunnelling && !engine.in_proxy_exchange() {
            // The proxy connected us: only now is the connection made.
            self.event(event::CONNECTED, self.fd as u64);
        }
        while let Ok(Progress::Upgraded) = result {
            self.event(event::HANDSHAKE_SUCCEEDED, 0);
            let Conn::Engine(engine) = &mut self.conn else {
                return;
            };
            result = engine.drive(self.pipe.as_mut());
        }
        let Conn::Engine(engine) = &mut self.conn else {
            return;
        };
        let mut zap_sent = false;
        if let Some(req) = engine.take_zap_request() {
            if let Some(zap) = &mut self.zap {
                zap_sent = true;
                let o = &self.cx.config;
                zap.send(
                    &req,
                    &RequestContext {
                        domain: &o.zap_domain,
                        address: engine.peer_address().as_bytes(),
                        routing_id: &o.routing_id,
                    },
                );
            }
        }
        match result {
            Ok(Progress::Idle | Progress::Upgraded) => {}
            Ok(Progress::Established(info)) => {
                self.established(r, token, Some(*info));
                // Move what queued meanwhile.
                if let Conn::Engine(engine) = &mut self.conn {
                    if let Err(f) = engine.drive(self.pipe.as_mut()) {
                        self.failed(r, token, f);
                        return;
                    }
                }
            }
            Err(f) => {
                self.failed(r, token, f);
                return;
            }
        }
        if zap_sent {
            // The reply may be in already; looking also arms the wake-up.
            self.zap_news(r, token);
        }
        self.check_linger_done(r, token);
    }

    /// The connection is ready for messages (`info` is `None` for STREAM).
    fn established(&mut self, r: &mut Reactor, token: Token, info: Option<PeerInfo>) {
        let now = self.now();
        self.timers.established(now);
        let info = match info {
            Some(i) => {
                self.event(event::HANDSHAKE_SUCCEEDED, 0);
                i
            }
            None => PeerInfo {
                version: zmtp::Version::Zmtp31,
                socket_type: None,
                routing_id: None,
                subscribe_all: false,
            },
        };
        let reconnect = std::mem::replace(&mut self.connected_before, true);
        let peer_info = EndInfo {
            routing_id: info.routing_id.clone().unwrap_or_default(),
            sndhwm: -1,
            rcvhwm: -1,
        };
        let (local, remote) = if self.target.is_some() {
            (self.local_ep.clone(), self.cx.endpoint.clone())
        } else {
            (self.cx.endpoint.clone(), self.remote_ep.clone())
        };
        match &mut self.pipe {
            Some(pipe) => {
                // A reconnect or a connect's first connection: the socket
                // learns the peer's identity now.
                pipe.set_connection(local, remote);
                pipe.set_own_info(peer_info);
                pipe.notify_attached();
                if reconnect {
                    pipe.notify_hiccup();
                }
            }
            None => {
                let (socket_end, mut session_end) = pipe::pair(self.cx.config.flows);
                session_end.set_own_info(peer_info);
                session_end.set_connection(local, remote);
                let (waker, key) = r.pipe_waker(token);
                session_end.set_waker(waker, key);
                let mut socket_end = socket_end;
                socket_end.endpoint = Some(self.user_endpoint.clone());
                // ZMQ_CONNECT_ROUTING_ID of a connect whose pipe is made
                // only now (STREAM, ZMQ_IMMEDIATE).
                let alias = &self.cx.config.connect_routing_id;
                if !alias.is_empty() {
                    socket_end.routing_id = Some(alias.clone());
                }
                socket_end.set_own_info(EndInfo {
                    routing_id: self.cx.config.routing_id.clone(),
                    sndhwm: -1,
                    rcvhwm: -1,
                });
                if let Some(hello) = &self.cx.config.peer_msgs.hello {
                    session_end.put_first(Msg::from_bytes(hello.clone()));
                }
                self.cx.socket.attach(socket_end);
                self.pipe = Some(session_end);
            }
        }
        if self.cx.config.notify_connect {
            // ZMQ_ROUTER_NOTIFY: an empty message says the peer is here.
            if let Some(p) = &mut self.pipe {
                p.write(Msg::new());
            }
        }
        if info.subscribe_all {
            if let Some(p) = &mut self.pipe {
                if p.check_write() {
                    p.write(Msg::from_slice(&[1]));
                }
            }
        }
    }

    fn failed(&mut self, r: &mut Reactor, token: Token, f: Failure) {
        if let Failure::Handshake(e) = &f {
            match e.event {
                Some(FailureEvent::Protocol(code)) => {
                    self.event(event::HANDSHAKE_FAILED_PROTOCOL, code as u64)
                }
                Some(FailureEvent::Auth(code)) => {
                    self.event(event::HANDSHAKE_FAILED_AUTH, code as u64)
                }
                Some(FailureEvent::NoDetail(errno)) => {
                    self.event(event::HANDSHAKE_FAILED_NO_DETAIL, errno as u64)
                }
                None => {}
            }
        }
        let was_established = matches!(&self.conn, Conn::Engine(e) if e.is_established());
        let in_socks = matches!(&self.conn, Conn::Engine(e) if e.in_proxy_exchange());
        if let Failure::Lost(errno) = f {
            if !was_established && !in_socks && matches!(&self.conn, Conn::Engine(_)) {
                // As libzmq: a connection lost before the handshake ended
                // is a handshake failure with the errno as its value.
                self.event(event::HANDSHAKE_FAILED_NO_DETAIL, errno as u64);
            }
        }
        self.close_connection(r);
        if in_socks {
            // The SOCKS exchange failed: as libzmq, the connect attempt is
            // over (CLOSED) and will be retried.
            self.event(event::CLOSED, self.fd as u64);
            if self.target.is_some() && !self.lingering {
                self.schedule_reconnect();
            } else {
                r.remove(token);
            }
            return;
        }
        self.event(event::DISCONNECTED, self.fd as u64);
        if was_established && self.cx.config.notify_disconnect {
            // ZMQ_ROUTER_NOTIFY: a half-written message is dropped, then an
            // empty message says the peer left.
            if let Some(p) = &mut self.pipe {
                p.rollback();
                p.write(Msg::new());
            }
        }
        if was_established {
            self.tell_lost();
        }
        if self.cx.config.raw {
            // STREAM: the connection's pipe ends with it, after an empty
            // message telling the socket (ZMQ_STREAM_NOTIFY).
            if let Some(mut p) = self.pipe.take() {
                if self.cx.config.raw_notify {
                    p.write(Msg::new());
                }
                p.close();
            }
        }
        let o = &self.cx.config;
        // As in libzmq, a protocol error ends a connecting session too.
        let handshake_failed =
            matches!(f, Failure::Disconnected | Failure::Lost(_)) && !was_established;
        let stop = o.reconnect_ivl <= 0
            || matches!(f, Failure::Handshake(_) | Failure::Protocol(_))
            || (handshake_failed && o.reconnect_stop.handshake_failed);
        if self.target.is_some() && !self.lingering && stop {
            // No reconnection after losing a connection (ZMQ_RECONNECT_IVL
            // -1, a protocol error, ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED):
            // the session ends, as if disconnected.
            self.end(r, token);
        } else if self.target.is_some() && !self.lingering {
            if self.cx.config.immediate {
                // Nothing may queue for a peer that is not there.
                if let Some(mut p) = self.pipe.take() {
                    p.close();
                }
            }
            self.schedule_reconnect();
        } else {
            r.remove(token);
        }
    }

    /// DRAFT: an established connection is lost (peer gone, error,
    /// heartbeat timeout): as libzmq, the socket is given, after the last
    /// complete message, `ZMQ_DISCONNECT_MSG` if it had accepted the
    /// connection and `ZMQ_HICCUP_MSG` if it had made it.
    fn tell_lost(&mut self) {
        let msgs = &self.cx.config.peer_msgs;
        let msg = if self.target.is_some() {
            &msgs.hiccup
        } else {
            &msgs.disconnect
        };
        if let (Some(m), Some(p)) = (msg, &mut self.pipe) {
            p.rollback();
            p.write(Msg::from_bytes(m.clone()));
        }
    }

    fn close_connection(&mut self, r: &mut Reactor) {
        self.zap = None;
        self.timers.connection_lost();
        match std::mem::replace(&mut self.conn, Conn::Idle) {
            Conn::Engine(mut e) => e.deregister(r.registry()),
            Conn::Connecting(mut s) => s.deregister(r.registry()),
            Conn::Idle => {}
        }
    }

    /// While lingering: done once the pipe is drained and written out (or
    /// drained with no connection to write to).
    fn check_linger_done(&mut self, r: &mut Reactor, token: Token) {
        if !self.lingering {
            return;
        }
        let drained = self.pipe.as_mut().is_none_or(|p| !p.check_read());
        let flushed = match &self.conn {
            Conn::Engine(e) => e.is_flushed(),
            _ => true,
        };
        if drained && flushed {
            r.remove(token);
        }
    }

    /// The socket went away (its pipe end closed, or it told us directly).
    pub fn socket_closed(&mut self, r: &mut Reactor, token: Token) {
        if self.lingering {
            return;
        }
        self.lingering = true;
        let connected = matches!(&self.conn, Conn::Engine(e) if e.is_established());
        if !connected {
            // A hello not sent yet is no reason to linger (libzmq's is not
            // in the pipe either).
            if let Some(p) = &mut self.pipe {
                p.drop_first();
            }
        }
        let linger = self.cx.linger.load(Ordering::Relaxed);
        // Pending: queued in the pipe, or taken by the engine and not yet
        // written out (its write buffer can hold many messages).
        let unflushed = matches!(&self.conn, Conn::Engine(e) if !e.is_flushed());
        let has_pending = unflushed || self.pipe.as_mut().is_some_and(|p| p.check_read());
        if linger == 0 || !has_pending || (!connected && self.target.is_none()) {
            r.remove(token);
            return;
        }
        let now = self.now();
        self.timers.linger_started(now, linger);
        self.drive(r, token);
    }

    /// The wake-up came: handles what is due, one thing per wake-up (each
    /// had a reactor timer of its own before; one may end the session, and
    /// then the rest must not run).
    fn wake_up(&mut self, r: &mut Reactor, token: Token) {
        let now = self.now();
        self.wakeups.fired(now);
        if let Conn::Engine(e) = &self.conn {
            if e.next_deadline().is_some_and(|at| at <= now) {
                // The engine's own timer (pgm); the session's come after.
                self.drive(r, token);
            }
        }
        if let Conn::Engine(e) = &self.conn {
            self.timers.received(e.last_received());
        }
        match self.timers.poll(now) {
            Some(TimerEvent::Reconnect) => {
                if matches!(self.conn, Conn::Idle) {
                    self.start_connect(r, token);
                }
            }
            Some(TimerEvent::ConnectExpired) => {
                if matches!(self.conn, Conn::Connecting(_)) {
                    // As libzmq: the attempt's socket closes (CLOSED) and
                    // a retry is scheduled (CONNECT_RETRIED).
                    self.close_connection(r);
                    self.connect_failed(r, token, libc::ETIMEDOUT);
                }
            }
            Some(TimerEvent::HandshakeExpired) => {
                if let Conn::Engine(e) = &self.conn {
                    if !e.is_established() {
                        // ZMQ_HANDSHAKE_IVL passed: junk or silence.
                        self.cx
                            .event(event::HANDSHAKE_FAILED_NO_DETAIL, libc::ETIMEDOUT as u64);
                        self.failed(r, token, Failure::Disconnected);
                    }
                }
            }
            Some(TimerEvent::LingerExpired) => r.remove(token),
            Some(TimerEvent::SendPing { ttl_deciseconds }) => {
                if let Conn::Engine(e) = &mut self.conn {
                    if e.is_established() {
                        e.send_ping(ttl_deciseconds);
                        self.drive(r, token);
                    }
                }
            }
            Some(TimerEvent::PeerDead) => {
                // Silent for a whole timeout since the last frame.
                if matches!(&self.conn, Conn::Engine(e) if e.is_established()) {
                    self.failed(r, token, Failure::Disconnected);
                }
            }
            None => {}
        }
    }
}

/// The options `Timers` acts on.
fn timer_config(c: &SessionConfig) -> TimerConfig {
    TimerConfig {
        reconnect_ivl: c.reconnect_ivl,
        reconnect_ivl_max: c.reconnect_ivl_max,
        connect_timeout: c.connect_timeout,
        handshake_ivl: c.handshake_ivl,
        heartbeat_ivl: c.heartbeat_interval,
        heartbeat_timeout: c.heartbeat_timeout,
        heartbeat_ttl: c.heartbeat_ttl,
    }
}

impl Handler for Session {
    fn start(&mut self, r: &mut Reactor, token: Token) {
        if let Some(p) = &mut self.pipe {
            let (waker, key) = r.pipe_waker(token);
            p.set_waker(waker, key);
        }
        match std::mem::replace(&mut self.conn, Conn::Idle) {
            Conn::Engine(mut e) => {
                if e.register(r.registry(), token).is_err() {
                    r.remove(token);
                } else {
                    self.conn = Conn::Engine(e);
                    self.start_engine(r, token);
                }
            }
            _ => self.start_connect(r, token),
        }
        self.arm(r, token);
    }

    fn ready(&mut self, r: &mut Reactor, token: Token, readable: bool, writable: bool) {
        match std::mem::replace(&mut self.conn, Conn::Idle) {
            Conn::Connecting(mut stream) => {
                if !writable {
                    // Nothing changed, no deadline either.
                    self.conn = Conn::Connecting(stream);
                    return;
                }
                match stream.take_error() {
                    Ok(None) if stream.is_connected() => self.on_connected(r, token, stream),
                    Ok(None) => self.conn = Conn::Connecting(stream),
                    result => {
                        stream.deregister(r.registry());
                        let errno = match result {
                            Ok(Some(e)) | Err(e) => e.raw_os_error().unwrap_or(0),
                            Ok(None) => 0,
                        };
                        self.connect_failed(r, token, errno);
                    }
                }
            }
            mut conn => {
                if let (Conn::Engine(e), true) = (&mut conn, readable) {
                    e.set_readable();
                }
                self.conn = conn;
                self.drive_or_defer(r, token);
            }
        }
        self.arm(r, token);
    }

    fn hangup(&mut self) {
        if let Conn::Engine(e) = &mut self.conn {
            e.set_hangup();
        }
    }

    fn pipe(&mut self, r: &mut Reactor, token: Token, event: PipeEvent) {
        if event == PipeEvent::PeerClosed {
            self.socket_closed(r, token);
        } else {
            self.drive_or_defer(r, token);
        }
        self.arm(r, token);
    }

    fn resume(&mut self, r: &mut Reactor, token: Token) {
        self.deferred = false;
        self.drive_or_defer(r, token);
        self.arm(r, token);
    }

    fn aux_pipe(&mut self, r: &mut Reactor, token: Token, _event: PipeEvent) {
        self.zap_news(r, token);
        self.arm(r, token);
    }

    fn timer(&mut self, r: &mut Reactor, token: Token, id: u64) {
        match id {
            WAKE_UP => self.wake_up(r, token),
            NOTE_SOCKET_CLOSED => self.socket_closed(r, token),
            _ => {}
        }
        self.arm(r, token);
    }

    fn stop(&mut self, r: &mut Reactor, _token: Token) {
        // Only a connect still in progress reports CLOSED (its socket is
        // the connecter's); an established connection ends silently, as in
        // libzmq.
        let had_conn = matches!(self.conn, Conn::Connecting(_));
        self.close_connection(r);
        if had_conn && self.fd >= 0 {
            self.event(event::CLOSED, self.fd as u64);
        } else if self.target.is_some() && self.cx.disconnected.load(Ordering::Relaxed) {
            // ZMQ_RECONNECT_STOP_AFTER_DISCONNECT: the connecter that was
            // waiting to retry closes for good.
            self.event(event::CLOSED, self.fd.max(0) as u64);
        }
        if let Some(mut p) = self.pipe.take() {
            p.close();
        }
    }
}
