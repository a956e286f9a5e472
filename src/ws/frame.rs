//! WebSocket frames (RFC 6455 §5) as ZWS 2.0 uses them: each binary frame
//! carries one ZMTP frame, its first payload byte the flags (`MORE` 0x01,
//! `COMMAND` 0x02), the rest the body; ping, pong and close are control
//! frames. As libzmq: fragmented frames (FIN clear, continuation) and text
//! frames are protocol errors, and so is a binary frame with no flags byte.
//! A client masks every frame and a server none; a frame masked the other
//! way is an error (§5.1).

use bytes::{Buf, Bytes, BytesMut};

use crate::error::Error;

pub const MORE: u8 = 0x01;
pub const COMMAND: u8 = 0x02;

const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;
const FIN: u8 = 0x80;
const MASKED: u8 = 0x80;
/// RFC 6455 §5.5: control frames carry at most 125 bytes.
const CONTROL_MAX: u64 = 125;

/// A decoded frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A ZMTP frame: a message part, or a command (`command`).
    Message {
        more: bool,
        command: bool,
        body: Bytes,
    },
    Ping(Bytes),
    Pong(Bytes),
    Close(Bytes),
}

/// Why a frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Not a frame ZWS 2.0 allows (see the module doc).
    Protocol,
    /// A body over `ZMQ_MAXMSGSIZE` (libzmq: `EMSGSIZE`, no event).
    TooLarge,
    /// A body over the bound the caller set (a handshake command).
    OverLimit,
}

impl From<FrameError> for Error {
    fn from(e: FrameError) -> Error {
        match e {
            FrameError::TooLarge => Error::MsgSize,
            _ => crate::zmtp::eproto(),
        }
    }
}

/// A frame header, parsed.
struct Header {
    opcode: u8,
    /// Payload length (flags byte included).
    len: u64,
    mask: Option<[u8; 4]>,
    /// Header length in bytes.
    size: usize,
}

/// Decodes frames from the peer: masked ones if we are the server.
#[derive(Debug)]
pub struct FrameDecoder {
    expect_masked: bool,
    max_msg_size: i64,
}

impl FrameDecoder {
    /// `expect_masked`: we are the server. `max_msg_size`: -1 for none.
    pub fn new(expect_masked: bool, max_msg_size: i64) -> FrameDecoder {
        FrameDecoder {
            expect_masked,
            max_msg_size,
        }
    }

    /// How many bytes the frame at the front of `input` still needs, if its
    /// header is in (a read can then be sized to it).
    pub fn bytes_wanted(&self, input: &[u8]) -> Option<usize> {
        let h = parse_header(input).ok()??;
        let total = (h.size as u64).checked_add(h.len)?;
        usize::try_from(total.saturating_sub(input.len() as u64)).ok()
    }

    /// The next frame from `input` (consumed). `Ok(None)`: not all in yet.
    /// `limit` bounds a message body (a handshake command) before any of
    /// it is buffered; errors are fatal for the connection.
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        limit: Option<usize>,
    ) -> Result<Option<Frame>, FrameError> {
        let Some(h) = parse_header(input)? else {
            return Ok(None);
        };
        if h.mask.is_some() != self.expect_masked {
            return Err(FrameError::Protocol);
        }
        let binary = h.opcode == OP_BINARY;
        if binary {
            if h.len == 0 {
                return Err(FrameError::Protocol);
            }
            let body = h.len - 1;
            if self.max_msg_size >= 0 && body > self.max_msg_size as u64 {
                return Err(FrameError::TooLarge);
            }
            if limit.is_some_and(|l| body > l as u64) {
                return Err(FrameError::OverLimit);
            }
        } else if h.len > CONTROL_MAX {
            return Err(FrameError::Protocol);
        }
        let len = usize::try_from(h.len).map_err(|_| FrameError::TooLarge)?;
        if input.len() - h.size < len {
            return Ok(None);
        }
        input.advance(h.size);
        let mut payload = input.split_to(len);
        if let Some(mask) = h.mask {
            apply_mask(&mut payload, mask, 0);
        }
        Ok(Some(match h.opcode {
            OP_BINARY => {
                let flags = payload[0];
                payload.advance(1);
                Frame::Message {
                    more: flags & MORE != 0,
                    command: flags & COMMAND != 0,
                    body: payload.freeze(),
                }
            }
            OP_PING => Frame::Ping(payload.freeze()),
            OP_PONG => Frame::Pong(payload.freeze()),
            _ => Frame::Close(payload.freeze()),
        }))
    }
}

/// The header at the front of `input`, once it is all in.
fn parse_header(input: &[u8]) -> Result<Option<Header>, FrameError> {
    let [b0, b1, ..] = *input else {
        return Ok(None);
    };
    if b0 & FIN == 0 || b0 & 0x70 != 0 {
        // Fragments and extension bits: nothing negotiated them.
        return Err(FrameError::Protocol);
    }
    let opcode = b0 & 0x0F;
    if !matches!(opcode, OP_BINARY | OP_CLOSE | OP_PING | OP_PONG) {
        return Err(FrameError::Protocol);
    }
    let (len, mut size) = match b1 & 0x7F {
        126 => match input.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match input.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().expect("8 bytes")), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    let mask = if b1 & MASKED != 0 {
        let Some(m) = input.get(size..size + 4) else {
            return Ok(None);
        };
        size += 4;
        Some([m[0], m[1], m[2], m[3]])
    } else {
        None
    };
    Ok(Some(Header {
        opcode,
        len,
        mask,
        size,
    }))
}

/// XORs `data` with `mask`, `data[0]` being payload byte `offset`.
fn apply_mask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[(i + offset) % 4];
    }
}

/// The payload of a frame to encode.
pub enum Outgoing<'a> {
    /// A ZMTP frame: flags byte, then the body.
    Message {
        flags: u8,
        body: &'a [u8],
    },
    Ping,
    Pong,
    /// A close frame echoing the peer's (status code and reason).
    Close(&'a [u8]),
}

/// Appends `frame` to `out`, masked with `mask` (a client's frames).
pub fn encode(frame: Outgoing<'_>, mask: Option<[u8; 4]>, out: &mut BytesMut) {
    let (opcode, flags, body): (u8, Option<u8>, &[u8]) = match frame {
        Outgoing::Message { flags, body } => (OP_BINARY, Some(flags), body),
        Outgoing::Ping => (OP_PING, None, &[]),
        Outgoing::Pong => (OP_PONG, None, &[]),
        Outgoing::Close(body) => (OP_CLOSE, None, body),
    };
    let len = body.len() + usize::from(flags.is_some());
    out.reserve(14 + len);
    out.extend_from_slice(&[FIN | opcode]);
    let mask_bit = if mask.is_some() { MASKED } else { 0 };
    if len <= 125 {
        out.extend_from_slice(&[mask_bit | len as u8]);
    } else if len <= 0xFFFF {
        out.extend_from_slice(&[mask_bit | 126]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&[mask_bit | 127]);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(m) = mask {
        out.extend_from_slice(&m);
    }
    let start = out.len();
    if let Some(f) = flags {
        out.extend_from_slice(&[f]);
    }
    out.extend_from_slice(body);
    if let Some(m) = mask {
        apply_mask(&mut out[start..], m, 0);
    }
}
