//! `Msg`: the 64-byte message that C code holds as `zmq_msg_t`.
//!
//! C programs own the memory of a `zmq_msg_t` and may move it with a bitwise
//! copy, so a `Msg` never points into itself: small payloads are stored inline
//! and their address is computed on each access; larger payloads are a
//! reference-counted `Bytes` (our own allocation, a slice of a receive buffer,
//! or a user buffer whose free function runs when the last reference goes), or
//! a constant buffer the caller keeps alive (`zmq_msg_init_data` with no free
//! function, `zmq_send_const`).
//!
//! This module never blocks and never touches sockets; it is the only place,
//! with `ffi/` and OS calls, where `unsafe` is allowed.

pub mod metadata;
pub mod pool;

use std::mem::{self, ManuallyDrop};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};
pub use metadata::Metadata;

/// Payloads up to this many bytes live inside the message, without allocation.
pub const INLINE_MAX: usize = 32;

/// Groups up to this many bytes (plus a NUL) live inside the message.
const GROUP_INLINE_MAX: usize = 15;

/// The longest group a message can carry (`ZMQ_GROUP_MAX_LENGTH`).
pub const GROUP_MAX_LENGTH: usize = 255;

/// Signature of the free function of `zmq_msg_init_data`.
pub type FreeFn = unsafe extern "C" fn(data: *mut libc::c_void, hint: *mut libc::c_void);

// The kind byte. Zero (a zeroed or closed message) and any other value are
// invalid, which lets the C boundary report `EFAULT` for a message that was
// never initialised or is already closed.
const KIND_INVALID: u8 = 0;
const KIND_INLINE: u8 = 0xa1;
const KIND_SHARED: u8 = 0xa2;
const KIND_CONST: u8 = 0xa3;

/// Message flags (private to the library; not part of the ABI).
pub mod flags {
    /// More frames of this message follow.
    pub const MORE: u8 = 1;
    /// The frame is a ZMTP command, not a message frame.
    pub const COMMAND: u8 = 2;
    /// The payload has been shared with a copy (`ZMQ_SHARED`).
    pub const SHARED: u8 = 4;
    /// The frame carries the routing id of its peer (ROUTER, STREAM).
    pub const ROUTING_ID: u8 = 8;
    /// The frame carries the peer's ZAP user id.
    pub const CREDENTIAL: u8 = 16;
}

#[derive(Clone, Copy)]
#[repr(C)]
struct ConstSlice {
    ptr: *const u8,
    len: usize,
}

#[repr(C)]
union Payload {
    inline: [u8; INLINE_MAX],
    shared: ManuallyDrop<Bytes>,
    constant: ConstSlice,
}

#[repr(C)]
union GroupSlot {
    inline: [u8; GROUP_INLINE_MAX + 1],
    long: ManuallyDrop<Arc<[u8]>>,
}

/// A message frame, laid out to fill `zmq_msg_t` exactly.
#[repr(C, align(8))]
pub struct Msg {
    payload: Payload,
    /// `Arc<Metadata>` turned into a raw pointer, or NULL.
    metadata: *const Metadata,
    group: GroupSlot,
    routing_id: u32,
    kind: u8,
    flags: u8,
    /// Length of an inline payload.
    len: u8,
    /// Length of the group; above `GROUP_INLINE_MAX` it is stored in `long`.
    group_len: u8,
}

const _: () = assert!(mem::size_of::<Msg>() == 64);
const _: () = assert!(mem::align_of::<Msg>() == mem::size_of::<usize>());
const _: () = assert!(mem::size_of::<Bytes>() <= INLINE_MAX);
const _: () = assert!(mem::size_of::<Arc<[u8]>>() == GROUP_INLINE_MAX + 1);

// SAFETY: every payload kind is safe to send and share between threads:
// `Bytes` is Send + Sync, metadata and groups are behind `Arc`, and a constant
// buffer is the caller's promise (as in libzmq) to stay valid and unchanged
// while any message refers to it.
unsafe impl Send for Msg {}
// SAFETY: see above; `&Msg` only reads.
unsafe impl Sync for Msg {}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl Msg {
    /// An empty message (`zmq_msg_init`).
    pub const fn new() -> Msg {
        Msg {
            payload: Payload {
                inline: [0; INLINE_MAX],
            },
            metadata: std::ptr::null(),
            group: GroupSlot {
                inline: [0; GROUP_INLINE_MAX + 1],
            },
            routing_id: 0,
            kind: KIND_INLINE,
            flags: 0,
            len: 0,
            group_len: 0,
        }
    }

