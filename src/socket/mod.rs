//! `Socket`: the machinery every socket type shares — options, the mailbox
//! and its `ZMQ_FD` signaler, the pipes, endpoints, blocking with timeouts
//! and signals, and context termination. The per-type routing logic sits
//! behind the `Pattern` trait, one file per socket type.
//!
//! A socket's state is behind a mutex: classic sockets are used from one
//! thread at a time, and the lock makes misuse safe instead of undefined.
//! Blocking calls release the lock while they sleep on the mailbox fd.
//! This module never touches raw C pointers.

pub mod config;
pub mod monitor;
pub mod options;
#[cfg(test)]
mod tests;

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
mod udp;
pub mod waiters;
mod xpub;
mod xsub;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, MutexGuard};

use crate::ctx::{Context, InprocPeer, PendingConnect, SocketLink};
use crate::engine::connecter::Target;
use crate::engine::listener::{Listener, Source};
use crate::engine::session::{self, Session, SessionContext};
use crate::error::{Error, Result};
use crate::io::Mailbox;
use crate::msg::{flags, Msg};
use crate::pattern::PipeSet;
use crate::pipe::{self, EndInfo, Flow, Pipe, PipeEvent, PipeKey, Waker};
use crate::transport::address::{self, IpcAddress, TcpAddress};
use crate::transport::udp::{self as udp_os, UdpAddress};
use crate::transport::{ipc, tcp};

pub use monitor::{Monitor, MonitorSlot};
pub use options::Options;
use waiters::Registration;
pub use waiters::Waiters;

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

/// Commands a socket's mailbox carries.
pub enum Command {
    /// Something happened to one of its pipes.
    Pipe(PipeKey, PipeEvent),
    /// A new pipe from a peer (inproc connect, or a network session).
    Attach(Pipe),
    /// The context is terminating.
    Stop,
}

/// Routes a socket's pipe events into its mailbox. A thread-safe socket's
/// waiters are woken as well: its mailbox fd wakes nobody (see `waiters`).
struct MailboxWaker {
    mailbox: Arc<Mailbox<Command>>,
    waiters: Option<Arc<Waiters>>,
}

impl MailboxWaker {
    fn post(&self, cmd: Command) {
        self.mailbox.send(cmd);
        if let Some(w) = &self.waiters {
            w.wake_all();
        }
    }
}

impl Waker for MailboxWaker {
    fn wake(&self, key: PipeKey, event: PipeEvent) {
        self.post(Command::Pipe(key, event));
    }
}

impl SocketLink for MailboxWaker {
    fn attach(&self, pipe: Pipe) {
        self.post(Command::Attach(pipe));
    }
    fn stop(&self) {
        self.post(Command::Stop);
    }
}

/// What routing logic can touch while it works: the pipes and the options.
pub struct Cx<'a> {
    pub pipes: &'a mut PipeSet,
    pub options: &'a Options,
}

