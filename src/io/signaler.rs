//! `Signaler`: an eventfd that wakes a thread sleeping in `poll(2)`.
//!
//! It is the file descriptor behind `ZMQ_FD` and behind every mailbox. It is
//! non-blocking and close-on-exec, and it never blocks the writer.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::error::{Error, Result};

#[derive(Debug)]
pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> Result<Signaler> {
        // SAFETY: plain syscall; the returned fd is checked and then owned.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        Ok(Signaler {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Makes the fd readable (idempotent until `drain`).
    pub fn signal(&self) {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
            let rc = unsafe {
                libc::write(
                    self.fd.as_raw_fd(),
                    &one as *const u64 as *const libc::c_void,
                    8,
                )
            };
            // EAGAIN means the counter is saturated: it is readable anyway.
            if rc >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return;
            }
        }
    }

    /// Makes the fd unreadable again. Returns whether it was signalled.
    pub fn drain(&self) -> bool {
        let mut value: u64 = 0;
        loop {
            // SAFETY: reads 8 bytes into a live u64 from our own eventfd.
            let rc = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    &mut value as *mut u64 as *mut libc::c_void,
                    8,
                )
            };
            if rc == 8 {
                return true;
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return false;
            }
        }
    }

    /// Waits until the fd is readable, the timeout passes (`Again`) or a
    /// signal arrives (`Intr`). `None` waits for ever.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = match timeout {
            None => -1,
            // Rounded up: waking early would spin on a zero timeout.
            Some(t) => t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        // SAFETY: polls one live pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        match rc {
            0 => Err(Error::Again),
            n if n > 0 => Ok(()),
            _ => Err(Error::last_os_error()),
        }
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_then_drain() {
        let s = Signaler::new().unwrap();
        assert_eq!(s.wait(Some(Duration::ZERO)), Err(Error::Again));
        s.signal();
        s.signal();
        assert!(s.wait(Some(Duration::ZERO)).is_ok());
        assert!(s.drain());
        assert!(!s.drain());
        assert_eq!(s.wait(Some(Duration::ZERO)), Err(Error::Again));
    }
}
