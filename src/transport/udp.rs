//! UDP sockets for the udp:// transport (RADIO, DISH, DGRAM): the address
//! forms of zmq_udp(7) and the OS socket behind them, with multicast set
//! up as libzmq does. Only addresses and OS calls live here; no socket
//! semantics (see `socket::udp` for what travels in a datagram).
//!
//! Forms: `host:port` and `interface;multicast-group:port`. A bound
//! socket receives on `host:port` (`*` for any address); a multicast
//! group is joined instead, on the interface if one is named. A
//! connected socket sends to `host:port`, a multicast group through the
//! named interface, with `ZMQ_MULTICAST_LOOP` and `ZMQ_MULTICAST_HOPS`.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

use super::address::TcpAddress;
use crate::error::{Error, Result};
use crate::sys::{interface, socket};

/// A resolved udp:// address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpAddress {
    /// Where a bound socket listens (the group's port on any address for
    /// multicast), or `None` for a sending socket (an ephemeral port).
    pub bind: Option<SocketAddr>,
    /// Where a connected socket sends; the group a bound one joins.
    pub target: SocketAddr,
    /// The interface named before `;` (multicast only).
    pub interface: Option<Interface>,
}

/// A multicast interface: its address (IPv4) and index (IPv6; 0 if the
/// name given was no interface name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub address: IpAddr,
    pub index: u32,
}

impl UdpAddress {
    /// Resolves the text after `udp://` for `zmq_bind` (`bind`) or
    /// `zmq_connect`, with `ZMQ_IPV6`. `EINVAL` for a malformed address,
    /// an interface without a multicast group, or mixed families.
    pub fn resolve(text: &str, bind: bool, ipv6: bool) -> Result<UdpAddress> {
        Self::resolve_with(text, bind, ipv6, true)
    }

    /// [`Self::resolve`] without name lookups (see
    /// `TcpAddress::resolve_numeric`), for the fuzz harnesses.
    #[cfg(any(test, fuzzing))]
    pub fn resolve_numeric(text: &str, bind: bool, ipv6: bool) -> Result<UdpAddress> {
        Self::resolve_with(text, bind, ipv6, false)
    }

    fn resolve_with(text: &str, bind: bool, ipv6: bool, names: bool) -> Result<UdpAddress> {
        let (iface_text, rest) = match text.rsplit_once(';') {
            Some((i, r)) => (Some(i), r),
            None => (None, text),
        };
        let target = if bind {
            TcpAddress::for_bind(rest)
                .resolve_with(ipv6, names)?
                .address
        } else {
            TcpAddress::for_connect(rest)?
                .resolve_with(ipv6, names)?
                .address
        };
        let multicast = target.ip().is_multicast();
        let interface = match iface_text {
            None => None,
            Some(_) if !multicast => return Err(Error::Inval),
            Some(name) => {
                // The interface's address: a literal, `*` or a NIC name.
                let probe = format!("{name}:0");
                let address = TcpAddress::for_bind(&probe)
                    .resolve_with(ipv6, names)?
                    .address
                    .ip();
                if address.is_multicast() || address.is_ipv4() != target.is_ipv4() {
                    return Err(Error::Inval);
                }
                Some(Interface {
                    address,
                    index: interface::index(name),
                })
            }
        };
        let bind = bind.then(|| {
            if multicast {
                SocketAddr::new(unspecified(&target), target.port())
            } else {
                target
            }
        });
        Ok(UdpAddress {
            bind,
            target,
            interface,
        })
    }

    pub fn is_multicast(&self) -> bool {
        self.target.ip().is_multicast()
    }
}

fn unspecified(like: &SocketAddr) -> IpAddr {
    match like {
        SocketAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}

fn set_opt<T: Copy>(s: &UdpSocket, level: libc::c_int, name: libc::c_int, value: &T) -> Result<()> {
    Ok(socket::set_option(s.as_raw_fd(), level, name, value)?)
}

/// The socket options a udp socket takes from `Options`.
#[derive(Debug, Clone, Default)]
pub struct UdpTuning {
    pub multicast_loop: bool,
    pub multicast_hops: i32,
    pub bind_to_device: Option<String>,
}

/// Opens a non-blocking UDP socket: bound and (for a group) a member when
/// `addr.bind` is set, otherwise ready to send to `addr.target`.
pub fn open(addr: &UdpAddress, tuning: &UdpTuning) -> Result<UdpSocket> {
    let v4 = addr.target.is_ipv4();
    let s = match addr.bind {
        Some(local) => bind(local, addr.is_multicast())?,
        None => {
            let any: SocketAddr = if v4 {
                "0.0.0.0:0".parse().expect("literal")
            } else {
                "[::]:0".parse().expect("literal")
            };
            UdpSocket::bind(any).map_err(Error::from)?
        }
    };
    s.set_nonblocking(true).map_err(Error::from)?;
    if let Some(dev) = &tuning.bind_to_device {
        socket::bind_to_device(s.as_raw_fd(), dev)?;
    }
    if !addr.is_multicast() {
        return Ok(s);
    }
    if addr.bind.is_some() {
        join_group(&s, addr)?;
    } else {
        let looped = tuning.multicast_loop as libc::c_int;
        let hops = tuning.multicast_hops as libc::c_int;
        if v4 {
            set_opt(&s, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &looped)?;
            if hops > 0 {
                set_opt(&s, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &hops)?;
            }
            if let Some(Interface {
                address: IpAddr::V4(a),
                ..
            }) = &addr.interface
            {
                if !a.is_unspecified() {
                    let ia = libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.octets()),
                    };
                    set_opt(&s, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &ia)?;
                }
            }
        } else {
            set_opt(&s, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &looped)?;
            if hops > 0 {
                set_opt(&s, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &hops)?;
            }
            if let Some(i) = addr.interface.as_ref().filter(|i| i.index > 0) {
                let index = i.index as libc::c_int;
                set_opt(&s, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF, &index)?;
            }
        }
    }
    Ok(s)
}

