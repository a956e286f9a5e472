//! Network endpoints (tcp, ipc, udp, pgm, epgm): the listener, connecting session or
//! datagram handler made for each, run on an I/O thread, and how they are
//! found and stopped again by `zmq_unbind`, `zmq_disconnect` and close.
//!
//! The OS socket of a bind (and of any udp endpoint) is made here, so that
//! errors and the real address are known at once; nothing here moves
//! messages itself.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::engine::config::WsListen;
use crate::engine::connecter::Target;
use crate::engine::listener::{Listener, Source};
use crate::engine::pgm_engine::{PgmConfig, PgmEngine};
use crate::engine::session::{self, Session, SessionContext};
use crate::engine::ws_engine::WsTarget;
use crate::error::{Error, Result};
use crate::pipe::{self, PipeKey};
use crate::transport::address::{self, IpcAddress, TcpAddress, WsAddress};
use crate::transport::pgm::{self as pgm_os, PgmAddress};
use crate::transport::udp::{self as udp_os, UdpAddress};
use crate::transport::{ipc, tcp, tls};

use super::state::State;
use super::{config, kind, monitor, options, Socket};
use crate::engine::udp_engine::{self as udp, UdpEngine};

/// A tcp/ipc endpoint: its I/O-thread handler, found by the endpoint
/// string as given or as resolved (`ZMQ_LAST_ENDPOINT`).
pub(super) struct NetEndpoint {
    given: String,
    pub(super) resolved: String,
    pub(super) bind: bool,
    /// A listener's fd, and the flag that makes it leave CLOSED to us.
    pub(super) listener: Option<(i32, Arc<std::sync::atomic::AtomicBool>)>,
    io: usize,
    token: Arc<Mutex<Option<mio::Token>>>,
    /// Set by a connecting session that gave up for good (e.g.
    /// `ZMQ_RECONNECT_STOP`): the endpoint is gone, as if disconnected.
    ended: Arc<std::sync::atomic::AtomicBool>,
}

impl Socket {
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

    pub(super) fn event(st: &State, ev: u64, value: u64, endpoint: &str) {
        if let Some(m) = st.monitor.lock().as_ref() {
            m.event(ev, &[value], endpoint, "");
        }
    }

