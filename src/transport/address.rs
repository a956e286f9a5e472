//! Endpoint addresses of the `tcp://` and `ipc://` transports: the text after
//! the `://` of a `zmq_bind`/`zmq_connect` endpoint, checked, split and turned
//! into socket addresses with the forms and errno values libzmq has
//! (zmq_tcp(7), zmq_ipc(7)), and the canonical text of an address that
//! `ZMQ_LAST_ENDPOINT` reports.
//!
//! It never creates, binds or connects a socket (the one thing it creates is
//! the private directory of an `ipc://*` bind). Parsing and formatting are
//! pure; only the `resolve` functions look things up (network interfaces,
//! getaddrinfo and so DNS), so they may block: `zmq_connect` must not call
//! them on the application thread, since libzmq resolves a connect address in
//! its I/O thread, each time it (re)connects.

use std::ffi::{CStr, CString, OsString};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::Duration;

use crate::error::{Error, Result};

/// `ENODEV`: libzmq's errno for a bind address that names no interface and
/// does not resolve.
const NO_DEVICE: Error = Error::Os(libc::ENODEV);

// ------------------------------------------------------------------- tcp

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
        };
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
                    interface_name(scope)
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

/// How one `host:port` part is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lookup {
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
    fn local(ipv6: bool) -> Lookup {
        Lookup {
            bindable: true,
            dns: true,
            nic: true,
            ipv6,
        }
    }

    /// The source part of a connect address: literals and interfaces only.
    fn source(ipv6: bool) -> Lookup {
        Lookup {
            dns: false,
            ..Lookup::local(ipv6)
        }
    }

    /// The peer of a connect address.
    fn remote(ipv6: bool) -> Lookup {
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
struct HostPort<'a> {
    host: &'a str,
    port: u16,
    zone: Option<Zone<'a>>,
}

/// The `%zone` of a scoped IPv6 address (RFC 4007 §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone<'a> {
    Index(u32),
    Interface(&'a str),
}

