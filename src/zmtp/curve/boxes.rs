//! The boxes of CurveZMQ (RFC 26): 24-byte nonces from a prefix and the
//! bytes on the wire, `crypto_box` and `crypto_secretbox` in NaCl's layout
//! (16-byte tag, then the ciphertext), the cookie a server keeps its
//! transient keys in, and the MESSAGE boxes of an established connection.
//!
//! It never decides what a failure means for the handshake beyond "does
//! not open" (`None`) and the exhausted short nonces.

use std::fmt;

use bytes::Bytes;
use crypto_box::aead::consts::U24;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::{AeadCore, AeadInPlace, KeyInit};
use crypto_secretbox::{Kdf, XSalsa20Poly1305};
use curve25519_dalek::montgomery::MontgomeryPoint;

use super::{crypto_failure, random, KEY_LEN};
use crate::error::Result;
use crate::msg::{flags, Msg, INLINE_MAX};
use crate::zmtp::mechanism::MessageTransform;
use crate::zmtp::{eproto, HandshakeError};

/// Bytes a box adds to what it holds (the Poly1305 tag).
pub(super) const TAG_LEN: usize = 16;
/// `%d7 "MESSAGE"` and the short nonce before a message box.
const MESSAGE_HEADER_LEN: usize = 16;
const MESSAGE_NAME: &[u8] = b"\x07MESSAGE";

/// A 24-byte nonce from a prefix and the bytes on the wire.
pub(super) fn nonce(prefix: &[u8], tail: &[u8]) -> crypto_box::Nonce {
    debug_assert_eq!(prefix.len() + tail.len(), 24);
    let mut n = crypto_box::Nonce::default();
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

/// NaCl's `crypto_box` between `public` and `secret` (XSalsa20-Poly1305
/// keyed with HSalsa20 of their X25519 shared secret, as
/// `crypto_box_beforenm`), or `None` when that secret is all zeros (a
/// low-order public key).
///
/// One X25519 per box: it is the costly step of a CURVE handshake (a
/// junk HELLO costs the server exactly one), so the shared secret is
/// computed once, checked, and keyed from, rather than again by
/// `crypto_box::SalsaBox::new`.
pub(super) fn boxer(public: &[u8; KEY_LEN], secret: &[u8; KEY_LEN]) -> Option<SessionCipher> {
    let shared = zeroize::Zeroizing::new(MontgomeryPoint(*public).mul_clamped(*secret).to_bytes());
    if *shared == [0u8; KEY_LEN] {
        return None;
    }
    let key = zeroize::Zeroizing::new(<XSalsa20Poly1305 as Kdf>::kdf(
        GenericArray::from_slice(&shared[..]),
        &GenericArray::default(),
    ));
    Some(XSalsa20Poly1305::new(&key))
}

/// A `crypto_box` after its key agreement: the secretbox it keys.
pub(super) type SessionCipher = XSalsa20Poly1305;

/// Appends `tail` and `Box[plaintext]` (tag, then ciphertext) under the
/// nonce `prefix + tail` to `out`: every CurveZMQ box travels right after
/// the part of its nonce that is not implied by the command.
pub(super) fn seal<A>(cipher: &A, prefix: &[u8], tail: &[u8], plaintext: &[u8], out: &mut Vec<u8>)
where
    A: AeadInPlace + AeadCore<NonceSize = U24>,
{
    let nonce = nonce(prefix, tail);
    out.extend_from_slice(tail);
    let start = out.len();
    out.resize(start + TAG_LEN, 0);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_in_place_detached(&nonce, b"", &mut out[start + TAG_LEN..])
        .expect("no associated data, any length");
    out[start..start + TAG_LEN].copy_from_slice(&tag);
}

/// Opens a box (tag, then ciphertext); `None` if it does not open. Both
/// `crypto_box` and the cookie's `crypto_secretbox` go through these two.
pub(super) fn open<A>(cipher: &A, nonce: &crypto_box::Nonce, boxed: &[u8]) -> Option<Vec<u8>>
where
    A: AeadInPlace + AeadCore<NonceSize = U24>,
{
    if boxed.len() < TAG_LEN {
        return None;
    }
    let (tag, ciphertext) = boxed.split_at(TAG_LEN);
    let mut plain = ciphertext.to_vec();
    cipher
        .decrypt_in_place_detached(nonce, b"", &mut plain, GenericArray::from_slice(tag))
        .ok()?;
    Some(plain)
}

/// The next short nonce to send, counting up from 1.
pub(super) fn take_nonce(next: &mut u64) -> std::result::Result<[u8; 8], HandshakeError> {
    let n = *next;
    *next = n
        .checked_add(1)
        .ok_or_else(|| crypto_failure("short nonces exhausted"))?;
    Ok(n.to_be_bytes())
}

/// The key K a server seals its cookies with: random per connection, and
/// wiped when the connection goes.
pub(super) struct CookieKey([u8; KEY_LEN]);

impl CookieKey {
    pub(super) fn random() -> CookieKey {
        CookieKey(random())
    }

    /// Appends the cookie `nonce(16) SecretBox[C' + s'](K)` to `out`: the
    /// server keeps the client's transient key and its own transient
    /// secret there, instead of in memory, until INITIATE brings it back.
    pub(super) fn seal(
        &self,
        client_transient: &[u8; KEY_LEN],
        transient_secret: &[u8; KEY_LEN],
        out: &mut Vec<u8>,
    ) {
        let cookie_nonce: [u8; 16] = random();
        let mut plain = [0u8; 2 * KEY_LEN];
        plain[..KEY_LEN].copy_from_slice(client_transient);
        plain[KEY_LEN..].copy_from_slice(transient_secret);
        seal(
            &XSalsa20Poly1305::new(&self.0.into()),
            b"COOKIE--",
            &cookie_nonce,
            &plain,
            out,
        );
        zeroize::Zeroize::zeroize(&mut plain);
    }

    /// Opens a cookie (nonce, then box): C' + s', or `None`.
    pub(super) fn open(&self, cookie: &[u8]) -> Option<Vec<u8>> {
        let (cookie_nonce, boxed) = cookie.split_at_checked(16)?;
        open(
            &XSalsa20Poly1305::new(&self.0.into()),
            &nonce(b"COOKIE--", cookie_nonce),
            boxed,
        )
    }
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey(<hidden>)")
    }
}

