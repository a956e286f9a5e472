//! Scenario tests of CURVE: the two sides in memory, byte layouts, and
//! every way a command or message can be spoiled.

use bytes::Bytes;

use super::*;
use crate::error::Error;
use crate::msg::{flags, Msg};
use crate::zmtp::command::Properties;
use crate::zmtp::eproto;
use crate::zmtp::greeting::MechanismName;
use crate::zmtp::mechanism::basic_properties;
use crate::zmtp::mechanism::testing::{pass, protocol, zap_request_due};
use crate::zmtp::mechanism::{Mechanism, MechanismStatus, MessageTransform, ZapReply};
use crate::zmtp::protocol_error as code;
use crate::zmtp::{socket_type, FailureEvent};

/// The test keys of zmq_curve(7).
const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

fn key(z85: &[u8]) -> [u8; KEY_LEN] {
    crate::z85::decode(z85).unwrap().try_into().unwrap()
}

fn client_keys() -> CurveKeys {
    CurveKeys {
        public: key(CLIENT_PUBLIC),
        secret: key(CLIENT_SECRET),
        server: key(SERVER_PUBLIC),
    }
}

fn client_with(keys: &CurveKeys) -> CurveClient {
    let props = basic_properties(socket_type::DEALER, &Bytes::from_static(b"cli"), &[]).unwrap();
    CurveClient::new(socket_type::DEALER, &props, keys)
}

fn server(zap: bool) -> CurveServer {
    let props = basic_properties(socket_type::ROUTER, &Bytes::new(), &[]).unwrap();
    CurveServer::new(socket_type::ROUTER, &props, &key(SERVER_SECRET), zap)
}

/// Runs a whole handshake without ZAP.
fn established() -> (CurveClient, CurveServer) {
    let mut c = client_with(&client_keys());
    let mut s = server(false);
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1); // HELLO
    assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // WELCOME
    assert_eq!(pass(&mut c, &mut s).unwrap(), 1); // INITIATE
    assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // READY
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(s.status(), MechanismStatus::Ready);
    (c, s)
}

fn msg(data: &[u8], msg_flags: u8) -> Msg {
    let mut m = Msg::from_slice(data);
    m.set_flags(msg_flags);
    m
}

fn body(m: &mut dyn Mechanism) -> Bytes {
    m.next_handshake_command().unwrap().unwrap()
}

fn flip(b: &Bytes, at: usize) -> Bytes {
    let mut v = b.to_vec();
    v[at] ^= 0x01;
    Bytes::from(v)
}

#[test]
fn derives_the_documented_public_keys() {
    assert_eq!(public_key(&key(CLIENT_SECRET)), key(CLIENT_PUBLIC));
    assert_eq!(public_key(&key(SERVER_SECRET)), key(SERVER_PUBLIC));
    let (public, secret) = keypair();
    assert_eq!(public_key(&secret), public);
    assert_ne!(keypair().1, secret, "fresh randomness");
}

#[test]
fn command_layouts() {
    let mut c = client_with(&client_keys());
    let mut s = server(false);
    let hello = body(&mut c);
    assert_eq!(hello.len(), 200);
    assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
    assert!(hello[8..80].iter().all(|&b| b == 0), "72 bytes of padding");
    assert_eq!(
        &hello[112..120],
        &1u64.to_be_bytes(),
        "first short nonce is 1"
    );
    s.process_handshake_command(&hello).unwrap();
    let welcome = body(&mut s);
    assert_eq!(welcome.len(), 168);
    assert!(welcome.starts_with(b"\x07WELCOME"));
    c.process_handshake_command(&welcome).unwrap();
    let initiate = body(&mut c);
    assert!(initiate.starts_with(b"\x08INITIATE"));
    assert_eq!(&initiate[105..113], &2u64.to_be_bytes());
    let meta_len = c.steps().metadata.len();
    assert_eq!(initiate.len(), 257 + meta_len);
    s.process_handshake_command(&initiate).unwrap();
    let ready = body(&mut s);
    assert!(ready.starts_with(b"\x05READY"));
    assert_eq!(&ready[6..14], &1u64.to_be_bytes());
    assert_eq!(ready.len(), 14 + 16 + s.steps().metadata.len());
    c.process_handshake_command(&ready).unwrap();
    assert_eq!(
        s.peer_properties().get("Socket-Type").unwrap(),
        &b"DEALER"[..]
    );
    assert_eq!(s.peer_properties().get("Identity").unwrap(), &b"cli"[..]);
    assert_eq!(
        c.peer_properties().get("Socket-Type").unwrap(),
        &b"ROUTER"[..]
    );
    assert!(s.user_id().is_none(), "no ZAP, no user id");
}

