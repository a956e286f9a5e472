//! `ActiveList`: the round-robin list under load balancing and fair
//! queuing. Pipes that can move a message are kept in front
//! (`pipes[..active]`); one found full or empty is swapped behind until
//! its pipe reports it can again.

use crate::pipe::PipeKey;

#[derive(Default)]
pub struct ActiveList {
    pipes: Vec<PipeKey>,
    active: usize,
    current: usize,
}

impl ActiveList {
    /// Adds a pipe, active.
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    /// Moves a pipe back among the active ones.
    pub fn activate(&mut self, key: PipeKey) {
        if let Some(i) = self.pipes.iter().position(|&k| k == key) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    /// Forgets a pipe.
    pub fn remove(&mut self, key: PipeKey) {
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

    /// The pipe whose turn it is, if any is active.
    pub fn current(&self) -> Option<PipeKey> {
        (self.active > 0).then(|| self.pipes[self.current])
    }

    /// The next active pipe's turn.
    pub fn advance(&mut self) {
        if self.active > 0 {
            self.current = (self.current + 1) % self.active;
        }
    }

    /// Sets the current pipe aside until `activate`.
    pub fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }
}
