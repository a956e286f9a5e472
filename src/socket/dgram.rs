//! DGRAM (DRAFT): raw datagrams over udp://. Bound to one udp endpoint
//! (its only peer); every message is two frames, the address of the
//! remote end as `a.b.c.d:port` and the body (see `udp`). Sending a
//! message of another shape is `EINVAL`. Not thread-safe.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Dgram {
    pipe: Option<PipeKey>,
    /// The address frame went out; the body is next.
    more_out: bool,
}

impl Pattern for Dgram {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.pipe.is_some() {
            cx.pipes.mark_finished(key);
        } else {
            self.pipe = Some(key);
        }
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        // The address frame has MORE, the body has not: nothing else.
        if msg.more() == self.more_out {
            return Err(Error::Inval);
        }
        let Some(key) = self.pipe else {
            // Not bound: nowhere to send, dropped (as libzmq does).
            drop(msg.take());
            self.more_out = !self.more_out;
            return Ok(());
        };
        let p = cx.pipes.at(key);
        if !self.more_out && !p.check_write() {
            return Err(Error::Again);
        }
        p.write(msg.take());
        self.more_out = !self.more_out;
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        let key = self.pipe.ok_or(Error::Again)?;
        let p = cx.pipes.at(key);
        match p.read() {
            Some(m) => Ok(m),
            None => {
                if p.is_finished() {
                    cx.pipes.mark_finished(key);
                }
                Err(Error::Again)
            }
        }
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.pipe.is_some_and(|k| cx.pipes.at(k).check_read())
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.pipe.is_some_and(|k| cx.pipes.at(k).check_write())
    }

    fn read_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        if self.pipe == Some(key) {
            self.pipe = None;
        }
    }
}
