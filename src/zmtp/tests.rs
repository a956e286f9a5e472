//! Scenario tests: two handshakes talking in memory, byte fixtures of older
//! peers, and hostile input.

use bytes::{Bytes, BytesMut};

use super::command::{Command, Properties};
use super::mechanism::ZapReply;
use super::protocol_error as code;
use super::socket_type::*;
use super::{Config, Established, FailureEvent, Handshake, HandshakeError, MechanismKind, Version};
use crate::error::Error;
use crate::msg::Msg;

type Outcome = Result<Established, HandshakeError>;

/// One side of an in-memory connection.
struct Side {
    hs: Handshake,
    input: BytesMut,
    done: Option<Outcome>,
}

impl Side {
    fn new(config: Config) -> Side {
        Side {
            hs: Handshake::new(config).unwrap(),
            input: BytesMut::new(),
            done: None,
        }
    }

    fn step(&mut self) {
        if self.done.is_none() {
            match self.hs.handle_input(&mut self.input) {
                Ok(Some(est)) => self.done = Some(Ok(est)),
                Ok(None) => {}
                Err(e) => self.done = Some(Err(e)),
            }
        }
    }
}

/// Runs two handshakes against each other, moving at most `chunk` bytes
/// per direction per round, until both finish or nothing moves.
fn connect(a: Config, b: Config, chunk: usize) -> (Side, Side) {
    let (mut a, mut b) = (Side::new(a), Side::new(b));
    let (mut a_wire, mut b_wire) = (BytesMut::new(), BytesMut::new());
    for _ in 0..10_000 {
        a.hs.poll_transmit(&mut a_wire);
        b.hs.poll_transmit(&mut b_wire);
        if a_wire.is_empty() && b_wire.is_empty() && a.done.is_some() && b.done.is_some() {
            break;
        }
        let n = a_wire.len().min(chunk);
        b.input.extend_from_slice(&a_wire.split_to(n));
        let n = b_wire.len().min(chunk);
        a.input.extend_from_slice(&b_wire.split_to(n));
        a.step();
        b.step();
        if a_wire.is_empty() && b_wire.is_empty() && a.input.is_empty() && b.input.is_empty() {
            a.hs.poll_transmit(&mut a_wire);
            b.hs.poll_transmit(&mut b_wire);
            if a_wire.is_empty() && b_wire.is_empty() {
                break;
            }
        }
    }
    (a, b)
}

fn established(side: Side) -> Established {
    match side.done {
        Some(Ok(est)) => est,
        other => panic!("not established: {:?}", other.map(|o| o.err())),
    }
}

fn failure(side: &Side) -> HandshakeError {
    match &side.done {
        Some(Err(e)) => *e,
        _ => panic!("did not fail"),
    }
}

fn config(socket_type: i32, routing_id: &'static [u8]) -> Config {
    let mut c = Config::new(socket_type);
    c.routing_id = Bytes::from_static(routing_id);
    c
}

/// Our full greeting as a NULL client with an empty routing id.
fn greeting(minor: u8) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, minor];
    g.extend_from_slice(b"NULL");
    g.resize(64, 0);
    g
}

/// Feeds `peer` to a handshake with `config`, `step` bytes at a time;
/// returns the outcome, everything we sent, and the unconsumed input.
fn against_bytes(config: Config, peer: &[u8], step: usize) -> (Option<Outcome>, Vec<u8>, BytesMut) {
    let mut hs = Handshake::new(config).unwrap();
    let mut out = BytesMut::new();
    let mut input = BytesMut::new();
    hs.poll_transmit(&mut out);
    let mut outcome = None;
    for chunk in peer.chunks(step) {
        input.extend_from_slice(chunk);
        match hs.handle_input(&mut input) {
            Ok(None) => {}
            Ok(Some(est)) => outcome = Some(Ok(est)),
            Err(e) => outcome = Some(Err(e)),
        }
        hs.poll_transmit(&mut out);
        if outcome.is_some() {
            break;
        }
    }
    (outcome, out.to_vec(), input)
}

