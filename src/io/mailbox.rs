//! `Mailbox`: a multi-producer command queue read by one thread, with a
//! `Signaler` that is written only when the queue turns from empty to
//! non-empty while its reader may be asleep — never once per command.
//!
//! Invariant: the signaler's fd is readable exactly while `signalled` is
//! true; both change only under the queue's lock.

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::signaler::Signaler;
use crate::error::Result;

pub struct Mailbox<C> {
    state: Mutex<State<C>>,
    signaler: Signaler,
    /// True while commands are queued or the fd is signalled, so the
    /// reader's common case (nothing there) costs one load, no lock.
    /// Written only under the lock.
    busy: AtomicBool,
    /// The reader waits on the fd through edge-triggered epoll, which
    /// reports every write: the fd is then never drained (one read(2)
    /// less per wake-up), only `signalled` is reset.
    edge: bool,
}

struct State<C> {
    queue: VecDeque<C>,
    signalled: bool,
}

impl<C> Mailbox<C> {
    pub fn new() -> Result<Mailbox<C>> {
        Ok(Mailbox {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                signalled: false,
            }),
            signaler: Signaler::new()?,
            busy: AtomicBool::new(false),
            edge: false,
        })
    }

    /// A mailbox whose fd is only ever watched by edge-triggered epoll
    /// (an I/O thread's): never `wait`ed on, never handed out as `ZMQ_FD`.
    pub fn edge_triggered() -> Result<Mailbox<C>> {
        let mut mb = Mailbox::new()?;
        mb.edge = true;
        Ok(mb)
    }

    /// Queues a command and wakes the reader if needed.
    pub fn send(&self, cmd: C) {
        let wake = {
            let mut st = self.state.lock();
            st.queue.push_back(cmd);
            self.busy.store(true, Ordering::Release);
            !std::mem::replace(&mut st.signalled, true)
        };
        // Written after the lock is released, so the woken reader does not
        // find it held. Until the write lands, `signalled` is true and a
        // reader's drain finds nothing, which keeps it true (see `recv`).
        if wake {
            self.signaler.signal();
        }
    }

    /// Nothing queued and the fd not signalled (a hint: a command may
    /// arrive right after; `recv` and `wait` see it).
    #[inline]
    pub fn is_idle(&self) -> bool {
        !self.busy.load(Ordering::Acquire)
    }

    /// Takes the next command, if any. When the queue is found empty the fd
    /// is made unreadable, so a reader may then sleep on it.
    pub fn recv(&self) -> Option<C> {
        // A command queued right after this load is not lost: its fd
        // signal stays set, and the next call or wait sees it.
        if !self.busy.load(Ordering::Acquire) {
            return None;
        }
        let mut st = self.state.lock();
        let cmd = st.queue.pop_front();
        if cmd.is_none() {
            self.settle(&mut st);
        }
        cmd
    }

    /// Takes every queued command at once.
    pub fn recv_all(&self, out: &mut VecDeque<C>) {
        if !self.busy.load(Ordering::Acquire) {
            return;
        }
        let mut st = self.state.lock();
        if st.queue.is_empty() {
            self.settle(&mut st);
        } else {
            out.append(&mut st.queue);
        }
    }

    /// The queue is empty: makes the fd unreadable. A signal not yet
    /// written (a sender between its unlock and its write) leaves
    /// `signalled` set, so the next call drains it.
    fn settle(&self, st: &mut State<C>) {
        if self.edge {
            // A write still on its way only causes one spurious wake-up.
            st.signalled = false;
        } else if st.signalled {
            if !self.signaler.drain() {
                return;
            }
            st.signalled = false;
        }
        self.busy.store(false, Ordering::Release);
    }

    /// Sleeps until a command may be queued (see `Signaler::wait`).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        self.signaler.wait(timeout)
    }

    /// The fd that is readable while commands may be pending (`ZMQ_FD`).
    pub fn fd(&self) -> RawFd {
        self.signaler.fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn signals_only_on_empty_to_non_empty() {
        let mb = Mailbox::new().unwrap();
        mb.send(1);
        mb.send(2);
        assert!(mb.wait(Some(Duration::ZERO)).is_ok());
        assert_eq!(mb.recv(), Some(1));
        assert_eq!(mb.recv(), Some(2));
        // still readable until the reader has seen the queue empty
        assert!(mb.wait(Some(Duration::ZERO)).is_ok());
        assert_eq!(mb.recv(), None);
        assert!(mb.wait(Some(Duration::ZERO)).is_err());
    }

    #[test]
    fn edge_triggered_mailbox_signals_each_empty_to_non_empty() {
        // Never drained: the fd stays readable, but a sender after the
        // reader saw the queue empty writes again (a new edge for epoll).
        let mb = Mailbox::edge_triggered().unwrap();
        mb.send(1);
        let mut out = VecDeque::new();
        mb.recv_all(&mut out);
        assert_eq!(out.drain(..).collect::<Vec<_>>(), vec![1]);
        mb.recv_all(&mut out);
        assert!(out.is_empty() && mb.is_idle());
        mb.send(2);
        assert!(!mb.is_idle());
        assert!(mb.state.lock().signalled, "the second send signalled again");
        assert_eq!(mb.recv(), Some(2));
    }

    #[test]
    fn cross_thread_wakeup() {
        let mb = Arc::new(Mailbox::new().unwrap());
        let writer = {
            let mb = mb.clone();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    mb.send(i);
                }
            })
        };
        let mut got = 0;
        while got < 1000 {
            match mb.recv() {
                Some(v) => {
                    assert_eq!(v, got);
                    got += 1;
                }
                None => mb.wait(Some(Duration::from_secs(5))).unwrap(),
            }
        }
        writer.join().unwrap();
    }
}
