//! The C boundary: every `extern "C"` function of libzmq's API lives in this
//! module and nowhere else. Each one runs its body through `boundary::call`
//! (panics caught, errors turned into `errno`; a test checks every export
//! does), checks its handles with `handle` and its other pointers with
//! `pointer`, and delegates to the layers below. Grouped by C object
//! family, one file each.

pub(crate) mod boundary;
pub(crate) mod handle;
mod pointer;

mod context;
mod curve;
mod info;
mod message;
mod poll;
mod proxy;
mod socket;
mod timers;
mod util;
