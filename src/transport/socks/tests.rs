use super::*;
use std::net::Ipv4Addr;

const PROXY_NO_AUTH: [u8; 2] = [0x05, 0x00];
const PROXY_USER_PASS: [u8; 2] = [0x05, 0x02];
const AUTH_OK: [u8; 2] = [0x01, 0x00];
/// A success reply binding 10.0.0.1:4660.
const REPLY_V4: [u8; 10] = [5, 0, 0, 1, 10, 0, 0, 1, 0x12, 0x34];

fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocksAddr {
    SocksAddr::Ip(SocketAddr::new(Ipv4Addr::new(a, b, c, d).into(), port))
}

fn domain(host: &str, port: u16) -> SocksAddr {
    SocksAddr::Domain {
        host: host.into(),
        port,
    }
}

fn client(target: SocksAddr) -> SocksClient {
    SocksClient::new(target, b"", b"").unwrap()
}

/// Feeds the proxy's whole stream in chunks of `step` bytes, handing
/// out our output after each call. Returns the result, everything we
/// sent, and what was left in the input.
fn run(mut c: SocksClient, proxy: &[u8], step: usize) -> (Progress, Vec<u8>, Vec<u8>) {
    let mut out = BytesMut::new();
    let mut input = BytesMut::new();
    c.poll_transmit(&mut out);
    let mut result = Progress::Pending;
    for chunk in proxy.chunks(step.max(1)) {
        input.extend_from_slice(chunk);
        result = c.handle_input(&mut input);
        c.poll_transmit(&mut out);
    }
    (result, out.to_vec(), input.to_vec())
}

