use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV6};
use std::path::PathBuf;

use super::ipc::*;
use super::resolve::*;
use super::tcp::*;
use crate::error::{Error, Result};
use crate::sys::netdb::numeric_host_text;

const NODEV: Error = Error::Os(libc::ENODEV);
const TOO_LONG: Error = Error::Os(libc::ENAMETOOLONG);

/// Whether `lo` has an IPv6 address (not so where IPv6 is disabled).
fn lo_has_ipv6() -> bool {
    interface_address("lo", true).unwrap().is_some()
}

#[test]
fn host_port_split() {
    macro_rules! ok {
        ($text:expr, $bindable:expr => $host:expr, $port:expr, $zone:expr) => {
            assert_eq!(
                HostPort::parse($text, $bindable),
                Ok(HostPort {
                    host: $host,
                    port: $port,
                    zone: $zone
                }),
                "{:?}",
                $text
            );
        };
    }
    macro_rules! bad {
        ($text:expr, $bindable:expr) => {
            assert_eq!(
                HostPort::parse($text, $bindable),
                Err(Error::Inval),
                "{:?}",
                $text
            );
        };
    }
    ok!("*:*", true => "*", 0, None);
    ok!("*:0", true => "*", 0, None);
    ok!("*:0", false => "*", 0, None);
    ok!("127.0.0.1:5555", false => "127.0.0.1", 5555, None);
    ok!("[::1]:5555", false => "::1", 5555, None);
    ok!("[::1]:*", true => "::1", 0, None);
    ok!("::1:5555", false => "::1", 5555, None);
    ok!("[1.2.3.4]:80", false => "1.2.3.4", 80, None);
    bad!("[1.2.3.4:]80", false);
    ok!("[::1]", false => "[:", 1, None);
    ok!(":1", false => "", 1, None);
    ok!("1.2.3.4:567bad", false => "1.2.3.4", 567, None);
    ok!("1.2.3.4: 42", false => "1.2.3.4", 42, None);
    ok!("1.2.3.4:70000", false => "1.2.3.4", 4464, None);
    ok!("1.2.3.4:-1", false => "1.2.3.4", 65535, None);
    ok!("[fe80::1%lo]:80", false => "fe80::1", 80, Some(Zone::Interface("lo")));
    ok!("fe80::1%eth0:80", false => "fe80::1", 80, Some(Zone::Interface("eth0")));
    ok!("fe80::1%2:80", false => "fe80::1", 80, Some(Zone::Index(2)));
    ok!("3000::1%2abc:1", false => "3000::1", 1, Some(Zone::Index(2)));
    ok!("*%lo:*", true => "*", 0, Some(Zone::Interface("lo")));
    bad!("*:*", false);
    bad!("127.0.0.1:*", false);
    bad!("127.0.0.1", true);
    bad!("127.0.0.1:", true);
    bad!("*:", true);
    bad!("*:abc", true);
    bad!("*:* ", true);
    bad!("1.2.3.4:00", true);
    bad!("1.2.3.4:0abc", true);
    bad!("1.2.3.4:65536", true);
    bad!("[fe80::1%]:80", true);
    bad!("[fe80::1%0]:80", true);
    bad!("[fe80::1%-0]:80", true);
}

#[test]
fn connect_syntax() {
    macro_rules! case {
        ($text:expr => ok) => {
            assert_eq!(
                TcpAddress::for_connect($text).map(|a| a.as_str().to_owned()),
                Ok($text.to_owned())
            );
        };
        ($text:expr => inval) => {
            assert_eq!(
                TcpAddress::for_connect($text),
                Err(Error::Inval),
                "{:?}",
                $text
            );
        };
    }
    case!("127.0.0.1:5555" => ok);
    case!("localhost:0" => ok);
    case!("server1:5555" => ok);
    case!("my_host:5555" => ok);
    case!("[::1]:5555" => ok);
    case!("[::1%lo]:5555" => ok);
    case!(":5555" => ok);
    case!("127.0.0.1:5abc" => ok);
    case!("0.0.0.0:5555;127.0.0.1:5555" => ok);
    case!("eth1:0;server1:5555" => ok);
    case!("127.0.0.1:*;127.0.0.1:5555" => ok);
    case!("127.0.0.1:5555;" => ok);
    case!("a:5;b" => ok);
    case!("nosuch.invalid:5555" => ok);
    case!("" => inval);
    case!("127.0.0.1" => inval);
    case!("localhost:*" => inval);
    case!("127.0.0.1:abc" => inval);
    case!("a:+5" => inval);
    case!("a:-5" => inval);
    case!("*:5555;127.0.0.1:5555" => inval);
    case!("a b:5555" => inval);
    case!("-a:5555" => inval);
    case!(".a:5555" => inval);
    case!("a/b:5555" => inval);
    case!("a:5555/" => inval);
    case!("\u{e9}:5" => inval);
}

