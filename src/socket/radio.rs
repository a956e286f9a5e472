//! RADIO (DRAFT, RFC 48): sends each message to the DISH peers that joined
//! its group (`zmq_msg_set_group`). Single-part; never receives;
//! thread-safe. At a peer's HWM the message is dropped for that peer,
//! unless `ZMQ_XPUB_NODROP` makes the send fail with `EAGAIN`.
//!
//! What travels in a pipe is the ZMTP 3.1 form (RFC 48, and libzmq's
//! radio/dish sessions), so a network engine passes it as is: a message
//! is two frames, the group (MORE) and the body; a DISH's JOIN/LEAVE is a
//! command frame `\x04JOIN<group>` / `\x05LEAVE<group>`.

use std::collections::HashMap;

use bytes::Bytes;

use super::dealer::bool_option;
use super::xpub::XPUB_NODROP;
use super::{Cx, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pattern::Distributor;
use crate::pipe::PipeKey;

/// Command body prefixes (name length and name) of JOIN and LEAVE.
pub const JOIN: &[u8] = b"\x04JOIN";
pub const LEAVE: &[u8] = b"\x05LEAVE";

/// The JOIN or LEAVE command frame for `group`.
pub fn membership(join: bool, group: &[u8]) -> Msg {
    let prefix = if join { JOIN } else { LEAVE };
    let mut body = Vec::with_capacity(prefix.len() + group.len());
    body.extend_from_slice(prefix);
    body.extend_from_slice(group);
    let mut m = Msg::from_slice(&body);
    m.set_flags(flags::COMMAND);
    m
}

/// What a frame from a DISH asks: `Some((true, group))` to join,
/// `Some((false, group))` to leave; `None` for anything else (ignored).
pub fn parse_membership(msg: &Msg) -> Option<(bool, &[u8])> {
    if !msg.is_command() {
        return None;
    }
    let d = msg.data();
    if let Some(g) = d.strip_prefix(JOIN) {
        Some((true, g))
    } else {
        d.strip_prefix(LEAVE).map(|g| (false, g))
    }
}

#[derive(Default)]
pub struct Radio {
    dist: Distributor,
    /// The pipes that joined each group.
    groups: HashMap<Bytes, Vec<PipeKey>>,
    /// udp:// pipes: they take every group (the DISHes behind filter).
    udp: Vec<PipeKey>,
    /// `ZMQ_XPUB_NODROP`.
    nodrop: bool,
}

impl Radio {
    /// Applies every JOIN/LEAVE waiting in a pipe.
    fn read_memberships(&mut self, key: PipeKey, cx: &mut Cx) {
        let p = cx.pipes.at(key);
        while let Some(m) = p.read() {
            match parse_membership(&m) {
                Some((true, g)) => {
                    let members = self.groups.entry(Bytes::copy_from_slice(g)).or_default();
                    if !members.contains(&key) {
                        members.push(key);
                    }
                }
                Some((false, g)) => {
                    if let Some(members) = self.groups.get_mut(g) {
                        members.retain(|&k| k != key);
                        if members.is_empty() {
                            self.groups.remove(g);
                        }
                    }
                }
                None => {}
            }
        }
        if p.is_finished() {
            cx.pipes.mark_finished(key);
        }
    }
}

impl Pattern for Radio {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.dist.attach(key);
        let endpoint = cx.pipes.at(key).endpoint.as_deref();
        if endpoint.is_some_and(|e| e.starts_with("udp://")) {
            self.udp.push(key);
        }
        // JOINs may already be waiting (sent before the pipe reached us).
        self.read_memberships(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        let members = self.groups.get(msg.group()).map_or(&[][..], |m| &m[..]);
        if members.is_empty() && self.udp.is_empty() {
            drop(msg.take());
            return Ok(());
        }
        if self.nodrop
            && !(self.dist.all_writable(members, cx.pipes)
                && self.dist.all_writable(&self.udp, cx.pipes))
        {
            return Err(Error::Again);
        }
        let mut group = Msg::from_slice(msg.group());
        group.set_flags(flags::MORE);
        let udp = &self.udp;
        self.dist.send_to(&mut group, cx.pipes, |t| {
            t.extend_from_slice(members);
            t.extend_from_slice(udp);
        });
        let mut body = msg.take();
        body.set_more(false);
        self.dist.send_to(&mut body, cx.pipes, |_| {});
        Ok(())
    }

    fn recv(&mut self, _cx: &mut Cx) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _cx: &mut Cx) -> bool {
        false
    }

    fn has_out(&mut self, _cx: &mut Cx) -> bool {
        true
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.read_memberships(key, cx);
    }

    fn write_activated(&mut self, _key: PipeKey, _cx: &mut Cx) {}

    fn terminated(&mut self, key: PipeKey, _cx: &mut Cx) {
        self.groups.retain(|_, members| {
            members.retain(|&k| k != key);
            !members.is_empty()
        });
        self.udp.retain(|&k| k != key);
        self.dist.terminated(key);
    }

    fn set_option(&mut self, option: i32, value: &[u8], _cx: &mut Cx) -> Result<()> {
        match option {
            XPUB_NODROP => self.nodrop = bool_option(value)?,
            _ => return Err(Error::Inval),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_frames_round_trip() {
        let j = membership(true, b"Movies");
        assert!(j.is_command());
        assert_eq!(j.data(), b"\x04JOINMovies");
        assert_eq!(parse_membership(&j), Some((true, &b"Movies"[..])));
        let l = membership(false, b"");
        assert_eq!(l.data(), b"\x05LEAVE");
        assert_eq!(parse_membership(&l), Some((false, &b""[..])));
        // A data frame with the same bytes is no command.
        assert_eq!(parse_membership(&Msg::from_slice(b"\x04JOINx")), None);
        let mut other = Msg::from_slice(b"\x04PING");
        other.set_flags(flags::COMMAND);
        assert_eq!(parse_membership(&other), None);
    }
}
