//! Scenario tests of PLAIN: both sides in memory, the ZAP verdicts, and
//! malformed commands on either side.

use super::*;
use crate::zmtp::mechanism::testing::{pass, protocol, zap_request_due};
use crate::zmtp::mechanism::{basic_properties, Mechanism, MechanismStatus, ZapReply};
use crate::zmtp::socket_type;

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
    let req = zap_request_due(&mut s, "WELCOME");
    assert_eq!(req.mechanism, MechanismName::PLAIN);
    assert_eq!(req.credentials, vec![b(b"admin"), b(b"secret")]);
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
    assert!(PlainClient::new(socket_type::DEALER, &Properties::new(), &[b'u'; 256], b"").is_err());
}
