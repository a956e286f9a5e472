//! Harnesses for the WebSocket layer (`crate::ws`): the HTTP upgrade
//! parsers and the frame decoder, which a peer feeds before and after it
//! has authenticated.

use bytes::BytesMut;

use super::Harness;
use crate::ws::frame::{self, Frame, FrameDecoder, Outgoing};
use crate::ws::upgrade;
use crate::zmtp::MechanismKind;

pub const TARGETS: &[(&str, Harness)] = &[("ws_upgrade", ws_upgrade), ("ws_frame", ws_frame)];

const MECHANISMS: [MechanismKind; 3] = [
    MechanismKind::Null,
    MechanismKind::Plain,
    MechanismKind::Curve,
];

/// An upgrade request (bit 0 of the first byte clear) or response (set)
/// for a socket with the mechanism bits 1-2 choose. A parse consumes only
/// the header block, the same block parses the same way alone, and an
/// accepted request's answer is accepted by a client with that key.
pub fn ws_upgrade(data: &[u8]) {
    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    let mechanism = MECHANISMS[usize::from(flags >> 1) % 3];
    if flags & 1 == 0 {
        let Ok(Some((accepted, n))) = upgrade::parse_request(input, mechanism) else {
            return;
        };
        assert!(n <= input.len() && n <= upgrade::HEADER_MAX);
        let again = upgrade::parse_request(&input[..n], mechanism);
        assert_eq!(again, Ok(Some((accepted, n))), "block alone");
        let Ok(Some((accepted, _))) = again else {
            unreachable!()
        };
        let answer = upgrade::response(&accepted.key, accepted.protocol);
        let parsed = upgrade::parse_response(&answer, &accepted.key, mechanism);
        assert_eq!(parsed, Ok(Some((accepted.protocol, answer.len()))));
    } else {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        if let Ok(Some((protocol, n))) = upgrade::parse_response(input, key, mechanism) {
            assert!(n <= input.len());
            let again = upgrade::parse_response(&input[..n], key, mechanism);
            assert_eq!(again, Ok(Some((protocol, n))));
        }
    }
}

/// Frames from a peer. First byte: bit 0 we are the server (frames must be
/// masked), bits 1-3 a `ZMQ_MAXMSGSIZE` (none, or 2^(2k)), bits 4-7 how the
/// stream is cut into reads. Decoding whole or cut gives the same frames
/// and the same end, and a decoded message re-encodes to one that decodes
/// the same.
pub fn ws_frame(data: &[u8]) {
    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    let server = flags & 1 != 0;
    let k = (flags >> 1) & 7;
    let max = if k == 0 { -1 } else { 1i64 << (2 * k) };
    let whole = decode_all(server, max, input, input.len().max(1));
    let cut = decode_all(server, max, input, usize::from(flags >> 4) + 1);
    assert_eq!(whole, cut, "cut reads decode the same");
    let (frames, _) = whole;
    for f in frames {
        let Frame::Message {
            more,
            command,
            body,
        } = &f
        else {
            continue;
        };
        let mut flags_byte = 0;
        if *more {
            flags_byte |= frame::MORE;
        }
        if *command {
            flags_byte |= frame::COMMAND;
        }
        let mask = server.then_some([7, 1, 2, 9]);
        let mut out = BytesMut::new();
        frame::encode(
            Outgoing::Message {
                flags: flags_byte,
                body,
            },
            mask,
            &mut out,
        );
        let back = FrameDecoder::new(server, -1).decode(&mut out, None);
        assert_eq!(back, Ok(Some(f)), "re-encoded frame");
        assert!(out.is_empty());
    }
}

/// Every frame `input` holds, fed `step` bytes at a time, and how it ended
/// (`None`: out of input; `Some(e)`: the error).
fn decode_all(
    server: bool,
    max: i64,
    input: &[u8],
    step: usize,
) -> (Vec<Frame>, Option<crate::ws::FrameError>) {
    let mut dec = FrameDecoder::new(server, max);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in input.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            let before = buf.len();
            match dec.decode(&mut buf, None) {
                Ok(Some(f)) => {
                    assert!(buf.len() < before, "a frame consumes input");
                    frames.push(f);
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}
