//! `Context`: the options set with `zmq_ctx_set`, the I/O threads, and the
//! termination protocol (`zmq_ctx_shutdown`, `zmq_ctx_term`).
//!
//! I/O threads start lazily, when the first socket is created, as in libzmq;
//! their count and scheduling are fixed from then on. This module never
//! touches C pointers.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::engine::link::ContextLink;
pub use crate::engine::link::{SessionGuard, SocketLink};
use crate::error::{Error, Result};
use crate::io::{IoThread, ThreadConfig};
use crate::pipe::Pipe;

/// `zmq_ctx_set`/`zmq_ctx_get` option numbers (zmq.h).
pub mod opt {
    pub const IO_THREADS: i32 = 1;
    pub const MAX_SOCKETS: i32 = 2;
    /// Read with `zmq_ctx_get`; shares its number with `THREAD_PRIORITY`.
    pub const SOCKET_LIMIT: i32 = 3;
    /// Written with `zmq_ctx_set`; shares its number with `SOCKET_LIMIT`.
    pub const THREAD_PRIORITY: i32 = 3;
    pub const THREAD_SCHED_POLICY: i32 = 4;
    pub const MAX_MSGSZ: i32 = 5;
    pub const MSG_T_SIZE: i32 = 6;
    pub const THREAD_AFFINITY_CPU_ADD: i32 = 7;
    pub const THREAD_AFFINITY_CPU_REMOVE: i32 = 8;
    pub const THREAD_NAME_PREFIX: i32 = 9;
    pub const ZERO_COPY_RECV: i32 = 10;
    pub const IPV6: i32 = 42;
    pub const BLOCKY: i32 = 70;
}

pub const IO_THREADS_DFLT: i32 = 1;
pub const MAX_SOCKETS_DFLT: i32 = 1023;
/// The most sockets a context can be allowed (`ZMQ_SOCKET_LIMIT`).
pub const SOCKET_LIMIT: i32 = 65535;
/// Longest `ZMQ_THREAD_NAME_PREFIX` given as a string.
const NAME_PREFIX_MAX: usize = 16;

/// The context's options, with libzmq's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtxOptions {
    pub io_threads: i32,
    pub max_sockets: i32,
    pub ipv6: bool,
    pub blocky: bool,
    pub max_msgsz: i32,
    pub zero_copy_recv: bool,
    pub thread_priority: i32,
    pub thread_sched_policy: i32,
    pub thread_affinity: BTreeSet<i32>,
    pub thread_name_prefix: Vec<u8>,
}

impl Default for CtxOptions {
    fn default() -> Self {
        CtxOptions {
            io_threads: IO_THREADS_DFLT,
            max_sockets: MAX_SOCKETS_DFLT,
            ipv6: false,
            blocky: true,
            max_msgsz: i32::MAX,
            zero_copy_recv: true,
            thread_priority: -1,
            thread_sched_policy: -1,
            thread_affinity: BTreeSet::new(),
            thread_name_prefix: Vec::new(),
        }
    }
}

/// An `int` option value; any other size is `EINVAL`.
fn int_value(value: &[u8]) -> Option<i32> {
    <[u8; 4]>::try_from(value).ok().map(i32::from_ne_bytes)
}

