//! The options every socket keeps, whatever its type: the table behind
//! `zmq_setsockopt`/`zmq_getsockopt` (zmq_setsockopt(3), zmq_getsockopt(3)),
//! with libzmq's value types, size checks, ranges, defaults and read-back
//! rules. Each option is one typed field of `Options`.
//!
//! This module only checks and stores values. It never does I/O, never sees
//! a C pointer, and never acts on a value: sockets, transports and engines
//! read the fields.
//!
//! # Who answers which option
//!
//! `Socket` offers an option to its socket type first and falls back to
//! `Options` when the type answers `EINVAL`, as libzmq does. `Options`
//! answers `EINVAL` for these, which the named owners must handle:
//! - the socket layer, reads only: `TYPE`, `RCVMORE`, `FD`, `EVENTS`,
//!   `LAST_ENDPOINT`, `THREAD_SAFE` (`MECHANISM` is answered here);
//! - PUB and XPUB: `XPUB_VERBOSE`, `XPUB_VERBOSER`, `XPUB_MANUAL`,
//!   `XPUB_MANUAL_LAST_VALUE`, `XPUB_NODROP`, `XPUB_WELCOME_MSG`,
//!   `ONLY_FIRST_SUBSCRIBE`, `SUBSCRIBE`/`UNSUBSCRIBE` (manual mode only),
//!   and reading `TOPICS_COUNT`;
//! - SUB: `SUBSCRIBE`, `UNSUBSCRIBE`, reading `TOPICS_COUNT`;
//! - XSUB: `ONLY_FIRST_SUBSCRIBE`, `XSUB_VERBOSE_UNSUBSCRIBE`, reading
//!   `TOPICS_COUNT`;
//! - ROUTER and REP (REP is a ROUTER underneath): `ROUTER_MANDATORY`,
//!   `ROUTER_HANDOVER`, `PROBE_ROUTER`, `ROUTER_RAW` (a non-zero value
//!   must also set `raw_socket` and clear `recv_routing_id` here);
//! - DEALER and REQ: `PROBE_ROUTER`; REQ also `REQ_CORRELATE`, `REQ_RELAXED`;
//! - RADIO: `XPUB_NODROP`.
//!
//! Three options that libzmq accepts through certain socket types only are
//! answered here, gated on `socket_type`: `CONNECT_ROUTING_ID` (ROUTER, REP,
//! STREAM; write only), `ROUTER_NOTIFY` (written on ROUTER and REP, read on
//! any type) and `STREAM_NOTIFY` (STREAM; write only).
//!
//! # Build features
//!
//! Some options exist in libzmq only when it is built with an optional
//! part; without it they are `EINVAL`. Like a libzmq built without them,
//! this library refuses `VMCI_*` (no VMCI transport) and `NORM_*` (no
//! NORM transport), and `GSSAPI_*` when the system has no GSSAPI library
//! (`libgssapi_krb5.so.2`, loaded the first time a socket touches one of
//! them: `builds_for`). CURVE is built in
//! (`zmtp::curve`), so `CURVE_*` are accepted, as by a libzmq built with
//! libsodium; so is wss (`transport::tls`), so `WSS_*` are accepted, as by
//! a libzmq master built with GnuTLS. The
//! handling of the others is written; turn one on in `BUILT` together with
//! its `zmq_has` capability.
//! DRAFT options are all accepted, as by a libzmq built with DRAFT.
//!
//! # Empty values
//!
//! `set` sees a NULL value and a zero-length one as the same empty slice,
//! and reads it as libzmq reads `(NULL, 0)`: "clear" where an option has
//! that form. For a few options libzmq refuses `("", 0)` with `EINVAL`;
//! `clears_only_with_null` names them, for the C boundary to check.
//!
//! # Layout
//!
//! `ids` has the option and value numbers, `defaults` the value of each
//! field before any `set`, `set` and `get` the two directions of the
//! table, `codec` the byte forms values take at the C boundary. The
//! `TCP_ACCEPT_FILTER` parser is the transport's (`transport::accept_filter`).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use super::kind;
use crate::error::Result;

mod codec;
mod defaults;
mod get;
mod ids;
mod set;
#[cfg(test)]
mod tests;

pub use crate::transport::accept_filter::TcpAcceptFilter;
pub use codec::{int_arg, put_exact, put_int, put_string, put_value};
pub use ids::{opt, val};

/// Optional parts of libzmq that decide whether their options exist.
#[derive(Debug, Clone, Copy)]
struct Builds {
    curve: bool,
    gssapi: bool,
    wss: bool,
    vmci: bool,
    norm: bool,
}

/// What this library has (see "Build features" above).
const BUILT: Builds = Builds {
    curve: true,
    gssapi: false,
    wss: true,
    vmci: false,
    norm: false,
};

