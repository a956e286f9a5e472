//! GATHER (DRAFT, RFC 49): a thread-safe PULL for single-part messages;
//! fair-queues from its SCATTER peers, drops multipart messages, never
//! sends.

use super::pull::Pull;
use super::single::recv_single;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Gather {
    pull: Pull,
}

impl Pattern for Gather {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pull.attach(key, cx);
    }

    fn send(&mut self, _msg: &mut Msg, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        recv_single(|| self.pull.recv(cx).map(|m| (m, ()))).map(|(m, ())| m)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.pull.has_in(cx)
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pull.read_activated(key, cx);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pull.terminated(key, cx);
    }
}
