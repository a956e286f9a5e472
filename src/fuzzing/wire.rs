//! Fuzz harnesses for the ZMTP parsers that see a peer's bytes before any
//! mechanism is involved: the greeting and version detection, the frame
//! decoders, command bodies and metadata, and a ZAP handler's reply.
//!
//! Each is differential where the code allows it: the same bytes fed in
//! one piece and in pieces chosen by the input must give the same result,
//! and whatever parses must emit and parse back to the same value. The
//! handshakes themselves are in `handshake`.
//!
//! Input layout: the first bytes choose the setting (version, size limit,
//! split points); the rest is what the peer sent. Seeds recorded from
//! Debian's libzmq are in `fuzz/seeds/<target>/`
//! (`tools/record-fuzz-seeds.py`).

use bytes::{Bytes, BytesMut};

use super::Harness;
use crate::msg::{Metadata, Msg};
use crate::zmtp::command::{self, Command, Properties};
use crate::zmtp::greeting::{Greeting, GreetingExchange, MechanismName, PeerGreeting};
use crate::zmtp::{decoder, mechanism, protocol_error, Decoder, FailureEvent, Version};

pub const TARGETS: &[(&str, Harness)] = &[
    ("greeting", greeting),
    ("decoder", frames),
    ("command", commands),
    ("zap_reply", zap_reply),
];

/// Reads a fuzz input from the front: setting bytes first, then the rest.
/// Past the end every read gives zeros or nothing, so any input is usable.
pub(super) struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub(super) fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub(super) fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// Up to `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A byte-length-prefixed piece.
    pub(super) fn piece(&mut self) -> &'a [u8] {
        let n = self.byte() as usize;
        self.take(n)
    }

    pub(super) fn rest(&mut self) -> &'a [u8] {
        self.take(self.data.len())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Chunk lengths for splitting a stream: `count` bytes of the input,
/// each a length of 1 to 64 (0 means "all the rest", so a split can end
/// early).
pub(super) fn split_points(input: &mut Input, count: usize) -> Vec<usize> {
    (0..count).map(|_| (input.byte() % 65) as usize).collect()
}

/// `stream` cut as `points` say: each point is a chunk length, 0 takes
/// everything left; what is left after the last point is one more chunk.
pub(super) fn chunks<'a>(mut stream: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    for &n in points {
        if stream.is_empty() {
            break;
        }
        let n = if n == 0 {
            stream.len()
        } else {
            n.min(stream.len())
        };
        let (head, tail) = stream.split_at(n);
        out.push(head);
        stream = tail;
    }
    if !stream.is_empty() {
        out.push(stream);
    }
    out
}

/// Greeting exchange and version detection (3.x, 2.0, 1.0).
///
/// Input: a setting byte (mechanism, as-server, split count), the routing
/// id length and socket type we announce, the split points, then the
/// peer's stream. The exchange fed in pieces must reach the same verdict,
/// consume the same bytes and send the same greeting as when fed the whole
/// stream at once; a 3.x greeting must parse back from what it emits.
pub fn greeting(data: &[u8]) {
    let mut input = Input::new(data);
    let setting = input.byte();
    let mechanism = [
        MechanismName::NULL,
        MechanismName::PLAIN,
        MechanismName::CURVE,
    ][(setting % 3) as usize];
    let as_server = setting & 0x04 != 0;
    let routing_id_len = input.byte() as usize;
    let socket_type = input.byte();
    let points = split_points(&mut input, (setting >> 4) as usize);
    let stream = input.rest();

    let run = |pieces: &[&[u8]]| {
        let mut ex = GreetingExchange::new(routing_id_len, socket_type, mechanism, as_server);
        let mut sent = BytesMut::new();
        let mut received = BytesMut::new();
        let mut peer = None;
        ex.poll_transmit(&mut sent);
        for piece in pieces {
            received.extend_from_slice(piece);
            peer = ex.handle_input(&mut received);
            ex.poll_transmit(&mut sent);
        }
        assert!(sent.len() <= 64, "a greeting is at most 64 bytes");
        assert_eq!(&sent[..], ex.ours(), "sent what ours() says");
        (peer, sent, received)
    };
    let (peer, sent, rest) = run(&[stream]);
    let pieces = chunks(stream, &points);
    assert_eq!(
        run(&pieces),
        (peer, sent.clone(), rest.clone()),
        "split vs whole"
    );

    // What the verdict consumed, and the greeting we answered with.
    let consumed = stream.len() - rest.len();
    match peer {
        None => assert_eq!(consumed, 0, "nothing consumed before a verdict"),
        Some(PeerGreeting::Unversioned) => {
            assert_eq!(consumed, 0);
            assert_eq!(peer.unwrap().version(), Version::Zmtp10);
        }
        Some(PeerGreeting::Legacy {
            revision,
            socket_type: theirs,
        }) => {
            assert_eq!(consumed, 12);
            assert_eq!(revision, stream[10]);
            assert_eq!(theirs, stream[11]);
            assert_eq!(sent.len(), 12, "a 2.0 greeting tail");
            assert_eq!(sent[11], socket_type);
        }
        Some(PeerGreeting::V3(g)) => {
            assert_eq!(consumed, 64);
            assert_eq!(Greeting::parse(stream).ok(), Some(g));
            assert_eq!(sent.len(), 64);
            let ours = Greeting::parse(&sent).expect("our greeting parses");
            assert_eq!(ours.mechanism, mechanism);
            assert_eq!(ours.as_server, as_server);
            assert_eq!(ours.padding, routing_id_len as u64 + 1);
        }
    }
    // Any 64 bytes that parse emit and parse back to the same greeting.
    if let Ok(g) = Greeting::parse(stream) {
        let mut buf = [0u8; 64];
        g.emit(&mut buf);
        assert_eq!(Greeting::parse(&buf), Ok(g), "greeting round trip");
        assert!(matches!(g.version(), Version::Zmtp30 | Version::Zmtp31));
    }
}

