//! ZeroMQ messages inside a PGM stream, as libzmq frames them (zmq_pgm(7)):
//! the messages are one byte stream of ZMTP/1.0 frames (a length that
//! counts the flags byte — one byte, or 0xff and eight bytes — then the
//! flags, MORE = 1, then the body), cut into packet payloads of at most
//! one TSDU. Each payload starts with two bytes: the offset, after them,
//! of the first message that begins in this packet, 0xffff if none. A
//! receiver that joins late, or lost data it cannot repair, starts
//! decoding at such an offset, so it only ever delivers whole messages.
//!
//! `Packer` is the sending side, `Unpacker` one source's receiving side.
//! Neither does I/O; neither panics on any input.

use std::collections::VecDeque;

use crate::msg::Msg;

/// The offset value of a payload in which no message begins.
pub const NO_START: u16 = 0xffff;

/// Bytes of the offset that start every payload.
pub const OFFSET_LEN: usize = 2;

/// Messages in, packet payloads out.
pub struct Packer {
    /// The most bytes of frames one payload carries (TSDU minus the
    /// offset).
    room: usize,
    /// Encoded frames not yet cut into payloads, from `pos`.
    stream: Vec<u8>,
    pos: usize,
    /// Where messages begin in `stream`.
    starts: VecDeque<usize>,
    /// The last frame taken had MORE: the next one continues its message.
    in_message: bool,
}

impl Packer {
    /// For payloads of at most `max_tsdu` bytes.
    pub fn new(max_tsdu: usize) -> Packer {
        Packer {
            room: max_tsdu.saturating_sub(OFFSET_LEN).max(1),
            stream: Vec::new(),
            pos: 0,
            starts: VecDeque::new(),
            in_message: false,
        }
    }

    /// Encoded bytes waiting to be cut into payloads.
    pub fn buffered(&self) -> usize {
        self.stream.len() - self.pos
    }

    /// Whether a whole payload's worth is waiting.
    pub fn has_full_payload(&self) -> bool {
        self.buffered() >= self.room
    }

    /// The frames of a multipart message not all taken yet.
    pub fn in_message(&self) -> bool {
        self.in_message
    }

    /// Appends one frame.
    pub fn push(&mut self, body: &[u8], more: bool) {
        if self.pos > 0 && self.pos == self.stream.len() {
            self.stream.clear();
            self.pos = 0;
        }
        if !self.in_message {
            self.starts.push_back(self.stream.len());
        }
        let len = body.len() as u64 + 1;
        if len < 0xff {
            self.stream.push(len as u8);
        } else {
            self.stream.push(0xff);
            self.stream.extend_from_slice(&len.to_be_bytes());
        }
        self.stream.push(u8::from(more));
        self.stream.extend_from_slice(body);
        self.in_message = more;
    }

    /// Cuts the next payload (offset and frames) into `out`; `false` when
    /// nothing is waiting.
    pub fn next_payload(&mut self, out: &mut Vec<u8>) -> bool {
        let take = self.buffered().min(self.room);
        if take == 0 {
            return false;
        }
        let (from, to) = (self.pos, self.pos + take);
        while self.starts.front().is_some_and(|&s| s < from) {
            self.starts.pop_front();
        }
        let offset = match self.starts.front() {
            Some(&s) if s < to => (s - from) as u16,
            _ => NO_START,
        };
        out.extend_from_slice(&offset.to_be_bytes());
        out.extend_from_slice(&self.stream[from..to]);
        self.pos = to;
        if self.pos == self.stream.len() {
            self.stream.clear();
            self.pos = 0;
            self.starts.clear();
        } else if self.pos > 64 * 1024 {
            // Keep the buffer from growing with what was sent; starts
            // already cut (this payload's own, say) go with it.
            self.stream.drain(..self.pos);
            let pos = self.pos;
            self.starts.retain(|&s| s >= pos);
            for s in self.starts.iter_mut() {
                *s -= pos;
            }
            self.pos = 0;
        }
        true
    }
}

/// Where the decoder is in the current frame.
enum Stage {
    /// Waiting for a payload that says where a message begins.
    Unjoined,
    /// The length byte.
    Length,
    /// The eight bytes after 0xff, `got` of them so far.
    LongLength { got: usize, bytes: [u8; 8] },
    /// The flags byte of a frame whose body is `len` bytes.
    Flags { len: usize },
    /// The body, `len` bytes in all.
    Body { len: usize, more: bool },
}

