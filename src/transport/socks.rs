//! The client side of SOCKS version 5 (RFC 1928) with username/password
//! authentication (RFC 1929), for `tcp://` connects made through a proxy
//! (`ZMQ_SOCKS_PROXY`, `ZMQ_SOCKS_USERNAME`, `ZMQ_SOCKS_PASSWORD`).
//!
//! Sans-IO, like `zmtp/`: bytes in, bytes out, no sockets, no clock, no DNS.
//! A host name given as the destination goes to the proxy as a name
//! (`ATYP` 3) and is never resolved here. Whatever the proxy sends, the
//! exchange ends in `Failed`, never in a panic.
//!
//! Driving it, once the TCP connection to the proxy is up:
//! - `poll_transmit(&mut out)` after creation and after every call below,
//!   and send what it appended (before anything else, also after `Done`);
//! - `handle_input(&mut input)` whenever the received stream grows; it
//!   consumes only SOCKS bytes, so what `input` holds after `Done` is the
//!   start of the tunnelled stream (the peer's ZMTP greeting);
//! - `handle_eof()` when the proxy closes the connection.
//!
//! The exchange, as libzmq runs it (zmq_setsockopt(3)):
//!
//! ```text
//! us:    05 01 M                        M = 02 with a username, else 00
//! proxy: 05 M                           FF: no acceptable method
//! us:    01 ULEN user PLEN pass         only if M = 02 (RFC 1929)
//! proxy: 01 STATUS                      00 = success
//! us:    05 01 00 ATYP DST.ADDR DST.PORT
//! proxy: 05 REP 00 ATYP BND.ADDR BND.PORT
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use bytes::{Buf, BytesMut};

use crate::error::Error;
use crate::sys::cstr::inet_aton;

/// Protocol constants (RFC 1928 §3, §4, §5, §6; RFC 1929 §2).
mod wire {
    pub const VERSION: u8 = 0x05;
    pub const AUTH_VERSION: u8 = 0x01;

    pub const METHOD_NO_AUTH: u8 = 0x00;
    pub const METHOD_USERNAME_PASSWORD: u8 = 0x02;
    pub const METHOD_NONE_ACCEPTABLE: u8 = 0xFF;

    pub const CMD_CONNECT: u8 = 0x01;
    pub const RESERVED: u8 = 0x00;

    pub const ATYP_IPV4: u8 = 0x01;
    pub const ATYP_DOMAIN: u8 = 0x03;
    pub const ATYP_IPV6: u8 = 0x04;

    pub const SUCCEEDED: u8 = 0x00;

    /// A reply up to and including `ATYP`.
    pub const REPLY_HEAD_LEN: usize = 4;
    pub const PORT_LEN: usize = 2;
}

/// The most bytes a host name, username or password may have: each is
/// sent after a one-byte length.
pub const MAX_FIELD_LEN: usize = 255;

/// An address as SOCKS carries it: the destination we ask for, or the
/// address the proxy reports it bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksAddr {
    /// An IPv4 (`ATYP` 1) or IPv6 (`ATYP` 4) address and port.
    Ip(SocketAddr),
    /// A host name and port (`ATYP` 3), resolved by the proxy.
    Domain { host: String, port: u16 },
}

