//! The server side of CURVE (RFC 26): it opens HELLO with its long-term
//! secret key, keeps no state for a client until INITIATE brings back its
//! cookie, checks the client's vouch, and boxes every message after READY.
//! With a ZAP handler it asks about the client's long-term public key;
//! without one any client that completes the handshake is accepted
//! (encryption without authentication).
//!
//! The order of the commands and the ZAP verdict are
//! `server_handshake`'s; this file only opens HELLO and INITIATE and
//! writes WELCOME and READY.

use bytes::Bytes;

use super::boxes::{boxer, nonce, open, seal, take_nonce};
use super::boxes::{CookieKey, MessageBoxes, SessionBox, Side, TAG_LEN};
use super::{crypto_failure, encode_properties, random, unexpected, CurveKeys};
use super::{HELLO_LEN, INITIATE_MIN_LEN, KEY_LEN, WELCOME_LEN};
use crate::zmtp::command::Properties;
use crate::zmtp::greeting::MechanismName;
use crate::zmtp::mechanism::{check_command_structure, parse_peer_properties};
use crate::zmtp::protocol_error as code;
use crate::zmtp::server_handshake::{Reply, ServerHandshake, ServerSteps};
use crate::zmtp::HandshakeError;

/// The server side of CURVE, as the handshake drives it.
pub type CurveServer = ServerHandshake<CurveServerSteps>;

impl CurveServer {
    /// `properties` is what READY announces; `secret` is our long-term
    /// secret key; `zap` says whether to ask a ZAP handler about clients.
    pub fn new(
        socket_type: i32,
        properties: &Properties,
        secret: &[u8; KEY_LEN],
        zap: bool,
    ) -> CurveServer {
        let steps = CurveServerSteps {
            socket_type,
            metadata: encode_properties(properties),
            keys: CurveKeys {
                secret: *secret,
                ..CurveKeys::default()
            },
            transient: None,
            to_client: None,
            client_transient: [0; KEY_LEN],
            client_key: [0; KEY_LEN],
            cookie_key: CookieKey::random(),
            next_nonce: 1,
            peer_nonce: 0,
            session: None,
        };
        ServerHandshake::with_steps(steps, zap)
    }
}

/// What a CURVE server keeps: the keys, the nonces, the boxes.
#[derive(Debug)]
pub struct CurveServerSteps {
    socket_type: i32,
    pub(super) metadata: Bytes,
    /// Our long-term secret key s (in `secret`).
    keys: CurveKeys,
    /// Our transient pair (S', s'), made for WELCOME: a HELLO that does
    /// not open costs no key generation (as in libzmq).
    transient: Option<CurveKeys>,
    /// Box (C', s), from HELLO, for WELCOME.
    to_client: Option<SessionBox>,
    /// The client's transient public key C', from HELLO.
    client_transient: [u8; KEY_LEN],
    /// The client's long-term public key C, from INITIATE.
    client_key: [u8; KEY_LEN],
    cookie_key: CookieKey,
    next_nonce: u64,
    peer_nonce: u64,
    /// Box (C', s'), from INITIATE on.
    session: Option<SessionBox>,
}

impl ServerSteps for CurveServerSteps {
    const NAME: MechanismName = MechanismName::CURVE;
    const ZAP_BEFORE: Reply = Reply::Ready;
    const OUT_OF_TURN: &'static str = "command out of turn in CURVE handshake";
    type Messages = MessageBoxes;

    fn process_hello(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        check_command_structure(body)?;
        if !body.starts_with(b"\x05HELLO") {
            return Err(unexpected());
        }
        let malformed =
            || HandshakeError::protocol(code::ZMTP_MALFORMED_COMMAND_HELLO, "malformed HELLO");
        if body.len() != HELLO_LEN || body[6..8] != [1, 0] {
            return Err(malformed());
        }
        self.client_transient.copy_from_slice(&body[80..112]);
        let short = &body[112..120];
        let signature = boxer(&self.client_transient, &self.keys.secret)
            .ok_or_else(|| crypto_failure("unusable client transient key"))?;
        open(&signature, &nonce(b"CurveZMQHELLO---", short), &body[120..])
            .ok_or_else(|| crypto_failure("HELLO box does not open"))?;
        self.to_client = Some(SessionBox(signature));
        self.peer_nonce = u64::from_be_bytes(short.try_into().expect("eight bytes"));
        Ok(())
    }

