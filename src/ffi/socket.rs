//! `zmq_socket`, `zmq_close`, options, endpoints, send and receive,
//! monitoring: the C view of `Socket`.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use libc::{c_int, iovec, size_t};

use super::boundary::call;
use super::context::context;
use super::handle::{borrow, into_handle, take, Handle};
use super::message::{msg_mut, msg_write};
use super::pointer::{
    array, array_mut, c_str_prefix, check_buffer, slice, slice_mut, target, utf8,
};
use crate::error::{Error, Result};
use crate::msg::{Msg, GROUP_MAX_LENGTH};
use crate::socket::{options, Socket, SNDMORE};

/// What a socket handle points to.
pub(crate) struct SocketHandle(pub(crate) Arc<Socket>);

impl Handle for SocketHandle {
    const TAG: u32 = 0xbadd_ecaf;
    const BAD_HANDLE: Error = Error::NotSock;
}

/// The socket behind a handle (`ENOTSOCK` for anything else).
pub(crate) fn socket<'a>(s: *mut c_void) -> Result<&'a Arc<Socket>> {
    borrow::<SocketHandle>(s).map(|h| &h.0)
}

/// An endpoint string from C (`EINVAL` for NULL or non-UTF-8).
fn endpoint<'a>(addr: *const c_char) -> Result<&'a str> {
    // SAFETY: the caller passes a NUL-terminated string.
    unsafe { utf8(addr) }
}

/// A byte count as the `int` the C API returns (capped at `INT_MAX`).
fn size_rc(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

#[no_mangle]
pub extern "C" fn zmq_socket(ctx: *mut c_void, kind: c_int) -> *mut c_void {
    call(|| {
        let ctx = context(ctx)?;
        Ok(into_handle(SocketHandle(Socket::new(ctx, kind)?)))
    })
}

#[no_mangle]
pub extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    call(|| {
        let handle = take::<SocketHandle>(s)?;
        if handle.0.forked() {
            // A child after fork: the parent's threads and locks are not
            // ours to use; the handle is let go of without a close.
            std::mem::forget(handle);
            return Ok(0);
        }
        handle.0.close();
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: size_t,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        // For these, only (NULL, 0) clears; ("", 0) is refused.
        if optvallen == 0 && !optval.is_null() && options::clears_only_with_null(option) {
            return Err(Error::Inval);
        }
        // SAFETY: the caller passes `optvallen` readable bytes.
        let value = unsafe { slice(optval.cast(), optvallen, Error::Inval) }?;
        s.set_option(option, value)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut size_t,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        // SAFETY: the caller passes a valid length...
        let len = unsafe { target(optvallen, Error::Fault) }?;
        // SAFETY: ...and that many writable bytes.
        let out = unsafe { slice_mut(optval.cast(), *len, Error::Fault) }?;
        *len = s.get_option(option, out)?;
        Ok(0)
    })
}

/// The calls that name something (an endpoint, a group): `op` on the
/// socket with what `arg` reads from C, read only once the socket is known
/// good (`ENOTSOCK` comes before `EINVAL`, as in libzmq).
fn named<A>(
    s: *mut c_void,
    arg: impl FnOnce() -> Result<A>,
    op: impl FnOnce(&Socket, A) -> Result<()>,
) -> Result<c_int> {
    let s = socket(s)?;
    op(s, arg()?)?;
    Ok(0)
}

#[no_mangle]
pub extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    call(|| named(s, || endpoint(addr), Socket::bind))
}

#[no_mangle]
pub extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    call(|| named(s, || endpoint(addr), Socket::connect))
}

#[no_mangle]
pub extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    call(|| named(s, || endpoint(addr), Socket::unbind))
}

#[no_mangle]
pub extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    call(|| named(s, || endpoint(addr), Socket::disconnect))
}

#[no_mangle]
pub extern "C" fn zmq_send(s: *mut c_void, buf: *const c_void, len: size_t, flags: c_int) -> c_int {
    call(|| {
        let s = socket(s)?;
        // SAFETY: the caller passes `len` readable bytes at `buf`.
        let data = unsafe { slice(buf.cast(), len, Error::Fault) }?;
        let mut msg = Msg::from_slice(data);
        s.send(&mut msg, flags)?;
        Ok(size_rc(len))
    })
}

#[no_mangle]
pub extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        check_buffer(buf, len, Error::Fault)?;
        // SAFETY: the caller promises the buffer stays valid and unchanged
        // for as long as the library may use it (zmq_send_const contract).
        let mut msg = unsafe { Msg::from_const(buf.cast(), len) };
        s.send(&mut msg, flags)?;
        Ok(size_rc(len))
    })
}

#[no_mangle]
pub extern "C" fn zmq_recv(s: *mut c_void, buf: *mut c_void, len: size_t, flags: c_int) -> c_int {
    call(|| {
        let s = socket(s)?;
        let msg = s.recv(flags)?;
        let n = msg.size().min(len);
        // SAFETY: the caller passes `len` writable bytes at `buf`; n <= len.
        let out = unsafe { slice_mut(buf.cast::<u8>(), n, Error::Fault) }?;
        out.copy_from_slice(&msg.data()[..n]);
        Ok(size_rc(msg.size()))
    })
}

fn msg_send(msg: *mut Msg, s: *mut c_void, flags: c_int) -> Result<c_int> {
    let s = socket(s)?;
    let m = msg_mut(msg)?;
    let size = m.size();
    s.send(m, flags)?;
    Ok(size_rc(size))
}

