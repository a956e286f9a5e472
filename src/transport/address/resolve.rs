//! Resolution of one `host:port` part of a `tcp://` address (also used by
//! `udp://`): port and `%zone` parsing with libzmq's atoi(3) reading, then
//! `*`, interface names (getifaddrs) and getaddrinfo, in libzmq's order and
//! with its errno values. It may block on DNS: never call it on an
//! application thread for a connect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::sys::cstr::atoi;
use crate::sys::{interface, netdb};

/// `ENODEV`: libzmq's errno for a bind address that names no interface and
/// does not resolve.
const NO_DEVICE: Error = Error::Os(libc::ENODEV);

/// How one `host:port` part is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lookup {
    /// A local address: `*` host and `*` port are allowed, and failure to
    /// resolve is `ENODEV` rather than `EINVAL`.
    bindable: bool,
    /// Host names may go to DNS; otherwise only literals resolve.
    dns: bool,
    /// Interface names are tried before anything else.
    nic: bool,
    /// `ZMQ_IPV6`.
    ipv6: bool,
}

impl Lookup {
    /// A bind address. DNS names are allowed since libzmq 4.3.5 (4.3.4
    /// refused them with `ENODEV`).
    pub(super) fn local(ipv6: bool) -> Lookup {
        Lookup {
            bindable: true,
            dns: true,
            nic: true,
            ipv6,
        }
    }

    /// The source part of a connect address: literals and interfaces only.
    pub(super) fn source(ipv6: bool) -> Lookup {
        Lookup {
            dns: false,
            ..Lookup::local(ipv6)
        }
    }

    /// This lookup, with host names left to DNS only if `names` (and it
    /// allowed them).
    pub(super) fn names(self, names: bool) -> Lookup {
        Lookup {
            dns: self.dns && names,
            ..self
        }
    }

    /// The peer of a connect address.
    pub(super) fn remote(ipv6: bool) -> Lookup {
        Lookup {
            bindable: false,
            dns: true,
            nic: false,
            ipv6,
        }
    }
}

/// One `host:port` part, split but not looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HostPort<'a> {
    pub(super) host: &'a str,
    pub(super) port: u16,
    pub(super) zone: Option<Zone<'a>>,
}

/// The `%zone` of a scoped IPv6 address (RFC 4007 §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Zone<'a> {
    Index(u32),
    Interface(&'a str),
}

impl<'a> HostPort<'a> {
    /// Splits `text` into host, port and zone. All errors are `EINVAL`.
    pub(super) fn parse(text: &'a str, bindable: bool) -> Result<HostPort<'a>> {
        // The port follows the last colon, since IPv6 literals hold colons.
        let (host, port) = text.rsplit_once(':').ok_or(Error::Inval)?;
        let port = match port {
            "*" if bindable => 0,
            "0" => 0,
            // libzmq reads the port with atoi(3) and keeps 16 bits: "5abc"
            // is 5, "70000" is 4464, and anything reading as 0 is refused.
            _ => match atoi(port) as u16 {
                0 => return Err(Error::Inval),
                port => port,
            },
        };
        // Brackets are removed only as a pair around the whole host.
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let (host, zone) = match host.rsplit_once('%') {
            None => (host, None),
            Some((_, "")) => return Err(Error::Inval),
            Some((host, zone)) if zone.as_bytes()[0].is_ascii_alphabetic() => {
                (host, Some(Zone::Interface(zone)))
            }
            Some((host, zone)) => match atoi(zone) as u32 {
                0 => return Err(Error::Inval),
                index => (host, Some(Zone::Index(index))),
            },
        };
        Ok(HostPort { host, port, zone })
    }

    /// Looks the host up: zone first (`EINVAL` if unknown), then `*`, then
    /// interface names, then getaddrinfo.
    fn resolve(&self, lookup: Lookup) -> Result<SocketAddr> {
        let scope = match self.zone {
            None => 0,
            Some(Zone::Index(index)) => index,
            Some(Zone::Interface(name)) => match interface::index(name) {
                0 => return Err(Error::Inval),
                index => index,
            },
        };
        let ip = if lookup.bindable && self.host == "*" {
            if lookup.ipv6 {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            }
        } else {
            let nic = if lookup.nic {
                interface_address(self.host, lookup.ipv6)?
            } else {
                None
            };
            match nic {
                Some(ip) => ip,
                None => first_address_info(self.host, lookup)?,
            }
        };
        // libzmq sets the scope from the zone alone, so a link-local address
        // found through an interface name loses the interface's scope.
        Ok(match ip {
            IpAddr::V4(ip) => SocketAddr::V4(SocketAddrV4::new(ip, self.port)),
            IpAddr::V6(ip) => SocketAddr::V6(SocketAddrV6::new(ip, self.port, 0, scope)),
        })
    }
}

pub(super) fn resolve_part(text: &str, lookup: Lookup) -> Result<SocketAddr> {
    HostPort::parse(text, lookup.bindable)?.resolve(lookup)
}

/// The first address getaddrinfo gives for `host`, as libzmq asks for it:
/// one family only (IPv6 with IPv4 mapped, or IPv4), numeric only unless
/// `dns`.
fn first_address_info(host: &str, lookup: Lookup) -> Result<IpAddr> {
    let failure = if lookup.bindable {
        NO_DEVICE
    } else {
        Error::Inval
    };
    let node = std::ffi::CString::new(host).map_err(|_| failure)?;
    let mut flags = 0;
    if lookup.bindable {
        flags |= libc::AI_PASSIVE;
    }
    if !lookup.dns {
        flags |= libc::AI_NUMERICHOST;
    }
    if lookup.ipv6 {
        flags |= libc::AI_V4MAPPED;
    }
    let mut hints = netdb::Hints {
        flags,
        family: if lookup.ipv6 {
            libc::AF_INET6
        } else {
            libc::AF_INET
        },
        // Any type would do; one avoids a result per socket type.
        socktype: libc::SOCK_STREAM,
    };
    let mut found = netdb::first_address(&node, hints);
    if found == Err(libc::EAI_BADFLAGS) && flags & libc::AI_V4MAPPED != 0 {
        // Some C libraries know the flag but refuse it: ask without.
        hints.flags &= !libc::AI_V4MAPPED;
        found = netdb::first_address(&node, hints);
    }
    match found {
        Ok(ip) => ip.ok_or(failure),
        Err(libc::EAI_MEMORY) => Err(Error::NoMem),
        Err(_) => Err(failure),
    }
}

/// The first address of the wanted family of the interface called `name`,
/// or `None` if there is none (libzmq's `ENODEV`, after which it tries
/// getaddrinfo).
pub(super) fn interface_address(name: &str, ipv6: bool) -> Result<Option<IpAddr>> {
    let family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    // Like libzmq, retry a netlink hiccup (ECONNREFUSED) a few times, 1 ms,
    // 2 ms, 4 ms ... apart.
    let mut attempt = 0;
    loop {
        let errno = match interface::first_address(name, family) {
            Ok(found) => return Ok(found),
            Err(e) => e.raw_os_error().unwrap_or(0),
        };
        match errno {
            libc::ECONNREFUSED if attempt < 9 => {
                std::thread::sleep(Duration::from_millis(1 << attempt));
                attempt += 1;
            }
            // Interfaces cannot be listed (WSL): no name is an interface.
            libc::EINVAL | libc::EOPNOTSUPP => return Ok(None),
            _ => return Err(Error::from_errno(errno)),
        }
    }
}
