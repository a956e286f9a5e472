//! XPUB (and PUB on top of it, RFC 29): fans messages out to the peers
//! whose subscriptions prefix-match the first frame. Subscriptions arrive
//! as messages `0x01 topic` / `0x00 topic`; XPUB hands them to the user
//! (new ones only, unless verbose), PUB consumes them silently.

use std::collections::VecDeque;

use super::dealer::bool_option;
use super::options::put_int;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::trie::{MultiTrie, RemoveResult};
use crate::pattern::Distributor;
use crate::pipe::PipeKey;

pub const XPUB_VERBOSE: i32 = 40;
pub const XPUB_NODROP: i32 = 69;
pub const XPUB_MANUAL: i32 = 71;
pub const XPUB_WELCOME_MSG: i32 = 72;
pub const XPUB_VERBOSER: i32 = 78;
pub const XPUB_MANUAL_LAST_VALUE: i32 = 98;
pub const ONLY_FIRST_SUBSCRIBE: i32 = 108;
pub const TOPICS_COUNT: i32 = 116;
pub const SUBSCRIBE: i32 = 6;
pub const UNSUBSCRIBE: i32 = 7;

pub struct XPub {
    /// PUB: subscriptions are consumed, nothing can be received.
    is_pub: bool,
    dist: Distributor,
    subscriptions: MultiTrie<PipeKey>,
    /// Subscriptions a manual XPUB's user has accepted, per pipe.
    manual_subscriptions: MultiTrie<PipeKey>,
    /// Messages for the user: (data, pipe it came from).
    pending: VecDeque<(Msg, PipeKey)>,
    /// The pipe of the last subscription the user received (manual mode).
    last_pipe: Option<PipeKey>,
    /// With MANUAL_LAST_VALUE: send the next message only to `last_pipe`.
    send_last_pipe: bool,
    /// Receivers of the message being sent (reused to avoid allocation).
    matching: Vec<PipeKey>,
    verbose_subs: bool,
    verbose_unsubs: bool,
    manual: bool,
    manual_last_value: bool,
    lossy: bool,
    only_first_subscribe: bool,
    welcome_msg: Option<Vec<u8>>,
    /// A multipart message from a peer is being read.
    more_in: bool,
    /// Frames of the current incoming message may still be subscriptions
    /// (with ONLY_FIRST_SUBSCRIBE, a non-subscription frame ends that).
    process_subscribe: bool,
}

impl XPub {
    pub fn new(is_pub: bool) -> XPub {
        XPub {
            is_pub,
            dist: Distributor::default(),
            subscriptions: MultiTrie::new(),
            manual_subscriptions: MultiTrie::new(),
            pending: VecDeque::new(),
            last_pipe: None,
            send_last_pipe: false,
            matching: Vec::new(),
            verbose_subs: false,
            verbose_unsubs: false,
            manual: false,
            manual_last_value: false,
            lossy: true,
            only_first_subscribe: false,
            welcome_msg: None,
            more_in: false,
            process_subscribe: true,
        }
    }

    fn notify(&mut self, subscribe: bool, topic: &[u8], key: PipeKey) {
        let mut data = Vec::with_capacity(topic.len() + 1);
        data.push(subscribe as u8);
        data.extend_from_slice(topic);
        self.pending.push_back((Msg::from_slice(&data), key));
    }