impl SocksAddr {
    /// The destination of a `tcp://` connect address (the text after
    /// `tcp://`), classified as libzmq does before sending it to a proxy:
    /// the port follows the last `:`, brackets around the host are
    /// dropped, and a host that getaddrinfo(3) would take as numeric
    /// (`AI_NUMERICHOST`, so also `127.1` or `0x7f.0.0.1`) is sent as an
    /// address, anything else as a name. A `source;` part is ignored: the
    /// proxy makes the connection. `BadEndpoint` for a missing `:`, or a
    /// port that is not a number in 1..=65535.
    pub fn from_endpoint(addr: &str) -> Result<SocksAddr, SocksError> {
        let dest = addr.rsplit_once(';').map_or(addr, |(_, dest)| dest);
        let (host, port) = dest.rsplit_once(':').ok_or(SocksError::BadEndpoint)?;
        // Digits only: `u16::from_str` would also take a leading `+`.
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SocksError::BadEndpoint);
        }
        let port = match port.parse::<u16>() {
            Ok(port) if port != 0 => port,
            _ => return Err(SocksError::BadEndpoint),
        };
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        Ok(match numeric_host(host) {
            Some(ip) => SocksAddr::Ip(SocketAddr::new(ip, port)),
            None => SocksAddr::Domain {
                host: host.to_owned(),
                port,
            },
        })
    }

    pub fn port(&self) -> u16 {
        match self {
            SocksAddr::Ip(addr) => addr.port(),
            SocksAddr::Domain { port, .. } => *port,
        }
    }

    /// Appends `ATYP`, the address and the port (RFC 1928 §5).
    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            SocksAddr::Ip(SocketAddr::V4(a)) => {
                out.push(wire::ATYP_IPV4);
                out.extend_from_slice(&a.ip().octets());
            }
            SocksAddr::Ip(SocketAddr::V6(a)) => {
                out.push(wire::ATYP_IPV6);
                out.extend_from_slice(&a.ip().octets());
            }
            SocksAddr::Domain { host, .. } => {
                out.push(wire::ATYP_DOMAIN);
                out.push(host.len() as u8); // checked by `SocksClient::new`
                out.extend_from_slice(host.as_bytes());
            }
        }
        out.extend_from_slice(&self.port().to_be_bytes());
    }
}

/// The failure a proxy reports in `REP` (RFC 1928 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyCode {
    GeneralFailure,
    NotAllowedByRuleset,
    NetworkUnreachable,
    HostUnreachable,
    ConnectionRefused,
    TtlExpired,
    CommandNotSupported,
    AddressTypeNotSupported,
    /// 0x09..=0xFF, which RFC 1928 leaves unassigned.
    Unassigned(u8),
}

impl ReplyCode {
    /// The code of a non-zero `REP` byte.
    fn from_byte(rep: u8) -> ReplyCode {
        match rep {
            0x01 => ReplyCode::GeneralFailure,
            0x02 => ReplyCode::NotAllowedByRuleset,
            0x03 => ReplyCode::NetworkUnreachable,
            0x04 => ReplyCode::HostUnreachable,
            0x05 => ReplyCode::ConnectionRefused,
            0x06 => ReplyCode::TtlExpired,
            0x07 => ReplyCode::CommandNotSupported,
            0x08 => ReplyCode::AddressTypeNotSupported,
            other => ReplyCode::Unassigned(other),
        }
    }
}

/// Why an exchange could not start or did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksError {
    /// `from_endpoint`: no `host:port` with a valid port.
    BadEndpoint,
    /// `new`: an empty host name.
    EmptyHost,
    /// `new`: a host name, username or password over 255 bytes.
    FieldTooLong,
    /// The proxy's `VER` byte is not 5.
    BadVersion(u8),
    /// The proxy accepts none of our methods (`0xFF`).
    NoAcceptableMethod,
    /// The proxy chose a method we did not offer (RFC 1928 §3: it must
    /// pick one of ours).
    UnexpectedMethod(u8),
    /// The authentication reply's version byte is not 1.
    BadAuthVersion(u8),
    /// The proxy rejected the username/password (RFC 1929 `STATUS`).
    AuthRejected(u8),
    /// The proxy could not make the connection.
    Reply(ReplyCode),
    /// The reply's reserved byte is not 0.
    BadReserved(u8),
    /// The reply's `ATYP` is none of 1, 3, 4.
    BadAddressType(u8),
    /// The proxy closed the connection before the exchange ended.
    Truncated,
}

