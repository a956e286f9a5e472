//! `zmq_ctx_*`, `zmq_init`, `zmq_term`: the context handle.

use std::ffi::c_void;
use std::sync::Arc;

use libc::{c_int, size_t};

use super::boundary::call;
use super::handle::{borrow, into_handle, take, Handle};
use super::pointer::{array_mut, slice, target};
use crate::ctx::{opt, Context};
use crate::error::{Error, Result};

/// What a context handle points to.
pub(crate) struct CtxHandle(pub(crate) Arc<Context>);

impl Handle for CtxHandle {
    const TAG: u32 = 0xabad_cafe;
    const BAD_HANDLE: Error = Error::Fault;
}

/// The context behind a handle.
pub(crate) fn context<'a>(ctx: *mut c_void) -> Result<&'a Arc<Context>> {
    borrow::<CtxHandle>(ctx).map(|h| &h.0)
}

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    call(|| Ok(into_handle(CtxHandle(Context::new()))))
}

/// `zmq_ctx_term` and its older names `zmq_ctx_destroy` and `zmq_term`.
fn terminate(ctx: *mut c_void) -> Result<c_int> {
    if context(ctx)?.forked() {
        // A child after fork: nothing of the parent's context can be
        // waited for or stopped here (see `Context::forked`).
        std::mem::forget(take::<CtxHandle>(ctx)?);
        return Ok(0);
    }
    context(ctx)?.terminate();
    drop(take::<CtxHandle>(ctx)?);
    Ok(0)
}

#[no_mangle]
pub extern "C" fn zmq_ctx_term(ctx: *mut c_void) -> c_int {
    call(|| terminate(ctx))
}

#[no_mangle]
pub extern "C" fn zmq_ctx_shutdown(ctx: *mut c_void) -> c_int {
    call(|| {
        context(ctx)?.shutdown();
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_destroy(ctx: *mut c_void) -> c_int {
    call(|| terminate(ctx))
}

#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    call(|| {
        if io_threads < 0 {
            return Err(Error::Inval);
        }
        let ctx = Context::new();
        ctx.set_option(opt::IO_THREADS, &io_threads.to_ne_bytes())?;
        Ok(into_handle(CtxHandle(ctx)))
    })
}

#[no_mangle]
pub extern "C" fn zmq_term(ctx: *mut c_void) -> c_int {
    call(|| terminate(ctx))
}

#[no_mangle]
pub extern "C" fn zmq_ctx_set(ctx: *mut c_void, option: c_int, value: c_int) -> c_int {
    call(|| {
        context(ctx)?.set_option(option, &value.to_ne_bytes())?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_get(ctx: *mut c_void, option: c_int) -> c_int {
    call(|| {
        let mut buf = [0u8; 4];
        context(ctx)?.get_option(option, &mut buf)?;
        Ok(c_int::from_ne_bytes(buf))
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_set_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: size_t,
) -> c_int {
    call(|| {
        let ctx = context(ctx)?;
        // SAFETY: the caller passes `optvallen` readable bytes at `optval`.
        let value = unsafe { slice(optval.cast(), optvallen, Error::Fault) }?;
        ctx.set_option(option, value)?;
        Ok(0)
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_get_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut size_t,
) -> c_int {
    call(|| {
        let ctx = context(ctx)?;
        // SAFETY: the caller passes a valid length...
        let len = unsafe { target(optvallen, Error::Fault) }?;
        // SAFETY: ...and that many writable bytes at `optval`, which must
        // be given even for length 0.
        let out = unsafe { array_mut(optval.cast(), *len, Error::Fault) }?;
        *len = ctx.get_option(option, out)?;
        Ok(0)
    })
}