impl CtxOptions {
    /// `zmq_ctx_set_ext`: the value is an `int` unless the option says otherwise.
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        let int = int_value(value);
        let non_negative = int.filter(|&v| v >= 0);
        match option {
            opt::MAX_SOCKETS => {
                self.max_sockets = int.filter(|&v| v >= 1).ok_or(Error::Inval)?;
            }
            opt::IO_THREADS => self.io_threads = non_negative.ok_or(Error::Inval)?,
            opt::IPV6 => self.ipv6 = non_negative.ok_or(Error::Inval)? != 0,
            opt::BLOCKY => self.blocky = non_negative.ok_or(Error::Inval)? != 0,
            opt::MAX_MSGSZ => self.max_msgsz = non_negative.ok_or(Error::Inval)?,
            opt::ZERO_COPY_RECV => self.zero_copy_recv = non_negative.ok_or(Error::Inval)? != 0,
            opt::THREAD_SCHED_POLICY => {
                self.thread_sched_policy = non_negative.ok_or(Error::Inval)?;
            }
            opt::THREAD_PRIORITY => self.thread_priority = non_negative.ok_or(Error::Inval)?,
            opt::THREAD_AFFINITY_CPU_ADD => {
                self.thread_affinity
                    .insert(non_negative.ok_or(Error::Inval)?);
            }
            opt::THREAD_AFFINITY_CPU_REMOVE => {
                if !self
                    .thread_affinity
                    .remove(&non_negative.ok_or(Error::Inval)?)
                {
                    return Err(Error::Inval);
                }
            }
            opt::THREAD_NAME_PREFIX => {
                // An int is stored as its decimal text; a string of 1 to 16
                // bytes as it is.
                self.thread_name_prefix = match int {
                    Some(v) => v.to_string().into_bytes(),
                    None if !value.is_empty() && value.len() <= NAME_PREFIX_MAX => value.to_vec(),
                    None => return Err(Error::Inval),
                };
            }
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    /// `zmq_ctx_get_ext`: writes the value into `out`, returns its length.
    pub fn get(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        let is_int = out.len() == 4;
        let int = match option {
            opt::MAX_SOCKETS => self.max_sockets,
            opt::SOCKET_LIMIT => SOCKET_LIMIT,
            opt::IO_THREADS => self.io_threads,
            opt::IPV6 => self.ipv6 as i32,
            opt::BLOCKY => self.blocky as i32,
            opt::MAX_MSGSZ => self.max_msgsz,
            opt::MSG_T_SIZE => std::mem::size_of::<crate::msg::Msg>() as i32,
            opt::ZERO_COPY_RECV => self.zero_copy_recv as i32,
            opt::THREAD_SCHED_POLICY => self.thread_sched_policy,
            opt::THREAD_NAME_PREFIX if !is_int => {
                let p = &self.thread_name_prefix;
                if out.len() < p.len() {
                    return Err(Error::Inval);
                }
                out[..p.len()].copy_from_slice(p);
                return Ok(p.len());
            }
            opt::THREAD_NAME_PREFIX => {
                crate::sys::cstr::atoi(&String::from_utf8_lossy(&self.thread_name_prefix))
            }
            _ => return Err(Error::Inval),
        };
        if !is_int {
            return Err(Error::Inval);
        }
        out.copy_from_slice(&int.to_ne_bytes());
        Ok(4)
    }

    /// Scheduling settings for a background thread called `name`.
    fn thread_config(&self, name: &str) -> ThreadConfig {
        let prefix = String::from_utf8_lossy(&self.thread_name_prefix);
        let full = if prefix.is_empty() {
            format!("ZMQbg/{name}")
        } else {
            format!("{prefix}/ZMQbg/{name}")
        };
        ThreadConfig {
            name: full,
            sched_policy: self.thread_sched_policy,
            priority: self.thread_priority,
            affinity: self.thread_affinity.iter().copied().collect(),
        }
    }
}

/// What an inproc peer needs to know of a socket at connect or bind time.
#[derive(Clone)]
pub struct InprocPeer {
    pub link: Arc<dyn SocketLink>,
    pub socket_id: u64,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub routing_id: Bytes,
    /// DRAFT `ZMQ_HELLO_MSG`, when the socket sends one to each peer.
    pub hello: Option<Bytes>,
    /// DRAFT `ZMQ_DISCONNECT_MSG`, when the socket (as binder) is given
    /// one as a peer leaves.
    pub disconnect_msg: Option<Bytes>,
}

/// A connect to an inproc name nobody has bound yet: the binder's pipe end
/// waits here (the connector attached its own end already).
pub struct PendingConnect {
    pub pipe: Pipe,
    pub connector: InprocPeer,
}

#[derive(Default)]
struct Inproc {
    bound: HashMap<String, InprocPeer>,
    pending: HashMap<String, Vec<PendingConnect>>,
}

#[derive(Default)]
struct CtxState {
    /// `zmq_ctx_shutdown` or `zmq_ctx_term` was called: no new sockets, and
    /// blocking calls fail with `ETERM`.
    terminating: bool,
    /// I/O threads, started with the first socket.
    io_threads: Option<Vec<IoThread>>,
    /// Sockets created and not yet closed.
    sockets: HashMap<u64, Arc<dyn SocketLink>>,
    /// Network sessions still alive (a closed socket's sessions linger).
    sessions: usize,
    /// Round-robin choice of I/O thread for new endpoints.
    next_io: usize,
}

/// A ZeroMQ context.
pub struct Context {
    options: Mutex<CtxOptions>,
    state: Mutex<CtxState>,
    /// Signalled when the last socket is gone.
    all_closed: Condvar,
    inproc: Mutex<Inproc>,
    next_socket_id: AtomicU64,
    /// The process that made the context (see `forked`).
    pid: u32,
}

impl Context {
    pub fn new() -> Arc<Context> {
        Arc::new(Context {
            options: Mutex::new(CtxOptions::default()),
            state: Mutex::new(CtxState::default()),
            all_closed: Condvar::new(),
            inproc: Mutex::new(Inproc::default()),
            next_socket_id: AtomicU64::new(1),
            pid: std::process::id(),
        })
    }

