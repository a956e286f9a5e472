//! Differential harnesses: a sequence of operations decoded from the
//! input runs on the real structure and on a naive model of its
//! documented rules, and every answer must agree.
//!
//! - `trie`: `SubscriptionTrie` (a count per prefix) and `MultiTrie` (a
//!   set of pipes per prefix) against ordered maps scanned in full.
//! - `pipe`: one direction of a `Pipe` against a list of the messages
//!   written: multipart messages appear whole or not at all, a rollback
//!   discards the unfinished one, HWM admits or refuses a message at its
//!   first frame, and the reader's credit keeps the writer's view within
//!   half a HWM of the truth.
//!
//! Single-threaded and bounded: the input's length bounds the work.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::Harness;
use crate::msg::{flags, Msg};
use crate::pattern::trie::{MultiTrie, RemoveResult, SubscriptionTrie};
use crate::pipe::{self, Flow};

pub const TARGETS: &[(&str, Harness)] = &[("trie", trie), ("pipe", pipe)];

/// The input as a stream of small numbers; zeros once it is used up.
struct Ops<'a>(&'a [u8]);

impl Ops<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

// ------------------------------------------------------------- trie

/// Prefixes over a three-letter alphabet collide and nest often; raw
/// bytes reach the corners (NUL, 0xFF, long shared runs).
fn topic(ops: &mut Ops, len: usize, dense: bool) -> Vec<u8> {
    let raw = ops.take(len);
    if dense {
        raw.iter().map(|b| b"abc"[usize::from(b % 3)]).collect()
    } else {
        raw.to_vec()
    }
}

/// The tries against maps. Input: a flag byte (bit 0: dense alphabet),
/// then operations, each a byte (low 3 bits: which, high 5: a topic
/// length) followed by the topic and, for the multi-pipe trie, a pipe.
pub fn trie(data: &[u8]) {
    let mut ops = Ops(data);
    let dense = ops.byte().unwrap_or(0) & 1 != 0;
    let mut counted = SubscriptionTrie::new();
    let mut counts: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut multi: MultiTrie<u8> = MultiTrie::new();
    let mut pipes: BTreeMap<Vec<u8>, BTreeSet<u8>> = BTreeMap::new();
    let mut scratch = Vec::new();
    while let Some(op) = ops.byte() {
        let t = topic(&mut ops, usize::from(op >> 3), dense);
        match op & 7 {
            0 => {
                let count = counts.entry(t.clone()).or_default();
                *count += 1;
                assert_eq!(counted.add(&t), *count == 1, "add {t:?}");
            }
            1 => {
                let last = match counts.get_mut(&t) {
                    Some(count) => {
                        *count -= 1;
                        *count == 0
                    }
                    None => false,
                };
                if last {
                    counts.remove(&t);
                }
                assert_eq!(counted.remove(&t), last, "remove {t:?}");
            }
            2 => {
                let hit = counts.keys().any(|k| t.starts_with(k));
                assert_eq!(counted.check(&t), hit, "check {t:?}");
                let mut listed = Vec::new();
                counted.for_each(|k| listed.push(k.to_vec()));
                let expected: Vec<_> = counts.keys().cloned().collect();
                assert_eq!(listed, expected, "for_each: byte order, each once");
            }
            3 => {
                let pipe = ops.byte().unwrap_or(0) % 8;
                let set = pipes.entry(t.clone()).or_default();
                let first = set.is_empty();
                set.insert(pipe);
                assert_eq!(multi.add(&t, pipe), first, "add {t:?} {pipe}");
            }
            4 => {
                let pipe = ops.byte().unwrap_or(0) % 8;
                let set = pipes.get_mut(&t);
                let expected = match set {
                    Some(set) if set.contains(&pipe) => {
                        set.remove(&pipe);
                        if set.is_empty() {
                            pipes.remove(&t);
                            RemoveResult::LastRemoved
                        } else {
                            RemoveResult::Removed
                        }
                    }
                    _ => RemoveResult::NotFound,
                };
                assert_eq!(multi.remove(&t, pipe), expected, "remove {t:?} {pipe}");
            }
            5 => {
                let which = ops.byte().unwrap_or(0);
                let pipe = which % 8;
                let mut expected = BTreeSet::new();
                pipes.retain(|k, set| {
                    if set.remove(&pipe) {
                        expected.insert((k.clone(), set.is_empty()));
                    }
                    !set.is_empty()
                });
                let mut reported = BTreeSet::new();
                if which & 8 != 0 {
                    multi.remove_pipe_all(pipe, |k, last| {
                        assert!(reported.insert((k.to_vec(), last)), "reported twice");
                    });
                } else {
                    multi.remove_pipe(pipe, |k| {
                        assert!(reported.insert((k.to_vec(), true)), "reported twice");
                    });
                    expected.retain(|(_, last)| *last);
                }
                assert_eq!(reported, expected, "remove_pipe {pipe}");
            }
            _ => {
                let expected: BTreeSet<u8> = pipes
                    .iter()
                    .filter(|(k, _)| t.starts_with(k))
                    .flat_map(|(_, set)| set.iter().copied())
                    .collect();
                let mut matched = Vec::new();
                if op & 1 != 0 {
                    multi.match_prefixes_with(&t, &mut scratch, |p| matched.push(p));
                } else {
                    multi.match_prefixes(&t, |p| matched.push(p));
                }
                let unique: BTreeSet<u8> = matched.iter().copied().collect();
                assert_eq!(unique.len(), matched.len(), "a pipe matched twice");
                assert_eq!(unique, expected, "match {t:?}");
            }
        }
        assert_eq!(counted.num_prefixes(), counts.len());
        assert_eq!(counted.is_empty(), counts.is_empty());
        assert_eq!(multi.num_prefixes(), pipes.len());
        assert_eq!(multi.is_empty(), pipes.is_empty());
        // Only removals can leave nodes behind; the walk is the costly part.
        if matches!(op & 7, 1 | 4 | 5) {
            counted.assert_shape();
            multi.assert_shape();
        }
    }
    counted.assert_shape();
    multi.assert_shape();
}

