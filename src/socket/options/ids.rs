//! The numbers of the socket options and of the values some of them take,
//! as zmq.h defines them. Numbers only: no checks, no storage.

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
