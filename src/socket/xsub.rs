//! XSUB (and SUB on top of it, RFC 29): fair-queues messages from
//! publishers, delivering only those matching its subscriptions; its
//! subscriptions go upstream to every publisher as `0x01 topic` /
//! `0x00 topic` messages, and are re-sent to each new publisher.

use super::dealer::bool_option;
use super::options::put_int;
use super::xpub::{ONLY_FIRST_SUBSCRIBE, SUBSCRIBE, TOPICS_COUNT, UNSUBSCRIBE};
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pattern::trie::SubscriptionTrie;
use crate::pattern::{Distributor, FairQueue};
use crate::pipe::PipeKey;

pub const XSUB_VERBOSE_UNSUBSCRIBE: i32 = 115;

pub struct XSub {
    /// SUB: subscriptions come from options; nothing else can be sent.
    is_sub: bool,
    fq: FairQueue,
    dist: Distributor,
    subscriptions: SubscriptionTrie,
    /// A matching message read ahead by `has_in`.
    prefetched: Option<Msg>,
    /// In the middle of delivering a multipart message.
    more_in: bool,
    /// In the middle of sending a multipart message upstream.
    more_out: bool,
    verbose_unsubs: bool,
    only_first_subscribe: bool,
    /// Frames of the message being sent may still be subscriptions.
    process_subscribe: bool,
}

impl XSub {
    pub fn new(is_sub: bool) -> XSub {
        XSub {
            is_sub,
            fq: FairQueue::default(),
            dist: Distributor::default(),
            subscriptions: SubscriptionTrie::new(),
            prefetched: None,
            more_in: false,
            more_out: false,
            verbose_unsubs: false,
            only_first_subscribe: false,
            process_subscribe: true,
        }
    }

    /// Whether a message is delivered: SUB filters by its subscriptions,
    /// XSUB passes everything (its `filter` option is off).
    fn matches(&self, msg: &Msg, cx: &Cx) -> bool {
        !cx.options.filter || self.subscriptions.check(msg.data()) != cx.options.invert_matching
    }

    /// Processes a frame the user sends upstream.
    fn upstream(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        // The first frame of a message decides whether later frames may be
        // subscriptions (only if it was one, with ONLY_FIRST_SUBSCRIBE).
        let first = !self.more_out;
        self.more_out = msg.more();
        let data = msg.data();
        let is_sub =
            (first || self.process_subscribe) && !data.is_empty() && (data[0] == 0 || data[0] == 1);
        if first {
            self.process_subscribe = !self.only_first_subscribe;
        }
        if is_sub {
            self.process_subscribe = true;
        }
        if is_sub && data[0] == 1 {
            // Duplicates go upstream too: XPUB filters them (and must see
            // them when verbose).
            self.subscriptions.add(&data[1..]);
        } else if is_sub && data[0] == 0 {
            let last = self.subscriptions.remove(&data[1..]);
            if !last && !self.verbose_unsubs {
                drop(msg.take());
                return Ok(());
            }
        }
        self.dist.send_to_all(msg, cx.pipes);
        Ok(())
    }

    /// Reads the next frame to deliver, skipping non-matching messages.
    fn next(&mut self, cx: &mut Cx) -> Result<Msg> {
        loop {
            let (msg, _) = self.fq.recv(cx.pipes)?;
            if self.more_in || self.matches(&msg, cx) {
                return Ok(msg);
            }
            // Drop the rest of a message nobody subscribed to.
            let mut more = msg.more();
            while more {
                match self.fq.recv(cx.pipes) {
                    Ok((m, _)) => more = m.more(),
                    Err(_) => break,
                }
            }
        }
    }
}

impl Pattern for XSub {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.fq.attach(key);
        self.dist.attach(key);
        let p = cx.pipes.at(key);
        self.subscriptions.for_each(|topic| {
            // Subscriptions are never refused for HWM reasons.
            p.write(Msg::subscription(true, topic));
        });
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if self.is_sub {
            return Err(Error::NotSup);
        }
        self.upstream(msg, cx)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        let msg = match self.prefetched.take() {
            Some(m) => m,
            None => self.next(cx)?,
        };
        self.more_in = msg.more();
        Ok(msg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        if self.more_in || self.prefetched.is_some() {
            return true;
        }
        match self.next(cx) {
            Ok(m) => {
                self.prefetched = Some(m);
                true
            }
            Err(_) => false,
        }
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        !self.is_sub
    }

    fn read_activated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.activated(key);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn hiccuped(&mut self, key: PipeKey, cx: &mut Cx) {
        // A reconnected publisher knows nothing of us: subscribe again.
        let p = cx.pipes.at(key);
        self.subscriptions
            .for_each(|topic| p.write(Msg::subscription(true, topic)));
    }

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.fq.terminated(key);
        self.dist.terminated(key);
    }

    fn set_option(&mut self, option: i32, value: &[u8], cx: &mut Cx) -> Result<()> {
        match option {
            SUBSCRIBE | UNSUBSCRIBE if self.is_sub => {
                let mut msg = Msg::subscription(option == SUBSCRIBE, value);
                msg.reset_flags(flags::MORE);
                self.more_out = false;
                self.upstream(&mut msg, cx)
            }
            XSUB_VERBOSE_UNSUBSCRIBE => {
                self.verbose_unsubs = bool_option(value)?;
                Ok(())
            }
            ONLY_FIRST_SUBSCRIBE => {
                self.only_first_subscribe = bool_option(value)?;
                Ok(())
            }
            _ => Err(Error::Inval),
        }
    }

    fn get_option(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        match option {
            TOPICS_COUNT => put_int(out, self.subscriptions.num_prefixes() as i32),
            _ => Err(Error::Inval),
        }
    }
}