// ------------------------------------------------------------- pipe

/// A frame as the model keeps it: its bytes and its MORE flag.
type Frame = (Vec<u8>, bool);

/// A complete message written, and whether the reader must be able to
/// see it (written, or staged and flushed) or only may (staged).
struct Written {
    frames: VecDeque<Frame>,
    visible: bool,
}

/// One direction of a pipe as its rules describe it.
#[derive(Default)]
struct PipeModel {
    /// Complete messages not yet read, oldest first; the first one may
    /// be partly read (then `reading`).
    complete: VecDeque<Written>,
    reading: bool,
    /// Frames of the message being written.
    partial: Vec<Frame>,
    hwm: usize,
    writer_closed: bool,
    reader_closed: bool,
}

impl PipeModel {
    /// Messages the writer may count as queued: written and not read to
    /// their last frame.
    fn unread(&self) -> usize {
        self.complete.len()
    }

    /// Every staged message becomes visible.
    fn flushed(&mut self) {
        self.complete.iter_mut().for_each(|m| m.visible = true);
    }

    /// What the next read may give: `Ok(frame)` it must give, or
    /// `Err(Some(frame))` it may give or not, `Err(None)` nothing.
    fn next(&self) -> Result<&Frame, Option<&Frame>> {
        match self.complete.front() {
            Some(m) if self.reading || m.visible => Ok(m.frames.front().expect("frames left")),
            Some(m) => Err(m.frames.front()),
            None => Err(None),
        }
    }

    /// The reader took the next frame.
    fn consume(&mut self) {
        let m = self.complete.front_mut().expect("a frame to take");
        m.visible = true;
        m.frames.pop_front();
        self.reading = !m.frames.is_empty();
        if !self.reading {
            self.complete.pop_front();
        }
    }
}

