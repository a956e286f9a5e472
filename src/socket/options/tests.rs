use super::*;
use crate::ctx::CtxOptions;
use crate::error::Error;
use crate::z85;

const ALL: Builds = Builds {
    curve: true,
    gssapi: true,
    wss: true,
    vmci: true,
    norm: true,
};

fn socket(kind: i32) -> Options {
    Options::new(kind, &CtxOptions::default())
}

#[test]
fn curve_is_built() {
    let mut o = dealer();
    o.set(opt::CURVE_SERVER, &1i32.to_ne_bytes()).unwrap();
    assert_eq!((o.mechanism, o.as_server), (Mechanism::Curve, true));
    o.set(opt::CURVE_PUBLICKEY, &[7u8; 32]).unwrap();
    let mut b = [0u8; 32];
    assert_eq!(o.get(opt::CURVE_PUBLICKEY, &mut b), Ok(32));
    assert_eq!(b, [7u8; 32]);
    let mut without = dealer();
    let none = Builds {
        curve: false,
        ..BUILT
    };
    assert_eq!(
        without.set_with(opt::CURVE_SERVER, &1i32.to_ne_bytes(), none),
        Err(Error::Inval)
    );
}

fn dealer() -> Options {
    socket(kind::DEALER)
}

fn set_int(o: &mut Options, option: i32, v: i32) -> Result<()> {
    o.set_with(option, &v.to_ne_bytes(), ALL)
}

fn get_int(o: &Options, option: i32) -> Result<i32> {
    let mut b = [0u8; 4];
    let n = o.get_with(option, &mut b, ALL)?;
    assert_eq!(n, 4);
    Ok(i32::from_ne_bytes(b))
}

/// Reads an option into a buffer of `len` bytes: the bytes it reports.
fn get_buf(o: &Options, option: i32, len: usize) -> Result<Vec<u8>> {
    let mut b = vec![0x55u8; len];
    let n = o.get_with(option, &mut b, ALL)?;
    assert!(b[n..].iter().all(|&c| c == 0), "rest not zeroed");
    b.truncate(n);
    Ok(b)
}

/// An int option: the set's result, and on success the value read back.
/// On failure the options must be unchanged.
macro_rules! int_case {
    ($option:ident, $v:expr, ok) => {
        int_case!($option, $v, ok => $v)
    };
    ($option:ident, $v:expr, ok => $back:expr) => {{
        let mut o = dealer();
        assert_eq!(set_int(&mut o, opt::$option, $v), Ok(()), "{} = {}", stringify!($option), $v);
        assert_eq!(get_int(&o, opt::$option), Ok($back), "{} = {}", stringify!($option), $v);
    }};
    ($option:ident, $v:expr, inval) => {{
        let mut o = dealer();
        let before = o.clone();
        assert_eq!(set_int(&mut o, opt::$option, $v), Err(Error::Inval), "{} = {}", stringify!($option), $v);
        assert_eq!(o, before);
    }};
}

#[test]
fn int_defaults() {
    let o = dealer();
    for (option, want) in [
        (opt::SNDHWM, 1000),
        (opt::RCVHWM, 1000),
        (opt::RATE, 100),
        (opt::RECOVERY_IVL, 10_000),
        (opt::SNDBUF, -1),
        (opt::RCVBUF, -1),
        (opt::TOS, 0),
        (opt::PRIORITY, 0),
        (opt::LINGER, -1),
        (opt::CONNECT_TIMEOUT, 0),
        (opt::TCP_MAXRT, 0),
        (opt::RECONNECT_STOP, 0),
        (opt::RECONNECT_IVL, 100),
        (opt::RECONNECT_IVL_MAX, 0),
        (opt::BACKLOG, 100),
        (opt::MULTICAST_HOPS, 1),
        (opt::MULTICAST_MAXTPDU, 1500),
        (opt::RCVTIMEO, -1),
        (opt::SNDTIMEO, -1),
        (opt::IPV6, 0),
        (opt::IPV4ONLY, 1),
        (opt::IMMEDIATE, 0),
        (opt::CONFLATE, 0),
        (opt::INVERT_MATCHING, 0),
        (opt::ZAP_ENFORCE_DOMAIN, 0),
        (opt::LOOPBACK_FASTPATH, 0),
        (opt::MULTICAST_LOOP, 1),
        (opt::HANDSHAKE_IVL, 30_000),
        (opt::HEARTBEAT_IVL, 0),
        (opt::HEARTBEAT_TTL, 0),
        (opt::HEARTBEAT_TIMEOUT, -1),
        (opt::USE_FD, -1),
        (opt::IN_BATCH_SIZE, 8192),
        (opt::OUT_BATCH_SIZE, 8192),
        (opt::ROUTER_NOTIFY, 0),
        (opt::TCP_KEEPALIVE, -1),
        (opt::TCP_KEEPALIVE_CNT, -1),
        (opt::TCP_KEEPALIVE_IDLE, -1),
        (opt::TCP_KEEPALIVE_INTVL, -1),
        (opt::MECHANISM, 0),
        (opt::PLAIN_SERVER, 0),
        (opt::CURVE_SERVER, 0),
    ] {
        assert_eq!(get_int(&o, option), Ok(want), "option {option}");
    }
    let mut b8 = [0u8; 8];
    assert_eq!(o.get_with(opt::MAXMSGSIZE, &mut b8, ALL), Ok(8));
    assert_eq!(i64::from_ne_bytes(b8), -1);
    assert_eq!(o.get_with(opt::AFFINITY, &mut b8, ALL), Ok(8));
    assert_eq!(u64::from_ne_bytes(b8), 0);
}

