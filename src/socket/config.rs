//! What a socket hands down when it binds or connects: its options turned
//! into the plain `SessionConfig` its sessions and listeners act on, the
//! tcp tuning, the session pipe's flows and the handshake settings. This
//! is the one place where socket options meet the I/O side.

use bytes::Bytes;

use super::kind;
use super::options::val::{
    NOTIFY_CONNECT, NOTIFY_DISCONNECT, RECONNECT_STOP_AFTER_DISCONNECT,
    RECONNECT_STOP_CONN_REFUSED, RECONNECT_STOP_HANDSHAKE_FAILED,
};
use super::options::{Mechanism, Options};
use crate::engine::config::{AcceptFilters, PeerMsgs, ReconnectStop, SessionConfig, SocksProxy};
use crate::pipe::Flow;
use crate::transport::tcp::TcpTuning;
use crate::zmtp;

/// The sessions' view of the socket's options, as they are now.
pub fn session_config(o: &Options) -> SessionConfig {
    SessionConfig {
        socket_type: o.socket_type,
        raw: o.raw_socket,
        raw_notify: o.raw_notify,
        notify_connect: o.router_notify & NOTIFY_CONNECT != 0,
        notify_disconnect: o.router_notify & NOTIFY_DISCONNECT != 0,
        flows: session_flows(o),
        handshake: handshake_config(o),
        reconnect_ivl: o.reconnect_ivl,
        reconnect_ivl_max: o.reconnect_ivl_max,
        connect_timeout: o.connect_timeout,
        reconnect_stop: ReconnectStop {
            conn_refused: o.reconnect_stop & RECONNECT_STOP_CONN_REFUSED != 0,
            handshake_failed: o.reconnect_stop & RECONNECT_STOP_HANDSHAKE_FAILED != 0,
            after_disconnect: o.reconnect_stop & RECONNECT_STOP_AFTER_DISCONNECT != 0,
        },
        handshake_ivl: o.handshake_ivl,
        heartbeat_interval: o.heartbeat_interval,
        heartbeat_timeout: o.heartbeat_timeout,
        heartbeat_ttl: o.heartbeat_ttl,
        immediate: o.immediate,
        socks: (!o.socks_proxy_address.is_empty()).then(|| SocksProxy {
            address: o.socks_proxy_address.clone(),
            username: o.socks_proxy_username.clone(),
            password: o.socks_proxy_password.clone(),
        }),
        ipv6: o.ipv6,
        tcp: tcp_tuning(o),
        accept: AcceptFilters {
            tcp: o.tcp_accept_filters.clone(),
            ipc_uid: o.ipc_uid_accept_filters.clone(),
            ipc_gid: o.ipc_gid_accept_filters.clone(),
            ipc_pid: o.ipc_pid_accept_filters.clone(),
        },
        zap_domain: Bytes::copy_from_slice(&o.zap_domain),
        zap_enforce_domain: o.zap_enforce_domain,
        routing_id: Bytes::copy_from_slice(&o.routing_id),
        connect_routing_id: Bytes::copy_from_slice(&o.connect_routing_id),
        ws: None,
        peer_msgs: PeerMsgs {
            // A REQ sends no hello over the network, as in libzmq (its
            // sessions are of their own kind); over inproc it does.
            hello: o.hello_to_send().filter(|_| o.socket_type != kind::REQ),
            disconnect: o.disconnect_to_receive(),
            hiccup: o.hiccup_to_receive(),
        },
    }
}

/// The tcp socket options that act on a connection or listener.
pub fn tcp_tuning(o: &Options) -> TcpTuning {
    TcpTuning {
        sndbuf: o.sndbuf,
        rcvbuf: o.rcvbuf,
        tos: o.tos,
        backlog: o.backlog,
        keepalive: o.tcp_keepalive,
        keepalive_cnt: o.tcp_keepalive_cnt,
        keepalive_idle: o.tcp_keepalive_idle,
        keepalive_intvl: o.tcp_keepalive_intvl,
        maxrt: o.tcp_maxrt,
        bind_to_device: (!o.bound_device.is_empty())
            .then(|| String::from_utf8_lossy(&o.bound_device).into_owned()),
    }
}

/// The socket side's flows of a session pipe: its own HWMs (no sum over
/// the network, unlike inproc).
pub fn session_flows(o: &Options) -> [Flow; 2] {
    let conflate = o.conflate && conflates(o.socket_type);
    [
        // [0]: socket → session
        Flow {
            hwm: o.sndhwm.max(0) as usize,
            conflate,
        },
        // [1]: session → socket
        Flow {
            hwm: o.rcvhwm.max(0) as usize,
            conflate,
        },
    ]
}

/// The socket types whose pipes honour `ZMQ_CONFLATE`.
pub fn conflates(socket_type: i32) -> bool {
    matches!(
        socket_type,
        kind::DEALER | kind::PULL | kind::PUSH | kind::PUB | kind::SUB
    )
}

/// The handshake settings from the socket's options.
pub fn handshake_config(o: &Options) -> zmtp::Config {
    let mut c = zmtp::Config::new(o.socket_type);
    // A mechanism this library lacks makes the handshake refuse to start:
    // never fall back to talking in the clear.
    c.mechanism = match o.mechanism {
        Mechanism::Null => zmtp::MechanismKind::Null,
        Mechanism::Plain => zmtp::MechanismKind::Plain,
        Mechanism::Curve => zmtp::MechanismKind::Curve,
        Mechanism::Gssapi => zmtp::MechanismKind::Gssapi,
    };
    c.as_server = o.as_server;
    c.routing_id = Bytes::copy_from_slice(&o.routing_id);
    c.max_msg_size = o.maxmsgsize;
    // NULL asks a ZAP handler only when the socket names a domain (libzmq
    // 4.3); the session turns this off if no handler is bound.
    c.zap = !o.zap_domain.is_empty();
    c.zap_enforce_domain = o.zap_enforce_domain;
    c.plain_username = Bytes::copy_from_slice(&o.plain_username);
    c.plain_password = Bytes::copy_from_slice(&o.plain_password);
    c.curve = zmtp::CurveKeys {
        public: o.curve_public_key,
        secret: o.curve_secret_key,
        server: o.curve_server_key,
    };
    c.gssapi = zmtp::gssapi::GssapiConfig {
        principal: Bytes::copy_from_slice(&o.gss_principal),
        principal_nt: o.gss_principal_nt,
        service_principal: Bytes::copy_from_slice(&o.gss_service_principal),
        service_principal_nt: o.gss_service_principal_nt,
        plaintext: o.gss_plaintext,
    };
    c.metadata = o
        .app_metadata
        .iter()
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(k).into_owned(),
                Bytes::copy_from_slice(v),
            )
        })
        .collect();
    c
}
