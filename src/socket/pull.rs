//! PULL (RFC 30): fair-queues messages from its peers; never sends.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::FairQueue;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.attach(key);
    }

    fn send(&mut self, _msg: &mut Msg, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        self.fq.recv(cx.pipes).map(|(m, _)| m)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.fq.has_in(cx.pipes)
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.terminated(key);
    }
}
