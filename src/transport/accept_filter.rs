//! `TCP_ACCEPT_FILTER`: a network in CIDR form, parsed the way libzmq reads
//! it (numeric addresses only, C's number forms), and the check of a peer's
//! address against it. Pure parsing and comparison: no sockets, no I/O other
//! than looking up an interface index for a `%zone`.

use std::net::{IpAddr, Ipv6Addr};

use crate::error::{Error, Result};
use crate::sys::cstr::{inet_aton, strtol};
use crate::sys::interface;

/// One `TCP_ACCEPT_FILTER` entry: a network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    pub network: IpAddr,
    pub prefix_len: u8,
}

impl TcpAcceptFilter {
    /// Parses `address[/bits]` as libzmq does: a numeric address (no DNS,
    /// no interface names), IPv6 only when `ipv6` is set (then an IPv4
    /// address is taken as IPv4-mapped IPv6), optional `[...]` and `%zone`.
    /// The text stops at a NUL, as a C string.
    pub fn parse(text: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        let text = text.split(|&c| c == 0).next().unwrap_or_default();
        let text = std::str::from_utf8(text).map_err(|_| Error::Inval)?;
        let (address, bits) = match text.rsplit_once('/') {
            Some((_, "")) => return Err(Error::Inval),
            Some((a, bits)) => (a, Some(bits)),
            None => (text, None),
        };
        let network = parse_numeric_address(address, ipv6).ok_or(Error::Inval)?;
        let full: i64 = if network.is_ipv6() { 128 } else { 32 };
        let prefix_len = match bits {
            None => full,
            Some("0") => 0,
            Some(bits) => Some(strtol(bits))
                .filter(|n| (1..=full).contains(n))
                .ok_or(Error::Inval)?,
        };
        Ok(TcpAcceptFilter {
            network,
            prefix_len: prefix_len as u8,
        })
    }

    /// Whether a peer's address is in this network (same family only).
    pub fn matches(&self, peer: IpAddr) -> bool {
        match (self.network, peer) {
            (IpAddr::V4(n), IpAddr::V4(p)) => {
                same_prefix(&n.octets(), &p.octets(), self.prefix_len)
            }
            (IpAddr::V6(n), IpAddr::V6(p)) => {
                same_prefix(&n.octets(), &p.octets(), self.prefix_len)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let mask = !(0xffu8 >> rest);
    rest == 0 || a[whole] & mask == b[whole] & mask
}

/// A numeric address the way `getaddrinfo(AI_NUMERICHOST)` reads it for
/// one family, after removing `[...]` and a `%zone` (which must name an
/// interface or be a non-zero number).
fn parse_numeric_address(address: &str, ipv6: bool) -> Option<IpAddr> {
    let address = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(address);
    let address = match address.rsplit_once('%') {
        Some((a, zone)) => {
            let by_name = zone.starts_with(|c: char| c.is_ascii_alphabetic());
            let id = match by_name {
                true => i64::from(interface::index(zone)),
                false => strtol(zone),
            };
            if id == 0 {
                return None;
            }
            a
        }
        None => address,
    };
    let v6 = address.parse::<Ipv6Addr>().ok();
    let v4 = inet_aton(address);
    if ipv6 {
        v6.or(v4.map(|a| a.to_ipv6_mapped())).map(IpAddr::V6)
    } else {
        v4.or(v6.and_then(|a| a.to_ipv4_mapped())).map(IpAddr::V4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_filter_parsing() {
        use std::net::Ipv4Addr as V4;
        let v4 = |a, b, c, d, bits| {
            Ok(TcpAcceptFilter {
                network: IpAddr::V4(V4::new(a, b, c, d)),
                prefix_len: bits,
            })
        };
        let parse = |t: &str, ipv6| TcpAcceptFilter::parse(t.as_bytes(), ipv6);
        let inval = Err(Error::Inval);
        assert_eq!(parse("10.0.0.1", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("10.0.0.0/8", false), v4(10, 0, 0, 0, 8));
        assert_eq!(parse("10.0.0.0/0", false), v4(10, 0, 0, 0, 0));
        assert_eq!(parse("10.0.0.0/00", false), inval);
        assert_eq!(parse("10.0.0.0/33", false), inval);
        assert_eq!(parse("10.0.0.0/", false), inval);
        assert_eq!(parse("10.0.0.0/-8", false), inval);
        assert_eq!(parse("10.0.0.0/ 8", false), v4(10, 0, 0, 0, 8));
        assert_eq!(parse("10.0.0.0/24x", false), v4(10, 0, 0, 0, 24));
        assert_eq!(parse("127.1", false), v4(127, 0, 0, 1, 32));
        assert_eq!(parse("0x7f.1", false), v4(127, 0, 0, 1, 32));
        assert_eq!(parse("010.0.0.1", false), v4(8, 0, 0, 1, 32));
        assert_eq!(parse("4294967295", false), v4(255, 255, 255, 255, 32));
        assert_eq!(parse("1.2.65535", false), v4(1, 2, 255, 255, 32));
        assert_eq!(parse("[10.0.0.1]", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("10.0.0.1\0junk", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("::ffff:1.2.3.4", false), v4(1, 2, 3, 4, 32));
        assert_eq!(parse("10.0.0.1%1", false), v4(10, 0, 0, 1, 32));
        for bad in [
            "::1",
            "localhost",
            " 10.0.0.1",
            "10.0.0.1 ",
            "1.2.3.4.5",
            "256.0.0.1",
            "4294967296",
            "1.2.65536",
            "0x",
            "08",
            "1..2",
            "1.2.3.",
            "1.2.3.4%",
            "1.2.3.4%0",
            "1.2.3.4/0x8",
            "",
        ] {
            assert_eq!(parse(bad, false), inval, "{bad:?}");
        }
        let v6 = |t: &str, bits| {
            Ok(TcpAcceptFilter {
                network: IpAddr::V6(t.parse().unwrap()),
                prefix_len: bits,
            })
        };
        assert_eq!(parse("::1", true), v6("::1", 128));
        assert_eq!(parse("[::1]/64", true), v6("::1", 64));
        assert_eq!(parse("127.1/120", true), v6("::ffff:127.0.0.1", 120));
        assert_eq!(parse("fe80::1%1x", true), v6("fe80::1", 128));
        assert_eq!(parse("fe80::1%lo", true), v6("fe80::1", 128));
        for bad in [
            "::1/129",
            "[::1/64]",
            ":::",
            "::1%",
            "fe80::1%x1",
            "fe80::1%0",
            "fe80::1%no/such",
        ] {
            assert_eq!(parse(bad, true), inval, "{bad:?}");
        }
    }

    #[test]
    fn accept_filter_matching() {
        let f = |t: &str, ipv6| TcpAcceptFilter::parse(t.as_bytes(), ipv6).unwrap();
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        assert!(f("192.168.1.0/24", false).matches(ip("192.168.1.77")));
        assert!(!f("192.168.1.0/24", false).matches(ip("192.168.2.1")));
        assert!(f("192.168.0.0/23", false).matches(ip("192.168.1.1")));
        assert!(!f("192.168.0.0/23", false).matches(ip("192.168.2.1")));
        assert!(f("0.0.0.0/0", false).matches(ip("8.8.8.8")));
        assert!(!f("0.0.0.0/0", false).matches(ip("::1")));
        assert!(f("::1", true).matches(ip("::1")));
        assert!(f("127.0.0.1", true).matches(ip("::ffff:127.0.0.1")));
        assert!(!f("127.0.0.1", true).matches(ip("127.0.0.1")));
    }
}
