use super::*;

#[test]
fn parses_libzmq_forms() {
    let a = PgmAddress::parse("127.0.0.1;239.192.1.1:5555").unwrap();
    assert_eq!(a.interface, Ipv4Addr::LOCALHOST);
    assert_eq!(a.group, Ipv4Addr::new(239, 192, 1, 1));
    assert_eq!(a.port, 5555);
    let a = PgmAddress::parse(";239.192.1.1:5555").unwrap();
    assert!(a.interface.is_unspecified());
    assert_eq!(
        PgmAddress::parse("lo;239.1.1.1:7").unwrap().interface,
        Ipv4Addr::LOCALHOST
    );
}

#[test]
fn refuses_bad_forms() {
    for bad in [
        "239.192.1.1:5555",
        "127.0.0.1;239.192.1.1",
        "127.0.0.1;239.192.1.1:0",
        "127.0.0.1;239.192.1.1:x",
        "127.0.0.1;239.192.1.1:70000",
        "127.0.0.1;10.0.0.1:5555",
        "127.0.0.1;ff02::1:5555",
        "nosuchnic0;239.192.1.1:5555",
    ] {
        assert_eq!(PgmAddress::parse(bad), Err(Error::Inval), "{bad}");
    }
}

/// Whether this host routes multicast (a test must not change that).
fn multicast_route() -> bool {
    UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("239.255.77.1:9"))
        .is_ok()
}

#[test]
fn a_receiver_gets_the_group_and_a_source_its_naks() {
    if !multicast_route() {
        eprintln!("no multicast route: skipped");
        return;
    }
    let port = 40000 + (std::process::id() % 20000) as u16;
    let addr = PgmAddress::parse(&format!("127.0.0.1;239.255.77.1:{port}")).unwrap();
    let t = PgmTuning {
        multicast_hops: 1,
        multicast_loop: true,
        sndbuf: -1,
        rcvbuf: -1,
        bind_to_device: None,
    };
    let mut source = open(&addr, Encap::Udp, true, &t).unwrap();
    let mut receiver = open(&addr, Encap::Udp, false, &t).unwrap();
    let mut buf = [0u8; 64];
    let wait = |s: &mut PgmSocket, buf: &mut [u8]| {
        for _ in 0..200 {
            if let Some(got) = s.recv(buf).unwrap() {
                return Some(got);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        None
    };
    source
        .send_to(b"odata", SocketAddrV4::new(addr.group, port))
        .unwrap();
    let (at, n, _) = wait(&mut receiver, &mut buf).expect("group traffic");
    assert_eq!(&buf[at..at + n], b"odata");
    receiver
        .send_to(b"nak", SocketAddrV4::new(source.local_nla(), port))
        .unwrap();
    let (at, n, from) = wait(&mut source, &mut buf).expect("unicast NAK");
    assert_eq!(&buf[at..at + n], b"nak");
    assert_eq!(from, Ipv4Addr::LOCALHOST);
    // The receiver did not take the NAK, nor the source the group's data.
    assert!(receiver.recv(&mut buf).unwrap().is_none());
}
