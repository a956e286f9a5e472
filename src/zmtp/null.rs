//! The NULL security mechanism (RFC 23/37 §"The NULL Security Mechanism"):
//! no authentication and no confidentiality, only the READY metadata
//! exchange, and (when `ZMQ_ZAP_DOMAIN` asks for it) a ZAP verdict on the
//! peer before our READY goes out.

use bytes::Bytes;

use super::command::{self, Command, Properties};
use super::greeting::MechanismName;
use super::mechanism::{no_zap_request, peer_error, peer_socket_type_ok};
use super::mechanism::{Mechanism, MessageTransform, Outcome, ZapReply, ZapRequest};
use super::protocol_error as code;
use super::HandshakeError;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zap {
    NotUsed,
    RequestDue,
    AwaitingReply,
    Accepted,
}

/// The NULL mechanism (RFC 37 §"The NULL Security Mechanism"): each side
/// sends READY with its metadata without waiting for the other, and the
/// handshake is done once both READYs crossed. With ZAP, READY waits for
/// the handler's 200; a 400 or 500 sends ERROR with the code instead, a
/// 300 closes silently.
#[derive(Debug)]
pub struct NullMechanism {
    socket_type: i32,
    ready: Bytes,
    ready_sent: bool,
    ready_received: bool,
    zap: Zap,
    outcome: Outcome,
}

impl NullMechanism {
    /// `properties` is what our READY announces (see `basic_properties`);
    /// `socket_type` checks the peer's; `zap` says whether a ZAP handler
    /// must approve the peer first.
    pub fn new(socket_type: i32, properties: &Properties, zap: bool) -> NullMechanism {
        NullMechanism {
            socket_type,
            ready: Command::Ready(properties.clone()).to_bytes(),
            ready_sent: false,
            ready_received: false,
            zap: if zap { Zap::RequestDue } else { Zap::NotUsed },
            outcome: Outcome::default(),
        }
    }
}

fn unexpected() -> HandshakeError {
    HandshakeError::protocol(
        code::ZMTP_UNEXPECTED_COMMAND,
        "unexpected command in NULL handshake",
    )
}

/// NULL leaves messages as they are.
impl MessageTransform for NullMechanism {}

impl Mechanism for NullMechanism {
    fn name(&self) -> MechanismName {
        MechanismName::NULL
    }

    fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    fn outcome_mut(&mut self) -> &mut Outcome {
        &mut self.outcome
    }

