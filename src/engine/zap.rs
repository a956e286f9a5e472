//! The ZAP client (RFC 27): a session asks the handler bound at
//! `inproc://zeromq.zap.01` whether a peer may connect. The request goes
//! down a pipe to the handler's socket (a REP, so it starts with an empty
//! delimiter); the reply comes back on the same pipe, is checked here, and
//! the verdict goes to the handshake.

use bytes::Bytes;

use super::link::ContextLink;
use crate::msg::{flags, Msg};
use crate::pipe::{EndInfo, Flow, Pipe, PipeKey, Waker};
use crate::zmtp::{protocol_error as code, Properties, ZapReply, ZapRequest};

use std::sync::Arc;

/// Where ZAP handlers bind.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// Our request id: one request per connection, so a constant does.
const REQUEST_ID: &[u8] = b"1";

/// What the session fills in of a request.
pub struct RequestContext<'a> {
    pub domain: &'a [u8],
    /// The peer's address, without the port.
    pub address: &'a [u8],
    /// Our socket's `ZMQ_ROUTING_ID`.
    pub routing_id: &'a [u8],
}

pub struct ZapClient {
    pipe: Pipe,
    /// Frames of the reply read so far.
    reply: Vec<Msg>,
}

impl ZapClient {
    /// Connects to the handler; `None` when no handler is bound.
    pub fn connect(
        ctx: &dyn ContextLink,
        waker: Arc<dyn Waker>,
        key: PipeKey,
    ) -> Option<ZapClient> {
        let unlimited = Flow {
            hwm: 0,
            conflate: false,
        };
        let mut pipe = ctx.inproc_attach(
            ZAP_ENDPOINT,
            [unlimited, unlimited],
            EndInfo {
                routing_id: Bytes::new(),
                sndhwm: 0,
                rcvhwm: 0,
            },
        )?;
        pipe.set_waker(waker, key);
        Some(ZapClient {
            pipe,
            reply: Vec::new(),
        })
    }

    /// Sends `request` to the handler.
    pub fn send(&mut self, request: &ZapRequest, cx: &RequestContext) {
        let mechanism = request.mechanism.as_bytes();
        let mut frames: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            REQUEST_ID,
            cx.domain,
            cx.address,
            cx.routing_id,
            mechanism,
        ];
        frames.extend(request.credentials.iter().map(|c| &c[..]));
        let last = frames.len() - 1;
        for (i, f) in frames.into_iter().enumerate() {
            let mut m = Msg::from_slice(f);
            if i < last {
                m.set_flags(flags::MORE);
            }
            self.pipe.write(m);
        }
    }

    /// The handler's verdict, once its whole reply is in: `Ok` with a
    /// well-formed reply, `Err` with the `ZMQ_PROTOCOL_ERROR_ZAP_*` code
    /// of a malformed one. `None` while waiting (or if the handler left).
    pub fn poll_reply(&mut self) -> Option<Result<ZapReply, u32>> {
        loop {
            let m = self.pipe.read()?;
            let more = m.more();
            self.reply.push(m);
            if !more {
                break;
            }
        }
        Some(check_reply(std::mem::take(&mut self.reply)))
    }

    /// Whether the handler's end is gone.
    pub fn handler_gone(&self) -> bool {
        self.pipe.is_finished()
    }
}

impl Drop for ZapClient {
    fn drop(&mut self) {
        self.pipe.close();
    }
}

/// Checks a reply's frames: delimiter, version, request id, status code,
/// status text, user id, metadata.
pub(crate) fn check_reply(frames: Vec<Msg>) -> Result<ZapReply, u32> {
    if frames.len() != 7 {
        return Err(code::ZAP_MALFORMED_REPLY);
    }
    if frames[0].size() != 0 {
        return Err(code::ZAP_UNSPECIFIED);
    }
    if frames[1].data() != b"1.0" {
        return Err(code::ZAP_BAD_VERSION);
    }
    if frames[2].data() != REQUEST_ID {
        return Err(code::ZAP_BAD_REQUEST_ID);
    }
    let status_code = match frames[3].data() {
        b"200" => 200,
        b"300" => 300,
        b"400" => 400,
        b"500" => 500,
        _ => return Err(code::ZAP_INVALID_STATUS_CODE),
    };
    let metadata = Properties::parse(&Bytes::copy_from_slice(frames[6].data()))
        .map_err(|_| code::ZAP_INVALID_METADATA)?;
    Ok(ZapReply {
        status_code,
        user_id: Bytes::copy_from_slice(frames[5].data()),
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(parts: &[&[u8]]) -> Vec<Msg> {
        parts.iter().map(|p| Msg::from_slice(p)).collect()
    }

    #[test]
    fn accepts_a_good_reply() {
        let r = check_reply(frames(&[
            b"",
            b"1.0",
            b"1",
            b"200",
            b"OK",
            b"anonymous",
            b"\x05Hello\x00\x00\x00\x05World",
        ]))
        .unwrap();
        assert_eq!(r.status_code, 200);
        assert_eq!(&r.user_id[..], b"anonymous");
        assert_eq!(&r.metadata.get("Hello").unwrap()[..], b"World");
    }

    #[test]
    fn names_what_is_wrong() {
        let good: [&[u8]; 7] = [b"", b"1.0", b"1", b"400", b"No", b"", b""];
        assert_eq!(
            check_reply(frames(&good[..6])).unwrap_err(),
            code::ZAP_MALFORMED_REPLY
        );
        let mut bad = good;
        bad[0] = b"x";
        assert_eq!(
            check_reply(frames(&bad)).unwrap_err(),
            code::ZAP_UNSPECIFIED
        );
        let mut bad = good;
        bad[1] = b"2.0";
        assert_eq!(
            check_reply(frames(&bad)).unwrap_err(),
            code::ZAP_BAD_VERSION
        );
        let mut bad = good;
        bad[2] = b"7";
        assert_eq!(
            check_reply(frames(&bad)).unwrap_err(),
            code::ZAP_BAD_REQUEST_ID
        );
        let mut bad = good;
        bad[3] = b"201";
        assert_eq!(
            check_reply(frames(&bad)).unwrap_err(),
            code::ZAP_INVALID_STATUS_CODE
        );
        let mut bad = good;
        bad[6] = b"\x05Hel";
        assert_eq!(
            check_reply(frames(&bad)).unwrap_err(),
            code::ZAP_INVALID_METADATA
        );
        assert_eq!(check_reply(frames(&good)).unwrap().status_code, 400);
    }
}
