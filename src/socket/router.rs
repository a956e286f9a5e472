//! ROUTER: every peer has a routing id; received messages are prefixed with
//! the sender's id, and the first frame of a sent message names the peer
//! to send it to. Also the engine under REP.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use super::dealer::{bool_option, probe, PROBE_ROUTER};
use super::{Cx, Options, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pattern::FairQueue;
use crate::pipe::PipeKey;

pub const ROUTER_MANDATORY: i32 = 33;
pub const ROUTER_HANDOVER: i32 = 56;
pub const ROUTER_RAW: i32 = 41;

pub struct Router {
    fq: FairQueue,
    /// Pipes whose peer has not told us its routing id yet.
    anonymous: HashSet<PipeKey>,
    out: HashMap<Bytes, PipeKey>,
    /// The pipe the message being sent goes to (`None`: dropped).
    current_out: Option<PipeKey>,
    more_out: bool,
    /// A received first frame held back while its routing id is returned.
    prefetched: Option<Msg>,
    more_in: bool,
    next_id: u32,
    mandatory: bool,
    handover: bool,
    probe_router: bool,
    /// `ZMQ_ROUTER_RAW` (deprecated; raw tcp peers, as STREAM).
    raw: bool,
}

impl Router {
    pub fn new(_options: &Options) -> Router {
        Router {
            fq: FairQueue::default(),
            anonymous: HashSet::new(),
            out: HashMap::new(),
            current_out: None,
            more_out: false,
            prefetched: None,
            more_in: false,
            // Generated ids start at a pseudo-random value, as libzmq's do.
            next_id: (std::process::id() as u32).wrapping_mul(2_654_435_761) | 1,
            mandatory: false,
            handover: false,
            probe_router: false,
            raw: false,
        }
    }

    /// Gives a pipe its routing id: the alias set with
    /// `ZMQ_CONNECT_ROUTING_ID`, the peer's own `ZMQ_ROUTING_ID`, or a
    /// generated 5-byte id. Returns false if the peer's id is not known yet
    /// or is taken (without handover).
    fn identify(&mut self, key: PipeKey, cx: &mut Cx) -> bool {
        let p = cx.pipes.at(key);
        let id = match p.routing_id.clone() {
            Some(id) => id,
            None => match p.peer_info() {
                None => return false,
                Some(info) if !info.routing_id.is_empty() => info.routing_id,
                Some(_) => self.generate_id(),
            },
        };
        if let Some(&old) = self.out.get(&id) {
            if !self.handover {
                return false;
            }
            // The newcomer takes the id over; the old connection goes.
            self.out.remove(&id);
            cx.pipes.mark_finished(old);
        }
        cx.pipes.at(key).routing_id = Some(id.clone());
        self.out.insert(id, key);
        true
    }

    fn generate_id(&mut self) -> Bytes {
        let mut id = vec![0u8];
        id.extend_from_slice(&self.next_id.to_be_bytes());
        self.next_id = self.next_id.wrapping_add(1);
        Bytes::from(id)
    }

    fn attach_identified(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.identify(key, cx) {
            self.anonymous.remove(&key);
            self.fq.attach(key);
        } else {
            self.anonymous.insert(key);
        }
    }
}

impl Pattern for Router {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.probe_router {
            probe(key, cx);
        }
        self.attach_identified(key, cx);
    }

    fn peer_attached(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.anonymous.contains(&key) {
            self.attach_identified(key, cx);
        }
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if !self.more_out {
            // The first frame is the routing id of the destination.
            if msg.more() {
                self.current_out = None;
                match self.out.get(msg.data()).copied() {
                    Some(key) => {
                        if cx.pipes.at(key).check_write() {
                            self.current_out = Some(key);
                        } else if self.mandatory {
                            return Err(Error::Again);
                        }
                    }
                    None if self.mandatory => return Err(Error::HostUnreach),
                    None => {}
                }
                self.more_out = true;
            }
            drop(msg.take());
            return Ok(());
        }
        self.more_out = msg.more();
        let m = msg.take();
        if let Some(key) = self.current_out {
            cx.pipes.at(key).write(m);
            if !self.more_out {
                self.current_out = None;
            }
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        if let Some(m) = self.prefetched.take() {
            self.more_in = m.more();
            return Ok(m);
        }
        let (msg, key) = self.fq.recv(cx.pipes)?;
        if self.more_in {
            self.more_in = msg.more();
            return Ok(msg);
        }
        // A new message: hand out the sender's routing id first.
        let id = cx.pipes.at(key).routing_id.clone().unwrap_or_default();
        let mut idmsg = if id.len() <= crate::msg::INLINE_MAX {
            Msg::from_slice(&id)
        } else {
            Msg::from_bytes(id)
        };
        idmsg.set_flags(flags::MORE | flags::ROUTING_ID);
        if let Some(md) = msg.metadata_arc() {
            idmsg.set_metadata(md);
        }
        self.prefetched = Some(msg);
        self.more_in = true;
        Ok(idmsg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.prefetched.is_some() || self.fq.has_in(cx.pipes)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        if !self.mandatory {
            return true;
        }
        self.out.values().any(|&k| cx.pipes.at(k).check_write())
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.anonymous.contains(&key) {
            self.attach_identified(key, cx);
            if self.anonymous.contains(&key) {
                // Refused (id taken): drain and ignore what it sends.
                let p = cx.pipes.at(key);
                while p.read().is_some() {}
                if p.is_finished() {
                    cx.pipes.mark_finished(key);
                }
            }
        } else {
            self.fq.activated(key);
        }
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        if !self.anonymous.remove(&key) {
            if let Some(id) = cx.pipes.get(key).and_then(|p| p.routing_id.clone()) {
                if self.out.get(&id) == Some(&key) {
                    self.out.remove(&id);
                }
            }
            self.fq.terminated(key);
        }
        if self.current_out == Some(key) {
            self.current_out = None;
        }
    }

    fn peer_state(&mut self, id: &[u8], cx: &mut Cx) -> Result<i32> {
        let &key = self.out.get(id).ok_or(Error::HostUnreach)?;
        Ok(if cx.pipes.at(key).check_write() {
            super::POLLOUT
        } else {
            0
        })
    }

    fn set_option(&mut self, option: i32, value: &[u8], _cx: &mut Cx) -> Result<()> {
        match option {
            ROUTER_MANDATORY => self.mandatory = bool_option(value)?,
            ROUTER_HANDOVER => self.handover = bool_option(value)?,
            PROBE_ROUTER => self.probe_router = bool_option(value)?,
            // Raw mode concerns tcp peers (issue #4); stored until then.
            ROUTER_RAW => self.raw = bool_option(value)?,
            _ => return Err(Error::Inval),
        }
        Ok(())
    }
}
