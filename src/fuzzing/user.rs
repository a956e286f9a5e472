//! Harnesses for what a user hands the library as text: the endpoint
//! strings of `zmq_bind` and `zmq_connect` (zmq_tcp(7), zmq_ipc(7),
//! zmq_udp(7), zmq_pgm(7), zmq_inproc(7)), split, checked and resolved as those calls
//! do.
//!
//! Never a name lookup: tcp and udp addresses resolve with numeric-only
//! getaddrinfo (`resolve_numeric`); only interface names are looked up,
//! through getifaddrs and if_nametoindex, which ask the local kernel. An
//! `ipc://*` bind, which would make a directory, is not resolved.

use std::net::SocketAddr;

use super::Harness;
use crate::error::Error;
use crate::socket::parse_endpoint;
use crate::transport::address::{tcp_endpoint, IpcAddress, TcpAddress, WsAddress, IPC_MAX_LEN};
use crate::transport::udp::UdpAddress;

pub const TARGETS: &[(&str, Harness)] = &[("endpoint", endpoint)];

/// The transports a flag byte can put in front of a bare address.
const SCHEMES: [&str; 4] = ["tcp", "ipc", "udp", "inproc"];

/// One endpoint string. The first byte says how it is used: bit 0
/// `ZMQ_IPV6`, bit 1 bind (else connect), bit 7 "the rest is a bare
/// address" for the transport in bits 4-5 (so the fuzzer need not find
/// the scheme); the rest is the text (C strings: invalid UTF-8 replaced).
pub fn endpoint(data: &[u8]) {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let ipv6 = flags & 1 != 0;
    let bind = flags & 2 != 0;
    let text = String::from_utf8_lossy(text);
    let text = if flags & 0x80 != 0 {
        format!("{}://{text}", SCHEMES[usize::from(flags >> 4) & 3])
    } else {
        text.into_owned()
    };
    let (proto, rest) = match parse_endpoint(&text) {
        Ok(parts) => parts,
        Err(e) => {
            assert!(
                matches!(e, Error::Inval | Error::NotSup | Error::ProtoNoSupport),
                "{text:?}: {e:?}"
            );
            return;
        }
    };
    assert!(!rest.is_empty(), "{text:?}: empty address accepted");
    assert_eq!(format!("{proto}://{rest}"), text, "split loses text");
    match proto {
        "tcp" => tcp(rest, bind, ipv6),
        "ipc" => ipc(rest, bind),
        "udp" => udp(rest, bind, ipv6),
        "ws" | "wss" => ws(rest, bind, ipv6),
        "pgm" | "epgm" => pgm(rest),
        // An inproc name is any text: nothing more is parsed.
        _ => assert_eq!(proto, "inproc"),
    }
}

/// A pgm address: EINVAL or a multicast group on a port other than 0.
fn pgm(rest: &str) {
    match crate::transport::pgm::PgmAddress::parse_numeric(rest) {
        Ok(a) => assert!(a.group.is_multicast() && a.port != 0, "{rest:?}: {a:?}"),
        Err(e) => assert!(
            matches!(e, Error::Inval | Error::NoMem) || e == Error::Os(libc::ENODEV),
            "{rest:?}: {e:?}"
        ),
    }
}

/// The errors `resolve` documents.
fn resolve_error(text: &str, e: Error) {
    assert!(
        matches!(e, Error::Inval | Error::NoMem) || e == Error::Os(libc::ENODEV),
        "{text:?}: {e:?}"
    );
}

/// Every address of a resolved endpoint has the family `ZMQ_IPV6` asks
/// for (IPv4 mapped with it), and its `ZMQ_LAST_ENDPOINT` text resolves
/// back to it.
fn check_resolved(text: &str, addr: &SocketAddr, ipv6: bool) {
    assert_eq!(addr.is_ipv6(), ipv6, "{text:?} resolved to {addr}");
    let shown = tcp_endpoint(addr);
    let again = TcpAddress::for_bind(shown.strip_prefix("tcp://").expect("tcp:// text"))
        .resolve_numeric(ipv6)
        .map(|r| r.address);
    assert_eq!(again, Ok(*addr), "{text:?} shown as {shown:?}");
}

