//! Exports whose implementation belongs to a later issue. Each is exported
//! now with libzmq's exact signature (a binary binding to a missing symbol
//! would fall back to another libzmq), and fails with `ENOTSUP` until its
//! issue lands; the README's status table lists them.

use std::ffi::{c_char, c_long, c_short, c_void};

use libc::{c_int, iovec, sigset_t, size_t};

use super::boundary::fail;
use crate::error::Error;
use crate::msg::Msg;

/// `zmq_pollitem_t`.
#[repr(C)]
pub struct PollItem {
    pub socket: *mut c_void,
    pub fd: c_int,
    pub events: c_short,
    pub revents: c_short,
}

/// `zmq_poller_event_t`.
#[repr(C)]
pub struct PollerEvent {
    pub socket: *mut c_void,
    pub fd: c_int,
    pub user_data: *mut c_void,
    pub events: c_short,
}

macro_rules! not_yet {
    ($( $owner:literal fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        $(
            #[doc = concat!("Not implemented yet (owner: ", $owner, "): fails with `ENOTSUP`.")]
            #[no_mangle]
            pub extern "C" fn $name($($arg: $ty),*) -> $ret {
                let _ = ($($arg,)*);
                fail(Error::NotSup)
            }
        )*
    };
}

not_yet! {
    // Sockets (issue #3).
    "#3" fn zmq_socket(ctx: *mut c_void, kind: c_int) -> *mut c_void;
    "#3" fn zmq_close(s: *mut c_void) -> c_int;
    "#3" fn zmq_setsockopt(s: *mut c_void, option: c_int, optval: *const c_void, optvallen: size_t) -> c_int;
    "#3" fn zmq_getsockopt(s: *mut c_void, option: c_int, optval: *mut c_void, optvallen: *mut size_t) -> c_int;
    "#3" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int;
    "#3" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int;
    "#3" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int;
    "#3" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int;
    "#3" fn zmq_send(s: *mut c_void, buf: *const c_void, len: size_t, flags: c_int) -> c_int;
    "#3" fn zmq_send_const(s: *mut c_void, buf: *const c_void, len: size_t, flags: c_int) -> c_int;
    "#3" fn zmq_recv(s: *mut c_void, buf: *mut c_void, len: size_t, flags: c_int) -> c_int;
    "#3" fn zmq_msg_send(msg: *mut Msg, s: *mut c_void, flags: c_int) -> c_int;
    "#3" fn zmq_msg_recv(msg: *mut Msg, s: *mut c_void, flags: c_int) -> c_int;
    "#3" fn zmq_sendmsg(s: *mut c_void, msg: *mut Msg, flags: c_int) -> c_int;
    "#3" fn zmq_recvmsg(s: *mut c_void, msg: *mut Msg, flags: c_int) -> c_int;
    "#3" fn zmq_sendiov(s: *mut c_void, iov: *mut iovec, count: size_t, flags: c_int) -> c_int;
    "#3" fn zmq_recviov(s: *mut c_void, iov: *mut iovec, count: *mut size_t, flags: c_int) -> c_int;
    "#3" fn zmq_socket_monitor(s: *mut c_void, addr: *const c_char, events: c_int) -> c_int;
    "#3" fn zmq_socket_monitor_versioned(s: *mut c_void, addr: *const c_char, events: u64, event_version: c_int, kind: c_int) -> c_int;
    "#3" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int;
    "#3" fn zmq_poll(items: *mut PollItem, nitems: c_int, timeout: c_long) -> c_int;
    "#3" fn zmq_ppoll(items: *mut PollItem, nitems: c_int, timeout: c_long, sigmask: *const sigset_t) -> c_int;
    "#3" fn zmq_proxy(frontend: *mut c_void, backend: *mut c_void, capture: *mut c_void) -> c_int;
    "#3" fn zmq_proxy_steerable(frontend: *mut c_void, backend: *mut c_void, capture: *mut c_void, control: *mut c_void) -> c_int;
    "#3" fn zmq_device(kind: c_int, frontend: *mut c_void, backend: *mut c_void) -> c_int;
    // DRAFT poller (issue #3).
    "#3" fn zmq_poller_new() -> *mut c_void;
    "#3" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int;
    "#3" fn zmq_poller_size(poller: *mut c_void) -> c_int;
    "#3" fn zmq_poller_add(poller: *mut c_void, socket: *mut c_void, user_data: *mut c_void, events: c_short) -> c_int;
    "#3" fn zmq_poller_modify(poller: *mut c_void, socket: *mut c_void, events: c_short) -> c_int;
    "#3" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int;
    "#3" fn zmq_poller_wait(poller: *mut c_void, event: *mut PollerEvent, timeout: c_long) -> c_int;
    "#3" fn zmq_poller_wait_all(poller: *mut c_void, events: *mut PollerEvent, n_events: c_int, timeout: c_long) -> c_int;
    "#3" fn zmq_poller_fd(poller: *mut c_void, fd: *mut c_int) -> c_int;
    "#3" fn zmq_poller_add_fd(poller: *mut c_void, fd: c_int, user_data: *mut c_void, events: c_short) -> c_int;
    "#3" fn zmq_poller_modify_fd(poller: *mut c_void, fd: c_int, events: c_short) -> c_int;
    "#3" fn zmq_poller_remove_fd(poller: *mut c_void, fd: c_int) -> c_int;
    // DRAFT socket types and peers (no issue yet).
    "no issue yet" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int;
    "no issue yet" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int;
    "no issue yet" fn zmq_connect_peer(s: *mut c_void, addr: *const c_char) -> u32;
    "no issue yet" fn zmq_disconnect_peer(s: *mut c_void, routing_id: u32) -> c_int;
    "no issue yet" fn zmq_socket_get_peer_state(s: *mut c_void, routing_id: *const c_void, routing_id_size: size_t) -> c_int;
    // CURVE (no issue yet).
    "no issue yet" fn zmq_curve_keypair(z85_public_key: *mut c_char, z85_secret_key: *mut c_char) -> c_int;
    "no issue yet" fn zmq_curve_public(z85_public_key: *mut c_char, z85_secret_key: *const c_char) -> c_int;
}
