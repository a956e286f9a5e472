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
//! part; without it they are `EINVAL`. This library has none of them, so
//! (like a libzmq built without them) it refuses `GSSAPI_*` (no Kerberos
//! mechanism), `WSS_*` (no wss transport), `VMCI_*` (no VMCI transport) and
//! `NORM_*` (no NORM transport). CURVE is built in (`zmtp::curve`), so
//! `CURVE_*` are accepted, as by a libzmq built with libsodium. The
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

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::RangeBounds;

use super::kind;
use crate::ctx::CtxOptions;
use crate::error::{Error, Result};
use crate::z85;

/// Socket option numbers (zmq.h), the DRAFT ones included.
pub mod opt {
    pub const AFFINITY: i32 = 4;
    pub const ROUTING_ID: i32 = 5;
    pub const IDENTITY: i32 = ROUTING_ID;
    pub const SUBSCRIBE: i32 = 6;
    pub const UNSUBSCRIBE: i32 = 7;
    pub const RATE: i32 = 8;
    pub const RECOVERY_IVL: i32 = 9;
    pub const SNDBUF: i32 = 11;
    pub const RCVBUF: i32 = 12;
    pub const RCVMORE: i32 = 13;
    pub const FD: i32 = 14;
    pub const EVENTS: i32 = 15;
    pub const TYPE: i32 = 16;
    pub const LINGER: i32 = 17;
    pub const RECONNECT_IVL: i32 = 18;
    pub const BACKLOG: i32 = 19;
    pub const RECONNECT_IVL_MAX: i32 = 21;
    pub const MAXMSGSIZE: i32 = 22;
    pub const SNDHWM: i32 = 23;
    pub const RCVHWM: i32 = 24;
    pub const MULTICAST_HOPS: i32 = 25;
    pub const RCVTIMEO: i32 = 27;
    pub const SNDTIMEO: i32 = 28;
    /// Deprecated: the inverse of `IPV6`.
    pub const IPV4ONLY: i32 = 31;
    pub const LAST_ENDPOINT: i32 = 32;
    pub const ROUTER_MANDATORY: i32 = 33;
    pub const FAIL_UNROUTABLE: i32 = ROUTER_MANDATORY;
    pub const ROUTER_BEHAVIOR: i32 = ROUTER_MANDATORY;
    pub const TCP_KEEPALIVE: i32 = 34;
    pub const TCP_KEEPALIVE_CNT: i32 = 35;
    pub const TCP_KEEPALIVE_IDLE: i32 = 36;
    pub const TCP_KEEPALIVE_INTVL: i32 = 37;
    pub const TCP_ACCEPT_FILTER: i32 = 38;
    pub const IMMEDIATE: i32 = 39;
    pub const DELAY_ATTACH_ON_CONNECT: i32 = IMMEDIATE;
    pub const XPUB_VERBOSE: i32 = 40;
    pub const ROUTER_RAW: i32 = 41;
    pub const IPV6: i32 = 42;
    pub const MECHANISM: i32 = 43;
    pub const PLAIN_SERVER: i32 = 44;
    pub const PLAIN_USERNAME: i32 = 45;
    pub const PLAIN_PASSWORD: i32 = 46;
    pub const CURVE_SERVER: i32 = 47;
    pub const CURVE_PUBLICKEY: i32 = 48;
    pub const CURVE_SECRETKEY: i32 = 49;
    pub const CURVE_SERVERKEY: i32 = 50;
    pub const PROBE_ROUTER: i32 = 51;
    pub const REQ_CORRELATE: i32 = 52;
    pub const REQ_RELAXED: i32 = 53;
    pub const CONFLATE: i32 = 54;
    pub const ZAP_DOMAIN: i32 = 55;
    pub const ROUTER_HANDOVER: i32 = 56;
    pub const TOS: i32 = 57;
    pub const IPC_FILTER_PID: i32 = 58;
    pub const IPC_FILTER_UID: i32 = 59;
    pub const IPC_FILTER_GID: i32 = 60;
    pub const CONNECT_ROUTING_ID: i32 = 61;
    pub const CONNECT_RID: i32 = CONNECT_ROUTING_ID;
    pub const GSSAPI_SERVER: i32 = 62;
    pub const GSSAPI_PRINCIPAL: i32 = 63;
    pub const GSSAPI_SERVICE_PRINCIPAL: i32 = 64;
    pub const GSSAPI_PLAINTEXT: i32 = 65;
    pub const HANDSHAKE_IVL: i32 = 66;
    pub const SOCKS_PROXY: i32 = 68;
    pub const XPUB_NODROP: i32 = 69;
    pub const XPUB_MANUAL: i32 = 71;
    pub const XPUB_WELCOME_MSG: i32 = 72;
    pub const STREAM_NOTIFY: i32 = 73;
    pub const INVERT_MATCHING: i32 = 74;
    pub const HEARTBEAT_IVL: i32 = 75;
    pub const HEARTBEAT_TTL: i32 = 76;
    pub const HEARTBEAT_TIMEOUT: i32 = 77;
    pub const XPUB_VERBOSER: i32 = 78;
    pub const CONNECT_TIMEOUT: i32 = 79;
    pub const TCP_MAXRT: i32 = 80;
    pub const THREAD_SAFE: i32 = 81;
    pub const MULTICAST_MAXTPDU: i32 = 84;
    pub const VMCI_BUFFER_SIZE: i32 = 85;
    pub const VMCI_BUFFER_MIN_SIZE: i32 = 86;
    pub const VMCI_BUFFER_MAX_SIZE: i32 = 87;
    pub const VMCI_CONNECT_TIMEOUT: i32 = 88;
    pub const USE_FD: i32 = 89;
    pub const GSSAPI_PRINCIPAL_NAMETYPE: i32 = 90;
    pub const GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: i32 = 91;
    pub const BINDTODEVICE: i32 = 92;

