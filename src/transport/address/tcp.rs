//! `tcp://` addresses as `zmq_bind` and `zmq_connect` take them (zmq_tcp(7)):
//! kept as text until the I/O thread resolves them (see `resolve`), and the
//! text of a socket address that `ZMQ_LAST_ENDPOINT` and monitor events
//! report. Pure: the one thing it looks up is an interface name for a
//! scope, and only to print it.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::resolve::{resolve_part, Lookup};
use crate::error::{Error, Result};
use crate::sys::interface;

/// A `tcp://` address, the text after `tcp://`, kept until it is resolved.
///
/// Its forms (zmq_tcp(7)) are `host:port` and `source;host:port`, where the
/// part before the last `;` is the local end a connection is bound to. A host
/// is `*` (bind only), an IPv4 or IPv6 literal (brackets optional, the port
/// follows the last `:`), an interface name (bind and source only) or a DNS
/// name (not in a source), with an optional `%zone` (interface name or
/// number) for scoped IPv6 addresses. A port is a number, or `*` / `0` for an
/// ephemeral one (`*` in a local part only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpAddress {
    text: String,
    role: Role,
}

/// Which call an address was given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Bind,
    Connect,
}

/// A resolved [`TcpAddress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedTcp {
    /// The local address to bind a connecting socket to (`source;…`).
    pub source: Option<SocketAddr>,
    /// The address to bind (listener) or to connect to (connecter).
    pub address: SocketAddr,
}

impl TcpAddress {
    /// An address given to `zmq_bind`. libzmq checks nothing before it
    /// resolves, which `zmq_bind` does at once: errors come from `resolve`.
    pub fn for_bind(addr: &str) -> TcpAddress {
        TcpAddress {
            text: addr.to_owned(),
            role: Role::Bind,
        }
    }

    /// An address given to `zmq_connect`, with the syntax check libzmq makes
    /// there (`EINVAL`). Anything else wrong with it (a bad port, an unknown
    /// host) only shows when `resolve` runs, in libzmq as a connection that
    /// keeps failing, not as an error of `zmq_connect`.
    pub fn for_connect(addr: &str) -> Result<TcpAddress> {
        check_connect_syntax(addr)?;
        Ok(TcpAddress {
            text: addr.to_owned(),
            role: Role::Connect,
        })
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Resolves the address for a socket whose `ZMQ_IPV6` is `ipv6`: with it,
    /// every address is IPv6 (IPv4 ones mapped, `::ffff:a.b.c.d`) and `*` is
    /// `::`; without it, only IPv4 addresses resolve. The first result of
    /// getaddrinfo is used. May block on DNS.
    ///
    /// Errors: `EINVAL` for a malformed part, a bad port or zone, and a
    /// destination that does not resolve; `ENODEV` for a local part (bind,
    /// source) that names no interface and does not resolve; `ENOMEM`.
    pub fn resolve(&self, ipv6: bool) -> Result<ResolvedTcp> {
        self.resolve_with(ipv6, true)
    }

    /// [`Self::resolve`] without name lookups: literals, `*` and interface
    /// names (getifaddrs, local) resolve, host names fail as if unknown.
    /// For the fuzz harnesses, which must never wait on DNS.
    #[cfg(any(test, fuzzing))]
    pub fn resolve_numeric(&self, ipv6: bool) -> Result<ResolvedTcp> {
        self.resolve_with(ipv6, false)
    }

    /// [`Self::resolve`], with host names sent to getaddrinfo's name
    /// lookups (hosts file, DNS) only if `names`.
    pub(crate) fn resolve_with(&self, ipv6: bool, names: bool) -> Result<ResolvedTcp> {
        let (source, dest) = match self.text.rsplit_once(';') {
            Some((source, dest)) => (Some(source), dest),
            None => (None, self.text.as_str()),
        };
        let source = match source {
            Some(text) => Some(resolve_part(text, Lookup::source(ipv6))?),
            None => None,
        };
        let lookup = match self.role {
            Role::Bind => Lookup::local(ipv6),
            Role::Connect => Lookup::remote(ipv6),
        }
        .names(names);
        let address = resolve_part(dest, lookup)?;
        Ok(ResolvedTcp { source, address })
    }
}

/// The `ZMQ_LAST_ENDPOINT` text of a bound (or peer) TCP address:
/// `tcp://127.0.0.1:5555`, `tcp://[::1]:5555`, `tcp://0.0.0.0:5555` after a
/// bind to `*` without IPv6, `tcp://[::]:5555` with it.
pub fn tcp_endpoint(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(_) => format!("tcp://{}:{}", numeric_host(addr), addr.port()),
        SocketAddr::V6(_) => format!("tcp://[{}]:{}", numeric_host(addr), addr.port()),
    }
}

/// The host of `addr` as text, as `getnameinfo(NI_NUMERICHOST)` writes it in
/// glibc (libzmq's source of these strings): a link-local IPv6 address with
/// a scope gets `%ifname`, any other scoped one `%number`.
pub fn numeric_host(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => {
            let mut text = ipv6_text(a.ip());
            let scope = a.scope_id();
            if scope != 0 {
                let first = a.ip().segments()[0];
                let link_local = first & 0xffc0 == 0xfe80 || first & 0xff0f == 0xff02;
                let name = if link_local {
                    interface::name(scope)
                } else {
                    None
                };
                match name {
                    Some(name) => text.push_str(&format!("%{name}")),
                    None => text.push_str(&format!("%{scope}")),
                }
            }
            text
        }
    }
}

/// An IPv6 address as glibc's `inet_ntop` writes it. Rust's `Display` agrees
/// except for IPv4-compatible addresses (RFC 4291 §2.5.5.1, `::a.b.c.d`),
/// which glibc writes with a dotted tail.
fn ipv6_text(ip: &Ipv6Addr) -> String {
    let words = ip.segments();
    if words[..6] == [0; 6] && words[6] != 0 {
        let [.., a, b, c, d] = ip.octets();
        return format!("::{}", Ipv4Addr::new(a, b, c, d));
    }
    ip.to_string()
}

/// The zmq_connect syntax check: a host of letters, digits and `.-:%;[]_*`
/// that does not start with one of `.-%;]_*`, ending in `:` and a port that
/// starts with a digit (so `*` is refused). Bytes are classified as in the C
/// locale: nothing outside ASCII passes.
fn check_connect_syntax(addr: &str) -> Result<()> {
    let bytes = addr.as_bytes();
    let starts_well = |c: u8| c.is_ascii_alphanumeric() || c == b'[' || c == b':';
    let continues = |c: u8| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(&c);
    let clean = match bytes.split_first() {
        None => true,
        Some((&first, rest)) => starts_well(first) && rest.iter().all(|&c| continues(c)),
    };
    let port_starts_with_digit = addr
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.as_bytes().first().is_some_and(u8::is_ascii_digit));
    if clean && port_starts_with_digit {
        Ok(())
    } else {
        Err(Error::Inval)
    }
}
