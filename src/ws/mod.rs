//! ZWS 2.0, ZeroMQ over WebSocket, as state machines over bytes: the
//! RFC 6455 opening handshake (`upgrade`, with the `Sec-WebSocket-Accept`
//! proof in `accept`) and the frames (`frame`). As libzmq has it, each
//! WebSocket binary message carries one ZMTP frame (a flags byte, then the
//! body); with a `ZWS2.0/<MECHANISM>` subprotocol the mechanism's commands
//! start the connection with no ZMTP greeting, and with bare `ZWS2.0` the
//! first message each way is the sender's routing id.
//!
//! Like `zmtp`, this module never touches sockets, threads or clocks; the
//! engine (`engine/ws_engine.rs`) does the I/O.

pub mod accept;
pub mod frame;
pub mod upgrade;

#[cfg(test)]
mod tests;

pub use frame::{Frame, FrameDecoder, FrameError, Outgoing};
pub use upgrade::{Subprotocol, UpgradeError};
