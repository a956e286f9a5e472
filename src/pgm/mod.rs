//! PGM (RFC 3208) as state machines over bytes, for the pgm:// and
//! epgm:// transports: packets (`packet`), a source's transmit window,
//! SPMs, repairs and rate limit (`source`), one source's receive window
//! and NAKs as a receiver (`receiver`), and libzmq's framing of ZeroMQ
//! messages inside the stream (`framing`). What goes on the wire is what
//! OpenPGM 5.3, under Debian's libzmq, sends and expects.
//!
//! Like `zmtp` and `ws`, nothing here touches sockets, threads or clocks:
//! the engine (`engine/pgm_engine.rs`) does the I/O and passes `now` in.

pub mod framing;
pub mod packet;
pub mod receiver;
pub mod source;

pub use packet::{Body, Head, Packet, Tsi};
