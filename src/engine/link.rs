//! How the I/O side reaches up without importing what is above it.
//!
//! Sessions, listeners and datagram handlers run on I/O threads, below
//! sockets and the context (arrows point down only). Where they must act
//! upward they go through the traits here, which the socket and context
//! implement: hand a socket a new pipe end (`SocketLink`), attach a pipe to
//! an inproc name such as the ZAP handler's and be counted as a live
//! session (`ContextLink`, through `SessionGuard`), raise a monitor event
//! (`EventSink`). Nothing here may name a socket type, an option or the
//! context's own structures.

use std::sync::Arc;

use crate::pipe::{EndInfo, Flow, Pipe};

/// Monitor event numbers (zmq.h `ZMQ_EVENT_*`).
pub mod event {
    pub const CONNECTED: u64 = 0x0001;
    pub const CONNECT_DELAYED: u64 = 0x0002;
    pub const CONNECT_RETRIED: u64 = 0x0004;
    pub const LISTENING: u64 = 0x0008;
    pub const BIND_FAILED: u64 = 0x0010;
    pub const ACCEPTED: u64 = 0x0020;
    pub const ACCEPT_FAILED: u64 = 0x0040;
    pub const CLOSED: u64 = 0x0080;
    pub const CLOSE_FAILED: u64 = 0x0100;
    pub const DISCONNECTED: u64 = 0x0200;
    pub const MONITOR_STOPPED: u64 = 0x0400;
    pub const HANDSHAKE_FAILED_NO_DETAIL: u64 = 0x0800;
    pub const HANDSHAKE_SUCCEEDED: u64 = 0x1000;
    pub const HANDSHAKE_FAILED_PROTOCOL: u64 = 0x2000;
    pub const HANDSHAKE_FAILED_AUTH: u64 = 0x4000;
    pub const PIPES_STATS: u64 = 0x10000;
}

/// How the context (and other sockets, over inproc) reach a socket: a
/// command sent to its mailbox.
pub trait SocketLink: Send + Sync {
    /// Hands the socket a new pipe end to attach.
    fn attach(&self, pipe: Pipe);
    /// The context is terminating: blocking calls must fail with `ETERM`.
    fn stop(&self);
}

/// What a session needs of its context.
pub trait ContextLink: Send + Sync {
    /// Connects a pipe (not a socket) to the socket bound at inproc `name`,
    /// as the ZAP client does; `None` when nothing is bound there.
    fn inproc_attach(&self, name: &str, flows: [Flow; 2], info: EndInfo) -> Option<Pipe>;
    /// A network session starts: `zmq_ctx_term` waits for it.
    fn session_started(&self);
    /// That session is gone (lingered and closed).
    fn session_ended(&self);
}

/// Held by a network session (or datagram handler) for as long as it
/// lives, so that `zmq_ctx_term` waits for lingering sessions to flush.
pub struct SessionGuard(Arc<dyn ContextLink>);

impl SessionGuard {
    pub fn new(ctx: Arc<dyn ContextLink>) -> SessionGuard {
        ctx.session_started();
        SessionGuard(ctx)
    }

    pub fn context(&self) -> &dyn ContextLink {
        &*self.0
    }

    /// Another guard on the same context, for a session this one starts
    /// (an accepted connection).
    pub fn another(&self) -> SessionGuard {
        SessionGuard::new(self.0.clone())
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.0.session_ended();
    }
}

/// Where monitor events go (the socket's `zmq_socket_monitor`).
pub trait EventSink: Send + Sync {
    /// An event with its values, if anyone listens for it. Its v1 form
    /// names `endpoint` (the connect endpoint for connecting sessions, the
    /// bound one otherwise); its v2 form names both ends.
    fn event(&self, event: u64, values: &[u64], endpoint: &str, local: &str, remote: &str);
}
