//! Name lookup through the C library: getaddrinfo(3), which reads the
//! hosts file and asks DNS (and so may block for seconds), and, for tests,
//! getnameinfo(3).

use std::ffi::CStr;
use std::net::IpAddr;
use std::ptr;

use super::sockaddr::ip_of;

/// What getaddrinfo(3) is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// `AI_*` flags.
    pub flags: libc::c_int,
    /// `AF_INET`, `AF_INET6` or `AF_UNSPEC`.
    pub family: libc::c_int,
    /// `SOCK_STREAM`, `SOCK_DGRAM`, or 0 for any.
    pub socktype: libc::c_int,
}

/// The address of the first result getaddrinfo gives for `node` (no
/// service), `Ok(None)` if that result is neither IPv4 nor IPv6. Failure is
/// getaddrinfo's `EAI_*` code.
pub fn first_address(node: &CStr, hints: Hints) -> Result<Option<IpAddr>, libc::c_int> {
    let hints = libc::addrinfo {
        ai_flags: hints.flags,
        ai_family: hints.family,
        ai_socktype: hints.socktype,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: ptr::null_mut(),
        ai_canonname: ptr::null_mut(),
        ai_next: ptr::null_mut(),
    };
    let mut list: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `node` and `hints` are valid for the call; on success the list
    // written to `list` is ours until freeaddrinfo.
    let rc = unsafe { libc::getaddrinfo(node.as_ptr(), ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(rc);
    }
    // SAFETY: on success the list has at least one entry, whose `ai_addr`
    // points to a socket address of family `ai_family`.
    let ip = unsafe { ip_of((*list).ai_addr) };
    // SAFETY: `list` came from getaddrinfo and is freed once, after its last use.
    unsafe { libc::freeaddrinfo(list) };
    Ok(ip)
}

/// glibc's getnameinfo(NI_NUMERICHOST) text of `addr`: what libzmq reports
/// as an address's host, for tests to compare ours with.
#[cfg(test)]
pub fn numeric_host_text(addr: &std::net::SocketAddr) -> String {
    let raw = super::sockaddr::RawSocketAddr::new(addr);
    let mut host = [0 as libc::c_char; libc::NI_MAXHOST as usize];
    // SAFETY: `raw` is a complete address of the length given, and `host` a
    // buffer of the length given; no service is asked for.
    let rc = unsafe {
        libc::getnameinfo(
            raw.as_ptr(),
            raw.len(),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            ptr::null_mut(),
            0,
            libc::NI_NUMERICHOST,
        )
    };
    assert_eq!(rc, 0);
    // SAFETY: on success `host` holds a NUL-terminated string.
    unsafe { CStr::from_ptr(host.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}