impl fmt::Display for SocksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocksError::BadEndpoint => write!(f, "not a host:port address"),
            SocksError::EmptyHost => write!(f, "empty host name"),
            SocksError::FieldTooLong => write!(f, "field longer than 255 bytes"),
            SocksError::BadVersion(v) => write!(f, "proxy sent version {v:#04x}"),
            SocksError::NoAcceptableMethod => write!(f, "no acceptable method"),
            SocksError::UnexpectedMethod(m) => write!(f, "proxy chose method {m:#04x}"),
            SocksError::BadAuthVersion(v) => write!(f, "auth reply version {v:#04x}"),
            SocksError::AuthRejected(s) => write!(f, "authentication failed ({s:#04x})"),
            SocksError::Reply(code) => write!(f, "proxy reply: {code:?}"),
            SocksError::BadReserved(r) => write!(f, "reserved byte {r:#04x}"),
            SocksError::BadAddressType(t) => write!(f, "address type {t:#04x}"),
            SocksError::Truncated => write!(f, "proxy closed the connection"),
        }
    }
}

impl From<SocksError> for Error {
    /// The errno closest to each failure. libzmq reports none of them: it
    /// closes the connection and retries (`ZMQ_EVENT_CLOSED`, then
    /// `ZMQ_EVENT_CONNECT_RETRIED`), so these are for logs and tests.
    fn from(e: SocksError) -> Error {
        match e {
            SocksError::BadEndpoint | SocksError::EmptyHost | SocksError::FieldTooLong => {
                Error::Inval
            }
            SocksError::NoAcceptableMethod | SocksError::AuthRejected(_) => Error::Os(libc::EACCES),
            SocksError::Reply(code) => Error::Os(match code {
                ReplyCode::NotAllowedByRuleset => libc::EACCES,
                ReplyCode::NetworkUnreachable => libc::ENETUNREACH,
                ReplyCode::HostUnreachable => libc::EHOSTUNREACH,
                ReplyCode::ConnectionRefused => libc::ECONNREFUSED,
                ReplyCode::TtlExpired => libc::ETIMEDOUT,
                ReplyCode::CommandNotSupported | ReplyCode::AddressTypeNotSupported => {
                    libc::EOPNOTSUPP
                }
                ReplyCode::GeneralFailure | ReplyCode::Unassigned(_) => libc::ECONNREFUSED,
            }),
            SocksError::Truncated => Error::Os(libc::ECONNRESET),
            SocksError::BadVersion(_)
            | SocksError::UnexpectedMethod(_)
            | SocksError::BadAuthVersion(_)
            | SocksError::BadReserved(_)
            | SocksError::BadAddressType(_) => Error::Os(libc::EPROTO),
        }
    }
}

/// Where an exchange stands after the proxy's latest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// More bytes from the proxy are needed.
    Pending,
    /// The proxy connected us; the stream is now the tunnel. Holds the
    /// address the proxy reports it bound, `None` when it reports none
    /// (an unspecified IP address with port 0).
    Done(Option<SocksAddr>),
    Failed(SocksError),
}

/// What the client waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    MethodChoice,
    AuthStatus,
    ConnectReply,
    Over(Progress),
}

/// One SOCKS5 CONNECT exchange, seen from the client.
#[derive(Debug, Clone)]
pub struct SocksClient {
    target: SocksAddr,
    /// Username and password, present when the username is not empty.
    credentials: Option<(Vec<u8>, Vec<u8>)>,
    /// Bytes due to the proxy and not yet handed out.
    out: Vec<u8>,
    phase: Phase,
}

impl SocksClient {
    /// Starts an exchange that asks the proxy to connect to `target`.
    ///
    /// As `ZMQ_SOCKS_USERNAME` documents, an empty `username` means no
    /// authentication (and `password` is then ignored); otherwise the only
    /// method offered is username/password, with `password` possibly empty.
    pub fn new(
        target: SocksAddr,
        username: &[u8],
        password: &[u8],
    ) -> Result<SocksClient, SocksError> {
        if let SocksAddr::Domain { host, .. } = &target {
            if host.is_empty() {
                return Err(SocksError::EmptyHost);
            }
            if host.len() > MAX_FIELD_LEN {
                return Err(SocksError::FieldTooLong);
            }
        }
        if username.len() > MAX_FIELD_LEN || password.len() > MAX_FIELD_LEN {
            return Err(SocksError::FieldTooLong);
        }
        let credentials = (!username.is_empty()).then(|| (username.to_vec(), password.to_vec()));
        let mut client = SocksClient {
            target,
            credentials,
            out: Vec::new(),
            phase: Phase::MethodChoice,
        };
        client
            .out
            .extend_from_slice(&[wire::VERSION, 1, client.method()]);
        Ok(client)
    }