/// What this library has for `option`: the GSSAPI options exist when the
/// system's GSSAPI library loads (asked, and so loaded, only when a socket
/// touches one of them).
fn builds_for(option: i32) -> Builds {
    let gssapi = matches!(
        option,
        opt::GSSAPI_SERVER
            | opt::GSSAPI_PRINCIPAL
            | opt::GSSAPI_SERVICE_PRINCIPAL
            | opt::GSSAPI_PLAINTEXT
            | opt::GSSAPI_PRINCIPAL_NAMETYPE
            | opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
    );
    Builds {
        gssapi: gssapi && crate::zmtp::gssapi::available(),
        ..BUILT
    }
}

/// Longest `ROUTING_ID`, PLAIN credential, ZAP domain, GSSAPI principal,
/// SOCKS credential, accept filter and metadata key (one length octet on
/// the wire).
const SHORT_TEXT_MAX: usize = 255;
/// Longest `BINDTODEVICE` name (`IFNAMSIZ`).
const DEVICE_NAME_MAX: usize = 16;
/// A CURVE key, as bytes and as Z85 text.
pub const CURVE_KEY_LEN: usize = 32;
pub const CURVE_KEY_Z85_LEN: usize = 40;
/// `HEARTBEAT_TTL` is set in milliseconds and kept in deciseconds (the unit
/// of the PING command's TTL, RFC 37).
const MS_PER_DECISECOND: i32 = 100;

/// The security mechanism a socket uses (`ZMQ_MECHANISM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    Null,
    Plain,
    Curve,
    Gssapi,
}

impl Mechanism {
    /// `ZMQ_NULL`, `ZMQ_PLAIN`, `ZMQ_CURVE` or `ZMQ_GSSAPI`.
    pub fn number(self) -> i32 {
        match self {
            Mechanism::Null => 0,
            Mechanism::Plain => 1,
            Mechanism::Curve => 2,
            Mechanism::Gssapi => 3,
        }
    }
}

/// Every option libzmq keeps for any socket type. Strings are bytes, as
/// given (no NUL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The socket type this belongs to (`ZMQ_PAIR`...).
    pub socket_type: i32,
    /// Message high-water marks; 0 is no limit.
    pub sndhwm: i32,
    pub rcvhwm: i32,
    /// I/O thread affinity bitmap for new connections.
    pub affinity: u64,
    /// Our routing id, 0 to 255 bytes (empty until set).
    pub routing_id: Vec<u8>,
    /// Multicast rate (kbit/s) and recovery interval (ms).
    pub rate: i32,
    pub recovery_ivl: i32,
    pub multicast_hops: i32,
    pub multicast_maxtpdu: i32,
    /// `SO_SNDBUF`/`SO_RCVBUF`; -1 leaves the OS default.
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    /// `SO_PRIORITY`.
    pub priority: i32,
    /// Milliseconds to keep unsent messages at close; -1 forever.
    pub linger: i32,
    pub connect_timeout: i32,
    pub tcp_maxrt: i32,
    /// `RECONNECT_STOP_*` bits.
    pub reconnect_stop: i32,
    /// -1: never reconnect.
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub backlog: i32,
    /// Largest inbound message; -1 no limit.
    pub maxmsgsize: i64,
    /// Blocking send/recv timeouts in ms; -1 forever.
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    pub ipv6: bool,
    /// Queue messages only on completed connections.
    pub immediate: bool,
    /// (X)SUB filters what it receives (true for SUB).
    pub filter: bool,
    pub invert_matching: bool,
    /// Received messages start with the peer's routing id (ROUTER).
    pub recv_routing_id: bool,
    /// Peers speak raw bytes, not ZMTP (STREAM, DGRAM, raw ROUTER).
    pub raw_socket: bool,
    /// STREAM delivers connect/disconnect notifications.
    pub raw_notify: bool,
    pub socks_proxy_address: Vec<u8>,
    pub socks_proxy_username: Vec<u8>,
    pub socks_proxy_password: Vec<u8>,
    /// `SO_KEEPALIVE` and friends; -1 leaves the OS default.
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    /// Accept only TCP peers in one of these networks (none: all).
    pub tcp_accept_filters: Vec<TcpAcceptFilter>,
    /// Accept only IPC peers with one of these credentials (empty: all).
    pub ipc_uid_accept_filters: BTreeSet<u32>,
    pub ipc_gid_accept_filters: BTreeSet<u32>,
    pub ipc_pid_accept_filters: BTreeSet<i32>,
    pub mechanism: Mechanism,
    /// We are the server side of PLAIN, CURVE or GSSAPI.
    pub as_server: bool,
    pub zap_domain: Vec<u8>,
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    pub curve_public_key: [u8; CURVE_KEY_LEN],
    pub curve_secret_key: [u8; CURVE_KEY_LEN],
    pub curve_server_key: [u8; CURVE_KEY_LEN],
    pub gss_principal: Vec<u8>,
    pub gss_service_principal: Vec<u8>,
    pub gss_principal_nt: i32,
    pub gss_service_principal_nt: i32,
    pub gss_plaintext: bool,
    /// Keep only the last message (honoured by DEALER, PUSH, PULL, PUB, SUB).
    pub conflate: bool,
    /// Milliseconds to complete a ZMTP handshake; 0 no limit.
    pub handshake_ivl: i32,
    /// TTL we ask peers to apply, in deciseconds (set in milliseconds).
    pub heartbeat_ttl: u16,
    pub heartbeat_interval: i32,
    /// -1: use `heartbeat_interval`.
    pub heartbeat_timeout: i32,
    pub vmci_buffer_size: u64,
    pub vmci_buffer_min_size: u64,
    pub vmci_buffer_max_size: u64,
    pub vmci_connect_timeout: i32,
    /// A listening descriptor to use instead of a new one; -1 none.
    pub use_fd: i32,
    /// `SO_BINDTODEVICE` interface name.
    pub bound_device: Vec<u8>,
    pub zap_enforce_domain: bool,
    pub loopback_fastpath: bool,
    pub multicast_loop: bool,
    pub in_batch_size: i32,
    pub out_batch_size: i32,
    /// Received payloads may share the engine's buffer (from the context).
    pub zero_copy: bool,
    /// `NOTIFY_CONNECT`/`NOTIFY_DISCONNECT` bits (ROUTER).
    pub router_notify: i32,
    /// `X-` properties sent in our handshake, first value of a key kept.
    pub app_metadata: BTreeMap<Vec<u8>, Vec<u8>>,
    pub wss_key_pem: Vec<u8>,
    pub wss_cert_pem: Vec<u8>,
    pub wss_trust_pem: Vec<u8>,
    pub wss_hostname: Vec<u8>,
    pub wss_trust_system: bool,
    /// Messages the engine injects: sent to a new peer, received when a
    /// peer disconnects, received when a connection is re-established.
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
    pub hiccup_msg: Vec<u8>,
    /// Which of those this socket type supports.
    pub can_send_hello_msg: bool,
    pub can_recv_disconnect_msg: bool,
    pub can_recv_hiccup_msg: bool,
    pub norm_mode: i32,
    pub norm_unicast_nacks: bool,
    pub norm_buffer_size: i32,
    pub norm_segment_size: i32,
    pub norm_block_size: i32,
    pub norm_num_parity: i32,
    pub norm_num_autoparity: i32,
    pub norm_push_enable: bool,
    pub busy_poll: i32,
    /// The routing id for the next `connect` (ROUTER, REP, STREAM); the
    /// socket takes it when it connects.
    pub connect_routing_id: Vec<u8>,
}

