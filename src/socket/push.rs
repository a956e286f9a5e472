//! PUSH (RFC 30): load-balances messages over its peers; never receives.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::LoadBalancer;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.lb.attach(key);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        self.lb.send(msg, cx.pipes).map(|_| ())
    }

    fn recv(&mut self, _cx: &mut Cx) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.lb.has_out(cx.pipes)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        // PUSH reads nothing; a peer that closed is noticed here.
        let p = cx.pipes.at(key);
        while p.read().is_some() {}
        if p.is_finished() {
            cx.pipes.mark_finished(key);
        }
    }

    fn write_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.lb.activated(key);
    }

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.lb.terminated(key);
    }
}
