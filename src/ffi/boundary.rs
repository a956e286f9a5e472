//! The panic and errno boundary: every exported function runs its body
//! through `call`, which catches panics and turns `Err` into `errno` plus the
//! function's error return. A panic never unwinds into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::Result;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn error_sets_errno() {
        let rc: libc::c_int = call(|| Err(Error::Fsm));
        assert_eq!(rc, -1);
        assert_eq!(errno(), crate::error::EFSM);
    }

    /// The promise of this module, checked on the source: the body of every
    /// exported function in `src/ffi/` starts with `call(` (after comments),
    /// so none can return an error without `errno` or unwind into C.
    #[test]
    fn every_export_goes_through_call() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ffi");
        let mut exports = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests define callbacks, not exports.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (i, _) in code.match_indices("#[no_mangle]") {
                let rest = &code[i..];
                let sig = &rest[..rest.find("{\n").expect("body")];
                assert!(sig.contains("pub extern \"C\" fn "), "{path:?}: {sig}");
                let first = rest[sig.len() + 2..]
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.starts_with("//"))
                    .unwrap();
                assert!(first.starts_with("call("), "{path:?}: {sig}: {first}");
                exports += 1;
            }
        }
        assert_eq!(exports, code_exports(), "every #[no_mangle] was seen");
    }

    /// How many functions `src/ffi/` exports, counted the other way.
    fn code_exports() -> usize {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ffi");
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .map(|t| {
                t.split("#[cfg(test)]")
                    .next()
                    .unwrap()
                    .matches("pub extern \"C\" fn ")
                    .count()
            })
            .sum()
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
