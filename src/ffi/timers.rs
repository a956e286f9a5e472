//! `zmq_timers_*`: the C face of `TimerSet` (man page zmq_timers(3)), with
//! the clock read here (`Instant::now`, monotonic) and C handlers run here.
//!
//! A handler may call back into the same set while `zmq_timers_execute`
//! runs: cancel, add, reset or re-time any timer (itself included), run a
//! nested execute, or even destroy the set. So the set lives in a `RefCell`
//! that is never borrowed while a handler runs, and a destroy during
//! execute is completed by the outermost execute once handlers are done.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::time::{Duration, Instant};

use libc::{c_int, c_long, size_t};

use super::boundary::call;
use super::handle::{borrow, into_handle, take, Handle};
use super::pointer::target;
use crate::error::{Error, Result};
use crate::timers::TimerSet;

/// `zmq_timer_fn`.
type TimerFn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// A timer's C handler and the argument it is called with.
#[derive(Clone, Copy)]
struct Callback {
    handler: TimerFn,
    arg: *mut c_void,
}

/// What a timer-set handle points to.
struct Timers {
    set: RefCell<TimerSet<Callback>>,
    /// How many `zmq_timers_execute` calls are running on this set
    /// (more than one when a handler executes the set again).
    executing: Cell<u32>,
    /// Destroyed by a handler: the handle is dead to C, and the outermost
    /// execute frees it.
    destroyed: Cell<bool>,
}

impl Handle for Timers {
    const TAG: u32 = 0x7133_e7a5;
    const BAD_HANDLE: Error = Error::Fault;
}

/// The live timer set behind a handle, or `EFAULT`.
fn timers<'a>(p: *mut c_void) -> Result<&'a Timers> {
    let timers = borrow::<Timers>(p)?;
    if timers.destroyed.get() {
        return Err(Error::Fault);
    }
    Ok(timers)
}

fn interval(ms: size_t) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    call(|| {
        Ok(into_handle(Timers {
            set: RefCell::new(TimerSet::new()),
            executing: Cell::new(0),
            destroyed: Cell::new(false),
        }))
    })
}

/// Frees the set at `*timers_pp` and sets it to NULL. `EFAULT` for a NULL
/// `timers_pp`, a NULL `*timers_pp` or a foreign handle.
#[no_mangle]
pub extern "C" fn zmq_timers_destroy(timers_pp: *mut *mut c_void) -> c_int {
    call(|| {
        // SAFETY: a non-null `timers_pp` points to the caller's handle
        // variable.
        let slot = unsafe { target(timers_pp, Error::Fault) }?;
        let t = timers(*slot)?;
        if t.executing.get() > 0 {
            // A handler destroys its own set: the running execute still
            // holds it, and frees it on the way out.
            t.destroyed.set(true);
        } else {
            drop(take::<Timers>(*slot)?);
        }
        *slot = std::ptr::null_mut();
        Ok(0)
    })
}

/// Adds a timer due every `interval` ms; returns its id (from 1 up).
/// `EFAULT` for a bad handle or a NULL handler.
#[no_mangle]
pub extern "C" fn zmq_timers_add(
    timers_p: *mut c_void,
    interval_ms: size_t,
    handler: Option<TimerFn>,
    arg: *mut c_void,
) -> c_int {
    call(|| {
        let t = timers(timers_p)?;
        let handler = handler.ok_or(Error::Fault)?;
        let id = t.set.borrow_mut().add(
            Instant::now(),
            interval(interval_ms),
            Callback { handler, arg },
        );
        Ok(id)
    })
}

/// `EINVAL` for an id that is unknown or already cancelled.
#[no_mangle]
pub extern "C" fn zmq_timers_cancel(timers_p: *mut c_void, timer_id: c_int) -> c_int {
    call(|| {
        timers(timers_p)?.set.borrow_mut().cancel(timer_id)?;
        Ok(0)
    })
}

/// Sets the interval and re-arms the timer `interval` ms from now.
#[no_mangle]
pub extern "C" fn zmq_timers_set_interval(
    timers_p: *mut c_void,
    timer_id: c_int,
    interval_ms: size_t,
) -> c_int {
    call(|| {
        timers(timers_p)?.set.borrow_mut().set_interval(
            Instant::now(),
            timer_id,
            interval(interval_ms),
        )?;
        Ok(0)
    })
}

/// Re-arms the timer one interval from now.
#[no_mangle]
pub extern "C" fn zmq_timers_reset(timers_p: *mut c_void, timer_id: c_int) -> c_int {
    call(|| {
        timers(timers_p)?
            .set
            .borrow_mut()
            .reset(Instant::now(), timer_id)?;
        Ok(0)
    })
}

