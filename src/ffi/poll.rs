//! `zmq_poll`, `zmq_ppoll` and the DRAFT `zmq_poller_*`: the C view of
//! `crate::poll`.

use std::ffi::{c_long, c_short, c_void};

use libc::{c_int, sigset_t};

use super::boundary::call;
use super::handle::{borrow_mut, into_handle, take, Handle};
use super::pointer::{array_mut, target};
use super::socket::socket;
use crate::error::{Error, Result};
use crate::poll::{self, Item, Poller, Target};

/// `zmq_pollitem_t`.
#[repr(C)]
pub struct PollItem {
    pub socket: *mut c_void,
    pub fd: c_int,
    pub events: c_short,
    pub revents: c_short,
}

/// `zmq_poller_event_t`.
#[repr(C)]
pub struct PollerEvent {
    pub socket: *mut c_void,
    pub fd: c_int,
    pub user_data: *mut c_void,
    pub events: c_short,
}

fn poll_entry(
    items: *mut PollItem,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<&sigset_t>,
) -> Result<c_int> {
    if nitems < 0 {
        return Err(Error::Inval);
    }
    if nitems == 0 {
        // No items: a plain sleep, as in libzmq.
        if timeout != 0 {
            let ms = timeout.clamp(-1, c_int::MAX as c_long) as c_int;
            poll::os_poll(&mut [], ms, sigmask)?;
        }
        return Ok(0);
    }
    // SAFETY: the caller passes `nitems` poll items.
    let items = unsafe { array_mut(items, nitems as usize, Error::Fault) }?;
    let targets = items
        .iter()
        .map(|i| {
            Ok(Item {
                target: if i.socket.is_null() {
                    Target::Fd(i.fd)
                } else {
                    Target::Socket(socket(i.socket)?.clone())
                },
                events: i.events,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut revents = vec![0i16; items.len()];
    let n = poll::poll(&targets, &mut revents, timeout, sigmask)?;
    for (item, r) in items.iter_mut().zip(revents) {
        item.revents = r;
    }
    Ok(n as c_int)
}

#[no_mangle]
pub extern "C" fn zmq_poll(items: *mut PollItem, nitems: c_int, timeout: c_long) -> c_int {
    call(|| poll_entry(items, nitems, timeout, None))
}

#[no_mangle]
pub extern "C" fn zmq_ppoll(
    items: *mut PollItem,
    nitems: c_int,
    timeout: c_long,
    sigmask: *const sigset_t,
) -> c_int {
    call(|| {
        // SAFETY: a non-null mask points to a sigset_t (NULL means none).
        let mask = unsafe { sigmask.as_ref() };
        poll_entry(items, nitems, timeout, mask)
    })
}

/// What a poller handle points to; items remember the C socket handle so
/// events can name it.
struct PollerHandle {
    poller: Poller,
    sockets: Vec<*mut c_void>,
}

// SAFETY: the raw socket pointers are only handed back to C, never
// dereferenced from here; pollers are used from one thread at a time.
unsafe impl Send for PollerHandle {}

impl Handle for PollerHandle {
    const TAG: u32 = 0xcafe_babe;
    const BAD_HANDLE: Error = Error::Fault;
}

fn poller<'a>(p: *mut c_void) -> Result<&'a mut PollerHandle> {
    borrow_mut(p)
}

#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    call(|| {
        Ok(into_handle(PollerHandle {
            poller: Poller::default(),
            sockets: Vec::new(),
        }))
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    call(|| {
        // SAFETY: a non-null `poller_p` points to the caller's handle
        // variable.
        let slot = unsafe { target(poller_p, Error::Fault) }?;
        drop(take::<PollerHandle>(*slot)?);
        *slot = std::ptr::null_mut();
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_size(p: *mut c_void) -> c_int {
    call(|| Ok(poller(p)?.poller.len() as c_int))
}

fn socket_target(s: *mut c_void) -> Result<Target> {
    if s.is_null() {
        return Err(Error::NotSock);
    }
    Ok(Target::Socket(socket(s)?.clone()))
}

#[no_mangle]
pub extern "C" fn zmq_poller_add(
    p: *mut c_void,
    s: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    call(|| {
        let h = poller(p)?;
        h.poller
            .add(socket_target(s)?, user_data as usize, events)?;
        h.sockets.push(s);
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_modify(p: *mut c_void, s: *mut c_void, events: c_short) -> c_int {
    call(|| {
        poller(p)?.poller.modify(&socket_target(s)?, events)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_remove(p: *mut c_void, s: *mut c_void) -> c_int {
    call(|| {
        let h = poller(p)?;
        h.poller.remove(&socket_target(s)?)?;
        h.sockets.retain(|&x| x != s);
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_add_fd(
    p: *mut c_void,
    fd: c_int,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    call(|| {
        if fd < 0 {
            return Err(Error::Os(libc::EBADF));
        }
        poller(p)?
            .poller
            .add(Target::Fd(fd), user_data as usize, events)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_modify_fd(p: *mut c_void, fd: c_int, events: c_short) -> c_int {
    call(|| {
        if fd < 0 {
            return Err(Error::Os(libc::EBADF));
        }
        poller(p)?.poller.modify(&Target::Fd(fd), events)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_remove_fd(p: *mut c_void, fd: c_int) -> c_int {
    call(|| {
        if fd < 0 {
            return Err(Error::Os(libc::EBADF));
        }
        poller(p)?.poller.remove(&Target::Fd(fd))?;
        Ok(0)
    })
}

/// Writes up to `out.len()` events; returns how many.
fn wait_into(h: &PollerHandle, out: &mut [PollerEvent], timeout: c_long) -> Result<c_int> {
    let events = match h.poller.wait(out.len(), timeout) {
        Ok(e) => e,
        Err(e) => {
            // Nothing to report: the caller's events are cleared.
            for slot in out.iter_mut() {
                *slot = PollerEvent {
                    socket: std::ptr::null_mut(),
                    fd: -1,
                    user_data: std::ptr::null_mut(),
                    events: 0,
                };
            }
            return Err(e);
        }
    };
    for (slot, ev) in out.iter_mut().zip(&events) {
        let (target, _) = h.poller.item(ev.index);
        *slot = match target {
            Target::Socket(s) => PollerEvent {
                socket: h
                    .sockets
                    .iter()
                    .copied()
                    .find(|&raw| socket(raw).is_ok_and(|x| std::sync::Arc::ptr_eq(x, s)))
                    .unwrap_or(std::ptr::null_mut()),
                fd: -1,
                user_data: ev.user_data as *mut c_void,
                events: ev.events,
            },
            Target::Fd(fd) => PollerEvent {
                socket: std::ptr::null_mut(),
                fd: *fd,
                user_data: ev.user_data as *mut c_void,
                events: ev.events,
            },
        };
    }
    Ok(events.len() as c_int)
}

#[no_mangle]
pub extern "C" fn zmq_poller_wait(
    p: *mut c_void,
    event: *mut PollerEvent,
    timeout: c_long,
) -> c_int {
    call(|| {
        let h = poller(p)?;
        // SAFETY: the caller passes one writable event.
        let out = unsafe { array_mut(event, 1, Error::Fault) }?;
        wait_into(h, out, timeout).map(|_| 0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_wait_all(
    p: *mut c_void,
    events: *mut PollerEvent,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    call(|| {
        let h = poller(p)?;
        // A NULL array is `EFAULT` even with a bad count.
        if events.is_null() {
            return Err(Error::Fault);
        }
        let n = usize::try_from(n_events).map_err(|_| Error::Inval)?;
        // SAFETY: the caller passes `n_events` writable events.
        let out = unsafe { array_mut(events, n, Error::Fault) }?;
        wait_into(h, out, timeout)
    })
}

#[no_mangle]
pub extern "C" fn zmq_poller_fd(p: *mut c_void, fd: *mut c_int) -> c_int {
    call(|| {
        let h = poller(p)?;
        // Only pollers of thread-safe sockets have an fd (as in libzmq).
        let v = h.poller.fd()?;
        // SAFETY: the caller passes a writable int.
        *unsafe { target(fd, Error::Fault) }? = v;
        Ok(0)
    })
}
