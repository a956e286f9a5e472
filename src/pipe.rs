//! Pipes: the message queues between a socket and one peer (another socket
//! over inproc, or a session that drives a network connection).
//!
//! A pipe has two ends, each owned by one object on one thread. Each
//! direction is a queue behind a mutex; the writer appends whole messages
//! (a multipart message becomes visible to the reader only once its last
//! frame is written), the reader takes everything queued in one go and then
//! reads from its private batch without locking.
//!
//! Flow control counts messages, not frames: a writer may start a new
//! message only while fewer than `hwm` messages are queued (0: no limit).
//! Wake-ups are sent through the owner's `Waker` only on transitions the
//! other side is waiting for — a reader that found the queue empty, a writer
//! that found it full — never once per message.
//!
//! Nothing here knows about socket types, transports or threads.

use std::collections::VecDeque;
use std::mem;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::msg::Msg;

/// An owner's name for one of its pipe ends (a slot index plus a
/// generation, so that a late event for a removed pipe is recognised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PipeKey(pub u64);

/// What a pipe end's owner is told about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeEvent {
    /// Messages arrived after the owner found the pipe empty.
    Readable,
    /// Room appeared after the owner found the pipe full.
    Writable,
    /// The peer closed its end: nothing more can be written; what it sent
    /// before remains readable.
    PeerClosed,
    /// The peer attached its end (a connect-before-bind completed, or a
    /// network handshake finished): its routing id is now known.
    PeerAttached,
    /// The peer's connection was re-established (a network reconnect): a
    /// subscriber re-sends its subscriptions.
    Hiccup,
}

/// How a pipe end reaches its owner (a socket's or session's mailbox).
pub trait Waker: Send + Sync {
    fn wake(&self, key: PipeKey, event: PipeEvent);
}

type Registration = Option<(Arc<dyn Waker>, PipeKey)>;

/// One direction of a pipe.
struct Queue {
    /// Frames of complete messages, oldest first.
    frames: VecDeque<Msg>,
    /// Complete messages written and not yet acknowledged as read: those in
    /// `frames` plus those the reader took into its batch (it acknowledges
    /// them every `lwm` reads, as libzmq's reader grants credit).
    msgs: usize,
    /// Most messages queued at once; 0 for no limit.
    hwm: usize,
    /// Keep only the newest message (`ZMQ_CONFLATE`).
    conflate: bool,
    /// The reader found the queue empty and waits for `Readable`.
    reader_waiting: bool,
    /// The writer found the queue full and waits for `Writable`.
    writer_waiting: bool,
    /// The writing end is closed: after `frames`, nothing more comes.
    writer_closed: bool,
    /// The reading end is closed: writes are discarded.
    reader_closed: bool,
    /// The end that writes this queue, and the end that reads it.
    writer: Registration,
    reader: Registration,
}

impl Queue {
    fn new(hwm: usize, conflate: bool) -> Queue {
        Queue {
            frames: VecDeque::new(),
            msgs: 0,
            hwm,
            conflate,
            reader_waiting: false,
            writer_waiting: false,
            writer_closed: false,
            reader_closed: false,
            writer: None,
            reader: None,
        }
    }

    fn is_full(&self) -> bool {
        !self.conflate && self.hwm > 0 && self.msgs >= self.hwm
    }

    /// The reader's waker, to call once the lock is released: a woken
    /// thread then does not run into the lock still held.
    fn reader_wake(&self, event: PipeEvent) -> Wake {
        self.reader
            .as_ref()
            .map(|(w, key)| (w.clone(), *key, event))
    }

    fn writer_wake(&self, event: PipeEvent) -> Wake {
        self.writer
            .as_ref()
            .map(|(w, key)| (w.clone(), *key, event))
    }

    fn wake_reader(&self, event: PipeEvent) {
        if let Some((w, key)) = &self.reader {
            w.wake(*key, event);
        }
    }

    fn wake_writer(&self, event: PipeEvent) {
        if let Some((w, key)) = &self.writer {
            w.wake(*key, event);
        }
    }
}

