//! STREAM: raw TCP connections addressed by routing id. It needs the tcp
//! transport (issue #4); until then a STREAM socket can be created and
//! configured, and sending or receiving fails with `ENOTSUP`.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Stream;

impl Pattern for Stream {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        // Only tcp peers make sense for STREAM.
        cx.pipes.mark_finished(key);
    }

    fn send(&mut self, _msg: &mut Msg, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, _cx: &mut Cx) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        // Like ROUTER, STREAM can always take a message (it drops what has
        // no peer).
        true
    }

    fn read_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, _key: PipeKey, _cx: &mut Cx) {}
}
