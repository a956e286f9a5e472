use super::address::{c_atoi, find_interface};
use super::*;

use std::time::Duration;

use crate::error::Error;
use crate::sys::interface::{self, Ipv4Entry};

#[test]
fn ports_are_read_as_c_atoi_cut_to_16_bits() {
    for (text, want) in [
        ("5555", 5555),
        (" 12", 12),
        ("\t+7", 7),
        ("5555x", 5555),
        ("-1", -1),
        ("abc", 0),
        ("", 0),
        ("70000", 70000),
        ("99999999999999999999", -1),
    ] {
        assert_eq!(c_atoi(text), want, "{text:?}");
    }
}

fn lo_index() -> u32 {
    interface::index("lo")
}

#[test]
fn accepted_forms() {
    let a = PgmAddress::parse("127.0.0.1;239.192.1.1:5555").unwrap();
    assert_eq!(
        a,
        PgmAddress {
            interface: Ipv4Addr::LOCALHOST,
            index: lo_index(),
            group: Ipv4Addr::new(239, 192, 1, 1),
            port: 5555,
        }
    );
    assert_eq!(a.group_socket_addr(), "239.192.1.1:5555".parse().unwrap());
    // No interface: the kernel's routes choose.
    for text in ["239.192.1.1:5555", ";239.192.1.1:5555"] {
        let a = PgmAddress::parse(text).unwrap();
        assert_eq!((a.interface, a.index), (Ipv4Addr::UNSPECIFIED, 0), "{text}");
    }
    // libzmq's atoi port, cut to 16 bits.
    for (text, port) in [
        ("127.0.0.1;239.192.1.1:70000", 4464),
        ("127.0.0.1;239.192.1.1:-1", 65535),
        ("127.0.0.1;239.192.1.1:5555x", 5555),
        ("127.0.0.1;239.192.1.1: 12", 12),
    ] {
        assert_eq!(PgmAddress::parse(text).unwrap().port, port, "{text}");
    }
    // A host name naming one of this host's addresses.
    let a = PgmAddress::parse("localhost;239.192.1.1:5555").unwrap();
    assert_eq!(a.interface, Ipv4Addr::LOCALHOST);
}

#[test]
fn bad_forms_are_einval() {
    let long = format!("127.0.0.1;239.192.1.1{}:5555", " ".repeat(240));
    for text in [
        "127.0.0.1;239.192.1.1",       // no port
        "127.0.0.1;239.192.1.1:0",     // port 0
        "127.0.0.1;239.192.1.1:abc",   // atoi 0
        "127.0.0.1;239.192.1.1:65536", // 0 in 16 bits
        "127.0.0.1;127.0.0.1:5555",    // not a multicast group
        "127.0.0.1;nosuchhost:5555",
        "nosuchif0;239.192.1.1:5555",
        "lo;239.192.1.1:5555",       // loopback by name: OpenPGM skips it
        "10.9.9.9;239.192.1.1:5555", // no interface has it
        "0.0.0.0;239.192.1.1:5555",
        "*;239.192.1.1:5555",
        "239.192.1.2;239.192.1.1:5555", // OpenPGM's receive;send form
        "127.0.0.1;[ff02::1]:5555",
        "[::1];[ff02::1]:5555",
        "127.0.0.1;239.192.1.1,239.192.1.2:5555",
        "127.0.0.1;239.192.1.1;239.192.1.2:5555",
        &long,
    ] {
        assert_eq!(PgmAddress::parse(text), Err(Error::Inval), "{text}");
    }
}

fn entry(name: &str, address: [u8; 4], prefix: u32, flags: libc::c_int) -> Ipv4Entry {
    Ipv4Entry {
        name: name.into(),
        address: address.into(),
        netmask: Ipv4Addr::from(u32::MAX << (32 - prefix)),
        flags: flags as u32,
    }
}

#[test]
fn interfaces_match_as_openpgm_matches_them() {
    let mc = libc::IFF_UP | libc::IFF_MULTICAST;
    let entries = [
        entry("lo", [127, 0, 0, 1], 8, libc::IFF_UP | libc::IFF_LOOPBACK),
        entry("eth0", [192, 0, 2, 2], 24, mc),
        entry("eth1", [10, 1, 0, 5], 16, libc::IFF_UP),
        entry("eth2", [10, 2, 0, 5], 16, mc),
        entry("eth3", [10, 2, 7, 9], 16, mc),
    ];
    let found = |text: &str| find_interface(text, &entries).map(|e| e.name.as_str());
    assert_eq!(found("127.0.0.1"), Some("lo")); // an address: any interface
    assert_eq!(found("10.1.0.5"), Some("eth1"));
    assert_eq!(found("192.0.2.0"), Some("eth0")); // a network address
    assert_eq!(found("10.2.0.0"), Some("eth2")); // the first of two
    assert_eq!(found("127.0.0.0"), None); // loopback networks are skipped
    assert_eq!(found("10.1.0.0"), None); // so are non-multicast ones
    assert_eq!(found("192.0.2.7"), None); // a host part: not a network
    assert_eq!(found("eth0"), Some("eth0"));
    assert_eq!(found("lo"), None);
    assert_eq!(found("eth1"), None);
    assert_eq!(found("224.0.0.1"), None);
}

