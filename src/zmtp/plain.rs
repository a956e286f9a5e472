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

use super::command::{self, Command, Properties};
use super::greeting::MechanismName;
use super::mechanism::{check_command_structure, parse_peer_properties, peer_error};
use super::mechanism::{Mechanism, MechanismStatus, ZapGrant, ZapReply, ZapRequest};
use super::protocol_error as code;
use super::{FailureEvent, HandshakeError};
use crate::error::Error;

const HELLO: &[u8] = b"HELLO";
const WELCOME: &[u8] = b"WELCOME";
const INITIATE: &[u8] = b"INITIATE";

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    AwaitWelcome,
    SendInitiate,
    AwaitReady,
    Ready,
}

/// The client side of PLAIN.
#[derive(Debug)]
pub struct PlainClient {
    socket_type: i32,
    hello: Bytes,
    initiate: Bytes,
    state: ClientState,
    failure: Option<HandshakeError>,
    peer: Properties,
    /// Always empty: a client never asks a ZAP handler.
    no_zap: Properties,
}

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
        Ok(PlainClient {
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
            state: ClientState::SendHello,
            failure: None,
            peer: Properties::new(),
            no_zap: Properties::new(),
        })
    }

    fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.failure = Some(e);
        e
    }

    fn process(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        if let Some(data) = body.strip_prefix(LIBZMQ_ERROR) {
            if matches!(
                self.state,
                ClientState::AwaitWelcome | ClientState::AwaitReady
            ) {
                return Err(peer_error(&body.slice_ref(data)));
            }
        }
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        match (&name[..], self.state) {
            (WELCOME, ClientState::AwaitWelcome) => {
                if !data.is_empty() {
                    return Err(HandshakeError::protocol(
                        code::ZMTP_MALFORMED_COMMAND_WELCOME,
                        "WELCOME with data",
                    ));
                }
                self.state = ClientState::SendInitiate;
                Ok(())
            }
            (command::READY, ClientState::AwaitReady) => {
                self.peer = parse_peer_properties(self.socket_type, &data).map_err(|_| {
                    HandshakeError::protocol(code::ZMTP_INVALID_METADATA, "bad READY metadata")
                })?;
                self.state = ClientState::Ready;
                Ok(())
            }
            (command::ERROR, ClientState::AwaitWelcome | ClientState::AwaitReady) => {
                Err(peer_error(&data))
            }
            _ => Err(unexpected()),
        }
    }
}

impl Mechanism for PlainClient {
    fn name(&self) -> MechanismName {
        MechanismName::PLAIN
    }

    fn next_handshake_command(&mut self) -> Result<Option<Bytes>, HandshakeError> {
        if self.failure.is_some() {
            return Ok(None);
        }
        Ok(match self.state {
            ClientState::SendHello => {
                self.state = ClientState::AwaitWelcome;
                Some(self.hello.clone())
            }
            ClientState::SendInitiate => {
                self.state = ClientState::AwaitReady;
                Some(self.initiate.clone())
            }
            _ => None,
        })
    }

    fn process_handshake_command(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        self.process(body).map_err(|e| self.fail(e))
    }

