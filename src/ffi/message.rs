//! `zmq_msg_*` (except send/recv, which belong to sockets): the C view of
//! `Msg`. A `zmq_msg_t *` is a `*mut Msg`: same size and alignment.

use std::ffi::{c_char, c_void, CStr};

use libc::{c_int, size_t};

use super::boundary::{call, fail};
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
    if size <= crate::msg::INLINE_MAX && !msg.is_null() {
        // SAFETY: non-null pointer to a `zmq_msg_t` the caller initialises.
        unsafe { Msg::write_inline(msg, size) };
        return 0;
    }
    call(|| msg_write(msg, Msg::with_size(size)?))
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_buffer(msg: *mut Msg, buf: *const c_void, size: size_t) -> c_int {
    call(|| {
        let data: &[u8] = match size {
            0 => &[],
            _ if buf.is_null() => return Err(Error::Fault),
            // SAFETY: the caller passes `size` readable bytes at `buf`.
            _ => unsafe { std::slice::from_raw_parts(buf as *const u8, size) },
        };
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
        if data.is_null() && size > 0 {
            return Err(Error::Fault);
        }
        // SAFETY: the caller keeps `size` bytes at `data` valid until the
        // free function runs (or for ever, with no free function).
        let value = unsafe {
            match ffn {
                Some(ffn) => Msg::from_user_buffer(data as *mut u8, size, ffn, hint),
                None => Msg::from_const(data as *const u8, size),
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

#[no_mangle]
pub extern "C" fn zmq_msg_move(dest: *mut Msg, src: *mut Msg) -> c_int {
    call(|| {
        if std::ptr::eq(src, dest) {
            msg_mut(src)?;
            return Ok(0);
        }
        let src = msg_mut(src)?;
        let dest = msg_mut(dest)?;
        *dest = src.take();
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_copy(dest: *mut Msg, src: *mut Msg) -> c_int {
    call(|| {
        if std::ptr::eq(src, dest) {
            msg_mut(src)?;
            return Ok(0);
        }
        let src = msg_mut(src)?;
        let dest = msg_mut(dest)?;
        *dest = src.share();
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_data(msg: *mut Msg) -> *mut c_void {
    call(|| Ok(msg_mut(msg)?.data_ptr() as *mut c_void))
}

#[no_mangle]
pub extern "C" fn zmq_msg_size(msg: *const Msg) -> size_t {
    call(|| Ok(msg_ref(msg)?.size()))
}

#[no_mangle]
pub extern "C" fn zmq_msg_more(msg: *const Msg) -> c_int {
    zmq_msg_get(msg, ZMQ_MORE)
}

#[no_mangle]
pub extern "C" fn zmq_msg_get(msg: *const Msg, property: c_int) -> c_int {
    call(|| {
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
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_set(_msg: *mut Msg, _property: c_int, _value: c_int) -> c_int {
    // No property can be set (as in libzmq).
    fail(Error::Inval)
}

#[no_mangle]
pub extern "C" fn zmq_msg_gets(msg: *const Msg, property: *const c_char) -> *const c_char {
    call(|| {
        let m = msg_ref(msg)?;
        if property.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: the caller passes a NUL-terminated string.
        let name = unsafe { CStr::from_ptr(property) }
            .to_str()
            .map_err(|_| Error::Inval)?;
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
        if group.is_null() {
            return Err(Error::Inval);
        }
        // As libzmq does, a longer name is cut to `GROUP_MAX_LENGTH` bytes;
        // no byte past that is read.
        // SAFETY: the caller passes a NUL-terminated string; `strnlen` reads
        // at most `GROUP_MAX_LENGTH` bytes of it.
        let name = unsafe {
            let len = libc::strnlen(group, GROUP_MAX_LENGTH);
            std::slice::from_raw_parts(group as *const u8, len)
        };
        m.set_group(name)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_group(msg: *mut Msg) -> *const c_char {
    call(|| Ok(msg_ref(msg)?.group_with_nul().as_ptr() as *const c_char))
}
