//! The PLAIN security mechanism (RFC 24, ZMTP-PLAIN): a user name and a
//! password sent in the clear, checked by a ZAP handler (RFC 27) on the
//! server. No confidentiality: messages travel as they are.
//!
//! ```text
//! C: HELLO    = %d5 "HELLO" username(1 + *) password(1 + *)
//! S: WELCOME  = %d7 "WELCOME"                (after the ZAP handler's 200)
//! C: INITIATE = %d8 "INITIATE" metadata
//! S: READY    = %d5 "READY" metadata
//! S: ERROR    = %d5 "ERROR" reason           (instead of WELCOME on refusal)
//! ```
//!
//! The client is ready once READY arrives; the server once READY is out.
//! Monitor events follow libzmq's: a malformed HELLO is
//! `MALFORMED_COMMAND_HELLO`, a WELCOME with data `MALFORMED_COMMAND_WELCOME`,
//! bad READY metadata `INVALID_METADATA`; bad INITIATE metadata closes
//! without an event. A PLAIN server with no ZAP handler refuses every
//! client (libzmq raises `HANDSHAKE_FAILED_NO_DETAIL` with `EFAULT` there).

use bytes::{BufMut, Bytes, BytesMut};

use super::client_handshake::{ClientHandshake, ClientSteps};
use super::command::{self, Command, Properties, HELLO, INITIATE, WELCOME};
use super::greeting::MechanismName;
use super::mechanism::{check_command_structure, parse_peer_properties, Cleartext};
use super::protocol_error as code;
use super::server_handshake::{Reply, ServerHandshake, ServerSteps};
use super::{FailureEvent, HandshakeError};
use crate::error::Error;

#[cfg(test)]
mod tests;

/// A command body: name length, name, data.
fn body(name: &[u8], data: &[&[u8]]) -> Bytes {
    let mut out =
        BytesMut::with_capacity(1 + name.len() + data.iter().map(|d| d.len()).sum::<usize>());
    out.put_u8(name.len() as u8);
    out.put_slice(name);
    for d in data {
        out.put_slice(d);
    }
    out.freeze()
}

/// How libzmq (4.x) writes a PLAIN ERROR command: its name field is the C
/// string "\x05ERROR", in which the hex escape takes the `E`, so the body
/// starts with the five bytes `^RROR` (0x5E 'R' 'R' 'O' 'R') and has no
/// name-length byte. libzmq's PLAIN client recognises only that form, so
/// our server sends it (a libzmq client then reports the ZAP status, as
/// with a libzmq server); our client accepts both it and RFC 24's.
const LIBZMQ_ERROR: &[u8] = b"^RROR";

/// An RFC form ERROR body (`\x05ERROR` reason) in libzmq's PLAIN form.
fn libzmq_error(rfc: &Bytes) -> Bytes {
    let reason = rfc.get(1 + command::ERROR.len()..).unwrap_or_default();
    let mut out = Vec::with_capacity(LIBZMQ_ERROR.len() + reason.len());
    out.extend_from_slice(LIBZMQ_ERROR);
    out.extend_from_slice(reason);
    Bytes::from(out)
}

fn unexpected() -> HandshakeError {
    HandshakeError::protocol(
        code::ZMTP_UNEXPECTED_COMMAND,
        "unexpected command in PLAIN handshake",
    )
}

/// The client side of PLAIN, as the handshake drives it.
pub type PlainClient = ClientHandshake<PlainClientSteps>;

impl PlainClient {
    /// `properties` is what INITIATE announces; `username` and `password`
    /// are at most 255 bytes each (`EINVAL` otherwise).
    pub fn new(
        socket_type: i32,
        properties: &Properties,
        username: &[u8],
        password: &[u8],
    ) -> Result<PlainClient, Error> {
        if username.len() > 255 || password.len() > 255 {
            return Err(Error::Inval);
        }
        let mut meta = BytesMut::new();
        properties.emit(&mut meta);
        Ok(ClientHandshake::with_steps(PlainClientSteps {
            socket_type,
            hello: body(
                HELLO,
                &[
                    &[username.len() as u8],
                    username,
                    &[password.len() as u8],
                    password,
                ],
            ),
            initiate: body(INITIATE, &[&meta]),
        }))
    }
}

/// What a PLAIN client sends: HELLO and INITIATE, written up front.
#[derive(Debug)]
pub struct PlainClientSteps {
    socket_type: i32,
    hello: Bytes,
    initiate: Bytes,
}