impl<'a> HostPort<'a> {
    /// Splits `text` into host, port and zone. All errors are `EINVAL`.
    fn parse(text: &'a str, bindable: bool) -> Result<HostPort<'a>> {
        // The port follows the last colon, since IPv6 literals hold colons.
        let (host, port) = text.rsplit_once(':').ok_or(Error::Inval)?;
        let port = match port {
            "*" if bindable => 0,
            "0" => 0,
            // libzmq reads the port with atoi(3) and keeps 16 bits: "5abc"
            // is 5, "70000" is 4464, and anything reading as 0 is refused.
            _ => match c_atoi(port) as u16 {
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
            Some((host, zone)) => match c_atoi(zone) as u32 {
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
            Some(Zone::Interface(name)) => match interface_index(name) {
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

fn resolve_part(text: &str, lookup: Lookup) -> Result<SocketAddr> {
    HostPort::parse(text, lookup.bindable)?.resolve(lookup)
}

/// `atoi(3)` of glibc, which is `(int) strtol(text, NULL, 10)`: leading
/// white space, a sign, digits up to the first non-digit, the value clamped
/// to 64 bits and then cut to 32.
fn c_atoi(text: &str) -> i32 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let limit = 1i128 << 63;
    let magnitude = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i128, |n, d| (n * 10 + i128::from(d - b'0')).min(limit));
    let value = if negative { -magnitude } else { magnitude };
    let clamped = value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    clamped as i32
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
    let node = CString::new(host).map_err(|_| failure)?;
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
    let mut hints = libc::addrinfo {
        ai_flags: flags,
        ai_family: if lookup.ipv6 {
            libc::AF_INET6
        } else {
            libc::AF_INET
        },
        // Any type would do; one avoids a result per socket type.
        ai_socktype: libc::SOCK_STREAM,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: ptr::null_mut(),
        ai_canonname: ptr::null_mut(),
        ai_next: ptr::null_mut(),
    };
    let mut list: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `node` and `hints` are valid for the call; on success the list
    // written to `list` is ours until freeaddrinfo.
    let mut rc = unsafe { libc::getaddrinfo(node.as_ptr(), ptr::null(), &hints, &mut list) };
    if rc == libc::EAI_BADFLAGS && flags & libc::AI_V4MAPPED != 0 {
        // Some C libraries know the flag but refuse it: ask without.
        hints.ai_flags &= !libc::AI_V4MAPPED;
        // SAFETY: as above.
        rc = unsafe { libc::getaddrinfo(node.as_ptr(), ptr::null(), &hints, &mut list) };
    }
    match rc {
        0 => {}
        libc::EAI_MEMORY => return Err(Error::NoMem),
        _ => return Err(failure),
    }
    // SAFETY: on success the list has at least one entry, whose `ai_addr`
    // points to a socket address of family `ai_family`.
    let ip = unsafe { ip_of((*list).ai_addr) };
    // SAFETY: `list` came from getaddrinfo and is freed once, after its last use.
    unsafe { libc::freeaddrinfo(list) };
    ip.ok_or(failure)
}

/// The address of an IPv4 or IPv6 socket address.
///
/// # Safety
/// `sa` is null or points to a socket address as large as its family says.
unsafe fn ip_of(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: the caller vouches for `sa` and for the size its family implies;
    // unaligned reads make no assumption about its alignment.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET => {
                let v4 = ptr::read_unaligned(sa.cast::<libc::sockaddr_in>());
                Some(IpAddr::V4(Ipv4Addr::from(v4.sin_addr.s_addr.to_ne_bytes())))
            }
            libc::AF_INET6 => {
                let v6 = ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>());
                Some(IpAddr::V6(Ipv6Addr::from(v6.sin6_addr.s6_addr)))
            }
            _ => None,
        }
    }
}

/// The first address of the wanted family of the interface called `name`,
/// or `None` if there is none (libzmq's `ENODEV`, after which it tries
/// getaddrinfo).
fn interface_address(name: &str, ipv6: bool) -> Result<Option<IpAddr>> {
    let family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    let mut list: *mut libc::ifaddrs = ptr::null_mut();
    // Like libzmq, retry a netlink hiccup (ECONNREFUSED) a few times, 1 ms,
    // 2 ms, 4 ms ... apart.
    let mut attempt = 0;
    loop {
        // SAFETY: on success getifaddrs stores a list we own until freeifaddrs.
        if unsafe { libc::getifaddrs(&mut list) } == 0 {
            break;
        }
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
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
    let mut found = None;
    let mut node = list;
    while !node.is_null() {
        // SAFETY: `node` is an entry of the list, which is not freed yet.
        let entry = unsafe { &*node };
        if !entry.ifa_addr.is_null() {
            // SAFETY: `ifa_addr` points to a socket address; its family field
            // is readable whatever the family.
            let entry_family = i32::from(unsafe { (*entry.ifa_addr).sa_family });
            // SAFETY: `ifa_name` is a NUL-terminated string in the list.
            let entry_name = unsafe { CStr::from_ptr(entry.ifa_name) };
            if entry_family == family && entry_name.to_bytes() == name.as_bytes() {
                // SAFETY: an AF_INET/AF_INET6 entry holds a full address of
                // its family.
                found = unsafe { ip_of(entry.ifa_addr) };
                break;
            }
        }
        node = entry.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs and is freed once, after its last use.
    unsafe { libc::freeifaddrs(list) };
    Ok(found)
}

/// The index of the interface called `name`, 0 if there is none.
fn interface_index(name: &str) -> u32 {
    let Ok(name) = CString::new(name) else {
        return 0;
    };
    // SAFETY: `name` is a NUL-terminated string alive for the call.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// The name of the interface with index `index`, if there is one.
fn interface_name(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname may write.
    let name = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if name.is_null() {
        return None;
    }
    // SAFETY: on success `buf` holds a NUL-terminated name.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

// ------------------------------------------------------------------- ipc

/// The longest `ipc://` address libzmq takes, in bytes (a leading `@`
/// included): `sun_path` less its terminating NUL, 107 on Linux
/// (zmq_ipc(7)). Longer is `ENAMETOOLONG`.
pub const IPC_MAX_LEN: usize = std::mem::size_of::<libc::sockaddr_un>()
    - std::mem::offset_of!(libc::sockaddr_un, sun_path)
    - 1;

/// An `ipc://` address (a Unix domain socket address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcAddress {
    /// A file system path, relative to the working directory unless it
    /// starts with `/`.
    Path(PathBuf),
    /// A name in Linux's abstract namespace, given as `@name` (`sun_path`
    /// starts with a NUL, unix(7)).
    Abstract(Vec<u8>),
    /// A socket without a name, as a connecting peer is seen.
    Unnamed,
}

impl IpcAddress {
    /// Parses the text after `ipc://`. `@` alone is `EINVAL`; more than
    /// [`IPC_MAX_LEN`] bytes is `ENAMETOOLONG`. A bind to an address starting
    /// with `*` uses [`create_ipc_wildcard`] instead (see [`Self::is_wildcard`]).
    pub fn parse(addr: &str) -> Result<IpcAddress> {
        check_ipc_len(addr.len())?;
        // The text comes from a C string, so it never holds a NUL.
        if addr.contains('\0') {
            return Err(Error::Inval);
        }
        match addr.strip_prefix('@') {
            Some("") => Err(Error::Inval),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Some(name) => Ok(IpcAddress::Abstract(name.as_bytes().to_vec())),
            _ => Ok(IpcAddress::Path(PathBuf::from(addr))),
        }
    }

    /// Whether `zmq_bind` treats `addr` as `ipc://*`: libzmq only looks at
    /// the first character, so `*anything` is a wildcard too. (`zmq_connect`
    /// takes `*` as a relative path.)
    pub fn is_wildcard(addr: &str) -> bool {
        addr.starts_with('*')
    }

    /// The address of a Unix socket, as `getsockname`/`getpeername` or
    /// `accept` give it.
    pub fn from_socket_addr(addr: &UnixSocketAddr) -> IpcAddress {
        if let Some(path) = addr.as_pathname() {
            return IpcAddress::Path(path.to_path_buf());
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            if let Some(name) = addr.as_abstract_name() {
                return IpcAddress::Abstract(name.to_vec());
            }
        }
        IpcAddress::Unnamed
    }

    /// The socket address to bind or connect to. `EINVAL` for `Unnamed`.
    pub fn to_socket_addr(&self) -> Result<UnixSocketAddr> {
        match self {
            IpcAddress::Path(path) => Ok(UnixSocketAddr::from_pathname(path)?),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            IpcAddress::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                Ok(UnixSocketAddr::from_abstract_name(name)?)
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            IpcAddress::Abstract(_) => Err(Error::NotSup),
            IpcAddress::Unnamed => Err(Error::Inval),
        }
    }

    /// The `ZMQ_LAST_ENDPOINT` text: `ipc:///tmp/x`, `ipc://relative`,
    /// `ipc://@name`, and `ipc://` for an unnamed socket. As libzmq reads
    /// `sun_path` as a C string, an abstract name ends at its first NUL
    /// (one starting with NUL gives `ipc://`).
    pub fn endpoint_string(&self) -> String {
        match self {
            IpcAddress::Path(path) => format!("ipc://{}", path.to_string_lossy()),
            IpcAddress::Abstract(name) => {
                let name = name.split(|&b| b == 0).next().unwrap_or_default();
                if name.is_empty() {
                    "ipc://".to_owned()
                } else {
                    format!("ipc://@{}", String::from_utf8_lossy(name))
                }
            }
            IpcAddress::Unnamed => "ipc://".to_owned(),
        }
    }
}

fn check_ipc_len(len: usize) -> Result<()> {
    if len > IPC_MAX_LEN {
        Err(Error::Os(libc::ENAMETOOLONG))
    } else {
        Ok(())
    }
}

/// The socket of an `ipc://*` bind: `<dir>/socket` in a directory of its
/// own. The listener removes the socket file and then `dir` when it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpcWildcard {
    pub dir: PathBuf,
    pub address: IpcAddress,
}

/// Makes a fresh directory (mode 0700, mkdtemp(3)) named `tmpXXXXXX` in the
/// first of `$TMPDIR`, `$TEMPDIR`, `$TMP` that is a directory, or else in the
/// working directory (libzmq does not fall back to `/tmp`). Errors are
/// mkdtemp's errno, or `ENAMETOOLONG` (the directory is then removed).
pub fn create_ipc_wildcard() -> Result<IpcWildcard> {
    let template = wildcard_template(|var| std::env::var_os(var));
    let mut buf = CString::new(template)
        .map_err(|_| Error::Inval)?
        .into_bytes_with_nul();
    // SAFETY: `buf` is a writable NUL-terminated string ending in "XXXXXX",
    // which mkdtemp rewrites in place.
    let made = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(Error::last_os_error());
    }
    buf.pop();
    let dir = PathBuf::from(OsString::from_vec(buf));
    let path = dir.join("socket");
    if let Err(e) = check_ipc_len(path.as_os_str().len()) {
        // Best effort, as libzmq: the error that matters is the length.
        let _ = std::fs::remove_dir(&dir);
        return Err(e);
    }
    Ok(IpcWildcard {
        dir,
        address: IpcAddress::Path(path),
    })
}

/// The mkdtemp template for [`create_ipc_wildcard`], with `env` reading the
/// environment.
fn wildcard_template(env: impl Fn(&str) -> Option<OsString>) -> Vec<u8> {
    let mut template = ["TMPDIR", "TEMPDIR", "TMP"]
        .into_iter()
        .filter_map(env)
        .find(|dir| Path::new(dir).is_dir())
        .map(|dir| dir.as_bytes().to_vec())
        .unwrap_or_default();
    if !template.is_empty() && !template.ends_with(b"/") {
        template.push(b'/');
    }
    template.extend_from_slice(b"tmpXXXXXX");
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODEV: Error = Error::Os(libc::ENODEV);
    const TOO_LONG: Error = Error::Os(libc::ENAMETOOLONG);

    /// Whether `lo` has an IPv6 address (not so where IPv6 is disabled).
    fn lo_has_ipv6() -> bool {
        interface_address("lo", true).unwrap().is_some()
    }

    #[test]
    fn c_atoi_is_glibc_atoi() {
        macro_rules! case {
            ($text:expr => $want:expr) => {{
                assert_eq!(c_atoi($text), $want, "atoi({:?})", $text);
                let c = CString::new($text).unwrap();
                // SAFETY: `c` is a NUL-terminated string alive for the call.
                assert_eq!(
                    unsafe { libc::atoi(c.as_ptr()) },
                    $want,
                    "libc atoi({:?})",
                    $text
                );
            }};
        }
        case!("" => 0);
        case!("12" => 12);
        case!("  +7x" => 7);
        case!("\t\n-1" => -1);
        case!("5abc" => 5);
        case!("abc" => 0);
        case!("- 1" => 0);
        case!("70000" => 70000);
        case!("4294967297" => 1);
        case!("99999999999999999999" => -1);
        case!("-99999999999999999999" => 0);
    }

    #[test]
    fn host_port_split() {
        macro_rules! ok {
            ($text:expr, $bindable:expr => $host:expr, $port:expr, $zone:expr) => {
                assert_eq!(
                    HostPort::parse($text, $bindable),
                    Ok(HostPort {
                        host: $host,
                        port: $port,
                        zone: $zone
                    }),
                    "{:?}",
                    $text
                );
            };
        }
        macro_rules! bad {
            ($text:expr, $bindable:expr) => {
                assert_eq!(
                    HostPort::parse($text, $bindable),
                    Err(Error::Inval),
                    "{:?}",
                    $text
                );
            };
        }
        ok!("*:*", true => "*", 0, None);
        ok!("*:0", true => "*", 0, None);
        ok!("*:0", false => "*", 0, None);
        ok!("127.0.0.1:5555", false => "127.0.0.1", 5555, None);
        ok!("[::1]:5555", false => "::1", 5555, None);
        ok!("[::1]:*", true => "::1", 0, None);
        ok!("::1:5555", false => "::1", 5555, None);
        ok!("[1.2.3.4]:80", false => "1.2.3.4", 80, None);
        bad!("[1.2.3.4:]80", false);
        ok!("[::1]", false => "[:", 1, None);
        ok!(":1", false => "", 1, None);
        ok!("1.2.3.4:567bad", false => "1.2.3.4", 567, None);
        ok!("1.2.3.4: 42", false => "1.2.3.4", 42, None);
        ok!("1.2.3.4:70000", false => "1.2.3.4", 4464, None);
        ok!("1.2.3.4:-1", false => "1.2.3.4", 65535, None);
        ok!("[fe80::1%lo]:80", false => "fe80::1", 80, Some(Zone::Interface("lo")));
        ok!("fe80::1%eth0:80", false => "fe80::1", 80, Some(Zone::Interface("eth0")));
        ok!("fe80::1%2:80", false => "fe80::1", 80, Some(Zone::Index(2)));
        ok!("3000::1%2abc:1", false => "3000::1", 1, Some(Zone::Index(2)));
        ok!("*%lo:*", true => "*", 0, Some(Zone::Interface("lo")));
        bad!("*:*", false);
        bad!("127.0.0.1:*", false);
        bad!("127.0.0.1", true);
        bad!("127.0.0.1:", true);
        bad!("*:", true);
        bad!("*:abc", true);
        bad!("*:* ", true);
        bad!("1.2.3.4:00", true);
        bad!("1.2.3.4:0abc", true);
        bad!("1.2.3.4:65536", true);
        bad!("[fe80::1%]:80", true);
        bad!("[fe80::1%0]:80", true);
        bad!("[fe80::1%-0]:80", true);
    }

    #[test]
    fn connect_syntax() {
        macro_rules! case {
            ($text:expr => ok) => {
                assert_eq!(
                    TcpAddress::for_connect($text).map(|a| a.as_str().to_owned()),
                    Ok($text.to_owned())
                );
            };
            ($text:expr => inval) => {
                assert_eq!(
                    TcpAddress::for_connect($text),
                    Err(Error::Inval),
                    "{:?}",
                    $text
                );
            };
        }
        case!("127.0.0.1:5555" => ok);
        case!("localhost:0" => ok);
        case!("server1:5555" => ok);
        case!("my_host:5555" => ok);
        case!("[::1]:5555" => ok);
        case!("[::1%lo]:5555" => ok);
        case!(":5555" => ok);
        case!("127.0.0.1:5abc" => ok);
        case!("0.0.0.0:5555;127.0.0.1:5555" => ok);
        case!("eth1:0;server1:5555" => ok);
        case!("127.0.0.1:*;127.0.0.1:5555" => ok);
        case!("127.0.0.1:5555;" => ok);
        case!("a:5;b" => ok);
        case!("nosuch.invalid:5555" => ok);
        case!("" => inval);
        case!("127.0.0.1" => inval);
        case!("localhost:*" => inval);
        case!("127.0.0.1:abc" => inval);
        case!("a:+5" => inval);
        case!("a:-5" => inval);
        case!("*:5555;127.0.0.1:5555" => inval);
        case!("a b:5555" => inval);
        case!("-a:5555" => inval);
        case!(".a:5555" => inval);
        case!("a/b:5555" => inval);
        case!("a:5555/" => inval);
        case!("\u{e9}:5" => inval);
    }

    #[test]
    fn bind_addresses() {
        macro_rules! case {
            ($text:expr, ipv6 = $ipv6:expr => $want:expr) => {
                let got = TcpAddress::for_bind($text).resolve($ipv6);
                let got = got.map(|r| (r.source, tcp_endpoint(&r.address)));
                let want: Result<&str> = $want;
                assert_eq!(
                    got,
                    want.map(|w| (None, w.to_owned())),
                    "{:?} ipv6={}",
                    $text,
                    $ipv6
                );
            };
        }
        case!("*:*", ipv6 = false => Ok("tcp://0.0.0.0:0"));
        case!("*:0", ipv6 = false => Ok("tcp://0.0.0.0:0"));
        case!("*:*", ipv6 = true => Ok("tcp://[::]:0"));
        case!("*:5555", ipv6 = false => Ok("tcp://0.0.0.0:5555"));
        case!("*:5555", ipv6 = true => Ok("tcp://[::]:5555"));
        case!("127.0.0.1:5555", ipv6 = false => Ok("tcp://127.0.0.1:5555"));
        case!("127.0.0.1:5555", ipv6 = true => Ok("tcp://[::ffff:127.0.0.1]:5555"));
        case!("[127.0.0.1]:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
        case!("127.1:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
        case!("0.0.0.0:*", ipv6 = false => Ok("tcp://0.0.0.0:0"));
        case!("[::]:*", ipv6 = true => Ok("tcp://[::]:0"));
        case!("[::1]:5555", ipv6 = true => Ok("tcp://[::1]:5555"));
        case!("::1:5555", ipv6 = true => Ok("tcp://[::1]:5555"));
        case!("[::1]:5555", ipv6 = false => Err(NODEV));
        case!("[::ffff:127.0.0.1]:1", ipv6 = true => Ok("tcp://[::ffff:127.0.0.1]:1"));
        // glibc maps a v4-mapped literal back to IPv4 when asked for AF_INET.
        case!("[::ffff:127.0.0.1]:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
        case!("lo:*", ipv6 = false => Ok("tcp://127.0.0.1:0"));
        case!("lo:7", ipv6 = false => Ok("tcp://127.0.0.1:7"));
        case!("127.0.0.1%lo:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
        case!("[fe80::1%lo]:1", ipv6 = true => Ok("tcp://[fe80::1%lo]:1"));
        case!("[fe80::1%1]:1", ipv6 = true => Ok("tcp://[fe80::1%lo]:1"));
        case!("[::1%]:1", ipv6 = true => Err(Error::Inval));
        case!("[::1%0]:1", ipv6 = true => Err(Error::Inval));
        case!("[::1%nosuchif0]:1", ipv6 = true => Err(Error::Inval));
        case!("127.0.0.1", ipv6 = false => Err(Error::Inval));
        case!("127.0.0.1:65536", ipv6 = false => Err(Error::Inval));
        case!("127.0.0.1:70000", ipv6 = false => Ok("tcp://127.0.0.1:4464"));
        case!("127.0.0.1:-1", ipv6 = false => Ok("tcp://127.0.0.1:65535"));
        case!("*:abc", ipv6 = false => Err(Error::Inval));
        case!("localhost:9", ipv6 = false => Ok("tcp://127.0.0.1:9"));
    }

    #[test]
    fn bind_interface_names() {
        // Without DNS (as in a source part) an unknown name is ENODEV at once;
        // with it (a bind address) it is ENODEV after a DNS miss.
        let no_dns = Lookup::source(false);
        assert_eq!(resolve_part("nosuchif0:*", no_dns), Err(NODEV));
        assert_eq!(
            resolve_part("nosuchif0:*", Lookup::source(true)),
            Err(NODEV)
        );
        assert_eq!(resolve_part("localhost:1", no_dns), Err(NODEV));
        assert_eq!(resolve_part(":1", no_dns), Err(NODEV));
        assert_eq!(
            resolve_part("lo:1", no_dns),
            Ok("127.0.0.1:1".parse().unwrap())
        );
        if lo_has_ipv6() {
            let lo6 = TcpAddress::for_bind("lo:*").resolve(true).unwrap();
            assert_eq!(tcp_endpoint(&lo6.address), "tcp://[::1]:0");
        }
    }

    #[test]
    fn connect_addresses() {
        macro_rules! case {
            ($text:expr, ipv6 = $ipv6:expr => $want:expr) => {
                let got = TcpAddress::for_connect($text).unwrap().resolve($ipv6);
                let got =
                    got.map(|r| (r.source.map(|s| tcp_endpoint(&s)), tcp_endpoint(&r.address)));
                let want: Result<(Option<&str>, &str)> = $want;
                let want = want.map(|(s, d)| (s.map(str::to_owned), d.to_owned()));
                assert_eq!(got, want, "{:?} ipv6={}", $text, $ipv6);
            };
        }
        case!("127.0.0.1:5555", ipv6 = false => Ok((None, "tcp://127.0.0.1:5555")));
        case!("127.0.0.1:5555", ipv6 = true => Ok((None, "tcp://[::ffff:127.0.0.1]:5555")));
        case!("localhost:0", ipv6 = false => Ok((None, "tcp://127.0.0.1:0")));
        case!("127.0.0.1:5abc", ipv6 = false => Ok((None, "tcp://127.0.0.1:5")));
        case!("[::1]:5555", ipv6 = true => Ok((None, "tcp://[::1]:5555")));
        case!("[::1]:5555", ipv6 = false => Err(Error::Inval));
        case!("127.0.0.1:0abc", ipv6 = false => Err(Error::Inval));
        case!(":5555", ipv6 = false => Err(Error::Inval));
        case!("127.0.0.1:5555;", ipv6 = false => Err(Error::Inval));
        case!("127.0.0.1:5555;127.0.0.2:6666", ipv6 = false
            => Ok((Some("tcp://127.0.0.1:5555"), "tcp://127.0.0.2:6666")));
        case!("127.0.0.1:*;127.0.0.1:5555", ipv6 = false
            => Ok((Some("tcp://127.0.0.1:0"), "tcp://127.0.0.1:5555")));
        case!("lo:0;127.0.0.1:5555", ipv6 = false
            => Ok((Some("tcp://127.0.0.1:0"), "tcp://127.0.0.1:5555")));
        case!("[::1]:0;[::1]:5555", ipv6 = true
            => Ok((Some("tcp://[::1]:0"), "tcp://[::1]:5555")));
        case!("nosuchif0:0;127.0.0.1:5555", ipv6 = false => Err(NODEV));
        case!("a:5;b", ipv6 = false => Err(NODEV));
        case!("127.0.0.1:1;b", ipv6 = false => Err(Error::Inval));
        // The source is resolved first: its error wins.
        case!("127.0.0.1:5555;127.0.0.1:0abc", ipv6 = false => Err(Error::Inval));
        case!("nosuchif0:0;127.0.0.1:0abc", ipv6 = false => Err(NODEV));
    }

    #[test]
    fn source_wildcard_passes_resolve_but_not_connect_check() {
        // zmq_tcp(7) allows `*` in a source, but zmq_connect's syntax check
        // refuses an address starting with it; a bind address takes it.
        assert_eq!(
            TcpAddress::for_connect("*:5555;127.0.0.1:1"),
            Err(Error::Inval)
        );
        let r = TcpAddress::for_bind("*:5555;127.0.0.1:1")
            .resolve(false)
            .unwrap();
        assert_eq!(r.source, Some("0.0.0.0:5555".parse().unwrap()));
        assert_eq!(r.address, "127.0.0.1:1".parse().unwrap());
    }

    #[test]
    fn dns_localhost_by_family() {
        let v4 = TcpAddress::for_connect("localhost:5555")
            .unwrap()
            .resolve(false)
            .unwrap();
        assert_eq!(v4.address, "127.0.0.1:5555".parse().unwrap());
        // With ZMQ_IPV6 only IPv6 comes back: ::1 where the hosts file has
        // it, else the mapped IPv4 address.
        let v6 = TcpAddress::for_connect("localhost:5555")
            .unwrap()
            .resolve(true)
            .unwrap();
        match v6.address {
            SocketAddr::V6(a) => assert!(
                a.ip().is_loopback() || a.ip().to_ipv4_mapped() == Some(Ipv4Addr::LOCALHOST),
                "{a}"
            ),
            other => panic!("IPv4 result with ZMQ_IPV6: {other}"),
        }
    }

    /// glibc's getnameinfo(NI_NUMERICHOST) text of `addr`.
    fn getnameinfo_text(addr: &SocketAddrV6) -> String {
        let sa = libc::sockaddr_in6 {
            sin6_family: libc::AF_INET6 as libc::sa_family_t,
            sin6_port: addr.port().to_be(),
            sin6_flowinfo: 0,
            sin6_addr: libc::in6_addr {
                s6_addr: addr.ip().octets(),
            },
            sin6_scope_id: addr.scope_id(),
        };
        let mut host = [0 as libc::c_char; libc::NI_MAXHOST as usize];
        // SAFETY: `sa` is a complete sockaddr_in6 of the size given, and
        // `host` a buffer of the length given; no service is asked for.
        let rc = unsafe {
            libc::getnameinfo(
                (&sa as *const libc::sockaddr_in6).cast(),
                std::mem::size_of_val(&sa) as libc::socklen_t,
                host.as_mut_ptr(),
                host.len() as libc::socklen_t,
                ptr::null_mut(),
                0,
                libc::NI_NUMERICHOST,
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: on success `host` holds a NUL-terminated string.
        unsafe { CStr::from_ptr(host.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn numeric_host_matches_getnameinfo() {
        macro_rules! case {
            ($ip:expr, scope = $scope:expr => $want:expr) => {
                let addr = SocketAddrV6::new($ip.parse().unwrap(), 1, 0, $scope);
                assert_eq!(numeric_host(&SocketAddr::V6(addr)), $want);
                assert_eq!(getnameinfo_text(&addr), $want);
            };
        }
        case!("::", scope = 0 => "::");
        case!("::1", scope = 0 => "::1");
        case!("1::", scope = 0 => "1::");
        case!("::1:2", scope = 0 => "::0.1.0.2");
        case!("::102:304", scope = 0 => "::1.2.3.4");
        case!("::ffff:1.2.3.4", scope = 0 => "::ffff:1.2.3.4");
        case!("::ffff:0:0", scope = 0 => "::ffff:0.0.0.0");
        case!("::1:ffff:1.2.3.4", scope = 0 => "::1:ffff:102:304");
        case!("1:0:0:1:0:0:0:1", scope = 0 => "1:0:0:1::1");
        case!("1:0:0:1:0:0:1:1", scope = 0 => "1::1:0:0:1:1");
        case!("1:0:1:1:1:1:1:1", scope = 0 => "1:0:1:1:1:1:1:1");
        case!("ABCD:1234::1:0:234", scope = 0 => "abcd:1234::1:0:234");
        case!("fe80::1", scope = 1 => "fe80::1%lo");
        case!("ff02::1", scope = 1 => "ff02::1%lo");
        case!("fe80::1", scope = 999_999 => "fe80::1%999999");
        case!("::1", scope = 1 => "::1%1");
        case!("2001:db8::1", scope = 7 => "2001:db8::1%7");
    }

    #[test]
    fn tcp_endpoint_text() {
        macro_rules! case {
            ($addr:expr => $want:expr) => {
                assert_eq!(tcp_endpoint(&$addr.parse().unwrap()), $want);
            };
        }
        case!("127.0.0.1:43567" => "tcp://127.0.0.1:43567");
        case!("0.0.0.0:1" => "tcp://0.0.0.0:1");
        case!("[::1]:43567" => "tcp://[::1]:43567");
        case!("[::]:65535" => "tcp://[::]:65535");
        case!("[::ffff:127.0.0.1]:5" => "tcp://[::ffff:127.0.0.1]:5");
        case!("[fe80::1%1]:5" => "tcp://[fe80::1%lo]:5");
    }

    fn ipc(addr: &str) -> Result<IpcAddress> {
        IpcAddress::parse(addr)
    }

    #[test]
    fn ipc_parse() {
        let path107 = format!("/tmp/{}", "0".repeat(102));
        let path108 = format!("/tmp/{}", "0".repeat(103));
        let abstract107 = format!("@{}", "0".repeat(106));
        let abstract108 = format!("@{}", "0".repeat(107));
        macro_rules! case {
            ($text:expr => $want:expr) => {
                assert_eq!(ipc(&$text), $want, "{:?}", $text);
            };
        }
        let path = |p: &str| Ok(IpcAddress::Path(PathBuf::from(p)));
        let name = |n: &str| Ok(IpcAddress::Abstract(n.as_bytes().to_vec()));
        case!("/tmp/x" => path("/tmp/x"));
        case!("relative/sock" => path("relative/sock"));
        case!("*" => path("*"));
        case!("@name" => name("name"));
        case!("@@" => name("@"));
        case!("@" => Err(Error::Inval));
        case!("a\0b" => Err(Error::Inval));
        case!(path107 => path(&path107));
        case!(path108 => Err(TOO_LONG));
        case!(abstract107 => name(&abstract107[1..]));
        case!(abstract108 => Err(TOO_LONG));
        assert_eq!(IPC_MAX_LEN, 107);
    }

    #[test]
    fn ipc_endpoint_round_trip() {
        macro_rules! case {
            ($text:expr) => {
                let addr = ipc($text).unwrap();
                assert_eq!(addr.endpoint_string(), format!("ipc://{}", $text));
                let os = addr.to_socket_addr().unwrap();
                assert_eq!(IpcAddress::from_socket_addr(&os), addr, "{:?}", $text);
            };
        }
        case!("/tmp/feeds/0");
        case!("relative-sock");
        case!("@name");
        case!("@with space");
        case!("@@");
        assert_eq!(
            IpcAddress::Abstract(b"a\0b".to_vec()).endpoint_string(),
            "ipc://@a"
        );
        assert_eq!(
            IpcAddress::Abstract(b"\0b".to_vec()).endpoint_string(),
            "ipc://"
        );
        assert_eq!(IpcAddress::Unnamed.endpoint_string(), "ipc://");
        assert_eq!(
            IpcAddress::Unnamed.to_socket_addr().err(),
            Some(Error::Inval)
        );
    }

    #[test]
    fn ipc_abstract_and_unnamed_sockets() {
        use std::os::unix::net::{UnixListener, UnixStream};
        let text = format!("@rzmq-address-test-{}", std::process::id());
        let addr = ipc(&text).unwrap();
        let listener = UnixListener::bind_addr(&addr.to_socket_addr().unwrap()).unwrap();
        let bound = IpcAddress::from_socket_addr(&listener.local_addr().unwrap());
        assert_eq!(bound.endpoint_string(), format!("ipc://{text}"));
        let (a, _b) = UnixStream::pair().unwrap();
        let unnamed = IpcAddress::from_socket_addr(&a.local_addr().unwrap());
        assert_eq!(unnamed, IpcAddress::Unnamed);
        assert_eq!(unnamed.endpoint_string(), "ipc://");
    }

    #[test]
    fn ipc_wildcard_forms() {
        macro_rules! case {
            ($text:expr => $want:expr) => {
                assert_eq!(IpcAddress::is_wildcard($text), $want, "{:?}", $text);
            };
        }
        case!("*" => true);
        case!("*foo" => true);
        case!("/tmp/*" => false);
        case!("@*" => false);
    }

    #[test]
    fn ipc_wildcard_template() {
        macro_rules! case {
            ($tmpdir:expr, $tempdir:expr, $tmp:expr => $want:expr) => {
                let env = |var: &str| -> Option<OsString> {
                    let value: Option<&str> = match var {
                        "TMPDIR" => $tmpdir,
                        "TEMPDIR" => $tempdir,
                        "TMP" => $tmp,
                        _ => None,
                    };
                    value.map(OsString::from)
                };
                assert_eq!(String::from_utf8(wildcard_template(env)).unwrap(), $want);
            };
        }
        case!(None, None, None => "tmpXXXXXX");
        case!(Some("/tmp"), None, None => "/tmp/tmpXXXXXX");
        case!(Some("/tmp/"), None, None => "/tmp/tmpXXXXXX");
        case!(Some(""), Some("/"), None => "/tmpXXXXXX");
        case!(Some("/nonexistent-rzmq"), None, Some("/tmp") => "/tmp/tmpXXXXXX");
        case!(Some("/nonexistent-rzmq"), None, None => "tmpXXXXXX");
        // A file is not a directory.
        case!(Some("/proc/self/status"), None, None => "tmpXXXXXX");
    }

    #[test]
    fn ipc_wildcard_directory() {
        let wildcard = create_ipc_wildcard().unwrap();
        let meta = std::fs::metadata(&wildcard.dir);
        let removed = std::fs::remove_dir(&wildcard.dir);
        let meta = meta.unwrap();
        assert!(meta.is_dir());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        removed.unwrap();
        let name = wildcard.dir.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("tmp") && name.len() == 9, "{name}");
        let text = wildcard.address.endpoint_string();
        assert!(
            text.starts_with("ipc://") && text.ends_with(&format!("{name}/socket")),
            "{text}"
        );
        assert_eq!(
            wildcard.address,
            IpcAddress::Path(wildcard.dir.join("socket"))
        );
    }
}
