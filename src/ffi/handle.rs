//! Tagged handles: the `void *` a C program holds for a context, socket,
//! poller, timer set or counter. Each points to a `Tagged<T>` whose first
//! word is a tag naming its type, checked on every use, so a NULL, foreign
//! or already-destroyed handle is an error (`EFAULT`, `ENOTSOCK`) and not a
//! crash, as far as reading one word of the pointed-to memory allows.
//!
//! The tag is atomic. C may check a handle on one thread while another
//! thread destroys it: a thread still calling `zmq_socket` or `zmq_ctx_get`
//! on a context that `zmq_ctx_term` is freeing, or a `zmq_close` racing
//! another use of the socket. With a plain word, that tag read racing the
//! tag write is a data race (undefined behaviour, whatever the outcome); an
//! atomic read is defined and sees either the live tag or `TAG_DEAD`.
//! Destroying swaps the tag with a compare-and-exchange, so of two racing
//! destroys only one frees the box. On x86-64 an acquire load is a plain
//! load: checking a handle on the hot path costs what it did.
//!
//! A destroyed handle's memory is not freed at once: its box stays, tag
//! dead and value moved out, among the last `GRAVES` destroyed handles
//! (`bury`). A use of a handle soon after its destroy (a second
//! `zmq_ctx_term`, a `zmq_close` twice) then reads a dead tag in memory
//! that is still ours, a defined `EFAULT`/`ENOTSOCK`, where libzmq reads
//! freed memory. Older tombstones are freed, oldest first, so the cost
//! stays bounded (a few tens of KiB) whatever a program creates.

use std::alloc::Layout;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;

use crate::error::{Error, Result};

/// Written over the tag when a handle is destroyed, so a later use of the
/// stale pointer (while the memory is not reused) is caught.
const TAG_DEAD: u32 = 0xdead_0bad;

/// A Rust object that C holds through a tagged handle.
pub(crate) trait Handle: Sized {
    /// The tag identifying this handle type.
    const TAG: u32;
    /// The error for a NULL or mistagged handle.
    const BAD_HANDLE: Error;
}

#[repr(C)]
pub(crate) struct Tagged<T> {
    /// `T::TAG` while the handle is live, `TAG_DEAD` once it is destroyed.
    tag: AtomicU32,
    value: T,
}

/// Boxes `value` and gives C its handle.
pub(crate) fn into_handle<T: Handle>(value: T) -> *mut c_void {
    let tagged = Box::new(Tagged {
        tag: AtomicU32::new(T::TAG),
        value,
    });
    Box::into_raw(tagged).cast()
}

/// Whether `ptr` looks like a live handle of type `T`.
fn check<T: Handle>(ptr: *const c_void) -> bool {
    if ptr.is_null() || !ptr.cast::<Tagged<T>>().is_aligned() {
        return false;
    }
    // SAFETY: the pointer is non-null and aligned; C handed it to us as a
    // handle, so reading its first word is what libzmq does too. The
    // object itself reached this thread through whatever C used to hand
    // over the pointer; Acquire only makes a thread that sees `TAG_DEAD`
    // also see what the destroying thread did before it.
    let tag = unsafe { &(*ptr.cast::<Tagged<T>>()).tag };
    tag.load(Ordering::Acquire) == T::TAG
}

/// Borrows the object behind a handle.
///
/// The caller (an exported function) must not let the reference outlive the
/// call: the handle may be destroyed by a later call.
pub(crate) fn borrow<'a, T: Handle>(ptr: *const c_void) -> Result<&'a T> {
    if !check::<T>(ptr) {
        return Err(T::BAD_HANDLE);
    }
    // SAFETY: `check` verified the tag; the object stays alive until the
    // destroying call, which C must not overlap with other uses.
    Ok(unsafe { &(*ptr.cast::<Tagged<T>>()).value })
}

/// Borrows the object behind a handle mutably (for handles C uses from one
/// thread at a time, like pollers and timer sets).
pub(crate) fn borrow_mut<'a, T: Handle>(ptr: *mut c_void) -> Result<&'a mut T> {
    if !check::<T>(ptr) {
        return Err(T::BAD_HANDLE);
    }
    // SAFETY: `check` verified the tag; the caller uses the handle from one
    // thread at a time, as libzmq requires for these objects.
    Ok(unsafe { &mut (*ptr.cast::<Tagged<T>>()).value })
}