    /// Appends the bytes due to the proxy and not yet handed out; returns
    /// how many. After `Failed` there is no need to send them.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
        let n = self.out.len();
        out.extend_from_slice(&self.out);
        self.out.clear();
        n
    }

    /// Reads the proxy's stream received so far (from where the last call
    /// left it), consuming each answer once it is complete. Any split of
    /// the stream gives the same result. After `Done` or `Failed` it
    /// consumes nothing and gives the same result again.
    pub fn handle_input(&mut self, input: &mut BytesMut) -> Progress {
        loop {
            let step = match self.phase {
                Phase::MethodChoice => parse_method_choice(input),
                Phase::AuthStatus => parse_auth_status(input),
                Phase::ConnectReply => parse_connect_reply(input),
                Phase::Over(ref result) => return result.clone(),
            };
            match step {
                Ok(None) => return Progress::Pending,
                Ok(Some((answer, len))) => {
                    input.advance(len);
                    self.advance(answer);
                }
                Err(e) => self.fail(e),
            }
        }
    }

    /// The proxy closed its end: unless the exchange is over, it failed.
    pub fn handle_eof(&mut self) -> Progress {
        if let Phase::Over(result) = &self.phase {
            return result.clone();
        }
        self.fail(SocksError::Truncated);
        Progress::Failed(SocksError::Truncated)
    }

    /// The one method we offer.
    fn method(&self) -> u8 {
        if self.credentials.is_some() {
            wire::METHOD_USERNAME_PASSWORD
        } else {
            wire::METHOD_NO_AUTH
        }
    }

    /// Moves on after a complete, well-formed answer.
    fn advance(&mut self, answer: Answer) {
        match answer {
            Answer::Method(wire::METHOD_NONE_ACCEPTABLE) => {
                self.fail(SocksError::NoAcceptableMethod)
            }
            Answer::Method(m) if m != self.method() => self.fail(SocksError::UnexpectedMethod(m)),
            Answer::Method(_) => match &self.credentials {
                Some((user, pass)) => {
                    // RFC 1929 §2: VER ULEN UNAME PLEN PASSWD. libzmq sends
                    // PLEN 0 for an empty password, though the RFC asks for
                    // at least one byte; proxies accept it.
                    self.out.push(wire::AUTH_VERSION);
                    self.out.push(user.len() as u8);
                    self.out.extend_from_slice(user);
                    self.out.push(pass.len() as u8);
                    self.out.extend_from_slice(pass);
                    self.phase = Phase::AuthStatus;
                }
                None => self.request_connect(),
            },
            Answer::AuthStatus(wire::SUCCEEDED) => self.request_connect(),
            Answer::AuthStatus(status) => self.fail(SocksError::AuthRejected(status)),
            Answer::Bound(bound) => self.phase = Phase::Over(Progress::Done(bound)),
        }
    }

    fn request_connect(&mut self) {
        self.out
            .extend_from_slice(&[wire::VERSION, wire::CMD_CONNECT, wire::RESERVED]);
        self.target.emit(&mut self.out);
        self.phase = Phase::ConnectReply;
    }

    /// Ends the exchange. Output still due is left as it is (the caller
    /// closes the connection anyway), so what `poll_transmit` gives never
    /// depends on how the input was split.
    fn fail(&mut self, e: SocksError) {
        self.phase = Phase::Over(Progress::Failed(e));
    }
}

/// A complete answer from the proxy.
enum Answer {
    Method(u8),
    AuthStatus(u8),
    Bound(Option<SocksAddr>),
}

/// `Ok(None)`: incomplete; `Ok(Some((answer, length)))`: complete.
type Parsed = Result<Option<(Answer, usize)>, SocksError>;

