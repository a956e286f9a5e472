//! Scenario tests of GSSAPI with a scripted security context (no Kerberos):
//! the command sequence libzmq uses, wrapping, ZAP, plaintext, and the
//! malformed commands of either side.

use super::*;
use crate::zmtp::mechanism::testing::{pass, protocol, zap_request_due};
use crate::zmtp::mechanism::{basic_properties, MechanismStatus};
use crate::zmtp::socket_type;

fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

/// A context that plays Kerberos's mutual exchange: the client's first
/// token `C1`, the server's answer `S1` (complete), the client complete
/// with nothing more to send. Wrapping is `W` + the bytes reversed.
#[derive(Debug)]
struct Scripted {
    initiator: bool,
    steps: u32,
    /// Step number that fails.
    fail_at: Option<u32>,
}

impl Scripted {
    fn boxed(initiator: bool) -> Box<Scripted> {
        Box::new(Scripted {
            initiator,
            steps: 0,
            fail_at: None,
        })
    }
}

impl SecurityContext for Scripted {
    fn step(&mut self, token: Option<&[u8]>) -> std::result::Result<ContextStep, ContextFailed> {
        self.steps += 1;
        if self.fail_at == Some(self.steps) {
            return Err(ContextFailed);
        }
        let (token, complete) = match (self.initiator, self.steps, token) {
            (true, 1, None) => (b"C1".to_vec(), false),
            (true, 2, Some(b"S1")) => (Vec::new(), true),
            (false, 1, Some(b"C1")) => (b"S1".to_vec(), true),
            _ => return Err(ContextFailed),
        };
        Ok(ContextStep { token, complete })
    }

    fn wrap(&mut self, plain: &[u8]) -> std::result::Result<Vec<u8>, ContextFailed> {
        let mut out = vec![b'W'];
        out.extend(plain.iter().rev());
        Ok(out)
    }

    fn unwrap(&mut self, token: &[u8]) -> std::result::Result<Vec<u8>, ContextFailed> {
        match token.split_first() {
            Some((b'W', rest)) => Ok(rest.iter().rev().copied().collect()),
            _ => Err(ContextFailed),
        }
    }

    fn peer_name(&self) -> Option<Bytes> {
        (!self.initiator && self.steps > 0).then(|| b(b"zmqclient@TEST.REALM"))
    }
}

fn client(plaintext: bool) -> GssapiClient {
    let props = basic_properties(socket_type::REQ, &Bytes::new(), &[]).unwrap();
    GssapiClient::new(socket_type::REQ, &props, Scripted::boxed(true), plaintext)
}

fn server(plaintext: bool, zap: bool) -> GssapiServer {
    let props = basic_properties(socket_type::REP, &Bytes::new(), &[]).unwrap();
    GssapiServer::new(
        socket_type::REP,
        &props,
        Scripted::boxed(false),
        plaintext,
        zap,
    )
}

fn wrapped(flags: u8, payload: &[u8]) -> Bytes {
    let mut token = vec![b'W'];
    let mut plain = vec![flags];
    plain.extend_from_slice(payload);
    token.extend(plain.iter().rev());
    token_command(MESSAGE, &token)
}

fn reply(status_code: u32) -> ZapReply {
    ZapReply {
        status_code,
        user_id: b(b"alice"),
        metadata: Properties::new(),
    }
}

/// Both sides up to the server's READY (ZAP answered with 200 when asked).
fn connected(plaintext: bool, zap: bool) -> (GssapiClient, GssapiServer) {
    let mut c = client(plaintext);
    let mut s = server(plaintext, zap);
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1);
    assert_eq!(pass(&mut s, &mut c).unwrap(), 1);
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1);
    if zap {
        zap_request_due(&mut s, "READY");
        s.process_zap_reply(reply(200)).unwrap();
    }
    assert_eq!(pass(&mut s, &mut c).unwrap(), 1);
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1);
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(s.status(), MechanismStatus::Ready);
    (c, s)
}

