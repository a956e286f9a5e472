//! Endpoints as the application names them: `zmq_bind`, `zmq_connect`,
//! `zmq_unbind`, `zmq_disconnect` (and DRAFT `zmq_connect_peer`), the
//! parsing and checks of endpoint strings, and inproc, where both ends are
//! sockets of this process and their HWMs add up.
//!
//! tcp, ipc and udp are handed on to `net_endpoint`; nothing here opens an
//! OS socket or runs on an I/O thread.

use bytes::Bytes;

use crate::ctx::{InprocPeer, PendingConnect};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{self, EndInfo, Flow, Pipe, PipeKey};

use super::state::State;
use super::{config, kind, Socket};

/// The parts of an endpoint string: the transport and the address after
/// `://`. `EINVAL` without `://`, with nothing before it, or with nothing
/// after it for a transport we have; `ENOTSUP` for a transport this library lacks, `EPROTONOSUPPORT` for an
/// unknown one.
pub(crate) fn parse_endpoint(addr: &str) -> Result<(&str, &str)> {
    let (proto, rest) = addr.split_once("://").ok_or(Error::Inval)?;
    if proto.is_empty() {
        return Err(Error::Inval);
    }
    match proto {
        "inproc" | "tcp" | "ipc" | "udp" | "ws" | "wss" | "pgm" | "epgm" if rest.is_empty() => {
            Err(Error::Inval)
        }
        "inproc" | "tcp" | "ipc" | "udp" | "ws" | "wss" | "pgm" | "epgm" => Ok((proto, rest)),
        // Known transports this library does not implement.
        "norm" | "tipc" | "vmci" => Err(Error::NotSup),
        _ => Err(Error::ProtoNoSupport),
    }
}

impl Socket {
    /// `zmq_bind`.
    pub fn bind(&self, addr: &str) -> Result<()> {
        let mut st = self.lock_ready()?;
        check_udp(self.kind, addr, true)?;
        let (proto, rest) = parse_endpoint(addr)?;
        if proto == "udp" {
            return self.open_udp(&mut st, addr, rest, true).map(|_| ());
        }
        if proto == "pgm" || proto == "epgm" {
            // As libzmq: a bind is a connect for the multicast transports.
            check_pgm(self.kind)?;
            self.open_pgm(&mut st, addr, proto, rest)?;
            return Ok(());
        }
        if proto != "inproc" {
            return self.bind_net(&mut st, addr, proto, rest);
        }
        let me = st.inproc_peer(self.id);
        let pending = self.ctx.inproc_bind(addr, me.clone())?;
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
            peer_msgs(&mut pipe, &me);
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
        if proto == "pgm" || proto == "epgm" {
            check_pgm(self.kind)?;
            return self.open_pgm(st, addr, proto, rest);
        }
        if proto != "inproc" {
            return self.connect_net(st, addr, proto, rest);
        }
        let me = st.inproc_peer(self.id);
        let conflate = st.options.conflate && config::conflates(self.kind);
        let mut local: Option<Pipe> = None;
        self.ctx.inproc_connect(addr, |binder| {
            // With the binder known, each queue holds our HWM plus its
            // peer's; otherwise ours alone until the bind joins them.
            let limit = |own: i32, peer: Option<i32>| match peer {
                Some(p) => sum_hwm(own, p),
                None => hwm(own),
            };
            let flows = [
                Flow {
                    hwm: limit(me.sndhwm, binder.map(|b| b.rcvhwm)),
                    conflate,
                },
                Flow {
                    hwm: limit(me.rcvhwm, binder.map(|b| b.sndhwm)),
                    conflate,
                },
            ];
            let (mut ours, mut theirs) = pipe::pair(flows);
            if let Some(hello) = &me.hello {
                ours.write(Msg::from_bytes(hello.clone()));
            }
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
                    peer_msgs(&mut theirs, b);
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
            if let Some(p) = st.pipes.get_mut(key) {
                p.send_disconnect_msg();
            }
            st.remove_pipe(key);
        }
        Ok(())
    }
}

/// DRAFT: the binder's side of a new inproc connection, `pipe` being its
/// end: its `ZMQ_HELLO_MSG` goes to the connector first (the connector's
/// went into the other direction at connect), and its
/// `ZMQ_DISCONNECT_MSG` is what the connector gives it on leaving. As in
/// libzmq, a connector's own `ZMQ_DISCONNECT_MSG` plays no part.
fn peer_msgs(pipe: &mut Pipe, binder: &InprocPeer) {
    if let Some(hello) = &binder.hello {
        pipe.write(Msg::from_bytes(hello.clone()));
    }
    if let Some(msg) = &binder.disconnect_msg {
        pipe.set_disconnect_msg(msg.clone());
    }
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

/// pgm:// and epgm:// carry PUB/XPUB to SUB/XSUB only: any other socket
/// type is `ENOCOMPATPROTO`, as in libzmq.
fn check_pgm(kind: i32) -> Result<()> {
    match kind {
        kind::PUB | kind::XPUB | kind::SUB | kind::XSUB => Ok(()),
        _ => Err(Error::NoCompatProto),
    }
}

/// A HWM option as a queue limit (0 or negative: none).
pub(super) fn hwm(v: i32) -> usize {
    v.max(0) as usize
}

/// The limit of an inproc queue: the writer's SNDHWM plus the reader's
/// RCVHWM; unlimited if either is unlimited.
pub(super) fn sum_hwm(a: i32, b: i32) -> usize {
    if a <= 0 || b <= 0 {
        0
    } else {
        (a as usize) + (b as usize)
    }
}
