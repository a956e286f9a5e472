//! The value every option has before `zmq_setsockopt`: libzmq's defaults,
//! with the few that follow the context (`ZMQ_BLOCKY`, `ZMQ_IPV6`) or the
//! socket type.

use std::collections::{BTreeMap, BTreeSet};

use super::{kind, val, Mechanism, Options, CURVE_KEY_LEN};
use crate::ctx::CtxOptions;

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
}
