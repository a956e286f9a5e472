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
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::{Buf, BytesMut};

use crate::error::Error;

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

/// inet_aton(3)'s IPv4 forms: `a.b.c.d`, `a.b.c`, `a.b`, `a`, each part
/// decimal, octal (leading 0) or hex (0x), the last part filling the
/// remaining bytes.
fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut value: u32 = 0;
    for (i, part) in parts.iter().enumerate() {
        let n = aton_number(part)?;
        if i + 1 < parts.len() {
            if n > 0xFF {
                return None;
            }
            value |= (n as u32) << (8 * (3 - i));
        } else {
            let room = 8 * (4 - i as u32); // bits left for the last part
            if n >> room != 0 {
                return None;
            }
            value |= n as u32;
        }
    }
    Some(Ipv4Addr::from(value))
}

/// One part of an inet_aton address, at most 32 bits (else `None`).
fn aton_number(part: &str) -> Option<u64> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Leading zeros are allowed in any number; the value must fit 32 bits.
    let significant = digits.trim_start_matches('0');
    if significant.len() > 11 {
        return None;
    }
    let n = u64::from_str_radix(
        if significant.is_empty() {
            "0"
        } else {
            significant
        },
        radix,
    )
    .ok()?;
    (n <= u64::from(u32::MAX)).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY_NO_AUTH: [u8; 2] = [0x05, 0x00];
    const PROXY_USER_PASS: [u8; 2] = [0x05, 0x02];
    const AUTH_OK: [u8; 2] = [0x01, 0x00];
    /// A success reply binding 10.0.0.1:4660.
    const REPLY_V4: [u8; 10] = [5, 0, 0, 1, 10, 0, 0, 1, 0x12, 0x34];

    fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocksAddr {
        SocksAddr::Ip(SocketAddr::new(Ipv4Addr::new(a, b, c, d).into(), port))
    }

    fn domain(host: &str, port: u16) -> SocksAddr {
        SocksAddr::Domain {
            host: host.into(),
            port,
        }
    }

    fn client(target: SocksAddr) -> SocksClient {
        SocksClient::new(target, b"", b"").unwrap()
    }

    /// Feeds the proxy's whole stream in chunks of `step` bytes, handing
    /// out our output after each call. Returns the result, everything we
    /// sent, and what was left in the input.
    fn run(mut c: SocksClient, proxy: &[u8], step: usize) -> (Progress, Vec<u8>, Vec<u8>) {
        let mut out = BytesMut::new();
        let mut input = BytesMut::new();
        c.poll_transmit(&mut out);
        let mut result = Progress::Pending;
        for chunk in proxy.chunks(step.max(1)) {
            input.extend_from_slice(chunk);
            result = c.handle_input(&mut input);
            c.poll_transmit(&mut out);
        }
        (result, out.to_vec(), input.to_vec())
    }

    /// `run` with every split from byte-at-a-time to all at once, checking
    /// they agree; returns the all-at-once result.
    fn run_all_splits(
        make: impl Fn() -> SocksClient,
        proxy: &[u8],
    ) -> (Progress, Vec<u8>, Vec<u8>) {
        let whole = run(make(), proxy, proxy.len());
        for step in 1..proxy.len().max(1) {
            assert_eq!(run(make(), proxy, step), whole, "split every {step} bytes");
        }
        whole
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    // ------------------------------------------------------------ greeting

    #[test]
    fn greeting_offers_exactly_one_method() {
        let mut out = BytesMut::new();
        assert_eq!(client(v4(1, 2, 3, 4, 80)).poll_transmit(&mut out), 3);
        assert_eq!(&out[..], &[5, 1, 0]);

        let mut c = SocksClient::new(v4(1, 2, 3, 4, 80), b"u", b"p").unwrap();
        out.clear();
        c.poll_transmit(&mut out);
        assert_eq!(&out[..], &[5, 1, 2]);
        assert_eq!(c.poll_transmit(&mut out), 0, "handed out once");
    }

    #[test]
    fn empty_username_means_no_auth_whatever_the_password() {
        let mut c = SocksClient::new(v4(1, 2, 3, 4, 80), b"", b"secret").unwrap();
        let mut out = BytesMut::new();
        c.poll_transmit(&mut out);
        assert_eq!(&out[..], &[5, 1, 0]);
    }

    #[test]
    fn nothing_is_sent_before_the_method_choice() {
        let mut c = client(domain("example.org", 80));
        let mut out = BytesMut::new();
        c.poll_transmit(&mut out);
        out.clear();
        let mut input = BytesMut::from(&[5u8][..]);
        assert_eq!(c.handle_input(&mut input), Progress::Pending);
        assert_eq!(c.poll_transmit(&mut out), 0);
        assert_eq!(input.len(), 1, "partial answer not consumed");
    }

    // -------------------------------------------------------- CONNECT, ATYP

    #[test]
    fn connect_ipv4() {
        let proxy = cat(&[&PROXY_NO_AUTH, &REPLY_V4]);
        let (result, sent, rest) = run_all_splits(|| client(v4(192, 168, 1, 20, 5555)), &proxy);
        assert_eq!(result, Progress::Done(Some(v4(10, 0, 0, 1, 0x1234))));
        assert_eq!(sent, [5, 1, 0, 5, 1, 0, 1, 192, 168, 1, 20, 0x15, 0xB3]);
        assert!(rest.is_empty());
    }

    #[test]
    fn connect_ipv6() {
        let ip: Ipv6Addr = "2001:db8::7".parse().unwrap();
        let target = SocksAddr::Ip(SocketAddr::new(ip.into(), 443));
        let mut reply = vec![5, 0, 0, 4];
        reply.extend_from_slice(&ip.octets());
        reply.extend_from_slice(&[0x01, 0xBB]);
        let proxy = cat(&[&PROXY_NO_AUTH, &reply]);
        let (result, sent, _) = run_all_splits(|| client(target.clone()), &proxy);
        assert_eq!(result, Progress::Done(Some(target.clone())));
        let mut want = vec![5, 1, 0, 5, 1, 0, 4];
        want.extend_from_slice(&ip.octets());
        want.extend_from_slice(&[0x01, 0xBB]);
        assert_eq!(sent, want);
    }

    #[test]
    fn connect_domain_name_is_sent_unresolved() {
        let reply = cat(&[&[5, 0, 0, 3, 9], b"proxy.lan", &[0x00, 0x50]]);
        let proxy = cat(&[&PROXY_NO_AUTH, &reply]);
        let (result, sent, _) = run_all_splits(|| client(domain("localhost", 5555)), &proxy);
        assert_eq!(result, Progress::Done(Some(domain("proxy.lan", 80))));
        assert_eq!(
            sent,
            cat(&[&[5, 1, 0, 5, 1, 0, 3, 9], b"localhost", &[0x15, 0xB3]])
        );
    }

    #[test]
    fn longest_domain_name() {
        let host = "h".repeat(255);
        let (result, sent, _) = run(
            client(domain(&host, 1)),
            &cat(&[&PROXY_NO_AUTH, &REPLY_V4]),
            1,
        );
        assert!(matches!(result, Progress::Done(_)));
        assert_eq!(sent[3..8], [5, 1, 0, 3, 255]);
        assert_eq!(sent.len(), 3 + 5 + 255 + 2);
    }

    #[test]
    fn unspecified_bound_address_is_none() {
        for reply in [
            vec![5, 0, 0, 1, 0, 0, 0, 0, 0, 0],
            cat(&[&[5, 0, 0, 4], &[0; 16], &[0, 0]]),
        ] {
            let (result, _, _) = run(
                client(v4(1, 1, 1, 1, 1)),
                &cat(&[&PROXY_NO_AUTH, &reply]),
                3,
            );
            assert_eq!(result, Progress::Done(None));
        }
        // An unspecified address with a port still says something.
        let reply = [5, 0, 0, 1, 0, 0, 0, 0, 0, 7];
        let (result, _, _) = run(
            client(v4(1, 1, 1, 1, 1)),
            &cat(&[&PROXY_NO_AUTH, &reply]),
            3,
        );
        assert_eq!(result, Progress::Done(Some(v4(0, 0, 0, 0, 7))));
    }

    #[test]
    fn empty_and_non_utf8_bound_names() {
        let reply = [5, 0, 0, 3, 0, 0, 9];
        let (result, _, _) = run_all_splits(
            || client(v4(1, 1, 1, 1, 1)),
            &cat(&[&PROXY_NO_AUTH, &reply]),
        );
        assert_eq!(result, Progress::Done(Some(domain("", 9))));
        let reply = [5, 0, 0, 3, 2, b'a', 0xFF, 0, 9];
        let (result, _, _) = run(
            client(v4(1, 1, 1, 1, 1)),
            &cat(&[&PROXY_NO_AUTH, &reply]),
            1,
        );
        assert_eq!(result, Progress::Done(Some(domain("a\u{FFFD}", 9))));
    }

    #[test]
    fn tunnelled_bytes_after_the_reply_are_left_in_input() {
        let greeting = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F];
        let proxy = cat(&[&PROXY_NO_AUTH, &REPLY_V4, &greeting]);
        let (result, _, rest) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
        assert!(matches!(result, Progress::Done(Some(_))));
        assert_eq!(rest, greeting);
    }

    #[test]
    fn result_is_sticky() {
        let mut c = client(v4(1, 2, 3, 4, 5));
        let mut input = BytesMut::from(&cat(&[&PROXY_NO_AUTH, &REPLY_V4])[..]);
        let done = c.handle_input(&mut input);
        assert!(matches!(done, Progress::Done(_)));
        input.extend_from_slice(&[9, 9, 9]);
        assert_eq!(c.handle_input(&mut input), done);
        assert_eq!(&input[..], &[9, 9, 9]);
        assert_eq!(
            c.handle_eof(),
            done,
            "EOF after Done is the tunnel's business"
        );

        let mut c = client(v4(1, 2, 3, 4, 5));
        let mut input = BytesMut::from(&[4u8, 0][..]);
        let failed = c.handle_input(&mut input);
        assert_eq!(failed, Progress::Failed(SocksError::BadVersion(4)));
        assert_eq!(
            c.handle_input(&mut BytesMut::from(&PROXY_NO_AUTH[..])),
            failed
        );
        assert_eq!(c.handle_eof(), failed);
    }

    // -------------------------------------------------------- authentication

    #[test]
    fn username_password_success() {
        let make = || SocksClient::new(domain("svc", 7), b"alice", b"s3cret").unwrap();
        let proxy = cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]);
        let (result, sent, _) = run_all_splits(make, &proxy);
        assert!(matches!(result, Progress::Done(Some(_))));
        let want = cat(&[
            &[5, 1, 2],
            &[1, 5],
            b"alice",
            &[6],
            b"s3cret",
            &[5, 1, 0, 3, 3],
            b"svc",
            &[0, 7],
        ]);
        assert_eq!(sent, want);
    }

    #[test]
    fn empty_password_is_sent_with_length_zero() {
        let c = SocksClient::new(v4(1, 2, 3, 4, 5), b"bob", b"").unwrap();
        let (_, sent, _) = run(c, &PROXY_USER_PASS, 2);
        assert_eq!(sent, cat(&[&[5, 1, 2, 1, 3], b"bob", &[0]]));
    }

    #[test]
    fn longest_credentials() {
        let (user, pass) = (vec![b'u'; 255], vec![b'p'; 255]);
        let c = SocksClient::new(v4(1, 2, 3, 4, 5), &user, &pass).unwrap();
        let (result, sent, _) = run(c, &cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]), 1);
        assert!(matches!(result, Progress::Done(_)));
        assert_eq!(sent[3..5], [1, 255]);
        assert_eq!(sent[5 + 255], 255);
    }

    #[test]
    fn auth_rejected() {
        let make = || SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"wrong").unwrap();
        for status in [0x01, 0xFF] {
            let (result, sent, _) = run_all_splits(make, &[5, 2, 1, status]);
            assert_eq!(result, Progress::Failed(SocksError::AuthRejected(status)));
            // The CONNECT request never goes out.
            assert_eq!(sent, cat(&[&[5, 1, 2, 1, 1, b'u', 5], b"wrong"]));
        }
    }

    #[test]
    fn bad_auth_version() {
        let make = || SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"p").unwrap();
        let (result, _, _) = run_all_splits(make, &[5, 2, 5, 0]);
        assert_eq!(result, Progress::Failed(SocksError::BadAuthVersion(5)));
    }

    #[test]
    fn method_choice_failures() {
        // (offer username/password?, proxy's answer, error)
        let cases = [
            (false, [5, 0xFF], SocksError::NoAcceptableMethod),
            (true, [5, 0xFF], SocksError::NoAcceptableMethod),
            (false, [5, 2], SocksError::UnexpectedMethod(2)),
            (true, [5, 0], SocksError::UnexpectedMethod(0)),
            (false, [5, 1], SocksError::UnexpectedMethod(1)),
            (false, [4, 0], SocksError::BadVersion(4)),
            (false, [0, 0], SocksError::BadVersion(0)),
        ];
        for (auth, answer, error) in cases {
            let user: &[u8] = if auth { b"u" } else { b"" };
            let make = || SocksClient::new(v4(1, 2, 3, 4, 5), user, b"p").unwrap();
            let (result, sent, _) = run_all_splits(make, &answer);
            assert_eq!(result, Progress::Failed(error), "{answer:?}");
            assert_eq!(sent.len(), 3, "only the greeting went out");
        }
    }

    #[test]
    fn bad_version_is_seen_on_the_first_byte() {
        let mut c = client(v4(1, 2, 3, 4, 5));
        let mut input = BytesMut::from(&[0x04u8][..]);
        assert_eq!(
            c.handle_input(&mut input),
            Progress::Failed(SocksError::BadVersion(4))
        );
    }

    // ----------------------------------------------------------- bad replies

    #[test]
    fn reply_codes() {
        let codes = [
            (1, ReplyCode::GeneralFailure, libc::ECONNREFUSED),
            (2, ReplyCode::NotAllowedByRuleset, libc::EACCES),
            (3, ReplyCode::NetworkUnreachable, libc::ENETUNREACH),
            (4, ReplyCode::HostUnreachable, libc::EHOSTUNREACH),
            (5, ReplyCode::ConnectionRefused, libc::ECONNREFUSED),
            (6, ReplyCode::TtlExpired, libc::ETIMEDOUT),
            (7, ReplyCode::CommandNotSupported, libc::EOPNOTSUPP),
            (8, ReplyCode::AddressTypeNotSupported, libc::EOPNOTSUPP),
            (9, ReplyCode::Unassigned(9), libc::ECONNREFUSED),
            (0xFF, ReplyCode::Unassigned(0xFF), libc::ECONNREFUSED),
        ];
        for (rep, code, errno) in codes {
            // A failure is final as soon as REP arrives, whatever follows.
            let mut reply = REPLY_V4;
            reply[1] = rep;
            for proxy in [
                cat(&[&PROXY_NO_AUTH, &reply]),
                cat(&[&PROXY_NO_AUTH, &[5, rep]]),
            ] {
                let (result, _, _) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
                assert_eq!(
                    result,
                    Progress::Failed(SocksError::Reply(code)),
                    "REP {rep}"
                );
            }
            assert_eq!(Error::from(SocksError::Reply(code)).errno(), errno);
        }
    }

    #[test]
    fn malformed_replies() {
        let cases: &[(&[u8], SocksError)] = &[
            (&[4, 0, 0, 1, 0, 0, 0, 0, 0, 0], SocksError::BadVersion(4)),
            (&[5, 0, 1, 1, 0, 0, 0, 0, 0, 0], SocksError::BadReserved(1)),
            (
                &[5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                SocksError::BadAddressType(0),
            ),
            (
                &[5, 0, 0, 2, 0, 0, 0, 0, 0, 0],
                SocksError::BadAddressType(2),
            ),
            (&[5, 0, 0, 0xFF], SocksError::BadAddressType(0xFF)),
        ];
        for (reply, error) in cases {
            let proxy = cat(&[&PROXY_NO_AUTH, reply]);
            let (result, _, _) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
            assert_eq!(result, Progress::Failed(error.clone()), "{reply:?}");
        }
    }

    #[test]
    fn truncated_answers_wait_then_fail_at_eof() {
        let full = cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]);
        for cut in 0..full.len() {
            let mut c = SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"p").unwrap();
            let mut input = BytesMut::from(&full[..cut]);
            assert_eq!(
                c.handle_input(&mut input),
                Progress::Pending,
                "cut at {cut}"
            );
            assert_eq!(c.handle_eof(), Progress::Failed(SocksError::Truncated));
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // A small deterministic generator: every byte value appears at
        // every position of the proxy's stream over the run.
        let mut seed: u32 = 0x1234_5678;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for i in 0..20_000u32 {
            let len = (next() % 300) as usize;
            let mut junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Bias towards getting past the early checks.
            if i % 2 == 0 && junk.len() > 4 {
                junk[..2].copy_from_slice(&[5, (i % 4 == 0) as u8 * 2]);
                junk[2] = if i % 4 == 0 { 1 } else { 5 };
            }
            let c = if i % 4 == 0 {
                SocksClient::new(domain("x", 1), b"u", b"p").unwrap()
            } else {
                client(domain("x", 1))
            };
            let step = 1 + (next() % 16) as usize;
            let (result, sent, rest) = run(c.clone(), &junk, step);
            assert_eq!(
                run(c, &junk, junk.len()),
                (result.clone(), sent, rest.clone())
            );
            if let Progress::Done(_) = result {
                assert!(junk.len() - rest.len() >= 2 + 10);
            }
        }
    }

    // -------------------------------------------------------- construction

    #[test]
    fn construction_limits() {
        assert_eq!(
            SocksClient::new(domain("", 1), b"", b"").unwrap_err(),
            SocksError::EmptyHost
        );
        assert_eq!(
            SocksClient::new(domain(&"a".repeat(256), 1), b"", b"").unwrap_err(),
            SocksError::FieldTooLong
        );
        let long = [b'x'; 256];
        assert_eq!(
            SocksClient::new(v4(1, 1, 1, 1, 1), &long, b"p").unwrap_err(),
            SocksError::FieldTooLong
        );
        assert_eq!(
            SocksClient::new(v4(1, 1, 1, 1, 1), b"u", &long).unwrap_err(),
            SocksError::FieldTooLong
        );
        assert_eq!(Error::from(SocksError::FieldTooLong), Error::Inval);
    }

    // ------------------------------------------------- endpoint → target

    #[test]
    fn targets_from_endpoints() {
        let v6 = |text: &str, port| {
            SocksAddr::Ip(SocketAddr::new(
                text.parse::<Ipv6Addr>().unwrap().into(),
                port,
            ))
        };
        let cases: &[(&str, SocksAddr)] = &[
            ("127.0.0.1:5555", v4(127, 0, 0, 1, 5555)),
            ("localhost:5555", domain("localhost", 5555)),
            ("example.org:1", domain("example.org", 1)),
            ("[::1]:80", v6("::1", 80)),
            ("::1:80", v6("::1", 80)),
            ("[fe80::1%lo]:80", v6("fe80::1", 80)),
            ("::ffff:1.2.3.4:80", v6("::ffff:1.2.3.4", 80)),
            ("10.0.0.1;127.0.0.1:9", v4(127, 0, 0, 1, 9)),
            ("eth0;host.lan:9", domain("host.lan", 9)),
            ("127.1:65535", v4(127, 0, 0, 1, 65535)),
            ("0x7f.0.0.1:2", v4(127, 0, 0, 1, 2)),
            ("1.2.3.4.5:2", domain("1.2.3.4.5", 2)),
            ("[host]:3", domain("host", 3)),
        ];
        for (text, want) in cases {
            assert_eq!(SocksAddr::from_endpoint(text).as_ref(), Ok(want), "{text}");
        }
        for bad in [
            "nohost",
            "host:",
            "host:0",
            "host:65536",
            "host:+80",
            "host:8x",
            "host:-1",
        ] {
            assert_eq!(
                SocksAddr::from_endpoint(bad),
                Err(SocksError::BadEndpoint),
                "{bad}"
            );
        }
    }

    #[test]
    fn inet_aton_forms_match_glibc() {
        // Results of glibc getaddrinfo(AI_NUMERICHOST) for each text.
        let cases: &[(&str, Option<[u8; 4]>)] = &[
            ("127.0.0.1", Some([127, 0, 0, 1])),
            ("127.1", Some([127, 0, 0, 1])),
            ("0x7f.1", Some([127, 0, 0, 1])),
            ("0177.0.0.1", Some([127, 0, 0, 1])),
            ("0X1", Some([0, 0, 0, 1])),
            ("00", Some([0, 0, 0, 0])),
            ("0", Some([0, 0, 0, 0])),
            ("4294967295", Some([255, 255, 255, 255])),
            ("0xffffffff", Some([255, 255, 255, 255])),
            ("1.0xffffff", Some([1, 255, 255, 255])),
            ("1.2.0xffff", Some([1, 2, 255, 255])),
            ("1.2.3.0377", Some([1, 2, 3, 255])),
            ("0x7F.0.0.0x1", Some([127, 0, 0, 1])),
            ("0000000000000000000001", Some([0, 0, 0, 1])),
            ("4294967296", None),
            ("0x100000000", None),
            ("1.0x1000000", None),
            ("1.2.0x10000", None),
            ("1.2.3.256", None),
            ("1.2.3.0400", None),
            ("1.256.1", None),
            ("1.2.3.4.5", None),
            ("1.2.3.4.", None),
            ("1.", None),
            (".1", None),
            ("1..1", None),
            ("0x", None),
            ("0x.1", None),
            ("09", None),
            ("0xg", None),
            ("+1", None),
            ("-1", None),
            ("", None),
            ("127.0.0.1 ", None),
        ];
        for (text, want) in cases {
            assert_eq!(inet_aton(text), want.map(Ipv4Addr::from), "{text:?}");
        }
    }
}