/// The routing logic of one socket type (libzmq's `x*` methods).
pub trait Pattern: Send {
    /// A new pipe is attached (it may already hold messages).
    fn attach(&mut self, key: PipeKey, cx: &mut Cx);
    /// Sends one frame; on success the message is taken (left empty).
    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()>;
    /// Receives one frame.
    fn recv(&mut self, cx: &mut Cx) -> Result<Msg>;
    fn has_in(&mut self, cx: &mut Cx) -> bool;
    fn has_out(&mut self, cx: &mut Cx) -> bool;
    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx);
    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx);
    /// The pipe is finished and about to be removed.
    fn terminated(&mut self, key: PipeKey, cx: &mut Cx);
    /// The peer of a connect-before-bind pipe attached (its routing id is known).
    fn peer_attached(&mut self, _key: PipeKey, _cx: &mut Cx) {}
    /// The pipe's network connection was re-established.
    fn hiccuped(&mut self, _key: PipeKey, _cx: &mut Cx) {}
    /// DRAFT `zmq_socket_get_peer_state`: `ZMQ_POLLOUT` if the peer named
    /// by `id` can take a message (ROUTER only).
    fn peer_state(&mut self, _id: &[u8], _cx: &mut Cx) -> Result<i32> {
        Err(Error::NotSup)
    }
    /// Type-specific options; `Inval` for the ones the type does not own.
    fn set_option(&mut self, _option: i32, _value: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::Inval)
    }
    fn get_option(&self, _option: i32, _out: &mut [u8]) -> Result<usize> {
        Err(Error::Inval)
    }
    /// DRAFT `zmq_join` (DISH only).
    fn join(&mut self, _group: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// DRAFT `zmq_leave` (DISH only).
    fn leave(&mut self, _group: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// DRAFT `zmq_disconnect_peer`: closes the pipe of the peer with this
    /// routing id (SERVER, PEER).
    fn disconnect_peer(&mut self, _id: u32, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// The routing id given to the peer of pipe `key` (SERVER, PEER).
    fn routing_id_of(&self, _key: PipeKey) -> Option<u32> {
        None
    }
}

fn new_pattern(kind: i32, options: &Options) -> Result<Box<dyn Pattern>> {
    Ok(match kind {
        kind::PAIR => Box::new(pair::Pair::default()),
        kind::PUB => Box::new(publish::Pub::new_pub()),
        kind::SUB => Box::new(sub::Sub::new(true)),
        kind::REQ => Box::new(req::Req::default()),
        kind::REP => Box::new(rep::Rep::new(options)),
        kind::DEALER => Box::new(dealer::Dealer::default()),
        kind::ROUTER => Box::new(router::Router::new(options)),
        kind::PULL => Box::new(pull::Pull::default()),
        kind::PUSH => Box::new(push::Push::default()),
        kind::XPUB => Box::new(xpub::XPub::new(false)),
        kind::XSUB => Box::new(xsub::XSub::new(false)),
        kind::STREAM => Box::new(stream::Stream::default()),
        kind::CLIENT => Box::new(client::Client::default()),
        kind::SERVER => Box::new(server::Server::new()),
        kind::PEER => Box::new(server::Server::new()),
        kind::GATHER => Box::new(gather::Gather::default()),
        kind::SCATTER => Box::new(scatter::Scatter::default()),
        kind::CHANNEL => Box::new(channel::Channel::default()),
        kind::RADIO => Box::new(radio::Radio::default()),
        kind::DISH => Box::new(dish::Dish::default()),
        kind::DGRAM => Box::new(dgram::Dgram::default()),
        _ => return Err(Error::Inval),
    })
}

/// How long a blocking call on an inproc-only socket watches for a
/// command before it sleeps (see `Socket::spin_for_command`).
const SPIN_BUDGET: Duration = Duration::from_micros(20);

/// Spinning only helps where the peer can run meanwhile: not on one CPU.
fn spin_allowed() -> bool {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())) > 1
}

/// When a socket spins before sleeping: after a spin that saw nothing, the
/// next few waits sleep at once (more after each such spin, up to
/// `SPIN_SKIP_MAX`). A spin only pays while the peer thread has a core of
/// its own; with more runnable threads than cores (a proxy between two
/// inproc threads on two cores) it takes the core the peer needs, and its
/// spins then keep running out.
#[derive(Default)]
struct SpinPolicy {
    skip: u32,
    backoff: u32,
}

const SPIN_SKIP_MAX: u32 = 1024;

