//! Harnesses for PGM (`crate::pgm`): the packet parser, which any host
//! that can reach the group or the port feeds, and a source's receive
//! window with the message decoder behind it, driven by a stream of
//! packets and clock steps in any order, and libzmq's framing of messages
//! in a stream of payloads, sent and joined anywhere.

use std::time::{Duration, Instant};

use super::Harness;
use crate::pgm::framing::{Packer, Unpacker, NO_START};
use crate::pgm::packet::{self, Body, Head};
use crate::pgm::receiver::{Delivery, RxConfig, RxWindow};

pub const TARGETS: &[(&str, Harness)] = &[
    ("pgm_packet", pgm_packet),
    ("pgm_receiver", pgm_receiver),
    ("pgm_framing", pgm_framing),
];

/// Any bytes as a PGM packet. What parses is re-encoded from its fields
/// and must parse back to the same fields.
pub fn pgm_packet(data: &[u8]) {
    let Some(p) = packet::parse(data) else {
        return;
    };
    let head = Head {
        tsi: p.tsi,
        dport: p.dport,
    };
    let mut out = Vec::new();
    match &p.body {
        Body::Spm {
            sqn,
            trail,
            lead,
            nla,
        } => packet::spm(&mut out, &head, *sqn, *trail, *lead, *nla),
        Body::Data {
            repair,
            sqn,
            trail,
            fragment: None,
            payload,
        } => {
            assert!(payload.len() <= data.len());
            packet::data(&mut out, &head, *repair, *sqn, *trail, payload)
        }
        Body::Nak {
            confirm,
            sqns,
            source,
            group,
        } => {
            assert!(!sqns.is_empty() && sqns.len() <= packet::NAK_LIST_MAX + 1);
            packet::nak(&mut out, &head, *confirm, sqns, *source, *group)
        }
        Body::Spmr => packet::spmr(&mut out, &head),
        _ => return,
    }
    let again = packet::parse(&out).expect("an encoded packet parses");
    assert_eq!(again, p, "re-encoded packet");
}

/// Records: an op byte, then its fields. Packets' sequence numbers are
/// near the window's start so the fuzzer reaches gaps, repairs and
/// losses; each payload begins with its own sequence number, so the
/// harness can check that what comes out is in order, once each, and
/// that the decoder behind never yields a message over ZMQ_MAXMSGSIZE.
pub fn pgm_receiver(data: &[u8]) {
    const BASE: u32 = u32::MAX - 300; // sequence numbers wrap in reach
    const MAX_MSG: i64 = 1000;
    let cfg = RxConfig {
        window: 64,
        nak_data_retries: 3,
        nak_ncf_retries: 3,
        ..RxConfig::default()
    };
    let mut now = Instant::now();
    let mut w = RxWindow::new(BASE, cfg, 1);
    let mut u = Unpacker::new(MAX_MSG);
    let mut last: Option<u32> = None;
    let mut naks = Vec::new();
    let mut rest = data;
    let near = |b: &[u8]| BASE.wrapping_add(u32::from(u16::from_be_bytes([b[0], b[1]]) % 1024));
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 5 {
            0 if rest.len() >= 5 => {
                let (sqn, trail) = (near(&rest[..2]), near(&rest[2..4]));
                let n = usize::from(rest[4]).min(rest.len() - 5);
                let mut payload = sqn.to_be_bytes().to_vec();
                payload.extend_from_slice(&rest[5..5 + n]);
                // Trails far ahead are the source's word too.
                w.data(sqn, trail.min(sqn), &payload, now);
                rest = &rest[5 + n..];
            }
            1 if rest.len() >= 4 => {
                w.spm(near(&rest[..2]), near(&rest[2..4]), now);
                rest = &rest[4..];
            }
            2 if rest.len() >= 2 => {
                w.ncf(&[near(&rest[..2])], now);
                rest = &rest[2..];
            }
            3 if !rest.is_empty() => {
                now += Duration::from_millis(u64::from(rest[0]) * 8);
                rest = &rest[1..];
            }
            _ => {
                naks.clear();
                w.poll(now, &mut naks);
                assert!(naks.len() <= 65);
            }
        }
        assert!(w.held() <= 65, "window holds {}", w.held());
        while let Some(d) = w.pop() {
            match d {
                Delivery::Lost => u.reset(),
                Delivery::Payload(p) => {
                    let sqn = u32::from_be_bytes([p[0], p[1], p[2], p[3]]);
                    if let Some(l) = last {
                        assert!((sqn.wrapping_sub(l) as i32) > 0, "{sqn} after {l}");
                    }
                    last = Some(sqn);
                    let _ = u.payload(&p[4..], &mut |m| {
                        assert!(m.size() as i64 <= MAX_MSG);
                    });
                }
            }
        }
    }
}

/// The first two bytes set the payload size; then records of two bytes
/// (a frame's length, up to 4 KiB, and whether MORE follows) make the
/// frames, cut into payloads as a streaming sender cuts them (a payload as
/// soon as one is full, the rest at the end). Joined at any payload, the
/// decoder must give whole messages, in order, each as sent: a suffix of
/// what went in, starting where the first message start after the join
/// point is.
pub fn pgm_framing(data: &[u8]) {
    let Some((size, mut rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max_tsdu = 16 + usize::from(u16::from_be_bytes(*size)) % 1500;
    let mut packer = Packer::new(max_tsdu);
    let mut frames: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    while let Some((rec, tail)) = rest.split_first_chunk::<2>() {
        rest = tail;
        let len = usize::from(u16::from_be_bytes(*rec) & 0x0fff);
        let more = rec[0] & 0x80 != 0;
        let body: Vec<u8> = (0..len).map(|i| (frames.len() + i) as u8).collect();
        packer.push(&body, more);
        frames.push((body, more));
        while packer.has_full_payload() {
            let mut p = Vec::new();
            assert!(packer.next_payload(&mut p));
            payloads.push(p);
        }
    }
    let mut p = Vec::new();
    while packer.next_payload(&mut p) {
        assert!(p.len() <= max_tsdu);
        payloads.push(std::mem::take(&mut p));
    }
    // Where each message starts, as an index into `frames`.
    let mut starts = Vec::new();
    let mut in_message = false;
    for (i, (_, more)) in frames.iter().enumerate() {
        if !in_message {
            starts.push(i);
        }
        in_message = *more;
    }
    let joins = [
        0,
        1,
        payloads.len() / 3,
        payloads.len() / 2,
        payloads.len().saturating_sub(1),
    ];
    for &from in joins.iter().filter(|&&f| f < payloads.len()) {
        let mut u = Unpacker::new(-1);
        let mut got: Vec<(Vec<u8>, bool)> = Vec::new();
        for p in &payloads[from..] {
            assert!(p.len() >= 2 && p.len() <= max_tsdu);
            let off = u16::from_be_bytes([p[0], p[1]]);
            assert!(off == NO_START || usize::from(off) < p.len() - 2);
            u.payload(p, &mut |m| got.push((m.data().to_vec(), m.more())))
                .expect("a packed stream decodes");
        }
        // Only whole messages came out: the last one ends without MORE
        // unless the input itself ended inside a message.
        let Some(first) = got.first() else { continue };
        let at = starts
            .iter()
            .copied()
            .find(|&s| frames[s] == *first && frames[s..].starts_with(&got))
            .expect("what came out is the stream from a message start");
        if from == 0 {
            assert_eq!(at, 0, "joined at the first payload");
            assert_eq!(got.len(), frames.len());
        }
    }
}
