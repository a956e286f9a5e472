//! Fuzz harnesses for the whole ZMTP handshake (greeting, NULL, PLAIN,
//! CURVE, ZAP) as client and as server, and the traffic right after it.
//!
//! Two kinds of target:
//! - `handshake`: the input is the peer's byte stream (after a valid
//!   greeting, or with its own), for any mechanism and either role;
//! - `handshake_server`, `handshake_client`: a valid peer (our own
//!   implementation of the other side) talks to the side under test, and
//!   one unit of what it sends, chosen by the input, is mutated on the way.
//!   A random HELLO never opens a CURVE box; a valid peer gets past it, so
//!   WELCOME, the cookie, INITIATE's vouch and metadata, READY and the
//!   boxed MESSAGEs are all reached and then broken.
//!
//! Keys are fixed, and in fuzz builds CURVE's transient keys, nonces and
//! cookie key come from a generator reset at the start of every run
//! (`fill_random`), so a run depends on its input only (under `cargo
//! test` they come from the OS; no check here depends on them). ZAP
//! requests are answered with a reply the input chooses. Nothing here
//! touches the network, files or the clock.

use bytes::{Bytes, BytesMut};

use super::wire::Input;
use super::Harness;
use crate::msg::{flags, Msg};
use crate::zmtp::command::{Command, Properties};
use crate::zmtp::curve::{public_key, CurveKeys};
use crate::zmtp::encoder::{subscription_msg, wire_flags};
use crate::zmtp::greeting::Greeting;
use crate::zmtp::socket_type::*;
use crate::zmtp::{Config, Established, Handshake, HandshakeError, MechanismKind, ZapReply};

pub const TARGETS: &[(&str, Harness)] = &[
    ("handshake", handshake),
    ("handshake_server", handshake_server),
    ("handshake_client", handshake_client),
];