    // DRAFT options.
    pub const ZAP_ENFORCE_DOMAIN: i32 = 93;
    pub const LOOPBACK_FASTPATH: i32 = 94;
    pub const METADATA: i32 = 95;
    pub const MULTICAST_LOOP: i32 = 96;
    pub const ROUTER_NOTIFY: i32 = 97;
    pub const XPUB_MANUAL_LAST_VALUE: i32 = 98;
    pub const SOCKS_USERNAME: i32 = 99;
    pub const SOCKS_PASSWORD: i32 = 100;
    pub const IN_BATCH_SIZE: i32 = 101;
    pub const OUT_BATCH_SIZE: i32 = 102;
    pub const WSS_KEY_PEM: i32 = 103;
    pub const WSS_CERT_PEM: i32 = 104;
    pub const WSS_TRUST_PEM: i32 = 105;
    pub const WSS_HOSTNAME: i32 = 106;
    pub const WSS_TRUST_SYSTEM: i32 = 107;
    pub const ONLY_FIRST_SUBSCRIBE: i32 = 108;
    pub const RECONNECT_STOP: i32 = 109;
    pub const HELLO_MSG: i32 = 110;
    pub const DISCONNECT_MSG: i32 = 111;
    pub const PRIORITY: i32 = 112;
    pub const BUSY_POLL: i32 = 113;
    pub const HICCUP_MSG: i32 = 114;
    pub const XSUB_VERBOSE_UNSUBSCRIBE: i32 = 115;
    pub const TOPICS_COUNT: i32 = 116;
    pub const NORM_MODE: i32 = 117;
    pub const NORM_UNICAST_NACK: i32 = 118;
    pub const NORM_BUFFER_SIZE: i32 = 119;
    pub const NORM_SEGMENT_SIZE: i32 = 120;
    pub const NORM_BLOCK_SIZE: i32 = 121;
    pub const NORM_NUM_PARITY: i32 = 122;
    pub const NORM_NUM_AUTOPARITY: i32 = 123;
    pub const NORM_PUSH: i32 = 124;
}

/// Values some options take (zmq.h).
pub mod val {
    pub const GSSAPI_NT_HOSTBASED: i32 = 0;
    pub const GSSAPI_NT_USER_NAME: i32 = 1;
    pub const GSSAPI_NT_KRB5_PRINCIPAL: i32 = 2;
    /// `ROUTER_NOTIFY` bits.
    pub const NOTIFY_CONNECT: i32 = 1;
    pub const NOTIFY_DISCONNECT: i32 = 2;
    /// `RECONNECT_STOP` bits.
    pub const RECONNECT_STOP_CONN_REFUSED: i32 = 0x1;
    pub const RECONNECT_STOP_HANDSHAKE_FAILED: i32 = 0x2;
    pub const RECONNECT_STOP_AFTER_DISCONNECT: i32 = 0x4;
    /// `NORM_MODE` values.
    pub const NORM_FIXED: i32 = 0;
    pub const NORM_CC: i32 = 1;
    pub const NORM_CCL: i32 = 2;
    pub const NORM_CCE: i32 = 3;
    pub const NORM_CCE_ECNONLY: i32 = 4;
}

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
    wss: false,
    vmci: false,
    norm: false,
};

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