    /// Reads everything a peer sent: subscriptions and (XPUB only) user
    /// messages coming upstream from an XSUB.
    fn read_pipe(&mut self, key: PipeKey, cx: &mut Cx) {
        loop {
            let Some(msg) = cx.pipes.at(key).read() else {
                if cx.pipes.at(key).is_finished() {
                    cx.pipes.mark_finished(key);
                }
                return;
            };
            // The first frame of a message decides whether later frames
            // may be subscriptions (only if it was one, with
            // ONLY_FIRST_SUBSCRIBE).
            let first = !self.more_in;
            self.more_in = msg.more();
            let data = msg.data();
            let is_sub = (first || self.process_subscribe)
                && !data.is_empty()
                && (data[0] == 0 || data[0] == 1);
            if first {
                self.process_subscribe = !self.only_first_subscribe || is_sub;
            }
            if !is_sub {
                if !self.is_pub {
                    self.pending.push_back((msg, key));
                }
                continue;
            }
            let subscribe = data[0] == 1;
            let topic = &data[1..];
            let notify = if self.manual {
                if subscribe {
                    self.manual_subscriptions.add(topic, key);
                } else {
                    self.manual_subscriptions.remove(topic, key);
                }
                true
            } else if subscribe {
                self.subscriptions.add(topic, key) || self.verbose_subs
            } else {
                // Passed up unless other peers still hold the topic (an
                // unknown topic is passed up too, as libzmq does).
                let r = self.subscriptions.remove(topic, key);
                r != RemoveResult::Removed || self.verbose_unsubs
            };
            if notify && !self.is_pub {
                let mut m = Msg::from_slice(data);
                m.reset_flags(crate::msg::flags::MORE);
                self.pending.push_back((m, key));
            }
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dist.attach(key);
        if cx.pipes.at(key).subscribe_all {
            self.subscriptions.add(b"", key);
        }
        if let Some(w) = &self.welcome_msg {
            let p = cx.pipes.at(key);
            if p.check_write() {
                p.write(Msg::from_slice(w));
            }
        }
        self.read_pipe(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        let first = !self.dist.in_message();
        if first {
            self.matching.clear();
            if self.manual && self.manual_last_value && self.send_last_pipe {
                // Only the pipe that last subscribed gets this message.
                if let Some(last) = self.last_pipe.take() {
                    let mut hit = false;
                    self.subscriptions
                        .match_prefixes(msg.data(), |k| hit |= k == last);
                    if hit {
                        self.matching.push(last);
                    }
                }
                self.send_last_pipe = false;
            } else {
                let matching = &mut self.matching;
                self.subscriptions
                    .match_prefixes(msg.data(), |k| matching.push(k));
                if cx.options.invert_matching {
                    let hit = std::mem::take(&mut self.matching);
                    self.matching
                        .extend(self.dist.pipes().iter().filter(|k| !hit.contains(k)));
                }
            }
            if !self.lossy && !self.dist.all_writable(&self.matching, cx.pipes) {
                return Err(Error::Again);
            }
        }
        let matching = &self.matching;
        self.dist
            .send_to(msg, cx.pipes, |targets| targets.extend_from_slice(matching));
        Ok(())
    }

    fn recv(&mut self, _cx: &mut Cx) -> Result<Msg> {
        if self.is_pub {
            return Err(Error::NotSup);
        }
        let (msg, key) = self.pending.pop_front().ok_or(Error::Again)?;
        if self.manual {
            self.last_pipe = Some(key);
            self.send_last_pipe = self.manual_last_value;
        }
        Ok(msg)
    }

    fn has_in(&mut self, _cx: &mut Cx) -> bool {
        !self.is_pub && !self.pending.is_empty()
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        true
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.read_pipe(key, cx);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        let mut gone = Vec::new();
        if self.manual {
            // Every topic the peer asked for is withdrawn, shared or not.
            self.manual_subscriptions
                .remove_pipe_all(key, |t, _| gone.push(t.to_vec()));
            self.subscriptions.remove_pipe(key, |_| {});
        } else {
            let verbose = self.verbose_unsubs;
            let mut all = Vec::new();
            self.subscriptions.remove_pipe_all(key, |t, last| {
                if last || verbose {
                    all.push(t.to_vec());
                }
            });
            gone = all;
        }
        if !self.is_pub {
            for t in gone {
                self.notify(false, &t, key);
            }
        }
        self.dist.terminated(key);
        if self.last_pipe == Some(key) {
            self.last_pipe = None;
        }
    }

    fn set_option(&mut self, option: i32, value: &[u8], _cx: &mut Cx) -> Result<()> {
        match option {
            XPUB_VERBOSE => {
                self.verbose_subs = bool_option(value)?;
                self.verbose_unsubs = false;
            }
            XPUB_VERBOSER => {
                let v = bool_option(value)?;
                self.verbose_subs = v;
                self.verbose_unsubs = v;
            }
            XPUB_MANUAL => self.manual = bool_option(value)?,
            XPUB_MANUAL_LAST_VALUE => {
                let v = bool_option(value)?;
                self.manual = v;
                self.manual_last_value = v;
            }
            XPUB_NODROP => self.lossy = !bool_option(value)?,
            ONLY_FIRST_SUBSCRIBE => self.only_first_subscribe = bool_option(value)?,
            XPUB_WELCOME_MSG => {
                self.welcome_msg = (!value.is_empty()).then(|| value.to_vec());
            }
            SUBSCRIBE | UNSUBSCRIBE if self.manual => {
                // Applies to the peer of the last subscription received;
                // before any, there is nobody to apply it to.
                let Some(last) = self.last_pipe else {
                    return Ok(());
                };
                if option == SUBSCRIBE {
                    self.subscriptions.add(value, last);
                } else {
                    self.subscriptions.remove(value, last);
                }
            }
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    fn get_option(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        match option {
            TOPICS_COUNT => put_int(out, self.subscriptions.num_prefixes() as i32),
            _ => Err(Error::Inval),
        }
    }
}