    fn status(&self) -> MechanismStatus {
        match (self.failure, self.state) {
            (Some(e), _) => MechanismStatus::Failed(e),
            (None, ClientState::Ready) => MechanismStatus::Ready,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn zap_properties(&self) -> &Properties {
        &self.no_zap
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    AwaitHello,
    ZapRequestDue,
    AwaitZap,
    SendWelcome,
    AwaitInitiate,
    SendReady,
    Ready,
}

/// The server side of PLAIN: every HELLO goes to the ZAP handler.
#[derive(Debug)]
pub struct PlainServer {
    socket_type: i32,
    ready: Bytes,
    zap: bool,
    state: ServerState,
    credentials: Vec<Bytes>,
    error_due: Option<Bytes>,
    failure: Option<HandshakeError>,
    peer: Properties,
    grant: ZapGrant,
}

impl PlainServer {
    /// `properties` is what READY announces; `zap` says whether a ZAP
    /// handler is there to ask (without one every client is refused).
    pub fn new(socket_type: i32, properties: &Properties, zap: bool) -> PlainServer {
        PlainServer {
            socket_type,
            ready: Command::Ready(properties.clone()).to_bytes(),
            zap,
            state: ServerState::AwaitHello,
            credentials: Vec::new(),
            error_due: None,
            failure: None,
            peer: Properties::new(),
            grant: ZapGrant::default(),
        }
    }

    fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.failure = Some(e);
        e
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
        if !self.zap {
            return Err(HandshakeError {
                error: Error::Fault,
                event: Some(FailureEvent::NoDetail(libc::EFAULT)),
                reason: "PLAIN server without a ZAP handler",
            });
        }
        self.credentials = vec![
            data.slice_ref(username),
            data.slice(at + 1..at + 1 + pass_len),
        ];
        self.state = ServerState::ZapRequestDue;
        Ok(())
    }

    fn process_initiate(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        if &name[..] != INITIATE {
            return Err(unexpected());
        }
        // libzmq raises no event for bad INITIATE metadata.
        self.peer = parse_peer_properties(self.socket_type, &data)
            .map_err(|e| HandshakeError::silent(e, "bad INITIATE metadata"))?;
        self.state = ServerState::SendReady;
        Ok(())
    }
}

impl Mechanism for PlainServer {
    fn name(&self) -> MechanismName {
        MechanismName::PLAIN
    }

    fn next_handshake_command(&mut self) -> Result<Option<Bytes>, HandshakeError> {
        if let Some(error) = self.error_due.take() {
            return Ok(Some(error));
        }
        if self.failure.is_some() {
            return Ok(None);
        }
        Ok(match self.state {
            ServerState::SendWelcome => {
                self.state = ServerState::AwaitInitiate;
                Some(body(WELCOME, &[]))
            }
            ServerState::SendReady => {
                self.state = ServerState::Ready;
                Some(self.ready.clone())
            }
            _ => None,
        })
    }

    fn process_handshake_command(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        let result = match self.state {
            ServerState::AwaitHello => self.process_hello(body),
            ServerState::AwaitInitiate => self.process_initiate(body),
            _ => Err(HandshakeError::protocol(
                code::ZMTP_UNSPECIFIED,
                "command out of turn in PLAIN handshake",
            )),
        };
        result.map_err(|e| self.fail(e))
    }

    fn status(&self) -> MechanismStatus {
        match (self.failure, self.state) {
            (Some(e), _) => MechanismStatus::Failed(e),
            (None, ServerState::Ready) => MechanismStatus::Ready,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.state != ServerState::ZapRequestDue || self.failure.is_some() {
            return None;
        }
        self.state = ServerState::AwaitZap;
        Some(ZapRequest {
            mechanism: MechanismName::PLAIN,
            credentials: std::mem::take(&mut self.credentials),
        })
    }

    fn process_zap_reply(&mut self, reply: ZapReply) -> Result<(), HandshakeError> {
        if self.state != ServerState::AwaitZap || self.failure.is_some() {
            return Err(HandshakeError::silent(
                Error::Fsm,
                "ZAP reply without a request",
            ));
        }
        match self.grant.take(reply).map_err(|e| self.fail(e))? {
            None => self.state = ServerState::SendWelcome,
            Some(r) => {
                self.error_due = r.error.map(|e| libzmq_error(&e));
                self.fail(r.failure);
            }
        }
        Ok(())
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn zap_properties(&self) -> &Properties {
        &self.grant.properties
    }

    fn user_id(&self) -> Option<&Bytes> {
        self.grant.user_id.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::basic_properties;
    use crate::zmtp::{socket_type, FailureEvent};

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    fn client(user: &[u8], pass: &[u8]) -> PlainClient {
        let props = basic_properties(socket_type::DEALER, &b(b"cli"), &[]).unwrap();
        PlainClient::new(socket_type::DEALER, &props, user, pass).unwrap()
    }

    fn server(zap: bool) -> PlainServer {
        let props = basic_properties(socket_type::ROUTER, &Bytes::new(), &[]).unwrap();
        PlainServer::new(socket_type::ROUTER, &props, zap)
    }

    fn reply(status_code: u32, user_id: &'static [u8]) -> ZapReply {
        ZapReply {
            status_code,
            user_id: b(user_id),
            metadata: Properties::new(),
        }
    }

    /// Moves every pending command from `from` into `to`.
    fn pass(from: &mut dyn Mechanism, to: &mut dyn Mechanism) -> Result<usize, HandshakeError> {
        let mut n = 0;
        while let Some(cmd) = from.next_handshake_command()? {
            to.process_handshake_command(&cmd)?;
            n += 1;
        }
        Ok(n)
    }

    fn protocol(e: HandshakeError) -> Option<u32> {
        match e.event {
            Some(FailureEvent::Protocol(c)) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn hello_fixture() {
        let mut c = client(b"admin", b"secret");
        assert_eq!(
            c.next_handshake_command().unwrap().unwrap(),
            b(b"\x05HELLO\x05admin\x06secret")
        );
        assert_eq!(c.next_handshake_command().unwrap(), None);
    }

    #[test]
    fn full_handshake_with_zap() {
        let mut c = client(b"admin", b"secret");
        let mut s = server(true);
        assert_eq!(pass(&mut c, &mut s).unwrap(), 1);
        assert_eq!(
            s.next_handshake_command().unwrap(),
            None,
            "WELCOME waits for ZAP"
        );
        let req = s.zap_request().unwrap();
        assert_eq!(req.mechanism, MechanismName::PLAIN);
        assert_eq!(req.credentials, vec![b(b"admin"), b(b"secret")]);
        assert!(s.zap_request().is_none(), "asked once");
        s.process_zap_reply(reply(200, b"alice")).unwrap();
        assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // WELCOME
        assert_eq!(pass(&mut c, &mut s).unwrap(), 1); // INITIATE
        assert_eq!(
            s.peer_properties().get("Socket-Type").unwrap(),
            &b"DEALER"[..]
        );
        assert_eq!(s.peer_properties().get("Identity").unwrap(), &b"cli"[..]);
        assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // READY
        assert_eq!(s.status(), MechanismStatus::Ready);
        assert_eq!(c.status(), MechanismStatus::Ready);
        assert_eq!(
            c.peer_properties().get("Socket-Type").unwrap(),
            &b"ROUTER"[..]
        );
        assert_eq!(s.user_id().unwrap(), &b"alice"[..]);
        assert_eq!(s.zap_properties().get("User-Id").unwrap(), &b"alice"[..]);
    }

    #[test]
    fn client_accepts_rfc_error_too() {
        let mut c = client(b"admin", b"wrong");
        let mut s = server(true);
        pass(&mut c, &mut s).unwrap();
        let e = c
            .process_handshake_command(&Bytes::from_static(b"\x05ERROR\x03400"))
            .unwrap_err();
        assert_eq!(e.event, Some(FailureEvent::Auth(400)));
    }

    #[test]
    fn zap_refusal_sends_error() {
        for (status, wire) in [
            (400u32, Some(&b"^RROR\x03400"[..])),
            (500, Some(b"^RROR\x03500")),
            (300, None),
        ] {
            let mut c = client(b"admin", b"wrong");
            let mut s = server(true);
            pass(&mut c, &mut s).unwrap();
            s.zap_request().unwrap();
            s.process_zap_reply(reply(status, b"")).unwrap();
            let error = s.next_handshake_command().unwrap();
            assert_eq!(error.as_deref(), wire);
            assert_eq!(s.next_handshake_command().unwrap(), None);
            let MechanismStatus::Failed(e) = s.status() else {
                panic!("server not failed")
            };
            assert_eq!(e.event, Some(FailureEvent::Auth(status)));
            if let Some(error) = error {
                let e = c.process_handshake_command(&error).unwrap_err();
                assert_eq!(e.event, Some(FailureEvent::Auth(status)));
                assert_eq!(c.status(), MechanismStatus::Failed(e));
            }
        }
    }

    #[test]
    fn no_zap_handler_refuses() {
        let mut c = client(b"u", b"p");
        let mut s = server(false);
        let e = pass(&mut c, &mut s).unwrap_err();
        assert_eq!(
            (e.error, e.event),
            (Error::Fault, Some(FailureEvent::NoDetail(libc::EFAULT)))
        );
        assert!(s.zap_request().is_none());
    }

    #[test]
    fn malformed_hellos() {
        let hello = Some(code::ZMTP_MALFORMED_COMMAND_HELLO);
        let cases: &[(&[u8], Option<u32>)] = &[
            (b"\x05HELLO", hello),
            (b"\x05HELLO\x05adm", hello),
            (b"\x05HELLO\x01a", hello),
            (b"\x05HELLO\x01a\x02p", hello),
            (b"\x05HELLO\x01a\x01pX", hello),
            (b"\x05HELLX\x00\x00", Some(code::ZMTP_UNEXPECTED_COMMAND)),
            (b"\x08INITIATE", Some(code::ZMTP_UNEXPECTED_COMMAND)),
            (b"\x05", Some(code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED)),
            (b"", Some(code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED)),
            (b"\x09HELLO", Some(code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED)),
        ];
        for &(wire, expected) in cases {
            let mut s = server(true);
            let e = s
                .process_handshake_command(&Bytes::copy_from_slice(wire))
                .unwrap_err();
            assert_eq!(protocol(e), expected, "{wire:?}");
            assert_eq!(s.status(), MechanismStatus::Failed(e));
            assert!(s.zap_request().is_none());
        }
        // Empty user name and password are well-formed.
        let mut s = server(true);
        s.process_handshake_command(&b(b"\x05HELLO\x00\x00"))
            .unwrap();
        assert_eq!(
            s.zap_request().unwrap().credentials,
            vec![Bytes::new(), Bytes::new()]
        );
    }

    #[test]
    fn server_refuses_out_of_turn_and_bad_metadata() {
        let mut s = server(true);
        s.process_handshake_command(&b(b"\x05HELLO\x00\x00"))
            .unwrap();
        let e = s
            .process_handshake_command(&b(b"\x08INITIATE"))
            .unwrap_err();
        assert_eq!(
            protocol(e),
            Some(code::ZMTP_UNSPECIFIED),
            "before the ZAP reply"
        );

        for (wire, errno) in [
            (
                &b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x04PUSH"[..],
                Error::Inval,
            ),
            (
                b"\x08INITIATE\x0bSocket-Type\x00\x00",
                crate::zmtp::eproto(),
            ),
        ] {
            let mut s = server(true);
            s.process_handshake_command(&b(b"\x05HELLO\x00\x00"))
                .unwrap();
            s.zap_request().unwrap();
            s.process_zap_reply(reply(200, b"")).unwrap();
            s.next_handshake_command().unwrap().unwrap();
            let e = s
                .process_handshake_command(&Bytes::from_static(wire))
                .unwrap_err();
            assert_eq!((e.error, e.event), (errno, None));
        }
    }

    #[test]
    fn client_failures() {
        let unexpected = Some(code::ZMTP_UNEXPECTED_COMMAND);
        // (commands before, failing command, expected code)
        type Case<'a> = (&'a [&'a [u8]], &'a [u8], Option<u32>);
        let cases: &[Case] = &[
            (&[], b"\x05READY", unexpected),
            (
                &[],
                b"\x07WELCOMEx",
                Some(code::ZMTP_MALFORMED_COMMAND_WELCOME),
            ),
            (&[], b"\x05HELLO", unexpected),
            (&[], b"", unexpected),
            (&[b"\x07WELCOME"], b"\x07WELCOME", unexpected),
            (
                &[b"\x07WELCOME"],
                b"\x05READY\x02a:\x00\x00\x00\x00",
                Some(code::ZMTP_INVALID_METADATA),
            ),
            (
                &[b"\x07WELCOME"],
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB",
                Some(code::ZMTP_INVALID_METADATA),
            ),
            (&[], b"\x05ERROR", Some(code::ZMTP_MALFORMED_COMMAND_ERROR)),
            (
                &[b"\x07WELCOME"],
                b"\x05ERROR\x04ab",
                Some(code::ZMTP_MALFORMED_COMMAND_ERROR),
            ),
        ];
        for &(before, wire, expected) in cases {
            let mut c = client(b"u", b"p");
            c.next_handshake_command().unwrap();
            for cmd in before {
                c.process_handshake_command(&Bytes::copy_from_slice(cmd))
                    .unwrap();
                c.next_handshake_command().unwrap();
            }
            let e = c
                .process_handshake_command(&Bytes::copy_from_slice(wire))
                .unwrap_err();
            assert_eq!(protocol(e), expected, "{wire:?}");
            assert_eq!(c.status(), MechanismStatus::Failed(e));
        }
        assert!(
            PlainClient::new(socket_type::DEALER, &Properties::new(), &[b'u'; 256], b"").is_err()
        );
    }
}