/// A wake-up decided under a queue's lock, made after it.
type Wake = Option<(Arc<dyn Waker>, PipeKey, PipeEvent)>;

fn fire(wake: Wake) {
    if let Some((w, key, event)) = wake {
        w.wake(key, event);
    }
}

/// The one way complete messages become visible to the reader (`write`,
/// `flush`, `flush_staged`): under `queue`'s lock, `push` appends `msgs`
/// complete messages to its frames, and a reader that found the queue
/// empty is marked as no longer waiting; the lock is released, then that
/// reader is woken. What `push` returns (the frames conflation replaced)
/// goes back to the caller, to be dropped after the lock: neither a woken
/// thread nor a user free function runs into the lock still held.
///
/// `None` when the reader's end is closed: `push` is not run, and what it
/// holds is dropped after the lock; the caller marks the peer closed and
/// drops its own frames.
///
/// Every message of a pipe passes here, so it costs one lock and unlock;
/// the only other atomic operation is the waker's `Arc` clone, and that
/// only on the empty-to-non-empty edge.
#[inline]
fn deliver<R>(queue: &Mutex<Queue>, msgs: usize, push: impl FnOnce(&mut Queue) -> R) -> Option<R> {
    let mut q = queue.lock();
    if q.reader_closed {
        drop(q);
        drop(push);
        return None;
    }
    let replaced = push(&mut q);
    q.msgs += msgs;
    let wake = if q.reader_waiting {
        q.reader_waiting = false;
        q.reader_wake(PipeEvent::Readable)
    } else {
        None
    };
    drop(q);
    fire(wake);
    Some(replaced)
}

/// The state both ends share.
struct Shared {
    /// `queues[s]` is written by end `s` and read by end `1 - s`.
    queues: [Mutex<Queue>; 2],
    /// What each end's owner published about itself, once known.
    info: Mutex<[Option<EndInfo>; 2]>,
    /// The network connection behind the pipe, as (local, remote)
    /// endpoints, for `ZMQ_EVENT_PIPES_STATS`.
    connection: Mutex<Option<(String, String)>>,
    /// `disconnect_msgs[s]`: what end `s`'s owner asked to be given when
    /// the other end's owner leaves (DRAFT `ZMQ_DISCONNECT_MSG` of an
    /// inproc binder). Taken once.
    disconnect_msgs: Mutex<[Option<Bytes>; 2]>,
}

/// What a pipe end's owner tells the peer about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndInfo {
    /// `ZMQ_ROUTING_ID` (empty: none).
    pub routing_id: Bytes,
    /// `ZMQ_SNDHWM` and `ZMQ_RCVHWM` (an inproc queue's limit is the sum of
    /// the writer's and the reader's).
    pub sndhwm: i32,
    pub rcvhwm: i32,
}

/// Settings of one direction of a new pipe.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flow {
    pub hwm: usize,
    pub conflate: bool,
}

/// One end of a pipe.
pub struct Pipe {
    shared: Arc<Shared>,
    side: usize,
    /// Messages taken from the inbound queue, not yet read.
    batch: VecDeque<Msg>,
    /// A message read before everything in the inbound queue, that the
    /// peer did not write (a session's DRAFT `ZMQ_HELLO_MSG` for a new
    /// connection): outside the peer's flow control. Boxed: rare, and a
    /// pipe end stays small.
    first: Option<Box<Msg>>,
    /// Frames of the message being written (not yet visible).
    partial: Vec<Msg>,
    /// Complete messages written with `stage`, not yet visible, and how
    /// many messages they are.
    staged: Vec<Msg>,
    staged_msgs: usize,
    /// The outbound queue keeps only the newest message (`ZMQ_CONFLATE`).
    conflate_out: bool,
    /// Messages read and not yet acknowledged to the writer.
    unacked: usize,
    /// Acknowledge every this many reads: half the inbound limit, rounded
    /// up (libzmq's low-water mark); no limit, only on refill.
    lwm: usize,
    /// The inbound queue is closed and drained: the pipe is finished.
    finished: bool,
    /// The peer's end is closed: nothing can be written.
    peer_closed: bool,
    /// Messages that can still be written before the queue must be looked
    /// at again: the room seen at the last look (the reader only ever
    /// makes more), so `check_write` need not lock for every message.
    room: usize,
    /// The name this pipe's owner routes by (ROUTER); set by the owner.
    pub routing_id: Option<Bytes>,
    /// The endpoint this pipe was made for (for unbind/disconnect).
    pub endpoint: Option<String>,
    /// The peer takes every message without subscribing (pgm, epgm: an
    /// XPUB or PUB sends it everything and tells its user nothing).
    pub subscribe_all: bool,
}