    /// Whether this is a child process that inherited the context through
    /// `fork`. Its I/O threads did not come along, and any lock one of them
    /// held at the fork stays held: closing a socket or ending the context
    /// must then touch none of that (libzmq also only lets go of what the
    /// child inherited).
    pub fn forked(&self) -> bool {
        std::process::id() != self.pid
    }

    pub fn set_option(&self, option: i32, value: &[u8]) -> Result<()> {
        self.options.lock().set(option, value)
    }

    pub fn get_option(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        self.options.lock().get(option, out)
    }

    /// A snapshot of the options.
    pub fn options(&self) -> CtxOptions {
        self.options.lock().clone()
    }

    /// Accounts for a new socket, starting the I/O threads on the first one,
    /// and returns its id. Fails with `ETERM` once the context is shutting
    /// down and `EMFILE` at `ZMQ_MAX_SOCKETS`.
    pub fn register_socket(&self, link: Arc<dyn SocketLink>) -> Result<u64> {
        let opts = self.options();
        let mut st = self.state.lock();
        if st.terminating {
            return Err(Error::Term);
        }
        if st.sockets.len() >= opts.max_sockets as usize {
            return Err(Error::MFile);
        }
        if st.io_threads.is_none() {
            let threads = (0..opts.io_threads)
                .map(|i| IoThread::start(opts.thread_config(&format!("IO/{i}"))))
                .collect::<Result<Vec<_>>>()?;
            st.io_threads = Some(threads);
        }
        let id = self.next_socket_id.fetch_add(1, Ordering::Relaxed);
        st.sockets.insert(id, link);
        Ok(id)
    }

    /// A socket is completely gone (closed and lingered).
    pub fn unregister_socket(&self, id: u64) {
        self.inproc_unbind_all(id);
        let mut st = self.state.lock();
        st.sockets.remove(&id);
        if st.sockets.is_empty() && st.sessions == 0 {
            self.all_closed.notify_all();
        }
    }

    /// Binds an inproc name; returns the connects that were waiting for it.
    pub fn inproc_bind(&self, name: &str, peer: InprocPeer) -> Result<Vec<PendingConnect>> {
        let mut reg = self.inproc.lock();
        if reg.bound.contains_key(name) {
            return Err(Error::AddrInUse);
        }
        reg.bound.insert(name.to_owned(), peer);
        Ok(reg.pending.remove(name).unwrap_or_default())
    }

    /// Unbinds an inproc name bound by `socket_id` (`ENOENT` otherwise).
    pub fn inproc_unbind(&self, name: &str, socket_id: u64) -> Result<()> {
        let mut reg = self.inproc.lock();
        match reg.bound.get(name) {
            Some(p) if p.socket_id == socket_id => {
                reg.bound.remove(name);
                Ok(())
            }
            _ => Err(Error::NoEnt),
        }
    }

