//! `zmq_getsockopt` for the options every socket keeps: each field read
//! back in libzmq's form and size, into the caller's buffer.

use super::codec::{put_curve_key, put_exact, put_string, put_value};
use super::{opt, Builds, Mechanism, Options, MS_PER_DECISECOND};
use crate::error::{Error, Result};

impl Options {
    pub(super) fn get_with(&self, option: i32, out: &mut [u8], b: Builds) -> Result<usize> {
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
