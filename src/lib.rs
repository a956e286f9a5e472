//! A libzmq written in Rust: `libzmq.so.5` with libzmq's C ABI (see
//! `include/zmq.h`), speaking ZMTP on the wire.
//!
//! Layers, top to bottom (arrows point down only): `ffi` (the C boundary),
//! `ctx`, sockets and routing, `msg`, then `io`, transports, engines and the
//! sans-IO `zmtp` protocol. See ARCHITECTURE.md in the shared folder.

pub mod ctx;
pub mod engine;
pub mod error;
pub mod ffi;
pub mod io;
pub mod msg;
pub mod pattern;
pub mod pipe;
pub mod poll;
pub mod proxy;
pub mod socket;
pub mod timers;
pub mod transport;
pub mod z85;
pub mod zmtp;

pub use error::{Error, Result};

/// Blocks freed on one thread are reused by another a magazine at a time
/// (see `msg::pool`), instead of crossing glibc's arena locks one by one.
#[global_allocator]
static ALLOCATOR: msg::pool::Pool = msg::pool::Pool;