/// RFC 1928 §3: `VER METHOD`. Each byte is checked as soon as it is there.
fn parse_method_choice(b: &[u8]) -> Parsed {
    match b {
        [] => Ok(None),
        [v, ..] if *v != wire::VERSION => Err(SocksError::BadVersion(*v)),
        [_] => Ok(None),
        [_, method, ..] => Ok(Some((Answer::Method(*method), 2))),
    }
}

/// RFC 1929 §2: `VER STATUS`, where VER is the subnegotiation's (1).
fn parse_auth_status(b: &[u8]) -> Parsed {
    match b {
        [] => Ok(None),
        [v, ..] if *v != wire::AUTH_VERSION => Err(SocksError::BadAuthVersion(*v)),
        [_] => Ok(None),
        [_, status, ..] => Ok(Some((Answer::AuthStatus(*status), 2))),
    }
}

/// RFC 1928 §6: `VER REP RSV ATYP BND.ADDR BND.PORT`. A failure code ends
/// the exchange at once: the proxy closes the connection after it.
fn parse_connect_reply(b: &[u8]) -> Parsed {
    if let Some(&v) = b.first() {
        if v != wire::VERSION {
            return Err(SocksError::BadVersion(v));
        }
    }
    if let Some(&rep) = b.get(1) {
        if rep != wire::SUCCEEDED {
            return Err(SocksError::Reply(ReplyCode::from_byte(rep)));
        }
    }
    if let Some(&rsv) = b.get(2) {
        // libzmq insists on 0 here too.
        if rsv != wire::RESERVED {
            return Err(SocksError::BadReserved(rsv));
        }
    }
    let Some(&atyp) = b.get(3) else {
        return Ok(None);
    };
    let addr_len = match atyp {
        wire::ATYP_IPV4 => 4,
        wire::ATYP_IPV6 => 16,
        wire::ATYP_DOMAIN => match b.get(wire::REPLY_HEAD_LEN) {
            Some(&n) => 1 + usize::from(n),
            None => return Ok(None),
        },
        other => return Err(SocksError::BadAddressType(other)),
    };
    let total = wire::REPLY_HEAD_LEN + addr_len + wire::PORT_LEN;
    if b.len() < total {
        return Ok(None);
    }
    let addr = &b[wire::REPLY_HEAD_LEN..wire::REPLY_HEAD_LEN + addr_len];
    let port = u16::from_be_bytes([b[total - 2], b[total - 1]]);
    let bound = match atyp {
        wire::ATYP_IPV4 => {
            let octets: [u8; 4] = addr.try_into().expect("length set above");
            ip_bound(IpAddr::from(octets), port)
        }
        wire::ATYP_IPV6 => {
            let octets: [u8; 16] = addr.try_into().expect("length set above");
            ip_bound(IpAddr::from(octets), port)
        }
        _ => Some(SocksAddr::Domain {
            // Only informative: a name that is not UTF-8 is kept lossily.
            host: String::from_utf8_lossy(&addr[1..]).into_owned(),
            port,
        }),
    };
    Ok(Some((Answer::Bound(bound), total)))
}

/// A bound IP address, or `None` for "0.0.0.0:0" / "[::]:0".
fn ip_bound(ip: IpAddr, port: u16) -> Option<SocksAddr> {
    (!(ip.is_unspecified() && port == 0)).then_some(SocksAddr::Ip(SocketAddr::new(ip, port)))
}

/// `host` as an IP address, if getaddrinfo(3) with `AI_NUMERICHOST` reads
/// it as one (glibc): an inet_aton(3) IPv4 form, or an IPv6 literal with
/// an optional `%zone` (dropped: a proxy has no use for our zones; glibc
/// would give a name for an unknown interface name).
fn numeric_host(host: &str) -> Option<IpAddr> {
    if let Some(v4) = inet_aton(host) {
        return Some(IpAddr::V4(v4));
    }
    let literal = host.split_once('%').map_or(host, |(ip, _)| ip);
    literal.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests;
