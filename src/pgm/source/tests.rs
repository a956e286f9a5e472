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
        max_packet: 1472,
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
    // 1.5 MB/s (12000 kbit/s, libzmq's ZMQ_RATE in the suite): the bucket
    // holds 10 ms, 15000 bytes, so a burst is 14 packets of 1028 bytes.
    let mut s = source(t, 1_500_000);
    controls(&mut s, t);
    let mut sent = 0;
    while s.admit(1000, t) {
        sent += 1;
    }
    assert_eq!(sent, 15_000 / 1028);
    let at = s.next_deadline(Some(1000), t);
    assert!(at > t && at <= t + Duration::from_millis(1));
    assert!(!s.admit(1000, t + Duration::from_micros(100)));
    assert!(s.admit(1000, t + Duration::from_millis(1)));
    // Over a second the limit holds: 1.5 MB, not a second's bucket on top.
    let mut bytes = 0;
    let mut now = t + Duration::from_millis(1);
    while now < t + Duration::from_secs(1) {
        while s.admit(1000, now) {
            bytes += 1028;
        }
        now += Duration::from_millis(1);
    }
    assert!(bytes <= 1_500_000 + 15_000, "{bytes}");
    assert!(bytes >= 1_400_000, "{bytes}");
}

#[test]
fn a_slow_rate_still_sends_the_largest_packet() {
    let t = Instant::now();
    // 1 kB/s: 10 ms is 10 bytes; the bucket is two of the largest packets.
    let mut s = source(t, 1000);
    controls(&mut s, t);
    assert!(s.admit(1472, t));
    assert!(s.admit(1472, t));
    assert!(!s.admit(1472, t));
    assert!(s.admit(1472, t + Duration::from_secs(2)));
}

#[test]
fn a_steady_stream_still_gets_ambient_spms() {
    // Data every 50 ms keeps putting the 100 ms heartbeat off; the ambient
    // SPM (30 s here) comes anyway, and carries the trail and lead.
    let t = Instant::now();
    let mut s = source(t, 0);
    controls(&mut s, t);
    let mut spms = Vec::new();
    let mut now = t;
    while now < t + Duration::from_secs(65) {
        let mut out = Vec::new();
        s.odata(b"x", &mut out, now);
        for b in controls(&mut s, now) {
            if let Body::Spm { lead, trail, .. } = parse(&b).unwrap().body {
                spms.push((now.duration_since(t), lead, trail));
            }
        }
        assert!(s.next_deadline(None, now) <= now + Duration::from_secs(30));
        now += Duration::from_millis(50);
    }
    assert_eq!(spms.len(), 2, "{spms:?}");
    assert_eq!(spms[0].0, Duration::from_secs(30));
    assert_eq!(spms[1].0, Duration::from_secs(60));
    // 600 packets sent by 30 s; the window holds the last 4.
    assert_eq!((spms[0].1, spms[0].2), (600, 597));
}

#[test]
fn repairs_share_the_rate_limit() {
    let t = Instant::now();
    // 1.5 MB/s, a 15000-byte bucket: 100 NAKed packets of 1400 bytes go
    // out at the rate, not in one burst.
    let mut s = source(t, 1_500_000);
    s.cfg.window = 200;
    controls(&mut s, t);
    let mut out = Vec::new();
    for _ in 0..100 {
        s.odata(&[0u8; 1400], &mut out, t + Duration::from_secs(1));
    }
    let sqns: Vec<u32> = (0..100).collect();
    s.nak(&sqns, Ipv4Addr::LOCALHOST, Ipv4Addr::new(239, 1, 1, 1));
    let at = t + Duration::from_secs(10);
    let repairs = |v: Vec<Vec<u8>>| {
        v.iter()
            .filter(|b| matches!(parse(b).unwrap().body, Body::Data { repair: true, .. }))
            .count()
    };
    let burst = controls(&mut s, at);
    // The NCF, the heartbeat SPM that was due (a repair held back by the
    // rate does not hold it up), and what the bucket holds.
    assert_eq!(burst.len(), 2 + 15_000 / (1400 + 24 + 28));
    let mut repaired = repairs(burst);
    assert!(s.repairs_pending());
    let next = s.next_deadline(None, at);
    assert!(next > at && next <= at + Duration::from_millis(2));
    let mut now = at;
    while s.repairs_pending() {
        now += Duration::from_millis(1);
        repaired += repairs(controls(&mut s, now));
    }
    assert_eq!(repaired, 100);
    // 100 × 1452 bytes at 1.5 MB/s, less the first bucket: about 87 ms.
    let took = now.duration_since(at);
    assert!(
        took >= Duration::from_millis(80) && took <= Duration::from_millis(100),
        "{took:?}"
    );
}
