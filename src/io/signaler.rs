//! `Signaler`: an eventfd that wakes a thread sleeping in `poll(2)`.
//!
//! It is the file descriptor behind `ZMQ_FD` and behind every mailbox. It is
//! non-blocking and close-on-exec, and it never blocks the writer.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::sys::fd;

#[derive(Debug)]
pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> Result<Signaler> {
        Ok(Signaler { fd: fd::eventfd()? })
    }

    /// Makes the fd readable (idempotent until `drain`).
    pub fn signal(&self) {
        let one = 1u64.to_ne_bytes();
        loop {
            // EAGAIN means the counter is saturated: it is readable anyway.
            match fd::write(self.fd.as_raw_fd(), &one) {
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                _ => return,
            }
        }
    }

    /// Makes the fd unreadable again. Returns whether it was signalled.
    pub fn drain(&self) -> bool {
        let mut value = [0u8; 8];
        loop {
            match fd::read(self.fd.as_raw_fd(), &mut value) {
                Ok(8) => return true,
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                _ => return false,
            }
        }
    }

    /// Waits until the fd is readable, the timeout passes (`Again`) or a
    /// signal arrives (`Intr`). `None` waits for ever.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let mut pfd = [libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        let ms = match timeout {
            None => -1,
            // Rounded up: waking early would spin on a zero timeout.
            Some(t) => t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        match fd::poll(&mut pfd, ms, None)? {
            0 => Err(Error::Again),
            _ => Ok(()),
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