#[test]
fn text_defaults_are_empty_strings() {
    let o = dealer();
    for option in [
        opt::SOCKS_PROXY,
        opt::SOCKS_USERNAME,
        opt::SOCKS_PASSWORD,
        opt::PLAIN_USERNAME,
        opt::PLAIN_PASSWORD,
        opt::ZAP_DOMAIN,
        opt::BINDTODEVICE,
    ] {
        assert_eq!(get_buf(&o, option, 8), Ok(vec![0]), "option {option}");
    }
    assert_eq!(get_buf(&o, opt::ROUTING_ID, 8), Ok(vec![]));
    assert_eq!(get_buf(&o, opt::CURVE_SERVERKEY, 32), Ok(vec![0; 32]));
}

#[test]
fn defaults_follow_context_and_socket_type() {
    let ctx = CtxOptions {
        blocky: false,
        ipv6: true,
        zero_copy_recv: false,
        ..CtxOptions::default()
    };
    let o = Options::new(kind::DEALER, &ctx);
    assert_eq!((o.linger, o.ipv6, o.zero_copy), (0, true, false));
    assert_eq!(get_int(&o, opt::IPV4ONLY), Ok(0));
    let d = CtxOptions::default();
    assert_eq!(Options::new(kind::DISH, &d).linger, 0);
    assert!(Options::new(kind::SUB, &d).filter);
    const PUB: i32 = 1;
    assert!(!Options::new(PUB, &d).filter);
    let r = Options::new(kind::REP, &d);
    assert!(r.recv_routing_id && r.can_send_hello_msg && r.can_recv_disconnect_msg);
    assert!(Options::new(kind::STREAM, &d).raw_socket);
    assert!(!Options::new(kind::ROUTER, &d).raw_socket);
    assert!(Options::new(kind::REQ, &d).can_recv_hiccup_msg);
    assert!(Options::new(kind::PEER, &d).can_recv_hiccup_msg);
    assert!(!Options::new(kind::SERVER, &d).can_recv_hiccup_msg);
}

