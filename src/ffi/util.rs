//! libzmq's small standalone helpers: `zmq_z85_encode`/`zmq_z85_decode`,
//! `zmq_atomic_counter_*`, `zmq_stopwatch_*`, `zmq_sleep` and
//! `zmq_threadstart`/`zmq_threadclose`. None of them involves a context.
//!
//! libzmq trusts these pointers blindly; here a NULL or foreign handle is
//! reported (`EFAULT`, with the function's error value, or nothing at all
//! for `void` functions) instead of crashing.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use libc::{c_int, c_ulong, size_t};

use super::boundary::{call, ErrorReturn};
use super::handle::{borrow, into_handle, take, Handle};
use super::pointer::{array_mut, c_str, slice, target};
use crate::error::{Error, Result};
use crate::z85;

/// `unsigned long` is only returned by the stopwatch functions.
impl ErrorReturn for c_ulong {
    fn error_return() -> Self {
        0
    }
}

// ---------------------------------------------------------------------------
// Z85 (RFC 32)

/// `zmq_z85_encode`: writes `size * 5 / 4` characters and a NUL to `dest`
/// and returns `dest`; NULL with `EINVAL` if `size` is not a multiple of 4.
#[no_mangle]
pub extern "C" fn zmq_z85_encode(dest: *mut c_char, data: *const u8, size: size_t) -> *mut c_char {
    call(|| {
        let len = z85::encoded_len(size).ok_or(Error::Inval)?;
        // SAFETY: the caller passes `size` readable bytes.
        let input = unsafe { slice(data, size, Error::Fault) }?;
        // SAFETY: the caller provides room for `size * 5 / 4` characters
        // plus the terminator (zmq_z85_encode(3)).
        let out = unsafe { array_mut(dest.cast::<u8>(), len + 1, Error::Fault) }?;
        z85::encode_into(input, &mut out[..len])?;
        out[len] = 0;
        Ok(dest)
    })
}

/// `zmq_z85_decode`: writes `strlen(string) * 4 / 5` bytes to `dest` and
/// returns `dest`; NULL with `EINVAL` for a length that is not a non-zero
/// multiple of 5, a character outside the alphabet or a group above
/// 32 bits. On failure `dest` is left untouched.
#[no_mangle]
pub extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    call(|| {
        // SAFETY: the caller passes a NUL-terminated string.
        let text = unsafe { c_str(string, Error::Fault) }?.to_bytes();
        // libzmq refuses the empty string too, although it encodes 0 bytes
        // as "".
        if text.is_empty() {
            return Err(Error::Inval);
        }
        let len = z85::decoded_len(text.len()).ok_or(Error::Inval)?;
        // SAFETY: the caller provides `strlen * 4 / 5` writable bytes
        // (zmq_z85_decode(3)).
        let out = unsafe { array_mut(dest, len, Error::Fault) }?;
        z85::decode_into(text, out)?;
        Ok(dest)
    })
}

// ---------------------------------------------------------------------------
// Atomic counters

/// What an atomic counter handle points to. libzmq's counter is an unsigned
/// 32-bit number read back through `int`, so decrementing 0 gives -1.
struct AtomicCounter(AtomicU32);

impl Handle for AtomicCounter {
    const TAG: u32 = 0xc0a7_1e55;
    const BAD_HANDLE: Error = Error::Fault;
}

fn counter<'a>(p: *mut c_void) -> Result<&'a AtomicU32> {
    borrow::<AtomicCounter>(p).map(|c| &c.0)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    call(|| Ok(into_handle(AtomicCounter(AtomicU32::new(0)))))
}

/// Sets the value; a bad handle sets `EFAULT` and changes nothing.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_set(counter_p: *mut c_void, value: c_int) {
    call(|| {
        // The bits of `value` as libzmq's unsigned counter holds them.
        counter(counter_p)?.store(value as u32, Ordering::Release);
        Ok(())
    })
}

/// Adds one and returns the value before (zmq_atomic_counter_inc(3)).
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_inc(counter_p: *mut c_void) -> c_int {
    call(|| Ok(counter(counter_p)?.fetch_add(1, Ordering::AcqRel) as c_int))
}

