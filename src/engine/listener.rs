//! `Listener`: an I/O-thread handler that accepts tcp or ipc connections
//! and starts a session for each (its sessions end with it: `zmq_unbind`
//! closes the connections it accepted, as in libzmq).
//!
//! It accepts at most `ACCEPTS_PER_TURN` connections per turn of the I/O
//! thread and defers the rest to the next turn: a peer that connects as
//! fast as it is accepted must not keep the thread in this loop (a flood
//! of junk CURVE HELLOs held it there for seconds, starving every
//! established connection on the thread).

use mio::Token;

use super::link::{event, ContextLink, SessionGuard};
use super::session::{Session, SessionContext, NOTE_SOCKET_CLOSED};
use super::stream::Stream;
use crate::io::{Handler, Reactor};

/// Connections accepted per turn of the I/O thread, at most (libzmq
/// accepts one per readiness of its level-triggered poll).
const ACCEPTS_PER_TURN: usize = 8;
/// After a failed accept (`EMFILE`, `ENFILE`, `ENOBUFS`) the backlog is
/// tried again this much later: mio is edge-triggered, so without a timer
/// the connections already waiting would wait for the next one to arrive.
const ACCEPT_RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(100);
/// The reactor timer id of that retry.
const ACCEPT_RETRY: u64 = 1;
use crate::transport::{ipc, tcp};

pub enum Source {
    Tcp(mio::net::TcpListener),
    Ipc(ipc::IpcListener),
    /// After `stop`.
    Closed,
}

pub struct Listener {
    source: Source,
    /// Set by a closing socket, which reports CLOSED itself (before its
    /// monitor stops, as libzmq orders them).
    pub quiet: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cx: SessionContext,
    ctx: std::sync::Arc<dyn ContextLink>,
    sessions: Vec<Token>,
    /// More connections may wait: the reactor resumes us next turn.
    deferred: bool,
    /// An `ACCEPT_RETRY` timer is set.
    retrying: bool,
}

impl Listener {
    pub fn new(
        source: Source,
        cx: SessionContext,
        ctx: std::sync::Arc<dyn ContextLink>,
        quiet: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Listener {
        Listener {
            source,
            quiet,
            cx,
            ctx,
            sessions: Vec::new(),
            deferred: false,
            retrying: false,
        }
    }

    fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match &self.source {
            Source::Tcp(l) => l.as_raw_fd(),
            Source::Ipc(l) => l.listener.as_raw_fd(),
            Source::Closed => -1,
        }
    }

    /// `ZMQ_TCP_ACCEPT_FILTER` and `ZMQ_IPC_FILTER_*`: with any filter set,
    /// a peer must match one of them.
    fn admits(&self, stream: &Stream) -> bool {
        let f = &self.cx.config.accept;
        match stream {
            Stream::Tcp(s) => {
                f.tcp.is_empty()
                    || s.peer_addr()
                        .is_ok_and(|a| f.tcp.iter().any(|t| t.matches(a.ip())))
            }
            Stream::Ipc(_) => {
                let any = !f.ipc_uid.is_empty() || !f.ipc_gid.is_empty() || !f.ipc_pid.is_empty();
                if !any {
                    return true;
                }
                let Some((uid, gid, pid)) = ipc::peer_credentials(stream.fd()) else {
                    return false;
                };
                f.ipc_uid.contains(&uid) || f.ipc_gid.contains(&gid) || f.ipc_pid.contains(&pid)
            }
        }
    }

