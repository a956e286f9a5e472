//! TCP sockets for the tcp:// transport: listeners bound with libzmq's
//! options (backlog, dual-stack IPv6, buffer sizes, TOS, device binding),
//! non-blocking connects (with an optional source address), and the
//! per-connection tuning libzmq applies (no Nagle, keepalive, max
//! retransmit time). Only OS calls live here; no ZMTP, no sockets layer.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::error::{Error, Result};

/// The socket options that act on tcp connections (from `Options`).
#[derive(Debug, Clone, Default)]
pub struct TcpTuning {
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    pub backlog: i32,
    pub keepalive: i32,
    pub keepalive_cnt: i32,
    pub keepalive_idle: i32,
    pub keepalive_intvl: i32,
    pub maxrt: i32,
    pub bind_to_device: Option<String>,
}

fn check(rc: libc::c_int) -> Result<libc::c_int> {
    if rc < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: i32) -> Result<()> {
    // SAFETY: passes a live int of the right size to setsockopt on our fd.
    check(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &value as *const i32 as *const libc::c_void,
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// A `sockaddr_storage` for a std address, and its length.
fn raw_addr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
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
            // SAFETY: sockaddr_storage is larger than sockaddr_in and aligned for it.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>()
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
            // SAFETY: sockaddr_storage is larger than sockaddr_in6 and aligned for it.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// A std address from a raw one (AF_INET or AF_INET6).
fn std_addr(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match ss.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says it holds a sockaddr_in.
            let sin = unsafe { &*(ss as *const _ as *const libc::sockaddr_in) };
            Some(SocketAddr::from((
                sin.sin_addr.s_addr.to_ne_bytes(),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says it holds a sockaddr_in6.
            let sin6 = unsafe { &*(ss as *const _ as *const libc::sockaddr_in6) };
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                sin6.sin6_addr.s6_addr.into(),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// The local address of a socket (`getsockname`).
pub fn local_addr(fd: RawFd) -> Result<SocketAddr> {
    // SAFETY: zeroed storage is valid; getsockname fills at most `len` bytes.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: as above.
    check(unsafe { libc::getsockname(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut len) })?;
    std_addr(&ss).ok_or(Error::Inval)
}

/// The remote address of a connected socket (`getpeername`).
pub fn peer_addr(fd: RawFd) -> Result<SocketAddr> {
    // SAFETY: zeroed storage is valid; getpeername fills at most `len` bytes.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: as above.
    check(unsafe { libc::getpeername(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut len) })?;
    std_addr(&ss).ok_or(Error::Inval)
}

fn new_socket(addr: &SocketAddr) -> Result<OwnedFd> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket(2); the fd is checked and then owned.
    let fd = check(unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            libc::IPPROTO_TCP,
        )
    })?;
    // SAFETY: a fresh descriptor nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Options that apply to listeners and connections alike.
fn tune_common(fd: RawFd, t: &TcpTuning) -> Result<()> {
    if t.sndbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, t.sndbuf)?;
    }
    if t.rcvbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, t.rcvbuf)?;
    }
    if t.tos != 0 {
        // Best effort: IPv6 sockets take TCLASS instead.
        let _ = set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, t.tos);
        let _ = set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, t.tos);
    }
    if let Some(dev) = &t.bind_to_device {
        let name = dev.as_bytes();
        // SAFETY: passes the device name bytes and their length.
        check(unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                name.as_ptr() as *const libc::c_void,
                name.len() as libc::socklen_t,
            )
        })?;
    }
    Ok(())
}

/// Tunes an established connection: no Nagle, keepalive, max retransmit time.
pub fn tune_connection(fd: RawFd, t: &TcpTuning) {
    let _ = set_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
    if t.keepalive != -1 {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, t.keepalive);
        if t.keepalive == 1 {
            if t.keepalive_cnt != -1 {
                let _ = set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, t.keepalive_cnt);
            }
            if t.keepalive_idle != -1 {
                let _ = set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, t.keepalive_idle);
            }
            if t.keepalive_intvl != -1 {
                let _ = set_int(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPINTVL,
                    t.keepalive_intvl,
                );
            }
        }
    }
    if t.maxrt > 0 {
        let _ = set_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, t.maxrt);
    }
}