thread_local! {
    /// The state of the generator behind `fill_random`.
    static RANDOM: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Restarts the generator: every run sees the same "random" bytes.
fn reset_random() {
    RANDOM.with(|state| state.set(0x9e37_79b9_7f4a_7c15));
}

/// CURVE's randomness on a harness's thread (splitmix64: not secret,
/// only repeatable): fills `out` and says so, or, in a test build on a
/// thread no harness has run on (state 0), leaves it to the OS.
pub(crate) fn seeded_random(out: &mut [u8]) -> bool {
    if cfg!(not(fuzzing)) && RANDOM.with(|state| state.get()) == 0 {
        return false;
    }
    fill_random(out);
    true
}

fn fill_random(out: &mut [u8]) {
    RANDOM.with(|state| {
        for chunk in out.chunks_mut(8) {
            let mut z = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    });
}

const SERVER_SECRET: [u8; 32] = [0x5e; 32];
const CLIENT_SECRET: [u8; 32] = [0xc1; 32];

/// Socket type pairs (side under test, peer); the last one is refused.
const PAIRS: [(i32, i32); 8] = [
    (DEALER, ROUTER),
    (ROUTER, DEALER),
    (REQ, REP),
    (REP, REQ),
    (PUB, SUB),
    (XSUB, XPUB),
    (PULL, PUSH),
    (PAIR, PUB),
];

const MECHANISMS: [MechanismKind; 4] = [
    MechanismKind::Null,
    MechanismKind::Plain,
    MechanismKind::Curve,
    MechanismKind::Curve,
];

/// A configuration with fixed credentials: PLAIN `admin`/`secret`, CURVE
/// keys known to both sides.
fn config(socket_type: i32, mechanism: MechanismKind, as_server: bool) -> Config {
    let mut c = Config::new(socket_type);
    c.mechanism = mechanism;
    c.as_server = as_server && mechanism != MechanismKind::Null;
    c.routing_id = Bytes::from_static(b"fuzz");
    c.plain_username = Bytes::from_static(b"admin");
    c.plain_password = Bytes::from_static(b"secret");
    c.curve = CurveKeys {
        public: public_key(&CLIENT_SECRET),
        secret: if as_server {
            SERVER_SECRET
        } else {
            CLIENT_SECRET
        },
        server: public_key(&SERVER_SECRET),
    };
    c
}

/// A ZAP handler's verdict chosen by the input: mostly 200, sometimes a
/// refusal or an invalid code, with a user id and metadata.
fn zap_reply(input: &mut Input) -> ZapReply {
    let status_code = [200, 200, 200, 300, 400, 500, 201][(input.byte() % 7) as usize];
    let user_id = Bytes::copy_from_slice(input.piece());
    let metadata = Properties::parse(&Bytes::copy_from_slice(input.piece())).unwrap_or_default();
    ZapReply {
        status_code,
        user_id,
        metadata,
    }
}

/// One side of a connection, driven as the engine drives it.
struct Side {
    hs: Handshake,
    zap: ZapReply,
    input: BytesMut,
    out: BytesMut,
    done: Option<Result<Established, HandshakeError>>,
    /// The frames decoded after the handshake: flags and body.
    received: Vec<(u8, Vec<u8>)>,
    traffic_failed: bool,
}

impl Side {
    fn new(config: Config, zap: ZapReply) -> Option<Side> {
        let mut hs = Handshake::new(config).ok()?;
        let mut out = BytesMut::new();
        hs.poll_transmit(&mut out);
        Some(Side {
            hs,
            zap,
            input: BytesMut::new(),
            out,
            done: None,
            received: Vec::new(),
            traffic_failed: false,
        })
    }

    fn established(&mut self) -> Option<&mut Established> {
        match &mut self.done {
            Some(Ok(est)) => Some(est),
            _ => None,
        }
    }

    /// Takes `bytes` and runs the handshake (answering ZAP requests), or
    /// the traffic decoder once established, as far as they go.
    fn feed(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
        if self.done.is_none() {
            self.run_handshake();
        }
        self.hs.poll_transmit(&mut self.out);
        if let Some(Ok(est)) = &mut self.done {
            if self.traffic_failed {
                return;
            }
            loop {
                match est.traffic.decode(&mut self.input) {
                    Ok(Some(m)) => self.received.push((
                        m.flags() & (flags::MORE | flags::COMMAND),
                        m.data().to_vec(),
                    )),
                    Ok(None) => break,
                    Err(_) => {
                        self.traffic_failed = true;
                        break;
                    }
                }
            }
        }
    }

    fn run_handshake(&mut self) {
        // A ZAP reply may let the handshake use input it held back: loop
        // until neither the input nor the handler has more to say.
        for _ in 0..8 {
            let step = self.hs.handle_input(&mut self.input);
            if self.finished(step) {
                return;
            }
            let Some(request) = self.hs.poll_zap_request() else {
                return;
            };
            assert!(self.hs.zap(), "a ZAP request only when ZAP is on");
            assert!(!request
                .credentials
                .iter()
                .any(|c| c.len() > 255 && c.len() != 32));
            let step = self.hs.handle_zap_reply(self.zap.clone());
            if self.finished(step) {
                return;
            }
        }
    }

    /// Keeps the outcome of a handshake step; true once there is one.
    fn finished(&mut self, step: Result<Option<Established>, HandshakeError>) -> bool {
        match step {
            Ok(None) => false,
            Ok(Some(est)) => {
                self.done = Some(Ok(est));
                true
            }
            Err(e) => {
                self.done = Some(Err(e));
                true
            }
        }
    }
}

/// The handshake fed with arbitrary peer bytes.
///
/// Input: a setting byte (mechanism, as-server, ZAP, a valid greeting
/// first and its minor version, a size limit), the socket type, the read
/// size, the size limit, a ZAP reply, then the peer's stream.
pub fn handshake(data: &[u8]) {
    reset_random();
    let mut input = Input::new(data);
    let setting = input.byte();
    let mechanism = MECHANISMS[(setting & 3) as usize];
    let as_server = setting & 0x04 != 0;
    let socket_type = PAIRS[(input.byte() % 8) as usize].0;
    let read_size = (input.byte() % 70) as usize + 1;
    let limit = input.byte() as i64 * 4;
    let zap = zap_reply(&mut input);
    let mut cfg = config(socket_type, mechanism, as_server);
    cfg.zap = setting & 0x08 != 0;
    cfg.zap_enforce_domain = setting & 0x08 == 0;
    if setting & 0x40 != 0 {
        cfg.max_msg_size = limit;
    }
    let Some(mut side) = Side::new(cfg, zap) else {
        return;
    };
    let mut stream = Vec::new();
    if setting & 0x10 != 0 {
        let mut greeting = [0u8; 64];
        Greeting {
            padding: 1,
            major: 3,
            minor: if setting & 0x20 != 0 { 0 } else { 1 },
            mechanism: mechanism.name(),
            as_server: !as_server && mechanism != MechanismKind::Null,
        }
        .emit(&mut greeting);
        stream.extend_from_slice(&greeting);
    }
    stream.extend_from_slice(input.rest());
    for piece in stream.chunks(read_size) {
        side.feed(piece);
    }
    // What we sent is bounded: a greeting and a few commands, never an
    // echo of the peer's stream.
    assert!(side.out.len() <= 64 + 4096, "sent {} bytes", side.out.len());
}

/// Our server against a valid client, one unit of the client's stream
/// mutated (see `mitm`).
pub fn handshake_server(data: &[u8]) {
    mitm(data, true);
}

/// Our client against a valid server, one unit of the server's stream
/// mutated (see `mitm`).
pub fn handshake_client(data: &[u8]) {
    mitm(data, false);
}

/// The length of the next unit of a valid peer's stream: a piece of the
/// greeting as it was handed out (it comes in three steps), then whole
/// ZMTP 3.x frames.
fn next_unit(pending: &[u8], greeting_left: usize) -> Option<usize> {
    if greeting_left > 0 {
        return (!pending.is_empty()).then(|| pending.len().min(greeting_left));
    }
    let (&wire, rest) = pending.split_first()?;
    let (header, size) = if wire & wire_flags::LONG != 0 {
        (
            9,
            u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as usize,
        )
    } else {
        (2, *rest.first()? as usize)
    };
    let total = header + size;
    (pending.len() >= total).then_some(total)
}

/// Applies the input's edits to one unit: overwrite or flip a byte,
/// truncate, insert, replace, repeat.
fn mutate(unit: &mut Vec<u8>, input: &mut Input) {
    while !input.is_empty() {
        let op = input.byte();
        let at = u16::from_be_bytes([input.byte(), input.byte()]) as usize;
        let pos = if unit.is_empty() { 0 } else { at % unit.len() };
        match op % 7 {
            0 if !unit.is_empty() => unit[pos] = input.byte(),
            1 if !unit.is_empty() => unit[pos] ^= 1 << (input.byte() % 8),
            2 => unit.truncate(at % (unit.len() + 1)),
            3 => {
                let piece = input.piece().to_vec();
                unit.splice(pos..pos, piece);
            }
            4 => *unit = input.piece().to_vec(),
            // Repeated, a doubling would exhaust memory: bounded.
            5 if unit.len() <= 1 << 16 => unit.extend_from_within(..),
            _ => {
                // Stop editing: the rest of the input follows the unit raw.
                let rest = input.rest();
                unit.extend_from_slice(rest);
            }
        }
    }
}

/// The messages a valid peer sends once established: a multipart with a
/// long part, a PING and a subscription (commands, boxed under CURVE).
fn peer_messages(est: &Established) -> Vec<Msg> {
    let mut more = Msg::from_slice(b"part");
    more.set_flags(flags::MORE);
    vec![
        more,
        Msg::from_slice(&[0xab; 300]),
        Command::Ping {
            ttl: 10,
            context: Bytes::from_static(b"ctx"),
        }
        .to_msg(),
        subscription_msg(est.peer_version, true, b"topic"),
    ]
}

/// A valid peer talks to the side under test; the unit of its stream
/// the input picks is edited as the input says.
///
/// Input: a setting byte (mechanism, socket types, ZAP), the read size, a
/// metadata value the peer announces, the ZAP verdict for the side under
/// test, the unit to edit, then the edits. Without an edit that lands
/// (the chosen unit never comes), the handshake must succeed and every
/// message arrive as sent, unless ZAP refused or the pair is incompatible.
fn mitm(data: &[u8], test_server: bool) {
    reset_random();
    let mut input = Input::new(data);
    let setting = input.byte();
    let mechanism = MECHANISMS[(setting & 3) as usize];
    let pair = ((setting >> 2) & 7) as usize;
    let (ours, theirs) = PAIRS[pair];
    let read_size = (input.byte() % 70) as usize + 1;
    let value = Bytes::copy_from_slice(input.piece());
    let zap = zap_reply(&mut input);
    let target_unit = (input.byte() % 24) as usize;

    let mut cfg = config(ours, mechanism, test_server);
    cfg.zap = setting & 0x20 != 0;
    cfg.zap_enforce_domain = setting & 0x20 == 0;
    let mut peer_cfg = config(theirs, mechanism, !test_server);
    peer_cfg.metadata = vec![("X-Fuzz".to_owned(), value)];
    let accept = ZapReply {
        status_code: 200,
        user_id: Bytes::new(),
        metadata: Properties::new(),
    };
    let (Some(mut side), Some(mut peer)) =
        (Side::new(cfg, zap.clone()), Side::new(peer_cfg, accept))
    else {
        return;
    };
    let asks_zap = side.hs.zap();

    let mut pending = BytesMut::new();
    let mut greeting_left = 64;
    let mut unit_index = 0;
    let mut edited = false;
    let mut sent_messages = Vec::new();
    for _ in 0..64 {
        let to_peer = side.out.split();
        peer.feed(&to_peer);
        pending.extend_from_slice(&peer.out.split());
        if let (Some(est), true) = (peer.established(), sent_messages.is_empty()) {
            sent_messages = peer_messages(est)
                .iter()
                .map(|m| {
                    (
                        m.flags() & (flags::MORE | flags::COMMAND),
                        m.data().to_vec(),
                    )
                })
                .collect();
            for m in peer_messages(est) {
                est.traffic
                    .encode(m, &mut pending)
                    .expect("a valid peer encodes");
            }
        }
        let mut moved = !to_peer.is_empty();
        while let Some(n) = next_unit(&pending, greeting_left) {
            let mut unit = pending.split_to(n).to_vec();
            greeting_left -= n.min(greeting_left);
            if unit_index == target_unit {
                mutate(&mut unit, &mut input);
                edited = true;
            }
            unit_index += 1;
            for piece in unit.chunks(read_size) {
                side.feed(piece);
            }
            moved = true;
        }
        if !moved && side.out.is_empty() {
            break;
        }
    }

    let refused = asks_zap && zap.status_code != 200;
    let incompatible = pair == PAIRS.len() - 1;
    if !edited && !refused && !incompatible {
        match &side.done {
            Some(Ok(_)) => {}
            other => panic!(
                "a valid peer failed: {:?}",
                other.as_ref().map(|o| o.as_ref().err())
            ),
        }
        assert_eq!(side.received, sent_messages, "messages from a valid peer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn seed(target: &str, name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target)
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every committed seed of these targets runs cleanly.
    #[test]
    fn seeds_replay_cleanly() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
        let mut replayed = 0;
        for (name, harness) in TARGETS.iter().chain(super::super::wire::TARGETS) {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for file in dir {
                harness(&std::fs::read(file.unwrap().path()).unwrap());
                replayed += 1;
            }
        }
        assert!(replayed >= 50, "only {replayed} seeds");
    }

    /// The HELLO Debian's libzmq sent (recorded with the harness's fixed
    /// keys) opens in our server, which answers with a WELCOME: the
    /// `handshake` target's CURVE seeds start past the box.
    #[test]
    fn recorded_curve_hello_opens() {
        let data = seed("handshake", "curve-dealer-router-as-server");
        let mut input = Input::new(&data);
        let setting = input.byte();
        assert_eq!(setting & 3, 2, "a CURVE seed");
        let socket_type = PAIRS[input.byte() as usize].0;
        input.take(5);
        let mut cfg = config(socket_type, MechanismKind::Curve, true);
        cfg.zap = false;
        cfg.zap_enforce_domain = true;
        let mut side = Side::new(cfg, zap_reply(&mut Input::new(&[]))).unwrap();
        side.feed(input.rest());
        // Our greeting, then WELCOME: a 168-byte command body.
        assert!(
            side.out.len() >= 64 + 2 + 168,
            "no WELCOME: {:?}",
            side.done
        );
        assert_eq!(&side.out[64..74], b"\x04\xa8\x07WELCOME");
    }

    /// With no edit, every mechanism and socket pair completes and the
    /// peer's messages arrive (the harness's own check), in both roles.
    #[test]
    fn valid_peers_complete_without_edits() {
        for mechanism in 0..3u8 {
            for pair in 0..8u8 {
                // setting (ZAP on for odd pairs), read size, empty metadata
                // value, ZAP 200 with no user id or metadata, a unit index
                // past the end.
                let zap = (pair & 1) << 5;
                let input = [mechanism | pair << 2 | zap, pair * 9, 0, 0, 0, 0, 23];
                handshake_server(&input);
                handshake_client(&input);
            }
        }
    }
}
