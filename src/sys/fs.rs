//! File system calls std does not offer: mkdtemp(3).

use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Makes a fresh directory (mode 0700) from `template`, whose last six
/// bytes are `XXXXXX`, and returns its path. `EINVAL` for a template with a
/// NUL or without the `XXXXXX`.
pub fn mkdtemp(template: Vec<u8>) -> io::Result<PathBuf> {
    let mut buf = CString::new(template)
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?
        .into_bytes_with_nul();
    // SAFETY: `buf` is a writable NUL-terminated string, which mkdtemp
    // rewrites in place (its last six bytes before the NUL, only).
    let made = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(io::Error::last_os_error());
    }
    buf.pop();
    Ok(PathBuf::from(OsString::from_vec(buf)))
}