impl SpinPolicy {
    fn try_now(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    fn record(&mut self, arrived: bool) {
        if arrived {
            self.backoff = 0;
        } else {
            self.backoff = (self.backoff * 2).clamp(4, SPIN_SKIP_MAX);
            self.skip = self.backoff;
        }
    }
}

/// Per-socket state, behind the socket's lock.
struct State {
    options: Options,
    pattern: Box<dyn Pattern>,
    pipes: PipeSet,
    waker: Arc<MailboxWaker>,
    /// The context is terminating: every call but close fails with `ETERM`.
    terminated: bool,
    rcvmore: bool,
    last_endpoint: String,
    /// Inproc names this socket bound.
    bound: Vec<String>,
    /// Network endpoints: listeners and connecting sessions.
    endpoints: Vec<NetEndpoint>,
    monitor: Arc<MonitorSlot>,
    /// `ZMQ_LINGER`, shared with this socket's network sessions.
    linger: Arc<AtomicI32>,
    /// `zmq_disconnect` was called (for `ZMQ_RECONNECT_STOP_AFTER_DISCONNECT`).
    disconnected: Arc<std::sync::atomic::AtomicBool>,
    spin: SpinPolicy,
}

/// A tcp/ipc endpoint: its I/O-thread handler, found by the endpoint
/// string as given or as resolved (`ZMQ_LAST_ENDPOINT`).
struct NetEndpoint {
    given: String,
    resolved: String,
    bind: bool,
    /// A listener's fd, and the flag that makes it leave CLOSED to us.
    listener: Option<(i32, Arc<std::sync::atomic::AtomicBool>)>,
    io: usize,
    token: Arc<Mutex<Option<mio::Token>>>,
    /// Set by a connecting session that gave up for good (e.g.
    /// `ZMQ_RECONNECT_STOP`): the endpoint is gone, as if disconnected.
    ended: Arc<std::sync::atomic::AtomicBool>,
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

/// The parts of an endpoint string.
fn parse_endpoint(addr: &str) -> Result<(&str, &str)> {
    let (proto, rest) = addr.split_once("://").ok_or(Error::Inval)?;
    if proto.is_empty() {
        return Err(Error::Inval);
    }
    match proto {
        "inproc" | "tcp" | "ipc" | "udp" if rest.is_empty() => Err(Error::Inval),
        "inproc" | "tcp" | "ipc" | "udp" => Ok((proto, rest)),
        // Known transports this library does not implement.
        "pgm" | "epgm" | "norm" | "tipc" | "ws" | "wss" | "vmci" => Err(Error::NotSup),
        _ => Err(Error::ProtoNoSupport),
    }
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

    /// Sleeps (without the lock) until a command may have arrived or the
    /// deadline passes, then processes commands. A thread-safe socket's
    /// caller first registers its own signaler in `reg` and looks once more
    /// before its first sleep (see `waiters`).
    fn wait(
        &self,
        st: &mut MutexGuard<'_, State>,
        deadline: Option<Instant>,
        reg: &mut Option<Registration>,
    ) -> Result<()> {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(Error::Again);
                }
                Some(d - now)
            }
        };
        let slept = match (&self.waiters, reg.as_ref()) {
            (None, _) => {
                let spin = spin_allowed() && st.endpoints.is_empty() && st.spin.try_now();
                let mut arrived = false;
                let r = MutexGuard::unlocked(st, || {
                    if spin {
                        arrived = self.spin_for_command(timeout);
                        if arrived {
                            return Ok(());
                        }
                    }
                    self.mailbox.wait(timeout)
                });
                if spin {
                    st.spin.record(arrived);
                }
                r
            }
            (Some(w), None) => {
                // From here on every command wakes us: look again first.
                *reg = Some(Registration::new(w, waiters::thread_signaler()?));
                Ok(())
            }
            (Some(_), Some(r)) => {
                let own = r.signaler();
                let r = MutexGuard::unlocked(st, || own.wait(timeout));
                own.drain();
                r
            }
        };
        match slept {
            Ok(()) | Err(Error::Again) => {}
            Err(e) => return Err(e),
        }
        st.process_commands(&self.mailbox);
        if st.terminated {
            return Err(Error::Term);
        }
        Ok(())
    }

    /// Before a socket with no tcp/ipc endpoint sleeps, it watches its
    /// mailbox for a short while: its peers are application threads (over
    /// inproc) that often answer within microseconds, and a sleep costs a
    /// wake-up of several (a futex round trip is ~6 us here, most of an
    /// inproc hop). Sockets with network endpoints never spin: on a small
    /// machine the spinning thread would take the core their I/O thread
    /// needs. True if a command arrived.
    fn spin_for_command(&self, timeout: Option<Duration>) -> bool {
        let budget = timeout.map_or(SPIN_BUDGET, |t| t.min(SPIN_BUDGET));
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                if !self.mailbox.is_idle() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= budget {
                return false;
            }
        }
    }

    fn deadline(timeout_ms: i32) -> Option<Instant> {
        (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
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

    /// `zmq_bind`.
    pub fn bind(&self, addr: &str) -> Result<()> {
        let mut st = self.lock_ready()?;
        check_udp(self.kind, addr, true)?;
        let (proto, rest) = parse_endpoint(addr)?;
        if proto == "udp" {
            return self.open_udp(&mut st, addr, rest, true).map(|_| ());
        }
        if proto != "inproc" {
            return self.bind_net(&mut st, addr, proto, rest);
        }
        let peer = st.inproc_peer(self.id);
        let pending = self.ctx.inproc_bind(addr, peer)?;
        st.bound.push(addr.to_owned());
        st.last_endpoint = addr.to_owned();
        for PendingConnect {
            mut pipe,
            connector,
        } in pending
        {
            // The connector's HWMs joined with ours, now that both are known.
            let own = &st.options;
            pipe.set_hwms(
                sum_hwm(own.rcvhwm, connector.sndhwm),
                sum_hwm(own.sndhwm, connector.rcvhwm),
            );
            pipe.set_own_info(st.end_info());
            let key = st.attach(pipe);
            if let Some(p) = st.pipes.get(key) {
                p.notify_attached();
            }
        }
        st.cleanup();
        drop(st);
        self.woken();
        Ok(())
    }

    /// `zmq_connect`.
    pub fn connect(&self, addr: &str) -> Result<()> {
        let mut st = self.lock_ready()?;
        self.connect_locked(&mut st, addr)?;
        self.woken();
        Ok(())
    }

    /// DRAFT `zmq_connect_peer` (PEER): connects and returns the routing id
    /// the new peer has here, known at once since the pipe is made now
    /// (hence `EFAULT` with `ZMQ_IMMEDIATE`, as in libzmq).
    pub fn connect_peer(&self, addr: &str) -> Result<u32> {
        if self.kind != kind::PEER {
            return Err(Error::NotSup);
        }
        let mut st = self.lock_ready()?;
        if st.options.immediate {
            return Err(Error::Fault);
        }
        let key = self.connect_locked(&mut st, addr)?;
        self.woken();
        key.and_then(|k| st.pattern.routing_id_of(k))
            .ok_or(Error::HostUnreach)
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

    /// A thread-safe socket's state changed outside a command (a pipe
    /// attached by this call): other threads waiting on it look again.
    fn woken(&self) {
        if let Some(w) = &self.waiters {
            w.wake_all();
        }
    }

    /// Connects; returns the key of the pipe attached now, if any.
    fn connect_locked(&self, st: &mut State, addr: &str) -> Result<Option<PipeKey>> {
        check_udp(self.kind, addr, false)?;
        let (proto, rest) = parse_endpoint(addr)?;
        if proto == "udp" {
            return self.open_udp(st, addr, rest, false);
        }
        if proto != "inproc" {
            return self.connect_net(st, addr, proto, rest);
        }
        let me = st.inproc_peer(self.id);
        let conflate = st.options.conflate && config::conflates(self.kind);
        let mut local: Option<Pipe> = None;
        self.ctx.inproc_connect(addr, |binder| {
            let (peer_snd, peer_rcv) = binder.map_or((-1, -1), |b| (b.sndhwm, b.rcvhwm));
            let flows = [
                Flow {
                    hwm: if binder.is_some() {
                        sum_hwm(me.sndhwm, peer_rcv)
                    } else {
                        hwm(me.sndhwm)
                    },
                    conflate,
                },
                Flow {
                    hwm: if binder.is_some() {
                        sum_hwm(me.rcvhwm, peer_snd)
                    } else {
                        hwm(me.rcvhwm)
                    },
                    conflate,
                },
            ];
            let (ours, theirs) = pipe::pair(flows);
            ours.set_own_info(EndInfo {
                routing_id: me.routing_id.clone(),
                sndhwm: me.sndhwm,
                rcvhwm: me.rcvhwm,
            });
            local = Some(ours);
            match binder {
                Some(b) => {
                    theirs.set_own_info(EndInfo {
                        routing_id: b.routing_id.clone(),
                        sndhwm: b.sndhwm,
                        rcvhwm: b.rcvhwm,
                    });
                    b.link.attach(theirs);
                    None
                }
                None => Some(PendingConnect {
                    pipe: theirs,
                    connector: me.clone(),
                }),
            }
        });
        let mut pipe = local.expect("connect made a pipe");
        pipe.endpoint = Some(addr.to_owned());
        if !st.options.connect_routing_id.is_empty() {
            pipe.routing_id = Some(Bytes::from(std::mem::take(
                &mut st.options.connect_routing_id,
            )));
        }
        let key = st.attach(pipe);
        st.last_endpoint = addr.to_owned();
        st.cleanup();
        Ok(Some(key))
    }

    /// `zmq_unbind`.
    pub fn unbind(&self, addr: &str) -> Result<()> {
        let mut st = self.lock_ready()?;
        let (proto, _) = parse_endpoint(addr)?;
        if proto != "inproc" {
            return self.stop_endpoints(&mut st, addr, true);
        }
        let Some(i) = st.bound.iter().position(|b| b == addr) else {
            return Err(Error::NoEnt);
        };
        self.ctx.inproc_unbind(addr, self.id)?;
        st.bound.remove(i);
        Ok(())
    }

    /// `zmq_disconnect`.
    pub fn disconnect(&self, addr: &str) -> Result<()> {
        let mut st = self.lock_ready()?;
        let (proto, _) = parse_endpoint(addr)?;
        if proto != "inproc" {
            self.stop_endpoints(&mut st, addr, false)?;
        }
        let keys: Vec<_> = st
            .pipes
            .keys()
            .into_iter()
            .filter(|&k| st.pipes.get(k).and_then(|p| p.endpoint.as_deref()) == Some(addr))
            .collect();
        if keys.is_empty() && proto == "inproc" {
            return Err(Error::NoEnt);
        }
        for key in keys {
            st.remove_pipe(key);
        }
        Ok(())
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

    fn session_context(&self, st: &State, endpoint: &str) -> SessionContext {
        SessionContext {
            socket: st.waker.clone(),
            config: Arc::new(config::session_config(&st.options)),
            linger: st.linger.clone(),
            events: st.monitor.clone(),
            endpoint: endpoint.to_owned(),
            disconnected: st.disconnected.clone(),
        }
    }

    fn event(st: &State, ev: u64, value: u64, endpoint: &str) {
        if let Some(m) = st.monitor.lock().as_ref() {
            m.event(ev, &[value], endpoint, "");
        }
    }

    /// Binds a tcp or ipc endpoint: the listener is made here (so errors
    /// and the real address are known at once) and runs on an I/O thread.
    fn bind_net(&self, st: &mut State, addr: &str, proto: &str, rest: &str) -> Result<()> {
        let use_fd = st.options.use_fd;
        let bound = match proto {
            // ZMQ_USE_FD: the application's own listening socket.
            "tcp" if use_fd >= 0 => tcp::adopt_listener(use_fd)
                .map(|(l, local)| (Source::Tcp(l), address::tcp_endpoint(&local))),
            "tcp" => TcpAddress::for_bind(rest)
                .resolve(st.options.ipv6)
                .and_then(|res| tcp::listen(&res.address, &config::tcp_tuning(&st.options)))
                .map(|(l, local)| (Source::Tcp(l), address::tcp_endpoint(&local))),
            _ if use_fd >= 0 => ipc::adopt_listener(use_fd, rest).map(|l| {
                let ep = l.address.endpoint_string();
                (Source::Ipc(l), ep)
            }),
            _ => ipc::listen(rest).map(|l| {
                let ep = l.address.endpoint_string();
                (Source::Ipc(l), ep)
            }),
        };
        let (source, resolved) = match bound {
            Ok(b) => b,
            Err(e) => {
                // libzmq names the address without its scheme here.
                Self::event(st, monitor::event::BIND_FAILED, e.errno() as u64, rest);
                return Err(e);
            }
        };
        let mut cx = self.session_context(st, &resolved);
        // ZMQ_CONNECT_ROUTING_ID names connects, not accepted peers.
        Arc::make_mut(&mut cx.config).connect_routing_id = Bytes::new();
        let token = Arc::new(Mutex::new(None));
        let cell = token.clone();
        let ctx = self.ctx.clone();
        let fd = {
            use std::os::fd::AsRawFd;
            match &source {
                Source::Tcp(l) => l.as_raw_fd(),
                Source::Ipc(l) => l.listener.as_raw_fd(),
                Source::Closed => -1,
            }
        };
        let quiet = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let q = quiet.clone();
        let io = self.ctx.io_execute(Box::new(move |r| {
            *cell.lock() = Some(r.add(Box::new(Listener::new(source, cx, ctx, q))));
        }))?;
        st.endpoints.push(NetEndpoint {
            given: addr.to_owned(),
            resolved: resolved.clone(),
            bind: true,
            listener: Some((fd, quiet)),
            io,
            token,
            ended: Arc::default(),
        });
        st.last_endpoint = resolved;
        Ok(())
    }

    /// Connects a tcp or ipc endpoint: a session on an I/O thread connects
    /// (and reconnects) in the background. Unless `ZMQ_IMMEDIATE`, its pipe
    /// is attached now, so messages queue until the connection is up.
    fn connect_net(
        &self,
        st: &mut State,
        addr: &str,
        proto: &str,
        rest: &str,
    ) -> Result<Option<PipeKey>> {
        let target = match proto {
            "tcp" => Target::Tcp(TcpAddress::for_connect(rest)?),
            _ => {
                if IpcAddress::is_wildcard(rest) {
                    return Err(Error::Inval);
                }
                Target::Ipc(IpcAddress::parse(rest)?)
            }
        };
        // With ZMQ_IMMEDIATE the pipe waits for the connection. A STREAM
        // socket's first connection gets its pipe now, as in libzmq, so
        // data can be queued for a `ZMQ_CONNECT_ROUTING_ID` at once; later
        // reconnections get a new pipe each.
        let mut key = None;
        let pipe = if st.options.immediate {
            None
        } else {
            let (mut socket_end, session_end) = pipe::pair(config::session_flows(&st.options));
            socket_end.endpoint = Some(addr.to_owned());
            if !st.options.connect_routing_id.is_empty() {
                socket_end.routing_id = Some(Bytes::from(std::mem::take(
                    &mut st.options.connect_routing_id,
                )));
            }
            socket_end.set_own_info(st.end_info());
            key = Some(st.attach(socket_end));
            Some(session_end)
        };
        let cx = self.session_context(st, addr);
        // The alias applies to this connect only.
        st.options.connect_routing_id.clear();
        let guard = self.ctx.session_guard();
        let token = Arc::new(Mutex::new(None));
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ended.clone();
        let cell = token.clone();
        let io = self.ctx.io_execute(Box::new(move |r| {
            let session = Session::connecting(cx, target, pipe, guard).ending_with(flag);
            *cell.lock() = Some(r.add(Box::new(session)));
        }))?;
        st.endpoints.push(NetEndpoint {
            given: addr.to_owned(),
            resolved: addr.to_owned(),
            bind: false,
            listener: None,
            io,
            token,
            ended,
        });
        st.last_endpoint = addr.to_owned();
        st.cleanup();
        Ok(key)
    }

    /// A udp endpoint (RADIO connects, DISH and DGRAM bind): the OS socket
    /// is made here, so errors show at once; a handler on an I/O thread
    /// moves datagrams to and from the pipe attached now.
    fn open_udp(
        &self,
        st: &mut State,
        addr: &str,
        rest: &str,
        bind: bool,
    ) -> Result<Option<PipeKey>> {
        let ua = UdpAddress::resolve(rest, bind, st.options.ipv6)?;
        let tuning = udp_os::UdpTuning {
            multicast_loop: st.options.multicast_loop,
            multicast_hops: st.options.multicast_hops,
            bind_to_device: (!st.options.bound_device.is_empty())
                .then(|| String::from_utf8_lossy(&st.options.bound_device).into_owned()),
        };
        let os = udp_os::open(&ua, &tuning)?;
        let role = match self.kind {
            kind::RADIO => udp::Role::Radio,
            kind::DISH => udp::Role::Dish,
            _ => udp::Role::Dgram,
        };
        let (mut socket_end, session_end) = pipe::pair(config::session_flows(&st.options));
        socket_end.endpoint = Some(addr.to_owned());
        socket_end.set_own_info(st.end_info());
        let key = st.attach(socket_end);
        let guard = self.ctx.session_guard();
        let token = Arc::new(Mutex::new(None));
        let cell = token.clone();
        let target = ua.target;
        let io = self.ctx.io_execute(Box::new(move |r| {
            let handler = udp::Datagram::new(os, session_end, role, target, guard);
            *cell.lock() = Some(r.add(Box::new(handler)));
        }))?;
        st.endpoints.push(NetEndpoint {
            given: addr.to_owned(),
            resolved: addr.to_owned(),
            bind,
            listener: None,
            io,
            token,
            ended: Arc::default(),
        });
        st.last_endpoint = addr.to_owned();
        st.cleanup();
        Ok(Some(key))
    }

    /// Stops the listeners (`bind`) or connecting sessions named `addr`.
    fn stop_endpoints(&self, st: &mut State, addr: &str, bind: bool) -> Result<()> {
        // A tcp name matches by the address it resolves to, as in libzmq.
        let canon = canonical_tcp(addr, st.options.ipv6);
        let (stop, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut st.endpoints)
            .into_iter()
            .partition(|e| {
                e.bind == bind
                    && (e.resolved == addr
                        || (e.given == addr && !is_wildcard(addr))
                        || (!bind
                            && canon.is_some()
                            && canonical_tcp(&e.given, st.options.ipv6) == canon))
            });
        st.endpoints = keep;
        // Sessions that gave up for good are gone already.
        let stop: Vec<_> = stop
            .into_iter()
            .filter(|e| !e.ended.load(Ordering::Relaxed))
            .collect();
        if stop.is_empty() {
            return Err(Error::NoEnt);
        }
        if !bind && st.options.reconnect_stop & options::val::RECONNECT_STOP_AFTER_DISCONNECT != 0 {
            st.disconnected.store(true, Ordering::Relaxed);
        }
        for ep in &stop {
            self.stop_endpoint(ep, !bind);
        }
        Ok(())
    }

    /// Removes an endpoint's handler on its I/O thread. A connecting
    /// session told the socket closed lingers first; one disconnected goes.
    fn stop_endpoint(&self, ep: &NetEndpoint, linger: bool) -> std::sync::mpsc::Receiver<()> {
        let token = ep.token.clone();
        let (done, finished) = std::sync::mpsc::channel();
        self.ctx.io_execute_on(
            ep.io,
            Box::new(move |r| {
                if let Some(t) = *token.lock() {
                    if linger {
                        r.poke(t, session::NOTE_SOCKET_CLOSED);
                    } else {
                        r.remove(t);
                    }
                }
            }),
        );
        // A task of its own: it runs after the removal above has completed.
        self.ctx.io_execute_on(
            ep.io,
            Box::new(move |_| {
                let _ = done.send(());
            }),
        );
        finished
    }

    /// `zmq_close`: closes every pipe (what was sent over inproc stays
    /// readable by the peer) and leaves the context.
    /// The socket was inherited through `fork` (see `Context::forked`).
    pub fn forked(&self) -> bool {
        self.ctx.forked()
    }

    pub fn close(&self) {
        let mut st = self.state.lock();
        st.process_commands(&self.mailbox);
        for addr in std::mem::take(&mut st.bound) {
            let _ = self.ctx.inproc_unbind(&addr, self.id);
        }
        for key in st.pipes.keys() {
            if let Some(mut p) = st.pipes.remove(key) {
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

/// `udp://` suits a RADIO's connect and a DISH's or DGRAM's bind only:
/// any other use is `ENOCOMPATPROTO`, as libzmq checks before anything
/// else.
fn check_udp(kind: i32, addr: &str, bind: bool) -> Result<()> {
    if !addr.starts_with("udp://") {
        return Ok(());
    }
    let suits = match kind {
        kind::DISH | kind::DGRAM => bind,
        kind::RADIO => !bind,
        _ => false,
    };
    if suits {
        Ok(())
    } else {
        Err(Error::NoCompatProto)
    }
}

/// A bind address with a wildcard (`*` host or port, port 0, `ipc://*`):
/// such an endpoint is unbound by its real address only, as in libzmq.
fn is_wildcard(addr: &str) -> bool {
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    rest.contains('*') || rest.ends_with(":0")
}

/// The resolved form of a tcp endpoint (`tcp://127.0.0.1:5555` for
/// `tcp://localhost:5555`), if it is one and resolves.
fn canonical_tcp(addr: &str, ipv6: bool) -> Option<String> {
    let rest = addr.strip_prefix("tcp://")?;
    let res = TcpAddress::for_connect(rest).ok()?.resolve(ipv6).ok()?;
    let dst = address::tcp_endpoint(&res.address);
    Some(match res.source {
        Some(src) => format!("{};{dst}", address::tcp_endpoint(&src)),
        None => dst,
    })
}

/// A HWM option as a queue limit (0 or negative: none).
fn hwm(v: i32) -> usize {
    v.max(0) as usize
}

/// The limit of an inproc queue: the writer's SNDHWM plus the reader's
/// RCVHWM; unlimited if either is unlimited.
fn sum_hwm(a: i32, b: i32) -> usize {
    if a <= 0 || b <= 0 {
        0
    } else {
        (a as usize) + (b as usize)
    }
}

impl State {
    fn cx(&mut self) -> (&mut dyn Pattern, Cx<'_>) {
        (
            &mut *self.pattern,
            Cx {
                pipes: &mut self.pipes,
                options: &self.options,
            },
        )
    }

    fn with_pattern<R>(&mut self, f: impl FnOnce(&mut dyn Pattern, &mut Cx) -> R) -> R {
        let r = {
            let (p, mut cx) = self.cx();
            f(p, &mut cx)
        };
        self.cleanup();
        r
    }

    fn inproc_peer(&self, id: u64) -> InprocPeer {
        InprocPeer {
            link: self.waker.clone(),
            socket_id: id,
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            routing_id: Bytes::copy_from_slice(&self.options.routing_id),
        }
    }

    fn end_info(&self) -> EndInfo {
        EndInfo {
            routing_id: Bytes::copy_from_slice(&self.options.routing_id),
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
        }
    }

    fn events(&mut self) -> i32 {
        let mut ev = 0;
        if self.with_pattern(|p, cx| p.has_in(cx)) {
            ev |= POLLIN;
        }
        if self.with_pattern(|p, cx| p.has_out(cx)) {
            ev |= POLLOUT;
        }
        ev
    }

    /// Takes a pipe end into this socket.
    fn attach(&mut self, mut pipe: Pipe) -> PipeKey {
        let waker: Arc<dyn Waker> = self.waker.clone();
        // The key is only known after insertion; register right after.
        let endpoint = pipe.endpoint.take();
        let key = self.pipes.insert(pipe);
        let p = self.pipes.at(key);
        p.endpoint = endpoint;
        p.set_waker(waker, key);
        let (pat, mut cx) = self.cx();
        pat.attach(key, &mut cx);
        key
    }

    #[inline]
    fn process_commands(&mut self, mailbox: &Mailbox<Command>) {
        // The common case on the hot path: nothing queued, nothing to
        // clean up; one load and one length check.
        if mailbox.is_idle() && !self.pipes.has_finished() {
            return;
        }
        self.process_commands_slow(mailbox);
    }

    #[inline(never)]
    fn process_commands_slow(&mut self, mailbox: &Mailbox<Command>) {
        while let Some(cmd) = mailbox.recv() {
            match cmd {
                Command::Pipe(key, event) => self.pipe_event(key, event),
                Command::Attach(pipe) => {
                    self.attach(pipe);
                }
                Command::Stop => self.terminated = true,
            }
        }
        self.cleanup();
    }

    fn pipe_event(&mut self, key: PipeKey, event: PipeEvent) {
        if self.pipes.get(key).is_none() {
            return; // a late event for a removed pipe
        }
        let (pat, mut cx) = self.cx();
        match event {
            PipeEvent::Readable => pat.read_activated(key, &mut cx),
            PipeEvent::Writable => pat.write_activated(key, &mut cx),
            PipeEvent::PeerAttached => pat.peer_attached(key, &mut cx),
            PipeEvent::Hiccup => pat.hiccuped(key, &mut cx),
            PipeEvent::PeerClosed => {
                let p = cx.pipes.at(key);
                if !p.check_read() && p.is_finished() {
                    cx.pipes.mark_finished(key);
                } else {
                    // Let the routing logic read what is left; it finds
                    // the pipe finished afterwards.
                    pat.read_activated(key, &mut cx);
                    pat.write_activated(key, &mut cx);
                }
            }
        }
    }

    /// Removes the pipes the routing logic found finished.
    #[inline]
    fn cleanup(&mut self) {
        if self.pipes.has_finished() {
            self.cleanup_slow();
        }
    }

    #[inline(never)]
    fn cleanup_slow(&mut self) {
        while self.pipes.has_finished() {
            for key in self.pipes.take_finished() {
                self.remove_pipe(key);
            }
        }
    }

    fn remove_pipe(&mut self, key: PipeKey) {
        if self.pipes.get(key).is_none() {
            return;
        }
        {
            let (pat, mut cx) = self.cx();
            pat.terminated(key, &mut cx);
        }
        if let Some(mut p) = self.pipes.remove(key) {
            p.close();
        }
    }

    /// After a change of SNDHWM/RCVHWM, existing pipes follow (as libzmq
    /// does since 4.2), keeping the share their peer contributed.
    fn apply_hwms(&mut self, option: i32) {
        if option != options::opt::SNDHWM && option != options::opt::RCVHWM {
            return;
        }
        let (snd, rcv) = (self.options.sndhwm, self.options.rcvhwm);
        for key in self.pipes.keys() {
            let p = self.pipes.at(key);
            let peer = p.peer_info();
            let (peer_snd, peer_rcv) = (
                peer.as_ref().map(|i| i.sndhwm),
                peer.as_ref().map(|i| i.rcvhwm),
            );
            let inbound = match peer_snd {
                Some(ps) => sum_hwm(rcv, ps),
                None => hwm(rcv),
            };
            let outbound = match peer_rcv {
                Some(pr) => sum_hwm(snd, pr),
                None => hwm(snd),
            };
            p.set_hwms(inbound, outbound);
        }
    }
}
