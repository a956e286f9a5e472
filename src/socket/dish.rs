//! DISH (DRAFT, RFC 48): receives the messages of the groups it joined
//! (`zmq_join`/`zmq_leave`) from its RADIO peers, fair-queued. Never
//! sends; thread-safe. Joins are told to every peer (and again to one
//! that reconnects); a message arrives as the group frame and the body
//! frame (see `radio`), and is handed out as one message with its group.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::radio::membership;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::{Msg, GROUP_MAX_LENGTH};
use crate::pattern::FairQueue;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Dish {
    fq: FairQueue,
    pipes: Vec<PipeKey>,
    /// Joined groups, in order, so a peer learns them in a stable order.
    groups: BTreeSet<Bytes>,
    /// A matching message found by `has_in`, for the next `recv`.
    prefetched: Option<Msg>,
}

impl Dish {
    /// Tells one peer every group joined.
    fn send_joins(&self, key: PipeKey, cx: &mut Cx) {
        let p = cx.pipes.at(key);
        for g in &self.groups {
            if p.check_write() {
                p.write(membership(true, g));
            }
        }
    }

    /// Tells every peer a JOIN or LEAVE; a peer at its HWM misses it, as
    /// in libzmq.
    fn tell_all(&self, join: bool, group: &[u8], cx: &mut Cx) {
        for &key in &self.pipes {
            let p = cx.pipes.at(key);
            if p.check_write() {
                p.write(membership(join, group));
            }
        }
    }

    /// The next message of a joined group, its group set.
    fn recv_matching(&mut self, cx: &mut Cx) -> Result<Msg> {
        loop {
            let (group, _) = self.fq.recv(cx.pipes)?;
            if !group.more() {
                continue; // a lone frame: not RADIO's form, dropped
            }
            let (mut body, _) = self.fq.recv(cx.pipes)?;
            if body.more() {
                // More than two frames: malformed, dropped whole.
                while self.fq.recv(cx.pipes)?.0.more() {}
                continue;
            }
            if !self.groups.contains(group.data()) {
                continue;
            }
            if body.set_group(group.data()).is_ok() {
                return Ok(body);
            }
        }
    }
}

impl Pattern for Dish {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.fq.attach(key);
        self.pipes.push(key);
        self.send_joins(key, cx);
    }

    fn hiccuped(&mut self, key: PipeKey, cx: &mut Cx) {
        // A new connection behind the pipe: its RADIO knows nothing yet.
        self.send_joins(key, cx);
    }

    fn send(&mut self, _msg: &mut Msg, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        match self.prefetched.take() {
            Some(m) => Ok(m),
            None => self.recv_matching(cx),
        }
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        if self.prefetched.is_none() {
            self.prefetched = self.recv_matching(cx).ok();
        }
        self.prefetched.is_some()
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        // Joins and leaves can be made at any time.
        true
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.terminated(key);
        self.pipes.retain(|&k| k != key);
    }

    fn join(&mut self, group: &[u8], cx: &mut Cx) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH {
            return Err(Error::Inval);
        }
        let g = Bytes::copy_from_slice(group);
        if self.groups.contains(&g) {
            return Err(Error::Inval);
        }
        self.groups.insert(g);
        self.tell_all(true, group, cx);
        Ok(())
    }

    fn leave(&mut self, group: &[u8], cx: &mut Cx) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH || !self.groups.remove(group) {
            return Err(Error::Inval);
        }
        self.tell_all(false, group, cx);
        Ok(())
    }
}
