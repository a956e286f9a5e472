//! The WebSocket opening handshake (RFC 6455 §4): the HTTP/1.1 upgrade a
//! client sends and the `101` a server answers, with the ZWS 2.0
//! subprotocols libzmq offers and accepts.
//!
//! Parsing takes the whole header block at once (it ends at the first empty
//! line) and refuses one longer than `HEADER_MAX`: a peer that has not
//! upgraded holds at most that much of our memory. As libzmq, a server
//! that cannot accept the request closes the connection without an HTTP
//! answer, and neither side looks at `Sec-WebSocket-Version` or the
//! request's path.

use super::accept::accept_key;
use crate::zmtp::MechanismKind;

/// The most bytes an upgrade request or response may take, headers and
/// the empty line included.
pub const HEADER_MAX: usize = 8 * 1024;

/// A ZWS 2.0 subprotocol: with a mechanism its commands start the
/// connection (no ZMTP greeting); bare `ZWS2.0` has no mechanism at all,
/// and each side's first message is its routing id (NULL only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subprotocol {
    Bare,
    Null,
    Plain,
    Curve,
}

impl Subprotocol {
    pub fn name(self) -> &'static str {
        match self {
            Subprotocol::Bare => "ZWS2.0",
            Subprotocol::Null => "ZWS2.0/NULL",
            Subprotocol::Plain => "ZWS2.0/PLAIN",
            Subprotocol::Curve => "ZWS2.0/CURVE",
        }
    }

    /// The subprotocols a socket with `mechanism` speaks, in the order a
    /// client offers them.
    pub fn offered(mechanism: MechanismKind) -> &'static [Subprotocol] {
        match mechanism {
            MechanismKind::Null => &[Subprotocol::Null, Subprotocol::Bare],
            MechanismKind::Plain => &[Subprotocol::Plain],
            MechanismKind::Curve => &[Subprotocol::Curve],
            // GSSAPI is for tcp and ipc only (zmq_gssapi(7)).
            MechanismKind::Gssapi => &[],
        }
    }

    /// `name` if a socket with `mechanism` speaks it (names are
    /// case-sensitive, as libzmq compares them).
    pub fn accepted(name: &str, mechanism: MechanismKind) -> Option<Subprotocol> {
        Subprotocol::offered(mechanism)
            .iter()
            .copied()
            .find(|p| p.name() == name.trim())
    }
}

/// Why an upgrade failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeError {
    /// Not HTTP as RFC 6455 asks for, or over `HEADER_MAX`.
    Malformed,
    /// Valid HTTP that is not an upgrade we take: no `Upgrade: websocket`,
    /// `Connection: Upgrade` or key, a wrong accept key, a status other
    /// than 101, or no subprotocol we speak.
    Refused,
}

/// A client's upgrade request for `path` at `host` offering `mechanism`'s
/// subprotocols; `key` is base64 of 16 random bytes.
pub fn request(path: &str, host: &str, key: &str, mechanism: MechanismKind) -> Vec<u8> {
    let protocols: Vec<&str> = Subprotocol::offered(mechanism)
        .iter()
        .map(|p| p.name())
        .collect();
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        protocols.join(",")
    )
    .into_bytes()
}

/// A server's `101` for a request with `key`, choosing `protocol`.
pub fn response(key: &str, protocol: Subprotocol) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: {}\r\n\r\n",
        accept_key(key),
        protocol.name()
    )
    .into_bytes()
}

/// What a server takes from an acceptable request.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    pub key: String,
    pub protocol: Subprotocol,
    /// The request's resource (path and query), as sent.
    pub resource: String,
}

/// Parses a client's request from the front of `input`. `Ok(None)`: the
/// header block is not complete yet. `Ok(Some((accepted, n)))`: the first
/// `n` bytes were the request, what follows is WebSocket frames.
/// Refuses input that cannot become a request (or answer) at its first
/// bytes, as libzmq's byte-by-byte parser does, rather than waiting for a
/// header block that will never end (a ZMTP peer on a ws port).
fn opens_with(input: &[u8], start: &[u8]) -> Result<(), UpgradeError> {
    let n = input.len().min(start.len());
    if input[..n] == start[..n] {
        Ok(())
    } else {
        Err(UpgradeError::Malformed)
    }
}