/// Makes a pipe: `flows[0]` for messages from end 0 to end 1, `flows[1]`
/// for the other direction.
pub fn pair(flows: [Flow; 2]) -> (Pipe, Pipe) {
    let shared = Arc::new(Shared {
        queues: [
            Mutex::new(Queue::new(flows[0].hwm, flows[0].conflate)),
            Mutex::new(Queue::new(flows[1].hwm, flows[1].conflate)),
        ],
        info: Mutex::new([None, None]),
        connection: Mutex::new(None),
        disconnect_msgs: Mutex::new([None, None]),
    });
    let end = |side| Pipe {
        shared: shared.clone(),
        side,
        batch: VecDeque::new(),
        first: None,
        partial: Vec::new(),
        staged: Vec::new(),
        staged_msgs: 0,
        conflate_out: flows[side].conflate,
        unacked: 0,
        lwm: usize::MAX,
        finished: false,
        peer_closed: false,
        room: 0,
        routing_id: None,
        endpoint: None,
        subscribe_all: false,
    };
    (end(0), end(1))
}

impl Pipe {
    fn outbound(&self) -> &Mutex<Queue> {
        &self.shared.queues[self.side]
    }

    fn inbound(&self) -> &Mutex<Queue> {
        &self.shared.queues[1 - self.side]
    }

    /// Registers this end's owner, to be woken as `key`. Call before the
    /// first `check_read`/`check_write`, and again when the end changes
    /// owner.
    pub fn set_waker(&mut self, waker: Arc<dyn Waker>, key: PipeKey) {
        self.outbound().lock().writer = Some((waker.clone(), key));
        self.inbound().lock().reader = Some((waker, key));
    }

    /// Publishes what the peer should know of this end's owner.
    pub fn set_own_info(&self, info: EndInfo) {
        self.shared.info.lock()[self.side] = Some(info);
    }

    /// Records the connection the pipe now runs over (local, remote).
    pub fn set_connection(&self, local: String, remote: String) {
        *self.shared.connection.lock() = Some((local, remote));
    }

    /// The connection the pipe runs over, if it is a network one.
    pub fn connection(&self) -> Option<(String, String)> {
        self.shared.connection.lock().clone()
    }

    /// What the peer published, if it has yet.
    pub fn peer_info(&self) -> Option<EndInfo> {
        self.shared.info.lock()[1 - self.side].clone()
    }

    /// The peer's routing id, if it published a non-empty one.
    pub fn peer_routing_id(&self) -> Option<Bytes> {
        self.peer_info()
            .map(|i| i.routing_id)
            .filter(|id| !id.is_empty())
    }

    /// Tells the peer's owner that this end is now attached.
    pub fn notify_attached(&self) {
        self.inbound().lock().wake_writer(PipeEvent::PeerAttached);
    }

    /// Tells the peer's owner that the connection behind this end was
    /// re-established.
    pub fn notify_hiccup(&self) {
        self.inbound().lock().wake_writer(PipeEvent::Hiccup);
    }

    /// Makes `msg` the next message this end reads, before anything the
    /// peer wrote, replacing one put there before and not read. It is not
    /// the peer's, so reading it grants the peer no credit.
    pub fn put_first(&mut self, msg: Msg) {
        self.first = Some(Box::new(msg));
    }

