//! DEALER: load-balances outgoing messages and fair-queues incoming ones,
//! with no envelope handling. Also the engine under REQ.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::{FairQueue, LoadBalancer};
use crate::pipe::PipeKey;

/// `ZMQ_PROBE_ROUTER`.
pub const PROBE_ROUTER: i32 = 51;

#[derive(Default)]
pub struct Dealer {
    pub fq: FairQueue,
    pub lb: LoadBalancer,
    pub probe_router: bool,
}

/// An `int` option value, or `EINVAL`.
pub fn int_option(value: &[u8]) -> Result<i32> {
    <[u8; 4]>::try_from(value)
        .map(i32::from_ne_bytes)
        .map_err(|_| Error::Inval)
}

/// A boolean option (`int` 0 or non-zero; negative is `EINVAL`).
pub fn bool_option(value: &[u8]) -> Result<bool> {
    match int_option(value)? {
        v if v < 0 => Err(Error::Inval),
        v => Ok(v != 0),
    }
}

/// Sends the empty probe message `ZMQ_PROBE_ROUTER` asks for on a new pipe.
pub fn probe(key: PipeKey, cx: &mut Cx) {
    let p = cx.pipes.at(key);
    if p.check_write() {
        p.write(Msg::new());
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.probe_router {
            probe(key, cx);
        }
        self.fq.attach(key);
        self.lb.attach(key);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        self.lb.send(msg, cx.pipes).map(|_| ())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        self.fq.recv(cx.pipes).map(|(m, _)| m)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.fq.has_in(cx.pipes)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.lb.has_out(cx.pipes)
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.lb.activated(key);
    }

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.terminated(key);
        self.lb.terminated(key);
    }

    fn set_option(&mut self, option: i32, value: &[u8], _cx: &mut Cx) -> Result<()> {
        match option {
            PROBE_ROUTER => self.probe_router = bool_option(value)?,
            _ => return Err(Error::Inval),
        }
        Ok(())
    }
}
