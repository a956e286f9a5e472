//! PAIR (RFC 31): exactly one peer; a second connection is refused.

use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Pair {
    pipe: Option<PipeKey>,
}

impl Pattern for Pair {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.pipe.is_some() {
            // Already paired: the newcomer is closed at once.
            cx.pipes.mark_finished(key);
        } else {
            self.pipe = Some(key);
        }
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        let key = self.pipe.ok_or(Error::Again)?;
        let p = cx.pipes.at(key);
        if !p.check_write() {
            return Err(Error::Again);
        }
        p.write(msg.take());
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