fn ipv4_packet(header_words: u8, protocol: u8, dst: [u8; 4], body: &[u8]) -> Vec<u8> {
    let header = usize::from(header_words) * 4;
    let mut p = vec![0u8; header];
    p[0] = 0x40 | header_words;
    p[2..4].copy_from_slice(&((header + body.len()) as u16).to_be_bytes());
    p[9] = protocol;
    p[12..16].copy_from_slice(&[10, 0, 0, 1]);
    p[16..20].copy_from_slice(&dst);
    p.extend_from_slice(body);
    p
}

#[test]
fn raw_packets_lose_their_ipv4_header() {
    let p = ipv4_packet(5, 113, [239, 1, 2, 3], b"pgm!");
    let d = strip_ipv4_header(&p).unwrap();
    assert_eq!((d.offset, d.len, d.multicast), (20, 4, true));
    assert_eq!(d.source, "10.0.0.1:0".parse().unwrap());
    // IP options (router alert) lengthen the header.
    let p = ipv4_packet(6, 113, [10, 0, 0, 2], b"pgm!");
    let d = strip_ipv4_header(&p).unwrap();
    assert_eq!((d.offset, d.len, d.multicast), (24, 4, false));
    // Bytes past the total length are not the packet's.
    let mut padded = ipv4_packet(5, 113, [10, 0, 0, 2], b"pgm!");
    padded.extend_from_slice(&[0; 6]);
    assert_eq!(strip_ipv4_header(&padded).unwrap().len, 4);
    assert_eq!(
        strip_ipv4_header(&ipv4_packet(5, 17, [10, 0, 0, 2], b"x")),
        None
    );
    assert_eq!(strip_ipv4_header(&p[..10]), None);
    let mut v6 = p.clone();
    v6[0] = 0x65;
    assert_eq!(strip_ipv4_header(&v6), None);
    assert_eq!(strip_ipv4_header(&[]), None);
}

/// A group and port no other test run on this host is likely to use at the
/// same time (the port is one the kernel just handed out).
fn fresh_address() -> PgmAddress {
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    let pid = std::process::id();
    let text = format!(
        "127.0.0.1;239.255.{}.{}:{port}",
        (pid >> 8) & 0xff,
        pid & 0xff
    );
    PgmAddress::parse(&text).unwrap()
}

/// Whether multicast sent through 127.0.0.1 comes back here with plain
/// std sockets; if not, the host cannot run the multicast tests.
fn loopback_multicast_works(addr: &PgmAddress) -> bool {
    let Ok(rx) = std::net::UdpSocket::bind("0.0.0.0:0") else {
        return false;
    };
    let port = rx.local_addr().unwrap().port();
    if rx
        .join_multicast_v4(&addr.group, &Ipv4Addr::LOCALHOST)
        .is_err()
    {
        return false;
    }
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.set_multicast_loop_v4(true).unwrap();
    if tx.send_to(b"probe", (addr.group, port)).is_err() {
        return false;
    }
    let mut buf = [0u8; 8];
    matches!(rx.recv_from(&mut buf), Ok((5, _)))
}

/// Waits (bounded) for a packet on `s` whose PGM bytes are `want`, skipping
/// others (a raw socket sees every PGM packet on the host).
fn expect_packet(s: &mut PgmSocket, want: &[u8]) -> Datagram {
    let mut poll = mio::Poll::new().unwrap();
    poll.registry()
        .register(s, mio::Token(7), mio::Interest::READABLE)
        .unwrap();
    let mut events = mio::Events::with_capacity(4);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 2048];
    loop {
        while let Some(d) = s.recv(&mut buf).unwrap() {
            if &buf[d.offset..d.offset + d.len] == want {
                poll.registry().deregister(s).unwrap();
                return d;
            }
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "no packet {want:?} within 5 s");
        poll.poll(&mut events, Some(left)).unwrap();
    }
}

fn source_tuning() -> PgmTuning {
    PgmTuning {
        multicast_loop: true,
        source: true,
        ..PgmTuning::default()
    }
}

