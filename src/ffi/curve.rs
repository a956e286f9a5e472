//! The CURVE key helpers, `zmq_curve_keypair` and `zmq_curve_public`
//! (zmq_curve_keypair(3), zmq_curve_public(3)): keys go in and out as 40
//! Z85 characters and a NUL. The key arithmetic is in `zmtp::curve`; this
//! file only moves key text across the C boundary, and leaves no copy of a
//! secret key behind (each one it makes is zeroed).

use std::ffi::c_char;

use libc::c_int;

use super::boundary::call;
use super::pointer::{array_mut, c_str};
use crate::error::{Error, Result};
use crate::z85;
use crate::zmtp::curve::{self, KEY_LEN};

/// Z85 text of a key: 40 characters.
const KEY_TEXT_LEN: usize = 40;

/// Both key buffers must be given: `EFAULT` before anything is computed or
/// written.
fn require_both(public: *const c_char, secret: *const c_char) -> Result<()> {
    match public.is_null() || secret.is_null() {
        true => Err(Error::Fault),
        false => Ok(()),
    }
}

/// Writes `key` as 40 Z85 characters and a NUL at `dest`.
///
/// # Safety
/// `dest` is NULL or has 41 writable bytes that nothing else uses during
/// the call.
unsafe fn put_key(dest: *mut c_char, key: &[u8; KEY_LEN]) -> Result<()> {
    let mut text = [0u8; KEY_TEXT_LEN + 1];
    let done = z85::encode_into(key, &mut text[..KEY_TEXT_LEN]).and_then(|()| {
        // SAFETY: as the caller promises.
        let out = unsafe { array_mut(dest.cast::<u8>(), text.len(), Error::Fault) }?;
        out.copy_from_slice(&text);
        Ok(())
    });
    // The text may be a secret key's.
    zeroize::Zeroize::zeroize(&mut text);
    done
}

/// `zmq_curve_keypair`: a new random key pair, each key as Z85 text.
#[no_mangle]
pub extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    call(|| {
        require_both(z85_public_key, z85_secret_key)?;
        let (public, mut secret) = curve::keypair();
        // SAFETY: the caller provides 41 writable bytes at each
        // (zmq_curve_keypair(3)).
        let done = unsafe {
            put_key(z85_public_key, &public).and_then(|()| put_key(z85_secret_key, &secret))
        };
        zeroize::Zeroize::zeroize(&mut secret);
        done.map(|()| 0)
    })
}

/// `zmq_curve_public`: the public key of a Z85 secret key. `EINVAL` when
/// the secret is not 40 valid Z85 characters.
#[no_mangle]
pub extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    call(|| {
        require_both(z85_public_key, z85_secret_key)?;
        // SAFETY: the caller passes a NUL-terminated string.
        let text = unsafe { c_str(z85_secret_key, Error::Fault) }?.to_bytes();
        if text.len() != KEY_TEXT_LEN {
            return Err(Error::Inval);
        }
        let mut secret = [0u8; KEY_LEN];
        z85::decode_into(text, &mut secret)?;
        let public = curve::public_key(&secret);
        zeroize::Zeroize::zeroize(&mut secret);
        // SAFETY: the caller provides 41 writable bytes (zmq_curve_public(3));
        // the secret's text, which may share them, is no longer read.
        unsafe { put_key(z85_public_key, &public) }.map(|()| 0)
    })
}