#[test]
fn dealer_to_router_exact_bytes() {
    // RFC 37 worked example: DEALER with an empty identity.
    let ready: &[u8] =
        b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";
    let peer_ready: &[u8] = b"\x04\x1c\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER";
    let mut peer = greeting(1);
    peer.extend_from_slice(peer_ready);
    peer.extend_from_slice(b"\x00\x02hi");
    for step in [1, 5, 64, peer.len()] {
        let (outcome, out, mut rest) = against_bytes(config(DEALER, b""), &peer, step);
        let mut expected = greeting(1);
        expected.extend_from_slice(ready);
        assert_eq!(out, expected, "step {step}");
        let mut est = outcome.unwrap().unwrap();
        assert_eq!(est.peer_version, Version::Zmtp31);
        assert_eq!(est.peer_socket_type, Some(ROUTER));
        assert_eq!(est.peer_routing_id, None);
        assert_eq!(
            est.metadata.get("Socket-Type").unwrap().to_bytes(),
            b"ROUTER"
        );
        // What follows READY in the same chunk is traffic, left in place.
        if step == peer.len() {
            let m = est.traffic.decode(&mut rest).unwrap().unwrap();
            assert_eq!(m.data(), b"hi");
        }
    }
}

#[test]
fn compatible_pairs_establish_any_split() {
    let pairs = [
        (REQ, REP),
        (REQ, ROUTER),
        (DEALER, REP),
        (DEALER, ROUTER),
        (DEALER, DEALER),
        (ROUTER, ROUTER),
        (PUB, SUB),
        (XPUB, XSUB),
        (PUSH, PULL),
        (PAIR, PAIR),
        (CLIENT, SERVER),
        (RADIO, DISH),
        (SCATTER, GATHER),
        (PEER, PEER),
        (CHANNEL, CHANNEL),
        (DGRAM, DGRAM),
    ];
    for (ta, tb) in pairs {
        for chunk in [1, 3, 11, 4096] {
            let (a, b) = connect(config(ta, b"alpha"), config(tb, b"beta"), chunk);
            let (a, b) = (established(a), established(b));
            assert_eq!(a.peer_socket_type, Some(tb), "{ta}-{tb} chunk {chunk}");
            assert_eq!(b.peer_socket_type, Some(ta));
            assert_eq!(a.peer_version, Version::Zmtp31);
            let id_of =
                |t: i32, id: &'static [u8]| sends_identity(t).then(|| Bytes::from_static(id));
            assert_eq!(a.peer_routing_id, id_of(tb, b"beta"));
            assert_eq!(b.peer_routing_id, id_of(ta, b"alpha"));
        }
    }
}

#[test]
fn incompatible_pairs_fail_without_event() {
    for (ta, tb) in [
        (PUSH, PUSH),
        (REQ, REQ),
        (PUB, PUB),
        (REQ, DEALER),
        (PAIR, DEALER),
        (CLIENT, CLIENT),
    ] {
        let (a, b) = connect(config(ta, b""), config(tb, b""), 4096);
        let (ea, eb) = (failure(&a), failure(&b));
        assert_eq!((ea.error, ea.event), (Error::Inval, None), "{ta}-{tb}");
        assert_eq!((eb.error, eb.event), (Error::Inval, None));
    }
}

#[test]
fn application_metadata_reaches_the_peer() {
    let mut a = config(DEALER, b"");
    a.metadata = vec![
        ("X-Color".into(), Bytes::from_static(b"blue")),
        ("X-Empty".into(), Bytes::new()),
    ];
    let (a, b) = connect(a, config(ROUTER, b""), 7);
    let b = established(b);
    assert_eq!(b.metadata.get("X-Color").unwrap().to_bytes(), b"blue");
    assert_eq!(b.metadata.get("X-Empty").unwrap().to_bytes(), b"");
    assert_eq!(b.metadata.get("Socket-Type").unwrap().to_bytes(), b"DEALER");
    established(a);
}

#[test]
fn pub_sub_traffic_after_handshake() {
    let (p, s) = connect(config(PUB, b""), config(SUB, b""), 4096);
    let (mut p, mut s) = (established(p), established(s));
    let mut wire = BytesMut::new();
    s.traffic
        .encode_subscription(true, b"news", &mut wire)
        .unwrap();
    let sub = p.traffic.decode(&mut wire).unwrap().unwrap();
    assert!(sub.is_command());
    assert_eq!(
        Command::parse(&sub.to_bytes()).unwrap(),
        Command::Subscribe(Bytes::from_static(b"news"))
    );
    let mut m = Msg::from_slice(b"news");
    m.set_more(true);
    p.traffic.encode(m, &mut wire).unwrap();
    p.traffic
        .encode(Msg::from_slice(&[1u8; 100]), &mut wire)
        .unwrap();
    let got = s.traffic.decode(&mut wire).unwrap().unwrap();
    assert!(got.more());
    assert_eq!(s.traffic.decode(&mut wire).unwrap().unwrap().size(), 100);
}

