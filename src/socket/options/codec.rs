//! How option values cross the C boundary as bytes: reading an `int`, a
//! boolean, a bounded string or an id from `zmq_setsockopt`'s value, and
//! writing a fixed-size value, a binary value, a string or a CURVE key into
//! `zmq_getsockopt`'s buffer with libzmq's size rules. No option knowledge.

use std::collections::BTreeSet;
use std::ops::RangeBounds;

use super::{CURVE_KEY_LEN, CURVE_KEY_Z85_LEN, SHORT_TEXT_MAX};
use crate::error::{Error, Result};
use crate::z85;

/// An `int` value: exactly `sizeof(int)` bytes, else `EINVAL`.
pub fn int_arg(value: &[u8]) -> Result<i32> {
    Ok(i32::from_ne_bytes(fixed(value)?))
}

/// A value of exactly `N` bytes.
pub(super) fn fixed<const N: usize>(value: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(value).map_err(|_| Error::Inval)
}

pub(super) fn int_in(value: &[u8], range: impl RangeBounds<i32>) -> Result<i32> {
    Some(int_arg(value)?)
        .filter(|v| range.contains(v))
        .ok_or(Error::Inval)
}

/// A boolean given as the int 0 or 1.
pub(super) fn strict_bool(value: &[u8]) -> Result<bool> {
    Ok(int_in(value, 0..=1)? == 1)
}

/// A boolean given as any int, non-zero for true.
pub(super) fn loose_bool(value: &[u8]) -> Result<bool> {
    Ok(int_arg(value)? != 0)
}

/// A string or binary value of 1 to `max` bytes.
pub(super) fn text(value: &[u8], max: usize) -> Result<Vec<u8>> {
    if (1..=max).contains(&value.len()) {
        Ok(value.to_vec())
    } else {
        Err(Error::Inval)
    }
}

/// A short string, or empty to clear it.
pub(super) fn text_or_clear(value: &[u8]) -> Result<Vec<u8>> {
    match value {
        [] => Ok(Vec::new()),
        _ => text(value, SHORT_TEXT_MAX),
    }
}

/// Adds one 4-byte id to an IPC credential filter; empty clears it.
pub(super) fn id_filter<T: Ord + From<IdBytes>>(set: &mut BTreeSet<T>, value: &[u8]) -> Result<()> {
    match value {
        [] => set.clear(),
        _ => {
            set.insert(T::from(IdBytes(fixed(value)?)));
        }
    }
    Ok(())
}

/// The native bytes of a `uid_t`, `gid_t` or `pid_t` (4 bytes on Linux).
pub(super) struct IdBytes([u8; 4]);

impl From<IdBytes> for u32 {
    fn from(b: IdBytes) -> u32 {
        u32::from_ne_bytes(b.0)
    }
}

impl From<IdBytes> for i32 {
    fn from(b: IdBytes) -> i32 {
        i32::from_ne_bytes(b.0)
    }
}

/// Writes an `int` value into the first 4 bytes of `out` (a read-only
/// count such as `ZMQ_TOPICS_COUNT`); `EINVAL` if it has less room.
pub fn put_int(out: &mut [u8], v: i32) -> Result<usize> {
    let dst = out.get_mut(..4).ok_or(Error::Inval)?;
    dst.copy_from_slice(&v.to_ne_bytes());
    Ok(4)
}

/// Writes a fixed-size value: the buffer must be exactly its size.
pub fn put_exact(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
    if out.len() != bytes.len() {
        return Err(Error::Inval);
    }
    out.copy_from_slice(bytes);
    Ok(bytes.len())
}

/// Writes a variable-size value into a buffer at least as long; the rest
/// of the buffer is zeroed, as libzmq does.
pub fn put_value(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
    if out.len() < bytes.len() {
        return Err(Error::Inval);
    }
    let (head, tail) = out.split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    tail.fill(0);
    Ok(bytes.len())
}

/// Writes a string with its terminating NUL (counted in the length).
pub fn put_string(out: &mut [u8], s: &[u8]) -> Result<usize> {
    if out.len() <= s.len() {
        return Err(Error::Inval);
    }
    put_value(out, s)?;
    Ok(s.len() + 1)
}

/// A CURVE key read back as 32 bytes, or as Z85 text with its NUL when the
/// buffer is 41 bytes; any other size is `EINVAL`.
pub(super) fn put_curve_key(out: &mut [u8], key: &[u8; CURVE_KEY_LEN]) -> Result<usize> {
    match out.len() {
        CURVE_KEY_LEN => out.copy_from_slice(key),
        n if n == CURVE_KEY_Z85_LEN + 1 => {
            z85::encode_into(key, &mut out[..CURVE_KEY_Z85_LEN])?;
            out[CURVE_KEY_Z85_LEN] = 0;
        }
        _ => return Err(Error::Inval),
    }
    Ok(out.len())
}