#[test]
fn int_ranges() {
    int_case!(SNDHWM, 0, ok);
    int_case!(SNDHWM, -1, inval);
    int_case!(RCVHWM, 5, ok);
    int_case!(RATE, 0, inval);
    int_case!(RATE, 1, ok);
    int_case!(RECOVERY_IVL, -1, inval);
    int_case!(SNDBUF, -1, ok);
    int_case!(SNDBUF, -2, inval);
    int_case!(RCVBUF, 65536, ok);
    int_case!(TOS, -1, inval);
    int_case!(TOS, 0x28, ok);
    int_case!(PRIORITY, -1, inval);
    int_case!(LINGER, -1, ok);
    int_case!(LINGER, -2, inval);
    int_case!(CONNECT_TIMEOUT, -1, inval);
    int_case!(TCP_MAXRT, 100, ok);
    int_case!(RECONNECT_STOP, -2, ok);
    int_case!(RECONNECT_IVL, -1, ok);
    int_case!(RECONNECT_IVL, -2, inval);
    int_case!(RECONNECT_IVL_MAX, -1, inval);
    int_case!(BACKLOG, -1, inval);
    int_case!(MULTICAST_HOPS, 0, inval);
    int_case!(MULTICAST_MAXTPDU, 0, inval);
    int_case!(RCVTIMEO, -1, ok);
    int_case!(SNDTIMEO, -2, inval);
    int_case!(TCP_KEEPALIVE, 1, ok);
    int_case!(TCP_KEEPALIVE, 2, inval);
    int_case!(TCP_KEEPALIVE_CNT, -1, ok);
    int_case!(TCP_KEEPALIVE_IDLE, -2, inval);
    int_case!(TCP_KEEPALIVE_INTVL, 7, ok);
    int_case!(HANDSHAKE_IVL, 0, ok);
    int_case!(HEARTBEAT_IVL, -1, inval);
    int_case!(HEARTBEAT_TIMEOUT, -1, inval);
    int_case!(HEARTBEAT_TIMEOUT, 0, ok);
    int_case!(USE_FD, -1, ok);
    int_case!(USE_FD, -2, inval);
    int_case!(IN_BATCH_SIZE, 0, inval);
    int_case!(OUT_BATCH_SIZE, 1, ok);
}

#[test]
fn booleans() {
    int_case!(IPV6, 1, ok);
    int_case!(IPV6, 2, inval);
    int_case!(IPV4ONLY, 0, ok);
    int_case!(IPV4ONLY, -1, inval);
    int_case!(IMMEDIATE, 2, inval);
    int_case!(CONFLATE, 1, ok);
    int_case!(CONFLATE, 2, inval);
    int_case!(INVERT_MATCHING, 2, ok => 1);
    int_case!(INVERT_MATCHING, -1, ok => 1);
    int_case!(ZAP_ENFORCE_DOMAIN, 7, ok => 1);
    int_case!(LOOPBACK_FASTPATH, 1, ok);
    int_case!(MULTICAST_LOOP, 0, ok);
    let mut o = dealer();
    set_int(&mut o, opt::IPV4ONLY, 0).unwrap();
    assert_eq!(get_int(&o, opt::IPV6), Ok(1));
}

#[test]
fn heartbeat_ttl_is_kept_in_deciseconds() {
    int_case!(HEARTBEAT_TTL, 1234, ok => 1200);
    int_case!(HEARTBEAT_TTL, -99, ok => 0);
    int_case!(HEARTBEAT_TTL, -100, inval);
    int_case!(HEARTBEAT_TTL, 6_553_599, ok => 6_553_500);
    int_case!(HEARTBEAT_TTL, 6_553_600, inval);
}

#[test]
fn wrong_sizes() {
    let mut o = dealer();
    let before = o.clone();
    for (option, len) in [
        (opt::SNDHWM, 2),
        (opt::LINGER, 8),
        (opt::IPV6, 0),
        (opt::HEARTBEAT_TTL, 8),
        (opt::AFFINITY, 4),
        (opt::MAXMSGSIZE, 4),
        (opt::IPC_FILTER_UID, 8),
    ] {
        assert_eq!(
            o.set(option, &vec![0; len]),
            Err(Error::Inval),
            "set {option}/{len}"
        );
    }
    assert_eq!(o, before);
    for (option, len) in [
        (opt::SNDHWM, 8),
        (opt::SNDHWM, 2),
        (opt::AFFINITY, 4),
        (opt::AFFINITY, 16),
        (opt::MAXMSGSIZE, 16),
        (opt::CURVE_PUBLICKEY, 40),
        (opt::CURVE_PUBLICKEY, 42),
    ] {
        assert_eq!(
            get_buf(&o, option, len),
            Err(Error::Inval),
            "get {option}/{len}"
        );
    }
}

#[test]
fn wide_integers_round_trip() {
    let mut o = dealer();
    o.set_with(opt::MAXMSGSIZE, &(-5i64).to_ne_bytes(), ALL)
        .unwrap();
    o.set_with(opt::AFFINITY, &u64::MAX.to_ne_bytes(), ALL)
        .unwrap();
    assert_eq!(
        get_buf(&o, opt::MAXMSGSIZE, 8),
        Ok((-5i64).to_ne_bytes().to_vec())
    );
    assert_eq!(
        get_buf(&o, opt::AFFINITY, 8),
        Ok(u64::MAX.to_ne_bytes().to_vec())
    );
}

