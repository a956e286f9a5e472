//! A libzmq written in Rust: `libzmq.so.5` with libzmq's C ABI (see
//! `include/zmq.h`), speaking ZMTP on the wire.
//!
//! Layers, top to bottom (arrows point down only): `ffi` (the C boundary),
//! `ctx`, sockets and routing, `msg`, then `io`, transports, engines and the
//! sans-IO `zmtp` protocol. See docs/architecture.md.
//!
//! `unsafe` is allowed in three modules only: `ffi` (raw pointers from C),
//! `msg` (the 64-byte message and its allocator) and `sys` (system calls).
//! Everything else is safe Rust, and every unsafe block says why it is
//! sound.

#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod ctx;
pub mod engine;
pub mod error;
#[allow(unsafe_code)]
pub mod ffi;
#[cfg(any(test, fuzzing))]
pub mod fuzzing;
pub mod io;
#[allow(unsafe_code)]
pub mod msg;
pub mod pattern;
pub mod pgm;
pub mod pipe;
pub mod poll;
pub mod proxy;
pub mod socket;
#[allow(unsafe_code)]
pub mod sys;
pub mod timers;
pub mod transport;
pub mod ws;
pub mod z85;
pub mod zmtp;

pub use error::{Error, Result};

/// Blocks freed on one thread are reused by another a magazine at a time
/// (see `msg::pool`), instead of crossing glibc's arena locks one by one.
///
/// Not in fuzz builds, nor with `--cfg zmq_system_alloc` (the ASan build of
/// tools/sanitize.sh): AddressSanitizer must see every free to catch a
/// use after it, and libFuzzer takes blocks kept in a magazine for leaks
/// (it then runs LeakSanitizer's whole-heap scan after every input).
#[cfg(not(any(fuzzing, zmq_system_alloc)))]
#[global_allocator]
static ALLOCATOR: msg::pool::Pool = msg::pool::Pool;
