use super::*;

fn unpack_all(payloads: &[Vec<u8>], from: usize) -> Vec<(Vec<u8>, bool)> {
    let mut u = Unpacker::new(-1);
    let mut got = Vec::new();
    for p in &payloads[from..] {
        u.payload(p, &mut |m: Msg| got.push((m.data().to_vec(), m.more())))
            .unwrap();
    }
    got
}

fn pack(max_tsdu: usize, frames: &[(Vec<u8>, bool)]) -> Vec<Vec<u8>> {
    let mut p = Packer::new(max_tsdu);
    for (body, more) in frames {
        p.push(body, *more);
    }
    let mut out = Vec::new();
    loop {
        let mut b = Vec::new();
        if !p.next_payload(&mut b) {
            break;
        }
        assert!(b.len() <= max_tsdu);
        out.push(b);
    }
    out
}

#[test]
fn small_messages_share_a_payload_as_libzmq_frames_them() {
    let frames = vec![
        (b"A".to_vec(), true),
        (b"BB".to_vec(), true),
        (b"CCC".to_vec(), false),
    ];
    let p = pack(1428, &frames);
    // Captured from Debian's libzmq: 00 00 | 02 01 41 | 03 01 42 42 | 04 00 43 43 43
    assert_eq!(
        p,
        vec![vec![
            0, 0, 2, 1, 0x41, 3, 1, 0x42, 0x42, 4, 0, 0x43, 0x43, 0x43
        ]]
    );
    assert_eq!(unpack_all(&p, 0), frames);
}

#[test]
fn a_large_message_spans_payloads_with_offsets() {
    let big: Vec<u8> = (0..20000u32).map(|i| i as u8).collect();
    let frames = vec![(big, false), (b"after".to_vec(), false)];
    let p = pack(1428, &frames);
    // As libzmq: the first payload starts the message (offset 0, long
    // length form), the middle ones start none, the last starts "after"
    // 46 bytes in.
    assert_eq!(p.len(), 15);
    assert_eq!(&p[0][..12], &[0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0x4e, 0x21, 0]);
    for q in &p[1..14] {
        assert_eq!(&q[..2], &[0xff, 0xff]);
        assert_eq!(q.len(), 1428);
    }
    assert_eq!(&p[14][..2], &[0, 46]);
    assert_eq!(unpack_all(&p, 0), frames);
    // Joining mid-message: only "after" comes out.
    assert_eq!(unpack_all(&p, 3), vec![(b"after".to_vec(), false)]);
}

#[test]
fn lengths_at_the_short_form_edge() {
    for n in [0usize, 1, 253, 254, 255, 256, 5000] {
        let frames = vec![(vec![7u8; n], false)];
        assert_eq!(unpack_all(&pack(100, &frames), 0), frames, "{n}");
    }
}

#[test]
fn reset_waits_for_the_next_message_start() {
    let frames: Vec<(Vec<u8>, bool)> = (0..50u8).map(|i| (vec![i; 40], false)).collect();
    let p = pack(100, &frames);
    let mut u = Unpacker::new(-1);
    let mut got = Vec::new();
    u.payload(&p[0], &mut |m: Msg| got.push(m.data()[0]))
        .unwrap();
    u.reset();
    u.payload(&p[5], &mut |m: Msg| got.push(m.data()[0]))
        .unwrap();
    // Whole messages only: what began before payload 5 is skipped.
    let mut prev = None;
    for g in &got {
        if let Some(p) = prev {
            assert!(*g > p);
        }
        prev = Some(*g);
    }
    assert!(got.len() >= 3);
}

#[test]
fn malformed_streams_unjoin() {
    let mut u = Unpacker::new(10);
    let mut n = 0;
    // A zero length, then a body over ZMQ_MAXMSGSIZE.
    assert_eq!(
        u.payload(&[0, 0, 0], &mut |_| n += 1),
        Err(Malformed::BadLength)
    );
    assert!(!u.is_joined());
    assert_eq!(
        u.payload(&[0, 0, 20, 0], &mut |_| n += 1),
        Err(Malformed::BadLength)
    );
    // A huge announced length is not allocated up front.
    let mut u = Unpacker::new(-1);
    let mut p = vec![0, 0, 0xff];
    p.extend_from_slice(&u64::MAX.to_be_bytes());
    p.push(0);
    u.payload(&p, &mut |_| n += 1).unwrap();
    assert_eq!(n, 0);
    // An offset past the end is not a join.
    let mut u = Unpacker::new(-1);
    u.payload(&[0, 9, 2, 0, 1], &mut |_| n += 1).unwrap();
    assert!(!u.is_joined());
}

#[test]
fn a_stream_that_never_empties_keeps_its_offsets() {
    // As a publisher streams, the packer always holds a little more than a
    // payload: past 64 KiB of sent bytes it compacts its buffer, and every
    // message start must still be where the offsets say (a late joiner
    // joins at one). Messages of 3 frames, the middle one 3000..9000 B.
    let mut p = Packer::new(1428);
    let mut payloads = Vec::new();
    let mut want = Vec::new();
    for i in 0..400u32 {
        let mid = vec![i as u8; 3000 + (i as usize * 997) % 6000];
        let frames = [
            (i.to_be_bytes().to_vec(), true),
            (mid, true),
            (vec![7], false),
        ];
        for (body, more) in &frames {
            p.push(body, *more);
        }
        want.push(frames);
        while p.has_full_payload() {
            let mut b = Vec::new();
            assert!(p.next_payload(&mut b));
            payloads.push(b);
        }
    }
    let mut b = Vec::new();
    while p.next_payload(&mut b) {
        payloads.push(std::mem::take(&mut b));
    }
    let starts = payloads
        .iter()
        .filter(|b| u16::from_be_bytes([b[0], b[1]]) != NO_START)
        .count();
    // A message start in nearly every other payload, never a wrong one.
    assert!(starts >= 350, "{starts} payloads with a start");
    // Joining at any payload gives whole messages in order from there.
    for from in [0, 1, 100, payloads.len() / 2, payloads.len() - 10] {
        let got = unpack_all(&payloads, from);
        assert_eq!(got.len() % 3, 0);
        let first = u32::from_be_bytes(got[0].0[..4].try_into().unwrap()) as usize;
        for (k, frame) in got.iter().enumerate() {
            let (body, more) = &want[first + k / 3][k % 3];
            assert_eq!((&frame.0, frame.1), (body, *more), "from {from}, frame {k}");
        }
    }
}
