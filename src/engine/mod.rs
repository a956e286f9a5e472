//! Engines: one connection's protocol, driven by a session.
//!
//! The seam: a `Session` (an I/O-thread handler, `session.rs`) owns the
//! session's side of things that do not depend on the wire — reconnection
//! with backoff, the handshake and heartbeat timers (`timers.rs`), linger,
//! monitor events, the ZAP client and the pipe to the socket — and drives
//! whatever implements `Engine` without knowing which it is: `ZmtpEngine`
//! (ZMTP over a tcp or ipc byte stream, and STREAM's raw bytes),
//! `WsEngine` (ws, wss) and `PgmEngine` (pgm, epgm: connectionless, with
//! timers of its own); see docs/architecture.md, "Adding a transport".
//!
//! `Listener` accepts connections and starts accepted sessions;
//! `connecter` makes outgoing connections. Nothing in this layer imports
//! from `socket`, `ctx` or `ffi`: what it needs from above comes as a
//! `SessionConfig` and through the traits in `link`.

pub mod config;
pub mod connecter;
pub mod link;
pub mod listener;
pub mod pgm_engine;
pub mod session;
pub mod stream;
pub mod timers;
pub mod tls_stream;
pub mod udp_engine;
pub mod ws_engine;
pub mod zap;
pub mod zmtp_engine;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::{Registry, Token};

use crate::error::Error;
use crate::msg::Metadata;
use crate::pipe::Pipe;
use crate::zmtp::{HandshakeError, Version, ZapReply, ZapRequest};

pub use zmtp_engine::ZmtpEngine;

/// One connection's protocol, as a session drives it. An engine moves
/// messages between its transport and the session's pipe end, and reports
/// what its session must act on (established, failed); it owns no timer
/// and raises no monitor event itself.
pub trait Engine: Send {
    /// Registers the engine's OS handle(s) with the reactor.
    fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()>;
    fn deregister(&mut self, registry: &Registry);
    /// The reactor reported the handle readable (or closed, or in error).
    fn set_readable(&mut self);
    /// The reactor reported the peer's end closed (or an error).
    fn set_hangup(&mut self);
    /// Moves data both ways until nothing more can move now. `pipe` is the
    /// session's pipe end, if it has one yet.
    fn drive(&mut self, pipe: Option<&mut Pipe>) -> std::result::Result<Progress, Failure>;
    /// The handshake is done: messages flow.
    fn is_established(&self) -> bool;
    /// Everything queued has been written out (linger waits for this).
    fn is_flushed(&self) -> bool;
    /// Queues a heartbeat (ZMTP PING) with a TTL in deciseconds, if the
    /// protocol has one.
    fn send_ping(&mut self, ttl_deciseconds: u16);
    /// When bytes last arrived (heartbeat timeouts count from it).
    fn last_received(&self) -> Instant;
    /// The TTL the peer's last PING asked for (`ZMQ_HEARTBEAT_TTL` on its
    /// side), if any.
    fn peer_ttl(&self) -> Option<Duration> {
        None
    }
    /// The properties received messages carry, once known.
    fn metadata(&self) -> Option<Arc<Metadata>>;
    /// The peer's address as ZAP requests name it (no port).
    fn peer_address(&self) -> &str;
    /// Whether the handshake means to ask a ZAP handler.
    fn wants_zap(&self) -> bool {
        false
    }
    /// Turns the ZAP check off (no handler is bound).
    fn skip_zap(&mut self) {}
    /// The handshake's request for the ZAP handler, if it made one.
    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        None
    }
    /// The ZAP handler's verdict (`Err`: the protocol error code of a
    /// malformed reply); `drive` goes on from there.
    fn set_zap_verdict(&mut self, _verdict: std::result::Result<ZapReply, u32>) {}
    /// A proxy exchange (SOCKS) still runs before the handshake.
    fn in_proxy_exchange(&self) -> bool {
        false
    }
    /// No connection and no handshake (pgm, epgm): the session attaches
    /// the pipe at start, raises no connection event, runs no handshake
    /// or heartbeat timer and never reconnects.
    fn connectionless(&self) -> bool {
        false
    }
    /// When the engine's own timers next need a `drive` (NAK back-offs,
    /// SPMs, a rate limit), if it has any.
    fn next_deadline(&self) -> Option<Instant> {
        None
    }
}

/// What `Engine::drive` reports.
pub enum Progress {
    /// Nothing special: wait for readiness or pipe events.
    Idle,
    /// A stage before the handshake completed: the WebSocket upgrade,
    /// which libzmq reports as a `HANDSHAKE_SUCCEEDED` of its own. Drive
    /// again.
    Upgraded,
    /// The handshake just completed.
    Established(Box<PeerInfo>),
}

/// Why an engine stopped.
#[derive(Debug)]
pub enum Failure {
    /// The connection is over for a reason decided above the socket
    /// (a dead heartbeat, a refused SOCKS exchange, no ZAP handler).
    Disconnected,
    /// Reading or writing failed: the peer closed (`EPIPE`) or the
    /// socket reported this errno. During a handshake libzmq reports it
    /// as `HANDSHAKE_FAILED_NO_DETAIL`.
    Lost(i32),
    /// The handshake failed (with the monitor event to raise, if any).
    Handshake(HandshakeError),
    /// A protocol error after the handshake (bad frame, oversized message).
    Protocol(Error),
}

impl Failure {
    pub(crate) fn lost(e: &std::io::Error) -> Failure {
        Failure::Lost(e.raw_os_error().unwrap_or(libc::EPIPE))
    }
}

/// What the handshake told us about the peer.
pub struct PeerInfo {
    pub version: Version,
    pub socket_type: Option<i32>,
    pub routing_id: Option<Bytes>,
    pub subscribe_all: bool,
}
