//! SCATTER (DRAFT, RFC 49): a thread-safe PUSH for single-part messages;
//! load-balances over its GATHER peers, refuses multipart (`EINVAL`),
//! never receives.

use super::push::Push;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Scatter {
    push: Push,
}

impl Pattern for Scatter {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.push.attach(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        self.push.send(msg, cx)
    }

    fn recv(&mut self, _cx: &mut Cx) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.push.has_out(cx)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.push.read_activated(key, cx);
    }

    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.push.write_activated(key, cx);
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.push.terminated(key, cx);
    }
}