#[test]
fn zmtp30_peer_gets_30_subscriptions() {
    let mut peer = greeting(0);
    peer.extend_from_slice(b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB");
    let (outcome, out, _) = against_bytes(config(SUB, b""), &peer, 1);
    assert_eq!(out[11], 1, "we still announce 3.1");
    let mut est = outcome.unwrap().unwrap();
    assert_eq!(est.peer_version, Version::Zmtp30);
    let mut wire = BytesMut::new();
    est.traffic
        .encode_subscription(true, b"A", &mut wire)
        .unwrap();
    assert_eq!(&wire[..], b"\x00\x02\x01A");
}

#[test]
fn zmtp20_peer_fixture() {
    // A libzmq 3.x DEALER with identity "A": signature, revision 1, socket
    // type 5, identity frame, then a message "hi".
    let peer = b"\xff\x00\x00\x00\x00\x00\x00\x00\x02\x7f\x01\x05\x00\x01A\x00\x02hi";
    for step in [1, 2, 12, peer.len()] {
        let (outcome, out, mut rest) = against_bytes(config(ROUTER, b"R"), peer, step);
        // Signature with id length 1 + 1, major 3, socket type 6, identity frame.
        assert_eq!(
            out, b"\xff\x00\x00\x00\x00\x00\x00\x00\x02\x7f\x03\x06\x00\x01R",
            "step {step}"
        );
        let mut est = outcome.unwrap().unwrap();
        assert_eq!(est.peer_version, Version::Zmtp20);
        assert_eq!(est.peer_socket_type, Some(DEALER));
        assert_eq!(est.peer_routing_id.as_deref(), Some(&b"A"[..]));
        assert!(est.metadata.is_empty());
        assert!(!est.subscribe_all);
        if step == peer.len() {
            assert_eq!(
                est.traffic.decode(&mut rest).unwrap().unwrap().data(),
                b"hi"
            );
        }
    }
}

#[test]
fn revision0_peer_uses_zmtp10_framing() {
    // Signature, revision 0, socket type, then ZMTP 1.0 frames.
    let peer = b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x00\x02\x01\x00\x03\x00hi";
    let (outcome, out, mut rest) = against_bytes(config(PUB, b"P"), peer, 1);
    assert_eq!(
        out,
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x02\x7f\x03\x01\x02\x00P"
    );
    let est = outcome.unwrap().unwrap();
    assert_eq!(est.peer_version, Version::Zmtp10);
    assert_eq!(est.peer_routing_id.as_deref(), Some(&b""[..]));
    assert!(
        !est.subscribe_all,
        "only unversioned peers get the phantom subscription"
    );
    let mut t = est.traffic;
    rest.extend_from_slice(b"\x03\x00hi");
    assert_eq!(t.decode(&mut rest).unwrap().unwrap().data(), b"hi");
}

#[test]
fn unversioned_zmtp10_peer_fixture() {
    // A libzmq 2.x SUB: identity frame "B" (length 2, flags 0), message "hi".
    let peer = b"\x02\x00B\x03\x00hi";
    for step in [1, 3, peer.len()] {
        let (outcome, out, mut rest) = against_bytes(config(PUB, b"pp"), peer, step);
        // Our signature doubles as the identity frame header; then its body.
        assert_eq!(
            out, b"\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7fpp",
            "step {step}"
        );
        let mut est = outcome.unwrap().unwrap();
        assert_eq!(est.peer_version, Version::Zmtp10);
        assert_eq!(est.peer_routing_id.as_deref(), Some(&b"B"[..]));
        assert_eq!(est.peer_socket_type, None);
        assert!(est.subscribe_all);
        if step == peer.len() {
            assert_eq!(
                est.traffic.decode(&mut rest).unwrap().unwrap().data(),
                b"hi"
            );
        }
    }
    // Only publishers need the phantom subscription.
    let (outcome, _, _) = against_bytes(config(PULL, b""), peer, 1);
    assert!(!outcome.unwrap().unwrap().subscribe_all);
}

#[test]
fn old_peers_are_refused_with_zap() {
    let mut c = config(ROUTER, b"");
    c.zap = true;
    for peer in [
        &b"\x01\x00"[..],
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x01\x05\x00\x00",
    ] {
        let (outcome, _, _) = against_bytes(c.clone(), peer, 1);
        let e = outcome.unwrap().unwrap_err();
        assert_eq!(e.event, None);
    }
}

#[test]
fn mechanism_mismatch() {
    let mut peer = greeting(1);
    peer[12..17].copy_from_slice(b"PLAIN");
    let (outcome, out, _) = against_bytes(config(DEALER, b""), &peer, 1);
    let e = outcome.unwrap().unwrap_err();
    assert_eq!(
        e.event,
        Some(FailureEvent::Protocol(code::ZMTP_MECHANISM_MISMATCH))
    );
    assert_eq!(out.len(), 64, "no READY after a mismatch");
}

/// The peer's greeting followed by `frames`; the outcome against a DEALER.
fn after_greeting(frames: &[u8], max_msg_size: i64) -> HandshakeError {
    let mut peer = greeting(1);
    peer.extend_from_slice(frames);
    let mut c = config(DEALER, b"");
    c.max_msg_size = max_msg_size;
    for step in [1, peer.len()] {
        let (outcome, _, _) = against_bytes(c.clone(), &peer, step);
        let e = outcome.expect("finished").expect_err("failed");
        if step == peer.len() {
            return e;
        }
    }
    unreachable!()
}

#[test]
fn hostile_frames_during_handshake() {
    let eproto = Error::Os(libc::EPROTO);
    let unexpected = Some(FailureEvent::Protocol(code::ZMTP_UNEXPECTED_COMMAND));
    // (frames after the greeting, max size, errno, event)
    let cases: &[(&[u8], i64, Error, Option<FailureEvent>)] = &[
        // Declared length 2^63: refused before any body arrives.
        (
            b"\x06\x80\x00\x00\x00\x00\x00\x00\x00",
            -1,
            Error::MsgSize,
            None,
        ),
        // READY over ZMQ_MAXMSGSIZE.
        (
            b"\x04\x1c\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER",
            10,
            Error::MsgSize,
            None,
        ),
        // A message frame instead of a command.
        (b"\x00\x06\x05READY", -1, eproto, unexpected),
        // Unknown or empty commands.
        (b"\x04\x06\x05HELLO", -1, eproto, unexpected),
        (b"\x04\x00", -1, eproto, unexpected),
        (b"\x04\x01\x07", -1, eproto, unexpected),
        // Truncated metadata, bad property names.
        (b"\x04\x0a\x05READY\x0bSoc", -1, eproto, None),
        (b"\x04\x0b\x05READY\x00\x00\x00\x00\x00", -1, eproto, None),
        (
            b"\x04\x0e\x05READY\x03a b\x00\x00\x00\x00",
            -1,
            eproto,
            None,
        ),
        // Incompatible socket type.
        (
            b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB",
            -1,
            Error::Inval,
            None,
        ),
        // ERROR commands.
        (
            b"\x04\x0a\x05ERROR\x03400",
            -1,
            eproto,
            Some(FailureEvent::Auth(400)),
        ),
        (b"\x04\x09\x05ERROR\x02no", -1, eproto, None),
        (
            b"\x04\x06\x05ERROR",
            -1,
            eproto,
            Some(FailureEvent::Protocol(code::ZMTP_MALFORMED_COMMAND_ERROR)),
        ),
    ];
    for &(frames, max, errno, event) in cases {
        let e = after_greeting(frames, max);
        assert_eq!(
            (e.error, e.event),
            (errno, event),
            "{frames:?}: {}",
            e.reason
        );
    }
}

#[test]
fn reserved_flag_bits_are_ignored_in_the_handshake() {
    // A READY whose flags also carry reserved bits 0x08 and 0x80 is a
    // READY, as libzmq reads it.
    let mut peer = greeting(1);
    peer.extend_from_slice(b"\x8c\x1c\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER");
    for step in [1, peer.len()] {
        let (outcome, _, _) = against_bytes(config(DEALER, b""), &peer, step);
        let est = outcome.expect("finished").expect("established");
        assert_eq!(est.peer_socket_type, Some(ROUTER));
    }
}

#[test]
fn failure_is_sticky() {
    let mut peer = greeting(1);
    peer.extend_from_slice(b"\x04\x06\x05HELLO");
    let mut hs = Handshake::new(config(DEALER, b"")).unwrap();
    let mut input = BytesMut::from(&peer[..]);
    let e = hs.handle_input(&mut input).unwrap_err();
    input.extend_from_slice(b"\x04\x06\x05READY");
    assert_eq!(hs.handle_input(&mut input).unwrap_err(), e);
}

#[test]
fn config_validation() {
    let mut c = config(DEALER, b"");
    c.mechanism = MechanismKind::Plain;
    c.plain_username = Bytes::from(vec![b'u'; 256]);
    assert_eq!(Handshake::new(c.clone()).unwrap_err(), Error::Inval);
    c.plain_username = Bytes::new();
    c.plain_password = Bytes::from(vec![b'p'; 256]);
    assert_eq!(Handshake::new(c).unwrap_err(), Error::Inval);
    assert_eq!(
        Handshake::new(config(STREAM, b"")).unwrap_err(),
        Error::Inval
    );
    assert_eq!(Handshake::new(config(42, b"")).unwrap_err(), Error::Inval);
    let mut c = config(DEALER, b"");
    c.routing_id = Bytes::from(vec![1u8; 256]);
    assert_eq!(Handshake::new(c).unwrap_err(), Error::Inval);
    let mut c = config(DEALER, b"");
    c.metadata = vec![(String::new(), Bytes::new())];
    assert_eq!(Handshake::new(c).unwrap_err(), Error::Inval);
}

fn zap_pair(status: u32) -> (Side, Side, Option<Outcome>) {
    let mut server = config(ROUTER, b"");
    server.zap = true;
    let (mut c, mut s) = (Side::new(config(DEALER, b"d")), Side::new(server));
    let mut wire = BytesMut::new();
    // Greetings cross, the client's READY reaches the server.
    for _ in 0..4 {
        c.hs.poll_transmit(&mut s.input);
        s.hs.poll_transmit(&mut c.input);
        c.step();
        s.step();
    }
    assert!(s.done.is_none(), "server waits for ZAP");
    let req = s.hs.poll_zap_request().expect("a ZAP request");
    assert_eq!(req.mechanism.as_bytes(), b"NULL");
    assert!(s.hs.poll_zap_request().is_none());
    let mut meta = Properties::new();
    meta.push("X-Zap", Bytes::from_static(b"yes")).unwrap();
    let reply = ZapReply {
        status_code: status,
        user_id: Bytes::from_static(b"bob"),
        metadata: meta,
    };
    let outcome = match s.hs.handle_zap_reply(reply) {
        Ok(Some(est)) => Some(Ok(est)),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    };
    s.hs.poll_transmit(&mut wire);
    c.input.extend_from_slice(&wire);
    c.step();
    (c, s, outcome)
}

#[test]
fn zap_accepts_peer() {
    let (c, _s, outcome) = zap_pair(200);
    let est = outcome.unwrap().unwrap();
    assert_eq!(est.user_id.as_deref(), Some(&b"bob"[..]));
    assert_eq!(est.metadata.get("User-Id").unwrap().to_bytes(), b"bob");
    assert_eq!(est.metadata.get("X-Zap").unwrap().to_bytes(), b"yes");
    assert_eq!(est.peer_routing_id.as_deref(), Some(&b"d"[..]));
    established(c);
}

#[test]
fn zap_refusal_sends_error() {
    for status in [400, 500] {
        let (c, _s, outcome) = zap_pair(status);
        let e = outcome.unwrap().unwrap_err();
        assert_eq!(e.event, Some(FailureEvent::Auth(status)));
        assert_eq!(
            failure(&c).event,
            Some(FailureEvent::Auth(status)),
            "client saw ERROR"
        );
    }
    let (c, _s, outcome) = zap_pair(300);
    assert_eq!(
        outcome.unwrap().unwrap_err().event,
        Some(FailureEvent::Auth(300))
    );
    assert!(c.done.is_none(), "300 closes without ERROR");
}

/// A small deterministic generator, so the noise test needs no crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_input_never_panics() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let prefixes: [Vec<u8>; 3] = [Vec::new(), greeting(1), {
        let mut g = greeting(1);
        g.extend_from_slice(b"\x04\x29\x05READY");
        g
    }];
    for round in 0..3000 {
        let mut peer = prefixes[round % 3].clone();
        let noise = rng.below(200);
        peer.extend((0..noise).map(|_| rng.next() as u8));
        let mut c = config(DEALER, b"");
        c.max_msg_size = [-1, 0, 64][rng.below(3)];
        let mut hs = Handshake::new(c).unwrap();
        let mut input = BytesMut::new();
        let mut at = 0;
        while at < peer.len() {
            let n = 1 + rng.below(peer.len() - at);
            input.extend_from_slice(&peer[at..at + n]);
            at += n;
            match hs.handle_input(&mut input) {
                Ok(None) => {}
                Ok(Some(_)) | Err(_) => break,
            }
        }
        // Whatever is left must decode or fail cleanly as traffic too.
        let mut t = super::Traffic::new(Version::Zmtp31, 64, None);
        while let Ok(Some(m)) = t.decode(&mut input) {
            let _ = Command::parse(&m.to_bytes());
        }
    }
}

