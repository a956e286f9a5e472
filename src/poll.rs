//! Waiting for events on sockets and plain file descriptors (`zmq_poll`,
//! `zmq_ppoll`, the DRAFT `zmq_poller_*`, and the proxy). A socket is
//! watched through its `ZMQ_FD`; its real state is read from `ZMQ_EVENTS`
//! (which processes its pending commands), so a wake-up without an event
//! just loops. A thread-safe socket has no `ZMQ_FD`: it is watched through
//! a signaler of the caller's own that the socket wakes (the calling
//! thread's for `zmq_poll`, the poller's for `zmq_poller_*`; see
//! `socket::waiters`).

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::io::Signaler;
use crate::socket::waiters::{self, Registration};
use crate::socket::Socket;

pub const POLLIN: i16 = 1;
pub const POLLOUT: i16 = 2;
pub const POLLERR: i16 = 4;
pub const POLLPRI: i16 = 8;

/// What an item watches.
#[derive(Clone)]
pub enum Target {
    Socket(Arc<Socket>),
    Fd(RawFd),
}

/// One watched object: what it is and which `ZMQ_POLL*` events matter.
#[derive(Clone)]
pub struct Item {
    pub target: Target,
    pub events: i16,
}

fn os_events(events: i16) -> i16 {
    let mut e = 0;
    if events & POLLIN != 0 {
        e |= libc::POLLIN;
    }
    if events & POLLOUT != 0 {
        e |= libc::POLLOUT;
    }
    if events & POLLPRI != 0 {
        e |= libc::POLLPRI;
    }
    e
}

fn zmq_events(revents: i16, wanted: i16) -> i16 {
    let mut e = 0;
    if revents & libc::POLLIN != 0 {
        e |= POLLIN;
    }
    if revents & libc::POLLOUT != 0 {
        e |= POLLOUT;
    }
    if revents & libc::POLLPRI != 0 {
        e |= POLLPRI;
    }
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        e |= POLLERR;
    }
    e & (wanted | POLLERR)
}

/// Waits until at least one item has one of its events, or the timeout
/// (milliseconds; negative: for ever; 0: just look) passes. Fills
/// `revents` (one per item) and returns how many items have events.
/// A signal interrupts the wait (`EINTR`); with `sigmask`, the wait runs
/// with that signal mask (`ppoll`).
pub fn poll(
    items: &[Item],
    revents: &mut [i16],
    timeout_ms: i64,
    sigmask: Option<&libc::sigset_t>,
) -> Result<usize> {
    // Thread-safe sockets wake the calling thread's signaler meanwhile.
    let safe: Vec<_> = items
        .iter()
        .filter_map(|item| match &item.target {
            Target::Socket(s) => s.waiters(),
            Target::Fd(_) => None,
        })
        .collect();
    let own = (!safe.is_empty())
        .then(waiters::thread_signaler)
        .transpose()?;
    let _regs: Vec<_> = own
        .iter()
        .flat_map(|own| safe.iter().map(|w| Registration::new(w, own.clone())))
        .collect();
    poll_with(items, revents, timeout_ms, sigmask, own.as_ref())
}

/// `poll`, with `own` the signaler the thread-safe sockets among `items`
/// already wake.
fn poll_with(
    items: &[Item],
    revents: &mut [i16],
    timeout_ms: i64,
    sigmask: Option<&libc::sigset_t>,
    own: Option<&Arc<Signaler>>,
) -> Result<usize> {
    let deadline =
        (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut fds: Vec<libc::pollfd> = items
        .iter()
        .map(|item| match &item.target {
            Target::Socket(s) => libc::pollfd {
                fd: match (s.is_thread_safe(), own) {
                    (true, Some(own)) => own.fd(),
                    _ => s.fd(),
                },
                events: libc::POLLIN,
                revents: 0,
            },
            Target::Fd(fd) => libc::pollfd {
                fd: *fd,
                events: os_events(item.events),
                revents: 0,
            },
        })
        .collect();
    let mut first = true;
    loop {
        // Sleep only once the sockets were checked and found idle.
        let wait_ms = if first || timeout_ms == 0 {
            0
        } else {
            match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    left.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32
                }
            }
        };
        os_poll(&mut fds, wait_ms, sigmask)?;
        // Cleared before the sockets are looked at: a change after the
        // look signals again.
        if let Some(own) = own {
            own.drain();
        }
        let mut ready = 0;
        for ((item, pfd), rev) in items.iter().zip(&fds).zip(revents.iter_mut()) {
            *rev = match &item.target {
                Target::Fd(_) => zmq_events(pfd.revents, item.events),
                Target::Socket(s) => s.events()? as i16 & item.events,
            };
            if *rev != 0 {
                ready += 1;
            }
        }
        if ready > 0 || timeout_ms == 0 {
            return Ok(ready);
        }
        if !first && deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
        first = false;
    }
}

