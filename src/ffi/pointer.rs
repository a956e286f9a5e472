//! Raw C arguments turned into Rust references: every buffer, array,
//! out-parameter and string a C caller hands in goes through one of these
//! helpers, so the NULL rules are written once. Handles (`void *` objects)
//! are `handle.rs`'s, messages `message.rs`'s.
//!
//! The rule libzmq applies to a buffer and its length: NULL is fine when
//! the length is 0 (there is nothing to read or write), and an error
//! otherwise. Which error depends on the function (`EFAULT` mostly,
//! `EINVAL` for `zmq_setsockopt`), so each call names it. An array that
//! must be there even when empty (`zmq_poll` items, iovecs) is `array`.
//!
//! Each helper returns `Result`, so an exported body early-returns with `?`
//! on a bad pointer. The helpers are `unsafe fn`: only the caller knows what
//! the C contract promises about the memory (each call site says it in its
//! `// SAFETY:` line); what is checked here is only what can be checked,
//! NULL. Nothing here allocates or locks: these run on every send and
//! receive.

use std::ffi::{c_char, CStr};

use crate::error::{Error, Result};

/// `Err(null)` when `ptr` is NULL and `len` elements are to be used
/// through it; for a buffer kept as a raw pointer (a zero-copy message).
#[inline]
pub(crate) fn check_buffer<T>(ptr: *const T, len: usize, null: Error) -> Result<()> {
    match ptr.is_null() && len > 0 {
        true => Err(null),
        false => Ok(()),
    }
}

/// The `len` elements at `ptr`, which may be NULL when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` points to `len` initialised elements that nothing
/// writes during `'a`.
#[inline]
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, null: Error) -> Result<&'a [T]> {
    check_buffer(ptr, len, null)?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-null (checked above) and `len` elements, by the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The `len` writable elements at `ptr`, which may be NULL when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` points to `len` writable elements (of a type for which
/// any bit pattern is valid) that nothing else uses during `'a`.
#[inline]
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize, null: Error) -> Result<&'a mut [T]> {
    check_buffer(ptr, len, null)?;
    if len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: non-null (checked above) and `len` elements, by the contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// The `len` elements at `ptr`, which must not be NULL even when `len` is 0.
///
/// # Safety
/// As for `slice`.
#[inline]
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize, null: Error) -> Result<&'a [T]> {
    if ptr.is_null() {
        return Err(null);
    }
    // SAFETY: as the caller promises.
    unsafe { slice(ptr, len, null) }
}

/// The `len` writable elements at `ptr`, which must not be NULL even when
/// `len` is 0.
///
/// # Safety
/// As for `slice_mut`.
#[inline]
pub(crate) unsafe fn array_mut<'a, T>(ptr: *mut T, len: usize, null: Error) -> Result<&'a mut [T]> {
    if ptr.is_null() {
        return Err(null);
    }
    // SAFETY: as the caller promises.
    unsafe { slice_mut(ptr, len, null) }
}

/// The one object at `ptr` (an out-parameter, or an in-out one such as a
/// length), `Err(null)` for NULL.
///
/// # Safety
/// A non-NULL `ptr` points to a valid `T` that nothing else uses during
/// `'a`.
#[inline]
pub(crate) unsafe fn target<'a, T>(ptr: *mut T, null: Error) -> Result<&'a mut T> {
    // SAFETY: `as_mut` checks for NULL; the rest is the caller's promise.
    unsafe { ptr.as_mut() }.ok_or(null)
}

/// The NUL-terminated string at `ptr`, `Err(null)` for NULL.
///
/// # Safety
/// A non-NULL `ptr` points to a NUL-terminated string that nothing writes
/// during `'a`.
#[inline]
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, null: Error) -> Result<&'a CStr> {
    if ptr.is_null() {
        return Err(null);
    }
    // SAFETY: non-null; NUL-terminated by the contract.
    Ok(unsafe { CStr::from_ptr(ptr) })
}

/// The string at `ptr` as UTF-8; `EINVAL` for NULL and for other bytes
/// (endpoints and property names are text).
///
/// # Safety
/// As for `c_str`.
#[inline]
pub(crate) unsafe fn utf8<'a>(ptr: *const c_char) -> Result<&'a str> {
    // SAFETY: as the caller promises.
    let text = unsafe { c_str(ptr, Error::Inval) }?;
    text.to_str().map_err(|_| Error::Inval)
}

/// At most the first `max` bytes of the NUL-terminated string at `ptr`,
/// without its NUL; no byte past those is read. `Err(null)` for NULL.
///
/// # Safety
/// A non-NULL `ptr` points to a NUL-terminated string, or to at least `max`
/// readable bytes, that nothing writes during `'a`.
#[inline]
pub(crate) unsafe fn c_str_prefix<'a>(
    ptr: *const c_char,
    max: usize,
    null: Error,
) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return Err(null);
    }
    // SAFETY: non-null; `strnlen` reads at most `max` bytes, all of which
    // are readable by the contract, and so are the `len` it counts.
    Ok(unsafe {
        let len = libc::strnlen(ptr, max);
        std::slice::from_raw_parts(ptr.cast::<u8>(), len)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    #[test]
    fn null_is_empty_only_at_length_zero() {
        // SAFETY: (test) NULL, or pointers to the local arrays below.
        unsafe {
            assert_eq!(slice::<u8>(null(), 0, Error::Fault), Ok(&[][..]));
            assert_eq!(slice::<u8>(null(), 1, Error::Fault), Err(Error::Fault));
            assert_eq!(slice::<u8>(null(), 1, Error::Inval), Err(Error::Inval));
            assert_eq!(
                slice_mut::<u8>(null_mut(), 0, Error::Fault).map(|s| s.len()),
                Ok(0)
            );
            assert!(slice_mut::<u8>(null_mut(), 2, Error::Fault).is_err());
            assert_eq!(array::<u8>(null(), 0, Error::Inval), Err(Error::Inval));
            assert!(array_mut::<u8>(null_mut(), 0, Error::Fault).is_err());
            let data = [1u8, 2, 3];
            assert_eq!(slice(data.as_ptr(), 2, Error::Fault), Ok(&data[..2]));
            assert_eq!(array(data.as_ptr(), 0, Error::Fault), Ok(&[][..]));
        }
        assert!(check_buffer::<u8>(null(), 0, Error::Fault).is_ok());
        assert_eq!(
            check_buffer::<u8>(null(), 3, Error::Fault),
            Err(Error::Fault)
        );
    }

    #[test]
    fn strings_and_targets() {
        // SAFETY: (test) NULL, or pointers to the locals below.
        unsafe {
            assert_eq!(c_str(null(), Error::Fault), Err(Error::Fault));
            assert_eq!(utf8(c"tcp://a:1".as_ptr()), Ok("tcp://a:1"));
            assert_eq!(utf8(null()), Err(Error::Inval));
            let bad = [0xffu8 as c_char, 0];
            assert_eq!(utf8(bad.as_ptr()), Err(Error::Inval));
            // Cut at `max`: the byte after it is not part of the result.
            let long = c"abcdef";
            assert_eq!(
                c_str_prefix(long.as_ptr(), 4, Error::Inval),
                Ok(&b"abcd"[..])
            );
            assert_eq!(
                c_str_prefix(long.as_ptr(), 9, Error::Inval),
                Ok(&b"abcdef"[..])
            );
            let mut n = 5usize;
            *target(&mut n, Error::Fault).unwrap() += 1;
            assert_eq!(n, 6);
            assert_eq!(
                target::<usize>(null_mut(), Error::Fault).err(),
                Some(Error::Fault)
            );
        }
    }
}
