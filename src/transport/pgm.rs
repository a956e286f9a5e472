//! The OS side of pgm:// and epgm:// (zmq_pgm(7)): the `interface;group:port`
//! address as libzmq (through OpenPGM's `pgm_getaddrinfo`) accepts it
//! (`address.rs`), and the sockets that carry PGM packets: UDP datagrams to
//! the group's port for epgm, raw IP protocol 113 for pgm. Packets go in and
//! out as bytes; what is in them is the sans-IO protocol's business
//! (`src/pgm/`), never this module's.
//!
//! How OpenPGM 5.3 (Debian's build) lays out its sockets, and what we keep:
//! - Multicast goes to `group:port`; a receiver's NAK goes unicast to the
//!   NLA of the source's SPMs at the same `port` (`PGM_UDP_ENCAP_UCAST_PORT`
//!   and `..._MCAST_PORT` are both the endpoint's port in libzmq).
//! - OpenPGM binds its receive socket to `INADDR_ANY:port` with
//!   `SO_REUSEPORT`, so every PGM process on a host shares that port, and a
//!   unicast NAK lands in whichever socket the kernel's reuseport hash
//!   picks. We bind the group socket to `group:port` instead (it receives
//!   the same multicast but never takes unicast meant for another
//!   process), and a source binds a second socket to `nla:port`, which the
//!   kernel prefers to wildcard bindings, so NAKs for our source reach it.
//!   That second socket sends everything, from the interface address.
//! - For pgm:// one raw socket does both; the kernel builds the IP header
//!   (OpenPGM sends no IP options unless `PGM_IP_ROUTER_ALERT` is set,
//!   which libzmq never does), and every raw socket on the host sees every
//!   PGM packet, so a NAK needs no binding.
//! - libzmq sets `PGM_MULTICAST_LOOP` to 0 whatever `ZMQ_MULTICAST_LOOP`
//!   says, TTL to `ZMQ_MULTICAST_HOPS`, and TOS to 0xb8 (DSCP EF, failure
//!   ignored). Which loop setting to pass is the caller's choice.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsRawFd, RawFd};

use mio::net::UdpSocket;

use crate::error::Result;
use crate::sys::socket;

mod address;
#[cfg(test)]
mod tests;

use address::node_address;
pub use address::PgmAddress;

/// IP protocol number of PGM (RFC 3208 §1).
pub const IPPROTO_PGM: libc::c_int = 113;

/// The differentiated-services byte OpenPGM's sockets carry for libzmq
/// (DSCP Expedited Forwarding, no ECN).
const TOS_EF: libc::c_int = 0x2e << 2;

/// How PGM packets travel: epgm:// or pgm://.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encap {
    /// epgm://: inside UDP datagrams to the endpoint's port.
    Udp,
    /// pgm://: as IP protocol 113 (raw sockets: root or `CAP_NET_RAW`).
    Raw,
}

/// The socket options a PGM socket takes from `Options`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgmTuning {
    /// `ZMQ_MULTICAST_HOPS`: the multicast TTL (1..=255; other values leave
    /// the kernel's default).
    pub multicast_hops: i32,
    /// `IP_MULTICAST_LOOP` (libzmq forces 0 whatever `ZMQ_MULTICAST_LOOP`).
    pub multicast_loop: bool,
    /// `ZMQ_SNDBUF` / `ZMQ_RCVBUF`; negative leaves the OS default.
    pub sndbuf: i32,
    pub rcvbuf: i32,
    /// `ZMQ_BINDTODEVICE`, on every socket.
    pub bind_to_device: Option<String>,
    /// True for a source (PUB, XPUB): under UDP, also receive the unicast
    /// NAKs sent to `local_nla():port`.
    pub source: bool,
}

impl Default for PgmTuning {
    fn default() -> Self {
        PgmTuning {
            multicast_hops: 1,
            multicast_loop: false,
            sndbuf: -1,
            rcvbuf: -1,
            bind_to_device: None,
            source: false,
        }
    }
}

/// A received PGM packet: `buf[offset..offset + len]` of the buffer given
/// to [`PgmSocket::recv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Where the PGM header starts (after the IPv4 header for pgm://).
    pub offset: usize,
    pub len: usize,
    /// The sender's IP address (and UDP port; 0 for pgm://).
    pub source: SocketAddrV4,
    /// Whether it was sent to a multicast group rather than to this host.
    pub multicast: bool,
}