    /// Writes an empty inline message of `size` (at most `INLINE_MAX`)
    /// bytes at `dst`, in place: building it on the stack and copying it
    /// costs store-forwarding stalls on the hot send path.
    ///
    /// # Safety
    /// `dst` is valid for a write of a `Msg` and holds no live message.
    pub unsafe fn write_inline(dst: *mut Msg, size: usize) {
        debug_assert!(size <= INLINE_MAX);
        // SAFETY: the caller's contract; every field is written.
        unsafe {
            dst.write(Msg::new());
            (*dst).len = size as u8;
        }
    }

    /// A message of `size` bytes for the caller to fill (`zmq_msg_init_size`).
    /// As in libzmq, the content is unspecified until written: zero-filling
    /// a large buffer for every message costs more than the send itself.
    pub fn with_size(size: usize) -> Result<Msg> {
        if size <= INLINE_MAX {
            let mut msg = Msg::new();
            msg.len = size as u8;
            return Ok(msg);
        }
        let mut buf: Vec<u8> = Vec::new();
        buf.try_reserve_exact(size).map_err(|_| Error::NoMem)?;
        // SAFETY: the capacity is at least `size`; every bit pattern is a
        // valid u8, and zmq_msg_init_size leaves the content to the
        // application, which fills it through zmq_msg_data.
        unsafe { buf.set_len(size) };
        Ok(Msg::from_bytes(Bytes::from(buf)))
    }

    /// A message holding a copy of `data`.
    pub fn from_slice(data: &[u8]) -> Msg {
        if data.len() <= INLINE_MAX {
            let mut msg = Msg::new();
            // SAFETY: a fresh message's payload is the inline array.
            unsafe { msg.payload.inline[..data.len()].copy_from_slice(data) };
            msg.len = data.len() as u8;
            msg
        } else {
            Msg::from_bytes(Bytes::copy_from_slice(data))
        }
    }

    /// A subscription (`subscribe`) or its cancellation for `topic` in
    /// message form, `0x01 topic` / `0x00 topic`: what XSUB sends and XPUB
    /// receives (RFC 29), and what ZMTP 3.0 and older carry on the wire.
    pub fn subscription(subscribe: bool, topic: &[u8]) -> Msg {
        let mut body = BytesMut::with_capacity(topic.len() + 1);
        body.put_u8(subscribe as u8);
        body.put_slice(topic);
        if body.len() <= INLINE_MAX {
            Msg::from_slice(&body)
        } else {
            Msg::from_bytes(body.freeze())
        }
    }

    /// A message whose payload is `bytes`, shared without copying.
    pub fn from_bytes(bytes: Bytes) -> Msg {
        let mut msg = Msg::new();
        msg.payload = Payload {
            shared: ManuallyDrop::new(bytes),
        };
        msg.kind = KIND_SHARED;
        msg
    }

    /// A message over a buffer the caller owns and keeps alive and unchanged
    /// while the message (or any copy) exists.
    ///
    /// # Safety
    /// `data` must be valid for reads of `len` bytes for that whole time.
    pub unsafe fn from_const(data: *const u8, len: usize) -> Msg {
        let mut msg = Msg::new();
        msg.payload = Payload {
            constant: ConstSlice { ptr: data, len },
        };
        msg.kind = KIND_CONST;
        msg
    }

    /// A message over a user buffer that `ffn(data, hint)` frees once the
    /// last reference to it is gone, on whichever thread drops it.
    ///
    /// # Safety
    /// `data` must be valid for reads and writes of `len` bytes until `ffn`
    /// is called, and `ffn` must be safe to call from any thread.
    pub unsafe fn from_user_buffer(
        data: *mut u8,
        len: usize,
        ffn: FreeFn,
        hint: *mut libc::c_void,
    ) -> Msg {
        Msg::from_bytes(Bytes::from_owner(UserBuffer {
            data,
            len,
            ffn,
            hint,
        }))
    }

