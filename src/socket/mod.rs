//! `Socket`: the machinery every socket type shares — options, the mailbox
//! and its `ZMQ_FD` signaler, the pipes, endpoints, blocking with timeouts
//! and signals, and context termination. The per-type routing logic sits
//! behind the `Pattern` trait, one file per socket type.
//!
//! A socket's state is behind a mutex: classic sockets are used from one
//! thread at a time, and the lock makes misuse safe instead of undefined.
//! Blocking calls release the lock while they sleep on the mailbox fd.
//! This module never touches raw C pointers.
//!
//! This file holds the `Socket` itself and its per-call API (send, recv,
//! options, events, monitor, close); the rest of the machinery is split by
//! concept: `pattern` (the routing logic's interface), `command` (what the
//! mailbox carries), `blocking` (waits and deadlines), `state` (the state
//! behind the lock), `endpoint` (bind/connect, inproc) and `net_endpoint`
//! (tcp, ipc, udp on the I/O threads).

pub mod config;
pub mod monitor;
pub mod options;
#[cfg(test)]
mod tests;

// The machinery, one concept per file.
mod blocking;
mod command;
mod endpoint;
mod net_endpoint;
mod pattern;
mod state;

// The routing logic, one file per socket type.
mod channel;
mod client;
mod dealer;
mod dgram;
mod dish;
mod gather;
mod pair;
#[path = "pub.rs"]
mod publish;
mod pull;
mod push;
mod radio;
mod rep;
mod req;
mod router;
mod scatter;
mod server;
mod single;
mod stream;
mod sub;
pub mod waiters;
mod xpub;
mod xsub;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, MutexGuard};

use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::io::Mailbox;
use crate::msg::{flags, Msg};
use crate::pattern::PipeSet;

use blocking::SpinPolicy;
pub use command::Command;
use command::MailboxWaker;
pub use monitor::{Monitor, MonitorSlot};
pub use options::Options;
use pattern::new_pattern;
pub use pattern::{Cx, Pattern};
use state::State;
pub use waiters::Waiters;
/// The pure parsers of this module, for the fuzz harnesses (`fuzzing`).
#[cfg(any(test, fuzzing))]
pub(crate) use {
    crate::engine::udp_engine::{decode_group, encode_group, parse_peer, peer_frame, MAX_DATAGRAM},
    endpoint::parse_endpoint,
};

/// Socket type numbers (zmq.h), as the ZMTP layer defines them.
pub mod kind {
    pub use crate::zmtp::socket_type::{
        CHANNEL, CLIENT, DEALER, DGRAM, DISH, GATHER, PAIR, PEER, PUB, PULL, PUSH, RADIO, REP, REQ,
        ROUTER, SCATTER, SERVER, STREAM, SUB, XPUB, XSUB,
    };
}

/// Flags of `zmq_send`/`zmq_recv`.
pub const DONTWAIT: i32 = 1;
pub const SNDMORE: i32 = 2;

/// `ZMQ_POLLIN`/`ZMQ_POLLOUT` as reported by `ZMQ_EVENTS`.
pub const POLLIN: i32 = 1;
pub const POLLOUT: i32 = 2;

/// Read-only options the socket layer answers itself.
mod ro {
    pub const TYPE: i32 = 16;
    pub const RCVMORE: i32 = 13;
    pub const FD: i32 = 14;
    pub const EVENTS: i32 = 15;
    pub const LAST_ENDPOINT: i32 = 32;
    pub const THREAD_SAFE: i32 = 81;
}

/// A socket.
pub struct Socket {
    kind: i32,
    id: u64,
    ctx: Arc<Context>,
    mailbox: Arc<Mailbox<Command>>,
    /// Thread-safe types only: who to wake when a command arrives.
    waiters: Option<Arc<Waiters>>,
    state: Mutex<State>,
}

impl Socket {
    /// `zmq_socket`.
    pub fn new(ctx: &Arc<Context>, kind: i32) -> Result<Arc<Socket>> {
        if !(kind::PAIR..=kind::CHANNEL).contains(&kind) {
            return Err(Error::Inval);
        }
        let mailbox = Arc::new(Mailbox::new()?);
        let waiters = is_thread_safe(kind).then(Arc::default);
        let waker = Arc::new(MailboxWaker {
            mailbox: mailbox.clone(),
            waiters: waiters.clone(),
        });
        let options = Options::new(kind, &ctx.options());
        let pattern = new_pattern(kind, &options)?;
        let linger = Arc::new(AtomicI32::new(options.linger));
        let id = ctx.register_socket(waker.clone())?;
        Ok(Arc::new(Socket {
            kind,
            id,
            ctx: ctx.clone(),
            mailbox,
            waiters,
            state: Mutex::new(State {
                options,
                pattern,
                pipes: PipeSet::new(),
                waker,
                terminated: false,
                rcvmore: false,
                last_endpoint: String::new(),
                bound: Vec::new(),
                endpoints: Vec::new(),
                monitor: Arc::default(),
                linger,
                disconnected: Arc::default(),
                spin: SpinPolicy::default(),
            }),
        }))
    }