#[test]
fn routing_id_is_binary() {
    let mut o = dealer();
    assert_eq!(o.set_with(opt::ROUTING_ID, b"", ALL), Err(Error::Inval));
    assert_eq!(o.set(opt::ROUTING_ID, &[7; 256]), Err(Error::Inval));
    o.set(opt::ROUTING_ID, &[7; 255]).unwrap();
    o.set_with(opt::ROUTING_ID, b"\0ab", ALL).unwrap();
    assert_eq!(get_buf(&o, opt::ROUTING_ID, 3), Ok(b"\0ab".to_vec()));
    assert_eq!(get_buf(&o, opt::ROUTING_ID, 10), Ok(b"\0ab".to_vec()));
    assert_eq!(get_buf(&o, opt::ROUTING_ID, 2), Err(Error::Inval));
}

#[test]
fn strings_read_back_with_nul() {
    let mut o = dealer();
    o.set_with(opt::ZAP_DOMAIN, b"global", ALL).unwrap();
    assert_eq!(get_buf(&o, opt::ZAP_DOMAIN, 6), Err(Error::Inval));
    assert_eq!(get_buf(&o, opt::ZAP_DOMAIN, 7), Ok(b"global\0".to_vec()));
    assert_eq!(get_buf(&o, opt::ZAP_DOMAIN, 64), Ok(b"global\0".to_vec()));
    assert_eq!(get_buf(&o, opt::ZAP_DOMAIN, 0), Err(Error::Inval));
    // No way to clear a ZAP domain; 255 bytes at most.
    assert_eq!(o.set_with(opt::ZAP_DOMAIN, b"", ALL), Err(Error::Inval));
    assert_eq!(o.set(opt::ZAP_DOMAIN, &[b'd'; 256]), Err(Error::Inval));
    assert_eq!(o.zap_domain, b"global");
}

#[test]
fn string_limits_and_clearing() {
    let mut o = dealer();
    o.set_with(opt::BINDTODEVICE, b"0123456789abcdef", ALL)
        .unwrap();
    assert_eq!(
        o.set_with(opt::BINDTODEVICE, b"0123456789abcdefg", ALL),
        Err(Error::Inval)
    );
    assert_eq!(
        get_buf(&o, opt::BINDTODEVICE, 17),
        Ok(b"0123456789abcdef\0".to_vec())
    );
    o.set_with(opt::BINDTODEVICE, b"", ALL).unwrap();
    assert!(o.bound_device.is_empty());
    o.set(opt::SOCKS_PROXY, &[b'p'; 1000]).unwrap();
    o.set_with(opt::SOCKS_PROXY, b"", ALL).unwrap();
    assert!(o.socks_proxy_address.is_empty());
    assert_eq!(o.set(opt::SOCKS_USERNAME, &[b'u'; 256]), Err(Error::Inval));
    o.set_with(opt::SOCKS_USERNAME, b"me", ALL).unwrap();
    o.set_with(opt::SOCKS_PASSWORD, b"pw", ALL).unwrap();
    assert_eq!(get_buf(&o, opt::SOCKS_PASSWORD, 3), Ok(b"pw\0".to_vec()));
    o.set_with(opt::SOCKS_USERNAME, b"", ALL).unwrap();
    assert!(o.socks_proxy_username.is_empty());
}

#[test]
fn plain_switches_mechanism() {
    let mut o = dealer();
    o.set_with(opt::PLAIN_USERNAME, b"admin", ALL).unwrap();
    assert_eq!((o.mechanism, o.as_server), (Mechanism::Plain, false));
    assert_eq!(get_int(&o, opt::MECHANISM), Ok(1));
    // Empty switches back to NULL but keeps the name.
    o.set_with(opt::PLAIN_USERNAME, b"", ALL).unwrap();
    assert_eq!(get_int(&o, opt::MECHANISM), Ok(0));
    assert_eq!(get_buf(&o, opt::PLAIN_USERNAME, 8), Ok(b"admin\0".to_vec()));
    assert_eq!(o.set(opt::PLAIN_PASSWORD, &[b'p'; 256]), Err(Error::Inval));
    set_int(&mut o, opt::PLAIN_SERVER, 1).unwrap();
    assert_eq!(get_int(&o, opt::PLAIN_SERVER), Ok(1));
    assert_eq!(get_int(&o, opt::CURVE_SERVER), Ok(0));
    o.set_with(opt::PLAIN_PASSWORD, b"secret", ALL).unwrap();
    assert_eq!(get_int(&o, opt::PLAIN_SERVER), Ok(0));
    assert_eq!(set_int(&mut o, opt::PLAIN_SERVER, 2), Err(Error::Inval));
    set_int(&mut o, opt::PLAIN_SERVER, 0).unwrap();
    assert_eq!(o.mechanism, Mechanism::Null);
}