    /// Whether this is an initialised, open message. A zeroed, closed or
    /// garbage `zmq_msg_t` is not.
    pub fn is_valid(&self) -> bool {
        match self.kind {
            KIND_INLINE => self.len as usize <= INLINE_MAX,
            KIND_SHARED | KIND_CONST => true,
            _ => false,
        }
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        // SAFETY: the kind byte says which union field is live; constant
        // buffers are valid for their length by the contract of `from_const`.
        unsafe {
            match self.kind {
                KIND_SHARED => &self.payload.shared[..],
                KIND_CONST if self.payload.constant.len == 0 => &[],
                KIND_CONST => {
                    std::slice::from_raw_parts(self.payload.constant.ptr, self.payload.constant.len)
                }
                KIND_INLINE => &self.payload.inline[..self.len as usize],
                _ => &[],
            }
        }
    }

    /// The payload's address, for C code that may write into it
    /// (`zmq_msg_data`). As in libzmq, writing into a shared payload changes
    /// every copy.
    pub fn data_ptr(&mut self) -> *mut u8 {
        // SAFETY: the kind byte says which union field is live.
        unsafe {
            match self.kind {
                KIND_SHARED => self.payload.shared.as_ptr() as *mut u8,
                KIND_CONST => self.payload.constant.ptr as *mut u8,
                _ => self.payload.inline.as_mut_ptr(),
            }
        }
    }

    /// The payload's length in bytes.
    pub fn size(&self) -> usize {
        // SAFETY: the kind byte says which union field is live.
        unsafe {
            match self.kind {
                KIND_SHARED => self.payload.shared.len(),
                KIND_CONST => self.payload.constant.len,
                KIND_INLINE => self.len as usize,
                _ => 0,
            }
        }
    }

    /// The payload as `Bytes`, sharing it where it is already shared (used by
    /// engines to write without copying).
    pub fn to_bytes(&self) -> Bytes {
        match self.kind {
            // SAFETY: the kind byte says the shared field is live.
            KIND_SHARED => unsafe { (*self.payload.shared).clone() },
            _ => Bytes::copy_from_slice(self.data()),
        }
    }

    pub fn flags(&self) -> u8 {
        self.flags
    }

    pub fn set_flags(&mut self, flags: u8) {
        self.flags |= flags;
    }

    pub fn reset_flags(&mut self, flags: u8) {
        self.flags &= !flags;
    }