/// A pipe's writer and reader against `PipeModel`. Input: a flag byte
/// (low 4 bits: the HWM, 0 for none; bit 4: `ZMQ_CONFLATE` instead, see
/// `conflated_pipe`), then one byte per operation.
/// Writes follow the pipe's contract: `check_write` before the first
/// frame of a message, which is not written if that says no.
pub fn pipe(data: &[u8]) {
    let mut ops = Ops(data);
    let flags = ops.byte().unwrap_or(0);
    if flags & 0x10 != 0 {
        return conflated_pipe(ops);
    }
    let hwm = usize::from(flags & 15);
    let flow = Flow {
        hwm,
        conflate: false,
    };
    let (mut writer, mut reader) = pipe::pair([flow, flow]);
    let mut model = PipeModel {
        hwm,
        ..PipeModel::default()
    };
    let mut serial = 0u16;
    while let Some(op) = ops.byte() {
        let more = op & 0x10 != 0;
        match op % 10 {
            // Write or stage a frame.
            code @ (0 | 1) => {
                if model.writer_closed {
                    continue;
                }
                if model.partial.is_empty() && !check_write(&mut writer, &model) {
                    continue;
                }
                serial = serial.wrapping_add(1);
                let (bytes, msg) = frame(serial, op);
                let staged = code == 1;
                if staged {
                    writer.stage(msg);
                } else {
                    writer.write(msg);
                    model.flushed();
                }
                model.partial.push((bytes, more));
                if !more {
                    let frames = std::mem::take(&mut model.partial).into();
                    if !model.reader_closed {
                        model.complete.push_back(Written {
                            frames,
                            visible: !staged,
                        });
                    }
                }
            }
            2 => {
                writer.flush_staged();
                model.flushed();
            }
            3 => {
                writer.rollback();
                model.partial.clear();
            }
            4 if !model.reader_closed => {
                let got = reader.read();
                match (model.next(), got) {
                    (Ok(frame) | Err(Some(frame)), Some(msg)) => {
                        assert_eq!((msg.data(), msg.more()), (&frame.0[..], frame.1), "read");
                        model.consume();
                    }
                    (Ok(frame), None) => panic!("read nothing, {frame:?} due"),
                    (Err(None), Some(msg)) => panic!("read {:?}, nothing due", msg.data()),
                    (Err(_), None) => {
                        let done = model.writer_closed && model.complete.is_empty();
                        assert_eq!(reader.is_finished(), done, "is_finished");
                    }
                }
            }
            5 if !model.reader_closed => {
                let ready = reader.check_read();
                match model.next() {
                    Ok(_) => assert!(ready, "check_read: a message is due"),
                    Err(None) => assert!(!ready, "check_read: nothing is due"),
                    Err(Some(_)) => {
                        if ready {
                            model.complete[0].visible = true;
                        }
                    }
                }
            }
            6 if !model.writer_closed => {
                if model.partial.is_empty() {
                    check_write(&mut writer, &model);
                } else {
                    assert!(writer.check_write(), "refused inside a message");
                }
            }
            // Raise the HWM, or lift it. Not lower it, nor set one where
            // there was none (zmq_setsockopt on a connected socket can):
            // credit then comes back at the old low-water mark, or never
            // (none without a HWM), and a writer whose reader has read
            // everything can stay refused for good. libzmq 4.3.4 does the
            // same (inproc and tcp), so it is left as it is.
            7 if model.hwm > 0 => {
                model.hwm = if op & 0x80 != 0 {
                    0
                } else {
                    model.hwm + usize::from(op >> 4 & 7)
                };
                writer.set_hwms(0, model.hwm);
            }
            8 if !model.writer_closed => {
                writer.close();
                model.flushed();
                model.partial.clear();
                model.writer_closed = true;
            }
            9 if !model.reader_closed => {
                reader.close();
                model.complete.clear();
                model.reading = false;
                model.reader_closed = true;
            }
            _ => {}
        }
        if !model.writer_closed {
            assert_eq!(writer.in_message(), !model.partial.is_empty(), "in_message");
        }
        if model.writer_closed && model.reader_closed {
            break;
        }
    }
}

