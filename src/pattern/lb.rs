//! `LoadBalancer`: sends each message to the next pipe that can take it,
//! round robin (PUSH, DEALER, REQ). A multipart message goes entirely to
//! one pipe; a pipe that is full is set aside until it reports `Writable`.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

use super::PipeSet;

#[derive(Default)]
pub struct LoadBalancer {
    /// `pipes[..active]` may take messages; the rest are full.
    pipes: Vec<PipeKey>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message (to `pipes[current]`).
    more: bool,
    /// The pipe of the current multipart message went away: drop the rest.
    dropping: bool,
}

impl LoadBalancer {
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
        if i == self.current && self.more {
            self.dropping = true;
            self.more = false;
        }
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

    fn deactivate(&mut self, i: usize) {
        self.active -= 1;
        self.pipes.swap(i, self.active);
        if self.current == self.active {
            self.current = 0;
        }
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
        while self.active > 0 {
            let key = self.pipes[self.current];
            if pipes.at(key).check_write() {
                let more = msg.more();
                pipes.at(key).write(msg.take());
                self.more = more;
                if !more {
                    self.current = (self.current + 1) % self.active;
                }
                return Ok(Some(key));
            }
            // Mid-message a pipe always accepts, so this is a first frame.
            self.deactivate(self.current);
        }
        Err(Error::Again)
    }

    /// Whether a message could be sent now.
    pub fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if pipes.at(self.pipes[self.current]).check_write() {
                return true;
            }
            self.deactivate(self.current);
        }
        false
    }
}