    fn welcome(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let transient = self.transient.insert(CurveKeys::transient());
        let mut plain = Vec::with_capacity(128);
        plain.extend_from_slice(&transient.public);
        self.cookie_key
            .seal(&self.client_transient, &transient.secret, &mut plain);

        let welcome_nonce: [u8; 16] = random();
        let to_client = self
            .to_client
            .take()
            .ok_or_else(|| crypto_failure("WELCOME before HELLO"))?
            .0;
        let mut out = Vec::with_capacity(WELCOME_LEN);
        out.extend_from_slice(b"\x07WELCOME");
        seal(&to_client, b"WELCOME-", &welcome_nonce, &plain, &mut out);
        debug_assert_eq!(out.len(), WELCOME_LEN);
        Ok(Bytes::from(out))
    }

    fn process_initiate(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<Properties, HandshakeError> {
        check_command_structure(body)?;
        if !body.starts_with(b"\x08INITIATE") {
            return Err(unexpected());
        }
        if body.len() < INITIATE_MIN_LEN {
            return Err(HandshakeError::protocol(
                code::ZMTP_MALFORMED_COMMAND_INITIATE,
                "INITIATE too short",
            ));
        }
        let transient = self
            .transient
            .as_ref()
            .ok_or_else(|| crypto_failure("INITIATE before WELCOME"))?;
        // The cookie must be ours and hold this connection's keys.
        let cookie = self
            .cookie_key
            .open(&body[9..105])
            .ok_or_else(|| crypto_failure("cookie does not open"))?;
        if cookie[..KEY_LEN] != self.client_transient || cookie[KEY_LEN..] != transient.secret {
            return Err(crypto_failure("cookie for another connection"));
        }

        let short = &body[105..113];
        let session = boxer(&self.client_transient, &transient.secret)
            .ok_or_else(|| crypto_failure("unusable client transient key"))?;
        let plain = open(&session, &nonce(b"CurveZMQINITIATE", short), &body[113..])
            .ok_or_else(|| crypto_failure("INITIATE box does not open"))?;
        self.peer_nonce = u64::from_be_bytes(short.try_into().expect("eight bytes"));

        // plain = C(32) vouch-nonce(16) vouch-box(80) metadata
        self.client_key.copy_from_slice(&plain[..KEY_LEN]);
        let vouch_box = boxer(&self.client_key, &transient.secret)
            .ok_or_else(|| crypto_failure("unusable client key"))?;
        let vouch = open(
            &vouch_box,
            &nonce(b"VOUCH---", &plain[32..48]),
            &plain[48..128],
        )
        .ok_or_else(|| crypto_failure("vouch does not open"))?;
        if vouch[..KEY_LEN] != self.client_transient {
            return Err(HandshakeError::protocol(
                code::ZMTP_KEY_EXCHANGE,
                "vouch for another transient key",
            ));
        }
        // libzmq raises no event for bad INITIATE metadata.
        let peer = parse_peer_properties(self.socket_type, &Bytes::copy_from_slice(&plain[128..]))
            .map_err(|e| HandshakeError::silent(e, "bad INITIATE metadata"))?;
        self.session = Some(SessionBox(session));
        Ok(peer)
    }

    fn ready(&mut self) -> std::result::Result<(Bytes, MessageBoxes), HandshakeError> {
        let short = take_nonce(&mut self.next_nonce)?;
        let session = self.session.take().expect("set by INITIATE");
        let mut out = Vec::with_capacity(14 + TAG_LEN + self.metadata.len());
        out.extend_from_slice(b"\x05READY");
        seal(
            &session.0,
            b"CurveZMQREADY---",
            &short,
            &self.metadata,
            &mut out,
        );
        let messages = session.into_messages(Side::Server, self.next_nonce, self.peer_nonce);
        Ok((Bytes::from(out), messages))
    }

    fn zap_credentials(&mut self) -> Vec<Bytes> {
        vec![Bytes::copy_from_slice(&self.client_key)]
    }
}
