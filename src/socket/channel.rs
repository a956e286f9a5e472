//! CHANNEL (DRAFT, RFC 51): a thread-safe PAIR for single-part messages;
//! one peer, multipart refused on send (`EINVAL`) and dropped on receipt.

use super::pair::Pair;
use super::single::recv_single;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Channel {
    pair: Pair,
}

impl Pattern for Channel {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pair.attach(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        self.pair.send(msg, cx)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        recv_single(|| self.pair.recv(cx).map(|m| (m, ()))).map(|(m, ())| m)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.pair.has_in(cx)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.pair.has_out(cx)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pair.read_activated(key, cx);
    }

    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pair.write_activated(key, cx);
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.pair.terminated(key, cx);
    }
}