fn msg_recv(msg: *mut Msg, s: *mut c_void, flags: c_int) -> Result<c_int> {
    let s = socket(s)?;
    msg_mut(msg)?;
    let received = s.recv(flags)?;
    let size = received.size();
    // The old contents are released, then replaced.
    msg_mut(msg)?.close();
    msg_write(msg, received)?;
    Ok(size_rc(size))
}

#[no_mangle]
pub extern "C" fn zmq_msg_send(msg: *mut Msg, s: *mut c_void, flags: c_int) -> c_int {
    call(|| msg_send(msg, s, flags))
}

#[no_mangle]
pub extern "C" fn zmq_msg_recv(msg: *mut Msg, s: *mut c_void, flags: c_int) -> c_int {
    call(|| msg_recv(msg, s, flags))
}

#[no_mangle]
pub extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut Msg, flags: c_int) -> c_int {
    call(|| msg_send(msg, s, flags))
}

#[no_mangle]
pub extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut Msg, flags: c_int) -> c_int {
    call(|| msg_recv(msg, s, flags))
}

#[no_mangle]
pub extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut iovec,
    count: size_t,
    flags: c_int,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        if count == 0 {
            return Err(Error::Inval);
        }
        // SAFETY: the caller passes `count` iovecs.
        let parts = unsafe { array(iov, count, Error::Inval) }?;
        let mut rc = 0;
        for (i, part) in parts.iter().enumerate() {
            // SAFETY: each iovec names `iov_len` readable bytes.
            let data = unsafe { slice(part.iov_base.cast(), part.iov_len, Error::Fault) }?;
            let mut msg = Msg::from_slice(data);
            // As in libzmq, parts are joined only if the caller asks (SNDMORE).
            let f = if i + 1 == count {
                flags & !SNDMORE
            } else {
                flags
            };
            s.send(&mut msg, f)?;
            rc = size_rc(part.iov_len);
        }
        Ok(rc)
    })
}

#[no_mangle]
pub extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut iovec,
    count: *mut size_t,
    flags: c_int,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        // SAFETY: the caller passes a valid count...
        let count = unsafe { target(count, Error::Inval) }?;
        if iov.is_null() || *count == 0 {
            return Err(Error::Inval);
        }
        // SAFETY: ...and that many iovecs.
        let parts = unsafe { array_mut(iov, *count, Error::Inval) }?;
        *count = 0;
        let mut nread = 0;
        for part in parts.iter_mut() {
            let msg = s.recv(flags)?;
            let n = msg.size();
            // The caller frees each buffer with free(), as with libzmq.
            // SAFETY: malloc of n (at least 1) bytes; checked for NULL.
            let buf = unsafe { libc::malloc(n.max(1)) }.cast::<u8>();
            if buf.is_null() {
                return Err(Error::NoMem);
            }
            // SAFETY: `buf` has room for n bytes.
            unsafe { std::ptr::copy_nonoverlapping(msg.data().as_ptr(), buf, n) };
            part.iov_base = buf.cast();
            part.iov_len = n;
            nread += 1;
            *count += 1;
            if !msg.more() {
                break;
            }
        }
        Ok(nread)
    })
}

/// Starts (or, with a NULL address, stops) monitoring the socket.
fn monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    kind: c_int,
) -> Result<c_int> {
    let s = socket(s)?;
    let addr = if addr.is_null() {
        None
    } else {
        Some(endpoint(addr)?)
    };
    s.monitor(addr, events, event_version, kind)?;
    Ok(0)
}

/// Version 1 events, on a PAIR socket; the event bits as an unsigned int.
#[no_mangle]
pub extern "C" fn zmq_socket_monitor(s: *mut c_void, addr: *const c_char, events: c_int) -> c_int {
    call(|| {
        let events = u64::from(events as u32);
        monitor(s, addr, events, 1, crate::socket::kind::PAIR)
    })
}

#[no_mangle]
pub extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    kind: c_int,
) -> c_int {
    call(|| monitor(s, addr, events, event_version, kind))
}

#[no_mangle]
pub extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    call(|| {
        socket(s)?.pipes_stats()?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_socket_get_peer_state(
    s: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: size_t,
) -> c_int {
    call(|| {
        let s = socket(s)?;
        // SAFETY: the caller passes `routing_id_size` readable bytes.
        let id = unsafe { slice(routing_id.cast(), routing_id_size, Error::Fault) }?;
        s.peer_state(id)
    })
}

/// A group name from C. A name longer than `GROUP_MAX_LENGTH` is `EINVAL`
/// (as in libzmq); no byte past the first one too many is read.
fn group_name<'a>(group: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: the caller passes a NUL-terminated string; at most one byte
    // more than the longest valid name is read.
    let name = unsafe { c_str_prefix(group, GROUP_MAX_LENGTH + 1, Error::Inval) }?;
    if name.len() > GROUP_MAX_LENGTH {
        return Err(Error::Inval);
    }
    Ok(name)
}

#[no_mangle]
pub extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    call(|| named(s, || group_name(group), Socket::join))
}

#[no_mangle]
pub extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    call(|| named(s, || group_name(group), Socket::leave))
}

/// Returns the new peer's routing id, or 0 with `errno` set.
#[no_mangle]
pub extern "C" fn zmq_connect_peer(s: *mut c_void, addr: *const c_char) -> u32 {
    call(|| {
        let s = socket(s)?;
        s.connect_peer(endpoint(addr)?)
    })
}

#[no_mangle]
pub extern "C" fn zmq_disconnect_peer(s: *mut c_void, routing_id: u32) -> c_int {
    call(|| {
        socket(s)?.disconnect_peer(routing_id)?;
        Ok(0)
    })
}