    /// Drops the message `put_first` left, if it was not read.
    pub fn drop_first(&mut self) {
        self.first = None;
    }

    /// This end's owner asks to be given `msg` when the peer's owner
    /// leaves (see `send_disconnect_msg`).
    pub fn set_disconnect_msg(&self, msg: Bytes) {
        self.shared.disconnect_msgs.lock()[self.side] = Some(msg);
    }

    /// This end's owner leaves (closes, or disconnects the endpoint): the
    /// message the peer's owner asked for, if any, is written after the
    /// last complete message (a half-written one is dropped), once.
    pub fn send_disconnect_msg(&mut self) {
        let msg = self.shared.disconnect_msgs.lock()[1 - self.side].take();
        if let Some(m) = msg {
            if !self.peer_closed {
                self.rollback();
                self.write(Msg::from_bytes(m));
            }
        }
    }

    /// Changes the high-water marks (inbound, outbound), e.g. once a
    /// pending connection's peer is known.
    pub fn set_hwms(&mut self, inbound: usize, outbound: usize) {
        self.inbound().lock().hwm = inbound;
        self.outbound().lock().hwm = outbound;
        self.room = 0;
    }

    /// Whether a message can be read now. If not, the owner will get
    /// `Readable` (or `PeerClosed`) when that changes.
    pub fn check_read(&mut self) -> bool {
        if !self.batch.is_empty() || self.first.is_some() {
            return true;
        }
        if self.finished {
            return false;
        }
        self.refill();
        !self.batch.is_empty()
    }

    /// Takes the next frame, or `None` if none is ready (then the owner is
    /// woken when one is). After `None`, `is_finished` tells whether the
    /// peer closed and everything it sent was read.
    pub fn read(&mut self) -> Option<Msg> {
        if self.first.is_some() {
            return self.first.take().map(|m| *m);
        }
        if self.batch.is_empty() {
            if self.finished {
                return None;
            }
            self.refill();
        }
        let m = self.batch.pop_front()?;
        if !m.more() {
            self.unacked += 1;
            if self.unacked >= self.lwm {
                self.acknowledge();
            }
        }
        Some(m)
    }

    /// Tells the writer how many messages were read, waking it if that
    /// makes room. Done every `lwm` messages (half the limit, as libzmq's
    /// reader does), not per message.
    fn acknowledge(&mut self) {
        let wake = {
            let mut q = self.shared.queues[1 - self.side].lock();
            q.msgs = q.msgs.saturating_sub(self.unacked);
            self.unacked = 0;
            if q.writer_waiting && !q.is_full() {
                q.writer_waiting = false;
                q.writer_wake(PipeEvent::Writable)
            } else {
                None
            }
        };
        fire(wake);
    }

    /// Moves every queued frame into the private batch.
    fn refill(&mut self) {
        let mut q = self.shared.queues[1 - self.side].lock();
        // Credit goes back only every `lwm` messages (see `read`), as in
        // libzmq: a writer's view of the queue then never drifts from a
        // whole number of low-water marks, which the HWM arithmetic of
        // chained sockets relies on.
        self.lwm = match q.hwm {
            0 => usize::MAX,
            h => h.div_ceil(2),
        };
        if q.frames.is_empty() {
            q.reader_waiting = true;
            if q.writer_closed {
                self.finished = true;
            }
            return;
        }
        mem::swap(&mut self.batch, &mut q.frames);
    }

    /// The peer closed and every message it sent has been read.
    pub fn is_finished(&self) -> bool {
        self.finished && self.batch.is_empty() && self.first.is_none()
    }

    /// Whether a new message can be written now. If not (full, or the peer
    /// is gone), the owner will get `Writable` or `PeerClosed` later.
    pub fn check_write(&mut self) -> bool {
        if !self.partial.is_empty() {
            return true;
        }
        if self.peer_closed {
            return false;
        }
        if self.room > 0 {
            return true;
        }
        // Let the reader see what is staged before judging the room.
        self.flush_staged();
        let mut q = self.shared.queues[self.side].lock();
        if q.reader_closed {
            self.peer_closed = true;
            return false;
        }
        if q.is_full() {
            q.writer_waiting = true;
            return false;
        }
        self.room = if q.conflate || q.hwm == 0 {
            usize::MAX
        } else {
            q.hwm - q.msgs
        };
        true
    }