/// Binds and listens at `addr`; returns the listener and its real address.
pub fn listen(addr: &SocketAddr, t: &TcpTuning) -> Result<(mio::net::TcpListener, SocketAddr)> {
    let fd = new_socket(addr)?;
    let raw = fd.as_raw_fd();
    set_int(raw, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    if addr.is_ipv6() {
        // Dual stack, as libzmq: an IPv6 wildcard also takes IPv4 peers.
        let _ = set_int(raw, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0);
    }
    tune_common(raw, t)?;
    let (ss, len) = raw_addr(addr);
    // SAFETY: binds our socket to a valid address of `len` bytes.
    check(unsafe { libc::bind(raw, &ss as *const _ as *const libc::sockaddr, len) })?;
    // SAFETY: listen(2) on our bound socket.
    check(unsafe { libc::listen(raw, t.backlog.max(1)) })?;
    let local = local_addr(raw)?;
    let std = std::net::TcpListener::from(fd);
    Ok((mio::net::TcpListener::from_std(std), local))
}

/// Takes over a tcp socket the application bound and put in listening
/// state itself (`ZMQ_USE_FD`); it is closed with the listener, as in
/// libzmq. `EINVAL` if `fd` is not a tcp socket.
pub fn adopt_listener(fd: RawFd) -> Result<(mio::net::TcpListener, SocketAddr)> {
    let local = local_addr(fd).map_err(|_| Error::Inval)?;
    // SAFETY: the application handed this descriptor over with
    // ZMQ_USE_FD; from here on the listener owns it.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let std = std::net::TcpListener::from(owned);
    std.set_nonblocking(true)?;
    Ok((mio::net::TcpListener::from_std(std), local))
}

/// Starts a non-blocking connect (completion is reported by writability).
pub fn connect(
    source: Option<&SocketAddr>,
    addr: &SocketAddr,
    t: &TcpTuning,
) -> Result<mio::net::TcpStream> {
    let fd = new_socket(addr)?;
    let raw = fd.as_raw_fd();
    tune_common(raw, t)?;
    if let Some(src) = source {
        set_int(raw, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        let (ss, len) = raw_addr(src);
        // SAFETY: binds our socket to a valid address of `len` bytes.
        check(unsafe { libc::bind(raw, &ss as *const _ as *const libc::sockaddr, len) })?;
    }
    let (ss, len) = raw_addr(addr);
    // SAFETY: connects our socket to a valid address of `len` bytes.
    let rc = unsafe { libc::connect(raw, &ss as *const _ as *const libc::sockaddr, len) };
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e.into());
        }
    }
    Ok(mio::net::TcpStream::from_std(std::net::TcpStream::from(fd)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn listen_on_ephemeral_port_and_connect() {
        let t = TcpTuning {
            backlog: 100,
            sndbuf: -1,
            rcvbuf: -1,
            keepalive: -1,
            ..TcpTuning::default()
        };
        let (listener, local) = listen(&"127.0.0.1:0".parse().unwrap(), &t).unwrap();
        assert_ne!(local.port(), 0);
        let mut c = connect(None, &local, &t).unwrap();
        let mut accepted = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        };
        loop {
            match c.write(b"hi") {
                Ok(2) => break,
                Ok(_) => panic!("short write"),
                Err(_) => std::thread::yield_now(),
            }
        }
        let mut buf = [0u8; 2];
        loop {
            match accepted.read(&mut buf) {
                Ok(2) => break,
                Ok(_) => panic!("short read"),
                Err(_) => std::thread::yield_now(),
            }
        }
        assert_eq!(&buf, b"hi");
        assert_eq!(
            peer_addr(accepted.as_raw_fd()).unwrap(),
            local_addr(c.as_raw_fd()).unwrap()
        );
    }

    #[test]
    fn address_in_use() {
        let t = TcpTuning {
            backlog: 10,
            sndbuf: -1,
            rcvbuf: -1,
            ..TcpTuning::default()
        };
        let (_l, local) = listen(&"127.0.0.1:0".parse().unwrap(), &t).unwrap();
        assert_eq!(listen(&local, &t).err(), Some(Error::AddrInUse));
    }
}
