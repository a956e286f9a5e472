//! The CURVE security mechanism: CurveZMQ (RFC 26) inside ZMTP (RFC 25),
//! with X25519 key agreement and XSalsa20-Poly1305 boxes laid out as NaCl's
//! `crypto_box` lays them out (16-byte tag, then the ciphertext).
//!
//! ```text
//! C: HELLO    = %d5 "HELLO" %x1 %x0 72%x00 C' nonce(8) Box[64 * %x0](C'->S)
//! S: WELCOME  = %d7 "WELCOME" nonce(16) Box[S' + cookie](S->C')
//!    cookie   = nonce(16) SecretBox[C' + s'](K)                  (K: cookie key)
//! C: INITIATE = %d8 "INITIATE" cookie nonce(8) Box[C + vouch + metadata](C'->S')
//!    vouch    = nonce(16) Box[C' + S](C->S')
//! S: READY    = %d5 "READY" nonce(8) Box[metadata](S'->C')
//! S: ERROR    = %d5 "ERROR" reason               (ZAP refusal, instead of READY)
//! then every frame, either way: %d7 "MESSAGE" nonce(8) Box[flags + payload]
//! ```
//!
//! Short nonces (8 bytes) count up from 1 on each side and follow a 16-byte
//! prefix naming the command (`CurveZMQHELLO---`, `CurveZMQMESSAGEC`, ...);
//! long nonces are 16 random bytes after an 8-byte prefix. A received
//! MESSAGE must carry a nonce above every earlier one from that peer. The
//! MESSAGE flags byte carries MORE (bit 0) and COMMAND (bit 1): PING,
//! SUBSCRIBE and the like travel boxed too. The frame around a MESSAGE
//! has no flags set, as libzmq sends it.
//!
//! Failures raise libzmq's monitor events: a box that does not open is
//! `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`, a HELLO of the wrong size or
//! version `MALFORMED_COMMAND_HELLO`, and so on. A key that gives an
//! all-zero shared secret (a low-order point) counts as a box that does
//! not open, as libsodium refuses it.
//!
//! Nothing here does I/O; randomness comes from the OS (getrandom).

//!
//! Files: `boxes` (nonces, box and unbox, the cookie, MESSAGE boxes),
//! `client`, `server` (the steps `server_handshake` drives).

mod boxes;
mod client;
mod server;

#[cfg(test)]
mod tests;

use std::fmt;

use bytes::{Bytes, BytesMut};
use curve25519_dalek::montgomery::MontgomeryPoint;

use super::command::Properties;
use super::protocol_error as code;
use super::HandshakeError;

pub use client::{CurveClient, CurveClientSteps};
pub use server::{CurveServer, CurveServerSteps};

/// Bytes in a key, public or secret.
pub const KEY_LEN: usize = 32;

const HELLO_LEN: usize = 200;
const WELCOME_LEN: usize = 168;
const COOKIE_LEN: usize = 96;
/// HELLO and the smallest INITIATE (no metadata), as RFC 26 sizes them.
const INITIATE_MIN_LEN: usize = 257;
const READY_MIN_LEN: usize = 30;

/// The keys a socket is configured with (`ZMQ_CURVE_PUBLICKEY`,
/// `ZMQ_CURVE_SECRETKEY`, `ZMQ_CURVE_SERVERKEY`). A server uses only
/// `secret`; a client uses all three.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CurveKeys {
    pub public: [u8; KEY_LEN],
    pub secret: [u8; KEY_LEN],
    pub server: [u8; KEY_LEN],
}

impl fmt::Debug for CurveKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveKeys")
            .field("public", &self.public)
            .field("secret", &"<hidden>")
            .field("server", &self.server)
            .finish()
    }
}

impl Drop for CurveKeys {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl CurveKeys {
    /// A new transient key pair (C', c' or S', s'), for one connection.
    fn transient() -> CurveKeys {
        let (public, secret) = keypair();
        CurveKeys {
            public,
            secret,
            server: [0; KEY_LEN],
        }
    }
}

/// The public key of `secret` (X25519 with the base point, clamped as
/// NaCl clamps).
pub fn public_key(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
}

/// A new random key pair: (public, secret).
pub fn keypair() -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
    let secret: [u8; KEY_LEN] = random();
    (public_key(&secret), secret)
}

/// Random bytes from the OS. A fuzz harness's thread takes them from the
/// harness's seeded generator instead (always in fuzz builds; in test
/// builds once a harness ran on that thread, so `cargo test` replays a
/// fuzz regression down the path the fuzzer saw), so that a run depends
/// on its input only.
fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    #[cfg(any(test, fuzzing))]
    if crate::fuzzing::handshake::seeded_random(&mut out) {
        return out;
    }
    crypto_box::aead::rand_core::RngCore::fill_bytes(&mut crypto_box::aead::OsRng, &mut out);
    out
}

fn crypto_failure(reason: &'static str) -> HandshakeError {
    HandshakeError::protocol(code::ZMTP_CRYPTOGRAPHIC, reason)
}

fn unexpected() -> HandshakeError {
    HandshakeError::protocol(
        code::ZMTP_UNEXPECTED_COMMAND,
        "unexpected command in CURVE handshake",
    )
}

fn encode_properties(props: &Properties) -> Bytes {
    let mut out = BytesMut::new();
    props.emit(&mut out);
    out.freeze()
}