#[test]
fn bind_addresses() {
    macro_rules! case {
        ($text:expr, ipv6 = $ipv6:expr => $want:expr) => {
            let got = TcpAddress::for_bind($text).resolve($ipv6);
            let got = got.map(|r| (r.source, tcp_endpoint(&r.address)));
            let want: Result<&str> = $want;
            assert_eq!(
                got,
                want.map(|w| (None, w.to_owned())),
                "{:?} ipv6={}",
                $text,
                $ipv6
            );
        };
    }
    case!("*:*", ipv6 = false => Ok("tcp://0.0.0.0:0"));
    case!("*:0", ipv6 = false => Ok("tcp://0.0.0.0:0"));
    case!("*:*", ipv6 = true => Ok("tcp://[::]:0"));
    case!("*:5555", ipv6 = false => Ok("tcp://0.0.0.0:5555"));
    case!("*:5555", ipv6 = true => Ok("tcp://[::]:5555"));
    case!("127.0.0.1:5555", ipv6 = false => Ok("tcp://127.0.0.1:5555"));
    case!("127.0.0.1:5555", ipv6 = true => Ok("tcp://[::ffff:127.0.0.1]:5555"));
    case!("[127.0.0.1]:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
    case!("127.1:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
    case!("0.0.0.0:*", ipv6 = false => Ok("tcp://0.0.0.0:0"));
    case!("[::]:*", ipv6 = true => Ok("tcp://[::]:0"));
    case!("[::1]:5555", ipv6 = true => Ok("tcp://[::1]:5555"));
    case!("::1:5555", ipv6 = true => Ok("tcp://[::1]:5555"));
    case!("[::1]:5555", ipv6 = false => Err(NODEV));
    case!("[::ffff:127.0.0.1]:1", ipv6 = true => Ok("tcp://[::ffff:127.0.0.1]:1"));
    // glibc maps a v4-mapped literal back to IPv4 when asked for AF_INET.
    case!("[::ffff:127.0.0.1]:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
    case!("lo:*", ipv6 = false => Ok("tcp://127.0.0.1:0"));
    case!("lo:7", ipv6 = false => Ok("tcp://127.0.0.1:7"));
    case!("127.0.0.1%lo:1", ipv6 = false => Ok("tcp://127.0.0.1:1"));
    case!("[fe80::1%lo]:1", ipv6 = true => Ok("tcp://[fe80::1%lo]:1"));
    case!("[fe80::1%1]:1", ipv6 = true => Ok("tcp://[fe80::1%lo]:1"));
    case!("[::1%]:1", ipv6 = true => Err(Error::Inval));
    case!("[::1%0]:1", ipv6 = true => Err(Error::Inval));
    case!("[::1%nosuchif0]:1", ipv6 = true => Err(Error::Inval));
    case!("127.0.0.1", ipv6 = false => Err(Error::Inval));
    case!("127.0.0.1:65536", ipv6 = false => Err(Error::Inval));
    case!("127.0.0.1:70000", ipv6 = false => Ok("tcp://127.0.0.1:4464"));
    case!("127.0.0.1:-1", ipv6 = false => Ok("tcp://127.0.0.1:65535"));
    case!("*:abc", ipv6 = false => Err(Error::Inval));
    case!("localhost:9", ipv6 = false => Ok("tcp://127.0.0.1:9"));
}

#[test]
fn bind_interface_names() {
    // Without DNS (as in a source part) an unknown name is ENODEV at once;
    // with it (a bind address) it is ENODEV after a DNS miss.
    let no_dns = Lookup::source(false);
    assert_eq!(resolve_part("nosuchif0:*", no_dns), Err(NODEV));
    assert_eq!(
        resolve_part("nosuchif0:*", Lookup::source(true)),
        Err(NODEV)
    );
    assert_eq!(resolve_part("localhost:1", no_dns), Err(NODEV));
    assert_eq!(resolve_part(":1", no_dns), Err(NODEV));
    assert_eq!(
        resolve_part("lo:1", no_dns),
        Ok("127.0.0.1:1".parse().unwrap())
    );
    if lo_has_ipv6() {
        let lo6 = TcpAddress::for_bind("lo:*").resolve(true).unwrap();
        assert_eq!(tcp_endpoint(&lo6.address), "tcp://[::1]:0");
    }
}

#[test]
fn connect_addresses() {
    macro_rules! case {
        ($text:expr, ipv6 = $ipv6:expr => $want:expr) => {
            let got = TcpAddress::for_connect($text).unwrap().resolve($ipv6);
            let got = got.map(|r| (r.source.map(|s| tcp_endpoint(&s)), tcp_endpoint(&r.address)));
            let want: Result<(Option<&str>, &str)> = $want;
            let want = want.map(|(s, d)| (s.map(str::to_owned), d.to_owned()));
            assert_eq!(got, want, "{:?} ipv6={}", $text, $ipv6);
        };
    }
    case!("127.0.0.1:5555", ipv6 = false => Ok((None, "tcp://127.0.0.1:5555")));
    case!("127.0.0.1:5555", ipv6 = true => Ok((None, "tcp://[::ffff:127.0.0.1]:5555")));
    case!("localhost:0", ipv6 = false => Ok((None, "tcp://127.0.0.1:0")));
    case!("127.0.0.1:5abc", ipv6 = false => Ok((None, "tcp://127.0.0.1:5")));
    case!("[::1]:5555", ipv6 = true => Ok((None, "tcp://[::1]:5555")));
    case!("[::1]:5555", ipv6 = false => Err(Error::Inval));
    case!("127.0.0.1:0abc", ipv6 = false => Err(Error::Inval));
    case!(":5555", ipv6 = false => Err(Error::Inval));
    case!("127.0.0.1:5555;", ipv6 = false => Err(Error::Inval));
    case!("127.0.0.1:5555;127.0.0.2:6666", ipv6 = false
        => Ok((Some("tcp://127.0.0.1:5555"), "tcp://127.0.0.2:6666")));
    case!("127.0.0.1:*;127.0.0.1:5555", ipv6 = false
        => Ok((Some("tcp://127.0.0.1:0"), "tcp://127.0.0.1:5555")));
    case!("lo:0;127.0.0.1:5555", ipv6 = false
        => Ok((Some("tcp://127.0.0.1:0"), "tcp://127.0.0.1:5555")));
    case!("[::1]:0;[::1]:5555", ipv6 = true
        => Ok((Some("tcp://[::1]:0"), "tcp://[::1]:5555")));
    case!("nosuchif0:0;127.0.0.1:5555", ipv6 = false => Err(NODEV));
    case!("a:5;b", ipv6 = false => Err(NODEV));
    case!("127.0.0.1:1;b", ipv6 = false => Err(Error::Inval));
    // The source is resolved first: its error wins.
    case!("127.0.0.1:5555;127.0.0.1:0abc", ipv6 = false => Err(Error::Inval));
    case!("nosuchif0:0;127.0.0.1:0abc", ipv6 = false => Err(NODEV));
}

#[test]
fn source_wildcard_passes_resolve_but_not_connect_check() {
    // zmq_tcp(7) allows `*` in a source, but zmq_connect's syntax check
    // refuses an address starting with it; a bind address takes it.
    assert_eq!(
        TcpAddress::for_connect("*:5555;127.0.0.1:1"),
        Err(Error::Inval)
    );
    let r = TcpAddress::for_bind("*:5555;127.0.0.1:1")
        .resolve(false)
        .unwrap();
    assert_eq!(r.source, Some("0.0.0.0:5555".parse().unwrap()));
    assert_eq!(r.address, "127.0.0.1:1".parse().unwrap());
}

#[test]
fn dns_localhost_by_family() {
    let v4 = TcpAddress::for_connect("localhost:5555")
        .unwrap()
        .resolve(false)
        .unwrap();
    assert_eq!(v4.address, "127.0.0.1:5555".parse().unwrap());
    // With ZMQ_IPV6 only IPv6 comes back: ::1 where the hosts file has
    // it, else the mapped IPv4 address.
    let v6 = TcpAddress::for_connect("localhost:5555")
        .unwrap()
        .resolve(true)
        .unwrap();
    match v6.address {
        SocketAddr::V6(a) => assert!(
            a.ip().is_loopback() || a.ip().to_ipv4_mapped() == Some(Ipv4Addr::LOCALHOST),
            "{a}"
        ),
        other => panic!("IPv4 result with ZMQ_IPV6: {other}"),
    }
}

#[test]
fn numeric_host_matches_getnameinfo() {
    macro_rules! case {
        ($ip:expr, scope = $scope:expr => $want:expr) => {
            let addr = SocketAddrV6::new($ip.parse().unwrap(), 1, 0, $scope);
            assert_eq!(numeric_host(&SocketAddr::V6(addr)), $want);
            assert_eq!(numeric_host_text(&SocketAddr::V6(addr)), $want);
        };
    }
    case!("::", scope = 0 => "::");
    case!("::1", scope = 0 => "::1");
    case!("1::", scope = 0 => "1::");
    case!("::1:2", scope = 0 => "::0.1.0.2");
    case!("::102:304", scope = 0 => "::1.2.3.4");
    case!("::ffff:1.2.3.4", scope = 0 => "::ffff:1.2.3.4");
    case!("::ffff:0:0", scope = 0 => "::ffff:0.0.0.0");
    case!("::1:ffff:1.2.3.4", scope = 0 => "::1:ffff:102:304");
    case!("1:0:0:1:0:0:0:1", scope = 0 => "1:0:0:1::1");
    case!("1:0:0:1:0:0:1:1", scope = 0 => "1::1:0:0:1:1");
    case!("1:0:1:1:1:1:1:1", scope = 0 => "1:0:1:1:1:1:1:1");
    case!("ABCD:1234::1:0:234", scope = 0 => "abcd:1234::1:0:234");
    case!("fe80::1", scope = 1 => "fe80::1%lo");
    case!("ff02::1", scope = 1 => "ff02::1%lo");
    case!("fe80::1", scope = 999_999 => "fe80::1%999999");
    case!("::1", scope = 1 => "::1%1");
    case!("2001:db8::1", scope = 7 => "2001:db8::1%7");
}

#[test]
fn tcp_endpoint_text() {
    macro_rules! case {
        ($addr:expr => $want:expr) => {
            assert_eq!(tcp_endpoint(&$addr.parse().unwrap()), $want);
        };
    }
    case!("127.0.0.1:43567" => "tcp://127.0.0.1:43567");
    case!("0.0.0.0:1" => "tcp://0.0.0.0:1");
    case!("[::1]:43567" => "tcp://[::1]:43567");
    case!("[::]:65535" => "tcp://[::]:65535");
    case!("[::ffff:127.0.0.1]:5" => "tcp://[::ffff:127.0.0.1]:5");
    case!("[fe80::1%1]:5" => "tcp://[fe80::1%lo]:5");
}

fn ipc(addr: &str) -> Result<IpcAddress> {
    IpcAddress::parse(addr)
}

#[test]
fn ipc_parse() {
    let path107 = format!("/tmp/{}", "0".repeat(102));
    let path108 = format!("/tmp/{}", "0".repeat(103));
    let abstract107 = format!("@{}", "0".repeat(106));
    let abstract108 = format!("@{}", "0".repeat(107));
    macro_rules! case {
        ($text:expr => $want:expr) => {
            assert_eq!(ipc(&$text), $want, "{:?}", $text);
        };
    }
    let path = |p: &str| Ok(IpcAddress::Path(PathBuf::from(p)));
    let name = |n: &str| Ok(IpcAddress::Abstract(n.as_bytes().to_vec()));
    case!("/tmp/x" => path("/tmp/x"));
    case!("relative/sock" => path("relative/sock"));
    case!("*" => path("*"));
    case!("@name" => name("name"));
    case!("@@" => name("@"));
    case!("@" => Err(Error::Inval));
    case!("a\0b" => Err(Error::Inval));
    case!(path107 => path(&path107));
    case!(path108 => Err(TOO_LONG));
    case!(abstract107 => name(&abstract107[1..]));
    case!(abstract108 => Err(TOO_LONG));
    assert_eq!(IPC_MAX_LEN, 107);
}

#[test]
fn ipc_endpoint_round_trip() {
    macro_rules! case {
        ($text:expr) => {
            let addr = ipc($text).unwrap();
            assert_eq!(addr.endpoint_string(), format!("ipc://{}", $text));
            let os = addr.to_socket_addr().unwrap();
            assert_eq!(IpcAddress::from_socket_addr(&os), addr, "{:?}", $text);
        };
    }
    case!("/tmp/feeds/0");
    case!("relative-sock");
    case!("@name");
    case!("@with space");
    case!("@@");
    assert_eq!(
        IpcAddress::Abstract(b"a\0b".to_vec()).endpoint_string(),
        "ipc://@a"
    );
    assert_eq!(
        IpcAddress::Abstract(b"\0b".to_vec()).endpoint_string(),
        "ipc://"
    );
    assert_eq!(IpcAddress::Unnamed.endpoint_string(), "ipc://");
    assert_eq!(
        IpcAddress::Unnamed.to_socket_addr().err(),
        Some(Error::Inval)
    );
}

#[test]
fn ipc_abstract_and_unnamed_sockets() {
    use std::os::unix::net::{UnixListener, UnixStream};
    let text = format!("@rzmq-address-test-{}", std::process::id());
    let addr = ipc(&text).unwrap();
    let listener = UnixListener::bind_addr(&addr.to_socket_addr().unwrap()).unwrap();
    let bound = IpcAddress::from_socket_addr(&listener.local_addr().unwrap());
    assert_eq!(bound.endpoint_string(), format!("ipc://{text}"));
    let (a, _b) = UnixStream::pair().unwrap();
    let unnamed = IpcAddress::from_socket_addr(&a.local_addr().unwrap());
    assert_eq!(unnamed, IpcAddress::Unnamed);
    assert_eq!(unnamed.endpoint_string(), "ipc://");
}

#[test]
fn ipc_wildcard_forms() {
    macro_rules! case {
        ($text:expr => $want:expr) => {
            assert_eq!(IpcAddress::is_wildcard($text), $want, "{:?}", $text);
        };
    }
    case!("*" => true);
    case!("*foo" => true);
    case!("/tmp/*" => false);
    case!("@*" => false);
}

#[test]
fn ipc_wildcard_template() {
    macro_rules! case {
        ($tmpdir:expr, $tempdir:expr, $tmp:expr => $want:expr) => {
            let env = |var: &str| -> Option<OsString> {
                let value: Option<&str> = match var {
                    "TMPDIR" => $tmpdir,
                    "TEMPDIR" => $tempdir,
                    "TMP" => $tmp,
                    _ => None,
                };
                value.map(OsString::from)
            };
            assert_eq!(String::from_utf8(wildcard_template(env)).unwrap(), $want);
        };
    }
    case!(None, None, None => "tmpXXXXXX");
    case!(Some("/tmp"), None, None => "/tmp/tmpXXXXXX");
    case!(Some("/tmp/"), None, None => "/tmp/tmpXXXXXX");
    case!(Some(""), Some("/"), None => "/tmpXXXXXX");
    case!(Some("/nonexistent-rzmq"), None, Some("/tmp") => "/tmp/tmpXXXXXX");
    case!(Some("/nonexistent-rzmq"), None, None => "tmpXXXXXX");
    // A file is not a directory.
    case!(Some("/proc/self/status"), None, None => "tmpXXXXXX");
}

#[test]
fn ipc_wildcard_directory() {
    let wildcard = create_ipc_wildcard().unwrap();
    let meta = std::fs::metadata(&wildcard.dir);
    let removed = std::fs::remove_dir(&wildcard.dir);
    let meta = meta.unwrap();
    assert!(meta.is_dir());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    removed.unwrap();
    let name = wildcard.dir.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("tmp") && name.len() == 9, "{name}");
    let text = wildcard.address.endpoint_string();
    assert!(
        text.starts_with("ipc://") && text.ends_with(&format!("{name}/socket")),
        "{text}"
    );
    assert_eq!(
        wildcard.address,
        IpcAddress::Path(wildcard.dir.join("socket"))
    );
}