#[test]
fn messages_both_ways() {
    let (mut c, mut s) = established();
    let boxed = c.encode(msg(b"hello", flags::MORE)).unwrap();
    assert_eq!(boxed.flags(), 0, "the outer frame carries no flags");
    assert!(boxed.data().starts_with(b"\x07MESSAGE"));
    assert_eq!(
        &boxed.data()[8..16],
        &3u64.to_be_bytes(),
        "after HELLO and INITIATE"
    );
    assert_eq!(boxed.size(), 16 + 16 + 1 + 5);
    let plain = s.decode(boxed).unwrap();
    assert_eq!(plain.data(), b"hello");
    assert!(plain.more() && !plain.is_command());

    let big = vec![0xA5u8; 5000];
    let back = c
        .decode(s.encode(msg(&big, flags::COMMAND)).unwrap())
        .unwrap();
    assert_eq!(back.data(), &big[..]);
    assert!(back.is_command() && !back.more());
    let empty = s.decode(c.encode(msg(b"", 0)).unwrap()).unwrap();
    assert_eq!((empty.size(), empty.flags()), (0, 0));
}

#[test]
fn replayed_reordered_and_tampered_messages_are_refused() {
    let (mut c, mut s) = established();
    let first = c.encode(msg(b"one", 0)).unwrap();
    let second = c.encode(msg(b"two", 0)).unwrap();
    let copy = Msg::from_slice(first.data());
    s.decode(first).unwrap();
    assert_eq!(s.decode(copy).unwrap_err(), eproto(), "replay");
    let third = c.encode(msg(b"three", 0)).unwrap();
    s.decode(third).unwrap();
    assert_eq!(s.decode(second).unwrap_err(), eproto(), "out of order");

    let good = c.encode(msg(b"four", 0)).unwrap();
    for at in [0, 8, 15, 16, 31, 32, good.size() - 1] {
        let bad = Msg::from_bytes(flip(&good.to_bytes(), at));
        assert_eq!(s.decode(bad).unwrap_err(), eproto(), "bit {at}");
    }
    // The untouched one still opens: failures do not move the nonce.
    assert_eq!(s.decode(good).unwrap().data(), b"four");
    for short in [&b""[..], b"\x07MESSAGE", &[0u8; 32]] {
        assert_eq!(s.decode(Msg::from_slice(short)).unwrap_err(), eproto());
    }
    // A server's own message does not open as a client's.
    let mirrored = s.encode(msg(b"x", 0)).unwrap();
    assert_eq!(s.decode(mirrored).unwrap_err(), eproto());
}

#[test]
fn encode_before_ready_is_refused() {
    let mut c = client_with(&client_keys());
    assert_eq!(c.encode(msg(b"x", 0)).unwrap_err(), Error::Fsm);
    let mut s = server(false);
    assert_eq!(s.decode(msg(b"x", 0)).unwrap_err(), Error::Fsm);
}

#[test]
fn wrong_server_key_fails_at_hello() {
    let mut keys = client_keys();
    keys.server = keypair().0;
    let mut c = client_with(&keys);
    let mut s = server(false);
    let e = pass(&mut c, &mut s).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
    assert_eq!(s.status(), MechanismStatus::Failed(e));
    assert_eq!(s.next_handshake_command().unwrap(), None, "no WELCOME");
}

#[test]
fn low_order_keys_are_refused() {
    let mut keys = client_keys();
    keys.server = [0; KEY_LEN];
    let mut c = client_with(&keys);
    let e = c.next_handshake_command().unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));

    // A HELLO whose C' is a low-order point, with a "box" made from
    // the all-zero shared secret an attacker can compute.
    let mut s = server(false);
    let mut hello = body(&mut client_with(&client_keys())).to_vec();
    hello[80..112].copy_from_slice(&[0; KEY_LEN]);
    let e = s
        .process_handshake_command(&Bytes::from(hello))
        .unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
}

