//! `zmq_msg_*` (except send/recv, which belong to sockets): the C view of
//! `Msg`. A `zmq_msg_t *` is a `*mut Msg`: same size and alignment.

use std::ffi::{c_char, c_void};

use libc::{c_int, size_t};

use super::boundary::call;
use super::pointer::{c_str_prefix, check_buffer, slice, utf8};
use crate::error::{Error, Result};
use crate::msg::{FreeFn, Msg, GROUP_MAX_LENGTH};

/// `zmq_msg_get`/`zmq_msg_set` property numbers (zmq.h).
const ZMQ_MORE: c_int = 1;
const ZMQ_SRCFD: c_int = 2;
const ZMQ_SHARED: c_int = 3;

/// An open message behind a C pointer, or `EFAULT`.
pub(crate) fn msg_ref<'a>(msg: *const Msg) -> Result<&'a Msg> {
    // SAFETY: C passes a pointer to a `zmq_msg_t`, which has `Msg`'s size
    // and alignment; `is_valid` rejects zeroed, closed and garbage contents.
    match unsafe { msg.as_ref() } {
        Some(m) if m.is_valid() => Ok(m),
        _ => Err(Error::Fault),
    }
}

/// Mutable form of `msg_ref`.
pub(crate) fn msg_mut<'a>(msg: *mut Msg) -> Result<&'a mut Msg> {
    // SAFETY: as in `msg_ref`; C does not use the message elsewhere during
    // the call.
    match unsafe { msg.as_mut() } {
        Some(m) if m.is_valid() => Ok(m),
        _ => Err(Error::Fault),
    }
}

/// Initialises the `zmq_msg_t` at `msg` with `value`, whatever it held.
pub(crate) fn msg_write(msg: *mut Msg, value: Msg) -> Result<c_int> {
    if msg.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: non-null pointer to a `zmq_msg_t`; its old contents are not
    // an initialised message we own, so they are overwritten, not dropped.
    unsafe { msg.write(value) };
    Ok(0)
}

#[no_mangle]
pub extern "C" fn zmq_msg_init(msg: *mut Msg) -> c_int {
    call(|| msg_write(msg, Msg::new()))
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_size(msg: *mut Msg, size: size_t) -> c_int {
    call(|| {
        if size <= crate::msg::INLINE_MAX && !msg.is_null() {
            // A small message is made in place: no `Msg` is built and moved.
            // SAFETY: non-null pointer to a `zmq_msg_t` the caller
            // initialises.
            unsafe { Msg::write_inline(msg, size) };
            return Ok(0);
        }
        msg_write(msg, Msg::with_size(size)?)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_buffer(msg: *mut Msg, buf: *const c_void, size: size_t) -> c_int {
    call(|| {
        // SAFETY: the caller passes `size` readable bytes at `buf`.
        let data = unsafe { slice(buf.cast(), size, Error::Fault) }?;
        msg_write(msg, Msg::from_slice(data))
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_data(
    msg: *mut Msg,
    data: *mut c_void,
    size: size_t,
    ffn: Option<FreeFn>,
    hint: *mut c_void,
) -> c_int {
    call(|| {
        // libzmq asserts here; a NULL buffer with a size is refused instead.
        check_buffer(data, size, Error::Fault)?;
        // SAFETY: the caller keeps `size` bytes at `data` valid until the
        // free function runs (or for ever, with no free function).
        let value = unsafe {
            match ffn {
                Some(ffn) => Msg::from_user_buffer(data.cast(), size, ffn, hint),
                None => Msg::from_const(data.cast(), size),
            }
        };
        msg_write(msg, value)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_close(msg: *mut Msg) -> c_int {
    call(|| {
        msg_mut(msg)?.close();
        Ok(0)
    })
}

/// `zmq_msg_move` and `zmq_msg_copy`: `dest` (closed first, by the
/// assignment) gets what `from` makes of `src`. A message moved or copied
/// onto itself is left as it is.
fn transfer(dest: *mut Msg, src: *mut Msg, from: fn(&mut Msg) -> Msg) -> Result<c_int> {
    if std::ptr::eq(src, dest) {
        msg_mut(src)?;
        return Ok(0);
    }
    let src = msg_mut(src)?;
    let dest = msg_mut(dest)?;
    *dest = from(src);
    Ok(0)
}

#[no_mangle]
pub extern "C" fn zmq_msg_move(dest: *mut Msg, src: *mut Msg) -> c_int {
    call(|| transfer(dest, src, Msg::take))
}

#[no_mangle]
pub extern "C" fn zmq_msg_copy(dest: *mut Msg, src: *mut Msg) -> c_int {
    call(|| transfer(dest, src, Msg::share))
}

#[no_mangle]
pub extern "C" fn zmq_msg_data(msg: *mut Msg) -> *mut c_void {
    call(|| Ok(msg_mut(msg)?.data_ptr().cast()))
}

#[no_mangle]
pub extern "C" fn zmq_msg_size(msg: *const Msg) -> size_t {
    call(|| Ok(msg_ref(msg)?.size()))
}

/// `zmq_msg_get`: an integer property of the message.
fn int_property(msg: *const Msg, property: c_int) -> Result<c_int> {
    let m = msg_ref(msg)?;
    match property {
        ZMQ_MORE => Ok(m.more() as c_int),
        ZMQ_SHARED => Ok(m.is_shared() as c_int),
        ZMQ_SRCFD => {
            let fd = m
                .metadata()
                .and_then(|md| md.get("__fd"))
                .and_then(|v| v.to_str().ok()?.parse::<c_int>().ok());
            fd.ok_or(Error::Inval)
        }
        _ => Err(Error::Inval),
    }
}

#[no_mangle]
pub extern "C" fn zmq_msg_more(msg: *const Msg) -> c_int {
    call(|| int_property(msg, ZMQ_MORE))
}

#[no_mangle]
pub extern "C" fn zmq_msg_get(msg: *const Msg, property: c_int) -> c_int {
    call(|| int_property(msg, property))
}

#[no_mangle]
pub extern "C" fn zmq_msg_set(_msg: *mut Msg, _property: c_int, _value: c_int) -> c_int {
    // No property can be set (as in libzmq).
    call(|| Err(Error::Inval))
}

#[no_mangle]
pub extern "C" fn zmq_msg_gets(msg: *const Msg, property: *const c_char) -> *const c_char {
    call(|| {
        let m = msg_ref(msg)?;
        // SAFETY: the caller passes a NUL-terminated string.
        let name = unsafe { utf8(property) }?;
        let value = m
            .metadata()
            .and_then(|md| md.get(name))
            .ok_or(Error::Inval)?;
        Ok(value.as_ptr())
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_set_routing_id(msg: *mut Msg, routing_id: u32) -> c_int {
    call(|| {
        msg_mut(msg)?.set_routing_id(routing_id)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_routing_id(msg: *mut Msg) -> u32 {
    call(|| Ok(msg_ref(msg)?.routing_id()))
}

#[no_mangle]
pub extern "C" fn zmq_msg_set_group(msg: *mut Msg, group: *const c_char) -> c_int {
    call(|| {
        let m = msg_mut(msg)?;
        // As libzmq does, a longer name is cut to `GROUP_MAX_LENGTH` bytes;
        // no byte past that is read.
        // SAFETY: the caller passes a NUL-terminated string.
        let name = unsafe { c_str_prefix(group, GROUP_MAX_LENGTH, Error::Inval) }?;
        m.set_group(name)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_group(msg: *mut Msg) -> *const c_char {
    call(|| Ok(msg_ref(msg)?.group_with_nul().as_ptr().cast()))
}