    fn inproc_unbind_all(&self, socket_id: u64) {
        let mut reg = self.inproc.lock();
        reg.bound.retain(|_, p| p.socket_id != socket_id);
    }

    /// Connects to an inproc name: `connect` gets the binder, if bound, and
    /// returns a pending connect to park if not. Runs under the registry
    /// lock, so a bind cannot slip in between.
    pub fn inproc_connect(
        &self,
        name: &str,
        connect: impl FnOnce(Option<&InprocPeer>) -> Option<PendingConnect>,
    ) {
        let mut reg = self.inproc.lock();
        if let Some(pending) = connect(reg.bound.get(name)) {
            reg.pending
                .entry(name.to_owned())
                .or_default()
                .push(pending);
        }
    }

    /// Connects a pipe (not a socket) to the socket bound at inproc `name`,
    /// as the ZAP client does; `None` when nothing is bound there.
    fn attach_to_bound(
        &self,
        name: &str,
        flows: [crate::pipe::Flow; 2],
        info: crate::pipe::EndInfo,
    ) -> Option<Pipe> {
        let reg = self.inproc.lock();
        let binder = reg.bound.get(name)?;
        let (ours, theirs) = crate::pipe::pair(flows);
        ours.set_own_info(info);
        theirs.set_own_info(crate::pipe::EndInfo {
            routing_id: binder.routing_id.clone(),
            sndhwm: binder.sndhwm,
            rcvhwm: binder.rcvhwm,
        });
        binder.link.attach(theirs);
        Some(ours)
    }

    /// Runs a task on one of the I/O threads (round robin) and returns that
    /// thread's index; `EMTHREAD` when the context has none
    /// (`ZMQ_IO_THREADS` 0).
    pub fn io_execute(&self, task: crate::io::IoTask) -> Result<usize> {
        let mut st = self.state.lock();
        let n = st.io_threads.as_ref().map_or(0, Vec::len);
        if n == 0 {
            return Err(Error::MThread);
        }
        let i = st.next_io % n;
        st.next_io = st.next_io.wrapping_add(1);
        st.io_threads.as_ref().expect("checked above")[i].execute(task);
        Ok(i)
    }

    /// Runs a task on I/O thread `index` (one `io_execute` returned).
    pub fn io_execute_on(&self, index: usize, task: crate::io::IoTask) {
        let st = self.state.lock();
        if let Some(t) = st.io_threads.as_ref().and_then(|t| t.get(index)) {
            t.execute(task);
        }
    }

    /// Accounts for a new network session until the guard drops.
    pub fn session_guard(self: &Arc<Self>) -> SessionGuard {
        SessionGuard::new(self.clone())
    }

    /// Runs `f` with the I/O threads, if started.
    pub fn with_io_threads<R>(&self, f: impl FnOnce(&[IoThread]) -> R) -> Option<R> {
        let st = self.state.lock();
        st.io_threads.as_deref().map(f)
    }

    /// `zmq_ctx_shutdown`: new sockets fail and blocking calls return `ETERM`.
    pub fn shutdown(&self) {
        let links: Vec<_> = {
            let mut st = self.state.lock();
            if st.terminating {
                return;
            }
            st.terminating = true;
            st.sockets.values().cloned().collect()
        };
        for link in links {
            link.stop();
        }
    }

    /// `zmq_ctx_term`: shuts down, waits until every socket is closed and
    /// lingered, then stops the I/O threads.
    pub fn terminate(&self) {
        self.shutdown();
        let threads = {
            let mut st = self.state.lock();
            while !st.sockets.is_empty() || st.sessions > 0 {
                self.all_closed.wait(&mut st);
            }
            st.io_threads.take()
        };
        // Connects that never found their binder go now.
        drop(std::mem::take(&mut self.inproc.lock().pending));
        for mut t in threads.into_iter().flatten() {
            t.stop();
        }
    }
}

/// What sessions on the I/O threads need of their context.
impl ContextLink for Context {
    fn inproc_attach(
        &self,
        name: &str,
        flows: [crate::pipe::Flow; 2],
        info: crate::pipe::EndInfo,
    ) -> Option<Pipe> {
        self.attach_to_bound(name, flows, info)
    }