#[test]
fn curve_key_forms() {
    let key: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
    let mut z85_text = [0u8; 40];
    z85::encode_into(&key, &mut z85_text).unwrap();
    let mut with_nul = z85_text.to_vec();
    with_nul.push(0);

    let mut o = dealer();
    o.set_with(opt::CURVE_SECRETKEY, &key, ALL).unwrap();
    assert_eq!(o.mechanism, Mechanism::Curve);
    assert_eq!(get_buf(&o, opt::CURVE_SECRETKEY, 32), Ok(key.to_vec()));
    assert_eq!(get_buf(&o, opt::CURVE_SECRETKEY, 41), Ok(with_nul.clone()));

    let mut o = dealer();
    o.set_with(opt::CURVE_PUBLICKEY, &z85_text, ALL).unwrap();
    assert_eq!(o.curve_public_key, key);
    set_int(&mut o, opt::CURVE_SERVER, 1).unwrap();
    o.set_with(opt::CURVE_SERVERKEY, &with_nul, ALL).unwrap();
    assert_eq!(o.curve_server_key, key);
    assert_eq!((o.mechanism, o.as_server), (Mechanism::Curve, false));

    let mut bad = with_nul.clone();
    bad[40] = b'x';
    let mut o = dealer();
    for value in [
        &bad[..],
        &key[..31],
        &with_nul[..39],
        b"\"0000000000000000000000000000000000000000",
    ] {
        assert_eq!(
            o.set_with(opt::CURVE_PUBLICKEY, value, ALL),
            Err(Error::Inval)
        );
    }
    assert_eq!(o, dealer());
}

#[test]
fn curve_server_switches_mechanism() {
    int_case!(CURVE_SERVER, 1, ok);
    int_case!(CURVE_SERVER, 2, inval);
    let mut o = dealer();
    set_int(&mut o, opt::CURVE_SERVER, 1).unwrap();
    assert_eq!(get_int(&o, opt::MECHANISM), Ok(2));
    set_int(&mut o, opt::CURVE_SERVER, 0).unwrap();
    assert_eq!(get_int(&o, opt::MECHANISM), Ok(0));
}

#[test]
fn metadata() {
    let mut o = dealer();
    for (value, ok) in [
        (&b"X-ab:c"[..], true),
        (b"X-:bc", true),
        (b"X-c:d:e", true),
        (b"X-ab:other", true),
        (b"X-a:", false),
        (b"X-:b", false),
        (b"x-ab:c", false),
        (b":abcde", false),
        (b"X-abc", false),
        (b"", false),
    ] {
        let want = if ok { Ok(()) } else { Err(Error::Inval) };
        assert_eq!(
            o.set_with(opt::METADATA, value, ALL),
            want,
            "{:?}",
            String::from_utf8_lossy(value)
        );
    }
    let mut long_key = b"X-".to_vec();
    long_key.extend([b'k'; 254]);
    long_key.extend(b":v");
    assert_eq!(o.set_with(opt::METADATA, &long_key, ALL), Err(Error::Inval));
    assert_eq!(o.app_metadata.len(), 3);
    assert_eq!(o.app_metadata[&b"X-ab"[..]], b"c");
    assert_eq!(o.app_metadata[&b"X-c"[..]], b"d:e");
    assert_eq!(get_buf(&o, opt::METADATA, 64), Err(Error::Inval));
}

#[test]
fn accept_filter_option() {
    let mut o = dealer();
    o.set_with(opt::TCP_ACCEPT_FILTER, b"127.0.0.1", ALL)
        .unwrap();
    o.set_with(opt::TCP_ACCEPT_FILTER, b"10.0.0.0/8", ALL)
        .unwrap();
    assert_eq!(
        o.set_with(opt::TCP_ACCEPT_FILTER, b"::1", ALL),
        Err(Error::Inval)
    );
    assert_eq!(
        o.set(opt::TCP_ACCEPT_FILTER, &[b'1'; 256]),
        Err(Error::Inval)
    );
    assert_eq!(o.tcp_accept_filters.len(), 2);
    // The family follows IPV6 at the time of setting.
    set_int(&mut o, opt::IPV6, 1).unwrap();
    o.set_with(opt::TCP_ACCEPT_FILTER, b"::1", ALL).unwrap();
    assert_eq!(o.tcp_accept_filters.len(), 3);
    o.set_with(opt::TCP_ACCEPT_FILTER, b"", ALL).unwrap();
    assert!(o.tcp_accept_filters.is_empty());
    assert_eq!(get_buf(&o, opt::TCP_ACCEPT_FILTER, 64), Err(Error::Inval));
}