#[test]
fn the_commands_libzmq_sends() {
    let mut c = client(false);
    let mut s = server(false, false);
    let initiate = c.next_handshake_command().unwrap().unwrap();
    assert_eq!(initiate, b(b"\x08INITIATE\x00\x00\x00\x02C1"));
    assert_eq!(c.next_handshake_command().unwrap(), None);
    s.process_handshake_command(&initiate).unwrap();
    let answer = s.next_handshake_command().unwrap().unwrap();
    assert_eq!(answer, b(b"\x08INITIATE\x00\x00\x00\x02S1"));
    assert_eq!(s.next_handshake_command().unwrap(), None, "READY waits");
    c.process_handshake_command(&answer).unwrap();
    // The client's context is complete with no token: an empty command.
    let done = c.next_handshake_command().unwrap().unwrap();
    assert!(done.is_empty());
    s.process_handshake_command(&done).unwrap();
    let ready = s.next_handshake_command().unwrap().unwrap();
    assert_eq!(
        ready,
        wrapped(2, b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP")
    );
    assert_eq!(s.status(), MechanismStatus::Handshaking);
    c.process_handshake_command(&ready).unwrap();
    let client_ready = c.next_handshake_command().unwrap().unwrap();
    assert_eq!(
        client_ready,
        wrapped(
            2,
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x00"
        )
    );
    assert_eq!(c.status(), MechanismStatus::Ready);
    s.process_handshake_command(&client_ready).unwrap();
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert_eq!(c.peer_properties().get("Socket-Type").unwrap(), &b"REP"[..]);
    assert_eq!(s.peer_properties().get("Socket-Type").unwrap(), &b"REQ"[..]);
    assert!(c.transforms() && s.transforms());
}

#[test]
fn plaintext_ready_in_the_clear_and_no_transform() {
    let mut c = client(true);
    let mut s = server(true, false);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    let ready = s.next_handshake_command().unwrap().unwrap();
    assert_eq!(ready, b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"));
    c.process_handshake_command(&ready).unwrap();
    pass(&mut c, &mut s).unwrap();
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert!(!c.transforms() && !s.transforms());
}

#[test]
fn messages_are_wrapped_with_their_flags() {
    let (mut c, mut s) = connected(false, false);
    let mut m = Msg::from_slice(b"hello");
    m.set_more(true);
    let out = c.encode(m).unwrap();
    assert_eq!(out.data(), &wrapped(1, b"hello")[..]);
    assert!(!out.more() && !out.is_command(), "flags travel inside");
    let back = s.decode(out).unwrap();
    assert_eq!(back.data(), b"hello");
    assert!(back.more());

    let big = vec![7u8; 5000];
    let back = c.decode(s.encode(Msg::from_slice(&big)).unwrap()).unwrap();
    assert_eq!(back.data(), &big[..]);
    assert!(!back.more());

    let mut ping = Msg::from_slice(b"\x04PING\x00\x0a");
    ping.set_flags(flags::COMMAND);
    let back = s.decode(c.encode(ping).unwrap()).unwrap();
    assert!(back.is_command());
    assert_eq!(back.data(), b"\x04PING\x00\x0a");
}

#[test]
fn a_marked_subscription_becomes_the_command() {
    let (_, mut s) = connected(false, false);
    let sub = s
        .decode(Msg::from_bytes(wrapped(WRAP_SUBSCRIBE, b"topic")))
        .unwrap();
    assert!(sub.is_command());
    assert_eq!(sub.data(), b"\x09SUBSCRIBEtopic");
    let cancel = s
        .decode(Msg::from_bytes(wrapped(WRAP_CANCEL, b"t")))
        .unwrap();
    assert_eq!(cancel.data(), b"\x06CANCELt");
    assert!(s
        .decode(Msg::from_bytes(wrapped(WRAP_SUBSCRIBE | WRAP_CANCEL, b"t")))
        .is_err());
}

#[test]
fn bad_messages_after_the_handshake() {
    let (mut c, _) = connected(false, false);
    let mut trailing = wrapped(0, b"x").to_vec();
    trailing.push(0);
    for bad in [
        Bytes::from(trailing),
        b(b"\x07MESSAGE\x00\x00\x00\x05X"),
        b(b"\x07MESSAGE\x00\x00\x00\x01X"),
        b(b"\x07MESSAGE\x00\x00"),
        b(b"plain data"),
        wrapped(0, b"").slice(..12),
    ] {
        assert_eq!(
            c.decode(Msg::from_bytes(bad.clone())).unwrap_err(),
            eproto(),
            "{bad:?}"
        );
    }
}

#[test]
fn zap_asks_with_the_client_name() {
    let mut c = client(false);
    let mut s = server(false, true);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    let req = zap_request_due(&mut s, "READY");
    assert_eq!(req.mechanism, MechanismName::GSSAPI);
    assert_eq!(req.credentials, vec![b(b"zmqclient@TEST.REALM")]);
    s.process_zap_reply(reply(200)).unwrap();
    assert_eq!(pass(&mut s, &mut c).unwrap(), 1);
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1);
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert_eq!(s.user_id().unwrap(), &b"alice"[..]);
    assert_eq!(s.zap_properties().get("User-Id").unwrap(), &b"alice"[..]);
}

#[test]
fn zap_refusal_sends_nothing() {
    for status in [300, 400, 500] {
        let mut c = client(false);
        let mut s = server(false, true);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        pass(&mut c, &mut s).unwrap();
        zap_request_due(&mut s, "READY");
        s.process_zap_reply(reply(status)).unwrap();
        assert_eq!(s.next_handshake_command().unwrap(), None, "no ERROR");
        match s.status() {
            MechanismStatus::Failed(e) => {
                assert_eq!(e.event, Some(FailureEvent::Auth(status)))
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn context_failures_fail_the_handshake() {
    // The client's first step (no ticket for the service).
    let props = basic_properties(socket_type::REQ, &Bytes::new(), &[]).unwrap();
    let mut ctx = Scripted::boxed(true);
    ctx.fail_at = Some(1);
    let mut c = GssapiClient::new(socket_type::REQ, &props, ctx, false);
    let e = c.next_handshake_command().unwrap_err();
    assert_eq!(e.event, Some(FailureEvent::NoDetail(libc::EACCES)));
    assert!(matches!(c.status(), MechanismStatus::Failed(_)));

    // The server refuses the client's token.
    let mut s = server(false, false);
    let e = s
        .process_handshake_command(&token_command(INITIATE, b"C9"))
        .unwrap_err();
    assert_eq!(e.event, Some(FailureEvent::NoDetail(libc::EACCES)));
    assert_eq!(s.next_handshake_command().unwrap(), None, "no answer");
}

#[test]
fn malformed_and_unexpected_commands() {
    let mut s = server(false, false);
    let e = s
        .process_handshake_command(&b(b"\x08INITIATE\x00\x00\x00\x03C1"))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_MALFORMED_COMMAND_INITIATE));
    let mut s = server(false, false);
    let e = s
        .process_handshake_command(&b(b"\x08INITIATE\x00\x00"))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_MALFORMED_COMMAND_INITIATE));
    let mut s = server(false, false);
    let e = s.process_handshake_command(&b(b"\x05HELLO")).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_UNEXPECTED_COMMAND));
    let mut s = server(false, false);
    let e = s.process_handshake_command(&Bytes::new()).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_UNEXPECTED_COMMAND));

    // A client sent READY in the clear to a wrapping server.
    let mut c = client(false);
    let mut s = server(false, false);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    let e = s
        .process_handshake_command(&b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ"))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_UNEXPECTED_COMMAND));

    // A READY that does not unwrap, and an incompatible socket type.
    let mut c = client(false);
    let mut s = server(false, false);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    let e = c
        .process_handshake_command(&token_command(MESSAGE, b"Xjunk"))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
    let mut c = client(false);
    pass(&mut c, &mut server(false, false)).unwrap();
    c.process_handshake_command(&token_command(INITIATE, b"S1"))
        .unwrap();
    c.next_handshake_command().unwrap();
    let e = c
        .process_handshake_command(&wrapped(2, b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_INVALID_METADATA));
}

#[test]
fn wrapped_client_against_a_plaintext_server() {
    let mut c = client(false);
    let mut s = server(true, false);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    let e = pass(&mut s, &mut c).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_UNEXPECTED_COMMAND));
}

#[test]
fn traffic_before_ready_is_out_of_turn() {
    let mut c = client(false);
    assert_eq!(c.encode(Msg::from_slice(b"x")).unwrap_err(), Error::Fsm);
    let mut s = server(false, false);
    assert_eq!(s.decode(Msg::from_slice(b"x")).unwrap_err(), Error::Fsm);
}
