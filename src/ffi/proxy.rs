//! `zmq_proxy`, `zmq_proxy_steerable`, `zmq_device`.

use std::ffi::c_void;

use libc::c_int;

use super::boundary::call;
use super::socket::socket;
use crate::error::{Error, Result};
use crate::proxy::proxy;

/// A required socket: NULL is `EFAULT` (as in libzmq), a non-socket `ENOTSOCK`.
fn required<'a>(s: *mut c_void) -> Result<&'a std::sync::Arc<crate::socket::Socket>> {
    if s.is_null() {
        return Err(Error::Fault);
    }
    socket(s)
}

/// An optional socket: NULL is none.
fn optional<'a>(s: *mut c_void) -> Result<Option<&'a std::sync::Arc<crate::socket::Socket>>> {
    if s.is_null() {
        Ok(None)
    } else {
        socket(s).map(Some)
    }
}

/// `zmq_proxy` is `zmq_proxy_steerable` without a control socket.
fn run(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<c_int> {
    proxy(
        required(frontend)?,
        required(backend)?,
        optional(capture)?,
        optional(control)?,
    )?;
    Ok(0)
}

#[no_mangle]
pub extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    call(|| run(frontend, backend, capture, std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    call(|| run(frontend, backend, capture, control))
}

/// The old name of `zmq_proxy` (its kind argument is ignored, as in libzmq).
#[no_mangle]
pub extern "C" fn zmq_device(_kind: c_int, frontend: *mut c_void, backend: *mut c_void) -> c_int {
    call(|| {
        run(
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
