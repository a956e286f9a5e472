//! `Waiters`: how the thread-safe socket types (CLIENT, SERVER, RADIO,
//! DISH, SCATTER, GATHER, PEER, CHANNEL) wake everyone who waits on them.
//!
//! A classic socket has one user at a time, who sleeps on the mailbox fd
//! (`ZMQ_FD`). A thread-safe socket may have several threads blocked in
//! send/recv and several pollers at once, and whichever of them processes
//! the mailbox drains its fd: the others would sleep through a change
//! meant for them. So each waiter brings its own signaler (a blocked
//! thread its thread's, a poller its poller's) and registers it here;
//! every command posted to the socket signals all of them, and each one
//! only ever drains its own. This module never blocks and never reads the
//! mailbox.

use std::cell::RefCell;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::Result;
use crate::io::Signaler;

/// The signalers of everyone waiting on one thread-safe socket.
#[derive(Default)]
pub struct Waiters {
    list: Mutex<Vec<Arc<Signaler>>>,
}

impl Waiters {
    /// Adds a waiter; one signaler may be added more than once (a thread
    /// blocked in a call while its poller also watches the socket), and is
    /// then removed as often.
    pub fn add(&self, s: Arc<Signaler>) {
        self.list.lock().push(s);
    }

    /// Removes one registration of `s`.
    pub fn remove(&self, s: &Arc<Signaler>) {
        let mut list = self.list.lock();
        if let Some(i) = list.iter().position(|x| Arc::ptr_eq(x, s)) {
            list.swap_remove(i);
        }
    }

    /// Something changed: every waiter looks again.
    pub fn wake_all(&self) {
        let list = self.list.lock();
        for s in list.iter() {
            s.signal();
        }
    }
}

thread_local! {
    /// The calling thread's own signaler, made on its first blocking call
    /// on a thread-safe socket (or `zmq_poll` of one).
    static OWN: RefCell<Option<Arc<Signaler>>> = const { RefCell::new(None) };
}

/// The calling thread's signaler, drained (a left-over signal from an
/// earlier wait would only cost a spurious wake-up, but costs nothing to
/// clear here).
pub fn thread_signaler() -> Result<Arc<Signaler>> {
    OWN.with(|own| {
        let mut own = own.borrow_mut();
        if let Some(s) = own.as_ref() {
            s.drain();
            return Ok(s.clone());
        }
        let s = Arc::new(Signaler::new()?);
        *own = Some(s.clone());
        Ok(s)
    })
}

/// A registration that ends when dropped.
pub struct Registration {
    waiters: Arc<Waiters>,
    signaler: Arc<Signaler>,
}

impl Registration {
    pub fn new(waiters: &Arc<Waiters>, signaler: Arc<Signaler>) -> Registration {
        waiters.add(signaler.clone());
        Registration {
            waiters: waiters.clone(),
            signaler,
        }
    }

    pub fn signaler(&self) -> &Arc<Signaler> {
        &self.signaler
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.waiters.remove(&self.signaler);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_registered_waiter_is_woken_until_it_leaves() {
        let w = Arc::new(Waiters::default());
        let a = Arc::new(Signaler::new().unwrap());
        let b = Arc::new(Signaler::new().unwrap());
        let ra = Registration::new(&w, a.clone());
        let _rb = Registration::new(&w, b.clone());
        w.wake_all();
        assert!(a.wait(Some(Duration::ZERO)).is_ok());
        assert!(b.wait(Some(Duration::ZERO)).is_ok());
        // Draining one leaves the other signalled.
        assert!(a.drain());
        assert!(b.wait(Some(Duration::ZERO)).is_ok());
        b.drain();
        drop(ra);
        w.wake_all();
        assert!(a.wait(Some(Duration::ZERO)).is_err());
        assert!(b.wait(Some(Duration::ZERO)).is_ok());
    }

    #[test]
    fn a_signaler_registered_twice_stays_until_removed_twice() {
        let w = Arc::new(Waiters::default());
        let a = Arc::new(Signaler::new().unwrap());
        let r1 = Registration::new(&w, a.clone());
        let r2 = Registration::new(&w, a.clone());
        drop(r1);
        w.wake_all();
        assert!(a.drain());
        drop(r2);
        w.wake_all();
        assert!(!a.drain());
    }

    #[test]
    fn thread_signaler_is_reused_and_drained() {
        let s1 = thread_signaler().unwrap();
        s1.signal();
        let s2 = thread_signaler().unwrap();
        assert!(Arc::ptr_eq(&s1, &s2));
        assert!(s2.wait(Some(Duration::ZERO)).is_err());
    }
}