#[test]
fn server_refuses_bad_hellos() {
    let hello = body(&mut client_with(&client_keys()));
    let mut wrong_version = hello.to_vec();
    wrong_version[7] = 1;
    let mut long = hello.to_vec();
    long.push(0);
    let cases: Vec<(Bytes, u32)> = vec![
        (flip(&hello, 150), code::ZMTP_CRYPTOGRAPHIC),
        (flip(&hello, 115), code::ZMTP_CRYPTOGRAPHIC),
        (flip(&hello, 90), code::ZMTP_CRYPTOGRAPHIC),
        (hello.slice(..199), code::ZMTP_MALFORMED_COMMAND_HELLO),
        (Bytes::from(long), code::ZMTP_MALFORMED_COMMAND_HELLO),
        (
            Bytes::from(wrong_version),
            code::ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            Bytes::from_static(b"\x05HELLO"),
            code::ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            Bytes::from_static(b"\x06HELLO"),
            code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            Bytes::from_static(b"\x05HELL"),
            code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            Bytes::from_static(b"\x05READY\x00"),
            code::ZMTP_UNEXPECTED_COMMAND,
        ),
        (Bytes::new(), code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
    ];
    for (wire, expected) in cases {
        let mut s = server(false);
        let e = s.process_handshake_command(&wire).unwrap_err();
        assert_eq!(
            protocol(e),
            Some(expected),
            "{:?}",
            &wire[..wire.len().min(12)]
        );
    }
}

#[test]
fn client_refuses_bad_welcomes_and_readys() {
    let mut c = client_with(&client_keys());
    let mut s = server(false);
    pass(&mut c, &mut s).unwrap();
    let welcome = body(&mut s);
    for bad in [
        flip(&welcome, 10),
        flip(&welcome, 100),
        welcome.slice(..167),
    ] {
        let mut c2 = client_with(&client_keys());
        c2.next_handshake_command().unwrap();
        let e = c2.process_handshake_command(&bad).unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
    }
    // Our WELCOME does not open for another client's transient key.
    let mut other = client_with(&client_keys());
    other.next_handshake_command().unwrap();
    let e = other.process_handshake_command(&welcome).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));

    // A client awaiting READY, and the server's READY.
    let awaiting_ready = || {
        let mut c = client_with(&client_keys());
        let mut s = server(false);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        pass(&mut c, &mut s).unwrap();
        let ready = body(&mut s);
        (c, ready)
    };
    type Spoil = fn(&Bytes) -> Bytes;
    let cases: &[(Spoil, u32)] = &[
        (|r| flip(r, 20), code::ZMTP_CRYPTOGRAPHIC),
        (|r| flip(r, 8), code::ZMTP_CRYPTOGRAPHIC),
        (|r| r.slice(..29), code::ZMTP_MALFORMED_COMMAND_READY),
        (
            |_| Bytes::from_static(b"\x07WELCOME"),
            code::ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            |_| Bytes::from_static(b"\x05HELLO"),
            code::ZMTP_UNEXPECTED_COMMAND,
        ),
    ];
    for &(spoil, expected) in cases {
        let (mut c, ready) = awaiting_ready();
        let e = c.process_handshake_command(&spoil(&ready)).unwrap_err();
        assert_eq!(protocol(e), Some(expected));
    }
    let (mut c, ready) = awaiting_ready();
    c.process_handshake_command(&ready).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
}

#[test]
fn server_refuses_bad_initiates() {
    // (how to spoil the INITIATE, expected code)
    type Spoil = fn(&mut Vec<u8>);
    let cases: &[(Spoil, u32)] = &[
        (|v| v[30] ^= 1, code::ZMTP_CRYPTOGRAPHIC),  // cookie box
        (|v| v[12] ^= 1, code::ZMTP_CRYPTOGRAPHIC),  // cookie nonce
        (|v| v[108] ^= 1, code::ZMTP_CRYPTOGRAPHIC), // short nonce
        (|v| v[200] ^= 1, code::ZMTP_CRYPTOGRAPHIC), // initiate box
        (|v| v.truncate(256), code::ZMTP_MALFORMED_COMMAND_INITIATE),
        (|v| v[1] = b'X', code::ZMTP_UNEXPECTED_COMMAND),
    ];
    for &(spoil, expected) in cases {
        let mut c = client_with(&client_keys());
        let mut s = server(false);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        let mut initiate = body(&mut c).to_vec();
        spoil(&mut initiate);
        let e = s
            .process_handshake_command(&Bytes::from(initiate))
            .unwrap_err();
        assert_eq!(protocol(e), Some(expected));
        assert_eq!(s.next_handshake_command().unwrap(), None, "no READY");
    }
}

