//! Socket types as ZMTP names them (the `Socket-Type` property, RFC 37
//! §"The Socket-Type Property") and which pairs may talk.
//!
//! Numbers are zmq.h's `ZMQ_PAIR` .. `ZMQ_CHANNEL`; the DRAFT types are
//! included. STREAM never speaks ZMTP and has no valid peer here.

pub const PAIR: i32 = 0;
pub const PUB: i32 = 1;
pub const SUB: i32 = 2;
pub const REQ: i32 = 3;
pub const REP: i32 = 4;
pub const DEALER: i32 = 5;
pub const ROUTER: i32 = 6;
pub const PULL: i32 = 7;
pub const PUSH: i32 = 8;
pub const XPUB: i32 = 9;
pub const XSUB: i32 = 10;
pub const STREAM: i32 = 11;
pub const SERVER: i32 = 12;
pub const CLIENT: i32 = 13;
pub const RADIO: i32 = 14;
pub const DISH: i32 = 15;
pub const GATHER: i32 = 16;
pub const SCATTER: i32 = 17;
pub const DGRAM: i32 = 18;
pub const PEER: i32 = 19;
pub const CHANNEL: i32 = 20;

/// Names indexed by socket type number.
const NAMES: [&str; 21] = [
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB",
    "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL",
];

/// The `Socket-Type` value for a socket type, or `None` if unknown.
pub fn name(socket_type: i32) -> Option<&'static str> {
    usize::try_from(socket_type)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
}

/// The socket type a `Socket-Type` value names (exact, case-sensitive).
pub fn from_name(name: &[u8]) -> Option<i32> {
    NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .map(|i| i as i32)
}

/// The peer socket types `ours` accepts (libzmq's pairing table; RFC 37
/// lists the same, plus DGRAM with itself).
pub fn valid_peers(ours: i32) -> &'static [i32] {
    match ours {
        REQ => &[REP, ROUTER],
        REP => &[REQ, DEALER],
        DEALER => &[REP, DEALER, ROUTER],
        ROUTER => &[REQ, DEALER, ROUTER],
        PUSH => &[PULL],
        PULL => &[PUSH],
        PUB | XPUB => &[SUB, XSUB],
        SUB | XSUB => &[PUB, XPUB],
        PAIR => &[PAIR],
        SERVER => &[CLIENT],
        CLIENT => &[SERVER],
        RADIO => &[DISH],
        DISH => &[RADIO],
        GATHER => &[SCATTER],
        SCATTER => &[GATHER],
        DGRAM => &[DGRAM],
        PEER => &[PEER],
        CHANNEL => &[CHANNEL],
        _ => &[],
    }
}

/// Whether a socket of type `ours` accepts a peer announcing `peer_name`.
pub fn is_compatible(ours: i32, peer_name: &[u8]) -> bool {
    from_name(peer_name).is_some_and(|peer| valid_peers(ours).contains(&peer))
}

/// Whether a socket of this type announces an `Identity` property in its
/// READY (libzmq: REQ, DEALER and ROUTER only, even when it is empty).
pub fn sends_identity(socket_type: i32) -> bool {
    matches!(socket_type, REQ | DEALER | ROUTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in PAIR..=CHANNEL {
            assert_eq!(from_name(name(t).unwrap().as_bytes()), Some(t));
        }
        assert_eq!(name(21), None);
        assert_eq!(name(-1), None);
        assert_eq!(from_name(b"dealer"), None);
    }

    #[test]
    fn pairing_table_is_symmetric() {
        for a in PAIR..=CHANNEL {
            for &b in valid_peers(a) {
                assert!(valid_peers(b).contains(&a), "{a} accepts {b} but not back");
            }
        }
    }

    #[test]
    fn pairings() {
        let cases: &[(i32, &[u8], bool)] = &[
            (REQ, b"REP", true),
            (REQ, b"ROUTER", true),
            (REQ, b"DEALER", false),
            (ROUTER, b"ROUTER", true),
            (PUB, b"XSUB", true),
            (PUB, b"PUB", false),
            (XSUB, b"XPUB", true),
            (PUSH, b"PULL", true),
            (PUSH, b"PUSH", false),
            (PAIR, b"PAIR", true),
            (CLIENT, b"SERVER", true),
            (RADIO, b"DISH", true),
            (SCATTER, b"GATHER", true),
            (PEER, b"PEER", true),
            (CHANNEL, b"CHANNEL", true),
            (STREAM, b"STREAM", false),
            (DEALER, b"dealer", false),
            (DEALER, b"", false),
        ];
        for &(ours, peer, ok) in cases {
            assert_eq!(is_compatible(ours, peer), ok, "{ours} with {peer:?}");
        }
    }

    #[test]
    fn identity_senders() {
        let senders: Vec<i32> = (PAIR..=CHANNEL).filter(|&t| sends_identity(t)).collect();
        assert_eq!(senders, vec![REQ, DEALER, ROUTER]);
    }
}