    pub fn kind(&self) -> i32 {
        self.kind
    }

    /// The DRAFT thread-safe types: usable from several threads at once
    /// (every socket is behind a lock; these also give up `ZMQ_FD`).
    pub fn is_thread_safe(&self) -> bool {
        self.waiters.is_some()
    }

    /// A thread-safe socket's waiters, for a poller to join.
    pub fn waiters(&self) -> Option<&Arc<Waiters>> {
        self.waiters.as_ref()
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.ctx
    }

    /// Processes pending commands; fails with `ETERM` once terminated.
    fn lock_ready(&self) -> Result<MutexGuard<'_, State>> {
        let mut st = self.state.lock();
        st.process_commands(&self.mailbox);
        if st.terminated {
            return Err(Error::Term);
        }
        Ok(st)
    }

    /// `zmq_msg_send`: sends one frame; on success `msg` is left empty.
    pub fn send(&self, msg: &mut Msg, flags: i32) -> Result<()> {
        let mut st = self.lock_ready()?;
        msg.reset_flags(flags::MORE | flags::COMMAND);
        if flags & SNDMORE != 0 {
            msg.set_flags(flags::MORE);
        }
        let timeout = if flags & DONTWAIT != 0 {
            0
        } else {
            st.options.sndtimeo
        };
        // The clock is read only once the call has to wait.
        let mut deadline = None;
        let mut reg = None;
        loop {
            match st.with_pattern(|p, cx| p.send(msg, cx)) {
                Err(Error::Again) if timeout != 0 => {
                    let d = *deadline.get_or_insert_with(|| Self::deadline(timeout));
                    self.wait(&mut st, d, &mut reg)?
                }
                r => return r,
            }
        }
    }

    /// `zmq_msg_recv`: receives one frame.
    pub fn recv(&self, flags: i32) -> Result<Msg> {
        let mut st = self.lock_ready()?;
        let timeout = if flags & DONTWAIT != 0 {
            0
        } else {
            st.options.rcvtimeo
        };
        let mut deadline = None;
        let mut reg = None;
        loop {
            match st.with_pattern(|p, cx| p.recv(cx)) {
                Ok(msg) => {
                    st.rcvmore = msg.more();
                    return Ok(msg);
                }
                Err(Error::Again) if timeout != 0 => {
                    let d = *deadline.get_or_insert_with(|| Self::deadline(timeout));
                    self.wait(&mut st, d, &mut reg)?
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `ZMQ_EVENTS`.
    pub fn events(&self) -> Result<i32> {
        let mut st = self.lock_ready()?;
        Ok(st.events())
    }

    /// `ZMQ_FD`: readable whenever commands may be pending.
    pub fn fd(&self) -> i32 {
        self.mailbox.fd()
    }

    pub fn set_option(&self, option: i32, value: &[u8]) -> Result<()> {
        let mut st = self.lock_ready()?;
        let st = &mut *st;
        let mut cx = Cx {
            pipes: &mut st.pipes,
            options: &st.options,
        };
        match st.pattern.set_option(option, value, &mut cx) {
            Err(Error::Inval) => {}
            r => {
                st.cleanup();
                return r;
            }
        }
        st.options.set(option, value)?;
        st.apply_hwms(option);
        st.linger.store(st.options.linger, Ordering::Relaxed);
        Ok(())
    }

    pub fn get_option(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        let mut st = self.lock_ready()?;
        if option == ro::TYPE {
            // As in libzmq, ZMQ_TYPE wants exactly an int.
            if out.len() != 4 {
                return Err(Error::Inval);
            }
            out.copy_from_slice(&self.kind.to_ne_bytes());
            return Ok(4);
        }
        let int = match option {
            ro::RCVMORE => Some(st.rcvmore as i32),
            // Thread-safe sockets have no ZMQ_FD (as in libzmq).
            ro::FD if self.is_thread_safe() => return Err(Error::Inval),
            ro::FD => Some(self.mailbox.fd()),
            ro::EVENTS => Some(st.events()),
            ro::THREAD_SAFE => Some(self.is_thread_safe() as i32),
            _ => None,
        };
        if let Some(v) = int {
            // These take a buffer of at least an int; the rest is zeroed.
            if out.len() < 4 {
                return Err(Error::Inval);
            }
            out.fill(0);
            out[..4].copy_from_slice(&v.to_ne_bytes());
            return Ok(4);
        }
        if option == ro::LAST_ENDPOINT {
            return options::put_string(out, st.last_endpoint.as_bytes());
        }
        match st.pattern.get_option(option, out) {
            Err(Error::Inval) => st.options.get(option, out),
            r => r,
        }
    }

    /// DRAFT `zmq_disconnect_peer` (SERVER, PEER).
    pub fn disconnect_peer(&self, id: u32) -> Result<()> {
        let mut st = self.lock_ready()?;
        st.with_pattern(|p, cx| p.disconnect_peer(id, cx))
    }

    /// DRAFT `zmq_join` (DISH).
    pub fn join(&self, group: &[u8]) -> Result<()> {
        let mut st = self.lock_ready()?;
        st.with_pattern(|p, cx| p.join(group, cx))
    }

    /// DRAFT `zmq_leave` (DISH).
    pub fn leave(&self, group: &[u8]) -> Result<()> {
        let mut st = self.lock_ready()?;
        st.with_pattern(|p, cx| p.leave(group, cx))
    }

    /// `zmq_socket_monitor`: events go to a PAIR connected to `addr`;
    /// `None` stops monitoring.
    pub fn monitor(&self, addr: Option<&str>, events: u64, version: i32, kind: i32) -> Result<()> {
        let st = self.lock_ready()?;
        let old = st.monitor.lock().take();
        if let Some(mut old) = old {
            old.stop();
        }
        if let Some(addr) = addr {
            let m = Monitor::start(&self.ctx, addr, events, version, kind)?;
            *st.monitor.lock() = Some(m);
        }
        Ok(())
    }

    /// DRAFT `zmq_socket_get_peer_state`.
    pub fn peer_state(&self, id: &[u8]) -> Result<i32> {
        let mut st = self.lock_ready()?;
        st.with_pattern(|p, cx| p.peer_state(id, cx))
    }

    /// `zmq_socket_monitor_pipes_stats`: a `PIPES_STATS` event per pipe with
    /// the messages queued each way. `EINVAL` without a monitor for it.
    pub fn pipes_stats(&self) -> Result<()> {
        let mut st = self.lock_ready()?;
        let st = &mut *st;
        let slot = st.monitor.clone();
        let guard = slot.lock();
        let Some(m) = guard
            .as_ref()
            .filter(|m| m.wants(monitor::event::PIPES_STATS))
        else {
            return Err(Error::Inval);
        };
        if st.pipes.is_empty() {
            return Err(Error::Again);
        }
        for key in st.pipes.keys() {
            let p = st.pipes.at(key);
            let (out, inb) = p.queued();
            let ep = p.endpoint.clone().unwrap_or_default();
            let (local, remote) = p
                .connection()
                .unwrap_or_else(|| (ep.clone(), String::new()));
            m.event_with(
                monitor::event::PIPES_STATS,
                &[out as u64, inb as u64],
                &ep,
                &local,
                &remote,
            );
        }
        Ok(())
    }

    /// The socket was inherited through `fork` (see `Context::forked`).
    pub fn forked(&self) -> bool {
        self.ctx.forked()
    }

    /// `zmq_close`: closes every pipe (what was sent over inproc stays
    /// readable by the peer) and leaves the context.
    pub fn close(&self) {
        let mut st = self.state.lock();
        st.process_commands(&self.mailbox);
        for addr in std::mem::take(&mut st.bound) {
            let _ = self.ctx.inproc_unbind(&addr, self.id);
        }
        for key in st.pipes.keys() {
            if let Some(mut p) = st.pipes.remove(key) {
                p.send_disconnect_msg();
                p.close();
            }
        }
        let mut closing = Vec::new();
        for ep in std::mem::take(&mut st.endpoints) {
            let finished = self.stop_endpoint(&ep, !ep.bind);
            if let Some((fd, quiet)) = &ep.listener {
                quiet.store(true, Ordering::Relaxed);
                closing.push((finished, *fd, ep.resolved.clone()));
            }
        }
        // CLOSED is told once the listener's fd is really closed (as in
        // libzmq), and before the monitor stops.
        for (finished, fd, endpoint) in closing {
            let _ = finished.recv_timeout(Duration::from_secs(2));
            Self::event(&st, monitor::event::CLOSED, fd as u64, &endpoint);
        }
        let monitor = st.monitor.lock().take();
        if let Some(mut m) = monitor {
            m.stop();
        }
        drop(st);
        // Pipes that arrive after this are dropped with the mailbox.
        while let Some(cmd) = self.mailbox.recv() {
            drop(cmd);
        }
        self.ctx.unregister_socket(self.id);
    }
}

/// The thread-safe types (DRAFT): usable from several threads at once.
/// Every socket is behind a lock; these also give up `ZMQ_FD` and wake
/// their waiters each (see `waiters`).
fn is_thread_safe(kind: i32) -> bool {
    matches!(
        kind,
        kind::SERVER
            | kind::CLIENT
            | kind::RADIO
            | kind::DISH
            | kind::SCATTER
            | kind::GATHER
            | kind::PEER
            | kind::CHANNEL
    )
}
