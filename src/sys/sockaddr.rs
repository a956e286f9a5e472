//! Socket addresses between std and C: `SocketAddr` to the
//! `sockaddr_storage` bind(2) and connect(2) take, and back from what
//! getsockname(2), getpeername(2), getaddrinfo(3) and getifaddrs(3) give.
//!
//! Only AF_INET and AF_INET6 are converted; Unix-domain addresses go
//! through std's `UnixListener`/`UnixStream` instead.

use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::ptr;

/// An IPv4 or IPv6 address in C form, with its length.
#[derive(Clone, Copy)]
pub struct RawSocketAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawSocketAddr {
    /// Room for any address, to be filled by the kernel.
    pub(crate) fn empty() -> RawSocketAddr {
        RawSocketAddr {
            // SAFETY: sockaddr_storage is plain integers: all zeros is valid.
            storage: unsafe { mem::zeroed() },
            len: mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    /// The C form of `addr`.
    pub fn new(addr: &SocketAddr) -> RawSocketAddr {
        let mut raw = RawSocketAddr::empty();
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than sockaddr_in and
                // aligned for it (that is what it is for).
                unsafe { ptr::write(raw.as_mut_ptr().cast::<libc::sockaddr_in>(), sin) };
                mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: as above, for sockaddr_in6.
                unsafe { ptr::write(raw.as_mut_ptr().cast::<libc::sockaddr_in6>(), sin6) };
                mem::size_of::<libc::sockaddr_in6>()
            }
        };
        raw.len = len as libc::socklen_t;
        raw
    }

    /// The address family (`AF_INET` or `AF_INET6`).
    pub fn family(&self) -> libc::c_int {
        libc::c_int::from(self.storage.ss_family)
    }

    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        (&self.storage as *const libc::sockaddr_storage).cast()
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&mut self.storage as *mut libc::sockaddr_storage).cast()
    }

    pub(crate) fn len(&self) -> libc::socklen_t {
        self.len
    }

    /// The length field for a call that fills the address in.
    pub(crate) fn len_mut(&mut self) -> &mut libc::socklen_t {
        &mut self.len
    }

    /// The std form, if the address is AF_INET or AF_INET6.
    pub fn to_std(&self) -> Option<SocketAddr> {
        // SAFETY: the storage is large enough for either family and the
        // family field says which one it holds.
        unsafe { socket_addr_of(self.as_ptr()) }
    }
}

/// The address and port of an IPv4 or IPv6 socket address.
///
/// # Safety
/// `sa` is null or points to a socket address as large as its family says.
pub(crate) unsafe fn socket_addr_of(sa: *const libc::sockaddr) -> Option<SocketAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: the caller vouches for `sa` and for the size its family implies;
    // unaligned reads make no assumption about its alignment.
    unsafe {
        match libc::c_int::from((*sa).sa_family) {
            libc::AF_INET => {
                let v4 = ptr::read_unaligned(sa.cast::<libc::sockaddr_in>());
                Some(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::from(v4.sin_addr.s_addr.to_ne_bytes()),
                    u16::from_be(v4.sin_port),
                )))
            }
            libc::AF_INET6 => {
                let v6 = ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>());
                Some(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(v6.sin6_addr.s6_addr),
                    u16::from_be(v6.sin6_port),
                    v6.sin6_flowinfo,
                    v6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

/// The address of an IPv4 or IPv6 socket address.
///
/// # Safety
/// As [`socket_addr_of`].
pub(crate) unsafe fn ip_of(sa: *const libc::sockaddr) -> Option<IpAddr> {
    // SAFETY: the caller's promise is passed on unchanged.
    unsafe { socket_addr_of(sa) }.map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "127.0.0.1:5555",
            "0.0.0.0:0",
            "[::1]:1",
            "[fe80::1%3]:65535",
        ] {
            let addr: SocketAddr = text.parse().unwrap();
            let raw = RawSocketAddr::new(&addr);
            assert_eq!(raw.to_std(), Some(addr), "{text}");
            let want = if addr.is_ipv4() {
                libc::AF_INET
            } else {
                libc::AF_INET6
            };
            assert_eq!(raw.family(), want);
        }
        assert_eq!(RawSocketAddr::empty().to_std(), None);
    }
}
