//! `Distributor`: sends each message to a set of pipes (PUB, XPUB, RADIO).
//! A pipe that cannot take a message's first frame misses that whole
//! message (drop, as PUB does at HWM); the rest of a multipart message goes
//! to exactly the pipes that took its first frame.

use crate::msg::Msg;
use crate::pipe::PipeKey;

use super::PipeSet;

#[derive(Default)]
pub struct Distributor {
    /// Every attached pipe.
    pipes: Vec<PipeKey>,
    /// Receivers of the message being sent.
    targets: Vec<PipeKey>,
    /// In the middle of a multipart message.
    more: bool,
}

impl Distributor {
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
    }

    pub fn terminated(&mut self, key: PipeKey) {
        self.pipes.retain(|&k| k != key);
        self.targets.retain(|&k| k != key);
    }

    pub fn pipes(&self) -> &[PipeKey] {
        &self.pipes
    }

    pub fn in_message(&self) -> bool {
        self.more
    }

    /// Whether every one of `keys` can take a new message (`ZMQ_XPUB_NODROP`).
    pub fn all_writable(&self, keys: &[PipeKey], pipes: &mut PipeSet) -> bool {
        keys.iter()
            .all(|&k| pipes.at(k).check_write() || pipes.at(k).is_peer_closed())
    }

    /// Sends a frame to every attached pipe.
    pub fn send_to_all(&mut self, msg: &mut Msg, pipes: &mut PipeSet) {
        if !self.more {
            self.targets.clear();
            self.targets.extend_from_slice(&self.pipes);
        }
        self.send_to_targets(msg, pipes);
    }

    /// Sends a frame; for a first frame, to the pipes `select` picks.
    pub fn send_to(
        &mut self,
        msg: &mut Msg,
        pipes: &mut PipeSet,
        select: impl FnOnce(&mut Vec<PipeKey>),
    ) {
        if !self.more {
            self.targets.clear();
            select(&mut self.targets);
        }
        self.send_to_targets(msg, pipes);
    }

    fn send_to_targets(&mut self, msg: &mut Msg, pipes: &mut PipeSet) {
        let first = !self.more;
        self.more = msg.more();
        if first {
            self.targets.retain(|&k| pipes.at(k).check_write());
        }
        let msg = msg.take();
        let Some((&last, rest)) = self.targets.split_last() else {
            return;
        };
        let mut msg = msg;
        for &k in rest {
            let copy = msg.share();
            pipes.at(k).write(copy);
        }
        pipes.at(last).write(msg);
    }
}
