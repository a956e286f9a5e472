//! REP (RFC 28): receive-request / send-reply alternation over a ROUTER.
//! The envelope of each request (routing id and any frames up to the empty
//! delimiter) is kept and put back in front of the reply.

use super::router::Router;
use super::{Cx, Options, Pattern};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pipe::PipeKey;

pub struct Rep {
    router: Router,
    /// A request was received; the reply is awaited.
    sending_reply: bool,
    /// The next frame received starts a request.
    request_begins: bool,
    /// The envelope of the current request, delimiter included.
    envelope: Vec<Msg>,
}

impl Rep {
    pub fn new(options: &Options) -> Rep {
        Rep {
            router: Router::new(options),
            sending_reply: false,
            request_begins: true,
            envelope: Vec::new(),
        }
    }

    /// Reads a request's envelope; a message without a delimiter is dropped.
    fn read_envelope(&mut self, cx: &mut Cx) -> Result<()> {
        'message: loop {
            self.envelope.clear();
            loop {
                let frame = self.router.recv(cx)?;
                let more = frame.more();
                let delimiter = frame.size() == 0 && !self.envelope.is_empty();
                self.envelope.push(frame);
                if !more {
                    continue 'message; // malformed: no delimiter
                }
                if delimiter {
                    return Ok(());
                }
            }
        }
    }
}

impl Pattern for Rep {
    fn attach(&mut self, key: PipeKey, cx: &mut Cx) {
        self.router.attach(key, cx);
    }

    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()> {
        if !self.sending_reply {
            return Err(Error::Fsm);
        }
        for mut frame in self.envelope.drain(..) {
            frame.set_flags(flags::MORE);
            self.router.send(&mut frame, cx)?;
        }
        let more = msg.more();
        self.router.send(msg, cx)?;
        if !more {
            self.sending_reply = false;
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Cx) -> Result<Msg> {
        if self.sending_reply {
            return Err(Error::Fsm);
        }
        if self.request_begins {
            self.read_envelope(cx)?;
            self.request_begins = false;
        }
        let msg = self.router.recv(cx)?;
        if !msg.more() {
            self.sending_reply = true;
            self.request_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, cx: &mut Cx) -> bool {
        !self.sending_reply && self.router.has_in(cx)
    }

    fn has_out(&mut self, cx: &mut Cx) -> bool {
        self.sending_reply && self.router.has_out(cx)
    }

    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.router.read_activated(key, cx);
    }

    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.router.write_activated(key, cx);
    }

    fn peer_attached(&mut self, key: PipeKey, cx: &mut Cx) {
        self.router.peer_attached(key, cx);
    }

    fn terminated(&mut self, key: PipeKey, cx: &mut Cx) {
        self.router.terminated(key, cx);
    }

    fn set_option(&mut self, option: i32, value: &[u8], cx: &mut Cx) -> Result<()> {
        self.router.set_option(option, value, cx)
    }
}