fn tcp(rest: &str, bind: bool, ipv6: bool) {
    let addr = if bind {
        TcpAddress::for_bind(rest)
    } else {
        match TcpAddress::for_connect(rest) {
            Ok(addr) => addr,
            Err(e) => return assert_eq!(e, Error::Inval, "{rest:?}"),
        }
    };
    assert_eq!(addr.as_str(), rest);
    match addr.resolve_numeric(ipv6) {
        Ok(res) => {
            assert!(res.source.is_none() || rest.contains(';'), "{rest:?}");
            if let Some(source) = &res.source {
                check_resolved(rest, source, ipv6);
            }
            check_resolved(rest, &res.address, ipv6);
        }
        Err(e) => resolve_error(rest, e),
    }
}

/// A ws address splits into a tcp address and a path that put back
/// together give the text (`/` when it had none); the tcp part is then
/// what a tcp endpoint is.
fn ws(rest: &str, bind: bool, ipv6: bool) {
    let addr = match WsAddress::parse(rest) {
        Ok(addr) => addr,
        Err(e) => {
            assert_eq!(e, Error::Inval, "{rest:?}");
            return assert!(!rest.contains(':'), "{rest:?}: refused");
        }
    };
    assert!(addr.path.starts_with('/'), "{rest:?}: path {:?}", addr.path);
    if rest.len() == addr.host_port.len() {
        assert_eq!(addr.path, "/", "{rest:?}");
        assert_eq!(addr.host_port, rest);
    } else {
        assert_eq!(format!("{}{}", addr.host_port, addr.path), rest);
    }
    assert!(addr.host_port.starts_with(&addr.host), "{rest:?}");
    tcp(&addr.host_port, bind, ipv6);
}

fn ipc(rest: &str, bind: bool) {
    if bind && IpcAddress::is_wildcard(rest) {
        return; // `create_ipc_wildcard` makes a directory
    }
    match IpcAddress::parse(rest) {
        Ok(addr) => {
            assert!(rest.len() <= IPC_MAX_LEN, "{rest:?}: too long, accepted");
            assert_eq!(addr.endpoint_string(), format!("ipc://{rest}"));
            let os = addr
                .to_socket_addr()
                .expect("a parsed address fits sun_path");
            assert_eq!(IpcAddress::from_socket_addr(&os), addr, "{rest:?}");
        }
        Err(Error::Os(libc::ENAMETOOLONG)) => assert!(rest.len() > IPC_MAX_LEN),
        Err(e) => {
            assert_eq!(e, Error::Inval, "{rest:?}");
            assert!(rest == "@" || rest.contains('\0'), "{rest:?}: refused");
        }
    }
}

fn udp(rest: &str, bind: bool, ipv6: bool) {
    match UdpAddress::resolve_numeric(rest, bind, ipv6) {
        Ok(addr) => {
            let multicast = addr.is_multicast();
            assert_eq!(addr.target.is_ipv6(), ipv6, "{rest:?}");
            assert!(addr.interface.is_none() || multicast, "{rest:?}");
            if let Some(iface) = &addr.interface {
                assert_eq!(iface.address.is_ipv6(), ipv6, "{rest:?}");
                assert!(!iface.address.is_multicast(), "{rest:?}");
            }
            match addr.bind {
                None => assert!(!bind, "{rest:?}: bind without a local address"),
                Some(local) if multicast => {
                    assert!(bind && local.ip().is_unspecified(), "{rest:?}");
                    assert_eq!(local.port(), addr.target.port());
                }
                Some(local) => assert!(bind && local == addr.target, "{rest:?}"),
            }
        }
        Err(e) => resolve_error(rest, e),
    }
}
