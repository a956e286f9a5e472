//! The security mechanism's exchange as whole commands (RFC 23 §
//! "Authentication and Confidentiality"): our commands out, the peer's in,
//! the ZAP hooks, then `Established`. It knows no framing: the ZMTP
//! handshake (`handshake`) frames the commands as ZMTP 3.x frames after a
//! greeting, the WebSocket engine as ZWS 2.0 messages with no greeting.
//!
//! Driving it: `poll_command` until it gives `None` after creation and
//! after every `handle_command`/`handle_zap_reply`, sending each body as a
//! command; `poll_zap_request` after each call; `status` says when it is
//! done, and `establish` then gives the traffic's mechanism and the peer's
//! properties.

use bytes::Bytes;

use super::curve::{CurveClient, CurveServer};
use super::gssapi::{GssapiClient, GssapiServer, KrbContext};
use super::handshake::{Config, Established, MechanismKind};
use super::mechanism::{basic_properties, Mechanism, MechanismStatus, ZapReply, ZapRequest};
use super::null::NullMechanism;
use super::plain::{PlainClient, PlainServer};
use super::traffic::Traffic;
use super::{socket_type, HandshakeError, Version};
use crate::msg::Metadata;

/// One connection's mechanism exchange.
#[derive(Debug)]
pub struct MechanismExchange {
    mechanism: Box<dyn Mechanism>,
    version: Version,
    max_msg_size: i64,
}

impl MechanismExchange {
    /// The exchange `config` asks for (`config` as `Config::checked` left
    /// it), with a peer speaking `version`.
    pub fn new(config: &Config, version: Version) -> MechanismExchange {
        let c = config;
        let props =
            basic_properties(c.socket_type, &c.routing_id, &c.metadata).expect("checked config");
        let mechanism: Box<dyn Mechanism> = match (c.mechanism, c.as_server) {
            (MechanismKind::Null, _) => Box::new(NullMechanism::new(c.socket_type, &props, c.zap)),
            (MechanismKind::Plain, true) => {
                Box::new(PlainServer::new(c.socket_type, &props, c.zap))
            }
            (MechanismKind::Plain, false) => Box::new(
                PlainClient::new(c.socket_type, &props, &c.plain_username, &c.plain_password)
                    .expect("checked config"),
            ),
            (MechanismKind::Curve, true) => Box::new(CurveServer::new(
                c.socket_type,
                &props,
                &c.curve.secret,
                c.zap,
            )),
            (MechanismKind::Curve, false) => {
                Box::new(CurveClient::new(c.socket_type, &props, &c.curve))
            }
            (MechanismKind::Gssapi, true) => Box::new(GssapiServer::new(
                c.socket_type,
                &props,
                Box::new(KrbContext::acceptor(&c.gssapi)),
                c.gssapi.plaintext,
                c.zap,
            )),
            (MechanismKind::Gssapi, false) => Box::new(GssapiClient::new(
                c.socket_type,
                &props,
                Box::new(KrbContext::initiator(&c.gssapi)),
                c.gssapi.plaintext,
            )),
        };
        MechanismExchange {
            mechanism,
            version,
            max_msg_size: c.max_msg_size,
        }
    }

    /// The largest command body the mechanism may take next
    /// (`zmtp::limits`).
    pub fn command_limit(&self) -> usize {
        self.mechanism.command_limit()
    }

    /// The body of the next command to send, if one is due now.
    pub fn poll_command(&mut self) -> Result<Option<Bytes>, HandshakeError> {
        self.mechanism.next_handshake_command()
    }

    /// Takes the body of a command the peer sent.
    pub fn handle_command(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        self.mechanism.process_handshake_command(body)
    }

    /// A request for the ZAP handler, once, when the mechanism needs one.
    pub fn poll_zap_request(&mut self) -> Option<ZapRequest> {
        self.mechanism.zap_request()
    }

    /// Takes the ZAP handler's verdict.
    pub fn handle_zap_reply(&mut self, reply: ZapReply) -> Result<(), HandshakeError> {
        self.mechanism.process_zap_reply(reply)
    }

    pub fn status(&self) -> MechanismStatus {
        self.mechanism.status()
    }

    /// The completed exchange (call once `status` is `Ready`).
    pub fn establish(self) -> Established {
        let mechanism = self.mechanism;
        let peer = mechanism.peer_properties();
        let peer_socket_type = peer
            .get("Socket-Type")
            .and_then(|name| socket_type::from_name(name));
        let peer_routing_id = peer.get("Identity").cloned();
        let mut metadata = Metadata::new();
        mechanism.zap_properties().merge_into(&mut metadata);
        peer.merge_into(&mut metadata);
        let user_id = mechanism.user_id().cloned();
        Established {
            peer_version: self.version,
            peer_socket_type,
            peer_routing_id,
            metadata,
            user_id,
            subscribe_all: false,
            traffic: Traffic::new(self.version, self.max_msg_size, Some(mechanism)),
        }
    }
}
