//! Harnesses for what a peer sends below ZMTP: a SOCKS5 proxy's replies
//! (RFC 1928, RFC 1929) to our CONNECT exchange, and the udp:// datagrams
//! RADIO/DISH and DGRAM exchange (zmq_udp(7)).

use std::net::SocketAddr;

use bytes::BytesMut;

use super::Harness;
use crate::socket::{decode_group, encode_group, parse_peer, peer_frame, MAX_DATAGRAM};
use crate::transport::address::TcpAddress;
use crate::transport::socks::{Progress, SocksAddr, SocksClient, SocksError};
use crate::transport::tls::x509::CertNames;

pub const TARGETS: &[(&str, Harness)] = &[
    ("socks", socks),
    ("udp_datagram", udp_datagram),
    ("tls_cert", tls_cert),
];

/// A destination for when the input names none that parses.
const FALLBACK_TARGET: &str = "127.0.0.1:5555";

/// One SOCKS5 exchange. Input: a flag byte (bit 0: offer
/// username/password, bit 1: with an empty password; bits 2-7 choose how
/// the proxy's stream is cut into reads), then the `tcp://` destination
/// and the `ZMQ_SOCKS_PROXY` address, each ended by a NUL, then the
/// proxy's stream. The exchange must end the same way however the stream
/// is cut, and must consume only its own bytes.
pub fn socks(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |&b| b == 0);
    let target = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let proxy = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let stream = parts.next().unwrap_or_default();

    // The proxy address goes through zmq_connect's syntax check, and is
    // not resolved here (the connecter would, with DNS).
    if let Ok(addr) = TcpAddress::for_connect(&proxy) {
        let _ = SocksAddr::from_endpoint(addr.as_str());
    }
    let target = match SocksAddr::from_endpoint(&target) {
        Ok(t) => t,
        Err(e) => {
            assert_eq!(e, SocksError::BadEndpoint, "{target:?}");
            SocksAddr::from_endpoint(FALLBACK_TARGET).expect("fallback parses")
        }
    };
    let (user, pass): (&[u8], &[u8]) = match flags & 3 {
        0 | 2 => (b"", b""),
        1 => (b"user", b"secret"),
        _ => (b"user", b""),
    };
    let Ok(make) = SocksClient::new(target.clone(), user, pass) else {
        // An empty or over-long host name.
        assert!(matches!(target, SocksAddr::Domain { .. }));
        return;
    };

    let whole = run_socks(make.clone(), stream, &mut std::iter::repeat(stream.len()));
    let mut cuts = Cuts(flags >> 2);
    let cut = run_socks(make, stream, &mut std::iter::from_fn(|| Some(cuts.next())));
    assert_eq!(cut, whole, "the result depends on how the stream is cut");

    let (progress, sent, left) = whole;
    assert_eq!(&sent[..2], &[5, 1], "greeting");
    assert!(stream.ends_with(&left), "consumed bytes not at the front");
    match progress {
        Progress::Pending => unreachable!("end of stream gives a result"),
        Progress::Done(_) => {
            // The CONNECT request went out, and asked for our target.
            let port = target.port().to_be_bytes();
            assert!(sent.ends_with(&port), "request names another port");
        }
        Progress::Failed(_) => {}
    }
}

/// Read sizes, from a seed: 1 to 8 bytes, cycling.
struct Cuts(u8);

impl Cuts {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(5).wrapping_add(3);
        usize::from(self.0 >> 5) + 1
    }
}

/// Feeds `stream` in reads of the sizes `cuts` gives, then the end of the
/// stream if the exchange still waits. Returns the result, all we sent,
/// and what was left unconsumed.
fn run_socks(
    mut client: SocksClient,
    stream: &[u8],
    cuts: &mut dyn Iterator<Item = usize>,
) -> (Progress, Vec<u8>, Vec<u8>) {
    let mut out = BytesMut::new();
    let mut input = BytesMut::new();
    client.poll_transmit(&mut out);
    let mut progress = Progress::Pending;
    let mut at = 0;
    while at < stream.len() {
        let n = cuts.next().unwrap_or(1).clamp(1, stream.len() - at);
        input.extend_from_slice(&stream[at..at + n]);
        at += n;
        progress = client.handle_input(&mut input);
        client.poll_transmit(&mut out);
    }
    if progress == Progress::Pending {
        progress = client.handle_eof();
        assert_eq!(progress, Progress::Failed(SocksError::Truncated));
    }
    // Over is over: the same answer again, nothing consumed.
    let len = input.len();
    assert_eq!(client.handle_input(&mut input), progress);
    assert_eq!(input.len(), len);
    (progress, out.to_vec(), input.to_vec())
}

/// One received datagram, read as a DISH reads it (group length, group,
/// body) and as a DGRAM peer's address frame. Whatever decodes must
/// encode back to the same datagram.
pub fn udp_datagram(data: &[u8]) {
    match decode_group(data) {
        Some((group, mut body)) => {
            assert_eq!(1 + group.size() + body.size(), data.len());
            assert_eq!(group.size(), usize::from(data[0]));
            if data.len() <= MAX_DATAGRAM {
                let again = encode_group(group.data(), body.data());
                assert_eq!(again.as_deref(), Some(data), "group datagram round trip");
            }
            // The DISH hands the body out with its group set.
            body.set_group(group.data())
                .expect("a one-byte length fits");
            assert_eq!(body.group(), group.data());
        }
        None => assert!(data.is_empty() || usize::from(data[0]) >= data.len()),
    }
    if let Some(peer) = parse_peer(data) {
        assert_ne!(peer.port(), 0);
        let frame = peer_frame(&peer);
        assert_eq!(frame.data().last(), Some(&0), "NUL-terminated");
        let back = parse_peer(frame.data()).expect("a peer frame names a peer");
        // The frame names the address and port only (an IPv4-mapped one
        // as IPv4), not an IPv6 scope or flow.
        let plain = |a: SocketAddr| (a.ip().to_canonical(), a.port());
        assert_eq!(plain(back), plain(peer), "peer frame round trip");
    }
}

/// A certificate as a wss server presents it (DER), read for the hostname
/// check: never a panic; a plain name the certificate lists is a name it
/// names; its validity period holds at its own ends only when ordered.
pub fn tls_cert(data: &[u8]) {
    let Some(names) = CertNames::parse(data) else {
        return;
    };
    for name in &names.dns {
        let plain = !name.is_empty()
            && !name.contains('*')
            && !name.ends_with('.')
            && name
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_err();
        if plain {
            assert!(names.names_host(name), "{name:?} not named by {names:?}");
        }
    }
    let ordered = names.not_before <= names.not_after;
    assert_eq!(names.valid_at(names.not_before), ordered);
    assert_eq!(names.valid_at(names.not_after), ordered);
}
