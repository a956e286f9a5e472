//! REQ (RFC 28): strict send-request / receive-reply alternation over a
//! DEALER. Each request is prefixed with an empty delimiter (and, with
//! `ZMQ_REQ_CORRELATE`, a 4-byte request id); replies from another peer or
//! with a wrong id are discarded.

use super::dealer::{bool_option, Dealer};
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pipe::PipeKey;

pub const REQ_CORRELATE: i32 = 52;
pub const REQ_RELAXED: i32 = 53;

pub struct Req {
    dealer: Dealer,
    /// A request was sent; the reply is awaited.
    receiving_reply: bool,
    /// The next frame sent or received starts a message.
    message_begins: bool,
    /// The pipe the last request went to; replies come only from it.
    reply_pipe: Option<PipeKey>,
    request_id: u32,
    correlate: bool,
    relaxed: bool,
}

impl Default for Req {
    fn default() -> Self {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            request_id: initial_request_id(),
            correlate: false,
            relaxed: false,
        }
    }
}

/// Request ids start at an unpredictable value, so a restarted REQ does not
/// accept replies meant for its previous life.
fn initial_request_id() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ d.as_secs() as u32)
        .unwrap_or(0);
    t ^ std::process::id().rotate_left(16)
}

fn frame(data: &[u8], more: bool) -> Msg {
    let mut m = Msg::from_slice(data);
    if more {
        m.set_flags(flags::MORE);
    }
    m
}

impl Req {
    /// Reads and drops the rest of a message after `first`.
    fn discard_rest(&mut self, first: &Msg, cx: &mut Cx) {
        let mut more = first.more();
        while more {
            match self.dealer.fq.recv(cx.pipes) {
                Ok((m, _)) => more = m.more(),
                Err(_) => break,
            }
        }
    }

    /// Reads the next reply's envelope; `Again` if no valid reply is ready.
    fn read_envelope(&mut self, cx: &mut Cx) -> Result<()> {
        loop {
            let (first, key) = self.dealer.fq.recv(cx.pipes)?;
            if Some(key) != self.reply_pipe {
                self.discard_rest(&first, cx);
                continue;
            }
            let delimiter = if self.correlate {
                let id_ok = first.more() && first.data() == self.request_id.to_ne_bytes();
                if !id_ok {
                    self.discard_rest(&first, cx);
                    continue;
                }
                match self.dealer.fq.recv(cx.pipes) {
                    Ok((m, _)) => m,
                    Err(_) => continue,
                }
            } else {
                first
            };
            if !(delimiter.more() && delimiter.size() == 0) {
                self.discard_rest(&delimiter, cx);
                continue;
            }
            return Ok(());
        }
    }
}

impl Pattern for Req {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.attach(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if self.receiving_reply {
            if !self.relaxed {
                return Err(Error::Fsm);
            }
            // Relaxed: a new request abandons the old one.
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.reply_pipe = None;
            if !self.dealer.lb.has_out(cx.pipes) {
                return Err(Error::Again);
            }
            if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                let mut id = frame(&self.request_id.to_ne_bytes(), true);
                self.reply_pipe = self.dealer.lb.send(&mut id, cx.pipes)?;
                let mut bottom = frame(b"", true);
                self.dealer.lb.send(&mut bottom, cx.pipes)?;
            } else {
                let mut bottom = frame(b"", true);
                self.reply_pipe = self.dealer.lb.send(&mut bottom, cx.pipes)?;
            }
            self.message_begins = false;
        }
        let more = msg.more();
        self.dealer.lb.send(msg, cx.pipes)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        if !self.receiving_reply {
            return Err(Error::Fsm);
        }
        if self.message_begins {
            self.read_envelope(cx)?;
            self.message_begins = false;
        }
        let (msg, _) = self.dealer.fq.recv(cx.pipes)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.receiving_reply && self.dealer.has_in(cx)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        if self.receiving_reply && !self.relaxed {
            return false;
        }
        self.dealer.has_out(cx)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.read_activated(key, cx);
    }

    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.write_activated(key, cx);
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        if self.reply_pipe == Some(key) {
            self.reply_pipe = None;
        }
        self.dealer.terminated(key, cx);
    }

    fn set_option(&mut self, option: i32, value: &[u8], cx: &mut Cx) -> Result<()> {
        match option {
            REQ_CORRELATE => self.correlate = bool_option(value)?,
            REQ_RELAXED => self.relaxed = bool_option(value)?,
            _ => return self.dealer.set_option(option, value, cx),
        }
        Ok(())
    }
}