#[test]
fn ipc_filters() {
    let mut o = dealer();
    o.set_with(opt::IPC_FILTER_UID, &1000u32.to_ne_bytes(), ALL)
        .unwrap();
    o.set_with(opt::IPC_FILTER_UID, &1000u32.to_ne_bytes(), ALL)
        .unwrap();
    o.set_with(opt::IPC_FILTER_GID, &5u32.to_ne_bytes(), ALL)
        .unwrap();
    o.set_with(opt::IPC_FILTER_PID, &42i32.to_ne_bytes(), ALL)
        .unwrap();
    assert_eq!(o.ipc_uid_accept_filters, BTreeSet::from([1000]));
    assert_eq!(o.ipc_gid_accept_filters, BTreeSet::from([5]));
    assert_eq!(o.ipc_pid_accept_filters, BTreeSet::from([42]));
    o.set_with(opt::IPC_FILTER_UID, b"", ALL).unwrap();
    assert!(o.ipc_uid_accept_filters.is_empty());
    assert_eq!(o.set(opt::IPC_FILTER_PID, &[0; 2]), Err(Error::Inval));
    assert_eq!(get_int(&o, opt::IPC_FILTER_GID), Err(Error::Inval));
}

#[test]
fn engine_messages_are_write_only_binary() {
    let mut o = dealer();
    for option in [opt::HELLO_MSG, opt::DISCONNECT_MSG, opt::HICCUP_MSG] {
        o.set_with(option, b"\0hi", ALL).unwrap();
        assert_eq!(get_buf(&o, option, 16), Err(Error::Inval));
    }
    assert_eq!(o.hello_msg, b"\0hi");
    o.set_with(opt::HICCUP_MSG, b"", ALL).unwrap();
    assert!(o.hiccup_msg.is_empty());
}

#[test]
fn busy_poll_reads_back_as_libzmq_does() {
    let mut o = dealer();
    set_int(&mut o, opt::BUSY_POLL, -3).unwrap();
    assert_eq!(o.busy_poll, -3);
    let mut b = [0u8; 4];
    assert_eq!(o.get_with(opt::BUSY_POLL, &mut b, ALL), Err(Error::Inval));
    assert_eq!(i32::from_ne_bytes(b), -3);
}

#[test]
fn type_gated_options() {
    for (kind, ok) in [
        (kind::ROUTER, true),
        (kind::REP, true),
        (kind::STREAM, true),
        (kind::DEALER, false),
    ] {
        let mut o = socket(kind);
        let want = if ok { Ok(()) } else { Err(Error::Inval) };
        assert_eq!(
            o.set_with(opt::CONNECT_ROUTING_ID, b"peer", ALL),
            want,
            "type {kind}"
        );
        assert_eq!(
            o.set_with(opt::CONNECT_ROUTING_ID, b"", ALL),
            Err(Error::Inval)
        );
        assert_eq!(get_buf(&o, opt::CONNECT_ROUTING_ID, 8), Err(Error::Inval));
    }
    let mut r = socket(kind::ROUTER);
    set_int(&mut r, opt::ROUTER_NOTIFY, 3).unwrap();
    assert_eq!(get_int(&r, opt::ROUTER_NOTIFY), Ok(3));
    assert_eq!(set_int(&mut r, opt::ROUTER_NOTIFY, 4), Err(Error::Inval));
    assert_eq!(
        set_int(&mut dealer(), opt::ROUTER_NOTIFY, 1),
        Err(Error::Inval)
    );
    assert_eq!(
        set_int(&mut socket(kind::REP), opt::ROUTER_NOTIFY, 1),
        Ok(())
    );
    let mut s = socket(kind::STREAM);
    set_int(&mut s, opt::STREAM_NOTIFY, 0).unwrap();
    assert!(!s.raw_notify);
    assert_eq!(set_int(&mut s, opt::STREAM_NOTIFY, 2), Err(Error::Inval));
    assert_eq!(get_int(&s, opt::STREAM_NOTIFY), Err(Error::Inval));
    assert_eq!(set_int(&mut r, opt::STREAM_NOTIFY, 1), Err(Error::Inval));
}