    fn next_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        if self.ready_sent {
            return Ok(None);
        }
        match self.zap {
            Zap::RequestDue | Zap::AwaitingReply => Ok(None),
            Zap::NotUsed | Zap::Accepted => {
                self.ready_sent = true;
                Ok(Some(self.ready.clone()))
            }
        }
    }

    fn take_command(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        if self.ready_received {
            return Err(unexpected());
        }
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        match &name[..] {
            command::READY => {
                // libzmq raises no monitor event for bad NULL metadata or
                // an incompatible socket type; it just closes.
                let props = Properties::parse(&data)
                    .map_err(|e| HandshakeError::silent(e, "malformed READY metadata"))?;
                if !peer_socket_type_ok(self.socket_type, &props) {
                    return Err(HandshakeError::silent(
                        Error::Inval,
                        "incompatible peer socket type",
                    ));
                }
                self.outcome.peer = props;
                self.ready_received = true;
                Ok(())
            }
            command::ERROR => Err(peer_error(&data)),
            _ => Err(unexpected()),
        }
    }

    fn done(&self) -> bool {
        self.ready_sent && self.ready_received
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.zap != Zap::RequestDue || self.outcome.is_failed() {
            return None;
        }
        self.zap = Zap::AwaitingReply;
        Some(ZapRequest {
            mechanism: MechanismName::NULL,
            credentials: Vec::new(),
        })
    }

    fn process_zap_reply(&mut self, reply: ZapReply) -> std::result::Result<(), HandshakeError> {
        if self.zap != Zap::AwaitingReply {
            return Err(no_zap_request());
        }
        if self.outcome.take_zap_reply(reply, Some)? {
            self.zap = Zap::Accepted;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::basic_properties;
    use crate::zmtp::mechanism::testing::zap_request_due;
    use crate::zmtp::mechanism::MechanismStatus;
    use crate::zmtp::{socket_type, FailureEvent};

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    fn null(socket_type: i32, zap: bool) -> NullMechanism {
        let props = basic_properties(socket_type, &b(b"me"), &[]).unwrap();
        NullMechanism::new(socket_type, &props, zap)
    }

    #[test]
    fn ready_exchange() {
        let mut m = null(socket_type::DEALER, false);
        assert_eq!(m.status(), MechanismStatus::Handshaking);
        let ready = m.next_handshake_command().unwrap().unwrap();
        assert!(ready.starts_with(b"\x05READY\x0bSocket-Type"));
        assert_eq!(m.next_handshake_command().unwrap(), None);
        m.process_handshake_command(&b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER"))
            .unwrap();
        assert_eq!(m.status(), MechanismStatus::Ready);
        assert_eq!(
            m.peer_properties().get("Socket-Type").unwrap(),
            &b"ROUTER"[..]
        );
        // A second command is unexpected.
        let e = m.process_handshake_command(&b(b"\x05READY")).unwrap_err();
        assert_eq!(
            e.event,
            Some(FailureEvent::Protocol(code::ZMTP_UNEXPECTED_COMMAND))
        );
    }

    #[test]
    fn handshake_failures() {
        let unexpected = Some(FailureEvent::Protocol(code::ZMTP_UNEXPECTED_COMMAND));
        let malformed_error = Some(FailureEvent::Protocol(code::ZMTP_MALFORMED_COMMAND_ERROR));
        // (command body, expected event, expected errno)
        let cases: &[(&[u8], Option<FailureEvent>, Error)] = &[
            (b"\x05HELLO", unexpected, super::super::eproto()),
            (b"", unexpected, super::super::eproto()),
            (b"\x09READY", unexpected, super::super::eproto()),
            (b"\x05ERROR", malformed_error, super::super::eproto()),
            (b"\x05ERROR\x05abc", malformed_error, super::super::eproto()),
            (
                b"\x05ERROR\x03400",
                Some(FailureEvent::Auth(400)),
                super::super::eproto(),
            ),
            (
                b"\x05ERROR\x03300",
                Some(FailureEvent::Auth(300)),
                super::super::eproto(),
            ),
            (b"\x05ERROR\x03200", None, super::super::eproto()),
            (b"\x05ERROR\x04oops", None, super::super::eproto()),
            (
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH",
                None,
                Error::Inval,
            ),
            (
                b"\x05READY\x0bsocket-type\x00\x00\x00\x03PUB",
                None,
                Error::Inval,
            ),
            (
                b"\x05READY\x0bSocket-Type\x00\x00",
                None,
                super::super::eproto(),
            ),
            (
                b"\x05READY\x02a:\x00\x00\x00\x00",
                None,
                super::super::eproto(),
            ),
        ];
        for &(body, event, errno) in cases {
            let mut m = null(socket_type::DEALER, false);
            m.next_handshake_command().unwrap();
            let e = m
                .process_handshake_command(&Bytes::copy_from_slice(body))
                .unwrap_err();
            assert_eq!((e.event, e.error), (event, errno), "{body:?}");
            assert_eq!(m.status(), MechanismStatus::Failed(e));
        }
    }

    #[test]
    fn peer_without_socket_type_is_accepted() {
        let mut m = null(socket_type::PAIR, false);
        m.process_handshake_command(&b(b"\x05READY")).unwrap();
        m.next_handshake_command().unwrap().unwrap();
        assert_eq!(m.status(), MechanismStatus::Ready);
    }

    #[test]
    fn zap_accepts() {
        let mut m = null(socket_type::ROUTER, true);
        let req = zap_request_due(&mut m, "READY");
        assert_eq!(req.mechanism, MechanismName::NULL);
        assert!(req.credentials.is_empty());
        m.process_handshake_command(&b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER"))
            .unwrap();
        assert_eq!(m.status(), MechanismStatus::Handshaking);
        let mut meta = Properties::new();
        meta.push("X-Role", b(b"admin")).unwrap();
        m.process_zap_reply(ZapReply {
            status_code: 200,
            user_id: b(b"alice"),
            metadata: meta,
        })
        .unwrap();
        assert!(m.next_handshake_command().unwrap().is_some());
        assert_eq!(m.status(), MechanismStatus::Ready);
        assert_eq!(m.user_id().unwrap(), &b"alice"[..]);
        assert_eq!(m.zap_properties().get("user-id").unwrap(), &b"alice"[..]);
        assert_eq!(m.zap_properties().get("X-Role").unwrap(), &b"admin"[..]);
    }

    #[test]
    fn zap_refusals() {
        for (status, error_body) in [
            (400u32, Some(&b"\x05ERROR\x03400"[..])),
            (500, Some(b"\x05ERROR\x03500")),
            (300, None),
        ] {
            let mut m = null(socket_type::ROUTER, true);
            m.zap_request().unwrap();
            m.process_zap_reply(ZapReply {
                status_code: status,
                user_id: Bytes::new(),
                metadata: Properties::new(),
            })
            .unwrap();
            assert_eq!(m.next_handshake_command().unwrap().as_deref(), error_body);
            assert_eq!(
                m.next_handshake_command().unwrap(),
                None,
                "no READY after refusal"
            );
            let MechanismStatus::Failed(e) = m.status() else {
                panic!("not failed")
            };
            assert_eq!(e.event, Some(FailureEvent::Auth(status)));
        }
        let mut m = null(socket_type::ROUTER, false);
        let reply = ZapReply {
            status_code: 200,
            user_id: Bytes::new(),
            metadata: Properties::new(),
        };
        assert_eq!(m.process_zap_reply(reply).unwrap_err().error, Error::Fsm);
    }
}
