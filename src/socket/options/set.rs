//! `zmq_setsockopt` for the options every socket keeps: each value is
//! checked for size and range and stored in its field of `Options`, or
//! refused with `EINVAL` leaving the options unchanged. Nothing is acted
//! on here.

use super::codec::{
    fixed, id_filter, int_arg, int_in, loose_bool, strict_bool, text, text_or_clear,
};
use super::{
    kind, opt, val, Builds, Mechanism, Options, TcpAcceptFilter, CURVE_KEY_LEN, CURVE_KEY_Z85_LEN,
    DEVICE_NAME_MAX, MS_PER_DECISECOND, SHORT_TEXT_MAX,
};
use crate::error::{Error, Result};
use crate::z85;

impl Options {
    pub(super) fn set_with(&mut self, option: i32, value: &[u8], b: Builds) -> Result<()> {
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
}