/// `run` with every split from byte-at-a-time to all at once, checking
/// they agree; returns the all-at-once result.
fn run_all_splits(make: impl Fn() -> SocksClient, proxy: &[u8]) -> (Progress, Vec<u8>, Vec<u8>) {
    let whole = run(make(), proxy, proxy.len());
    for step in 1..proxy.len().max(1) {
        assert_eq!(run(make(), proxy, step), whole, "split every {step} bytes");
    }
    whole
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ------------------------------------------------------------ greeting

#[test]
fn greeting_offers_exactly_one_method() {
    let mut out = BytesMut::new();
    assert_eq!(client(v4(1, 2, 3, 4, 80)).poll_transmit(&mut out), 3);
    assert_eq!(&out[..], &[5, 1, 0]);

    let mut c = SocksClient::new(v4(1, 2, 3, 4, 80), b"u", b"p").unwrap();
    out.clear();
    c.poll_transmit(&mut out);
    assert_eq!(&out[..], &[5, 1, 2]);
    assert_eq!(c.poll_transmit(&mut out), 0, "handed out once");
}

#[test]
fn empty_username_means_no_auth_whatever_the_password() {
    let mut c = SocksClient::new(v4(1, 2, 3, 4, 80), b"", b"secret").unwrap();
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    assert_eq!(&out[..], &[5, 1, 0]);
}

#[test]
fn nothing_is_sent_before_the_method_choice() {
    let mut c = client(domain("example.org", 80));
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    out.clear();
    let mut input = BytesMut::from(&[5u8][..]);
    assert_eq!(c.handle_input(&mut input), Progress::Pending);
    assert_eq!(c.poll_transmit(&mut out), 0);
    assert_eq!(input.len(), 1, "partial answer not consumed");
}

// -------------------------------------------------------- CONNECT, ATYP

#[test]
fn connect_ipv4() {
    let proxy = cat(&[&PROXY_NO_AUTH, &REPLY_V4]);
    let (result, sent, rest) = run_all_splits(|| client(v4(192, 168, 1, 20, 5555)), &proxy);
    assert_eq!(result, Progress::Done(Some(v4(10, 0, 0, 1, 0x1234))));
    assert_eq!(sent, [5, 1, 0, 5, 1, 0, 1, 192, 168, 1, 20, 0x15, 0xB3]);
    assert!(rest.is_empty());
}

#[test]
fn connect_ipv6() {
    let ip: Ipv6Addr = "2001:db8::7".parse().unwrap();
    let target = SocksAddr::Ip(SocketAddr::new(ip.into(), 443));
    let mut reply = vec![5, 0, 0, 4];
    reply.extend_from_slice(&ip.octets());
    reply.extend_from_slice(&[0x01, 0xBB]);
    let proxy = cat(&[&PROXY_NO_AUTH, &reply]);
    let (result, sent, _) = run_all_splits(|| client(target.clone()), &proxy);
    assert_eq!(result, Progress::Done(Some(target.clone())));
    let mut want = vec![5, 1, 0, 5, 1, 0, 4];
    want.extend_from_slice(&ip.octets());
    want.extend_from_slice(&[0x01, 0xBB]);
    assert_eq!(sent, want);
}

#[test]
fn connect_domain_name_is_sent_unresolved() {
    let reply = cat(&[&[5, 0, 0, 3, 9], b"proxy.lan", &[0x00, 0x50]]);
    let proxy = cat(&[&PROXY_NO_AUTH, &reply]);
    let (result, sent, _) = run_all_splits(|| client(domain("localhost", 5555)), &proxy);
    assert_eq!(result, Progress::Done(Some(domain("proxy.lan", 80))));
    assert_eq!(
        sent,
        cat(&[&[5, 1, 0, 5, 1, 0, 3, 9], b"localhost", &[0x15, 0xB3]])
    );
}

#[test]
fn longest_domain_name() {
    let host = "h".repeat(255);
    let (result, sent, _) = run(
        client(domain(&host, 1)),
        &cat(&[&PROXY_NO_AUTH, &REPLY_V4]),
        1,
    );
    assert!(matches!(result, Progress::Done(_)));
    assert_eq!(sent[3..8], [5, 1, 0, 3, 255]);
    assert_eq!(sent.len(), 3 + 5 + 255 + 2);
}

#[test]
fn unspecified_bound_address_is_none() {
    for reply in [
        vec![5, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        cat(&[&[5, 0, 0, 4], &[0; 16], &[0, 0]]),
    ] {
        let (result, _, _) = run(
            client(v4(1, 1, 1, 1, 1)),
            &cat(&[&PROXY_NO_AUTH, &reply]),
            3,
        );
        assert_eq!(result, Progress::Done(None));
    }
    // An unspecified address with a port still says something.
    let reply = [5, 0, 0, 1, 0, 0, 0, 0, 0, 7];
    let (result, _, _) = run(
        client(v4(1, 1, 1, 1, 1)),
        &cat(&[&PROXY_NO_AUTH, &reply]),
        3,
    );
    assert_eq!(result, Progress::Done(Some(v4(0, 0, 0, 0, 7))));
}

#[test]
fn empty_and_non_utf8_bound_names() {
    let reply = [5, 0, 0, 3, 0, 0, 9];
    let (result, _, _) = run_all_splits(
        || client(v4(1, 1, 1, 1, 1)),
        &cat(&[&PROXY_NO_AUTH, &reply]),
    );
    assert_eq!(result, Progress::Done(Some(domain("", 9))));
    let reply = [5, 0, 0, 3, 2, b'a', 0xFF, 0, 9];
    let (result, _, _) = run(
        client(v4(1, 1, 1, 1, 1)),
        &cat(&[&PROXY_NO_AUTH, &reply]),
        1,
    );
    assert_eq!(result, Progress::Done(Some(domain("a\u{FFFD}", 9))));
}

#[test]
fn tunnelled_bytes_after_the_reply_are_left_in_input() {
    let greeting = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F];
    let proxy = cat(&[&PROXY_NO_AUTH, &REPLY_V4, &greeting]);
    let (result, _, rest) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
    assert!(matches!(result, Progress::Done(Some(_))));
    assert_eq!(rest, greeting);
}

#[test]
fn result_is_sticky() {
    let mut c = client(v4(1, 2, 3, 4, 5));
    let mut input = BytesMut::from(&cat(&[&PROXY_NO_AUTH, &REPLY_V4])[..]);
    let done = c.handle_input(&mut input);
    assert!(matches!(done, Progress::Done(_)));
    input.extend_from_slice(&[9, 9, 9]);
    assert_eq!(c.handle_input(&mut input), done);
    assert_eq!(&input[..], &[9, 9, 9]);
    assert_eq!(
        c.handle_eof(),
        done,
        "EOF after Done is the tunnel's business"
    );

    let mut c = client(v4(1, 2, 3, 4, 5));
    let mut input = BytesMut::from(&[4u8, 0][..]);
    let failed = c.handle_input(&mut input);
    assert_eq!(failed, Progress::Failed(SocksError::BadVersion(4)));
    assert_eq!(
        c.handle_input(&mut BytesMut::from(&PROXY_NO_AUTH[..])),
        failed
    );
    assert_eq!(c.handle_eof(), failed);
}

// -------------------------------------------------------- authentication

#[test]
fn username_password_success() {
    let make = || SocksClient::new(domain("svc", 7), b"alice", b"s3cret").unwrap();
    let proxy = cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]);
    let (result, sent, _) = run_all_splits(make, &proxy);
    assert!(matches!(result, Progress::Done(Some(_))));
    let want = cat(&[
        &[5, 1, 2],
        &[1, 5],
        b"alice",
        &[6],
        b"s3cret",
        &[5, 1, 0, 3, 3],
        b"svc",
        &[0, 7],
    ]);
    assert_eq!(sent, want);
}

