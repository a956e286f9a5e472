use bytes::BytesMut;

use super::accept::{accept_key, base64, sha1};
use super::frame::{self, Frame, FrameDecoder, FrameError, Outgoing};
use super::upgrade::{self, Subprotocol, UpgradeError};
use crate::zmtp::MechanismKind;

#[test]
fn accept_key_of_rfc_6455_example() {
    // RFC 6455 §1.3.
    assert_eq!(
        accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn sha1_and_base64_known_answers() {
    // FIPS 180-2 appendix A.1 and an empty input; RFC 4648 §10.
    assert_eq!(base64(&sha1(b"abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    assert_eq!(base64(&sha1(b"")), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    let long = vec![b'a'; 1000];
    assert_eq!(sha1(&long).len(), 20);
    for (input, output) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), output);
    }
}

#[test]
fn request_and_response_round_trip() {
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let mut req = upgrade::request("/path", "127.0.0.1", key, MechanismKind::Null);
    req.extend_from_slice(b"trailing");
    let (accepted, n) = upgrade::parse_request(&req, MechanismKind::Null)
        .unwrap()
        .unwrap();
    assert_eq!(accepted.protocol, Subprotocol::Null);
    assert_eq!(accepted.key, key);
    assert_eq!(accepted.resource, "/path");
    assert_eq!(&req[n..], b"trailing");
    let resp = upgrade::response(key, accepted.protocol);
    let (p, m) = upgrade::parse_response(&resp, key, MechanismKind::Null)
        .unwrap()
        .unwrap();
    assert_eq!((p, m), (Subprotocol::Null, resp.len()));
    // A wrong accept key is refused.
    assert_eq!(
        upgrade::parse_response(&resp, "AAAAAAAAAAAAAAAAAAAAAA==", MechanismKind::Null),
        Err(UpgradeError::Refused)
    );
}

#[test]
fn partial_requests_wait_and_bad_ones_fail() {
    let req = upgrade::request("/", "h", "a2V5", MechanismKind::Plain);
    for cut in 0..req.len() {
        assert_eq!(
            upgrade::parse_request(&req[..cut], MechanismKind::Plain),
            Ok(None)
        );
    }
    // A PLAIN request to a NULL server: no subprotocol in common.
    assert_eq!(
        upgrade::parse_request(&req, MechanismKind::Null),
        Err(UpgradeError::Refused)
    );
    let bad: &[&[u8]] = &[
        b"POST / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"GET  HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
    ];
    for b in bad {
        assert_eq!(
            upgrade::parse_request(b, MechanismKind::Null),
            Err(UpgradeError::Malformed),
            "{:?}",
            String::from_utf8_lossy(b)
        );
    }
    let refused: &[&[u8]] = &[
        // No Upgrade, no key, no protocol, unknown protocol.
        b"GET / HTTP/1.1\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Protocol: ZWS2.0\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: ZWS2.0\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
    ];
    for b in refused {
        assert_eq!(
            upgrade::parse_request(b, MechanismKind::Null),
            Err(UpgradeError::Refused)
        );
    }
    // Oversized header blocks are refused before they complete.
    let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
    huge.resize(upgrade::HEADER_MAX, b'a');
    assert_eq!(
        upgrade::parse_request(&huge, MechanismKind::Null),
        Err(UpgradeError::Malformed)
    );
}

#[test]
fn browser_style_request_is_accepted() {
    let req = b"GET /?x=1 HTTP/1.1\r\nHost: 127.0.0.1:5555\r\nConnection: keep-alive, Upgrade\r\n\
upgrade: WebSocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: abcd\r\n\
Sec-WebSocket-Protocol: ZWS2.0, ZWS2.0/NULL\r\n\r\n";
    let (a, _) = upgrade::parse_request(req, MechanismKind::Null)
        .unwrap()
        .unwrap();
    // The first listed that we speak wins.
    assert_eq!(a.protocol, Subprotocol::Bare);
}

fn encoded(frame: Outgoing<'_>, mask: Option<[u8; 4]>) -> BytesMut {
    let mut out = BytesMut::new();
    frame::encode(frame, mask, &mut out);
    out
}

#[test]
fn frames_round_trip_in_every_length_form() {
    for len in [0usize, 1, 124, 125, 126, 65534, 65535, 65536, 200_000] {
        let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
        for mask in [None, Some([1, 2, 3, 4])] {
            let mut input = encoded(
                Outgoing::Message {
                    flags: frame::MORE,
                    body: &body,
                },
                mask,
            );
            let mut dec = FrameDecoder::new(mask.is_some(), -1);
            // Nothing comes out of any prefix.
            let whole = input.clone();
            for cut in [0, 1, input.len() / 2, input.len() - 1] {
                let mut part = BytesMut::from(&whole[..cut]);
                assert_eq!(dec.decode(&mut part, None), Ok(None));
            }
            let f = dec.decode(&mut input, None).unwrap().unwrap();
            assert_eq!(
                f,
                Frame::Message {
                    more: true,
                    command: false,
                    body: body.clone().into()
                }
            );
            assert!(input.is_empty());
        }
    }
}

#[test]
fn control_frames_and_violations() {
    let mut dec = FrameDecoder::new(true, 10);
    let mut ping = encoded(Outgoing::Ping, Some([9, 9, 9, 9]));
    assert_eq!(
        dec.decode(&mut ping, None),
        Ok(Some(Frame::Ping(Default::default())))
    );
    // Unmasked from a client.
    let mut unmasked = encoded(Outgoing::Pong, None);
    assert_eq!(dec.decode(&mut unmasked, None), Err(FrameError::Protocol));
    // Over ZMQ_MAXMSGSIZE (10), refused at the header.
    let big = [0u8; 11];
    let mut input = encoded(
        Outgoing::Message {
            flags: 0,
            body: &big,
        },
        Some([1; 4]),
    );
    input.truncate(8);
    assert_eq!(dec.decode(&mut input, None), Err(FrameError::TooLarge));
    // Over the caller's limit.
    let mut input = encoded(
        Outgoing::Message {
            flags: 2,
            body: &big[..5],
        },
        Some([1; 4]),
    );
    assert_eq!(dec.decode(&mut input, Some(4)), Err(FrameError::OverLimit));
    // Text, continuation, no FIN, reserved bits, empty binary.
    for b in [
        [0x81u8, 0x80],
        [0x80, 0x80],
        [0x02, 0x80],
        [0xC2, 0x80],
        [0x82, 0x80],
    ] {
        let mut input = BytesMut::from(&b[..]);
        input.extend_from_slice(&[0; 4]);
        assert_eq!(
            dec.decode(&mut input, None),
            Err(FrameError::Protocol),
            "{b:?}"
        );
    }
    // A control frame over 125 bytes.
    let mut input = BytesMut::from(&[0x89u8, 0x80 | 126, 0, 126, 0, 0, 0, 0][..]);
    assert_eq!(dec.decode(&mut input, None), Err(FrameError::Protocol));
}