// ---------------------------------------------------------------------------
// PLAIN and CURVE through the whole handshake

fn plain(socket_type: i32, server: bool) -> Config {
    let mut c = config(socket_type, b"");
    c.mechanism = MechanismKind::Plain;
    c.as_server = server;
    if !server {
        c.plain_username = Bytes::from_static(b"admin");
        c.plain_password = Bytes::from_static(b"password");
    }
    c
}

fn curve(socket_type: i32, server: bool) -> Config {
    let (server_public, server_secret) = super::curve::keypair();
    let mut c = config(socket_type, b"");
    c.mechanism = MechanismKind::Curve;
    c.as_server = server;
    if server {
        c.curve.secret = server_secret;
    } else {
        let (public, secret) = super::curve::keypair();
        c.curve.public = public;
        c.curve.secret = secret;
        c.curve.server = server_public;
    }
    c
}

/// A CURVE client and server config that agree on the server key.
fn curve_pair(server_zap: bool) -> (Config, Config) {
    let mut server = curve(ROUTER, true);
    let mut client = curve(DEALER, false);
    client.curve.server = super::curve::public_key(&server.curve.secret);
    server.zap = server_zap;
    server.zap_enforce_domain = !server_zap;
    (client, server)
}

#[test]
fn who_asks_zap() {
    let zap_of = |c: Config| Handshake::new(c).unwrap().zap();
    assert!(zap_of(plain(ROUTER, true)), "PLAIN servers always ask");
    assert!(!zap_of(plain(DEALER, false)));
    let mut client = curve(DEALER, false);
    client.zap = true;
    assert!(!zap_of(client), "clients never ask");
    let server = curve(ROUTER, true);
    assert!(zap_of(server.clone()), "CURVE servers ask by default");
    let mut enforced = server.clone();
    enforced.zap_enforce_domain = true;
    assert!(!zap_of(enforced.clone()), "enforced with no domain: no ZAP");
    enforced.zap = true;
    assert!(zap_of(enforced));
}