/// The non-blocking sockets of one pgm:// or epgm:// endpoint, joined to
/// its group. Register it with mio as one source: every fd under one
/// token; on an event, call [`PgmSocket::recv`] until it gives `None`.
#[derive(Debug)]
pub struct PgmSocket {
    /// Receives the group's traffic; for pgm:// also everything else, and
    /// sends.
    group: UdpSocket,
    /// epgm:// only: sends, and for a source receives the NAKs.
    unicast: Option<UdpSocket>,
    encap: Encap,
    source: bool,
    nla: Ipv4Addr,
    address: PgmAddress,
}

/// Opens the sockets for `addr`. Without `CAP_NET_RAW`, `Encap::Raw` fails
/// with `EPERM` (libzmq's `zmq_connect` succeeds there and the I/O thread
/// then aborts the process: there is no errno of libzmq's to copy).
pub fn open(addr: &PgmAddress, encap: Encap, tuning: &PgmTuning) -> Result<PgmSocket> {
    let nla = if addr.interface.is_unspecified() {
        node_address()?
    } else {
        addr.interface
    };
    let (group, unicast) = match encap {
        Encap::Udp => {
            let group = udp_socket(tuning)?;
            set_int(&group, libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
            socket::bind(group.as_raw_fd(), &SocketAddr::V4(addr.group_socket_addr()))?;
            let unicast = udp_socket(tuning)?;
            // The port is shared with OpenPGM's wildcard-bound sockets, which
            // set SO_REUSEPORT only.
            set_int(&unicast, libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
            let port = if tuning.source { addr.port } else { 0 };
            let local = SocketAddrV4::new(addr.interface, port);
            socket::bind(unicast.as_raw_fd(), &SocketAddr::V4(local))?;
            if tuning.source && tuning.rcvbuf >= 0 {
                set_int(&unicast, libc::SOL_SOCKET, libc::SO_RCVBUF, tuning.rcvbuf)?;
            }
            (group, Some(unicast))
        }
        Encap::Raw => {
            let fd = socket::socket(
                libc::AF_INET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                IPPROTO_PGM,
            )?;
            let raw = UdpSocket::from_std(std::net::UdpSocket::from(fd));
            bind_to_device(&raw, tuning)?;
            (raw, None)
        }
    };
    // Only the groups this socket joined, not every group some socket on the
    // host joined on the same port (Linux's default).
    set_int(&group, libc::IPPROTO_IP, libc::IP_MULTICAST_ALL, 0)?;
    if tuning.rcvbuf >= 0 {
        set_int(&group, libc::SOL_SOCKET, libc::SO_RCVBUF, tuning.rcvbuf)?;
    }
    let interface = ip_mreqn(addr.group, addr.interface, addr.index);
    socket::set_option(
        group.as_raw_fd(),
        libc::IPPROTO_IP,
        libc::IP_ADD_MEMBERSHIP,
        &interface,
    )?;
    let sender = unicast.as_ref().unwrap_or(&group);
    set_sending_options(sender, addr, tuning)?;
    Ok(PgmSocket {
        group,
        unicast,
        encap,
        source: tuning.source,
        nla,
        address: *addr,
    })
}

/// A non-blocking UDP socket with the options every epgm socket has.
fn udp_socket(tuning: &PgmTuning) -> Result<UdpSocket> {
    let fd = socket::socket(
        libc::AF_INET,
        libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0,
    )?;
    let s = UdpSocket::from_std(std::net::UdpSocket::from(fd));
    set_int(&s, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    bind_to_device(&s, tuning)?;
    Ok(s)
}

fn bind_to_device(s: &UdpSocket, tuning: &PgmTuning) -> Result<()> {
    if let Some(dev) = &tuning.bind_to_device {
        socket::bind_to_device(s.as_raw_fd(), dev)?;
    }
    Ok(())
}

fn set_sending_options(s: &UdpSocket, addr: &PgmAddress, tuning: &PgmTuning) -> Result<()> {
    if addr.index != 0 || !addr.interface.is_unspecified() {
        // With the address, the kernel also uses it as the source address of
        // what goes to the group.
        let interface = ip_mreqn(Ipv4Addr::UNSPECIFIED, addr.interface, addr.index);
        socket::set_option(
            s.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            &interface,
        )?;
    }
    if (1..=255).contains(&tuning.multicast_hops) {
        set_int(
            s,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_TTL,
            tuning.multicast_hops,
        )?;
    }
    let looped = libc::c_int::from(tuning.multicast_loop);
    set_int(s, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, looped)?;
    if tuning.sndbuf >= 0 {
        set_int(s, libc::SOL_SOCKET, libc::SO_SNDBUF, tuning.sndbuf)?;
    }
    // As libzmq: a kernel that refuses the TOS is no error.
    let _ = set_int(s, libc::IPPROTO_IP, libc::IP_TOS, TOS_EF);
    Ok(())
}

fn ip_mreqn(group: Ipv4Addr, interface: Ipv4Addr, index: u32) -> libc::ip_mreqn {
    libc::ip_mreqn {
        imr_multiaddr: in_addr(group),
        imr_address: in_addr(interface),
        imr_ifindex: index as libc::c_int,
    }
}

fn in_addr(a: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(a.octets()),
    }
}

fn set_int(s: &UdpSocket, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> Result<()> {
    Ok(socket::set_option(s.as_raw_fd(), level, name, &value)?)
}

impl PgmSocket {
    /// Sends one PGM packet to `to` (the group's address, or a source's
    /// NLA and the endpoint's port for a NAK). For pgm:// the port is
    /// ignored and the kernel writes the IPv4 header.
    pub fn send_to(&self, pgm_packet: &[u8], to: SocketAddrV4) -> io::Result<usize> {
        let to = match self.encap {
            Encap::Udp => to,
            Encap::Raw => SocketAddrV4::new(*to.ip(), 0),
        };
        self.sender().send_to(pgm_packet, SocketAddr::V4(to))
    }

    /// The next PGM packet waiting, read into `buf` (give it room for the
    /// largest TPDU, plus 60 bytes of IPv4 header for pgm://; a longer
    /// datagram is cut to `buf`). `Ok(None)` when nothing is waiting.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<Datagram>> {
        if self.source {
            if let Some(unicast) = &self.unicast {
                if let Some(d) = recv_udp(unicast, buf, false)? {
                    return Ok(Some(d));
                }
            }
        }
        match self.encap {
            Encap::Udp => recv_udp(&self.group, buf, true),
            Encap::Raw => loop {
                let Some((n, _)) = recv_from(&self.group, buf)? else {
                    return Ok(None);
                };
                if let Some(d) = strip_ipv4_header(&buf[..n]) {
                    return Ok(Some(d));
                }
            },
        }
    }

    /// The interface address a source advertises in its SPMs (OPT NLA),
    /// which receivers send their NAKs to.
    pub fn local_nla(&self) -> Ipv4Addr {
        self.nla
    }

    /// The address this socket was opened for.
    pub fn address(&self) -> &PgmAddress {
        &self.address
    }

    pub fn encap(&self) -> Encap {
        self.encap
    }

    /// The descriptors under this socket (for `poll(2)` users; mio users
    /// register the socket itself).
    pub fn fds(&self) -> Vec<RawFd> {
        std::iter::once(&self.group)
            .chain(self.unicast.as_ref())
            .map(AsRawFd::as_raw_fd)
            .collect()
    }

    fn sender(&self) -> &UdpSocket {
        self.unicast.as_ref().unwrap_or(&self.group)
    }

    fn sockets_mut(&mut self) -> impl Iterator<Item = &mut UdpSocket> {
        std::iter::once(&mut self.group).chain(self.unicast.as_mut())
    }
}

fn recv_from(s: &UdpSocket, buf: &mut [u8]) -> io::Result<Option<(usize, SocketAddrV4)>> {
    loop {
        return match s.recv_from(buf) {
            Ok((n, SocketAddr::V4(from))) => Ok(Some((n, from))),
            // Not an IPv4 socket's doing; nothing to hand on.
            Ok((_, SocketAddr::V6(_))) => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
    }
}

fn recv_udp(s: &UdpSocket, buf: &mut [u8], multicast: bool) -> io::Result<Option<Datagram>> {
    Ok(recv_from(s, buf)?.map(|(len, source)| Datagram {
        offset: 0,
        len,
        source,
        multicast,
    }))
}

/// The PGM packet inside a raw IPv4 packet (RFC 791 header: version and
/// IHL in byte 0, total length at 2, protocol at 9, addresses at 12 and
/// 16), `None` if it is not a well-formed IPv4 PGM packet.
fn strip_ipv4_header(ip: &[u8]) -> Option<Datagram> {
    let first = *ip.first()?;
    let header = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header < 20 || ip.len() < header || ip[9] as libc::c_int != IPPROTO_PGM {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let end = total.clamp(header, ip.len());
    let source = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let destination = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    Some(Datagram {
        offset: header,
        len: end - header,
        source: SocketAddrV4::new(source, 0),
        multicast: destination.is_multicast(),
    })
}

impl mio::event::Source for PgmSocket {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.sockets_mut()
            .try_for_each(|s| s.register(registry, token, interests))
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.sockets_mut()
            .try_for_each(|s| s.reregister(registry, token, interests))
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.sockets_mut().try_for_each(|s| s.deregister(registry))
    }
}
