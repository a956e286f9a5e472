//! TCP sockets for the tcp:// transport: listeners bound with libzmq's
//! options (backlog, dual-stack IPv6, buffer sizes, TOS, device binding),
//! non-blocking connects (with an optional source address), and the
//! per-connection tuning libzmq applies (no Nagle, keepalive, max
//! retransmit time), made through `sys::socket`; no ZMTP, no sockets layer.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::error::{Error, Result};
use crate::sys::socket;

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

fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: i32) -> Result<()> {
    Ok(socket::set_option(fd, level, name, &value)?)
}

/// The local address of a socket (`getsockname`).
pub fn local_addr(fd: RawFd) -> Result<SocketAddr> {
    socket::local_addr(fd)?.ok_or(Error::Inval)
}

/// The remote address of a connected socket (`getpeername`).
pub fn peer_addr(fd: RawFd) -> Result<SocketAddr> {
    socket::peer_addr(fd)?.ok_or(Error::Inval)
}

fn new_socket(addr: &SocketAddr) -> Result<OwnedFd> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    Ok(socket::socket(
        family,
        libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        libc::IPPROTO_TCP,
    )?)
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
        socket::set_option_bytes(fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, dev.as_bytes())?;
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
    socket::bind(raw, addr)?;
    socket::listen(raw, t.backlog.max(1))?;
    let local = local_addr(raw)?;
    let std = std::net::TcpListener::from(fd);
    Ok((mio::net::TcpListener::from_std(std), local))
}

/// Takes over a tcp socket the application bound and put in listening
/// state itself (`ZMQ_USE_FD`); it is closed with the listener, as in
/// libzmq. `EINVAL` if `fd` is not a tcp socket.
pub fn adopt_listener(fd: RawFd) -> Result<(mio::net::TcpListener, SocketAddr)> {
    let local = local_addr(fd).map_err(|_| Error::Inval)?;
    // The application handed this descriptor over with ZMQ_USE_FD; from
    // here on the listener owns it.
    let std = std::net::TcpListener::from(socket::adopt(fd));
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
        socket::bind(raw, src)?;
    }
    if let Err(e) = socket::connect(raw, addr) {
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
