//! The operating system, reached through libc: every system call the crate
//! makes outside `ffi/` and `msg/` is wrapped here in a safe function, so
//! that the `unsafe` it needs sits in one place, next to the reason it is
//! sound.
//!
//! Each wrapper is thin: it makes one call (or one well-known sequence, such
//! as walking and freeing a `getifaddrs` list), reports `-1` as
//! `std::io::Error` from `errno`, and converts between C structures and std
//! types. It never decides policy (retries on `EINTR`, errno mapping for the
//! C API, which option to set): that stays with the caller.

pub mod cstr;
pub mod fd;
pub mod fs;
pub mod gssapi;
pub mod interface;
pub mod netdb;
pub mod sockaddr;
pub mod socket;
pub mod thread;

use std::io;

/// A C return type whose failure value is `-1` (`int`, `ssize_t`).
pub trait MinusOne: Copy + PartialEq {
    const MINUS_ONE: Self;
}

impl MinusOne for i32 {
    const MINUS_ONE: i32 = -1;
}

impl MinusOne for isize {
    const MINUS_ONE: isize = -1;
}

/// The result of a system call that reports failure as `-1` and `errno`:
/// `-1` becomes the `io::Error` of `errno`, anything else is returned. Read
/// `errno` straight after the call, before anything else can change it.
pub fn check<T: MinusOne>(rc: T) -> io::Result<T> {
    if rc == T::MINUS_ONE {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}