/// `poll(2)` or `ppoll(2)`; `EINTR` is reported, not retried.
pub fn os_poll(
    fds: &mut [libc::pollfd],
    wait_ms: i32,
    sigmask: Option<&libc::sigset_t>,
) -> Result<usize> {
    Ok(crate::sys::fd::poll(fds, wait_ms, sigmask)?)
}

/// Only `ZMQ_POLLIN`, `ZMQ_POLLOUT`, `ZMQ_POLLERR` and `ZMQ_POLLPRI` exist.
fn check_events(events: i16) -> Result<()> {
    if events & !(POLLIN | POLLOUT | POLLERR | POLLPRI) != 0 {
        return Err(Error::Inval);
    }
    Ok(())
}

/// A set of items polled repeatedly (DRAFT `zmq_poller_*`).
#[derive(Default)]
pub struct Poller {
    items: Vec<(Item, usize)>,
    /// Woken by the thread-safe sockets among the items; made when the
    /// first one is added (`zmq_poller_fd`).
    signaler: Option<Arc<Signaler>>,
    /// One per thread-safe socket item, in no particular order.
    registrations: Vec<(Arc<Socket>, Registration)>,
}

/// One event a poller reports: the item's index and its events.
pub struct Event {
    pub index: usize,
    pub user_data: usize,
    pub events: i16,
}

impl Poller {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn find(&self, target: &Target) -> Option<usize> {
        self.items
            .iter()
            .position(|(i, _)| match (&i.target, target) {
                (Target::Socket(a), Target::Socket(b)) => Arc::ptr_eq(a, b),
                (Target::Fd(a), Target::Fd(b)) => a == b,
                _ => false,
            })
    }

    /// Adds an item; `EINVAL` if it is already there or for unknown events.
    pub fn add(&mut self, target: Target, user_data: usize, events: i16) -> Result<()> {
        check_events(events)?;
        if self.find(&target).is_some() {
            return Err(Error::Inval);
        }
        if let Target::Socket(s) = &target {
            if let Some(w) = s.waiters() {
                let signaler = match &self.signaler {
                    Some(sig) => sig.clone(),
                    None => self.signaler.insert(Arc::new(Signaler::new()?)).clone(),
                };
                self.registrations
                    .push((s.clone(), Registration::new(w, signaler)));
            }
        }
        self.items.push((Item { target, events }, user_data));
        Ok(())
    }

    /// The fd that becomes readable when a thread-safe socket among the
    /// items may have events (DRAFT `zmq_poller_fd`); `EINVAL` if none was
    /// ever added, as in libzmq.
    pub fn fd(&self) -> Result<RawFd> {
        self.signaler.as_ref().map(|s| s.fd()).ok_or(Error::Inval)
    }

    /// Changes an item's events; `EINVAL` if it is not there.
    pub fn modify(&mut self, target: &Target, events: i16) -> Result<()> {
        check_events(events)?;
        let i = self.find(target).ok_or(Error::Inval)?;
        self.items[i].0.events = events;
        Ok(())
    }

    /// Removes an item; `EINVAL` if it is not there.
    pub fn remove(&mut self, target: &Target) -> Result<()> {
        let i = self.find(target).ok_or(Error::Inval)?;
        self.items.remove(i);
        if let Target::Socket(s) = target {
            self.registrations.retain(|(x, _)| !Arc::ptr_eq(x, s));
        }
        Ok(())
    }

    /// The target and user data of item `index`.
    pub fn item(&self, index: usize) -> (&Target, usize) {
        (&self.items[index].0.target, self.items[index].1)
    }

    /// Waits for events on up to `max` items (`EAGAIN` if none come in time).
    pub fn wait(&self, max: usize, timeout_ms: i64) -> Result<Vec<Event>> {
        if self.items.iter().all(|(i, _)| i.events == 0) {
            // Nothing to wait for (no items, or none asks for an event):
            // waiting for ever is refused (`EFAULT`, as in libzmq); a
            // finite timeout is slept out.
            if timeout_ms < 0 {
                return Err(Error::Fault);
            }
            if timeout_ms != 0 {
                let mut none: [libc::pollfd; 0] = [];
                os_poll(
                    &mut none,
                    timeout_ms.clamp(-1, i32::MAX as i64) as i32,
                    None,
                )?;
            }
            return Err(Error::Again);
        }
        let items: Vec<Item> = self.items.iter().map(|(i, _)| i.clone()).collect();
        let mut revents = vec![0i16; items.len()];
        let n = poll_with(
            &items,
            &mut revents,
            timeout_ms,
            None,
            self.signaler.as_ref(),
        )?;
        if n == 0 {
            return Err(Error::Again);
        }
        Ok(revents
            .iter()
            .enumerate()
            .filter(|(_, &r)| r != 0)
            .take(max)
            .map(|(index, &events)| Event {
                index,
                user_data: self.items[index].1,
                events,
            })
            .collect())
    }
}
