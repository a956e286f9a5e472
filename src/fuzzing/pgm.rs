//! Harnesses for PGM (`crate::pgm`): the packet parser, which any host
//! that can reach the group or the port feeds, and a source's receive
//! window with the message decoder behind it, driven by a stream of
//! packets and clock steps in any order.

use std::time::{Duration, Instant};

use super::Harness;
use crate::pgm::framing::Unpacker;
use crate::pgm::packet::{self, Body, Head};
use crate::pgm::receiver::{Delivery, RxConfig, RxWindow};

pub const TARGETS: &[(&str, Harness)] =
    &[("pgm_packet", pgm_packet), ("pgm_receiver", pgm_receiver)];

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
