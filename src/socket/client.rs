//! CLIENT (DRAFT, RFC 41): a thread-safe DEALER for single-part messages.
//! Sending a multipart message is `EINVAL`; multipart messages received
//! are dropped.

use super::dealer::Dealer;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::PipeKey;

#[derive(Default)]
pub struct Client {
    dealer: Dealer,
}

impl Pattern for Client {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.attach(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        self.dealer.send(msg, cx)
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        loop {
            let msg = self.dealer.recv(cx)?;
            if !msg.more() {
                return Ok(msg);
            }
            // A multipart message: not for CLIENT; skip all of it.
            let mut more = true;
            while more {
                more = self.dealer.recv(cx).map(|m| m.more()).unwrap_or(false);
            }
        }
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        self.dealer.has_in(cx)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.dealer.has_out(cx)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.read_activated(key, cx);
    }

    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.write_activated(key, cx);
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dealer.terminated(key, cx);
    }
}
