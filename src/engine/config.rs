//! `SessionConfig`: what a socket hands down to its sessions, listeners
//! and engines — only what they act on, as plain values. The socket builds
//! it from its options when it binds or connects (`socket::config`); the
//! I/O side never sees the socket's options, nor a socket type's routing.
//! One config is shared (`Arc`) by a listener and every session it
//! accepts.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;

use crate::pipe::Flow;
use crate::transport::accept_filter::TcpAcceptFilter;
use crate::transport::tcp::TcpTuning;
use crate::zmtp;

/// `ZMQ_RECONNECT_STOP`: when a connecting session gives up for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconnectStop {
    /// A connect refused by the peer (`ECONNREFUSED`).
    pub conn_refused: bool,
    /// A connection lost before its handshake completed.
    pub handshake_failed: bool,
    /// A refused connect after `zmq_disconnect` was called.
    pub after_disconnect: bool,
}

/// Who may connect to a listener (`ZMQ_TCP_ACCEPT_FILTER`,
/// `ZMQ_IPC_FILTER_UID`/`_GID`/`_PID`): with any filter of a transport
/// set, a peer must match one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptFilters {
    pub tcp: Vec<TcpAcceptFilter>,
    pub ipc_uid: BTreeSet<u32>,
    pub ipc_gid: BTreeSet<u32>,
    pub ipc_pid: BTreeSet<i32>,
}

/// `ZMQ_SOCKS_PROXY` and its credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocksProxy {
    /// `host:port` of the proxy, as the user gave it (bytes).
    pub address: Vec<u8>,
    pub username: Vec<u8>,
    pub password: Vec<u8>,
}

/// What sessions of one endpoint act on.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The socket's type (zmq.h numbers, `zmtp::socket_type`).
    pub socket_type: i32,
    /// STREAM: raw bytes, no ZMTP handshake.
    pub raw: bool,
    /// `ZMQ_STREAM_NOTIFY`: STREAM tells of connects and disconnects.
    pub raw_notify: bool,
    /// `ZMQ_ROUTER_NOTIFY`: an empty message on connect / on disconnect.
    pub notify_connect: bool,
    pub notify_disconnect: bool,
    /// The socket side's flows of a session pipe: [0] socket → session,
    /// [1] session → socket.
    pub flows: [Flow; 2],
    /// The handshake settings every new ZMTP engine starts from.
    pub handshake: zmtp::Config,
    /// `ZMQ_RECONNECT_IVL` / `_MAX` in ms (`ivl` <= 0: no reconnection).
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub reconnect_stop: ReconnectStop,
    /// `ZMQ_CONNECT_TIMEOUT` in ms (0: a connect waits as long as the OS).
    pub connect_timeout: i32,
    /// `ZMQ_HANDSHAKE_IVL` in ms (0: none).
    pub handshake_ivl: i32,
    /// `ZMQ_HEARTBEAT_IVL`, `_TIMEOUT` (ms; <= 0: the interval) and `_TTL`
    /// (deciseconds).
    pub heartbeat_interval: i32,
    pub heartbeat_timeout: i32,
    pub heartbeat_ttl: u16,
    /// `ZMQ_IMMEDIATE`: nothing queues for a peer that is not connected.
    pub immediate: bool,
    /// `ZMQ_SOCKS_PROXY`, when set.
    pub socks: Option<SocksProxy>,
    /// `ZMQ_IPV6`: names resolve to IPv6 addresses too.
    pub ipv6: bool,
    /// The options that act on tcp connections and listeners.
    pub tcp: TcpTuning,
    pub accept: AcceptFilters,
    /// `ZMQ_ZAP_DOMAIN` and `ZMQ_ZAP_ENFORCE_DOMAIN`.
    pub zap_domain: Bytes,
    pub zap_enforce_domain: bool,
    /// `ZMQ_ROUTING_ID`: our id, as ZAP requests name it.
    pub routing_id: Bytes,
    /// `ZMQ_CONNECT_ROUTING_ID` of this connect: the name the socket gives
    /// the peer (for a pipe made only once connected).
    pub connect_routing_id: Bytes,
    /// A ws:// or wss:// listener: its connections speak WebSocket.
    pub ws: Option<WsListen>,
    /// DRAFT `ZMQ_HELLO_MSG`, `ZMQ_DISCONNECT_MSG`, `ZMQ_HICCUP_MSG`, each
    /// only where the socket type acts on it.
    pub peer_msgs: PeerMsgs,
}

/// The messages a session adds to a connection's traffic (DRAFT).
#[derive(Debug, Clone, Default)]
pub struct PeerMsgs {
    /// Sent to the peer first, on every new connection.
    pub hello: Option<Bytes>,
    /// Given to the socket when an accepted connection that completed its
    /// handshake is lost.
    pub disconnect: Option<Bytes>,
    /// Given to the socket when a connection it made, that completed its
    /// handshake, is lost.
    pub hiccup: Option<Bytes>,
}

/// What a ws or wss listener's accepted connections need.
#[derive(Debug, Clone)]
pub struct WsListen {
    /// wss: TLS under the WebSocket, with this configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}