/// Frame number `serial`, its size (around the inline limit too) and
/// MORE flag chosen by `op`.
fn frame(serial: u16, op: u8) -> (Vec<u8>, Msg) {
    let mut bytes = serial.to_le_bytes().to_vec();
    bytes.resize(2 + usize::from(op >> 5) * 11, op);
    let mut msg = Msg::from_slice(&bytes);
    if op & 0x10 != 0 {
        msg.set_flags(flags::MORE);
    }
    (bytes, msg)
}

/// A `ZMQ_CONFLATE` pipe against its rule: the queue keeps only the
/// newest complete message, as one frame (its last, MORE cleared); what
/// the reader took into its batch stays. No HWM. Operations as `pipe`'s.
fn conflated_pipe(mut ops: Ops) {
    let flow = Flow {
        hwm: 1,
        conflate: true,
    };
    let (mut writer, mut reader) = pipe::pair([flow, flow]);
    let mut partial = false;
    let mut queued: Option<Vec<u8>> = None;
    let mut batch: Option<Vec<u8>> = None;
    let (mut writer_closed, mut reader_closed) = (false, false);
    let mut serial = 0u16;
    while let Some(op) = ops.byte() {
        match op % 10 {
            0 | 1 if !writer_closed => {
                if !partial && !writer.check_write() {
                    assert!(reader_closed, "a conflating pipe refused a message");
                    continue;
                }
                serial = serial.wrapping_add(1);
                let (bytes, msg) = frame(serial, op);
                let more = msg.more();
                if op % 10 == 1 {
                    writer.stage(msg);
                } else {
                    writer.write(msg);
                }
                partial = more;
                if !more && !reader_closed {
                    queued = Some(bytes);
                }
            }
            2 => writer.flush_staged(),
            3 => {
                writer.rollback();
                partial = false;
            }
            code @ (4 | 5) if !reader_closed => {
                if batch.is_none() {
                    batch = queued.take();
                }
                if code == 5 {
                    assert_eq!(reader.check_read(), batch.is_some(), "check_read");
                    continue;
                }
                match (reader.read(), batch.take()) {
                    (Some(msg), Some(bytes)) => {
                        assert_eq!((msg.data(), msg.more()), (&bytes[..], false), "read");
                    }
                    (None, None) => assert_eq!(reader.is_finished(), writer_closed),
                    (got, due) => panic!("read {:?}, {due:?} due", got.map(|m| m.size())),
                }
            }
            8 if !writer_closed => {
                writer.close();
                partial = false;
                writer_closed = true;
            }
            9 if !reader_closed => {
                reader.close();
                (queued, batch) = (None, None);
                reader_closed = true;
            }
            _ => {}
        }
        if !writer_closed {
            assert_eq!(writer.in_message(), partial, "in_message");
        }
    }
}

/// `check_write` at a message boundary, against the HWM rules: yes only
/// below the HWM; no only at or above it less the credit the reader may
/// still owe (under half a HWM). Once the reader is gone anything goes:
/// what is written then is dropped.
fn check_write(writer: &mut pipe::Pipe, model: &PipeModel) -> bool {
    let ok = writer.check_write();
    if model.reader_closed {
        return ok;
    }
    let (hwm, unread) = (model.hwm, model.unread());
    if ok {
        assert!(
            hwm == 0 || unread < hwm,
            "admitted at {unread} queued, hwm {hwm}"
        );
    } else {
        assert!(
            hwm > 0 && unread > hwm / 2,
            "refused at {unread} queued, hwm {hwm}"
        );
    }
    ok
}
