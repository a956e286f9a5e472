//! pgm:// and epgm:// addresses: `interface;group:port` as libzmq (through
//! OpenPGM 5.3's `pgm_getaddrinfo`) accepts it, with its errno for each bad
//! form. It opens no socket; it may look host names up, and so block.

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};

use crate::error::{Error, Result};
use crate::sys::{interface, netdb};

/// A parsed pgm:// or epgm:// address: the text after `://`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgmAddress {
    /// The interface's IPv4 address; unspecified when the address names no
    /// interface (`group:port` or `;group:port`): the kernel's routes pick.
    pub interface: Ipv4Addr,
    /// The interface's index, 0 when `interface` is unspecified.
    pub index: u32,
    /// The multicast group.
    pub group: Ipv4Addr,
    /// The UDP port (epgm) and the PGM destination port.
    pub port: u16,
}

impl PgmAddress {
    /// Parses `interface;group:port` (`interface;` may be left out or
    /// empty). The interface is one of this host's IPv4 addresses, a network
    /// address (`192.168.1.0`) one multicast-capable interface lies in, the
    /// name of a multicast-capable non-loopback interface (`eth0`: OpenPGM
    /// skips loopback by name, so `lo` is refused and `127.0.0.1` works), or
    /// a host name resolving to one of this host's addresses. Every bad form
    /// is `EINVAL`, as libzmq gives it: no `:`, a port whose C `atoi` is 0
    /// modulo 65536 (libzmq leaves errno stale there; EINVAL is the truth),
    /// a group that is not an IPv4 multicast address, an unknown interface,
    /// IPv6 (which OpenPGM would take; not supported here), OpenPGM's
    /// group lists and send groups (`a,b`, `iface;recv;send`). This may look
    /// host names up, and so block.
    pub fn parse(text: &str) -> Result<PgmAddress> {
        Self::parse_with(text, true)
    }

    /// [`Self::parse`] without host-name lookups (interfaces are still
    /// found), for the fuzz harnesses.
    #[cfg(any(test, fuzzing))]
    pub fn parse_numeric(text: &str) -> Result<PgmAddress> {
        Self::parse_with(text, false)
    }

    fn parse_with(text: &str, names: bool) -> Result<PgmAddress> {
        let (network, port) = text.rsplit_once(':').ok_or(Error::Inval)?;
        // libzmq copies the part before the port into a 256-byte buffer.
        if network.len() >= 255 {
            return Err(Error::Inval);
        }
        let port = c_atoi(port) as u16;
        if port == 0 {
            return Err(Error::Inval);
        }
        let (iface, group) = network.split_once(';').unwrap_or(("", network));
        let group: Ipv4Addr = group.parse().map_err(|_| Error::Inval)?;
        if !group.is_multicast() {
            return Err(Error::Inval);
        }
        let (interface, index) = if iface.is_empty() {
            (Ipv4Addr::UNSPECIFIED, 0)
        } else {
            let entries = interface::ipv4_entries()?;
            let entry = find_interface(iface, &entries)
                .or_else(|| names.then(|| by_host_name(iface, &entries)).flatten())
                .ok_or(Error::Inval)?;
            (entry.address, interface::index(&entry.name))
        };
        Ok(PgmAddress {
            interface,
            index,
            group,
            port,
        })
    }

    /// Where the group's traffic goes.
    pub fn group_socket_addr(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.group, self.port)
    }
}

/// C's `atoi`, as libzmq reads the port: leading white space, a sign,
/// decimal digits up to the first other byte; the value `strtol` gives
/// (saturated), cut to `int`.
pub(super) fn c_atoi(text: &str) -> i32 {
    let s = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    let value = if negative {
        value.saturating_neg()
    } else {
        value
    };
    value as i32
}

/// The interface `text` names, as OpenPGM's `parse_interface` matches it
/// (IPv4 only): an IPv4 literal is an interface address (any interface, a
/// loopback one too) or else a network address whose host part is zero
/// under an interface's netmask (multicast-capable, non-loopback ones);
/// anything else is an interface name (multicast-capable, non-loopback).
pub(super) fn find_interface<'a>(
    text: &str,
    entries: &'a [interface::Ipv4Entry],
) -> Option<&'a interface::Ipv4Entry> {
    let usable = |e: &&interface::Ipv4Entry| {
        e.flags & libc::IFF_LOOPBACK as u32 == 0 && e.flags & libc::IFF_MULTICAST as u32 != 0
    };
    match text.parse::<Ipv4Addr>() {
        Ok(a) if a.is_multicast() => None,
        Ok(a) => entries.iter().find(|e| e.address == a).or_else(|| {
            let (net, host) = (u32::from(a), |e: &interface::Ipv4Entry| {
                !u32::from(e.netmask)
            });
            entries
                .iter()
                .filter(usable)
                .find(|e| net & host(e) == 0 && u32::from(e.address) & !host(e) == net)
        }),
        Err(_) => entries.iter().filter(usable).find(|e| e.name == text),
    }
}

/// A host name that resolves (IPv4) to one of this host's addresses.
fn by_host_name<'a>(
    name: &str,
    entries: &'a [interface::Ipv4Entry],
) -> Option<&'a interface::Ipv4Entry> {
    let address = resolve_v4(name)?;
    entries.iter().find(|e| e.address == address)
}

fn resolve_v4(name: &str) -> Option<Ipv4Addr> {
    let node = std::ffi::CString::new(name).ok()?;
    let hints = netdb::Hints {
        flags: 0,
        family: libc::AF_INET,
        socktype: libc::SOCK_DGRAM,
    };
    match netdb::first_address(&node, hints) {
        Ok(Some(IpAddr::V4(a))) => Some(a),
        _ => None,
    }
}

/// The address a source advertises as its NLA in SPMs when the endpoint
/// names no interface: OpenPGM takes this host's name's address
/// (`pgm_get_multicast_enabled_node_addr`; with several, it prefers one on
/// a multicast-capable interface, we take the first).
pub(super) fn node_address() -> Result<Ipv4Addr> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").map_err(Error::from)?;
    resolve_v4(name.trim()).ok_or(Error::Os(libc::EADDRNOTAVAIL))
}
