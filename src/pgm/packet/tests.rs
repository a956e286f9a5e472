use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const GSI: [u8; 6] = [0xb7, 0xc6, 0xd1, 0xbc, 0x03, 0x8a];

fn head() -> Head {
    Head {
        tsi: Tsi {
            gsi: GSI,
            sport: 0xfdeb,
        },
        dport: 5555,
    }
}

// Packets as Debian's libzmq (OpenPGM 5.3) sent them, captured on lo.
const SPM: &str =
    "fdeb 15b3 0000 e050 b7c6d1bc038a 0000 00000000 00000000 ffffffff 0001 0000 7f000001";
const ODATA: &str =
    "fdeb 15b3 0400 1e74 b7c6d1bc038a 000b 00000000 00000000 0000 08 00 6d7367303030 30";
const NAK: &str =
    "15b3 fdeb 0800 e77d b7c6d1bc038a 0000 00000010 0001 0000 7f000001 0001 0000 efc00101";

#[test]
fn parses_what_openpgm_sends() {
    let b = hex(SPM);
    let p = parse(&b).unwrap();
    assert_eq!(p.tsi, head().tsi);
    assert_eq!(p.dport, 5555);
    assert_eq!(
        p.body,
        Body::Spm {
            sqn: 0,
            trail: 0,
            lead: 0xffff_ffff,
            nla: Ipv4Addr::LOCALHOST
        }
    );
    let b = hex(ODATA);
    let p = parse(&b).unwrap();
    let Body::Data {
        repair,
        sqn,
        payload,
        fragment,
        ..
    } = p.body
    else {
        panic!("not data");
    };
    assert!(!repair && sqn == 0 && fragment.is_none());
    assert_eq!(payload, &hex("0000 08 00 6d7367303030 30")[..]);
    let b = hex(NAK);
    let p = parse(&b).unwrap();
    // A NAK names the source's session (its ports swapped on the wire).
    assert_eq!(p.tsi, head().tsi);
    assert_eq!(p.dport, 5555);
    assert_eq!(
        p.body,
        Body::Nak {
            confirm: false,
            sqns: vec![16],
            source: Ipv4Addr::LOCALHOST,
            group: Ipv4Addr::new(239, 192, 1, 1)
        }
    );
}

#[test]
fn encodes_the_same_bytes() {
    let mut out = Vec::new();
    spm(&mut out, &head(), 0, 0, 0xffff_ffff, Ipv4Addr::LOCALHOST);
    assert_eq!(out, hex(SPM));
    out.clear();
    data(
        &mut out,
        &head(),
        false,
        0,
        0,
        &hex("0000 08 00 6d7367303030 30"),
    );
    assert_eq!(out, hex(ODATA));
    out.clear();
    let g = Ipv4Addr::new(239, 192, 1, 1);
    nak(&mut out, &head(), false, &[16], Ipv4Addr::LOCALHOST, g);
    assert_eq!(out, hex(NAK));
}

#[test]
fn bad_checksum_and_truncation_are_refused() {
    let mut b = hex(ODATA);
    b[20] ^= 1;
    assert!(parse(&b).is_none());
    let b = hex(ODATA);
    for n in 0..b.len() {
        assert!(parse(&b[..n]).is_none(), "{n}");
    }
    // Checksum 0: none was computed; the packet is taken as it is.
    let mut b = hex(ODATA);
    b[6] = 0;
    b[7] = 0;
    assert!(parse(&b).is_some());
}

#[test]
fn nak_lists_round_trip() {
    let g = Ipv4Addr::new(239, 1, 2, 3);
    let sqns: Vec<u32> = (100..140).collect();
    let mut out = Vec::new();
    nak(&mut out, &head(), true, &sqns, Ipv4Addr::LOCALHOST, g);
    let p = parse(&out).unwrap();
    assert_eq!(p.tsi, head().tsi);
    assert_eq!(
        p.body,
        Body::Nak {
            confirm: true,
            sqns,
            source: Ipv4Addr::LOCALHOST,
            group: g
        }
    );
    out.clear();
    spmr(&mut out, &head());
    let p = parse(&out).unwrap();
    assert_eq!(p.body, Body::Spmr);
    assert_eq!((p.tsi, p.dport), (head().tsi, 5555));
}

#[test]
fn rdata_with_fragment_option_parses() {
    // RDATA carrying OPT_LENGTH + OPT_FRAGMENT, as OpenPGM would for a
    // fragmented APDU.
    let mut b = hex("fdeb 15b3 0501 0000 b7c6d1bc038a 0003 00000007 00000002");
    b.extend(hex("00 04 0014 81 10 0000 00000005 00000010 00000100"));
    b.extend(b"abc");
    let sum = checksum(&b);
    b[6..8].copy_from_slice(&sum.to_be_bytes());
    let p = parse(&b).unwrap();
    assert_eq!(
        p.body,
        Body::Data {
            repair: true,
            sqn: 7,
            trail: 2,
            fragment: Some(Fragment {
                first_sqn: 5,
                offset: 16,
                apdu_len: 256
            }),
            payload: b"abc"
        }
    );
}