#[test]
fn options_of_other_owners_are_inval() {
    let mut o = dealer();
    for option in [
        opt::SUBSCRIBE,
        opt::UNSUBSCRIBE,
        opt::ROUTER_MANDATORY,
        opt::ROUTER_HANDOVER,
        opt::ROUTER_RAW,
        opt::PROBE_ROUTER,
        opt::REQ_CORRELATE,
        opt::REQ_RELAXED,
        opt::XPUB_VERBOSE,
        opt::XPUB_NODROP,
        opt::XPUB_WELCOME_MSG,
        opt::ONLY_FIRST_SUBSCRIBE,
        opt::XSUB_VERBOSE_UNSUBSCRIBE,
        opt::TOPICS_COUNT,
        opt::TYPE,
        opt::RCVMORE,
        opt::FD,
        opt::EVENTS,
        opt::LAST_ENDPOINT,
        opt::THREAD_SAFE,
        opt::MECHANISM,
        1,
        10,
        9999,
    ] {
        assert_eq!(
            set_int(&mut o, option, 1),
            Err(Error::Inval),
            "set {option}"
        );
    }
    for option in [
        opt::TYPE,
        opt::RCVMORE,
        opt::EVENTS,
        opt::TOPICS_COUNT,
        9999,
    ] {
        assert_eq!(get_int(&o, option), Err(Error::Inval), "get {option}");
    }
    assert_eq!(o, dealer());
}

#[test]
fn optional_builds_are_refused() {
    let mut o = dealer();
    let one = 1i32.to_ne_bytes();
    let mut b = [0u8; 4];
    // GSSAPI without the system's library, as `builds_for` finds it there.
    let none = BUILT;
    assert_eq!(
        o.set_with(opt::GSSAPI_PRINCIPAL, b"p", none),
        Err(Error::Inval)
    );
    assert_eq!(
        o.set_with(opt::GSSAPI_SERVER, &one, none),
        Err(Error::Inval)
    );
    assert_eq!(
        o.get_with(opt::GSSAPI_PLAINTEXT, &mut b, none),
        Err(Error::Inval)
    );
    assert_eq!(
        builds_for(opt::GSSAPI_SERVER).gssapi,
        crate::zmtp::gssapi::available()
    );
    assert!(
        !builds_for(opt::LINGER).gssapi,
        "only GSSAPI options load it"
    );
    assert_eq!(
        o.set(opt::VMCI_BUFFER_SIZE, &1u64.to_ne_bytes()),
        Err(Error::Inval)
    );
    assert_eq!(
        o.set(opt::NORM_MODE, &0i32.to_ne_bytes()),
        Err(Error::Inval)
    );
    assert_eq!(o.get(opt::NORM_MODE, &mut b), Err(Error::Inval));
    assert_eq!(o, dealer());
}

#[test]
fn wss_is_built() {
    let mut o = dealer();
    o.set(opt::WSS_HOSTNAME, b"zeromq.org").unwrap();
    o.set(opt::WSS_TRUST_SYSTEM, &1i32.to_ne_bytes()).unwrap();
    assert_eq!(
        (o.wss_hostname.as_slice(), o.wss_trust_system),
        (&b"zeromq.org"[..], true)
    );
    let none = Builds {
        wss: false,
        ..BUILT
    };
    assert_eq!(o.set_with(opt::WSS_HOSTNAME, b"h", none), Err(Error::Inval));
}