#[test]
fn plain_handshake_with_zap() {
    let mut c = Side::new(plain(DEALER, false));
    let mut s = Side::new(plain(ROUTER, true));
    for _ in 0..4 {
        c.hs.poll_transmit(&mut s.input);
        s.hs.poll_transmit(&mut c.input);
        c.step();
        s.step();
    }
    let req = s.hs.poll_zap_request().expect("PLAIN asks ZAP");
    assert_eq!(req.mechanism.as_bytes(), b"PLAIN");
    assert_eq!(
        req.credentials,
        vec![
            Bytes::from_static(b"admin"),
            Bytes::from_static(b"password")
        ]
    );
    let reply = ZapReply {
        status_code: 200,
        user_id: Bytes::from_static(b"admin"),
        metadata: Properties::new(),
    };
    assert!(s.hs.handle_zap_reply(reply).unwrap().is_none());
    for _ in 0..4 {
        c.hs.poll_transmit(&mut s.input);
        s.hs.poll_transmit(&mut c.input);
        c.step();
        s.step();
    }
    let (c, s) = (established(c), established(s));
    assert_eq!(s.user_id.as_deref(), Some(&b"admin"[..]));
    assert_eq!(s.metadata.get("User-Id").unwrap().to_bytes(), b"admin");
    assert_eq!(s.peer_socket_type, Some(DEALER));
    assert_eq!(c.peer_socket_type, Some(ROUTER));
}

