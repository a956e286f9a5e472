//! STREAM: raw tcp connections addressed by routing id. Received data
//! comes as [id][bytes]; a connection's start and end are [id][""] (with
//! `ZMQ_STREAM_NOTIFY`, the default). Sending [id][bytes] writes the bytes
//! as they are; [id][""] closes that connection.

use std::collections::HashMap;

use bytes::Bytes;

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pattern::FairQueue;
use crate::pipe::PipeKey;

pub struct Stream {
    fq: FairQueue,
    out: HashMap<Bytes, PipeKey>,
    /// Where the data frame being sent goes.
    current_out: Option<PipeKey>,
    more_out: bool,
    /// A received data frame held back while its routing id is returned.
    prefetched: Option<Msg>,
    next_id: u32,
    /// The last routing id this socket made up: as in libzmq, it is what
    /// `ZMQ_ROUTING_ID` reads back on a STREAM socket.
    last_made_id: Option<Bytes>,
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            fq: FairQueue::default(),
            out: HashMap::new(),
            current_out: None,
            more_out: false,
            prefetched: None,
            next_id: (std::process::id()).wrapping_mul(2_654_435_761) | 1,
            last_made_id: None,
        }
    }
}

impl Pattern for Stream {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        let p = cx.pipes.at(key);
        let id = match p.routing_id.clone() {
            Some(alias) => alias,
            None => {
                let mut id = vec![0u8];
                id.extend_from_slice(&self.next_id.to_be_bytes());
                self.next_id = self.next_id.wrapping_add(1);
                let id = Bytes::from(id);
                self.last_made_id = Some(id.clone());
                id
            }
        };
        p.routing_id = Some(id.clone());
        self.out.insert(id, key);
        self.fq.attach(key);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if !self.more_out {
            // The routing id of the connection. An id frame without MORE
            // is malformed; as libzmq does, it is taken and ignored, and
            // the frame after it goes nowhere.
            self.current_out = if msg.more() {
                Some(*self.out.get(msg.data()).ok_or(Error::HostUnreach)?)
            } else {
                None
            };
            self.more_out = true;
            drop(msg.take());
            return Ok(());
        }
        // The data: written as it is; empty closes the connection.
        self.more_out = false;
        let mut data = msg.take();
        data.reset_flags(flags::MORE);
        if let Some(key) = self.current_out.take() {
            let p = cx.pipes.at(key);
            if data.size() == 0 {
                p.close();
                cx.pipes.mark_finished(key);
            } else if p.check_write() {
                p.write(data);
            }
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        if let Some(m) = self.prefetched.take() {
            return Ok(m);
        }
        let (mut data, key) = self.fq.recv(cx.pipes)?;
        data.reset_flags(flags::MORE);
        let id = cx.pipes.at(key).routing_id.clone().unwrap_or_default();
        let mut idmsg = Msg::from_bytes(id);
        idmsg.set_flags(flags::MORE | flags::ROUTING_ID);
        if let Some(md) = data.metadata_arc() {
            idmsg.set_metadata(md);
        }
        self.prefetched = Some(data);
        Ok(idmsg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.prefetched.is_some() || self.fq.has_in(cx.pipes)
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        // Like ROUTER, STREAM can always take a message.
        true
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn get_option(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        match (&self.last_made_id, option) {
            (Some(id), crate::socket::options::opt::ROUTING_ID) => {
                crate::socket::options::put_value(out, id)
            }
            _ => Err(Error::Inval),
        }
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        if let Some(id) = cx.pipes.get(key).and_then(|p| p.routing_id.clone()) {
            if self.out.get(&id) == Some(&key) {
                self.out.remove(&id);
            }
        }
        self.fq.terminated(key);
        if self.current_out == Some(key) {
            self.current_out = None;
        }
    }
}
