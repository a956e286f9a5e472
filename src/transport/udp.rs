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
        let (iface_text, rest) = match text.rsplit_once(';') {
            Some((i, r)) => (Some(i), r),
            None => (None, text),
        };
        let target = if bind {
            TcpAddress::for_bind(rest).resolve(ipv6)?.address
        } else {
            TcpAddress::for_connect(rest)?.resolve(ipv6)?.address
        };
        let multicast = target.ip().is_multicast();
        let interface = match iface_text {
            None => None,
            Some(_) if !multicast => return Err(Error::Inval),
            Some(name) => {
                // The interface's address: a literal, `*` or a NIC name.
                let probe = format!("{name}:0");
                let address = TcpAddress::for_bind(&probe).resolve(ipv6)?.address.ip();
                if address.is_multicast() || address.is_ipv4() != target.is_ipv4() {
                    return Err(Error::Inval);
                }
                Some(Interface {
                    address,
                    index: interface_index(name),
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

/// The index of the interface called `name`, or 0.
fn interface_index(name: &str) -> u32 {
    let Ok(c) = std::ffi::CString::new(name) else {
        return 0;
    };
    // SAFETY: passes a NUL-terminated string; the call only reads it.
    unsafe { libc::if_nametoindex(c.as_ptr()) }
}

fn check(rc: libc::c_int) -> Result<()> {
    if rc < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

fn set_opt<T>(s: &UdpSocket, level: libc::c_int, name: libc::c_int, value: &T) -> Result<()> {
    // SAFETY: passes a live value of its own size to setsockopt on our fd.
    check(unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            level,
            name,
            value as *const T as *const libc::c_void,
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    })
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
        let name = std::ffi::CString::new(dev.as_str()).map_err(|_| Error::Inval)?;
        // SAFETY: passes the device name's bytes and length to setsockopt.
        check(unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                name.as_ptr() as *const libc::c_void,
                name.as_bytes().len() as libc::socklen_t,
            )
        })?;
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
    let (domain, ss, len) = raw_addr(&local);
    // SAFETY: plain syscall; the fd is checked and then owned.
    let fd = unsafe { libc::socket(domain, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let s = unsafe { <UdpSocket as std::os::fd::FromRawFd>::from_raw_fd(fd) };
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
    // SAFETY: binds our fd to a live sockaddr of the given length.
    check(unsafe { libc::bind(fd, &ss as *const _ as *const libc::sockaddr, len) })?;
    Ok(s)
}

/// A `sockaddr_storage` for a std address: its family and length.
fn raw_addr(addr: &SocketAddr) -> (libc::c_int, libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let (domain, len) = match addr {
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
            (libc::AF_INET, std::mem::size_of::<libc::sockaddr_in>())
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
            (libc::AF_INET6, std::mem::size_of::<libc::sockaddr_in6>())
        }
    };
    (domain, ss, len as libc::socklen_t)
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