#[test]
fn plain_without_zap_handler_is_refused() {
    let mut server = plain(ROUTER, true);
    server.zap = true;
    let mut s = Side::new(server);
    s.hs.set_zap(false); // the engine found no handler bound
    let mut c = Side::new(plain(DEALER, false));
    for _ in 0..4 {
        c.hs.poll_transmit(&mut s.input);
        s.hs.poll_transmit(&mut c.input);
        c.step();
        s.step();
    }
    assert_eq!(failure(&s).error, Error::Fault);
    assert!(c.done.is_none(), "closed without ERROR");
}

#[test]
fn curve_handshake_and_traffic_any_split() {
    for chunk in [1, 7, 64, 4096] {
        let (client, server) = curve_pair(false);
        let mut server_meta = server.clone();
        server_meta.metadata = vec![("X-Secret".into(), Bytes::from_static(b"42"))];
        let (c, s) = connect(client, server_meta, chunk);
        let (mut c, mut s) = (established(c), established(s));
        assert_eq!(c.metadata.get("X-Secret").unwrap().to_bytes(), b"42");
        assert_eq!(s.peer_socket_type, Some(DEALER));
        assert!(s.user_id.is_none());

        let mut wire = BytesMut::new();
        let mut m = Msg::from_slice(b"part one");
        m.set_more(true);
        c.traffic.encode(m, &mut wire).unwrap();
        c.traffic
            .encode(Msg::from_slice(&[9u8; 1000]), &mut wire)
            .unwrap();
        c.traffic
            .encode_command(
                &Command::Ping {
                    ttl: 10,
                    context: Bytes::from_static(b"ctx"),
                },
                &mut wire,
            )
            .unwrap();
        assert!(
            !wire.windows(8).any(|w| w == b"part one"),
            "encrypted on the wire"
        );
        let a = s.traffic.decode(&mut wire).unwrap().unwrap();
        assert_eq!((a.data(), a.more()), (&b"part one"[..], true));
        let b = s.traffic.decode(&mut wire).unwrap().unwrap();
        assert_eq!((b.size(), b.more()), (1000, false));
        let ping = s.traffic.decode(&mut wire).unwrap().unwrap();
        assert!(ping.is_command());
        assert!(matches!(
            Command::parse(&ping.to_bytes()).unwrap(),
            Command::Ping { ttl: 10, .. }
        ));
        assert!(s.traffic.decode(&mut wire).unwrap().is_none());

        s.traffic
            .encode_subscription(true, b"topic", &mut wire)
            .unwrap();
        let sub = c.traffic.decode(&mut wire).unwrap().unwrap();
        assert!(sub.is_command());
        assert_eq!(
            Command::parse(&sub.to_bytes()).unwrap(),
            Command::Subscribe(Bytes::from_static(b"topic"))
        );
        // A frame that is not a MESSAGE box is refused after the handshake.
        wire.extend_from_slice(b"\x00\x03abc");
        assert!(c.traffic.decode(&mut wire).is_err());
    }
}