    /// Binds a tcp or ipc endpoint: the listener is made here (so errors
    /// and the real address are known at once) and runs on an I/O thread.
    pub(super) fn bind_net(
        &self,
        st: &mut State,
        addr: &str,
        proto: &str,
        rest: &str,
    ) -> Result<()> {
        let use_fd = st.options.use_fd;
        let mut ws = None;
        let bound = match proto {
            "ws" | "wss" => WsAddress::parse(rest).and_then(|a| {
                let res = TcpAddress::for_bind(&a.host_port).resolve(st.options.ipv6)?;
                let (l, local) = tcp::listen(&res.address, &config::tcp_tuning(&st.options))?;
                let tls = match proto {
                    "wss" => Some(tls::server_config(
                        &st.options.wss_cert_pem,
                        &st.options.wss_key_pem,
                    )?),
                    _ => None,
                };
                ws = Some(WsListen { tls });
                Ok((Source::Tcp(l), address::ws_endpoint(proto, &local, &a.path)))
            }),
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
        if ws.is_some() {
            // A STREAM socket over ws is not raw: it has the upgrade and
            // a READY that every peer refuses (libzmq master).
            Arc::make_mut(&mut cx.config).raw = false;
        }
        Arc::make_mut(&mut cx.config).ws = ws;
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
        // As libzmq, within zmq_bind: a monitor started after it never
        // sees this event, and it comes before any ACCEPTED.
        cx.event(monitor::event::LISTENING, fd as u64);
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
    pub(super) fn connect_net(
        &self,
        st: &mut State,
        addr: &str,
        proto: &str,
        rest: &str,
    ) -> Result<Option<PipeKey>> {
        let target = match proto {
            "tcp" => Target::Tcp(TcpAddress::for_connect(rest)?),
            "ws" | "wss" => {
                let a = WsAddress::parse(rest)?;
                let addr = TcpAddress::for_connect(&a.host_port)?;
                // libzmq resolves a ws address in zmq_connect: a name that
                // does not resolve is EINVAL there, not a connection that
                // keeps failing.
                addr.resolve(st.options.ipv6)?;
                Target::Ws {
                    addr,
                    target: WsTarget {
                        host: a.host,
                        path: a.path,
                    },
                    tls: match proto {
                        "wss" => Some(tls::client(
                            &st.options.wss_trust_pem,
                            st.options.wss_trust_system,
                            &st.options.wss_hostname,
                        )?),
                        _ => None,
                    },
                }
            }
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
        let mut cx = self.session_context(st, addr);
        if let Target::Ws { .. } = target {
            Arc::make_mut(&mut cx.config).raw = false; // as for a ws bind
        }
        // The alias applies to this connect only.
        st.options.connect_routing_id.clear();
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ended.clone();
        self.start_session(st, addr, false, ended, move |guard| {
            Session::connecting(cx, target, pipe, guard).ending_with(flag)
        })?;
        Ok(key)
    }

    /// Starts the session `make` builds on an I/O thread and records the
    /// endpoint `addr` (a connect's, or a connectionless one's, which
    /// `bind` says how it was made) that `zmq_disconnect`, `zmq_unbind`
    /// and `ZMQ_LAST_ENDPOINT` know it by.
    fn start_session(
        &self,
        st: &mut State,
        addr: &str,
        bind: bool,
        ended: Arc<std::sync::atomic::AtomicBool>,
        make: impl FnOnce(crate::engine::link::SessionGuard) -> Session + Send + 'static,
    ) -> Result<()> {
        let guard = self.ctx.session_guard();
        let token = Arc::new(Mutex::new(None));
        let cell = token.clone();
        let io = self.ctx.io_execute(Box::new(move |r| {
            *cell.lock() = Some(r.add(Box::new(make(guard))));
        }))?;
        st.endpoints.push(NetEndpoint {
            given: addr.to_owned(),
            resolved: addr.to_owned(),
            bind,
            listener: None,
            io,
            token,
            ended,
        });
        st.last_endpoint = addr.to_owned();
        st.cleanup();
        Ok(())
    }

    /// A udp endpoint (RADIO connects, DISH and DGRAM bind): the OS socket
    /// is made here, so errors show at once; a connectionless session runs
    /// its `UdpEngine` on an I/O thread, with the pipe attached now.
    pub(super) fn open_udp(
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
        let engine: Box<dyn crate::engine::Engine> = Box::new(UdpEngine::new(os, role, ua.target));
        let (mut socket_end, session_end) = pipe::pair(config::session_flows(&st.options));
        socket_end.endpoint = Some(addr.to_owned());
        socket_end.set_own_info(st.end_info());
        let key = st.attach(socket_end);
        let cx = self.session_context(st, addr);
        self.start_session(st, addr, bind, Arc::default(), move |guard| {
            Session::connectionless(cx, engine, session_end, guard)
        })?;
        Ok(Some(key))
    }

    /// A pgm or epgm endpoint (a PUB's or XPUB's sender, a SUB's or XSUB's
    /// receiver; `zmq_bind` and `zmq_connect` alike): the OS sockets are
    /// made here, so a bad interface or a missing privilege shows at once
    /// (libzmq aborts on the latter); a connectionless session runs the
    /// engine on an I/O thread with the pipe attached now.
    pub(super) fn open_pgm(
        &self,
        st: &mut State,
        addr: &str,
        proto: &str,
        rest: &str,
    ) -> Result<Option<PipeKey>> {
        let pa = PgmAddress::parse(rest)?;
        let sender = matches!(self.kind, kind::PUB | kind::XPUB);
        let o = &st.options;
        let tuning = pgm_os::PgmTuning {
            multicast_hops: o.multicast_hops,
            multicast_loop: o.multicast_loop,
            sndbuf: o.sndbuf,
            rcvbuf: o.rcvbuf,
            bind_to_device: (!o.bound_device.is_empty())
                .then(|| String::from_utf8_lossy(&o.bound_device).into_owned()),
            source: sender,
        };
        let encap = match proto {
            "epgm" => pgm_os::Encap::Udp,
            _ => pgm_os::Encap::Raw,
        };
        let os = pgm_os::open(&pa, encap, &tuning)?;
        let cfg = PgmConfig {
            rate_kbps: o.rate,
            recovery_ivl_ms: o.recovery_ivl,
            max_tpdu: o.multicast_maxtpdu.max(1) as usize,
            max_msg_size: o.maxmsgsize,
            udp: encap == pgm_os::Encap::Udp,
        };
        let engine: Box<dyn crate::engine::Engine> = if sender {
            Box::new(PgmEngine::sender(os, cfg, pa.group, pa.port))
        } else {
            Box::new(PgmEngine::receiver(os, cfg, pa.group, pa.port))
        };
        let (mut socket_end, session_end) = pipe::pair(config::session_flows(&st.options));
        socket_end.endpoint = Some(addr.to_owned());
        socket_end.subscribe_all = true;
        socket_end.set_own_info(st.end_info());
        let key = st.attach(socket_end);
        let cx = self.session_context(st, addr);
        self.start_session(st, addr, false, Arc::default(), move |guard| {
            Session::connectionless(cx, engine, session_end, guard)
        })?;
        Ok(Some(key))
    }

    /// Stops the listeners (`bind`) or connecting sessions named `addr`.
    pub(super) fn stop_endpoints(&self, st: &mut State, addr: &str, bind: bool) -> Result<()> {
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
    pub(super) fn stop_endpoint(
        &self,
        ep: &NetEndpoint,
        linger: bool,
    ) -> std::sync::mpsc::Receiver<()> {
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