pub fn parse_request(
    input: &[u8],
    mechanism: MechanismKind,
) -> Result<Option<(Accepted, usize)>, UpgradeError> {
    opens_with(input, b"GET ")?;
    let Some((lines, consumed)) = header_block(input)? else {
        return Ok(None);
    };
    let mut lines = lines.into_iter();
    let request_line = lines.next().ok_or(UpgradeError::Malformed)?;
    let resource = request_line
        .strip_prefix("GET ")
        .and_then(|rest| rest.strip_suffix(" HTTP/1.1"))
        .map(|r| r.trim_start_matches(' '))
        .filter(|r| !r.is_empty() && !r.contains(' '))
        .ok_or(UpgradeError::Malformed)?;
    let mut upgrade = false;
    let mut connection = false;
    let mut key = None;
    let mut protocol = None;
    for line in lines {
        let (name, value) = header(line)?;
        if name.eq_ignore_ascii_case("Upgrade") {
            upgrade = value.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("Connection") {
            connection = has_token(value, "Upgrade");
        } else if name.eq_ignore_ascii_case("Sec-WebSocket-Key") {
            key = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("Sec-WebSocket-Protocol") && protocol.is_none() {
            // The header may repeat and each may list several: the first
            // we speak wins.
            protocol = value
                .split(',')
                .find_map(|p| Subprotocol::accepted(p, mechanism));
        }
    }
    match (upgrade && connection, key, protocol) {
        (true, Some(key), Some(protocol)) if !key.is_empty() => Ok(Some((
            Accepted {
                key,
                protocol,
                resource: resource.to_owned(),
            },
            consumed,
        ))),
        _ => Err(UpgradeError::Refused),
    }
}

/// Parses a server's answer to a request we sent with `key`, from the
/// front of `input`: the subprotocol it chose and the answer's length.
pub fn parse_response(
    input: &[u8],
    key: &str,
    mechanism: MechanismKind,
) -> Result<Option<(Subprotocol, usize)>, UpgradeError> {
    opens_with(input, b"HTTP/1.1 ")?;
    let Some((lines, consumed)) = header_block(input)? else {
        return Ok(None);
    };
    let mut lines = lines.into_iter();
    let status = lines.next().ok_or(UpgradeError::Malformed)?;
    let mut words = status.splitn(3, ' ');
    if words.next() != Some("HTTP/1.1") {
        return Err(UpgradeError::Malformed);
    }
    if words.next() != Some("101") {
        return Err(UpgradeError::Refused);
    }
    let mut upgrade = false;
    let mut connection = false;
    let mut accept_ok = false;
    let mut protocol = None;
    for line in lines {
        let (name, value) = header(line)?;
        if name.eq_ignore_ascii_case("Upgrade") {
            upgrade = value.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("Connection") {
            connection = has_token(value, "Upgrade");
        } else if name.eq_ignore_ascii_case("Sec-WebSocket-Accept") {
            accept_ok = value == accept_key(key);
        } else if name.eq_ignore_ascii_case("Sec-WebSocket-Protocol") {
            protocol = Subprotocol::accepted(value, mechanism);
        }
    }
    match (upgrade && connection && accept_ok, protocol) {
        (true, Some(p)) => Ok(Some((p, consumed))),
        _ => Err(UpgradeError::Refused),
    }
}

/// The lines of the header block at the front of `input` (without the
/// empty line) and its length with it, once it is all in. Lines end in
/// CRLF; a bare CR or LF, or a byte that is not ASCII text, is malformed.
fn header_block(input: &[u8]) -> Result<Option<(Vec<&str>, usize)>, UpgradeError> {
    let window = &input[..input.len().min(HEADER_MAX)];
    let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
        if input.len() >= HEADER_MAX {
            return Err(UpgradeError::Malformed);
        }
        // A bare LF before the end can never become valid.
        if window.iter().enumerate().any(|(i, &b)| {
            (b == b'\n' && (i == 0 || window[i - 1] != b'\r'))
                || (b == b'\r' && window.get(i + 1).is_some_and(|&n| n != b'\n'))
        }) {
            return Err(UpgradeError::Malformed);
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(&window[..end]).map_err(|_| UpgradeError::Malformed)?;
    let lines: Vec<&str> = text.split("\r\n").collect();
    if lines.iter().any(|l| {
        l.bytes()
            .any(|b| b == b'\r' || b == b'\n' || (b < 0x20 && b != b'\t'))
    }) {
        return Err(UpgradeError::Malformed);
    }
    Ok(Some((lines, end + 4)))
}

/// A header line's name and value (surrounding blanks trimmed).
fn header(line: &str) -> Result<(&str, &str), UpgradeError> {
    let (name, value) = line.split_once(':').ok_or(UpgradeError::Malformed)?;
    if name.is_empty() || name.contains(' ') || name.contains('\t') {
        return Err(UpgradeError::Malformed);
    }
    Ok((name, value.trim_matches([' ', '\t'])))
}

/// Whether a comma-separated header value lists `token` (any case).
fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}