    fn session_started(&self) {
        self.state.lock().sessions += 1;
    }

    fn session_ended(&self) {
        let mut st = self.state.lock();
        st.sessions -= 1;
        if st.sessions == 0 && st.sockets.is_empty() {
            self.all_closed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_int(o: &mut CtxOptions, opt: i32, v: i32) -> Result<()> {
        o.set(opt, &v.to_ne_bytes())
    }

    fn get_int(o: &CtxOptions, opt: i32) -> Result<i32> {
        let mut b = [0u8; 4];
        o.get(opt, &mut b).map(|_| i32::from_ne_bytes(b))
    }

    #[test]
    fn defaults() {
        let o = CtxOptions::default();
        assert_eq!(get_int(&o, opt::IO_THREADS), Ok(1));
        assert_eq!(get_int(&o, opt::MAX_SOCKETS), Ok(1023));
        assert_eq!(get_int(&o, opt::SOCKET_LIMIT), Ok(65535));
        assert_eq!(get_int(&o, opt::MSG_T_SIZE), Ok(64));
        assert_eq!(get_int(&o, opt::BLOCKY), Ok(1));
        assert_eq!(get_int(&o, opt::MAX_MSGSZ), Ok(i32::MAX));
        assert_eq!(get_int(&o, opt::THREAD_SCHED_POLICY), Ok(-1));
    }

    #[test]
    fn invalid_values() {
        let mut o = CtxOptions::default();
        assert_eq!(set_int(&mut o, opt::IO_THREADS, -1), Err(Error::Inval));
        assert_eq!(set_int(&mut o, opt::MAX_SOCKETS, 0), Err(Error::Inval));
        assert_eq!(
            set_int(&mut o, opt::THREAD_AFFINITY_CPU_REMOVE, 3),
            Err(Error::Inval)
        );
        assert_eq!(set_int(&mut o, 9999, 1), Err(Error::Inval));
        assert_eq!(o.set(opt::IO_THREADS, &[1, 0]), Err(Error::Inval));
        assert_eq!(get_int(&o, opt::THREAD_PRIORITY + 100), Err(Error::Inval));
    }

    #[test]
    fn name_prefix_as_int_and_string() {
        let mut o = CtxOptions::default();
        set_int(&mut o, opt::THREAD_NAME_PREFIX, 42).unwrap();
        assert_eq!(get_int(&o, opt::THREAD_NAME_PREFIX), Ok(42));
        o.set(opt::THREAD_NAME_PREFIX, b"app").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(o.get(opt::THREAD_NAME_PREFIX, &mut buf), Ok(3));
        assert_eq!(&buf[..3], b"app");
        assert_eq!(o.thread_config("IO/0").name, "app/ZMQbg/IO/0");
        assert_eq!(
            o.set(opt::THREAD_NAME_PREFIX, &[b'x'; 17]),
            Err(Error::Inval)
        );
    }

    struct NoLink;
    impl SocketLink for NoLink {
        fn attach(&self, _pipe: Pipe) {}
        fn stop(&self) {}
    }

    #[test]
    fn sockets_start_threads_and_term_waits() {
        let ctx = Context::new();
        assert!(ctx.with_io_threads(|t| t.len()).is_none());
        let id = ctx.register_socket(Arc::new(NoLink)).unwrap();
        assert_eq!(ctx.with_io_threads(|t| t.len()), Some(1));
        let c2 = ctx.clone();
        let closer = std::thread::spawn(move || c2.unregister_socket(id));
        ctx.terminate();
        closer.join().unwrap();
        assert_eq!(
            ctx.register_socket(Arc::new(NoLink)).err(),
            Some(Error::Term)
        );
    }
}