#[test]
fn cookie_of_another_connection_is_refused() {
    let mut c1 = client_with(&client_keys());
    let mut s1 = server(false);
    pass(&mut c1, &mut s1).unwrap();
    pass(&mut s1, &mut c1).unwrap();
    let initiate = body(&mut c1);
    // A second connection to the same server key never saw this cookie.
    let mut c2 = client_with(&client_keys());
    let mut s2 = server(false);
    pass(&mut c2, &mut s2).unwrap();
    pass(&mut s2, &mut c2).unwrap();
    let e = s2.process_handshake_command(&initiate).unwrap_err();
    assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
}

#[test]
fn client_claiming_a_key_it_lacks_is_refused() {
    let mut keys = client_keys();
    keys.public = keypair().0; // not the public key of keys.secret
    let mut c = client_with(&keys);
    let mut s = server(true);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    let e = pass(&mut c, &mut s).unwrap_err();
    assert_eq!(
        protocol(e),
        Some(code::ZMTP_CRYPTOGRAPHIC),
        "vouch does not open"
    );
    assert!(s.zap_request().is_none());
}

#[test]
fn zap_sees_the_client_key() {
    let mut c = client_with(&client_keys());
    let mut s = server(true);
    pass(&mut c, &mut s).unwrap();
    pass(&mut s, &mut c).unwrap();
    pass(&mut c, &mut s).unwrap();
    let req = zap_request_due(&mut s, "READY");
    assert_eq!(req.mechanism, MechanismName::CURVE);
    assert_eq!(
        req.credentials,
        vec![Bytes::copy_from_slice(&key(CLIENT_PUBLIC))]
    );
    let mut meta = Properties::new();
    meta.push("X-Role", Bytes::from_static(b"admin")).unwrap();
    s.process_zap_reply(ZapReply {
        status_code: 200,
        user_id: Bytes::from_static(b"alice"),
        metadata: meta,
    })
    .unwrap();
    pass(&mut s, &mut c).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert_eq!(s.user_id().unwrap(), &b"alice"[..]);
    assert_eq!(s.zap_properties().get("X-Role").unwrap(), &b"admin"[..]);
    let m = s.decode(c.encode(msg(b"hi", 0)).unwrap()).unwrap();
    assert_eq!(m.data(), b"hi");
}

#[test]
fn zap_refusal_sends_error() {
    for (status, wire) in [(400u32, Some(&b"\x05ERROR\x03400"[..])), (300, None)] {
        let mut c = client_with(&client_keys());
        let mut s = server(true);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        pass(&mut c, &mut s).unwrap();
        s.zap_request().unwrap();
        s.process_zap_reply(ZapReply {
            status_code: status,
            user_id: Bytes::new(),
            metadata: Properties::new(),
        })
        .unwrap();
        let error = s.next_handshake_command().unwrap();
        assert_eq!(error.as_deref(), wire);
        assert_eq!(s.next_handshake_command().unwrap(), None, "no READY");
        if let Some(error) = error {
            let e = c.process_handshake_command(&error).unwrap_err();
            assert_eq!(e.event, Some(FailureEvent::Auth(status)));
        }
    }
}

#[test]
fn hostile_bytes_never_panic() {
    // A small deterministic generator: no randomness needed to cover
    // lengths around every boundary.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut c, mut s) = established();
    let lengths = (0..12)
        .chain(28..36)
        .chain(165..171)
        .chain(198..203)
        .chain(255..260);
    for len in lengths {
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        for prefix in [
            &b"\x05HELLO"[..],
            b"\x08INITIATE",
            b"\x07WELCOME",
            b"\x05READY",
            b"\x05ERROR",
        ] {
            if data.len() >= prefix.len() {
                data[..prefix.len()].copy_from_slice(prefix);
            }
            let wire = Bytes::from(data.clone());
            let _ = server(true).process_handshake_command(&wire);
            let mut c = client_with(&client_keys());
            c.next_handshake_command().unwrap();
            let _ = c.process_handshake_command(&wire);
        }
        assert!(c.decode(Msg::from_slice(&data)).is_err());
        assert!(s.decode(Msg::from_slice(&data)).is_err());
    }
}