#[test]
fn curve_server_sends_right_after_ready() {
    // The server's first message follows READY in the same read.
    let (client, server) = curve_pair(false);
    let mut c = Side::new(client);
    let mut s = Side::new(server);
    let mut est_s = None;
    for _ in 0..6 {
        c.hs.poll_transmit(&mut s.input);
        if est_s.is_none() {
            if let Ok(Some(e)) = s.hs.handle_input(&mut s.input) {
                est_s = Some(e);
            }
        }
        s.hs.poll_transmit(&mut c.input);
        if est_s.is_some() {
            break; // READY is in c.input, unread
        }
        c.step();
    }
    let mut est_s: Established = est_s.expect("server established");
    est_s
        .traffic
        .encode(Msg::from_slice(b"early"), &mut c.input)
        .unwrap();
    c.step();
    let mut rest = std::mem::take(&mut c.input);
    let mut est_c = established(c);
    let early = est_c.traffic.decode(&mut rest).unwrap().unwrap();
    assert_eq!(early.data(), b"early");
}

// ---------------------------------------------------------------------------
// Limits before the handshake completes (zmtp::limits)

/// A long-form command header announcing `size` body bytes.
fn command_header(size: u64) -> Vec<u8> {
    let mut h = vec![0x06];
    h.extend_from_slice(&size.to_be_bytes());
    h
}

/// The greeting of a `mechanism` client, then `frames`: the failure.
fn over_limit(c: Config, mechanism: &[u8], frames: &[u8]) -> HandshakeError {
    let mut peer = greeting(1);
    peer[12..12 + mechanism.len()].copy_from_slice(mechanism);
    peer.extend_from_slice(frames);
    let (outcome, _, input) = against_bytes(c, &peer, peer.len());
    assert!(input.len() < 16, "the body was never waited for");
    outcome.expect("refused at the header").expect_err("failed")
}

