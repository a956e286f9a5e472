//! Engine and session behaviour seen through whole sockets.

use std::sync::Arc;

use crate::ctx::Context;
use crate::msg::Msg;
use crate::socket::options::opt;
use crate::socket::{kind, Socket};

fn set_int(s: &Socket, option: i32, value: i32) {
    s.set_option(option, &value.to_ne_bytes()).unwrap();
}

fn last_endpoint(s: &Socket) -> String {
    let mut buf = [0u8; 256];
    let n = s.get_option(opt::LAST_ENDPOINT, &mut buf).unwrap();
    String::from_utf8(buf[..n - 1].to_vec()).unwrap()
}

/// Closing a socket with the default (infinite) linger delivers every
/// message it accepted, including those the engine had taken off the pipe
/// and not yet written when the socket closed. (Debian's libzmq 4.3.4
/// loses part of them in this situation: 455 of 1000 here.)
fn linger_delivers_all(bind_to: &str) {
    const COUNT: usize = 1000;
    let rctx = Context::new();
    let pull = Socket::new(&rctx, kind::PULL).unwrap();
    set_int(&pull, opt::RCVHWM, 10);
    set_int(&pull, opt::RCVBUF, 4096);
    set_int(&pull, opt::RCVTIMEO, 3000);
    pull.bind(bind_to).unwrap();
    let endpoint = last_endpoint(&pull);

    let ctx = Context::new();
    let push = Socket::new(&ctx, kind::PUSH).unwrap();
    set_int(&push, opt::SNDBUF, 4096);
    set_int(&push, opt::SNDTIMEO, 3000);
    push.connect(&endpoint).unwrap();
    push.send(&mut Msg::from_slice(b"first"), 0).unwrap();
    assert_eq!(pull.recv(0).unwrap().data(), b"first");

    // Nothing is read until the sender has closed.
    for _ in 0..COUNT {
        push.send(&mut Msg::from_slice(b"0123456789abcdef"), 0)
            .unwrap();
    }
    push.close();
    let reader = {
        let pull = Arc::clone(&pull);
        std::thread::spawn(move || {
            let mut got = 0;
            while got < COUNT && pull.recv(0).is_ok() {
                got += 1;
            }
            got
        })
    };
    ctx.terminate();
    assert_eq!(reader.join().unwrap(), COUNT);
    pull.close();
    rctx.terminate();
}

#[test]
fn linger_delivers_what_the_engine_holds_tcp() {
    linger_delivers_all("tcp://127.0.0.1:*");
}

#[test]
fn linger_delivers_what_the_engine_holds_ipc() {
    linger_delivers_all("ipc://*");
}