impl ClientSteps for PlainClientSteps {
    const NAME: MechanismName = MechanismName::PLAIN;
    type Messages = Cleartext;

    fn unexpected() -> HandshakeError {
        unexpected()
    }

    fn other_error(body: &Bytes) -> Option<Bytes> {
        let data = body.strip_prefix(LIBZMQ_ERROR)?;
        Some(body.slice_ref(data))
    }

    fn hello(&mut self) -> Result<Bytes, HandshakeError> {
        Ok(self.hello.clone())
    }

    fn process_welcome(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        if body.len() > 1 + WELCOME.len() {
            return Err(HandshakeError::protocol(
                code::ZMTP_MALFORMED_COMMAND_WELCOME,
                "WELCOME with data",
            ));
        }
        Ok(())
    }

    fn initiate(&mut self) -> Result<Bytes, HandshakeError> {
        Ok(self.initiate.clone())
    }

    fn process_ready(&mut self, body: &Bytes) -> Result<(Properties, Cleartext), HandshakeError> {
        let data = body.slice(1 + command::READY.len()..);
        let peer = parse_peer_properties(self.socket_type, &data).map_err(|_| {
            HandshakeError::protocol(code::ZMTP_INVALID_METADATA, "bad READY metadata")
        })?;
        Ok((peer, Cleartext))
    }
}

/// The server side of PLAIN, as the handshake drives it: every HELLO goes
/// to the ZAP handler.
pub type PlainServer = ServerHandshake<PlainServerSteps>;

impl PlainServer {
    /// `properties` is what READY announces; `zap` says whether a ZAP
    /// handler is there to ask (without one every client is refused).
    pub fn new(socket_type: i32, properties: &Properties, zap: bool) -> PlainServer {
        let steps = PlainServerSteps {
            socket_type,
            ready: Command::Ready(properties.clone()).to_bytes(),
            credentials: Vec::new(),
        };
        ServerHandshake::with_steps(steps, zap)
    }
}

/// What a PLAIN server keeps: its READY, and HELLO's credentials until
/// the ZAP request takes them.
#[derive(Debug)]
pub struct PlainServerSteps {
    socket_type: i32,
    ready: Bytes,
    credentials: Vec<Bytes>,
}

impl ServerSteps for PlainServerSteps {
    const NAME: MechanismName = MechanismName::PLAIN;
    const ZAP_BEFORE: Reply = Reply::Welcome;
    const OUT_OF_TURN: &'static str = "command out of turn in PLAIN handshake";
    type Messages = Cleartext;

    fn without_zap() -> Option<HandshakeError> {
        Some(HandshakeError {
            error: Error::Fault,
            event: Some(FailureEvent::NoDetail(libc::EFAULT)),
            reason: "PLAIN server without a ZAP handler",
        })
    }

    fn process_hello(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        check_command_structure(body)?;
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        if &name[..] != HELLO {
            return Err(unexpected());
        }
        let malformed =
            || HandshakeError::protocol(code::ZMTP_MALFORMED_COMMAND_HELLO, "malformed HELLO");
        let user_len = *data.first().ok_or_else(malformed)? as usize;
        let username = data.get(1..1 + user_len).ok_or_else(malformed)?;
        let at = 1 + user_len;
        let pass_len = *data.get(at).ok_or_else(malformed)? as usize;
        // The password must end the command exactly.
        if data.len() != at + 1 + pass_len {
            return Err(malformed());
        }
        self.credentials = vec![
            data.slice_ref(username),
            data.slice(at + 1..at + 1 + pass_len),
        ];
        Ok(())
    }

    fn welcome(&mut self) -> Result<Bytes, HandshakeError> {
        Ok(body(WELCOME, &[]))
    }

    fn process_initiate(&mut self, body: &Bytes) -> Result<Properties, HandshakeError> {
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        if &name[..] != INITIATE {
            return Err(unexpected());
        }
        // libzmq raises no event for bad INITIATE metadata.
        parse_peer_properties(self.socket_type, &data)
            .map_err(|e| HandshakeError::silent(e, "bad INITIATE metadata"))
    }

    fn ready(&mut self) -> Result<(Bytes, Cleartext), HandshakeError> {
        Ok((self.ready.clone(), Cleartext))
    }

    fn zap_credentials(&mut self) -> Vec<Bytes> {
        std::mem::take(&mut self.credentials)
    }

    fn refusal(error: Bytes) -> Bytes {
        libzmq_error(&error)
    }
}