/// Why an `Unpacker` gave up on its source's stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
    /// A length of 0 (there is always a flags byte), or one over
    /// `ZMQ_MAXMSGSIZE`.
    BadLength,
}

/// One source's payloads in, its messages out.
pub struct Unpacker {
    stage: Stage,
    body: Vec<u8>,
    /// `ZMQ_MAXMSGSIZE` (-1: none).
    max_msg_size: i64,
}

impl Unpacker {
    pub fn new(max_msg_size: i64) -> Unpacker {
        Unpacker {
            stage: Stage::Unjoined,
            body: Vec::new(),
            max_msg_size,
        }
    }

    /// Data was lost for good: skip to the next message that begins in a
    /// payload. (Frames of a message already delivered are the caller's
    /// to discard.)
    pub fn reset(&mut self) {
        self.stage = Stage::Unjoined;
        self.body = Vec::new();
    }

    /// Whether the decoder has a message start to decode from.
    pub fn is_joined(&self) -> bool {
        !matches!(self.stage, Stage::Unjoined)
    }

    /// Decodes one payload in order, calling `frame` for each complete
    /// frame (body and MORE). A malformed stream leaves the decoder
    /// unjoined.
    pub fn payload(&mut self, payload: &[u8], frame: &mut dyn FnMut(Msg)) -> Result<(), Malformed> {
        let Some((head, rest)) = payload.split_first_chunk::<OFFSET_LEN>() else {
            return Ok(());
        };
        let mut data = rest;
        if let Stage::Unjoined = self.stage {
            let offset = usize::from(u16::from_be_bytes(*head));
            if offset == usize::from(NO_START) || offset > data.len() {
                return Ok(());
            }
            data = &data[offset..];
            self.stage = Stage::Length;
        }
        let r = self.decode(data, frame);
        if r.is_err() {
            self.reset();
        }
        r
    }

    fn decode(&mut self, mut data: &[u8], frame: &mut dyn FnMut(Msg)) -> Result<(), Malformed> {
        while !data.is_empty() {
            match &mut self.stage {
                Stage::Unjoined => return Ok(()),
                Stage::Length => {
                    let b = data[0];
                    data = &data[1..];
                    self.stage = match b {
                        0 => return Err(Malformed::BadLength),
                        0xff => Stage::LongLength {
                            got: 0,
                            bytes: [0; 8],
                        },
                        n => self.flags_for(u64::from(n))?,
                    };
                }
                Stage::LongLength { got, bytes } => {
                    let n = (8 - *got).min(data.len());
                    bytes[*got..*got + n].copy_from_slice(&data[..n]);
                    *got += n;
                    data = &data[n..];
                    if *got == 8 {
                        let len = u64::from_be_bytes(*bytes);
                        if len == 0 {
                            return Err(Malformed::BadLength);
                        }
                        self.stage = self.flags_for(len)?;
                    }
                }
                Stage::Flags { len } => {
                    let len = *len;
                    let more = data[0] & 1 != 0;
                    data = &data[1..];
                    // The length is the peer's word: grow to it as bytes arrive.
                    self.body = Vec::with_capacity(len.min(64 * 1024));
                    self.stage = Stage::Body { len, more };
                    if len == 0 {
                        self.finish(frame);
                    }
                }
                Stage::Body { len, .. } => {
                    let n = (*len - self.body.len()).min(data.len());
                    self.body.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if self.body.len() == *len {
                        self.finish(frame);
                    }
                }
            }
        }
        Ok(())
    }

    /// The stage after a length (which counts the flags byte).
    fn flags_for(&self, len: u64) -> Result<Stage, Malformed> {
        let body = len - 1;
        if self.max_msg_size >= 0 && body > self.max_msg_size as u64 {
            return Err(Malformed::BadLength);
        }
        let body = usize::try_from(body).map_err(|_| Malformed::BadLength)?;
        Ok(Stage::Flags { len: body })
    }

    fn finish(&mut self, frame: &mut dyn FnMut(Msg)) {
        let Stage::Body { more, .. } = self.stage else {
            return;
        };
        let mut m = Msg::from_bytes(bytes::Bytes::from(std::mem::take(&mut self.body)));
        m.set_more(more);
        frame(m);
        self.stage = Stage::Length;
    }
}

#[cfg(test)]
mod tests;
