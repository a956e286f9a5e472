//! Plain descriptor calls: eventfd(2), read(2) and write(2) on borrowed
//! descriptors, read(2) into a buffer's spare capacity, and poll(2) /
//! ppoll(2). One call each: retrying on `EINTR` is the caller's choice
//! (a blocking zmq call must return it to the application).

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::ptr;

use bytes::BytesMut;

use super::check;

/// A new eventfd with counter 0, non-blocking and close-on-exec.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: eventfd(2) takes no pointers.
    let fd = check(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Reads into `buf`; `Ok(0)` at end of file.
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: read(2) writes at most `buf.len()` bytes into `buf`.
    let n = check(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })?;
    Ok(n as usize)
}

/// Writes from `buf`; returns how much was taken.
pub fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: write(2) reads at most `buf.len()` bytes from `buf`.
    let n = check(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })?;
    Ok(n as usize)
}

/// Reads up to `max` bytes onto the end of `buf` (after reserving room),
/// without zeroing the spare capacity first; `Ok(0)` at end of file.
pub fn read_appending(fd: RawFd, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
    buf.reserve(max);
    let spare = buf.spare_capacity_mut();
    let n = spare.len().min(max);
    // SAFETY: read(2) writes at most `n` bytes into the spare capacity,
    // which is valid for writes of that many bytes.
    let rc = check(unsafe { libc::read(fd, spare.as_mut_ptr().cast(), n) })? as usize;
    // SAFETY: the kernel initialised the first `rc` (at most `n`) bytes of
    // the spare capacity.
    unsafe { buf.set_len(buf.len() + rc) };
    Ok(rc)
}

/// `poll(2)` for `wait_ms` milliseconds (-1: no limit), or `ppoll(2)` with
/// `sigmask` as the signal mask while waiting. Returns how many entries
/// have events; `EINTR` is an error like any other.
pub fn poll(
    fds: &mut [libc::pollfd],
    wait_ms: i32,
    sigmask: Option<&libc::sigset_t>,
) -> io::Result<usize> {
    let rc = match sigmask {
        // SAFETY: polls a live array of `fds.len()` pollfds.
        None => unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) },
        Some(mask) => {
            let ts = (wait_ms >= 0).then(|| libc::timespec {
                tv_sec: (wait_ms / 1000) as libc::time_t,
                tv_nsec: ((wait_ms % 1000) as libc::c_long) * 1_000_000,
            });
            let tsp = ts
                .as_ref()
                .map_or(ptr::null(), |t| t as *const libc::timespec);
            // SAFETY: polls a live array with a valid (or NULL) timeout and
            // a live mask.
            unsafe { libc::ppoll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, tsp, mask) }
        }
    };
    Ok(check(rc)? as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn eventfd_counts_and_polls() {
        let fd = eventfd().unwrap();
        let raw = fd.as_raw_fd();
        let mut pfd = [libc::pollfd {
            fd: raw,
            events: libc::POLLIN,
            revents: 0,
        }];
        assert_eq!(poll(&mut pfd, 0, None).unwrap(), 0);
        assert_eq!(write(raw, &1u64.to_ne_bytes()).unwrap(), 8);
        assert_eq!(poll(&mut pfd, 0, None).unwrap(), 1);
        let mut value = [0u8; 8];
        assert_eq!(read(raw, &mut value).unwrap(), 8);
        assert_eq!(u64::from_ne_bytes(value), 1);
        let e = read(raw, &mut value).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn read_appending_keeps_what_was_there() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        write(a.as_raw_fd(), b"world").unwrap();
        let mut buf = BytesMut::from(&b"hello "[..]);
        assert_eq!(read_appending(b.as_raw_fd(), &mut buf, 3).unwrap(), 3);
        assert_eq!(&buf[..], b"hello wor");
        drop(a);
        assert_eq!(read_appending(b.as_raw_fd(), &mut buf, 64).unwrap(), 2);
        assert_eq!(read_appending(b.as_raw_fd(), &mut buf, 64).unwrap(), 0);
        assert_eq!(&buf[..], b"hello world");
    }
}
