use super::*;
use crate::pgm::packet::{parse, Body, Tsi};

fn source(now: Instant, rate: u64) -> Source {
    let head = Head {
        tsi: Tsi {
            gsi: [1, 2, 3, 4, 5, 6],
            sport: 4000,
        },
        dport: 5555,
    };
    let cfg = TxConfig {
        window: 4,
        rate,
        overhead: 28,
        ambient_spm: Duration::from_secs(30),
    };
    Source::new(
        cfg,
        head,
        Ipv4Addr::LOCALHOST,
        Ipv4Addr::new(239, 1, 1, 1),
        now,
    )
}

fn controls(s: &mut Source, now: Instant) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    loop {
        let mut out = Vec::new();
        if !s.control(&mut out, now) {
            return v;
        }
        v.push(out);
    }
}

#[test]
fn three_spms_start_the_session() {
    let t = Instant::now();
    let mut s = source(t, 0);
    let spms = controls(&mut s, t);
    assert_eq!(spms.len(), 3);
    for (i, b) in spms.iter().enumerate() {
        let Body::Spm { sqn, lead, .. } = parse(b).unwrap().body else {
            panic!("not an SPM");
        };
        assert_eq!((sqn, lead), (i as u32, u32::MAX));
    }
    // Then the heartbeat after data.
    let mut out = Vec::new();
    s.odata(b"x", &mut out, t);
    assert!(controls(&mut s, t).is_empty());
    let hb = controls(&mut s, t + Duration::from_millis(100));
    assert_eq!(hb.len(), 1);
    let Body::Spm { lead, .. } = parse(&hb[0]).unwrap().body else {
        panic!("not an SPM");
    };
    assert_eq!(lead, 0);
}

#[test]
fn naks_in_the_window_are_confirmed_then_repaired() {
    let t = Instant::now();
    let mut s = source(t, 0);
    controls(&mut s, t);
    for i in 0..6u8 {
        let mut out = Vec::new();
        s.odata(&[i], &mut out, t);
    }
    // The window holds 2..=5; 0 is gone.
    s.nak(&[0, 3, 4], Ipv4Addr::LOCALHOST, Ipv4Addr::new(239, 1, 1, 1));
    // A NAK naming another source or group is not ours.
    s.nak(
        &[5],
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(239, 1, 1, 1),
    );
    let out = controls(&mut s, t);
    assert_eq!(out.len(), 3);
    assert!(
        matches!(parse(&out[0]).unwrap().body, Body::Nak { confirm: true, ref sqns, .. } if sqns == &vec![3, 4])
    );
    for (b, want) in out[1..].iter().zip([3u32, 4]) {
        let Body::Data {
            repair,
            sqn,
            trail,
            payload,
            ..
        } = parse(b).unwrap().body
        else {
            panic!("not data");
        };
        assert!(repair);
        assert_eq!((sqn, trail, payload), (want, 2, &[want as u8][..]));
    }
    assert!(!s.repairs_pending());
}

#[test]
fn the_rate_limits_odata() {
    let t = Instant::now();
    // 16 KiB/s: the bucket holds one second's worth.
    let mut s = source(t, 16 * 1024);
    controls(&mut s, t);
    let mut sent = 0;
    while s.admit(1000, t) {
        sent += 1;
    }
    assert_eq!(sent, 16 * 1024 / 1028);
    let at = s.next_deadline(Some(1000), t);
    assert!(at > t && at <= t + Duration::from_millis(100));
    assert!(s.admit(1000, t + Duration::from_millis(100)));
}