#[test]
fn empty_password_is_sent_with_length_zero() {
    let c = SocksClient::new(v4(1, 2, 3, 4, 5), b"bob", b"").unwrap();
    let (_, sent, _) = run(c, &PROXY_USER_PASS, 2);
    assert_eq!(sent, cat(&[&[5, 1, 2, 1, 3], b"bob", &[0]]));
}

#[test]
fn longest_credentials() {
    let (user, pass) = (vec![b'u'; 255], vec![b'p'; 255]);
    let c = SocksClient::new(v4(1, 2, 3, 4, 5), &user, &pass).unwrap();
    let (result, sent, _) = run(c, &cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]), 1);
    assert!(matches!(result, Progress::Done(_)));
    assert_eq!(sent[3..5], [1, 255]);
    assert_eq!(sent[5 + 255], 255);
}

#[test]
fn auth_rejected() {
    let make = || SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"wrong").unwrap();
    for status in [0x01, 0xFF] {
        let (result, sent, _) = run_all_splits(make, &[5, 2, 1, status]);
        assert_eq!(result, Progress::Failed(SocksError::AuthRejected(status)));
        // The CONNECT request never goes out.
        assert_eq!(sent, cat(&[&[5, 1, 2, 1, 1, b'u', 5], b"wrong"]));
    }
}

#[test]
fn bad_auth_version() {
    let make = || SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"p").unwrap();
    let (result, _, _) = run_all_splits(make, &[5, 2, 5, 0]);
    assert_eq!(result, Progress::Failed(SocksError::BadAuthVersion(5)));
}

#[test]
fn method_choice_failures() {
    // (offer username/password?, proxy's answer, error)
    let cases = [
        (false, [5, 0xFF], SocksError::NoAcceptableMethod),
        (true, [5, 0xFF], SocksError::NoAcceptableMethod),
        (false, [5, 2], SocksError::UnexpectedMethod(2)),
        (true, [5, 0], SocksError::UnexpectedMethod(0)),
        (false, [5, 1], SocksError::UnexpectedMethod(1)),
        (false, [4, 0], SocksError::BadVersion(4)),
        (false, [0, 0], SocksError::BadVersion(0)),
    ];
    for (auth, answer, error) in cases {
        let user: &[u8] = if auth { b"u" } else { b"" };
        let make = || SocksClient::new(v4(1, 2, 3, 4, 5), user, b"p").unwrap();
        let (result, sent, _) = run_all_splits(make, &answer);
        assert_eq!(result, Progress::Failed(error), "{answer:?}");
        assert_eq!(sent.len(), 3, "only the greeting went out");
    }
}

#[test]
fn bad_version_is_seen_on_the_first_byte() {
    let mut c = client(v4(1, 2, 3, 4, 5));
    let mut input = BytesMut::from(&[0x04u8][..]);
    assert_eq!(
        c.handle_input(&mut input),
        Progress::Failed(SocksError::BadVersion(4))
    );
}

// ----------------------------------------------------------- bad replies

#[test]
fn reply_codes() {
    let codes = [
        (1, ReplyCode::GeneralFailure, libc::ECONNREFUSED),
        (2, ReplyCode::NotAllowedByRuleset, libc::EACCES),
        (3, ReplyCode::NetworkUnreachable, libc::ENETUNREACH),
        (4, ReplyCode::HostUnreachable, libc::EHOSTUNREACH),
        (5, ReplyCode::ConnectionRefused, libc::ECONNREFUSED),
        (6, ReplyCode::TtlExpired, libc::ETIMEDOUT),
        (7, ReplyCode::CommandNotSupported, libc::EOPNOTSUPP),
        (8, ReplyCode::AddressTypeNotSupported, libc::EOPNOTSUPP),
        (9, ReplyCode::Unassigned(9), libc::ECONNREFUSED),
        (0xFF, ReplyCode::Unassigned(0xFF), libc::ECONNREFUSED),
    ];
    for (rep, code, errno) in codes {
        // A failure is final as soon as REP arrives, whatever follows.
        let mut reply = REPLY_V4;
        reply[1] = rep;
        for proxy in [
            cat(&[&PROXY_NO_AUTH, &reply]),
            cat(&[&PROXY_NO_AUTH, &[5, rep]]),
        ] {
            let (result, _, _) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
            assert_eq!(
                result,
                Progress::Failed(SocksError::Reply(code)),
                "REP {rep}"
            );
        }
        assert_eq!(Error::from(SocksError::Reply(code)).errno(), errno);
    }
}