/// One `TCP_ACCEPT_FILTER` entry: a network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    pub network: IpAddr,
    pub prefix_len: u8,
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
    /// Defaults for a socket of `socket_type` in a context with `ctx` options.
    pub fn new(socket_type: i32, ctx: &CtxOptions) -> Options {
        let mut o = Options {
            socket_type,
            sndhwm: 1000,
            rcvhwm: 1000,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10_000,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            priority: 0,
            // zmq_ctx_set(3): ZMQ_BLOCKY false makes new sockets' linger 0.
            linger: if ctx.blocky { -1 } else { 0 },
            connect_timeout: 0,
            tcp_maxrt: 0,
            reconnect_stop: 0,
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            backlog: 100,
            maxmsgsize: -1,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6: ctx.ipv6,
            immediate: false,
            filter: false,
            invert_matching: false,
            recv_routing_id: false,
            raw_socket: false,
            raw_notify: true,
            socks_proxy_address: Vec::new(),
            socks_proxy_username: Vec::new(),
            socks_proxy_password: Vec::new(),
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_accept_filters: Vec::new(),
            ipc_uid_accept_filters: BTreeSet::new(),
            ipc_gid_accept_filters: BTreeSet::new(),
            ipc_pid_accept_filters: BTreeSet::new(),
            mechanism: Mechanism::Null,
            as_server: false,
            zap_domain: Vec::new(),
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            curve_public_key: [0; CURVE_KEY_LEN],
            curve_secret_key: [0; CURVE_KEY_LEN],
            curve_server_key: [0; CURVE_KEY_LEN],
            gss_principal: Vec::new(),
            gss_service_principal: Vec::new(),
            gss_principal_nt: val::GSSAPI_NT_HOSTBASED,
            gss_service_principal_nt: val::GSSAPI_NT_HOSTBASED,
            gss_plaintext: false,
            conflate: false,
            handshake_ivl: 30_000,
            heartbeat_ttl: 0,
            heartbeat_interval: 0,
            heartbeat_timeout: -1,
            vmci_buffer_size: 0,
            vmci_buffer_min_size: 0,
            vmci_buffer_max_size: 0,
            vmci_connect_timeout: -1,
            use_fd: -1,
            bound_device: Vec::new(),
            zap_enforce_domain: false,
            loopback_fastpath: false,
            multicast_loop: true,
            in_batch_size: 8192,
            out_batch_size: 8192,
            zero_copy: ctx.zero_copy_recv,
            router_notify: 0,
            app_metadata: BTreeMap::new(),
            wss_key_pem: Vec::new(),
            wss_cert_pem: Vec::new(),
            wss_trust_pem: Vec::new(),
            wss_hostname: Vec::new(),
            wss_trust_system: false,
            hello_msg: Vec::new(),
            disconnect_msg: Vec::new(),
            hiccup_msg: Vec::new(),
            can_send_hello_msg: false,
            can_recv_disconnect_msg: false,
            can_recv_hiccup_msg: false,
            norm_mode: val::NORM_CC,
            norm_unicast_nacks: false,
            norm_buffer_size: 2048,
            norm_segment_size: 1400,
            norm_block_size: 16,
            norm_num_parity: 4,
            norm_num_autoparity: 0,
            norm_push_enable: false,
            busy_poll: 0,
            connect_routing_id: Vec::new(),
        };
        // What each socket type changes, as libzmq's socket constructors do
        // (REP starts as a ROUTER, REQ as a DEALER, PEER as a SERVER).
        match socket_type {
            kind::SUB => o.filter = true,
            kind::ROUTER | kind::REP => {
                o.recv_routing_id = true;
                o.can_send_hello_msg = true;
                o.can_recv_disconnect_msg = true;
            }
            kind::DEALER | kind::REQ | kind::CLIENT => {
                o.can_send_hello_msg = true;
                o.can_recv_hiccup_msg = true;
            }
            kind::SERVER => {
                o.can_send_hello_msg = true;
                o.can_recv_disconnect_msg = true;
            }
            kind::PEER => {
                o.can_send_hello_msg = true;
                o.can_recv_disconnect_msg = true;
                o.can_recv_hiccup_msg = true;
            }
            kind::STREAM | kind::DGRAM => o.raw_socket = true,
            _ => {}
        }
        // DISH, and SUB/XSUB (whose queued subscriptions are not worth
        // waiting for), drop everything at close, whatever the context says.
        if matches!(socket_type, kind::DISH | kind::SUB | kind::XSUB) {
            o.linger = 0;
        }
        o
    }

    /// `zmq_setsockopt` for the options kept here. `EINVAL` for an unknown
    /// option, a value of the wrong size or out of range; the options are
    /// unchanged on error.
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        self.set_with(option, value, BUILT)
    }

    /// `zmq_getsockopt` for the options kept here: `out` is the caller's
    /// buffer (`*optvallen` long); returns the new `*optvallen`.
    pub fn get(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        self.get_with(option, out, BUILT)
    }

    fn is_routing_type(&self) -> bool {
        matches!(self.socket_type, kind::ROUTER | kind::REP | kind::STREAM)
    }

    fn set_with(&mut self, option: i32, value: &[u8], b: Builds) -> Result<()> {
        match option {
            opt::SNDHWM => self.sndhwm = int_in(value, 0..)?,
            opt::RCVHWM => self.rcvhwm = int_in(value, 0..)?,
            opt::AFFINITY => self.affinity = u64::from_ne_bytes(fixed(value)?),
            opt::ROUTING_ID => self.routing_id = text(value, SHORT_TEXT_MAX)?,
            opt::RATE => self.rate = int_in(value, 1..)?,
            opt::RECOVERY_IVL => self.recovery_ivl = int_in(value, 0..)?,
            opt::SNDBUF => self.sndbuf = int_in(value, -1..)?,
            opt::RCVBUF => self.rcvbuf = int_in(value, -1..)?,
            opt::TOS => self.tos = int_in(value, 0..)?,
            opt::PRIORITY => self.priority = int_in(value, 0..)?,
            opt::LINGER => self.linger = int_in(value, -1..)?,
            opt::CONNECT_TIMEOUT => self.connect_timeout = int_in(value, 0..)?,
            opt::TCP_MAXRT => self.tcp_maxrt = int_in(value, 0..)?,
            opt::RECONNECT_STOP => self.reconnect_stop = int_in(value, ..)?,
            opt::RECONNECT_IVL => self.reconnect_ivl = int_in(value, -1..)?,
            opt::RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_in(value, 0..)?,
            opt::BACKLOG => self.backlog = int_in(value, 0..)?,
            opt::MAXMSGSIZE => self.maxmsgsize = i64::from_ne_bytes(fixed(value)?),
            opt::MULTICAST_HOPS => self.multicast_hops = int_in(value, 1..)?,
            opt::MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_in(value, 1..)?,
            opt::RCVTIMEO => self.rcvtimeo = int_in(value, -1..)?,
            opt::SNDTIMEO => self.sndtimeo = int_in(value, -1..)?,
            opt::IPV6 => self.ipv6 = strict_bool(value)?,
            opt::IPV4ONLY => self.ipv6 = !strict_bool(value)?,
            opt::IMMEDIATE => self.immediate = strict_bool(value)?,
            opt::CONFLATE => self.conflate = strict_bool(value)?,
            opt::INVERT_MATCHING => self.invert_matching = loose_bool(value)?,
            opt::ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = loose_bool(value)?,
            opt::LOOPBACK_FASTPATH => self.loopback_fastpath = loose_bool(value)?,
            opt::MULTICAST_LOOP => self.multicast_loop = loose_bool(value)?,
            opt::HANDSHAKE_IVL => self.handshake_ivl = int_in(value, 0..)?,
            opt::HEARTBEAT_IVL => self.heartbeat_interval = int_in(value, 0..)?,
            opt::HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_in(value, 0..)?,
            opt::HEARTBEAT_TTL => {
                // Truncated to deciseconds first, so -99..=-1 reads as 0.
                let ds = int_arg(value)? / MS_PER_DECISECOND;
                self.heartbeat_ttl = u16::try_from(ds).map_err(|_| Error::Inval)?;
            }
            opt::USE_FD => self.use_fd = int_in(value, -1..)?,
            opt::IN_BATCH_SIZE => self.in_batch_size = int_in(value, 1..)?,
            opt::OUT_BATCH_SIZE => self.out_batch_size = int_in(value, 1..)?,
            opt::BUSY_POLL => self.busy_poll = int_in(value, ..)?,
            opt::TCP_KEEPALIVE => self.tcp_keepalive = int_in(value, -1..=1)?,
            opt::TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_in(value, -1..)?,
            opt::TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_in(value, -1..)?,
            opt::TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_in(value, -1..)?,

            opt::SOCKS_PROXY => self.socks_proxy_address = value.to_vec(),
            opt::SOCKS_USERNAME => self.socks_proxy_username = text_or_clear(value)?,
            opt::SOCKS_PASSWORD => self.socks_proxy_password = text_or_clear(value)?,
            opt::BINDTODEVICE => {
                self.bound_device = match value {
                    [] => Vec::new(),
                    _ => text(value, DEVICE_NAME_MAX)?,
                }
            }
            // No "clear" form: an empty domain is EINVAL.
            opt::ZAP_DOMAIN => self.zap_domain = text(value, SHORT_TEXT_MAX)?,
            opt::METADATA => self.add_metadata(value)?,
            opt::HELLO_MSG => self.hello_msg = value.to_vec(),
            opt::DISCONNECT_MSG => self.disconnect_msg = value.to_vec(),
            opt::HICCUP_MSG => self.hiccup_msg = value.to_vec(),

            opt::TCP_ACCEPT_FILTER => match value {
                [] => self.tcp_accept_filters.clear(),
                _ if value.len() > SHORT_TEXT_MAX => return Err(Error::Inval),
                _ => {
                    let f = TcpAcceptFilter::parse(value, self.ipv6)?;
                    self.tcp_accept_filters.push(f);
                }
            },
            opt::IPC_FILTER_UID => id_filter(&mut self.ipc_uid_accept_filters, value)?,
            opt::IPC_FILTER_GID => id_filter(&mut self.ipc_gid_accept_filters, value)?,
            opt::IPC_FILTER_PID => id_filter(&mut self.ipc_pid_accept_filters, value)?,

            opt::PLAIN_SERVER => self.set_server(strict_bool(value)?, Mechanism::Plain),
            opt::CURVE_SERVER
            | opt::CURVE_PUBLICKEY
            | opt::CURVE_SECRETKEY
            | opt::CURVE_SERVERKEY
                if !b.curve =>
            {
                return Err(Error::Inval)
            }
            opt::CURVE_SERVER => self.set_server(strict_bool(value)?, Mechanism::Curve),
            opt::PLAIN_USERNAME | opt::PLAIN_PASSWORD if value.is_empty() => {
                // Switches PLAIN off but keeps the credential.
                self.mechanism = Mechanism::Null;
            }
            opt::PLAIN_USERNAME | opt::PLAIN_PASSWORD => {
                let v = text(value, SHORT_TEXT_MAX)?;
                if option == opt::PLAIN_USERNAME {
                    self.plain_username = v;
                } else {
                    self.plain_password = v;
                }
                self.as_server = false;
                self.mechanism = Mechanism::Plain;
            }
            // Setting any key selects CURVE; the server's key makes us a client.
            opt::CURVE_PUBLICKEY => self.curve_public_key = self.curve_key(value)?,
            opt::CURVE_SECRETKEY => self.curve_secret_key = self.curve_key(value)?,
            opt::CURVE_SERVERKEY => {
                self.curve_server_key = self.curve_key(value)?;
                self.as_server = false;
            }

            opt::CONNECT_ROUTING_ID if self.is_routing_type() => {
                self.connect_routing_id = match value {
                    [] => return Err(Error::Inval),
                    _ => value.to_vec(),
                }
            }
            opt::ROUTER_NOTIFY if matches!(self.socket_type, kind::ROUTER | kind::REP) => {
                let all = val::NOTIFY_CONNECT | val::NOTIFY_DISCONNECT;
                self.router_notify = int_in(value, 0..=all)?;
            }
            opt::STREAM_NOTIFY if self.socket_type == kind::STREAM => {
                self.raw_notify = strict_bool(value)?;
            }

            _ if b.gssapi && self.set_gssapi(option, value)? => {}
            _ if b.vmci && self.set_vmci(option, value)? => {}
            _ if b.wss && self.set_wss(option, value)? => {}
            _ if b.norm && self.set_norm(option, value)? => {}
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    fn set_server(&mut self, on: bool, mechanism: Mechanism) {
        self.as_server = on;
        self.mechanism = if on { mechanism } else { Mechanism::Null };
    }

    /// A CURVE key given as 32 bytes, or as 40 Z85 characters with or
    /// without a terminating NUL. Selects CURVE on success.
    fn curve_key(&mut self, value: &[u8]) -> Result<[u8; CURVE_KEY_LEN]> {
        let mut key = [0u8; CURVE_KEY_LEN];
        let as_text = match value.len() {
            CURVE_KEY_LEN => {
                key.copy_from_slice(value);
                None
            }
            CURVE_KEY_Z85_LEN => Some(value),
            n if n == CURVE_KEY_Z85_LEN + 1 && value[CURVE_KEY_Z85_LEN] == 0 => {
                Some(&value[..CURVE_KEY_Z85_LEN])
            }
            _ => return Err(Error::Inval),
        };
        if let Some(text) = as_text {
            z85::decode_into(text, &mut key)?;
        }
        self.mechanism = Mechanism::Curve;
        Ok(key)
    }

    /// `METADATA`: `"X-key:value"`, the key 3 to 255 bytes starting `X-`,
    /// the value non-empty. A key already present keeps its first value.
    fn add_metadata(&mut self, value: &[u8]) -> Result<()> {
        // libzmq takes a 4-byte value for an int and refuses it.
        if value.is_empty() || value.len() == 4 {
            return Err(Error::Inval);
        }
        let colon = value.iter().position(|&c| c == b':').ok_or(Error::Inval)?;
        let (key, rest) = (&value[..colon], &value[colon + 1..]);
        if key.is_empty() || rest.is_empty() {
            return Err(Error::Inval);
        }
        if !key.starts_with(b"X-") || key.len() > SHORT_TEXT_MAX {
            return Err(Error::Inval);
        }
        self.app_metadata
            .entry(key.to_vec())
            .or_insert_with(|| rest.to_vec());
        Ok(())
    }

    /// The GSSAPI options; `Ok(false)` if `option` is not one.
    fn set_gssapi(&mut self, option: i32, value: &[u8]) -> Result<bool> {
        let name_type = val::GSSAPI_NT_HOSTBASED..=val::GSSAPI_NT_KRB5_PRINCIPAL;
        match option {
            opt::GSSAPI_SERVER => {
                // Unlike PLAIN and CURVE, 0 still selects GSSAPI.
                self.as_server = strict_bool(value)?;
                self.mechanism = Mechanism::Gssapi;
            }
            opt::GSSAPI_PRINCIPAL => {
                self.gss_principal = text(value, SHORT_TEXT_MAX)?;
                self.mechanism = Mechanism::Gssapi;
            }
            opt::GSSAPI_SERVICE_PRINCIPAL => {
                self.gss_service_principal = text(value, SHORT_TEXT_MAX)?;
                self.mechanism = Mechanism::Gssapi;
                self.as_server = false;
            }
            opt::GSSAPI_PLAINTEXT => self.gss_plaintext = strict_bool(value)?,
            opt::GSSAPI_PRINCIPAL_NAMETYPE => self.gss_principal_nt = int_in(value, name_type)?,
            opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                self.gss_service_principal_nt = int_in(value, name_type)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The VMCI options (write only); `Ok(false)` if `option` is not one.
    fn set_vmci(&mut self, option: i32, value: &[u8]) -> Result<bool> {
        match option {
            opt::VMCI_BUFFER_SIZE => self.vmci_buffer_size = u64::from_ne_bytes(fixed(value)?),
            opt::VMCI_BUFFER_MIN_SIZE => {
                self.vmci_buffer_min_size = u64::from_ne_bytes(fixed(value)?);
            }
            opt::VMCI_BUFFER_MAX_SIZE => {
                self.vmci_buffer_max_size = u64::from_ne_bytes(fixed(value)?);
            }
            opt::VMCI_CONNECT_TIMEOUT => self.vmci_connect_timeout = int_in(value, ..)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The WSS options (write only, unchecked text); `Ok(false)` if
    /// `option` is not one.
    fn set_wss(&mut self, option: i32, value: &[u8]) -> Result<bool> {
        match option {
            opt::WSS_KEY_PEM => self.wss_key_pem = value.to_vec(),
            opt::WSS_CERT_PEM => self.wss_cert_pem = value.to_vec(),
            opt::WSS_TRUST_PEM => self.wss_trust_pem = value.to_vec(),
            opt::WSS_HOSTNAME => self.wss_hostname = value.to_vec(),
            opt::WSS_TRUST_SYSTEM => self.wss_trust_system = strict_bool(value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The NORM options; `Ok(false)` if `option` is not one.
    fn set_norm(&mut self, option: i32, value: &[u8]) -> Result<bool> {
        match option {
            opt::NORM_MODE => {
                self.norm_mode = int_in(value, val::NORM_FIXED..=val::NORM_CCE_ECNONLY)?
            }
            opt::NORM_UNICAST_NACK => self.norm_unicast_nacks = strict_bool(value)?,
            opt::NORM_BUFFER_SIZE => self.norm_buffer_size = int_in(value, 1..)?,
            opt::NORM_SEGMENT_SIZE => self.norm_segment_size = int_in(value, 1..)?,
            opt::NORM_BLOCK_SIZE => self.norm_block_size = int_in(value, 1..=255)?,
            opt::NORM_NUM_PARITY => self.norm_num_parity = int_in(value, 0..255)?,
            opt::NORM_NUM_AUTOPARITY => self.norm_num_autoparity = int_in(value, 0..255)?,
            opt::NORM_PUSH => self.norm_push_enable = strict_bool(value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn get_with(&self, option: i32, out: &mut [u8], b: Builds) -> Result<usize> {
        let int = match option {
            opt::SNDHWM => self.sndhwm,
            opt::RCVHWM => self.rcvhwm,
            opt::RATE => self.rate,
            opt::RECOVERY_IVL => self.recovery_ivl,
            opt::SNDBUF => self.sndbuf,
            opt::RCVBUF => self.rcvbuf,
            opt::TOS => self.tos,
            opt::PRIORITY => self.priority,
            opt::LINGER => self.linger,
            opt::CONNECT_TIMEOUT => self.connect_timeout,
            opt::TCP_MAXRT => self.tcp_maxrt,
            opt::RECONNECT_STOP => self.reconnect_stop,
            opt::RECONNECT_IVL => self.reconnect_ivl,
            opt::RECONNECT_IVL_MAX => self.reconnect_ivl_max,
            opt::BACKLOG => self.backlog,
            opt::MULTICAST_HOPS => self.multicast_hops,
            opt::MULTICAST_MAXTPDU => self.multicast_maxtpdu,
            opt::RCVTIMEO => self.rcvtimeo,
            opt::SNDTIMEO => self.sndtimeo,
            opt::IPV6 => self.ipv6 as i32,
            opt::IPV4ONLY => !self.ipv6 as i32,
            opt::IMMEDIATE => self.immediate as i32,
            opt::CONFLATE => self.conflate as i32,
            opt::INVERT_MATCHING => self.invert_matching as i32,
            opt::ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain as i32,
            opt::LOOPBACK_FASTPATH => self.loopback_fastpath as i32,
            opt::MULTICAST_LOOP => self.multicast_loop as i32,
            opt::HANDSHAKE_IVL => self.handshake_ivl,
            opt::HEARTBEAT_IVL => self.heartbeat_interval,
            opt::HEARTBEAT_TTL => i32::from(self.heartbeat_ttl) * MS_PER_DECISECOND,
            opt::HEARTBEAT_TIMEOUT => self.heartbeat_timeout,
            opt::USE_FD => self.use_fd,
            opt::IN_BATCH_SIZE => self.in_batch_size,
            opt::OUT_BATCH_SIZE => self.out_batch_size,
            opt::ROUTER_NOTIFY => self.router_notify,
            opt::TCP_KEEPALIVE => self.tcp_keepalive,
            opt::TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt,
            opt::TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle,
            opt::TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl,
            opt::MECHANISM => self.mechanism.number(),
            opt::PLAIN_SERVER => (self.as_server && self.mechanism == Mechanism::Plain) as i32,
            opt::CURVE_SERVER
            | opt::CURVE_PUBLICKEY
            | opt::CURVE_SECRETKEY
            | opt::CURVE_SERVERKEY
                if !b.curve =>
            {
                return Err(Error::Inval)
            }
            opt::CURVE_SERVER => (self.as_server && self.mechanism == Mechanism::Curve) as i32,
            opt::BUSY_POLL => {
                // libzmq 4.3.5 stores the value and then reports EINVAL.
                put_exact(out, &self.busy_poll.to_ne_bytes())?;
                return Err(Error::Inval);
            }

            opt::AFFINITY => return put_exact(out, &self.affinity.to_ne_bytes()),
            opt::MAXMSGSIZE => return put_exact(out, &self.maxmsgsize.to_ne_bytes()),
            // Binary: no NUL added.
            opt::ROUTING_ID => return put_value(out, &self.routing_id),
            opt::SOCKS_PROXY => return put_string(out, &self.socks_proxy_address),
            opt::SOCKS_USERNAME => return put_string(out, &self.socks_proxy_username),
            opt::SOCKS_PASSWORD => return put_string(out, &self.socks_proxy_password),
            opt::PLAIN_USERNAME => return put_string(out, &self.plain_username),
            opt::PLAIN_PASSWORD => return put_string(out, &self.plain_password),
            opt::ZAP_DOMAIN => return put_string(out, &self.zap_domain),
            opt::BINDTODEVICE => return put_string(out, &self.bound_device),
            opt::CURVE_PUBLICKEY => return put_curve_key(out, &self.curve_public_key),
            opt::CURVE_SECRETKEY => return put_curve_key(out, &self.curve_secret_key),
            opt::CURVE_SERVERKEY => return put_curve_key(out, &self.curve_server_key),

            _ if b.gssapi => match option {
                opt::GSSAPI_SERVER => {
                    (self.as_server && self.mechanism == Mechanism::Gssapi) as i32
                }
                opt::GSSAPI_PLAINTEXT => self.gss_plaintext as i32,
                opt::GSSAPI_PRINCIPAL_NAMETYPE => self.gss_principal_nt,
                opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => self.gss_service_principal_nt,
                opt::GSSAPI_PRINCIPAL => return put_string(out, &self.gss_principal),
                opt::GSSAPI_SERVICE_PRINCIPAL => {
                    return put_string(out, &self.gss_service_principal)
                }
                _ => return self.get_norm(option, out, b),
            },
            _ => return self.get_norm(option, out, b),
        };
        put_exact(out, &int.to_ne_bytes())
    }

    fn get_norm(&self, option: i32, out: &mut [u8], b: Builds) -> Result<usize> {
        if !b.norm {
            return Err(Error::Inval);
        }
        let int = match option {
            opt::NORM_MODE => self.norm_mode,
            opt::NORM_UNICAST_NACK => self.norm_unicast_nacks as i32,
            opt::NORM_BUFFER_SIZE => self.norm_buffer_size,
            opt::NORM_SEGMENT_SIZE => self.norm_segment_size,
            opt::NORM_BLOCK_SIZE => self.norm_block_size,
            opt::NORM_NUM_PARITY => self.norm_num_parity,
            opt::NORM_NUM_AUTOPARITY => self.norm_num_autoparity,
            opt::NORM_PUSH => self.norm_push_enable as i32,
            _ => return Err(Error::Inval),
        };
        put_exact(out, &int.to_ne_bytes())
    }
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

/// An `int` value: exactly `sizeof(int)` bytes, else `EINVAL`.
pub fn int_arg(value: &[u8]) -> Result<i32> {
    Ok(i32::from_ne_bytes(fixed(value)?))
}

/// A value of exactly `N` bytes.
fn fixed<const N: usize>(value: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(value).map_err(|_| Error::Inval)
}

fn int_in(value: &[u8], range: impl RangeBounds<i32>) -> Result<i32> {
    Some(int_arg(value)?)
        .filter(|v| range.contains(v))
        .ok_or(Error::Inval)
}

/// A boolean given as the int 0 or 1.
fn strict_bool(value: &[u8]) -> Result<bool> {
    Ok(int_in(value, 0..=1)? == 1)
}

/// A boolean given as any int, non-zero for true.
fn loose_bool(value: &[u8]) -> Result<bool> {
    Ok(int_arg(value)? != 0)
}

/// A string or binary value of 1 to `max` bytes.
fn text(value: &[u8], max: usize) -> Result<Vec<u8>> {
    if (1..=max).contains(&value.len()) {
        Ok(value.to_vec())
    } else {
        Err(Error::Inval)
    }
}

/// A short string, or empty to clear it.
fn text_or_clear(value: &[u8]) -> Result<Vec<u8>> {
    match value {
        [] => Ok(Vec::new()),
        _ => text(value, SHORT_TEXT_MAX),
    }
}

/// Adds one 4-byte id to an IPC credential filter; empty clears it.
fn id_filter<T: Ord + From<IdBytes>>(set: &mut BTreeSet<T>, value: &[u8]) -> Result<()> {
    match value {
        [] => set.clear(),
        _ => {
            set.insert(T::from(IdBytes(fixed(value)?)));
        }
    }
    Ok(())
}

/// The native bytes of a `uid_t`, `gid_t` or `pid_t` (4 bytes on Linux).
struct IdBytes([u8; 4]);

impl From<IdBytes> for u32 {
    fn from(b: IdBytes) -> u32 {
        u32::from_ne_bytes(b.0)
    }
}

impl From<IdBytes> for i32 {
    fn from(b: IdBytes) -> i32 {
        i32::from_ne_bytes(b.0)
    }
}

/// Writes a fixed-size value: the buffer must be exactly its size.
pub fn put_exact(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
    if out.len() != bytes.len() {
        return Err(Error::Inval);
    }
    out.copy_from_slice(bytes);
    Ok(bytes.len())
}

/// Writes a variable-size value into a buffer at least as long; the rest
/// of the buffer is zeroed, as libzmq does.
pub fn put_value(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
    if out.len() < bytes.len() {
        return Err(Error::Inval);
    }
    let (head, tail) = out.split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    tail.fill(0);
    Ok(bytes.len())
}

/// Writes a string with its terminating NUL (counted in the length).
pub fn put_string(out: &mut [u8], s: &[u8]) -> Result<usize> {
    if out.len() <= s.len() {
        return Err(Error::Inval);
    }
    put_value(out, s)?;
    Ok(s.len() + 1)
}

/// A CURVE key read back as 32 bytes, or as Z85 text with its NUL when the
/// buffer is 41 bytes; any other size is `EINVAL`.
fn put_curve_key(out: &mut [u8], key: &[u8; CURVE_KEY_LEN]) -> Result<usize> {
    match out.len() {
        CURVE_KEY_LEN => out.copy_from_slice(key),
        n if n == CURVE_KEY_Z85_LEN + 1 => {
            z85::encode_into(key, &mut out[..CURVE_KEY_Z85_LEN])?;
            out[CURVE_KEY_Z85_LEN] = 0;
        }
        _ => return Err(Error::Inval),
    }
    Ok(out.len())
}

impl TcpAcceptFilter {
    /// Parses `address[/bits]` as libzmq does: a numeric address (no DNS,
    /// no interface names), IPv6 only when `ipv6` is set (then an IPv4
    /// address is taken as IPv4-mapped IPv6), optional `[...]` and `%zone`.
    /// The text stops at a NUL, as a C string.
    pub fn parse(text: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        let text = text.split(|&c| c == 0).next().unwrap_or_default();
        let text = std::str::from_utf8(text).map_err(|_| Error::Inval)?;
        let (address, bits) = match text.rsplit_once('/') {
            Some((_, "")) => return Err(Error::Inval),
            Some((a, bits)) => (a, Some(bits)),
            None => (text, None),
        };
        let network = parse_numeric_address(address, ipv6).ok_or(Error::Inval)?;
        let full: i64 = if network.is_ipv6() { 128 } else { 32 };
        let prefix_len = match bits {
            None => full,
            Some("0") => 0,
            Some(bits) => Some(c_strtol(bits))
                .filter(|n| (1..=full).contains(n))
                .ok_or(Error::Inval)?,
        };
        Ok(TcpAcceptFilter {
            network,
            prefix_len: prefix_len as u8,
        })
    }

    /// Whether a peer's address is in this network (same family only).
    pub fn matches(&self, peer: IpAddr) -> bool {
        match (self.network, peer) {
            (IpAddr::V4(n), IpAddr::V4(p)) => {
                same_prefix(&n.octets(), &p.octets(), self.prefix_len)
            }
            (IpAddr::V6(n), IpAddr::V6(p)) => {
                same_prefix(&n.octets(), &p.octets(), self.prefix_len)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let mask = !(0xffu8 >> rest);
    rest == 0 || a[whole] & mask == b[whole] & mask
}

/// A numeric address the way `getaddrinfo(AI_NUMERICHOST)` reads it for
/// one family, after removing `[...]` and a `%zone` (which must name an
/// interface or be a non-zero number).
fn parse_numeric_address(address: &str, ipv6: bool) -> Option<IpAddr> {
    let address = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(address);
    let address = match address.rsplit_once('%') {
        Some((a, zone)) => {
            let by_name = zone.starts_with(|c: char| c.is_ascii_alphabetic());
            let id = match by_name {
                true => interface_index(zone),
                false => c_strtol(zone),
            };
            if id == 0 {
                return None;
            }
            a
        }
        None => address,
    };
    let v6 = address.parse::<Ipv6Addr>().ok();
    let v4 = inet_aton(address);
    if ipv6 {
        v6.or(v4.map(|a| a.to_ipv6_mapped())).map(IpAddr::V6)
    } else {
        v4.or(v6.and_then(|a| a.to_ipv4_mapped())).map(IpAddr::V4)
    }
}

/// The index of a network interface, 0 if there is none of that name.
fn interface_index(name: &str) -> i64 {
    if name.len() >= DEVICE_NAME_MAX || name.contains('/') || name.starts_with('.') {
        return 0;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// An IPv4 address in the classic numbers-and-dots forms (`a`, `a.b`,
/// `a.b.c`, `a.b.c.d`; each part decimal, `0`-octal or `0x`-hex, the last
/// part filling the remaining bytes), as `inet_aton` reads it.
fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts = text
        .split('.')
        .map(c_number)
        .collect::<Option<Vec<u32>>>()?;
    let (&last, head) = parts.split_last()?;
    if head.len() > 3 || head.iter().any(|&p| p > 255) {
        return None;
    }
    let last_bits = 32 - 8 * head.len() as u32;
    if last_bits < 32 && last >> last_bits != 0 {
        return None;
    }
    let high = head
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &p)| acc | p << (24 - 8 * i as u32));
    Some(Ipv4Addr::from(high | last))
}

/// One part of an `inet_aton` address.
fn c_number(part: &str) -> Option<u32> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// The number a decimal prefix of `text` spells, as C's `strtol` reads it:
/// leading white space and a sign allowed, junk after the digits ignored,
/// 0 when there are no digits, saturating on overflow.
fn c_strtol(text: &str) -> i64 {
    let s = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let n = s.bytes().take_while(u8::is_ascii_digit).fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    if negative {
        -n
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn accept_filter_parsing() {
        use std::net::Ipv4Addr as V4;
        let v4 = |a, b, c, d, bits| {
            Ok(TcpAcceptFilter {
                network: IpAddr::V4(V4::new(a, b, c, d)),
                prefix_len: bits,
            })
        };
        let parse = |t: &str, ipv6| TcpAcceptFilter::parse(t.as_bytes(), ipv6);
        let inval = Err(Error::Inval);
        assert_eq!(parse("10.0.0.1", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("10.0.0.0/8", false), v4(10, 0, 0, 0, 8));
        assert_eq!(parse("10.0.0.0/0", false), v4(10, 0, 0, 0, 0));
        assert_eq!(parse("10.0.0.0/00", false), inval);
        assert_eq!(parse("10.0.0.0/33", false), inval);
        assert_eq!(parse("10.0.0.0/", false), inval);
        assert_eq!(parse("10.0.0.0/-8", false), inval);
        assert_eq!(parse("10.0.0.0/ 8", false), v4(10, 0, 0, 0, 8));
        assert_eq!(parse("10.0.0.0/24x", false), v4(10, 0, 0, 0, 24));
        assert_eq!(parse("127.1", false), v4(127, 0, 0, 1, 32));
        assert_eq!(parse("0x7f.1", false), v4(127, 0, 0, 1, 32));
        assert_eq!(parse("010.0.0.1", false), v4(8, 0, 0, 1, 32));
        assert_eq!(parse("4294967295", false), v4(255, 255, 255, 255, 32));
        assert_eq!(parse("1.2.65535", false), v4(1, 2, 255, 255, 32));
        assert_eq!(parse("[10.0.0.1]", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("10.0.0.1\0junk", false), v4(10, 0, 0, 1, 32));
        assert_eq!(parse("::ffff:1.2.3.4", false), v4(1, 2, 3, 4, 32));
        assert_eq!(parse("10.0.0.1%1", false), v4(10, 0, 0, 1, 32));
        for bad in [
            "::1",
            "localhost",
            " 10.0.0.1",
            "10.0.0.1 ",
            "1.2.3.4.5",
            "256.0.0.1",
            "4294967296",
            "1.2.65536",
            "0x",
            "08",
            "1..2",
            "1.2.3.",
            "1.2.3.4%",
            "1.2.3.4%0",
            "1.2.3.4/0x8",
            "",
        ] {
            assert_eq!(parse(bad, false), inval, "{bad:?}");
        }
        let v6 = |t: &str, bits| {
            Ok(TcpAcceptFilter {
                network: IpAddr::V6(t.parse().unwrap()),
                prefix_len: bits,
            })
        };
        assert_eq!(parse("::1", true), v6("::1", 128));
        assert_eq!(parse("[::1]/64", true), v6("::1", 64));
        assert_eq!(parse("127.1/120", true), v6("::ffff:127.0.0.1", 120));
        assert_eq!(parse("fe80::1%1x", true), v6("fe80::1", 128));
        assert_eq!(parse("fe80::1%lo", true), v6("fe80::1", 128));
        for bad in [
            "::1/129",
            "[::1/64]",
            ":::",
            "::1%",
            "fe80::1%x1",
            "fe80::1%0",
            "fe80::1%no/such",
        ] {
            assert_eq!(parse(bad, true), inval, "{bad:?}");
        }
    }

    #[test]
    fn accept_filter_matching() {
        let f = |t: &str, ipv6| TcpAcceptFilter::parse(t.as_bytes(), ipv6).unwrap();
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        assert!(f("192.168.1.0/24", false).matches(ip("192.168.1.77")));
        assert!(!f("192.168.1.0/24", false).matches(ip("192.168.2.1")));
        assert!(f("192.168.0.0/23", false).matches(ip("192.168.1.1")));
        assert!(!f("192.168.0.0/23", false).matches(ip("192.168.2.1")));
        assert!(f("0.0.0.0/0", false).matches(ip("8.8.8.8")));
        assert!(!f("0.0.0.0/0", false).matches(ip("::1")));
        assert!(f("::1", true).matches(ip("::1")));
        assert!(f("127.0.0.1", true).matches(ip("::ffff:127.0.0.1")));
        assert!(!f("127.0.0.1", true).matches(ip("127.0.0.1")));
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
        assert_eq!(o.set(opt::GSSAPI_PRINCIPAL, b"p"), Err(Error::Inval));
        assert_eq!(o.set(opt::GSSAPI_SERVER, &one), Err(Error::Inval));
        assert_eq!(o.get(opt::GSSAPI_PLAINTEXT, &mut b), Err(Error::Inval));
        assert_eq!(o.set(opt::WSS_HOSTNAME, b"h"), Err(Error::Inval));
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
}
