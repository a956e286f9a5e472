//! The panic and errno boundary: every exported function runs its body
//! through `call`, which catches panics and turns `Err` into `errno` plus the
//! function's error return. A panic never unwinds into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};

/// What an exported function returns when it fails.
pub(crate) trait ErrorReturn {
    fn error_return() -> Self;
}

impl ErrorReturn for libc::c_int {
    fn error_return() -> Self {
        -1
    }
}

impl ErrorReturn for libc::size_t {
    fn error_return() -> Self {
        0
    }
}

impl ErrorReturn for libc::c_long {
    fn error_return() -> Self {
        -1
    }
}

impl ErrorReturn for u32 {
    fn error_return() -> Self {
        0
    }
}

impl<T> ErrorReturn for *mut T {
    fn error_return() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> ErrorReturn for *const T {
    fn error_return() -> Self {
        std::ptr::null()
    }
}

impl ErrorReturn for () {
    fn error_return() -> Self {}
}

/// Sets the calling thread's `errno`.
pub(crate) fn set_errno(n: i32) {
    // SAFETY: `__errno_location` returns the calling thread's errno slot,
    // valid for the thread's lifetime.
    unsafe { *libc::__errno_location() = n };
}

/// Reads the calling thread's `errno`.
pub(crate) fn errno() -> i32 {
    // SAFETY: as in `set_errno`.
    unsafe { *libc::__errno_location() }
}

/// Runs an exported function's body: `Ok(v)` is returned as is; `Err(e)`
/// sets `errno` and returns the error value; a panic is caught, reported as
/// `ENOTRECOVERABLE` and returns the error value.
#[inline]
pub(crate) fn call<T: ErrorReturn>(body: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_errno(e.errno());
            T::error_return()
        }
        Err(_) => {
            set_errno(libc::ENOTRECOVERABLE);
            T::error_return()
        }
    }
}

/// Fails with `e` (sets errno, returns the error value) without a body.
pub(crate) fn fail<T: ErrorReturn>(e: Error) -> T {
    set_errno(e.errno());
    T::error_return()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_sets_errno() {
        let rc: libc::c_int = call(|| Err(Error::Fsm));
        assert_eq!(rc, -1);
        assert_eq!(errno(), crate::error::EFSM);
    }

    #[test]
    fn panic_is_caught() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let p: *mut u8 = call(|| panic!("boom"));
        std::panic::set_hook(prev);
        assert!(p.is_null());
        assert_eq!(errno(), libc::ENOTRECOVERABLE);
    }
}