    /// Writes a frame. Frames of a multipart message (flag MORE) stay
    /// invisible until the last one is written. Call `check_write` before
    /// the first frame of each message.
    pub fn write(&mut self, msg: Msg) {
        if self.staged_msgs > 0 {
            self.flush_staged();
        }
        if msg.more() {
            self.partial.push(msg);
            return;
        }
        if !self.partial.is_empty() {
            self.partial.push(msg);
            self.flush();
            return;
        }
        // A one-frame message goes straight into the queue.
        self.room = self.room.saturating_sub(1);
        let delivered = deliver(&self.shared.queues[self.side], 1, |q| {
            let old = if q.conflate {
                q.msgs = 0;
                Some(mem::take(&mut q.frames))
            } else {
                None
            };
            q.frames.push_back(msg);
            old
        });
        if delivered.is_none() {
            self.peer_closed = true;
        }
    }

    /// Like `write`, but complete messages stay invisible to the reader
    /// until `flush_staged`: an engine that decodes many messages from one
    /// read hands them over under one lock.
    pub fn stage(&mut self, msg: Msg) {
        if self.conflate_out {
            self.write(msg);
            return;
        }
        let last = !msg.more();
        if !last || !self.partial.is_empty() {
            self.partial.push(msg);
            if !last {
                return;
            }
            self.staged.append(&mut self.partial);
        } else {
            self.staged.push(msg);
        }
        self.staged_msgs += 1;
        self.room = self.room.saturating_sub(1);
    }

    /// Makes the staged messages visible.
    pub fn flush_staged(&mut self) {
        if self.staged_msgs == 0 {
            return;
        }
        let n = std::mem::take(&mut self.staged_msgs);
        let staged = &mut self.staged;
        let delivered = deliver(&self.shared.queues[self.side], n, |q| {
            q.frames.extend(staged.drain(..));
        });
        if delivered.is_none() {
            self.peer_closed = true;
            // Dropped outside the lock: a user free function may run.
            self.staged.clear();
        }
    }

    /// Makes the complete message in `partial` visible.
    fn flush(&mut self) {
        self.room = self.room.saturating_sub(1);
        let partial = &mut self.partial;
        let delivered = deliver(&self.shared.queues[self.side], 1, |q| {
            let mut dropped = Vec::new();
            if q.conflate {
                // Only the newest frame survives, as a one-frame message.
                dropped.extend(q.frames.drain(..));
                q.msgs = 0;
                let mut last = partial.pop().expect("flush of a complete message");
                last.reset_flags(crate::msg::flags::MORE);
                dropped.append(partial);
                partial.push(last);
            }
            q.frames.extend(partial.drain(..));
            dropped
        });
        if delivered.is_none() {
            self.peer_closed = true;
            // Dropped outside the lock: a user free function may run.
            self.partial.clear();
        }
    }

    /// Discards the frames of an unfinished multipart message.
    pub fn rollback(&mut self) {
        self.partial.clear();
    }

    /// Whether a multipart message is half written.
    pub fn in_message(&self) -> bool {
        !self.partial.is_empty()
    }

