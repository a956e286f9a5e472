//! The CURVE key helpers, `zmq_curve_keypair` and `zmq_curve_public`
//! (zmq_curve_keypair(3), zmq_curve_public(3)): keys go in and out as 40
//! Z85 characters and a NUL. The key arithmetic is in `zmtp::curve`.
//!
//! (This file held the exports still waiting for their issue; CURVE was
//! the last of them.)

use std::ffi::{c_char, CStr};

use libc::c_int;

use super::boundary::call;
use crate::error::{Error, Result};
use crate::z85;
use crate::zmtp::curve::{self, KEY_LEN};

/// Z85 text of a key: 40 characters.
const KEY_TEXT_LEN: usize = 40;

/// Writes `key` as 40 Z85 characters and a NUL at `dest`.
fn put_key(dest: *mut c_char, key: &[u8; KEY_LEN]) -> Result<()> {
    let mut text = [0u8; KEY_TEXT_LEN + 1];
    z85::encode_into(key, &mut text[..KEY_TEXT_LEN])?;
    // SAFETY: the caller provides at least 41 writable bytes at `dest`
    // (zmq_curve_keypair(3)); `dest` was checked non-null.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), dest as *mut u8, text.len()) };
    Ok(())
}

/// `zmq_curve_keypair`: a new random key pair, each key as Z85 text.
#[no_mangle]
pub extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    call(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Error::Fault);
        }
        let (public, mut secret) = curve::keypair();
        let done = put_key(z85_public_key, &public).and_then(|()| put_key(z85_secret_key, &secret));
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
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-null; the caller passes a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(z85_secret_key) }.to_bytes();
        if text.len() != KEY_TEXT_LEN {
            return Err(Error::Inval);
        }
        let mut secret = [0u8; KEY_LEN];
        z85::decode_into(text, &mut secret)?;
        let public = curve::public_key(&secret);
        zeroize::Zeroize::zeroize(&mut secret);
        put_key(z85_public_key, &public).map(|()| 0)
    })
}
