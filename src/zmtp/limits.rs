//! What a peer that has not completed its handshake may make us hold.
//!
//! libzmq bounds handshake commands only by `ZMQ_MAXMSGSIZE` (unset by
//! default): a peer that announces a 1 GiB READY and trickles it in is
//! buffered until `ZMQ_HANDSHAKE_IVL` ends it, so a few hundred such peers
//! hold gigabytes. We go beyond libzmq here: every frame before the
//! handshake completes has a size bound, checked at its header before any
//! of its body is buffered, and a connection's buffered input has one too.
//! A peer over either is dropped with `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`
//! and `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED` (the code
//! libzmq gives a command whose structure is wrong before it knows which
//! command it is). `ZMQ_MAXMSGSIZE`, when lower, is checked first and acts
//! as in libzmq (the connection closes with no handshake event).
//!
//! The values, from the sizes the RFCs give the commands:
//! - a command that carries properties (READY, and INITIATE of PLAIN and
//!   CURVE) has a fixed part of at most 257 bytes (CURVE's INITIATE, RFC
//!   26: name 9, cookie 96, nonce 8, box tag 16, key 32, vouch 96) and the
//!   properties: what `ZMQ_METADATA`, `ZMQ_ROUTING_ID` and the socket type
//!   put there. 64 KiB of properties is far beyond any use seen (a routing
//!   id is at most 255 bytes) and leaves room for a libzmq peer with many
//!   `ZMQ_METADATA` entries: `COMMAND_MAX` is 64 KiB + 1 KiB;
//! - a command that carries none: HELLO (CURVE: 200 bytes, RFC 26; PLAIN:
//!   at most 518, two credentials of at most 255 bytes, RFC 24), WELCOME
//!   (CURVE: 168; PLAIN: 8), ERROR (at most 262: a reason of at most 255
//!   bytes, RFC 23), and the identity frame of a ZMTP 1.0/2.0 peer (at
//!   most 255 bytes, RFC 13/15): `SHORT_COMMAND_MAX` is 4 KiB. This is the
//!   bound on the first command a PLAIN or CURVE server takes, from a peer
//!   that has proved nothing yet;
//! - the greeting is 64 bytes (RFC 23) and is never buffered beyond them;
//! - `INPUT_MAX`, what a connection buffers of the peer's input before
//!   its handshake completes: one command at `COMMAND_MAX` and the read
//!   that completed it, 128 KiB.
//!
//! A peer whose `ZMQ_METADATA` is over 64 KiB cannot complete a handshake
//! with us; it can with libzmq. (Our own large metadata still reaches a
//! libzmq peer, which sets no such bound.)

/// Properties a READY or INITIATE may carry, at most (see above).
pub const PROPERTIES_MAX: usize = 64 * 1024;

/// The fixed part of a command carrying properties, at most, rounded up
/// from CURVE INITIATE's 257 bytes.
const FIXED_PART_MAX: usize = 1024;

/// Any frame before the handshake completes: a READY or INITIATE with
/// `PROPERTIES_MAX` of properties (65 KiB).
pub const COMMAND_MAX: usize = PROPERTIES_MAX + FIXED_PART_MAX;

/// A frame that carries no properties: HELLO, WELCOME, ERROR, a ZMTP
/// 1.0/2.0 identity (4 KiB).
pub const SHORT_COMMAND_MAX: usize = 4 * 1024;

/// The peer's input a connection buffers before its handshake completes.
pub const INPUT_MAX: usize = 128 * 1024;

const _: () = assert!(SHORT_COMMAND_MAX < COMMAND_MAX && COMMAND_MAX + 9 < INPUT_MAX);