#[test]
fn epgm_group_and_unicast_traffic_arrives() {
    let addr = fresh_address();
    if !loopback_multicast_works(&addr) {
        println!("skipped: multicast through 127.0.0.1 does not loop back on this host");
        return;
    }
    let source = open(&addr, Encap::Udp, &source_tuning()).unwrap();
    let mut receiver = open(&addr, Encap::Udp, &PgmTuning::default()).unwrap();
    // Several receivers share the group's port; each gets every packet.
    let mut other = open(&addr, Encap::Udp, &PgmTuning::default()).unwrap();
    assert_eq!(source.local_nla(), Ipv4Addr::LOCALHOST);
    assert_eq!(source.fds().len(), 2);

    source.send_to(b"odata", addr.group_socket_addr()).unwrap();
    let d = expect_packet(&mut receiver, b"odata");
    assert!(d.multicast);
    assert_eq!(*d.source.ip(), Ipv4Addr::LOCALHOST);
    assert!(expect_packet(&mut other, b"odata").multicast);

    // A NAK: to the source's NLA at the endpoint's port.
    let mut source = source;
    let nak_to = SocketAddrV4::new(source.local_nla(), addr.port);
    receiver.send_to(b"nak", nak_to).unwrap();
    let d = expect_packet(&mut source, b"nak");
    assert!(!d.multicast);
    // The receiver's group socket does not take unicast meant for the source.
    let mut buf = [0u8; 64];
    while let Some(d) = receiver.recv(&mut buf).unwrap() {
        assert_ne!(&buf[..d.len], b"nak");
    }
}

#[test]
fn epgm_without_an_interface_uses_the_node_address() {
    let addr = fresh_address();
    let text = format!("{}:{}", addr.group, addr.port);
    let any = PgmAddress::parse(&text).unwrap();
    match open(&any, Encap::Udp, &PgmTuning::default()) {
        Ok(s) => assert!(!s.local_nla().is_unspecified()),
        // Joining with no interface needs a route for the group.
        Err(Error::Os(libc::ENODEV)) => println!("skipped: no multicast route on this host"),
        Err(e) => panic!("{e:?}"),
    }
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[test]
fn pgm_raw_group_and_unicast_traffic_arrives() {
    let addr = fresh_address();
    if effective_uid() != Some(0) {
        // Raw sockets need CAP_NET_RAW.
        let e = open(&addr, Encap::Raw, &PgmTuning::default()).err();
        println!("skipped: not root (raw open gave {e:?})");
        return;
    }
    if !loopback_multicast_works(&addr) {
        println!("skipped: multicast through 127.0.0.1 does not loop back on this host");
        return;
    }
    let tag = format!("pgm-test-{}-{}", std::process::id(), addr.port);
    let source = open(&addr, Encap::Raw, &source_tuning()).unwrap();
    let mut receiver = open(&addr, Encap::Raw, &PgmTuning::default()).unwrap();
    assert_eq!(source.fds().len(), 1);
    let odata = format!("{tag}-odata");
    source
        .send_to(odata.as_bytes(), addr.group_socket_addr())
        .unwrap();
    let d = expect_packet(&mut receiver, odata.as_bytes());
    assert_eq!(d.offset, 20);
    assert!(d.multicast);

    let nak = format!("{tag}-nak");
    let mut source = source;
    receiver
        .send_to(nak.as_bytes(), SocketAddrV4::new(source.local_nla(), 1))
        .unwrap();
    let d = expect_packet(&mut source, nak.as_bytes());
    assert!(!d.multicast);
    assert_eq!(*d.source.ip(), Ipv4Addr::LOCALHOST);
}

/// Run by [`pgm_raw_without_cap_net_raw_is_eperm`] in a child process
/// stripped of CAP_NET_RAW.
#[test]
#[ignore = "run in a child process without CAP_NET_RAW"]
fn raw_open_without_cap_net_raw() {
    let addr = fresh_address();
    let e = open(&addr, Encap::Raw, &PgmTuning::default()).err();
    assert_eq!(e, Some(Error::Os(libc::EPERM)));
}

#[test]
fn pgm_raw_without_cap_net_raw_is_eperm() {
    if effective_uid() != Some(0) {
        let e = open(&fresh_address(), Encap::Raw, &PgmTuning::default()).err();
        // Unless someone gave this binary the capability.
        if e.is_some() {
            assert_eq!(e, Some(Error::Os(libc::EPERM)));
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--bounding-set=-net_raw", "--inh-caps=-net_raw"])
        .arg(exe)
        .args([
            "--exact",
            "--ignored",
            "transport::pgm::tests::raw_open_without_cap_net_raw",
        ])
        .output();
    let Ok(out) = out else {
        println!("skipped: no setpriv(1) to drop CAP_NET_RAW");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}