    pub fn more(&self) -> bool {
        self.flags & flags::MORE != 0
    }

    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= flags::MORE;
        } else {
            self.flags &= !flags::MORE;
        }
    }

    pub fn is_command(&self) -> bool {
        self.flags & flags::COMMAND != 0
    }

    /// `ZMQ_SHARED`: the payload may be shared with another message.
    pub fn is_shared(&self) -> bool {
        self.kind == KIND_CONST || self.flags & flags::SHARED != 0
    }

    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Sets the routing id; zero is not a routing id (`EINVAL`).
    pub fn set_routing_id(&mut self, id: u32) -> Result<()> {
        if id == 0 {
            return Err(Error::Inval);
        }
        self.routing_id = id;
        Ok(())
    }

    /// Clears the routing id (SERVER, once it has chosen the peer).
    pub fn reset_routing_id(&mut self) {
        self.routing_id = 0;
    }

    /// The group, NUL-terminated in memory (so C can read it as a string).
    pub fn group_with_nul(&self) -> &[u8] {
        let len = self.group_len as usize;
        // SAFETY: `group_len` says which union field is live.
        unsafe {
            if len > GROUP_INLINE_MAX {
                &self.group.long[..]
            } else {
                &self.group.inline[..=len]
            }
        }
    }

    /// The group without its terminating NUL.
    pub fn group(&self) -> &[u8] {
        let g = self.group_with_nul();
        &g[..g.len() - 1]
    }

    /// Sets the group (RADIO/DISH); longer than `GROUP_MAX_LENGTH` is `EINVAL`.
    pub fn set_group(&mut self, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH {
            return Err(Error::Inval);
        }
        self.drop_group();
        if group.len() > GROUP_INLINE_MAX {
            let mut stored = Vec::with_capacity(group.len() + 1);
            stored.extend_from_slice(group);
            stored.push(0);
            self.group = GroupSlot {
                long: ManuallyDrop::new(Arc::from(stored)),
            };
        } else {
            let mut inline = [0u8; GROUP_INLINE_MAX + 1];
            inline[..group.len()].copy_from_slice(group);
            self.group = GroupSlot { inline };
        }
        self.group_len = group.len() as u8;
        Ok(())
    }

    /// The connection properties this message arrived with.
    pub fn metadata(&self) -> Option<&Metadata> {
        // SAFETY: a non-null pointer is a live `Arc<Metadata>` this message
        // holds a reference to.
        unsafe { self.metadata.as_ref() }
    }

    /// The connection properties, shared (for a message derived from this
    /// one, like the routing-id frame ROUTER adds).
    pub fn metadata_arc(&self) -> Option<Arc<Metadata>> {
        if self.metadata.is_null() {
            return None;
        }
        // SAFETY: the pointer came from `Arc::into_raw` and this message
        // holds a reference, so taking another one is sound.
        unsafe {
            Arc::increment_strong_count(self.metadata);
            Some(Arc::from_raw(self.metadata))
        }
    }

    /// Attaches connection properties (replacing any).
    pub fn set_metadata(&mut self, metadata: Arc<Metadata>) {
        self.drop_metadata();
        self.metadata = Arc::into_raw(metadata);
    }

    /// A copy that shares the payload (`zmq_msg_copy`): large payloads are
    /// reference counted, not duplicated; both are then marked shared.
    pub fn share(&mut self) -> Msg {
        if self.kind == KIND_SHARED {
            self.flags |= flags::SHARED;
        }
        // SAFETY: the copy takes its own reference to every resource the
        // original holds: the `Bytes` payload is cloned, the metadata and
        // long group `Arc`s have their counts raised. Inline and constant
        // payloads are plain bytes.
        unsafe {
            let mut copy: Msg = std::ptr::read(self);
            if self.kind == KIND_SHARED {
                copy.payload = Payload {
                    shared: ManuallyDrop::new((*self.payload.shared).clone()),
                };
            }
            if !self.metadata.is_null() {
                Arc::increment_strong_count(self.metadata);
            }
            if self.group_len as usize > GROUP_INLINE_MAX {
                copy.group = GroupSlot {
                    long: ManuallyDrop::new((*self.group.long).clone()),
                };
            }
            copy
        }
    }

    /// Releases the payload, metadata and group, and marks the message
    /// invalid (`zmq_msg_close`). Safe to call on an invalid message.
    pub fn close(&mut self) {
        if !self.is_valid() {
            return;
        }
        if self.kind == KIND_SHARED {
            // SAFETY: the kind byte says the shared field is live; the kind
            // is cleared below so it is never dropped twice.
            unsafe { ManuallyDrop::drop(&mut self.payload.shared) };
        }
        self.drop_metadata();
        self.drop_group();
        self.kind = KIND_INVALID;
    }

    /// Takes the message out, leaving an empty one (`zmq_msg_move`).
    pub fn take(&mut self) -> Msg {
        mem::take(self)
    }

    fn drop_metadata(&mut self) {
        if !self.metadata.is_null() {
            // SAFETY: the pointer came from `Arc::into_raw` and this message
            // owns one reference to it.
            unsafe { drop(Arc::from_raw(self.metadata)) };
            self.metadata = std::ptr::null();
        }
    }

    fn drop_group(&mut self) {
        if self.group_len as usize > GROUP_INLINE_MAX {
            // SAFETY: `group_len` says the long field is live; it is reset
            // below so it is never dropped twice.
            unsafe { ManuallyDrop::drop(&mut self.group.long) };
        }
        self.group_len = 0;
        self.group = GroupSlot {
            inline: [0; GROUP_INLINE_MAX + 1],
        };
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("size", &self.size())
            .field("flags", &self.flags)
            .field("routing_id", &self.routing_id)
            .finish()
    }
}

