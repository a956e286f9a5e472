//! `FairQueue`: receives from the pipes that have messages, one whole
//! message from each in turn (PULL, DEALER, ROUTER, SUB, REP). A pipe found
//! empty is set aside until it reports `Readable`; a pipe found finished is
//! handed to the socket for removal.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

use super::PipeSet;

#[derive(Default)]
pub struct FairQueue {
    /// `pipes[..active]` may have messages.
    pipes: Vec<PipeKey>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message (from `pipes[current]`).
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn activated(&mut self, key: PipeKey) {
        if let Some(i) = self.pipes.iter().position(|&k| k == key) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    pub fn terminated(&mut self, key: PipeKey) {
        let Some(mut i) = self.pipes.iter().position(|&k| k == key) else {
            return;
        };
        if i < self.active {
            self.active -= 1;
            self.pipes.swap(i, self.active);
            i = self.active;
        }
        self.pipes.swap_remove(i);
        if self.current >= self.active {
            self.current = 0;
        }
    }

    fn deactivate(&mut self, i: usize, pipes: &mut PipeSet) {
        let key = self.pipes[i];
        if pipes.at(key).is_finished() {
            pipes.mark_finished(key);
        }
        self.active -= 1;
        self.pipes.swap(i, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// Receives one frame and the pipe it came from; `Again` if none.
    pub fn recv(&mut self, pipes: &mut PipeSet) -> Result<(Msg, PipeKey)> {
        while self.active > 0 {
            let key = self.pipes[self.current];
            if let Some(msg) = pipes.at(key).read() {
                self.more = msg.more();
                if !self.more {
                    self.current = (self.current + 1) % self.active;
                }
                return Ok((msg, key));
            }
            // Messages are queued whole, so a pipe is never empty mid-message.
            debug_assert!(!self.more);
            self.deactivate(self.current, pipes);
        }
        Err(Error::Again)
    }

    /// Whether a frame can be received now.
    pub fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if pipes.at(self.pipes[self.current]).check_read() {
                return true;
            }
            self.deactivate(self.current, pipes);
        }
        false
    }

    /// The pipe the current multipart message comes from.
    pub fn current_pipe(&self) -> Option<PipeKey> {
        self.more.then(|| self.pipes[self.current])
    }
}
