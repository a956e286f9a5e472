//! `LoadBalancer`: sends each message to the next pipe that can take it,
//! round robin (PUSH, DEALER, REQ). A multipart message goes entirely to
//! one pipe; a pipe that is full is set aside until it reports `Writable`.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

use super::active::ActiveList;
use super::PipeSet;

#[derive(Default)]
pub struct LoadBalancer {
    list: ActiveList,
    /// In the middle of a multipart message (to the current pipe).
    more: bool,
    /// The pipe of the current multipart message went away: drop the rest.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, key: PipeKey) {
        self.list.attach(key);
    }

    pub fn activated(&mut self, key: PipeKey) {
        self.list.activate(key);
    }

    pub fn terminated(&mut self, key: PipeKey) {
        if self.more && self.list.current() == Some(key) {
            self.dropping = true;
            self.more = false;
        }
        self.list.remove(key);
    }

    /// Sends one frame; `Again` if no pipe can take a new message.
    /// Returns the pipe used.
    pub fn send(&mut self, msg: &mut Msg, pipes: &mut PipeSet) -> Result<Option<PipeKey>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            drop(msg.take());
            return Ok(None);
        }
        while let Some(key) = self.list.current() {
            if pipes.at(key).check_write() {
                let more = msg.more();
                pipes.at(key).write(msg.take());
                self.more = more;
                if !more {
                    self.list.advance();
                }
                return Ok(Some(key));
            }
            // Mid-message a pipe always accepts, so this is a first frame.
            self.list.deactivate_current();
        }
        Err(Error::Again)
    }

    /// Whether a message could be sent now.
    pub fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more {
            return true;
        }
        while let Some(key) = self.list.current() {
            if pipes.at(key).check_write() {
                return true;
            }
            self.list.deactivate_current();
        }
        false
    }
}
