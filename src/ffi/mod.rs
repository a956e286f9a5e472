//! The C boundary: every `extern "C"` function of libzmq's API lives in this
//! module and nowhere else. Each one checks its pointers, runs its body
//! through `boundary::call` (panics caught, errors turned into `errno`), and
//! delegates to the layers below. Grouped by C object family, one file each.

pub(crate) mod boundary;
pub(crate) mod handle;

mod context;
mod info;
mod message;
mod pending;
mod poll;
mod proxy;
mod socket;
mod timers;
mod util;