/// Subtracts one and returns 0 if the counter is now zero, else 1
/// (zmq_atomic_counter_dec(3)); -1 with `EFAULT` for a bad handle.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_dec(counter_p: *mut c_void) -> c_int {
    call(|| {
        let before = counter(counter_p)?.fetch_sub(1, Ordering::AcqRel);
        Ok(c_int::from(before.wrapping_sub(1) != 0))
    })
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_value(counter_p: *mut c_void) -> c_int {
    call(|| Ok(counter(counter_p)?.load(Ordering::Acquire) as c_int))
}

/// Frees the counter at `*counter_pp` and sets it to NULL. A NULL
/// `*counter_pp` is left alone, as deleting NULL is in libzmq; a NULL
/// `counter_pp` or a foreign handle sets `EFAULT`.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_destroy(counter_pp: *mut *mut c_void) {
    call(|| {
        // SAFETY: a non-null `counter_pp` points to the caller's handle
        // variable.
        let slot = unsafe { target(counter_pp, Error::Fault) }?;
        if slot.is_null() {
            return Ok(());
        }
        take::<AtomicCounter>(*slot)?;
        *slot = std::ptr::null_mut();
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Stopwatch and sleep

/// What a stopwatch handle points to: its start on the monotonic clock.
struct Stopwatch(Instant);

impl Handle for Stopwatch {
    const TAG: u32 = 0x5707_3a7c;
    const BAD_HANDLE: Error = Error::Fault;
}

fn micros(d: Duration) -> c_ulong {
    c_ulong::try_from(d.as_micros()).unwrap_or(c_ulong::MAX)
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    call(|| Ok(into_handle(Stopwatch(Instant::now()))))
}

/// Microseconds since the watch started; 0 with `EFAULT` for a bad handle.
#[no_mangle]
pub extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    call(|| Ok(micros(borrow::<Stopwatch>(watch)?.0.elapsed())))
}

/// Microseconds since the watch started; frees the watch.
#[no_mangle]
pub extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    call(|| Ok(micros(take::<Stopwatch>(watch)?.0.elapsed())))
}