#[test]
fn malformed_replies() {
    let cases: &[(&[u8], SocksError)] = &[
        (&[4, 0, 0, 1, 0, 0, 0, 0, 0, 0], SocksError::BadVersion(4)),
        (&[5, 0, 1, 1, 0, 0, 0, 0, 0, 0], SocksError::BadReserved(1)),
        (
            &[5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            SocksError::BadAddressType(0),
        ),
        (
            &[5, 0, 0, 2, 0, 0, 0, 0, 0, 0],
            SocksError::BadAddressType(2),
        ),
        (&[5, 0, 0, 0xFF], SocksError::BadAddressType(0xFF)),
    ];
    for (reply, error) in cases {
        let proxy = cat(&[&PROXY_NO_AUTH, reply]);
        let (result, _, _) = run_all_splits(|| client(v4(1, 2, 3, 4, 5)), &proxy);
        assert_eq!(result, Progress::Failed(error.clone()), "{reply:?}");
    }
}

#[test]
fn truncated_answers_wait_then_fail_at_eof() {
    let full = cat(&[&PROXY_USER_PASS, &AUTH_OK, &REPLY_V4]);
    for cut in 0..full.len() {
        let mut c = SocksClient::new(v4(1, 2, 3, 4, 5), b"u", b"p").unwrap();
        let mut input = BytesMut::from(&full[..cut]);
        assert_eq!(
            c.handle_input(&mut input),
            Progress::Pending,
            "cut at {cut}"
        );
        assert_eq!(c.handle_eof(), Progress::Failed(SocksError::Truncated));
    }
}

#[test]
fn arbitrary_input_never_panics() {
    // A small deterministic generator: every byte value appears at
    // every position of the proxy's stream over the run.
    let mut seed: u32 = 0x1234_5678;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for i in 0..20_000u32 {
        let len = (next() % 300) as usize;
        let mut junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias towards getting past the early checks.
        if i % 2 == 0 && junk.len() > 4 {
            junk[..2].copy_from_slice(&[5, (i % 4 == 0) as u8 * 2]);
            junk[2] = if i % 4 == 0 { 1 } else { 5 };
        }
        let c = if i % 4 == 0 {
            SocksClient::new(domain("x", 1), b"u", b"p").unwrap()
        } else {
            client(domain("x", 1))
        };
        let step = 1 + (next() % 16) as usize;
        let (result, sent, rest) = run(c.clone(), &junk, step);
        assert_eq!(
            run(c, &junk, junk.len()),
            (result.clone(), sent, rest.clone())
        );
        if let Progress::Done(_) = result {
            assert!(junk.len() - rest.len() >= 2 + 10);
        }
    }
}

// -------------------------------------------------------- construction

#[test]
fn construction_limits() {
    assert_eq!(
        SocksClient::new(domain("", 1), b"", b"").unwrap_err(),
        SocksError::EmptyHost
    );
    assert_eq!(
        SocksClient::new(domain(&"a".repeat(256), 1), b"", b"").unwrap_err(),
        SocksError::FieldTooLong
    );
    let long = [b'x'; 256];
    assert_eq!(
        SocksClient::new(v4(1, 1, 1, 1, 1), &long, b"p").unwrap_err(),
        SocksError::FieldTooLong
    );
    assert_eq!(
        SocksClient::new(v4(1, 1, 1, 1, 1), b"u", &long).unwrap_err(),
        SocksError::FieldTooLong
    );
    assert_eq!(Error::from(SocksError::FieldTooLong), Error::Inval);
}

// ------------------------------------------------- endpoint → target

#[test]
fn targets_from_endpoints() {
    let v6 = |text: &str, port| {
        SocksAddr::Ip(SocketAddr::new(
            text.parse::<Ipv6Addr>().unwrap().into(),
            port,
        ))
    };
    let cases: &[(&str, SocksAddr)] = &[
        ("127.0.0.1:5555", v4(127, 0, 0, 1, 5555)),
        ("localhost:5555", domain("localhost", 5555)),
        ("example.org:1", domain("example.org", 1)),
        ("[::1]:80", v6("::1", 80)),
        ("::1:80", v6("::1", 80)),
        ("[fe80::1%lo]:80", v6("fe80::1", 80)),
        ("::ffff:1.2.3.4:80", v6("::ffff:1.2.3.4", 80)),
        ("10.0.0.1;127.0.0.1:9", v4(127, 0, 0, 1, 9)),
        ("eth0;host.lan:9", domain("host.lan", 9)),
        ("127.1:65535", v4(127, 0, 0, 1, 65535)),
        ("0x7f.0.0.1:2", v4(127, 0, 0, 1, 2)),
        ("1.2.3.4.5:2", domain("1.2.3.4.5", 2)),
        ("[host]:3", domain("host", 3)),
    ];
    for (text, want) in cases {
        assert_eq!(SocksAddr::from_endpoint(text).as_ref(), Ok(want), "{text}");
    }
    for bad in [
        "nohost",
        "host:",
        "host:0",
        "host:65536",
        "host:+80",
        "host:8x",
        "host:-1",
    ] {
        assert_eq!(
            SocksAddr::from_endpoint(bad),
            Err(SocksError::BadEndpoint),
            "{bad}"
        );
    }
}