/// Destroys a handle, returning its object; the tag is overwritten first.
pub(crate) fn take<T: Handle>(ptr: *mut c_void) -> Result<T> {
    if !check::<T>(ptr) {
        return Err(T::BAD_HANDLE);
    }
    let tagged = ptr.cast::<Tagged<T>>();
    // SAFETY: `check` verified the tag, so the pointer came from
    // `into_handle::<T>` and the box is live.
    let tag = unsafe { &(*tagged).tag };
    // Only the destroy that turns the live tag dead owns the box; a second
    // one, racing or late, fails as a use of a dead handle does.
    if tag
        .compare_exchange(T::TAG, TAG_DEAD, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return Err(T::BAD_HANDLE);
    }
    // SAFETY: the box came from `into_handle::<T>` and is live, and this
    // call alone marked it dead, so the value is moved out once; nothing
    // reads it again (every use checks the tag first), and `bury` frees
    // the memory without dropping it.
    let value = unsafe { std::ptr::read(std::ptr::addr_of!((*tagged).value)) };
    bury(tagged.cast(), Layout::new::<Tagged<T>>());
    Ok(value)
}

/// How many destroyed handles keep their memory as tombstones.
const GRAVES: usize = 1024;

/// A destroyed handle's box: its address and the layout it was made with.
struct Tombstone(usize, Layout);

/// The last `GRAVES` tombstones, oldest first.
static GRAVEYARD: Mutex<VecDeque<Tombstone>> = Mutex::new(VecDeque::new());

/// Keeps a dead handle's memory, freeing the oldest tombstone past
/// `GRAVES`.
fn bury(ptr: *mut u8, layout: Layout) {
    let evicted = {
        let mut graves = GRAVEYARD.lock();
        graves.push_back(Tombstone(ptr as usize, layout));
        if graves.len() > GRAVES {
            graves.pop_front()
        } else {
            None
        }
    };
    if let Some(Tombstone(old, layout)) = evicted {
        // SAFETY: `old` was allocated by a `Box` of a `Tagged<T>` with
        // exactly this layout (`take`), its value was already moved out,
        // and it left the graveyard just now, so it is freed once.
        unsafe { std::alloc::dealloc(old as *mut u8, layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing(u64);
    impl Handle for Thing {
        const TAG: u32 = 0x1234_5678;
        const BAD_HANDLE: Error = Error::Fault;
    }
    struct Other;
    impl Handle for Other {
        const TAG: u32 = 0x8765_4321;
        const BAD_HANDLE: Error = Error::NotSock;
    }

    #[test]
    fn tags_are_checked() {
        let h = into_handle(Thing(9));
        assert_eq!(borrow::<Thing>(h).unwrap().0, 9);
        assert_eq!(borrow::<Other>(h).err(), Some(Error::NotSock));
        assert_eq!(borrow::<Thing>(std::ptr::null()).err(), Some(Error::Fault));
        assert_eq!(take::<Thing>(h).unwrap().0, 9);
    }

    #[test]
    fn a_destroyed_tag_is_dead() {
        // The memory of a destroyed handle, while it is not reused: the
        // tag `take` leaves behind makes every later use fail.
        let stale = Tagged {
            tag: AtomicU32::new(TAG_DEAD),
            value: Thing(1),
        };
        let p = &stale as *const Tagged<Thing> as *mut c_void;
        assert_eq!(borrow::<Thing>(p).err(), Some(Error::Fault));
        assert_eq!(take::<Thing>(p).err(), Some(Error::Fault));
    }

    /// Counts its drops, to show `take` and `bury` drop a value once.
    struct Counted(#[allow(dead_code)] std::sync::Arc<()>);
    impl Handle for Counted {
        const TAG: u32 = 0x1357_9bdf;
        const BAD_HANDLE: Error = Error::Fault;
    }

    #[test]
    fn a_destroyed_handle_stays_readable_and_its_value_drops_once() {
        let live = std::sync::Arc::new(());
        let h = into_handle(Counted(live.clone()));
        drop(take::<Counted>(h).unwrap());
        assert_eq!(
            std::sync::Arc::strong_count(&live),
            1,
            "dropped by take's caller"
        );
        // The memory is a tombstone now, so these read a dead tag (under
        // Miri or ASan a read of freed memory here would be reported).
        assert_eq!(borrow::<Counted>(h).err(), Some(Error::Fault));
        assert_eq!(take::<Counted>(h).err(), Some(Error::Fault));
        // Older tombstones are freed without dropping their values again.
        for _ in 0..GRAVES + 1 {
            drop(take::<Counted>(into_handle(Counted(live.clone()))).unwrap());
        }
        assert_eq!(std::sync::Arc::strong_count(&live), 1);
    }
}