/// A user buffer handed to `zmq_msg_init_data`, freed by its free function
/// when the last `Bytes` referring to it is dropped.
struct UserBuffer {
    data: *mut u8,
    len: usize,
    ffn: FreeFn,
    hint: *mut libc::c_void,
}

// SAFETY: libzmq documents that the free function may be called from any
// thread; the buffer itself is only read through `as_ref` (C may write it
// through `zmq_msg_data`, as with libzmq).
unsafe impl Send for UserBuffer {}

impl AsRef<[u8]> for UserBuffer {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 || self.data.is_null() {
            return &[];
        }
        // SAFETY: the caller of `from_user_buffer` promised `len` valid bytes.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for UserBuffer {
    fn drop(&mut self) {
        // SAFETY: called exactly once, when the last reference goes, with the
        // arguments the user registered.
        unsafe { (self.ffn)(self.data as *mut libc::c_void, self.hint) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn layout_fills_zmq_msg_t() {
        assert_eq!(mem::size_of::<Msg>(), 64);
        assert_eq!(mem::align_of::<Msg>(), 8);
    }

    #[test]
    fn small_payload_is_inline_and_survives_bitwise_move() {
        let msg = Msg::from_slice(b"hello");
        let mut raw = [0u64; 8];
        // SAFETY: test of the C contract: a zmq_msg_t moved by memcpy.
        let moved: Msg = unsafe {
            std::ptr::copy_nonoverlapping(
                &msg as *const Msg as *const u8,
                raw.as_mut_ptr() as *mut u8,
                64,
            );
            mem::forget(msg);
            std::ptr::read(raw.as_ptr() as *const Msg)
        };
        assert_eq!(moved.data(), b"hello");
    }

    #[test]
    fn large_payload_is_shared_by_copy() {
        let mut a = Msg::from_slice(&[7u8; 1000]);
        assert!(!a.is_shared());
        let b = a.share();
        assert!(a.is_shared() && b.is_shared());
        assert_eq!(a.data().as_ptr(), b.data().as_ptr());
    }

    #[test]
    fn with_size_has_the_size() {
        for n in [0, 1, INLINE_MAX, INLINE_MAX + 1, 100_000] {
            let mut m = Msg::with_size(n).unwrap();
            assert_eq!(m.size(), n);
            let p = m.data_ptr();
            // SAFETY: the payload is `n` writable bytes (test only).
            unsafe { std::ptr::write_bytes(p, 7, n) };
            assert!(m.data().iter().all(|&b| b == 7));
        }
    }

    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count_free(_data: *mut libc::c_void, hint: *mut libc::c_void) {
        FREED.fetch_add(hint as usize, Ordering::SeqCst);
    }

    #[test]
    fn user_buffer_freed_once_after_last_copy() {
        let mut buf = vec![1u8; 64];
        // SAFETY: `buf` outlives the messages.
        let mut a = unsafe { Msg::from_user_buffer(buf.as_mut_ptr(), 64, count_free, 5 as *mut _) };
        let b = a.share();
        a.close();
        assert_eq!(FREED.load(Ordering::SeqCst), 0);
        drop(b);
        assert_eq!(FREED.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn groups_short_and_long() {
        let mut m = Msg::new();
        m.set_group(b"short").unwrap();
        assert_eq!(m.group(), b"short");
        assert_eq!(m.group_with_nul(), b"short\0");
        let long = vec![b'g'; GROUP_MAX_LENGTH];
        m.set_group(&long).unwrap();
        let c = m.share();
        drop(m);
        assert_eq!(c.group(), &long[..]);
        let mut m = Msg::new();
        assert_eq!(
            m.set_group(&[b'x'; GROUP_MAX_LENGTH + 1]),
            Err(Error::Inval)
        );
    }

    #[test]
    fn closed_message_is_invalid() {
        let mut m = Msg::from_slice(&[0u8; 100]);
        m.close();
        assert!(!m.is_valid());
        m.close();
        let zeroed = [0u64; 8];
        // SAFETY: a zeroed, aligned zmq_msg_t, as C code may hand us.
        let z: &Msg = unsafe { &*(zeroed.as_ptr() as *const Msg) };
        assert!(!z.is_valid());
    }
}