#[test]
fn optional_builds_when_enabled() {
    let mut o = dealer();
    let set = |o: &mut Options, option, v: i32| o.set_with(option, &v.to_ne_bytes(), ALL);
    let get = |o: &Options, option| {
        let mut b = [0u8; 4];
        o.get_with(option, &mut b, ALL)
            .map(|_| i32::from_ne_bytes(b))
    };
    set(&mut o, opt::GSSAPI_SERVER, 0).unwrap();
    assert_eq!(o.mechanism, Mechanism::Gssapi);
    set(&mut o, opt::GSSAPI_SERVER, 1).unwrap();
    assert_eq!(get(&o, opt::GSSAPI_SERVER), Ok(1));
    o.set_with(opt::GSSAPI_SERVICE_PRINCIPAL, b"svc", ALL)
        .unwrap();
    assert_eq!(get(&o, opt::GSSAPI_SERVER), Ok(0));
    let mut b = [0u8; 8];
    assert_eq!(
        o.get_with(opt::GSSAPI_SERVICE_PRINCIPAL, &mut b, ALL),
        Ok(4)
    );
    assert_eq!(
        o.set_with(opt::GSSAPI_PRINCIPAL, b"", ALL),
        Err(Error::Inval)
    );
    assert_eq!(
        set(&mut o, opt::GSSAPI_PRINCIPAL_NAMETYPE, 3),
        Err(Error::Inval)
    );
    set(&mut o, opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, 2).unwrap();
    assert_eq!(get(&o, opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE), Ok(2));
    set(&mut o, opt::VMCI_CONNECT_TIMEOUT, -5).unwrap();
    assert_eq!(get(&o, opt::VMCI_CONNECT_TIMEOUT), Err(Error::Inval));
    o.set_with(opt::VMCI_BUFFER_MAX_SIZE, &9u64.to_ne_bytes(), ALL)
        .unwrap();
    assert_eq!(o.vmci_buffer_max_size, 9);
    o.set_with(opt::WSS_TRUST_PEM, b"", ALL).unwrap();
    assert_eq!(set(&mut o, opt::WSS_TRUST_SYSTEM, 2), Err(Error::Inval));
    assert_eq!(set(&mut o, opt::NORM_MODE, 5), Err(Error::Inval));
    assert_eq!(set(&mut o, opt::NORM_BLOCK_SIZE, 255), Ok(()));
    assert_eq!(set(&mut o, opt::NORM_NUM_PARITY, 255), Err(Error::Inval));
    assert_eq!(get(&o, opt::NORM_BLOCK_SIZE), Ok(255));
    assert_eq!(get(&o, opt::NORM_BUFFER_SIZE), Ok(2048));
}

#[test]
fn null_only_clears() {
    assert!(clears_only_with_null(opt::TCP_ACCEPT_FILTER));
    assert!(clears_only_with_null(opt::PLAIN_PASSWORD));
    assert!(!clears_only_with_null(opt::SOCKS_USERNAME));
    assert!(!clears_only_with_null(opt::HELLO_MSG));
}

#[test]
fn put_helpers() {
    let mut b = [0x55u8; 6];
    assert_eq!(put_string(&mut b, b"tcp"), Ok(4));
    assert_eq!(b, *b"tcp\0\0\0");
    assert_eq!(put_string(&mut b[..3], b"tcp"), Err(Error::Inval));
    assert_eq!(put_value(&mut b, &[]), Ok(0));
    assert_eq!(b, [0; 6]);
    assert_eq!(put_exact(&mut b[..4], &7i32.to_ne_bytes()), Ok(4));
    assert_eq!(int_arg(&b[..4]), Ok(7));
    assert_eq!(int_arg(&b), Err(Error::Inval));
}

#[test]
fn peer_msgs_act_only_where_the_type_supports_them() {
    // (type, sends a hello, receives a disconnect message, a hiccup one)
    let table = [
        (kind::ROUTER, true, true, false),
        (kind::REP, true, true, false),
        (kind::DEALER, true, false, true),
        (kind::REQ, true, false, true),
        (kind::CLIENT, true, false, true),
        (kind::SERVER, true, true, false),
        (kind::PEER, true, true, true),
        (kind::PUSH, false, false, false),
        (kind::PAIR, false, false, false),
    ];
    for (t, hello, disconnect, hiccup) in table {
        let mut o = socket(t);
        assert_eq!(o.hello_to_send(), None, "unset on type {t}");
        // Any type stores them, as libzmq does.
        o.set(opt::HELLO_MSG, b"H").unwrap();
        o.set(opt::DISCONNECT_MSG, b"D").unwrap();
        o.set(opt::HICCUP_MSG, b"C").unwrap();
        assert_eq!(o.hello_to_send().is_some(), hello, "type {t}");
        assert_eq!(o.disconnect_to_receive().is_some(), disconnect, "type {t}");
        assert_eq!(o.hiccup_to_receive().is_some(), hiccup, "type {t}");
        // An empty value unsets.
        o.set(opt::HELLO_MSG, b"").unwrap();
        assert_eq!(o.hello_to_send(), None, "type {t}");
    }
}