/// What decoding a stream gave: each frame's flags and body, then the
/// error that ended it, if any.
type Decoded = (Vec<(u8, Vec<u8>)>, Option<crate::error::Error>);

/// Decodes `pieces` arriving one after the other; `short` also lets
/// `decode_short` take what it can first, as the engine does.
fn decode_all(decoder: &mut Decoder, pieces: &[&[u8]], short: bool) -> Decoded {
    let mut frames = Vec::new();
    let mut buf = BytesMut::new();
    let keep =
        |frames: &mut Vec<(u8, Vec<u8>)>, m: Msg| frames.push((m.flags(), m.data().to_vec()));
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            if short {
                decoder.decode_short(&mut buf, |m| {
                    keep(&mut frames, m);
                    true
                });
            }
            match decoder.decode(&mut buf) {
                Ok(Some(m)) => keep(&mut frames, m),
                Ok(None) => {
                    // The engine sizes its next read by this: zero would
                    // stall the connection.
                    assert!(decoder.bytes_wanted(buf.len()) > 0, "a stall");
                    break;
                }
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

/// Frame decoders of ZMTP 1.0, 2.0, 3.0 and 3.1, short and long frames.
///
/// Input: a setting byte (version, `ZMQ_MAXMSGSIZE` choice, whether the
/// split run uses `decode_short`), a size byte, a split count and points,
/// then the stream. The frames (and the error that ends them) must be the
/// same whole or in pieces, with or without `decode_short`; a frame over
/// the size limit is never delivered.
pub fn frames(data: &[u8]) {
    let mut input = Input::new(data);
    let setting = input.byte();
    let version = [
        Version::Zmtp10,
        Version::Zmtp20,
        Version::Zmtp30,
        Version::Zmtp31,
    ][(setting & 3) as usize];
    let size = input.byte() as i64;
    let max_msg_size = match (setting >> 2) & 7 {
        0 | 1 => -1,
        2 => 0,
        3 => size,
        4 => size * 16,
        5 => 255,
        6 => 256,
        _ => i64::MAX,
    };
    let short = setting & 0x20 != 0;
    let count = (input.byte() % 32) as usize;
    let points = split_points(&mut input, count);
    let stream = input.rest();

    let whole = decode_all(&mut Decoder::new(version, max_msg_size), &[stream], false);
    let pieces = chunks(stream, &points);
    let split = decode_all(&mut Decoder::new(version, max_msg_size), &pieces, short);
    assert_eq!(whole, split, "whole vs split decode");
    for (msg_flags, body) in &whole.0 {
        if max_msg_size >= 0 {
            assert!(body.len() as i64 <= max_msg_size, "frame over the limit");
        }
        if version.is_length_first() {
            assert_eq!(
                msg_flags & crate::msg::flags::COMMAND,
                0,
                "1.0 has no commands"
            );
        }
        // Subscriptions in 3.0 form come from ordinary messages.
        if let Some((_, topic)) = decoder::legacy_subscription(&Bytes::copy_from_slice(body)) {
            assert_eq!(topic.len() + 1, body.len());
        }
    }
}

/// Command bodies and metadata: `Command::parse` (READY, ERROR,
/// SUBSCRIBE, CANCEL, PING, PONG, and unknown names such as JOIN/LEAVE),
/// the mechanisms' peer-metadata and ERROR checks.
///
/// Input: a socket type byte, then a command body. What parses emits and
/// parses back to the same command, byte for byte where the form is
/// canonical.
pub fn commands(data: &[u8]) {
    let mut input = Input::new(data);
    let socket_type = (input.byte() % 12) as i32;
    let body = Bytes::copy_from_slice(input.rest());

    let structure_ok = mechanism::check_command_structure(&body).is_ok();
    let parsed = Command::parse(&body);
    if let Ok((name, data)) = command::split(&body) {
        assert!(structure_ok || data.is_empty());
        assert_eq!(1 + name.len() + data.len(), body.len());
        if &name[..] == command::ERROR {
            // The mechanisms' reading of a peer's ERROR agrees with parse.
            let malformed = Some(FailureEvent::Protocol(
                protocol_error::ZMTP_MALFORMED_COMMAND_ERROR,
            ));
            assert_eq!(
                mechanism::peer_error(&data).event == malformed,
                parsed.is_err()
            );
        }
        if &name[..] == command::READY {
            if let Ok(props) = mechanism::parse_peer_properties(socket_type, &data) {
                assert!(mechanism::peer_socket_type_ok(socket_type, &props));
                assert_eq!(parsed.as_ref().ok(), Some(&Command::Ready(props)));
            }
        }
    } else {
        assert!(parsed.is_err(), "a body that does not split does not parse");
    }
    let Ok(cmd) = parsed else {
        return;
    };
    let emitted = cmd.to_bytes();
    assert_eq!(
        Command::parse(&emitted).as_ref(),
        Ok(&cmd),
        "command round trip"
    );
    match &cmd {
        Command::Error { reason } => {
            assert_eq!(
                &emitted[..],
                &body[..7 + reason.len()],
                "ERROR ignores its tail"
            );
        }
        _ => assert_eq!(emitted, body, "canonical command"),
    }
    if let Command::Ready(props) = &cmd {
        assert_eq!(props.emitted_len(), body.len() - 6);
        let mut metadata = Metadata::new();
        props.merge_into(&mut metadata);
        for (name, _) in props.iter() {
            assert!(command::is_valid_property_name(name.as_bytes()));
            assert!(props.get(name).is_some(), "a parsed name is found");
            assert!(metadata.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        }
    }
    if let Command::Ping { context, .. } = &cmd {
        let Command::Pong { context: echoed } = Command::pong_for(context) else {
            unreachable!("pong_for gives PONG");
        };
        assert!(echoed.len() <= command::PING_CONTEXT_MAX);
        assert!(context.starts_with(&echoed));
    }
    assert!(!cmd.name().is_empty());
}

/// A ZAP handler's reply (RFC 27): the frames the ZAP client checks, then
/// the verdict the mechanisms act on.
///
/// Input: a frame count, then each frame as a length byte and its bytes.
pub fn zap_reply(data: &[u8]) {
    let mut input = Input::new(data);
    let count = (input.byte() % 10) as usize;
    let frames: Vec<&[u8]> = (0..count).map(|_| input.piece()).collect();
    let msgs = frames.iter().map(|f| Msg::from_slice(f)).collect();
    let Ok(reply) = crate::engine::zap::check_reply(msgs) else {
        return;
    };
    assert_eq!(frames.len(), 7);
    assert_eq!(&reply.user_id[..], frames[5]);
    assert_eq!(
        Properties::parse(&Bytes::copy_from_slice(frames[6])).as_ref(),
        Ok(&reply.metadata)
    );
    let status = reply.status_code;
    match mechanism::zap_verdict(reply) {
        Ok(mechanism::ZapVerdict::Accepted {
            properties,
            user_id,
        }) => {
            assert_eq!(status, 200);
            assert_eq!(properties.get("User-Id"), Some(&user_id));
        }
        Ok(mechanism::ZapVerdict::Refused { error, .. }) => {
            assert!(matches!(status, 300 | 400 | 500));
            assert_eq!(error.is_none(), status == 300);
        }
        Err(_) => panic!("a checked reply has a known status code"),
    }
}