    /// The peer's end is gone: nothing more can be written.
    pub fn is_peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Number of messages queued toward the peer, and from it (for
    /// `zmq_socket_monitor_pipes_stats`).
    pub fn queued(&self) -> (usize, usize) {
        let out = self.outbound().lock().msgs;
        let inb = self.inbound().lock().msgs.saturating_sub(self.unacked);
        (out, inb)
    }

    /// Closes this end: what was written stays readable by the peer, what
    /// was not read is dropped, and the peer's owner gets `PeerClosed`.
    pub fn close(&mut self) {
        self.flush_staged();
        self.partial.clear();
        {
            let mut q = self.outbound().lock();
            q.writer_closed = true;
            q.writer = None;
            q.wake_reader(PipeEvent::PeerClosed);
        }
        let unread = {
            let mut q = self.inbound().lock();
            q.reader_closed = true;
            q.reader = None;
            q.msgs = 0;
            mem::take(&mut q.frames)
        };
        self.batch.clear();
        self.first = None;
        self.finished = true;
        self.peer_closed = true;
        drop(unread);
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        if !(self.finished && self.peer_closed && self.partial.is_empty() && self.staged.is_empty())
        {
            self.close();
        }
    }
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipe")
            .field("side", &self.side)
            .field("routing_id", &self.routing_id)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::flags;

    #[derive(Default)]
    struct Log(Mutex<Vec<(PipeKey, PipeEvent)>>);
    impl Waker for Log {
        fn wake(&self, key: PipeKey, event: PipeEvent) {
            self.0.lock().push((key, event));
        }
    }
    impl Log {
        fn take(&self) -> Vec<(PipeKey, PipeEvent)> {
            mem::take(&mut *self.0.lock())
        }
    }

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        if more {
            m.set_flags(flags::MORE);
        }
        m
    }

    fn flows(hwm: usize, conflate: bool) -> [Flow; 2] {
        [Flow { hwm, conflate }; 2]
    }

    fn setup(hwm: usize) -> (Pipe, Pipe, Arc<Log>, Arc<Log>) {
        let (mut a, mut b) = pair(flows(hwm, false));
        let (la, lb) = (Arc::new(Log::default()), Arc::new(Log::default()));
        a.set_waker(la.clone(), PipeKey(1));
        b.set_waker(lb.clone(), PipeKey(2));
        (a, b, la, lb)
    }

    #[test]
    fn multipart_is_atomic() {
        let (mut a, mut b, _la, lb) = setup(0);
        assert!(!b.check_read());
        a.write(frame(b"1", true));
        assert!(!b.check_read(), "half a message is invisible");
        assert!(lb.take().is_empty());
        a.write(frame(b"2", false));
        assert_eq!(lb.take(), vec![(PipeKey(2), PipeEvent::Readable)]);
        assert_eq!(b.read().unwrap().data(), b"1");
        assert_eq!(b.read().unwrap().data(), b"2");
        assert!(b.read().is_none());
    }

    #[test]
    fn one_wakeup_per_empty_to_non_empty() {
        let (mut a, mut b, _la, lb) = setup(0);
        assert!(b.read().is_none());
        for i in 0..10u8 {
            a.write(frame(&[i], false));
        }
        assert_eq!(lb.take().len(), 1);
        for i in 0..10u8 {
            assert_eq!(b.read().unwrap().data(), &[i]);
        }
    }

    #[test]
    fn hwm_counts_messages_and_reader_grants_room() {
        let (mut a, mut b, la, _lb) = setup(3);
        for _ in 0..3 {
            assert!(a.check_write());
            a.write(frame(b"x", true));
            a.write(frame(b"y", false));
        }
        assert!(!a.check_write());
        assert!(la.take().is_empty());
        // Credit comes back every lwm = 2 messages, not per message.
        assert!(b.read().is_some() && b.read().is_some());
        assert!(la.take().is_empty());
        assert!(!a.check_write());
        assert!(b.read().is_some() && b.read().is_some());
        assert_eq!(la.take(), vec![(PipeKey(1), PipeEvent::Writable)]);
        assert!(a.check_write());
    }

    #[test]
    fn close_keeps_sent_messages_readable() {
        let (mut a, mut b, _la, lb) = setup(0);
        a.write(frame(b"last words", false));
        a.close();
        assert!(lb.take().contains(&(PipeKey(2), PipeEvent::PeerClosed)));
        assert!(!b.check_write());
        assert_eq!(b.read().unwrap().data(), b"last words");
        assert!(b.read().is_none());
        assert!(b.is_finished());
    }

