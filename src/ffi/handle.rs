//! Tagged handles: the `void *` a C program holds for a context, socket,
//! poller, timer set or counter. Each points to a `Tagged<T>` whose first
//! word is a tag naming its type, checked on every use, so a NULL, foreign
//! or already-destroyed handle is an error (`EFAULT`, `ENOTSOCK`) and not a
//! crash, as far as reading one word of the pointed-to memory allows.

use std::ffi::c_void;

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
    tag: u32,
    value: T,
}

/// Boxes `value` and gives C its handle.
pub(crate) fn into_handle<T: Handle>(value: T) -> *mut c_void {
    Box::into_raw(Box::new(Tagged { tag: T::TAG, value })) as *mut c_void
}

/// Whether `ptr` looks like a live handle of type `T`.
fn check<T: Handle>(ptr: *const c_void) -> bool {
    if ptr.is_null() || !(ptr as *const Tagged<T>).is_aligned() {
        return false;
    }
    // SAFETY: the pointer is non-null and aligned; C handed it to us as a
    // handle, so reading its first word is what libzmq does too.
    unsafe { (*(ptr as *const Tagged<T>)).tag == T::TAG }
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
    Ok(unsafe { &(*(ptr as *const Tagged<T>)).value })
}

/// Borrows the object behind a handle mutably (for handles C uses from one
/// thread at a time, like pollers and timer sets).
pub(crate) fn borrow_mut<'a, T: Handle>(ptr: *mut c_void) -> Result<&'a mut T> {
    if !check::<T>(ptr) {
        return Err(T::BAD_HANDLE);
    }
    // SAFETY: `check` verified the tag; the caller uses the handle from one
    // thread at a time, as libzmq requires for these objects.
    Ok(unsafe { &mut (*(ptr as *mut Tagged<T>)).value })
}

/// Destroys a handle, returning its object; the tag is overwritten first.
pub(crate) fn take<T: Handle>(ptr: *mut c_void) -> Result<T> {
    if !check::<T>(ptr) {
        return Err(T::BAD_HANDLE);
    }
    // SAFETY: `check` verified the tag, and the pointer came from
    // `into_handle::<T>`; marking it dead first makes a double destroy fail.
    unsafe {
        let tagged = ptr as *mut Tagged<T>;
        (*tagged).tag = TAG_DEAD;
        Ok(Box::from_raw(tagged).value)
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
}