    fn accept(&mut self) -> Option<std::io::Result<(Stream, String)>> {
        let r = match &mut self.source {
            Source::Tcp(l) => l
                .accept()
                .map(|(s, a)| (Stream::Tcp(s), a.ip().to_string())),
            Source::Ipc(l) => l.listener.accept().map(|(s, _)| {
                // Peer-Address of an ipc peer: the endpoint and the peer's
                // uid:gid:pid, as libzmq gives it.
                use std::os::fd::AsRawFd;
                let who = ipc::peer_credentials(s.as_raw_fd())
                    .map(|(u, g, p)| format!(":{u}:{g}:{p}"))
                    .unwrap_or_default();
                let place = l.address.endpoint_string();
                let place = place.strip_prefix("ipc://").unwrap_or(&place).to_owned();
                (Stream::Ipc(s), format!("{place}{who}"))
            }),
            Source::Closed => return None,
        };
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            r => Some(r),
        }
    }

    /// Accepts what waits, up to `ACCEPTS_PER_TURN`; past that the
    /// reactor resumes us on its next turn.
    fn accept_some(&mut self, r: &mut Reactor, token: Token) {
        // Sessions that ended are forgotten.
        self.sessions.retain(|&t| r.contains(t));
        for _ in 0..ACCEPTS_PER_TURN {
            let Some(res) = self.accept() else {
                return;
            };
            match res {
                Ok((stream, peer)) => {
                    if !self.admits(&stream) {
                        // Turned away by an accept filter.
                        self.cx
                            .event(event::ACCEPT_FAILED, libc::ECONNREFUSED as u64);
                        continue;
                    }
                    if let Stream::Tcp(_) = &stream {
                        tcp::tune_connection(stream.fd(), &self.cx.config.tcp);
                    }
                    self.cx.event(event::ACCEPTED, stream.fd() as u64);
                    let guard = SessionGuard::new(self.ctx.clone());
                    if let Some(s) = Session::accepted(self.cx.clone(), stream, peer, guard) {
                        let t = r.add(Box::new(s));
                        self.sessions.push(t);
                    }
                }
                Err(e) => {
                    // (EMFILE, ...) Retried after a pause, not every turn.
                    self.cx
                        .event(event::ACCEPT_FAILED, e.raw_os_error().unwrap_or(0) as u64);
                    if !self.retrying {
                        self.retrying = true;
                        r.set_timer(token, ACCEPT_RETRY_AFTER, ACCEPT_RETRY);
                    }
                    return;
                }
            }
        }
        if !self.deferred {
            self.deferred = true;
            r.defer(token);
        }
    }
}

impl Handler for Listener {
    fn start(&mut self, r: &mut Reactor, token: Token) {
        let res = match &mut self.source {
            Source::Tcp(l) => r.registry().register(l, token, mio::Interest::READABLE),
            Source::Ipc(l) => {
                r.registry()
                    .register(&mut l.listener, token, mio::Interest::READABLE)
            }
            Source::Closed => return,
        };
        if res.is_err() {
            r.remove(token);
        }
    }

    fn ready(&mut self, r: &mut Reactor, token: Token, _readable: bool, _writable: bool) {
        self.accept_some(r, token);
    }

    fn resume(&mut self, r: &mut Reactor, token: Token) {
        self.deferred = false;
        self.accept_some(r, token);
    }

    fn timer(&mut self, r: &mut Reactor, token: Token, id: u64) {
        if id == ACCEPT_RETRY {
            self.retrying = false;
            self.accept_some(r, token);
        }
    }

    fn stop(&mut self, r: &mut Reactor, _token: Token) {
        let fd = self.fd();
        // The socket file and wildcard directory go before CLOSED is told.
        let source = std::mem::replace(&mut self.source, Source::Closed);
        match source {
            Source::Tcp(mut l) => {
                let _ = r.registry().deregister(&mut l);
            }
            Source::Ipc(mut l) => {
                let _ = r.registry().deregister(&mut l.listener);
            }
            Source::Closed => {}
        }
        // Accepted sessions linger to flush what the socket gave them.
        for t in self.sessions.drain(..) {
            r.poke(t, NOTE_SOCKET_CLOSED);
        }
        if !self.quiet.load(std::sync::atomic::Ordering::Relaxed) {
            self.cx.event(event::CLOSED, fd as u64);
        }
    }
}
