//! The client side of CURVE (RFC 26): it knows the server's long-term
//! public key, proves its own in INITIATE's vouch, and boxes every
//! message once READY has opened.
//!
//! The order of the commands is `client_handshake`'s; this file only
//! writes HELLO and INITIATE and opens WELCOME and READY.

use bytes::Bytes;

use super::boxes::{boxer, nonce, open, seal, take_nonce, MessageBoxes, SessionBox, Side};
use super::{crypto_failure, encode_properties, random, unexpected, CurveKeys};
use super::{COOKIE_LEN, HELLO_LEN, INITIATE_MIN_LEN, KEY_LEN, READY_MIN_LEN, WELCOME_LEN};
use crate::zmtp::client_handshake::{ClientHandshake, ClientSteps};
use crate::zmtp::command::Properties;
use crate::zmtp::greeting::MechanismName;
use crate::zmtp::mechanism::parse_peer_properties;
use crate::zmtp::protocol_error as code;
use crate::zmtp::HandshakeError;

/// The client side of CURVE, as the handshake drives it.
pub type CurveClient = ClientHandshake<CurveClientSteps>;

impl CurveClient {
    /// `properties` is what INITIATE announces; `keys` are ours (public
    /// and secret) and the server's public key.
    pub fn new(socket_type: i32, properties: &Properties, keys: &CurveKeys) -> CurveClient {
        ClientHandshake::with_steps(CurveClientSteps {
            socket_type,
            metadata: encode_properties(properties),
            keys: keys.clone(),
            transient: CurveKeys::transient(),
            next_nonce: 1,
            server_transient: [0; KEY_LEN],
            cookie: [0; COOKIE_LEN],
            session: None,
        })
    }
}

/// What a CURVE client keeps: the keys, the nonces, the boxes.
#[derive(Debug)]
pub struct CurveClientSteps {
    socket_type: i32,
    pub(super) metadata: Bytes,
    keys: CurveKeys,
    /// Our transient key pair (C', c').
    transient: CurveKeys,
    next_nonce: u64,
    /// The server's transient public key S' and the cookie, from WELCOME.
    server_transient: [u8; KEY_LEN],
    cookie: [u8; COOKIE_LEN],
    /// Box (S', c'), from WELCOME on.
    session: Option<SessionBox>,
}

impl ClientSteps for CurveClientSteps {
    const NAME: MechanismName = MechanismName::CURVE;
    type Messages = MessageBoxes;

    fn unexpected() -> HandshakeError {
        unexpected()
    }

    fn hello(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let short = take_nonce(&mut self.next_nonce)?;
        let signature = boxer(&self.keys.server, &self.transient.secret)
            .ok_or_else(|| crypto_failure("unusable server key"))?;
        let mut out = Vec::with_capacity(HELLO_LEN);
        out.extend_from_slice(b"\x05HELLO\x01\x00");
        out.resize(80, 0);
        out.extend_from_slice(&self.transient.public);
        seal(
            &signature,
            b"CurveZMQHELLO---",
            &short,
            &[0u8; 64],
            &mut out,
        );
        debug_assert_eq!(out.len(), HELLO_LEN);
        Ok(Bytes::from(out))
    }

    fn process_welcome(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        // libzmq reports a WELCOME of the wrong size as a cryptographic error.
        if body.len() != WELCOME_LEN {
            return Err(crypto_failure("WELCOME of the wrong size"));
        }
        let from_server = boxer(&self.keys.server, &self.transient.secret)
            .ok_or_else(|| crypto_failure("unusable server key"))?;
        let plain = open(&from_server, &nonce(b"WELCOME-", &body[8..24]), &body[24..])
            .ok_or_else(|| crypto_failure("WELCOME box does not open"))?;
        self.server_transient.copy_from_slice(&plain[..KEY_LEN]);
        self.cookie
            .copy_from_slice(&plain[KEY_LEN..KEY_LEN + COOKIE_LEN]);
        self.session = Some(SessionBox(
            boxer(&self.server_transient, &self.transient.secret)
                .ok_or_else(|| crypto_failure("unusable server transient key"))?,
        ));
        Ok(())
    }

    fn initiate(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let session = &self.session.as_ref().expect("set by WELCOME").0;
        // vouch = nonce(16) Box[C' + S](C->S')
        let vouch_nonce: [u8; 16] = random();
        let vouch_box = boxer(&self.server_transient, &self.keys.secret)
            .ok_or_else(|| crypto_failure("unusable server transient key"))?;
        let mut vouched = [0u8; 2 * KEY_LEN];
        vouched[..KEY_LEN].copy_from_slice(&self.transient.public);
        vouched[KEY_LEN..].copy_from_slice(&self.keys.server);
        let mut plain = Vec::with_capacity(128 + self.metadata.len());
        plain.extend_from_slice(&self.keys.public);
        seal(&vouch_box, b"VOUCH---", &vouch_nonce, &vouched, &mut plain);
        plain.extend_from_slice(&self.metadata);

        let short = take_nonce(&mut self.next_nonce)?;
        let mut out = Vec::with_capacity(INITIATE_MIN_LEN + self.metadata.len());
        out.extend_from_slice(b"\x08INITIATE");
        out.extend_from_slice(&self.cookie);
        seal(session, b"CurveZMQINITIATE", &short, &plain, &mut out);
        zeroize::Zeroize::zeroize(&mut plain);
        Ok(Bytes::from(out))
    }

    fn process_ready(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<(Properties, MessageBoxes), HandshakeError> {
        if body.len() < READY_MIN_LEN {
            return Err(HandshakeError::protocol(
                code::ZMTP_MALFORMED_COMMAND_READY,
                "READY too short",
            ));
        }
        let short = &body[6..14];
        let session = &self.session.as_ref().expect("set by WELCOME").0;
        let plain = open(session, &nonce(b"CurveZMQREADY---", short), &body[14..])
            .ok_or_else(|| crypto_failure("READY box does not open"))?;
        let peer = parse_peer_properties(self.socket_type, &Bytes::from(plain)).map_err(|_| {
            HandshakeError::protocol(code::ZMTP_INVALID_METADATA, "bad READY metadata")
        })?;
        let peer_nonce = u64::from_be_bytes(short.try_into().expect("eight bytes"));
        let session = self.session.take().expect("set by WELCOME");
        Ok((
            peer,
            session.into_messages(Side::Client, self.next_nonce, peer_nonce),
        ))
    }
}