/// Sleeps for `seconds` whole seconds (signals do not cut it short); a
/// negative count returns at once.
#[no_mangle]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    call(|| {
        if let Ok(s) = u64::try_from(seconds) {
            std::thread::sleep(Duration::from_secs(s));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Application threads

/// `zmq_thread_fn`.
type ThreadFn = unsafe extern "C" fn(arg: *mut c_void);

/// The C function and argument, moved to the new thread.
struct ThreadStart {
    func: ThreadFn,
    arg: *mut c_void,
}

// SAFETY: the caller of `zmq_threadstart` hands `arg` to the new thread;
// keeping it usable there is the caller's contract, as in libzmq.
unsafe impl Send for ThreadStart {}

impl ThreadStart {
    fn run(self) {
        block_all_signals();
        // SAFETY: `func` is the non-null C function given to
        // `zmq_threadstart`, called once with the argument given with it.
        unsafe { (self.func)(self.arg) };
    }
}

/// Blocks every signal on the calling thread, as libzmq does for the
/// threads it starts, so the application's signals go to its own threads.
fn block_all_signals() {
    // SAFETY: `set` is initialised by `sigfillset` before use, and the mask
    // changed is the calling thread's own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// What a thread handle points to.
struct AppThread(JoinHandle<()>);

impl Handle for AppThread {
    const TAG: u32 = 0x7412_ead5;
    const BAD_HANDLE: Error = Error::Fault;
}

/// Starts a thread running `func(arg)` once; NULL with `EFAULT` for a NULL
/// `func`, or the system's errno if no thread can be created.
#[no_mangle]
pub extern "C" fn zmq_threadstart(func: Option<ThreadFn>, arg: *mut c_void) -> *mut c_void {
    call(|| {
        let start = ThreadStart {
            func: func.ok_or(Error::Fault)?,
            arg,
        };
        let thread = std::thread::Builder::new()
            // The name libzmq gives these threads.
            .name("ZMQapp".into())
            .spawn(move || start.run())?;
        Ok(into_handle(AppThread(thread)))
    })
}

/// Waits for the thread to finish and frees its handle; a bad handle sets
/// `EFAULT`.
#[no_mangle]
pub extern "C" fn zmq_threadclose(thread: *mut c_void) {
    call(|| {
        // The thread body is C code, which cannot unwind into Rust; a join
        // error could only be a Rust panic, and there is nothing to report.
        let _ = take::<AppThread>(thread)?.0.join();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::{errno, set_errno};
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};
    use std::sync::atomic::AtomicUsize;

    fn encode(data: &[u8]) -> Option<String> {
        let mut buf = vec![b'#' as c_char; data.len() * 5 / 4 + 8];
        let p = zmq_z85_encode(buf.as_mut_ptr(), data.as_ptr(), data.len());
        if p.is_null() {
            return None;
        }
        assert_eq!(p, buf.as_mut_ptr());
        // SAFETY: the encoder wrote a NUL-terminated string into `buf`.
        Some(unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned())
    }

    fn decode(text: &str) -> Option<Vec<u8>> {
        let c = std::ffi::CString::new(text).unwrap();
        let mut out = vec![0u8; text.len() * 4 / 5];
        let p = zmq_z85_decode(out.as_mut_ptr(), c.as_ptr());
        (!p.is_null()).then_some(out)
    }

    #[test]
    fn z85_rfc_vector_through_the_c_api() {
        let bin = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&bin).as_deref(), Some("HelloWorld"));
        assert_eq!(decode("HelloWorld").as_deref(), Some(&bin[..]));
        assert_eq!(encode(&[]).as_deref(), Some(""));
    }

    #[test]
    fn z85_errors() {
        set_errno(0);
        assert_eq!(encode(&[1, 2, 3]), None);
        assert_eq!(errno(), libc::EINVAL);
        for bad in ["", "Hell", "HelloW", "Hello World", "%nSc1", "Hel\"o"] {
            set_errno(0);
            assert_eq!(decode(bad), None, "{bad:?}");
            assert_eq!(errno(), libc::EINVAL, "{bad:?}");
        }
        let mut out = [0u8; 4];
        assert!(zmq_z85_decode(out.as_mut_ptr(), null()).is_null());
        assert_eq!(errno(), libc::EFAULT);
        let text = c"Hello";
        assert!(zmq_z85_decode(null_mut(), text.as_ptr()).is_null());
        assert_eq!(errno(), libc::EFAULT);
        assert!(zmq_z85_encode(null_mut(), out.as_ptr(), 4).is_null());
        assert_eq!(errno(), libc::EFAULT);
        let mut buf = [0 as c_char; 8];
        assert!(zmq_z85_encode(buf.as_mut_ptr(), null(), 4).is_null());
        assert_eq!(errno(), libc::EFAULT);
        // Nothing to read: NULL data is fine for size 0.
        assert!(!zmq_z85_encode(buf.as_mut_ptr(), null(), 0).is_null());
        assert_eq!(buf[0], 0);
    }

    #[test]
    fn counter_follows_the_man_pages() {
        let mut c = zmq_atomic_counter_new();
        assert!(!c.is_null());
        assert_eq!(zmq_atomic_counter_value(c), 0);
        assert_eq!(zmq_atomic_counter_inc(c), 0);
        assert_eq!(zmq_atomic_counter_inc(c), 1);
        assert_eq!(zmq_atomic_counter_value(c), 2);
        assert_eq!(zmq_atomic_counter_dec(c), 1);
        assert_eq!(zmq_atomic_counter_dec(c), 0);
        // Below zero: the unsigned counter wraps, reads as -1, dec says 1.
        assert_eq!(zmq_atomic_counter_dec(c), 1);
        assert_eq!(zmq_atomic_counter_value(c), -1);
        assert_eq!(zmq_atomic_counter_inc(c), -1);
        assert_eq!(zmq_atomic_counter_value(c), 0);
        zmq_atomic_counter_set(c, 41);
        assert_eq!(zmq_atomic_counter_inc(c), 41);
        zmq_atomic_counter_set(c, i32::MAX);
        assert_eq!(zmq_atomic_counter_inc(c), i32::MAX);
        assert_eq!(zmq_atomic_counter_value(c), i32::MIN);
        zmq_atomic_counter_destroy(&mut c);
        assert!(c.is_null());
        // Destroying the cleared pointer again is harmless.
        zmq_atomic_counter_destroy(&mut c);
        assert!(c.is_null());
    }

    #[test]
    fn counter_bad_handles_are_reported() {
        set_errno(0);
        assert_eq!(zmq_atomic_counter_inc(null_mut()), -1);
        assert_eq!(errno(), libc::EFAULT);
        assert_eq!(zmq_atomic_counter_dec(null_mut()), -1);
        assert_eq!(zmq_atomic_counter_value(null_mut()), -1);
        set_errno(0);
        zmq_atomic_counter_set(null_mut(), 3);
        assert_eq!(errno(), libc::EFAULT);
        set_errno(0);
        zmq_atomic_counter_destroy(null_mut());
        assert_eq!(errno(), libc::EFAULT);
        // A stopwatch is not a counter.
        let mut w = zmq_stopwatch_start();
        set_errno(0);
        zmq_atomic_counter_destroy(&mut w);
        assert_eq!(errno(), libc::EFAULT);
        assert!(!w.is_null());
        zmq_stopwatch_stop(w);
    }

    #[test]
    fn counter_is_atomic_across_threads() {
        struct Shared(*mut c_void);
        // SAFETY: (test) the counter is built for use from many threads.
        unsafe impl Sync for Shared {}
        impl Shared {
            fn get(&self) -> *mut c_void {
                self.0
            }
        }
        let c = Shared(zmq_atomic_counter_new());
        let zeros = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        zmq_atomic_counter_inc(c.get());
                    }
                });
            }
        });
        assert_eq!(zmq_atomic_counter_value(c.0), 40_000);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        if zmq_atomic_counter_dec(c.get()) == 0 {
                            zeros.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(zmq_atomic_counter_value(c.0), 0);
        assert_eq!(zeros.load(Ordering::Relaxed), 1);
        let mut p = c.0;
        zmq_atomic_counter_destroy(&mut p);
    }

    #[test]
    fn stopwatch_measures_monotonic_microseconds() {
        let outer = Instant::now();
        let w = zmq_stopwatch_start();
        assert!(!w.is_null());
        let first = zmq_stopwatch_intermediate(w);
        // Busy-wait 2 ms of real time (no sleep needed to assert this).
        while outer.elapsed() < Duration::from_millis(2) {}
        let second = zmq_stopwatch_intermediate(w);
        assert!(second >= first);
        assert!(second >= 1_900, "{second}");
        let total = zmq_stopwatch_stop(w);
        assert!(total >= second);
        assert!(u128::from(total) <= outer.elapsed().as_micros());
        set_errno(0);
        assert_eq!(zmq_stopwatch_intermediate(null_mut()), 0);
        assert_eq!(errno(), libc::EFAULT);
        assert_eq!(zmq_stopwatch_stop(null_mut()), 0);
    }

    #[test]
    fn sleep_zero_and_negative_return_at_once() {
        let t = Instant::now();
        zmq_sleep(0);
        zmq_sleep(-5);
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    unsafe extern "C" fn bump(arg: *mut c_void) {
        // SAFETY: (test) `arg` is the `AtomicUsize` the test passed.
        let hits = unsafe { &*(arg as *const AtomicUsize) };
        hits.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn thread_runs_its_function_exactly_once() {
        let hits = AtomicUsize::new(0);
        let arg = &hits as *const AtomicUsize as *mut c_void;
        let threads: Vec<_> = (0..4).map(|_| zmq_threadstart(Some(bump), arg)).collect();
        for &t in &threads {
            assert!(!t.is_null());
        }
        for t in threads {
            zmq_threadclose(t);
        }
        assert_eq!(hits.load(Ordering::SeqCst), 4);
    }

    unsafe extern "C" fn report_mask(arg: *mut c_void) {
        // SAFETY: (test) `arg` is the `AtomicUsize` the test passed; the
        // mask query only reads this thread's own state.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
            let blocked = libc::sigismember(&set, libc::SIGINT) == 1
                && libc::sigismember(&set, libc::SIGTERM) == 1;
            (*(arg as *const AtomicUsize)).store(usize::from(blocked) + 1, Ordering::SeqCst);
        }
    }

    #[test]
    fn threads_start_with_signals_blocked() {
        let seen = AtomicUsize::new(0);
        let t = zmq_threadstart(Some(report_mask), &seen as *const _ as *mut c_void);
        zmq_threadclose(t);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn thread_bad_arguments() {
        set_errno(0);
        assert!(zmq_threadstart(None, null_mut()).is_null());
        assert_eq!(errno(), libc::EFAULT);
        set_errno(0);
        zmq_threadclose(null_mut());
        assert_eq!(errno(), libc::EFAULT);
    }
}
