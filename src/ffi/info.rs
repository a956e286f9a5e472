//! `zmq_version`, `zmq_errno`, `zmq_strerror`, `zmq_has`: what the library
//! is and what it can do.

use std::ffi::{c_char, CStr};

use libc::c_int;

use super::boundary::{call, errno};
use crate::error::{self, zmq_error_text};

pub const VERSION: (c_int, c_int, c_int) = (4, 3, 5);

#[no_mangle]
pub extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    call(|| {
        for (out, part) in [(major, VERSION.0), (minor, VERSION.1), (patch, VERSION.2)] {
            // SAFETY: the caller passes writable ints; a NULL one is
            // skipped, as libzmq's callers may pass NULL for a part.
            if let Some(out) = unsafe { out.as_mut() } {
                *out = part;
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    // `call` leaves errno alone on success.
    call(|| Ok(errno()))
}

#[no_mangle]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    call(|| {
        let own: Option<&'static CStr> = match errnum {
            error::EFSM => Some(c"Operation cannot be accomplished in current state"),
            error::ENOCOMPATPROTO => Some(c"The protocol is not compatible with the socket type"),
            error::ETERM => Some(c"Context was terminated"),
            error::EMTHREAD => Some(c"No thread available"),
            libc::EHOSTUNREACH => Some(c"Host unreachable"),
            _ => None,
        };
        debug_assert_eq!(
            own.map(|s| s.to_str().unwrap()),
            zmq_error_text(errnum),
            "error texts in step"
        );
        Ok(match own {
            Some(text) => text.as_ptr(),
            // SAFETY: strerror returns a pointer to a static or thread-local
            // string, as libzmq hands it out.
            None => unsafe { libc::strerror(errnum) },
        })
    })
}

/// Capabilities `zmq_has` reports; each is listed only once it works
/// (`draft`: the DRAFT API is built in, as in libzmq built with drafts;
/// `epgm` too, which libzmq leaves out although it works there).
const CAPABILITIES: &[&str] = &["ipc", "pgm", "epgm", "curve", "ws", "wss", "draft"];

#[no_mangle]
pub extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    call(|| {
        if capability.is_null() {
            return Ok(0);
        }
        // SAFETY: non-null; the caller passes a NUL-terminated string.
        let name = unsafe { CStr::from_ptr(capability) }.to_bytes();
        // gssapi: when the system's GSSAPI library loads (asking loads it).
        let has = CAPABILITIES.iter().any(|c| c.as_bytes() == name)
            || (name == b"gssapi" && crate::zmtp::gssapi::available());
        Ok(has as c_int)
    })
}