impl Drop for CookieKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Which end of the connection we are: it picks the MESSAGE nonce
/// prefixes (`CurveZMQMESSAGEC` for what a client sends, `...S` for a
/// server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Client,
    Server,
}

/// The box between the two transient keys (C' and S'): made from WELCOME
/// on a client and from INITIATE on a server, it boxes the rest of the
/// handshake and then every MESSAGE.
pub(super) struct SessionBox(pub(super) SessionCipher);

impl SessionBox {
    /// The MESSAGE boxes once READY has passed: our short nonces go on
    /// from `next_nonce`, the peer's must exceed `peer_nonce`.
    pub(super) fn into_messages(
        self,
        side: Side,
        next_nonce: u64,
        peer_nonce: u64,
    ) -> MessageBoxes {
        let (send_prefix, recv_prefix) = match side {
            Side::Client => (b"CurveZMQMESSAGEC", b"CurveZMQMESSAGES"),
            Side::Server => (b"CurveZMQMESSAGES", b"CurveZMQMESSAGEC"),
        };
        MessageBoxes {
            session: self.0,
            send_prefix,
            recv_prefix,
            next_nonce,
            peer_nonce,
        }
    }
}

impl fmt::Debug for SessionBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionBox")
    }
}

/// The MESSAGE boxes of an established connection, either way.
pub struct MessageBoxes {
    session: SessionCipher,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
    next_nonce: u64,
    /// The highest nonce received so far (from the handshake, then from
    /// messages): each MESSAGE must exceed it.
    peer_nonce: u64,
}

impl fmt::Debug for MessageBoxes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBoxes")
            .field("next_nonce", &self.next_nonce)
            .field("peer_nonce", &self.peer_nonce)
            .finish_non_exhaustive()
    }
}

/// CURVE boxes every message, either way.
impl MessageTransform for MessageBoxes {
    fn transforms(&self) -> bool {
        true
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        let short = take_nonce(&mut self.next_nonce).map_err(|e| e.error)?;
        let n = nonce(self.send_prefix, &short);
        let payload = msg.data();
        let mut out = Vec::with_capacity(MESSAGE_HEADER_LEN + TAG_LEN + 1 + payload.len());
        out.extend_from_slice(MESSAGE_NAME);
        out.extend_from_slice(&short);
        out.resize(MESSAGE_HEADER_LEN + TAG_LEN, 0);
        out.push(msg.flags() & (flags::MORE | flags::COMMAND));
        out.extend_from_slice(payload);
        let tag = self
            .session
            .encrypt_in_place_detached(&n, b"", &mut out[MESSAGE_HEADER_LEN + TAG_LEN..])
            .map_err(|_| eproto())?;
        out[MESSAGE_HEADER_LEN..MESSAGE_HEADER_LEN + TAG_LEN].copy_from_slice(&tag);
        Ok(Msg::from_bytes(Bytes::from(out)))
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        let data = msg.data();
        if !data.starts_with(MESSAGE_NAME) || data.len() < MESSAGE_HEADER_LEN + TAG_LEN + 1 {
            return Err(eproto());
        }
        let short: [u8; 8] = data[8..16].try_into().expect("eight bytes");
        let value = u64::from_be_bytes(short);
        if value <= self.peer_nonce {
            return Err(eproto());
        }
        let plain = open(
            &self.session,
            &nonce(self.recv_prefix, &short),
            &data[MESSAGE_HEADER_LEN..],
        )
        .ok_or_else(eproto)?;
        self.peer_nonce = value;
        let msg_flags = plain[0] & (flags::MORE | flags::COMMAND);
        let mut out = if plain.len() - 1 <= INLINE_MAX {
            Msg::from_slice(&plain[1..])
        } else {
            Msg::from_bytes(Bytes::from(plain).slice(1..))
        };
        out.set_flags(msg_flags);
        Ok(out)
    }
}