/// Milliseconds until the next timer is due (0 if one is overdue), or -1
/// when there are no timers. For that -1 errno is set to `EINVAL`, which
/// zmq_timers(3) lists for this function and libzmq's own test expects.
#[no_mangle]
pub extern "C" fn zmq_timers_timeout(timers_p: *mut c_void) -> c_long {
    call(|| {
        let left = timers(timers_p)?
            .set
            .borrow()
            .timeout(Instant::now())
            .ok_or(Error::Inval)?;
        // Round up: a caller that sleeps this long finds the timer due.
        let ms = left.as_nanos().div_ceil(1_000_000);
        Ok(c_long::try_from(ms).unwrap_or(c_long::MAX))
    })
}

/// Runs the handler of every timer due now, once each, earliest first.
#[no_mangle]
pub extern "C" fn zmq_timers_execute(timers_p: *mut c_void) -> c_int {
    call(|| {
        let t = timers(timers_p)?;
        let round = t.set.borrow().start_round(Instant::now());
        t.executing.set(t.executing.get() + 1);
        loop {
            // The borrow ends before the handler runs, so the handler may
            // use the set.
            let due = t.set.borrow_mut().next_due(&round);
            let Some((id, callback)) = due else { break };
            // SAFETY: `handler` is the non-null C function given to
            // `zmq_timers_add`, called with that call's argument.
            unsafe { (callback.handler)(id, callback.arg) };
            if t.destroyed.get() {
                break;
            }
        }
        t.executing.set(t.executing.get() - 1);
        if t.destroyed.get() && t.executing.get() == 0 {
            // The set was destroyed by a handler; `t` is not used again.
            drop(take::<Timers>(timers_p)?);
        }
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::{errno, set_errno};
    use std::ptr::null_mut;

    /// What the test handlers see (through a shared pointer, so the test
    /// can keep reading it): the set, and what ran.
    struct Probe {
        timers: Cell<*mut c_void>,
        ran: RefCell<Vec<c_int>>,
        /// Ids for `cancel_these` to cancel, and the results it got.
        cancel: RefCell<Vec<c_int>>,
        results: RefCell<Vec<(c_int, c_int)>>,
    }

    impl Probe {
        fn new(timers: *mut c_void) -> Probe {
            Probe {
                timers: Cell::new(timers),
                ran: RefCell::new(Vec::new()),
                cancel: RefCell::new(Vec::new()),
                results: RefCell::new(Vec::new()),
            }
        }
        fn arg(&self) -> *mut c_void {
            self as *const Probe as *mut c_void
        }
        fn ran(&self) -> Vec<c_int> {
            self.ran.borrow().clone()
        }
    }

    /// # Safety
    /// `arg` must point to a `Probe` that outlives the returned reference.
    unsafe fn probe<'a>(arg: *mut c_void) -> &'a Probe {
        // SAFETY: (test) guaranteed by the caller.
        unsafe { &*(arg as *const Probe) }
    }

    unsafe extern "C" fn record(id: c_int, arg: *mut c_void) {
        // SAFETY: (test) tests pass a `Probe` that outlives the set.
        unsafe { probe(arg) }.ran.borrow_mut().push(id);
    }

    unsafe extern "C" fn cancel_these(id: c_int, arg: *mut c_void) {
        // SAFETY: (test) tests pass a `Probe` that outlives the set.
        let p = unsafe { probe(arg) };
        p.ran.borrow_mut().push(id);
        for victim in p.cancel.take() {
            let rc = zmq_timers_cancel(p.timers.get(), victim);
            p.results.borrow_mut().push((rc, 0));
        }
    }

    unsafe extern "C" fn destroy_set(id: c_int, arg: *mut c_void) {
        // SAFETY: (test) tests pass a `Probe` that outlives the set.
        let p = unsafe { probe(arg) };
        p.ran.borrow_mut().push(id);
        let mut handle = p.timers.get();
        let rc = zmq_timers_destroy(&mut handle);
        p.results.borrow_mut().push((rc, 0));
        // The set is dead to C at once.
        let rc = zmq_timers_cancel(p.timers.get(), id);
        p.results.borrow_mut().push((rc, errno()));
        p.timers.set(handle);
    }

    fn add(t: *mut c_void, ms: size_t, f: TimerFn, arg: *mut c_void) -> c_int {
        let id = zmq_timers_add(t, ms, Some(f), arg);
        assert!(id > 0, "add failed: errno {}", errno());
        id
    }

    #[test]
    fn lifecycle_and_errors() {
        let mut t = zmq_timers_new();
        assert!(!t.is_null());
        set_errno(0);
        assert_eq!(zmq_timers_timeout(t), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(zmq_timers_execute(t), 0);

        let p = Probe::new(t);
        assert_eq!(add(t, 1000, record, p.arg()), 1);
        assert_eq!(add(t, 1000, record, p.arg()), 2);
        let left = zmq_timers_timeout(t);
        assert!((900..=1000).contains(&left), "{left}");
        assert_eq!(zmq_timers_set_interval(t, 1, 5000), 0);
        assert_eq!(zmq_timers_reset(t, 2), 0);
        assert_eq!(zmq_timers_cancel(t, 1), 0);
        assert_eq!(zmq_timers_cancel(t, 1), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(zmq_timers_set_interval(t, 1, 10), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(zmq_timers_reset(t, 7), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(zmq_timers_add(t, 10, None, null_mut()), -1);
        assert_eq!(errno(), libc::EFAULT);

        assert_eq!(zmq_timers_destroy(&mut t), 0);
        assert!(t.is_null());
        assert_eq!(zmq_timers_destroy(&mut t), -1);
        assert_eq!(errno(), libc::EFAULT);
        assert_eq!(zmq_timers_destroy(null_mut()), -1);
        assert!(p.ran().is_empty());
    }

    #[test]
    fn bad_handles_give_efault() {
        // Zeroed memory that is not a timer set.
        let mut not_timers = [0u64; 8];
        let foreign = not_timers.as_mut_ptr() as *mut c_void;
        for h in [null_mut(), foreign] {
            set_errno(0);
            assert_eq!(zmq_timers_add(h, 1, Some(record), null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_timers_cancel(h, 1), -1);
            assert_eq!(zmq_timers_set_interval(h, 1, 1), -1);
            assert_eq!(zmq_timers_reset(h, 1), -1);
            assert_eq!(zmq_timers_execute(h), -1);
            set_errno(0);
            assert_eq!(zmq_timers_timeout(h), -1);
            assert_eq!(errno(), libc::EFAULT);
            let mut p = h;
            assert_eq!(zmq_timers_destroy(&mut p), -1);
            assert_eq!(p, h);
        }
    }

    #[test]
    fn due_timers_run_with_their_id_and_arg() {
        let mut t = zmq_timers_new();
        let p = Probe::new(t);
        let a = add(t, 0, record, p.arg());
        let b = add(t, 0, record, p.arg());
        let later = add(t, 60_000, record, p.arg());
        assert_eq!(zmq_timers_timeout(t), 0);
        assert_eq!(zmq_timers_execute(t), 0);
        assert_eq!(p.ran(), [a, b]);
        // Zero-interval timers run once per execute, not in a loop.
        assert_eq!(zmq_timers_execute(t), 0);
        assert_eq!(p.ran(), [a, b, a, b]);
        assert_eq!(zmq_timers_cancel(t, later), 0);
        assert_eq!(zmq_timers_destroy(&mut t), 0);
    }

    #[test]
    fn handler_may_cancel_itself_and_others() {
        let mut t = zmq_timers_new();
        let p = Probe::new(t);
        let first = add(t, 0, cancel_these, p.arg());
        let second = add(t, 0, record, p.arg());
        let third = add(t, 0, record, p.arg());
        p.cancel.replace(vec![first, second]);
        assert_eq!(zmq_timers_execute(t), 0);
        // `second` was due but cancelled before its turn.
        assert_eq!(p.ran(), [first, third]);
        assert_eq!(*p.results.borrow(), [(0, 0), (0, 0)]);
        assert_eq!(zmq_timers_execute(t), 0);
        assert_eq!(p.ran(), [first, third, third]);
        assert_eq!(zmq_timers_cancel(t, first), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(zmq_timers_destroy(&mut t), 0);
    }

    #[test]
    fn handler_may_destroy_the_set() {
        let t = zmq_timers_new();
        let p = Probe::new(t);
        let first = add(t, 0, destroy_set, p.arg());
        add(t, 0, record, p.arg());
        assert_eq!(zmq_timers_execute(t), 0);
        // Destroy succeeded and cleared the pointer; the set was dead to
        // C from then on; nothing else ran.
        assert_eq!(*p.results.borrow(), [(0, 0), (-1, libc::EFAULT)]);
        assert!(p.timers.get().is_null());
        assert_eq!(p.ran(), [first]);
    }

    #[test]
    fn huge_interval_saturates_the_timeout() {
        let mut t = zmq_timers_new();
        let p = Probe::new(t);
        add(t, size_t::MAX, record, p.arg());
        assert_eq!(zmq_timers_timeout(t), c_long::MAX);
        assert_eq!(zmq_timers_execute(t), 0);
        assert!(p.ran().is_empty());
        assert_eq!(zmq_timers_destroy(&mut t), 0);
    }
}
