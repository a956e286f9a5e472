//! The OS side of pgm:// and epgm:// (zmq_pgm(7)): the address form
//! `interface;group:port` and the sockets a PGM source or receiver needs.
//! Only addresses and OS calls live here; the protocol is `crate::pgm`.
//!
//! - epgm (PGM inside UDP, port = the endpoint's): a receiver's socket is
//!   bound to `group:port` and joins the group on the interface, so it
//!   gets the group's traffic and never a NAK meant for a source on this
//!   host; a source's socket is bound to `interface:port`, where
//!   receivers unicast their NAKs (to the address its SPMs advertise, at
//!   the endpoint's port, as OpenPGM sends them). A more specific bind
//!   wins the kernel's choice over a receiver bound to `*:port`, so the
//!   NAKs reach the source whichever process bound first. Both send from
//!   a third, unbound socket with the multicast options.
//! - pgm (raw IP protocol 113, `CAP_NET_RAW`): one raw socket, a member of
//!   the group, sends and receives everything; the kernel writes the IP
//!   header, and received packets have theirs stripped here.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;

use mio::{Interest, Registry, Token};

use crate::error::{Error, Result};
use crate::sys::{interface, socket};

/// IANA's protocol number of PGM.
pub const IPPROTO_PGM: libc::c_int = 113;

/// A parsed pgm/epgm address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgmAddress {
    /// The interface's address (unspecified: the kernel's choice).
    pub interface: Ipv4Addr,
    pub group: Ipv4Addr,
    pub port: u16,
}

impl PgmAddress {
    /// Parses the text after `pgm://` or `epgm://`: an interface (a name
    /// or an IPv4 address, may be empty), `;`, an IPv4 multicast group,
    /// `:`, a port other than 0. `EINVAL` otherwise, as libzmq.
    pub fn parse(text: &str) -> Result<PgmAddress> {
        let (network, port) = text.rsplit_once(':').ok_or(Error::Inval)?;
        let port: u16 = port.parse().map_err(|_| Error::Inval)?;
        if port == 0 || network.len() >= 255 {
            return Err(Error::Inval);
        }
        let (iface, group) = network.split_once(';').ok_or(Error::Inval)?;
        let group: Ipv4Addr = group.parse().map_err(|_| Error::Inval)?;
        if !group.is_multicast() {
            return Err(Error::Inval);
        }
        let interface = match iface {
            "" => Ipv4Addr::UNSPECIFIED,
            name => match name.parse::<Ipv4Addr>() {
                Ok(a) => a,
                Err(_) => match interface::first_address(name, libc::AF_INET) {
                    Ok(Some(IpAddr::V4(a))) => a,
                    _ => return Err(Error::Inval),
                },
            },
        };
        Ok(PgmAddress {
            interface,
            group,
            port,
        })
    }
}

/// PGM inside UDP (epgm) or as its own IP protocol (pgm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encap {
    Udp,
    Raw,
}

/// The socket options a PGM endpoint takes from `Options`.
#[derive(Debug, Clone, Default)]
pub struct PgmTuning {
    pub multicast_hops: i32,
    pub multicast_loop: bool,
    /// `ZMQ_SNDBUF`/`ZMQ_RCVBUF`; -1: the OS default.
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub bind_to_device: Option<String>,
}

/// The OS sockets of one pgm/epgm endpoint.
pub struct PgmSocket {
    /// What is read: the group's traffic (a receiver) or the NAKs (a
    /// source); for pgm, the raw socket.
    rx: mio::net::UdpSocket,
    /// What is sent from (epgm); `None` for pgm, which sends from `rx`.
    tx: Option<UdpSocket>,
    encap: Encap,
    /// The address a source advertises in its SPMs.
    nla: Ipv4Addr,
}

fn set_opt<T: Copy>(s: &UdpSocket, level: libc::c_int, name: libc::c_int, value: &T) -> Result<()> {
    Ok(socket::set_option(s.as_raw_fd(), level, name, value)?)
}

fn in_addr(a: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(a.octets()),
    }
}

