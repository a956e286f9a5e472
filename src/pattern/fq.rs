//! `FairQueue`: receives from the pipes that have messages, one whole
//! message from each in turn (PULL, DEALER, ROUTER, SUB, REP). A pipe found
//! empty is set aside until it reports `Readable`; a pipe found finished is
//! handed to the socket for removal.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

use super::active::ActiveList;
use super::PipeSet;

#[derive(Default)]
pub struct FairQueue {
    list: ActiveList,
    /// In the middle of a multipart message (from the current pipe).
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, key: PipeKey) {
        self.list.attach(key);
    }

    pub fn activated(&mut self, key: PipeKey) {
        self.list.activate(key);
    }

    pub fn terminated(&mut self, key: PipeKey) {
        self.list.remove(key);
    }

    /// Sets the current (empty) pipe aside; a finished one goes.
    fn deactivate(&mut self, key: PipeKey, pipes: &mut PipeSet) {
        if pipes.at(key).is_finished() {
            pipes.mark_finished(key);
        }
        self.list.deactivate_current();
    }

    /// Receives one frame and the pipe it came from; `Again` if none.
    pub fn recv(&mut self, pipes: &mut PipeSet) -> Result<(Msg, PipeKey)> {
        while let Some(key) = self.list.current() {
            if let Some(msg) = pipes.at(key).read() {
                self.more = msg.more();
                if !self.more {
                    self.list.advance();
                }
                return Ok((msg, key));
            }
            // Messages are queued whole, so a pipe is never empty mid-message.
            debug_assert!(!self.more);
            self.deactivate(key, pipes);
        }
        Err(Error::Again)
    }

    /// Whether a frame can be received now.
    pub fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more {
            return true;
        }
        while let Some(key) = self.list.current() {
            if pipes.at(key).check_read() {
                return true;
            }
            self.deactivate(key, pipes);
        }
        false
    }
}