fn malformed() -> (Error, Option<FailureEvent>) {
    (
        Error::Os(libc::EPROTO),
        Some(FailureEvent::Protocol(
            code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        )),
    )
}

#[test]
fn oversized_handshake_commands_are_refused_at_the_header() {
    use super::limits::{COMMAND_MAX, SHORT_COMMAND_MAX};
    let cases: Vec<(Config, &[u8], u64)> = vec![
        // NULL: READY may carry properties.
        (config(ROUTER, b""), b"NULL", COMMAND_MAX as u64 + 1),
        (config(ROUTER, b""), b"NULL", 1 << 30),
        // PLAIN and CURVE servers: HELLO carries none.
        (plain(ROUTER, true), b"PLAIN", SHORT_COMMAND_MAX as u64 + 1),
        (curve(ROUTER, true), b"CURVE", SHORT_COMMAND_MAX as u64 + 1),
        (curve(ROUTER, true), b"CURVE", u64::MAX >> 1),
    ];
    for (c, mechanism, size) in cases {
        let e = over_limit(c, mechanism, &command_header(size));
        assert_eq!((e.error, e.event), malformed(), "{size}: {}", e.reason);
    }
    // At the limit, the header is accepted and the body awaited.
    for (c, mechanism, size) in [
        (config(ROUTER, b""), &b"NULL"[..], COMMAND_MAX),
        (curve(ROUTER, true), &b"CURVE"[..], SHORT_COMMAND_MAX),
    ] {
        let mut peer = greeting(1);
        peer[12..12 + mechanism.len()].copy_from_slice(mechanism);
        peer.extend_from_slice(&command_header(size as u64));
        let (outcome, _, _) = against_bytes(c, &peer, peer.len());
        assert!(outcome.is_none(), "{size} bytes waited for");
    }
    // A lower ZMQ_MAXMSGSIZE is judged first, silently, as in libzmq.
    let mut c = config(ROUTER, b"");
    c.max_msg_size = 1000;
    let e = over_limit(c, b"NULL", &command_header(1 << 30));
    assert_eq!((e.error, e.event), (Error::MsgSize, None));
}

#[test]
fn large_metadata_within_the_limit_is_taken() {
    // 60 KiB of ZMQ_METADATA travels in READY (NULL) and INITIATE (CURVE).
    let big = Bytes::from(vec![b'v'; 60 * 1024]);
    let mut a = config(DEALER, b"");
    a.metadata = vec![("X-Big".into(), big.clone())];
    let (_, b) = connect(a, config(ROUTER, b""), 4096);
    assert_eq!(
        established(b).metadata.get("X-Big").unwrap().to_bytes(),
        big
    );
    let (mut client, server) = curve_pair(false);
    client.metadata = vec![("X-Big".into(), big.clone())];
    let (c, s) = connect(client, server, 4096);
    established(c);
    assert_eq!(
        established(s).metadata.get("X-Big").unwrap().to_bytes(),
        big
    );
}

#[test]
fn client_refuses_an_oversized_welcome() {
    use super::limits::SHORT_COMMAND_MAX;
    // A CURVE client that sent HELLO takes nothing over 4 KiB (WELCOME is
    // 168 bytes); one that sent INITIATE takes a READY with properties.
    let mut peer = greeting(1);
    peer[12..17].copy_from_slice(b"CURVE");
    peer[32] = 1; // as-server
    peer.extend_from_slice(&command_header(SHORT_COMMAND_MAX as u64 + 1));
    let (outcome, _, _) = against_bytes(curve(DEALER, false), &peer, peer.len());
    let e = outcome.expect("refused").expect_err("failed");
    assert_eq!((e.error, e.event), malformed());
}

#[test]
fn oversized_legacy_identity_is_refused() {
    // A ZMTP 2.0 peer's identity frame (RFC 15: at most 255 bytes).
    let mut peer = b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x01\x05".to_vec();
    peer.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 0x10, 0x01]);
    let (outcome, _, _) = against_bytes(config(ROUTER, b""), &peer, peer.len());
    let e = outcome.expect("refused").expect_err("failed");
    assert_eq!((e.error, e.event), malformed());
}
