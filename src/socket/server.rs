//! SERVER (DRAFT, RFC 41) and PEER (DRAFT, libzmq's `ZMQ_PEER`): every
//! peer gets a non-zero 32-bit routing id when its pipe attaches. A
//! received message carries its sender's id (`zmq_msg_routing_id`); a sent
//! one goes to the peer its id names (`zmq_msg_set_routing_id`), or fails
//! with `EHOSTUNREACH`. Single-part only; thread-safe. PEER is the same
//! routing with `zmq_connect_peer`, which the socket layer answers with
//! `routing_id_of` the pipe it just attached.

use std::collections::HashMap;

use super::single::recv_single;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::FairQueue;
use crate::pipe::PipeKey;

pub struct Server {
    fq: FairQueue,
    out: HashMap<u32, PipeKey>,
    ids: HashMap<PipeKey, u32>,
    next_id: u32,
}

impl Server {
    pub fn new() -> Server {
        Server {
            fq: FairQueue::default(),
            out: HashMap::new(),
            ids: HashMap::new(),
            // Ids start at a value that differs between sockets and runs,
            // as libzmq's random start does.
            next_id: first_id(),
        }
    }

    fn generate_id(&mut self) -> u32 {
        loop {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            // Zero means "no id"; a wrapped counter may meet a live id.
            if id != 0 && !self.out.contains_key(&id) {
                return id;
            }
        }
    }
}

/// A hard-to-guess first routing id, from the clock and the process id.
fn first_id() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32));
    (nanos ^ std::process::id().wrapping_mul(2_654_435_761)).wrapping_mul(0x9e37_79b9)
}

impl Pattern for Server {
    fn attach(&mut self, key: PipeKey, _cx: &mut Cx) {
        let id = self.generate_id();
        self.out.insert(id, key);
        self.ids.insert(key, id);
        self.fq.attach(key);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        let &key = self.out.get(&msg.routing_id()).ok_or(Error::HostUnreach)?;
        let p = cx.pipes.at(key);
        if !p.check_write() {
            return Err(Error::Again);
        }
        let mut m = msg.take();
        // The id named the peer here; it means nothing to the receiver
        // (an inproc peer would see it).
        m.reset_routing_id();
        p.write(m);
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        let (mut msg, key) = recv_single(|| self.fq.recv(cx.pipes))?;
        let id = self.ids.get(&key).copied().unwrap_or(0);
        msg.set_routing_id(id)?;
        Ok(msg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.fq.has_in(cx.pipes)
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        // Whether a send succeeds depends on the peer it names.
        true
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        if let Some(id) = self.ids.remove(&key) {
            self.out.remove(&id);
        }
        self.fq.terminated(key);
    }

    fn disconnect_peer(&mut self, id: u32, cx: &mut Cx) -> Result<()> {
        let &key = self.out.get(&id).ok_or(Error::HostUnreach)?;
        // Removed (and `terminated` called) right after this call.
        cx.pipes.mark_finished(key);
        Ok(())
    }

    fn routing_id_of(&self, key: PipeKey) -> Option<u32> {
        self.ids.get(&key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_skip_zero_and_live_ids() {
        let mut s = Server::new();
        s.next_id = u32::MAX;
        assert_eq!(s.generate_id(), u32::MAX);
        s.out.insert(1, PipeKey(7));
        assert_eq!(s.generate_id(), 2, "0 and the live 1 are skipped");
    }
}
