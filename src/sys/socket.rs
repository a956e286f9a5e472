//! Socket calls on raw descriptors: socket(2), setsockopt(2) and
//! getsockopt(2), bind(2), listen(2), connect(2), getsockname(2) and
//! getpeername(2), for the options and address forms std does not offer.
//!
//! The descriptors passed in are borrowed for the call; only [`socket`] and
//! [`adopt`] hand out ownership.

use std::io;
use std::mem;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use super::check;
use super::sockaddr::RawSocketAddr;

/// A new socket (`type_` may carry `SOCK_NONBLOCK` and `SOCK_CLOEXEC`).
pub fn socket(
    domain: libc::c_int,
    type_: libc::c_int,
    protocol: libc::c_int,
) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers.
    let fd = check(unsafe { libc::socket(domain, type_, protocol) })?;
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Takes ownership of a descriptor the application handed over
/// (`ZMQ_USE_FD`): from here on it is closed when the result is dropped.
/// The caller must not use or close `fd` otherwise.
pub fn adopt(fd: RawFd) -> OwnedFd {
    // SAFETY: the C API transfers ownership of `fd` to us (zmq_setsockopt(3),
    // ZMQ_USE_FD); the caller promises nothing else closes it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Sets an option whose value is a plain C value (an `int`, an `ip_mreq`).
pub fn set_option<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: a live value, and its own size.
    unsafe {
        setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            mem::size_of::<T>(),
        )
    }
}

/// Sets an option whose value is a byte string (`SO_BINDTODEVICE`).
pub fn set_option_bytes(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &[u8],
) -> io::Result<()> {
    // SAFETY: a live buffer, and its length.
    unsafe { setsockopt(fd, level, name, value.as_ptr().cast(), value.len()) }
}

/// Binds `fd` to the network device called `device` (`SO_BINDTODEVICE`);
/// a name with a NUL byte is `EINVAL`.
pub fn bind_to_device(fd: RawFd, device: &str) -> io::Result<()> {
    let name =
        std::ffi::CString::new(device).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    set_option_bytes(fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, name.as_bytes())
}

/// setsockopt(2).
///
/// # Safety
/// `value` points to `len` readable bytes.
unsafe fn setsockopt(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: *const libc::c_void,
    len: usize,
) -> io::Result<()> {
    // SAFETY: the caller vouches for `value` and `len`; the kernel only
    // reads them.
    check(unsafe { libc::setsockopt(fd, level, name, value, len as libc::socklen_t) }).map(drop)
}

/// The peer's credentials (`SO_PEERCRED`) of a Unix-domain socket.
pub fn peer_credentials(fd: RawFd) -> io::Result<libc::ucred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into a live ucred.
    check(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast::<libc::c_void>(),
            &mut len,
        )
    })?;
    Ok(cred)
}

/// Binds `fd` to `addr`.
pub fn bind(fd: RawFd, addr: &SocketAddr) -> io::Result<()> {
    let raw = RawSocketAddr::new(addr);
    // SAFETY: `raw` is a valid address of `raw.len()` bytes.
    check(unsafe { libc::bind(fd, raw.as_ptr(), raw.len()) }).map(drop)
}

/// Marks a bound socket as listening.
pub fn listen(fd: RawFd, backlog: libc::c_int) -> io::Result<()> {
    // SAFETY: listen(2) takes no pointers.
    check(unsafe { libc::listen(fd, backlog) }).map(drop)
}

/// Connects `fd` to `addr`; a non-blocking socket gives `EINPROGRESS`.
pub fn connect(fd: RawFd, addr: &SocketAddr) -> io::Result<()> {
    let raw = RawSocketAddr::new(addr);
    // SAFETY: `raw` is a valid address of `raw.len()` bytes.
    check(unsafe { libc::connect(fd, raw.as_ptr(), raw.len()) }).map(drop)
}

/// The local address of an IP socket (`getsockname`); `None` for another
/// family.
pub fn local_addr(fd: RawFd) -> io::Result<Option<SocketAddr>> {
    let mut raw = RawSocketAddr::empty();
    // SAFETY: getsockname fills at most `len` bytes of the storage.
    check(unsafe { libc::getsockname(fd, raw.as_mut_ptr(), raw.len_mut()) })?;
    Ok(raw.to_std())
}

/// The remote address of a connected IP socket (`getpeername`); `None` for
/// another family.
pub fn peer_addr(fd: RawFd) -> io::Result<Option<SocketAddr>> {
    let mut raw = RawSocketAddr::empty();
    // SAFETY: getpeername fills at most `len` bytes of the storage.
    check(unsafe { libc::getpeername(fd, raw.as_mut_ptr(), raw.len_mut()) })?;
    Ok(raw.to_std())
}