/// A new socket, as std's type: raw sockets use the same datagram calls
/// (sendto, recvfrom), so `UdpSocket` serves them too.
fn new_socket(encap: Encap) -> Result<UdpSocket> {
    let (ty, proto) = match encap {
        Encap::Udp => (libc::SOCK_DGRAM, 0),
        Encap::Raw => (libc::SOCK_RAW, IPPROTO_PGM),
    };
    let fd = socket::socket(libc::AF_INET, ty | libc::SOCK_CLOEXEC, proto)?;
    let s = UdpSocket::from(fd);
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Sets what every socket of the endpoint shares: buffers, the device.
fn tune(s: &UdpSocket, t: &PgmTuning) -> Result<()> {
    if t.sndbuf >= 0 {
        set_opt(s, libc::SOL_SOCKET, libc::SO_SNDBUF, &t.sndbuf)?;
    }
    if t.rcvbuf >= 0 {
        set_opt(s, libc::SOL_SOCKET, libc::SO_RCVBUF, &t.rcvbuf)?;
    }
    if let Some(dev) = &t.bind_to_device {
        socket::set_option_bytes(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            dev.as_bytes(),
        )?;
    }
    Ok(())
}

/// Makes `s` send to multicast through the interface with the hops and
/// loop options.
fn multicast_out(s: &UdpSocket, addr: &PgmAddress, t: &PgmTuning) -> Result<()> {
    let looped = t.multicast_loop as libc::c_int;
    set_opt(s, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &looped)?;
    if t.multicast_hops > 0 {
        set_opt(
            s,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_TTL,
            &t.multicast_hops,
        )?;
    }
    if !addr.interface.is_unspecified() {
        set_opt(
            s,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            &in_addr(addr.interface),
        )?;
    }
    Ok(())
}

fn join(s: &UdpSocket, addr: &PgmAddress) -> Result<()> {
    let mreq = libc::ip_mreq {
        imr_multiaddr: in_addr(addr.group),
        imr_interface: in_addr(addr.interface),
    };
    set_opt(s, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreq)
}

/// Binds with `SO_REUSEADDR` and `SO_REUSEPORT`: OpenPGM binds the port
/// with the latter only, and Linux lets a socket share a port only with
/// sockets that set the same option.
fn bind_shared(s: &UdpSocket, at: SocketAddrV4) -> Result<()> {
    let one: libc::c_int = 1;
    set_opt(s, libc::SOL_SOCKET, libc::SO_REUSEADDR, &one)?;
    set_opt(s, libc::SOL_SOCKET, libc::SO_REUSEPORT, &one)?;
    socket::bind(s.as_raw_fd(), &SocketAddr::V4(at))?;
    Ok(())
}

/// The address SPMs advertise: the interface's, else the one the kernel
/// would send to the group from.
fn local_nla(addr: &PgmAddress) -> Ipv4Addr {
    if !addr.interface.is_unspecified() {
        return addr.interface;
    }
    let probe = UdpSocket::bind("0.0.0.0:0").and_then(|s| {
        s.connect(SocketAddrV4::new(addr.group, addr.port))?;
        s.local_addr()
    });
    match probe {
        Ok(SocketAddr::V4(a)) if !a.ip().is_unspecified() => *a.ip(),
        _ => Ipv4Addr::LOCALHOST,
    }
}

/// Opens the sockets of a source (`source`) or a receiver. Without
/// `CAP_NET_RAW`, pgm gives `EPERM` (where libzmq aborts).
pub fn open(addr: &PgmAddress, encap: Encap, source: bool, t: &PgmTuning) -> Result<PgmSocket> {
    let nla = local_nla(addr);
    let rx = new_socket(encap)?;
    tune(&rx, t)?;
    let tx = match encap {
        Encap::Udp => {
            let at = if source {
                SocketAddrV4::new(addr.interface, addr.port)
            } else {
                SocketAddrV4::new(addr.group, addr.port)
            };
            bind_shared(&rx, at)?;
            if !source {
                join(&rx, addr)?;
            }
            let tx = new_socket(Encap::Udp)?;
            tune(&tx, t)?;
            multicast_out(&tx, addr, t)?;
            Some(tx)
        }
        Encap::Raw => {
            join(&rx, addr)?;
            multicast_out(&rx, addr, t)?;
            None
        }
    };
    Ok(PgmSocket {
        rx: mio::net::UdpSocket::from_std(rx),
        tx,
        encap,
        nla,
    })
}

impl PgmSocket {
    pub fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()> {
        registry.register(&mut self.rx, token, Interest::READABLE)
    }

    pub fn deregister(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.rx);
    }

    /// The address this host's SPMs advertise.
    pub fn local_nla(&self) -> Ipv4Addr {
        self.nla
    }

    /// Sends one PGM packet to `to` (for pgm, the port is not used).
    pub fn send_to(&self, packet: &[u8], to: SocketAddrV4) -> std::io::Result<usize> {
        match &self.tx {
            Some(tx) => tx.send_to(packet, to),
            None => self.rx.send_to(packet, SocketAddr::V4(to)),
        }
    }

    /// Reads the next packet: where its PGM bytes sit in `buf`, how many,
    /// and the IP source; `None` when nothing is waiting.
    pub fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<Option<(usize, usize, Ipv4Addr)>> {
        let (n, from) = match self.rx.recv_from(buf) {
            Ok(got) => got,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        };
        let from = match from {
            SocketAddr::V4(a) => *a.ip(),
            SocketAddr::V6(_) => return Ok(Some((0, 0, Ipv4Addr::UNSPECIFIED))),
        };
        match self.encap {
            Encap::Udp => Ok(Some((0, n, from))),
            Encap::Raw => {
                // The IPv4 header, its length in 32-bit words.
                let ihl = buf.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
                if ihl < 20 || ihl > n {
                    return Ok(Some((0, 0, from)));
                }
                Ok(Some((ihl, n - ihl, from)))
            }
        }
    }
}

#[cfg(test)]
mod tests;