impl Options {
    /// `zmq_setsockopt` for the options kept here. `EINVAL` for an unknown
    /// option, a value of the wrong size or out of range; the options are
    /// unchanged on error.
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        self.set_with(option, value, builds_for(option))
    }

    /// `zmq_getsockopt` for the options kept here: `out` is the caller's
    /// buffer (`*optvallen` long); returns the new `*optvallen`.
    pub fn get(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        self.get_with(option, out, builds_for(option))
    }

    /// `ZMQ_HELLO_MSG`, if this socket type sends one to each new peer
    /// (ROUTER, REP, DEALER, REQ, CLIENT, SERVER, PEER) and it is set.
    pub fn hello_to_send(&self) -> Option<Bytes> {
        peer_msg(self.can_send_hello_msg, &self.hello_msg)
    }

    /// `ZMQ_DISCONNECT_MSG`, if this socket type receives one when a peer
    /// it accepted (or an inproc peer of its bind) leaves (ROUTER, REP,
    /// SERVER, PEER) and it is set.
    pub fn disconnect_to_receive(&self) -> Option<Bytes> {
        peer_msg(self.can_recv_disconnect_msg, &self.disconnect_msg)
    }

    /// `ZMQ_HICCUP_MSG`, if this socket type receives one when a
    /// connection it made is lost (DEALER, REQ, CLIENT, PEER) and it is
    /// set.
    pub fn hiccup_to_receive(&self) -> Option<Bytes> {
        peer_msg(self.can_recv_hiccup_msg, &self.hiccup_msg)
    }

    fn is_routing_type(&self) -> bool {
        matches!(self.socket_type, kind::ROUTER | kind::REP | kind::STREAM)
    }
}

/// A peer message of a socket type that `supports` it; an empty one is
/// unset.
fn peer_msg(supports: bool, value: &[u8]) -> Option<Bytes> {
    (supports && !value.is_empty()).then(|| Bytes::copy_from_slice(value))
}

/// Whether libzmq clears `option` only for a NULL value and refuses an
/// empty one behind a non-NULL pointer with `EINVAL`. `set` cannot tell
/// the two apart; the C boundary, which sees the pointer, can.
pub fn clears_only_with_null(option: i32) -> bool {
    matches!(
        option,
        opt::SOCKS_PROXY
            | opt::TCP_ACCEPT_FILTER
            | opt::BINDTODEVICE
            | opt::IPC_FILTER_UID
            | opt::IPC_FILTER_GID
            | opt::IPC_FILTER_PID
            | opt::PLAIN_USERNAME
            | opt::PLAIN_PASSWORD
    )
}