    #[test]
    fn closing_reader_drops_unread_and_stops_writer() {
        let (mut a, mut b, la, _lb) = setup(0);
        a.write(frame(b"lost", false));
        b.close();
        assert!(la.take().contains(&(PipeKey(1), PipeEvent::PeerClosed)));
        assert!(!a.check_write());
        assert!(a.is_peer_closed());
    }

    #[test]
    fn every_write_path_sees_a_closed_reader() {
        // `write` of one frame, `flush` of a multipart and `flush_staged`
        // all find the reader gone and drop what they held.
        for path in 0..3 {
            let (mut a, mut b, _la, _lb) = setup(0);
            b.close();
            match path {
                0 => a.write(frame(b"x", false)),
                1 => {
                    a.write(frame(b"x", true));
                    a.write(frame(b"y", false));
                }
                _ => {
                    a.stage(frame(b"x", false));
                    a.flush_staged();
                }
            }
            assert!(a.is_peer_closed(), "path {path}");
            assert!(!a.in_message(), "path {path}");
        }
    }

    #[test]
    fn first_comes_before_the_queue_and_takes_no_credit() {
        // Credit goes back every lwm = 2 messages read.
        let (mut a, mut b, la, _lb) = setup(4);
        for m in [b"1", b"2", b"3", b"4"] {
            a.write(frame(m, false));
        }
        assert!(!a.check_write());
        b.put_first(frame(b"hello", false));
        b.put_first(frame(b"HELLO", false));
        assert_eq!(b.read().unwrap().data(), b"HELLO", "the last put replaces");
        assert_eq!(b.read().unwrap().data(), b"1");
        assert!(la.take().is_empty(), "the first message granted no credit");
        assert_eq!(b.read().unwrap().data(), b"2");
        assert_eq!(la.take(), vec![(PipeKey(1), PipeEvent::Writable)]);
        b.put_first(frame(b"dropped", false));
        b.drop_first();
        assert_eq!(b.read().unwrap().data(), b"3");
    }

    #[test]
    fn disconnect_msg_is_written_once_by_the_leaving_peer() {
        let (mut a, mut b, _la, _lb) = setup(0);
        b.set_disconnect_msg(Bytes::from_static(b"BYE"));
        // The end that asked sends nothing when it leaves itself.
        b.send_disconnect_msg();
        assert!(!a.check_read());
        a.write(frame(b"half", true));
        a.send_disconnect_msg();
        a.send_disconnect_msg();
        a.close();
        assert_eq!(b.read().unwrap().data(), b"BYE");
        assert!(b.read().is_none() && b.is_finished());
    }

    #[test]
    fn conflate_keeps_newest() {
        let (mut a, mut b) = pair(flows(1, true));
        for i in 0..5u8 {
            assert!(a.check_write());
            a.write(frame(&[i], false));
        }
        assert_eq!(b.read().unwrap().data(), &[4]);
        assert!(b.read().is_none());
    }

    #[test]
    fn routing_ids_are_exchanged() {
        let (a, b) = pair([Flow::default(); 2]);
        assert!(b.peer_routing_id().is_none());
        a.set_own_info(EndInfo {
            routing_id: Bytes::from_static(b"A"),
            ..EndInfo::default()
        });
        assert_eq!(b.peer_routing_id().unwrap(), &b"A"[..]);
    }

    #[test]
    fn cross_thread_stream() {
        let (mut a, mut b) = pair(flows(10, false));
        let writer = std::thread::spawn(move || {
            let mut i = 0u32;
            while i < 10_000 {
                if a.check_write() {
                    a.write(Msg::from_slice(&i.to_le_bytes()));
                    i += 1;
                } else {
                    std::thread::yield_now();
                }
            }
            a
        });
        let mut next = 0u32;
        while next < 10_000 {
            match b.read() {
                Some(m) => {
                    assert_eq!(m.data(), next.to_le_bytes());
                    next += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        drop(writer.join().unwrap());
    }
}