/// A socket bound to `local` with `SO_REUSEADDR` (and `SO_REUSEPORT` for
/// multicast, so several receivers can share a group's port).
fn bind(local: SocketAddr, multicast: bool) -> Result<UdpSocket> {
    let domain = if local.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let s = UdpSocket::from(socket::socket(
        domain,
        libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
        0,
    )?);
    let one: libc::c_int = 1;
    set_opt(&s, libc::SOL_SOCKET, libc::SO_REUSEADDR, &one)?;
    if multicast {
        set_opt(&s, libc::SOL_SOCKET, libc::SO_REUSEPORT, &one)?;
    }
    if local.is_ipv6() && local.ip().is_unspecified() {
        // Dual-stack, as libzmq's IPv6 sockets.
        let zero: libc::c_int = 0;
        let _ = set_opt(&s, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, &zero);
    }
    socket::bind(s.as_raw_fd(), &local)?;
    Ok(s)
}

fn join_group(s: &UdpSocket, addr: &UdpAddress) -> Result<()> {
    match addr.target.ip() {
        IpAddr::V4(group) => {
            let iface = match &addr.interface {
                Some(Interface {
                    address: IpAddr::V4(a),
                    ..
                }) => *a,
                _ => std::net::Ipv4Addr::UNSPECIFIED,
            };
            let mreq = libc::ip_mreq {
                imr_multiaddr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(group.octets()),
                },
                imr_interface: libc::in_addr {
                    s_addr: u32::from_ne_bytes(iface.octets()),
                },
            };
            set_opt(s, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreq)
        }
        IpAddr::V6(group) => {
            let mreq = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: group.octets(),
                },
                ipv6mr_interface: addr.interface.as_ref().map_or(0, |i| i.index),
            };
            set_opt(s, libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP, &mreq)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn unicast_bind_and_connect() {
        let b = UdpAddress::resolve("*:5556", true, false).unwrap();
        assert_eq!(b.bind, Some(sa("0.0.0.0:5556")));
        let b6 = UdpAddress::resolve("*:5556", true, true).unwrap();
        assert_eq!(b6.bind, Some(sa("[::]:5556")));
        let c = UdpAddress::resolve("127.0.0.1:5556", false, false).unwrap();
        assert_eq!((c.bind, c.target), (None, sa("127.0.0.1:5556")));
        let c6 = UdpAddress::resolve("[::1]:5556", false, true).unwrap();
        assert_eq!(c6.target, sa("[::1]:5556"));
        assert!(!c.is_multicast());
    }

    #[test]
    fn multicast_binds_any_on_the_group_port() {
        let b = UdpAddress::resolve("226.8.5.5:5555", true, false).unwrap();
        assert!(b.is_multicast());
        assert_eq!(b.bind, Some(sa("0.0.0.0:5555")));
        assert_eq!(b.target, sa("226.8.5.5:5555"));
        let i = UdpAddress::resolve("127.0.0.1;226.8.5.5:5555", true, false).unwrap();
        assert_eq!(
            i.interface.map(|i| i.address),
            Some("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn bad_forms() {
        // An interface goes with a multicast group only.
        assert_eq!(
            UdpAddress::resolve("127.0.0.1;127.0.0.1:5555", true, false),
            Err(Error::Inval)
        );
        assert!(UdpAddress::resolve("127.0.0.1", false, false).is_err());
    }

    #[test]
    fn a_bound_socket_receives_what_a_sender_sends() {
        let b = UdpAddress::resolve("127.0.0.1:0", true, false).unwrap();
        let rx = open(&b, &UdpTuning::default()).unwrap();
        let port = rx.local_addr().unwrap().port();
        let c = UdpAddress::resolve(&format!("127.0.0.1:{port}"), false, false).unwrap();
        let tx = open(&c, &UdpTuning::default()).unwrap();
        tx.send_to(b"hi", c.target).unwrap();
        rx.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = rx.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hi");
    }
}
