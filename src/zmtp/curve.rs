//! The CURVE security mechanism: CurveZMQ (RFC 26) inside ZMTP (RFC 25),
//! with X25519 key agreement and XSalsa20-Poly1305 boxes laid out as NaCl's
//! `crypto_box` lays them out (16-byte tag, then the ciphertext).
//!
//! ```text
//! C: HELLO    = %d5 "HELLO" %x1 %x0 72%x00 C' nonce(8) Box[64 * %x0](C'->S)
//! S: WELCOME  = %d7 "WELCOME" nonce(16) Box[S' + cookie](S->C')
//!    cookie   = nonce(16) SecretBox[C' + s'](K)                  (K: cookie key)
//! C: INITIATE = %d8 "INITIATE" cookie nonce(8) Box[C + vouch + metadata](C'->S')
//!    vouch    = nonce(16) Box[C' + S](C->S')
//! S: READY    = %d5 "READY" nonce(8) Box[metadata](S'->C')
//! S: ERROR    = %d5 "ERROR" reason               (ZAP refusal, instead of READY)
//! then every frame, either way: %d7 "MESSAGE" nonce(8) Box[flags + payload]
//! ```
//!
//! Short nonces (8 bytes) count up from 1 on each side and follow a 16-byte
//! prefix naming the command (`CurveZMQHELLO---`, `CurveZMQMESSAGEC`, ...);
//! long nonces are 16 random bytes after an 8-byte prefix. A received
//! MESSAGE must carry a nonce above every earlier one from that peer. The
//! MESSAGE flags byte carries MORE (bit 0) and COMMAND (bit 1): PING,
//! SUBSCRIBE and the like travel boxed too. The frame around a MESSAGE
//! has no flags set, as libzmq sends it.
//!
//! Failures raise libzmq's monitor events: a box that does not open is
//! `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`, a HELLO of the wrong size or
//! version `MALFORMED_COMMAND_HELLO`, and so on. A key that gives an
//! all-zero shared secret (a low-order point) counts as a box that does
//! not open, as libsodium refuses it.
//!
//! Nothing here does I/O; randomness comes from the OS (getrandom).

use std::fmt;

use bytes::{Bytes, BytesMut};
use crypto_box::aead::consts::U24;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{AeadCore, AeadInPlace, KeyInit, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use crypto_secretbox::XSalsa20Poly1305;
use curve25519_dalek::montgomery::MontgomeryPoint;

use super::command::{self, Properties};
use super::greeting::MechanismName;
use super::mechanism::{check_command_structure, parse_peer_properties, peer_error};
use super::mechanism::{Mechanism, MechanismStatus, ZapGrant, ZapReply, ZapRequest};
use super::protocol_error as code;
use super::{eproto, HandshakeError};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg, INLINE_MAX};

/// Bytes in a key, public or secret.
pub const KEY_LEN: usize = 32;
/// Bytes a box adds to what it holds (the Poly1305 tag).
const TAG_LEN: usize = 16;

const HELLO_LEN: usize = 200;
const WELCOME_LEN: usize = 168;
const COOKIE_LEN: usize = 96;
/// HELLO and the smallest INITIATE (no metadata), as RFC 26 sizes them.
const INITIATE_MIN_LEN: usize = 257;
const READY_MIN_LEN: usize = 30;
/// `%d7 "MESSAGE"` and the short nonce before a message box.
const MESSAGE_HEADER_LEN: usize = 16;
const MESSAGE_NAME: &[u8] = b"\x07MESSAGE";

const WELCOME: &[u8] = b"WELCOME";

/// The keys a socket is configured with (`ZMQ_CURVE_PUBLICKEY`,
/// `ZMQ_CURVE_SECRETKEY`, `ZMQ_CURVE_SERVERKEY`). A server uses only
/// `secret`; a client uses all three.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CurveKeys {
    pub public: [u8; KEY_LEN],
    pub secret: [u8; KEY_LEN],
    pub server: [u8; KEY_LEN],
}

impl fmt::Debug for CurveKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveKeys")
            .field("public", &self.public)
            .field("secret", &"<hidden>")
            .field("server", &self.server)
            .finish()
    }
}

impl Drop for CurveKeys {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// The public key of `secret` (X25519 with the base point, clamped as
/// NaCl clamps).
pub fn public_key(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
}

/// A new random key pair: (public, secret).
pub fn keypair() -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
    let mut secret = [0u8; KEY_LEN];
    OsRng.fill_bytes(&mut secret);
    (public_key(&secret), secret)
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// A 24-byte nonce from a prefix and the bytes on the wire.
fn nonce(prefix: &[u8], tail: &[u8]) -> crypto_box::Nonce {
    debug_assert_eq!(prefix.len() + tail.len(), 24);
    let mut n = crypto_box::Nonce::default();
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

/// The box between `public` and `secret`, or `None` when their shared
/// secret is all zeros (a low-order public key).
fn boxer(public: &[u8; KEY_LEN], secret: &[u8; KEY_LEN]) -> Option<SalsaBox> {
    let shared = MontgomeryPoint(*public).mul_clamped(*secret);
    if shared.to_bytes() == [0u8; KEY_LEN] {
        return None;
    }
    Some(SalsaBox::new(
        &PublicKey::from(*public),
        &SecretKey::from(*secret),
    ))
}

/// Appends `Box[plaintext]` (tag, then ciphertext) to `out`.
fn seal<A>(cipher: &A, nonce: &crypto_box::Nonce, plaintext: &[u8], out: &mut Vec<u8>)
where
    A: AeadInPlace + AeadCore<NonceSize = U24>,
{
    let start = out.len();
    out.resize(start + TAG_LEN, 0);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_in_place_detached(nonce, b"", &mut out[start + TAG_LEN..])
        .expect("no associated data, any length");
    out[start..start + TAG_LEN].copy_from_slice(&tag);
}

/// Opens a box (tag, then ciphertext); `None` if it does not open. Both
/// `crypto_box` and the cookie's `crypto_secretbox` go through these two.
fn open<A>(cipher: &A, nonce: &crypto_box::Nonce, boxed: &[u8]) -> Option<Vec<u8>>
where
    A: AeadInPlace + AeadCore<NonceSize = U24>,
{
    if boxed.len() < TAG_LEN {
        return None;
    }
    let (tag, ciphertext) = boxed.split_at(TAG_LEN);
    let mut plain = ciphertext.to_vec();
    cipher
        .decrypt_in_place_detached(nonce, b"", &mut plain, GenericArray::from_slice(tag))
        .ok()?;
    Some(plain)
}

fn crypto_failure(reason: &'static str) -> HandshakeError {
    HandshakeError::protocol(code::ZMTP_CRYPTOGRAPHIC, reason)
}

fn unexpected() -> HandshakeError {
    HandshakeError::protocol(
        code::ZMTP_UNEXPECTED_COMMAND,
        "unexpected command in CURVE handshake",
    )
}

/// The next short nonce to send, counting up from 1.
fn take_nonce(next: &mut u64) -> std::result::Result<[u8; 8], HandshakeError> {
    let n = *next;
    *next = n
        .checked_add(1)
        .ok_or_else(|| crypto_failure("short nonces exhausted"))?;
    Ok(n.to_be_bytes())
}

fn encode_properties(props: &Properties) -> Bytes {
    let mut out = BytesMut::new();
    props.emit(&mut out);
    out.freeze()
}

/// The MESSAGE boxes of an established connection, either way.
struct MessageBoxes {
    session: SalsaBox,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
    next_nonce: u64,
    /// The highest nonce received so far (from the handshake, then from
    /// messages): each MESSAGE must exceed it.
    peer_nonce: u64,
}

impl fmt::Debug for MessageBoxes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBoxes")
            .field("next_nonce", &self.next_nonce)
            .field("peer_nonce", &self.peer_nonce)
            .finish_non_exhaustive()
    }
}

impl MessageBoxes {
    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        let short = take_nonce(&mut self.next_nonce).map_err(|e| e.error)?;
        let n = nonce(self.send_prefix, &short);
        let payload = msg.data();
        let mut out = Vec::with_capacity(MESSAGE_HEADER_LEN + TAG_LEN + 1 + payload.len());
        out.extend_from_slice(MESSAGE_NAME);
        out.extend_from_slice(&short);
        out.resize(MESSAGE_HEADER_LEN + TAG_LEN, 0);
        out.push(msg.flags() & (flags::MORE | flags::COMMAND));
        out.extend_from_slice(payload);
        let tag = self
            .session
            .encrypt_in_place_detached(&n, b"", &mut out[MESSAGE_HEADER_LEN + TAG_LEN..])
            .map_err(|_| eproto())?;
        out[MESSAGE_HEADER_LEN..MESSAGE_HEADER_LEN + TAG_LEN].copy_from_slice(&tag);
        Ok(Msg::from_bytes(Bytes::from(out)))
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        let data = msg.data();
        if !data.starts_with(MESSAGE_NAME) || data.len() < MESSAGE_HEADER_LEN + TAG_LEN + 1 {
            return Err(eproto());
        }
        let short: [u8; 8] = data[8..16].try_into().expect("eight bytes");
        let value = u64::from_be_bytes(short);
        if value <= self.peer_nonce {
            return Err(eproto());
        }
        let plain = open(
            &self.session,
            &nonce(self.recv_prefix, &short),
            &data[MESSAGE_HEADER_LEN..],
        )
        .ok_or_else(eproto)?;
        self.peer_nonce = value;
        let msg_flags = plain[0] & (flags::MORE | flags::COMMAND);
        let mut out = if plain.len() - 1 <= INLINE_MAX {
            Msg::from_slice(&plain[1..])
        } else {
            Msg::from_bytes(Bytes::from(plain).slice(1..))
        };
        out.set_flags(msg_flags);
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    AwaitWelcome,
    SendInitiate,
    AwaitReady,
    Ready,
}

/// The client side of CURVE: it knows the server's long-term public key.
pub struct CurveClient {
    socket_type: i32,
    metadata: Bytes,
    keys: CurveKeys,
    /// Our transient key pair (C', c').
    transient: CurveKeys,
    state: ClientState,
    next_nonce: u64,
    /// The server's transient public key S' and the cookie, from WELCOME.
    server_transient: [u8; KEY_LEN],
    cookie: [u8; COOKIE_LEN],
    /// Box (S', c'), from WELCOME on.
    session: Option<SalsaBox>,
    messages: Option<MessageBoxes>,
    failure: Option<HandshakeError>,
    peer: Properties,
    no_zap: Properties,
}

impl fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveClient")
            .field("state", &self.state)
            .field("failure", &self.failure)
            .field("messages", &self.messages)
            .finish_non_exhaustive()
    }
}

impl CurveClient {
    /// `properties` is what INITIATE announces; `keys` are ours (public
    /// and secret) and the server's public key.
    pub fn new(socket_type: i32, properties: &Properties, keys: &CurveKeys) -> CurveClient {
        let (public, secret) = keypair();
        CurveClient {
            socket_type,
            metadata: encode_properties(properties),
            keys: keys.clone(),
            transient: CurveKeys {
                public,
                secret,
                server: [0; KEY_LEN],
            },
            state: ClientState::SendHello,
            next_nonce: 1,
            server_transient: [0; KEY_LEN],
            cookie: [0; COOKIE_LEN],
            session: None,
            messages: None,
            failure: None,
            peer: Properties::new(),
            no_zap: Properties::new(),
        }
    }

    fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.failure = Some(e);
        e
    }

    fn hello(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let short = take_nonce(&mut self.next_nonce)?;
        let signature = boxer(&self.keys.server, &self.transient.secret)
            .ok_or_else(|| crypto_failure("unusable server key"))?;
        let mut out = Vec::with_capacity(HELLO_LEN);
        out.extend_from_slice(b"\x05HELLO\x01\x00");
        out.resize(80, 0);
        out.extend_from_slice(&self.transient.public);
        out.extend_from_slice(&short);
        seal(
            &signature,
            &nonce(b"CurveZMQHELLO---", &short),
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
        self.session = Some(
            boxer(&self.server_transient, &self.transient.secret)
                .ok_or_else(|| crypto_failure("unusable server transient key"))?,
        );
        self.state = ClientState::SendInitiate;
        Ok(())
    }

    fn initiate(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let session = self.session.as_ref().expect("set by WELCOME");
        // vouch = nonce(16) Box[C' + S](C->S')
        let vouch_nonce: [u8; 16] = random();
        let vouch_box = boxer(&self.server_transient, &self.keys.secret)
            .ok_or_else(|| crypto_failure("unusable server transient key"))?;
        let mut vouched = [0u8; 2 * KEY_LEN];
        vouched[..KEY_LEN].copy_from_slice(&self.transient.public);
        vouched[KEY_LEN..].copy_from_slice(&self.keys.server);
        let mut plain = Vec::with_capacity(128 + self.metadata.len());
        plain.extend_from_slice(&self.keys.public);
        plain.extend_from_slice(&vouch_nonce);
        seal(
            &vouch_box,
            &nonce(b"VOUCH---", &vouch_nonce),
            &vouched,
            &mut plain,
        );
        plain.extend_from_slice(&self.metadata);

        let short = take_nonce(&mut self.next_nonce)?;
        let mut out = Vec::with_capacity(INITIATE_MIN_LEN + self.metadata.len());
        out.extend_from_slice(b"\x08INITIATE");
        out.extend_from_slice(&self.cookie);
        out.extend_from_slice(&short);
        seal(
            session,
            &nonce(b"CurveZMQINITIATE", &short),
            &plain,
            &mut out,
        );
        zeroize::Zeroize::zeroize(&mut plain);
        Ok(Bytes::from(out))
    }

    fn process_ready(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        if body.len() < READY_MIN_LEN {
            return Err(HandshakeError::protocol(
                code::ZMTP_MALFORMED_COMMAND_READY,
                "READY too short",
            ));
        }
        let short = &body[6..14];
        let session = self.session.as_ref().expect("set by WELCOME");
        let plain = open(session, &nonce(b"CurveZMQREADY---", short), &body[14..])
            .ok_or_else(|| crypto_failure("READY box does not open"))?;
        self.peer = parse_peer_properties(self.socket_type, &Bytes::from(plain)).map_err(|_| {
            HandshakeError::protocol(code::ZMTP_INVALID_METADATA, "bad READY metadata")
        })?;
        self.messages = Some(MessageBoxes {
            session: self.session.take().expect("set by WELCOME"),
            send_prefix: b"CurveZMQMESSAGEC",
            recv_prefix: b"CurveZMQMESSAGES",
            next_nonce: self.next_nonce,
            peer_nonce: u64::from_be_bytes(short.try_into().expect("eight bytes")),
        });
        self.state = ClientState::Ready;
        Ok(())
    }

    fn process(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
        let (name, data) = command::split(body).map_err(|_| unexpected())?;
        match (&name[..], self.state) {
            (WELCOME, ClientState::AwaitWelcome) => self.process_welcome(body),
            (command::READY, ClientState::AwaitReady) => self.process_ready(body),
            (command::ERROR, ClientState::AwaitWelcome | ClientState::AwaitReady) => {
                Err(peer_error(&data))
            }
            _ => Err(unexpected()),
        }
    }
}

impl Mechanism for CurveClient {
    fn name(&self) -> MechanismName {
        MechanismName::CURVE
    }

    fn next_handshake_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        if self.failure.is_some() {
            return Ok(None);
        }
        let command = match self.state {
            ClientState::SendHello => {
                self.state = ClientState::AwaitWelcome;
                self.hello()
            }
            ClientState::SendInitiate => {
                self.state = ClientState::AwaitReady;
                self.initiate()
            }
            _ => return Ok(None),
        };
        command.map(Some).map_err(|e| self.fail(e))
    }

    fn process_handshake_command(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<(), HandshakeError> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        self.process(body).map_err(|e| self.fail(e))
    }

    fn status(&self) -> MechanismStatus {
        match (self.failure, self.state) {
            (Some(e), _) => MechanismStatus::Failed(e),
            (None, ClientState::Ready) => MechanismStatus::Ready,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn zap_properties(&self) -> &Properties {
        &self.no_zap
    }

    fn transforms(&self) -> bool {
        true
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.as_mut().ok_or(Error::Fsm)?.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.as_mut().ok_or(Error::Fsm)?.decode(msg)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    AwaitHello,
    SendWelcome,
    AwaitInitiate,
    ZapRequestDue,
    AwaitZap,
    SendReady,
    Ready,
}

/// The server side of CURVE. With a ZAP handler it asks about the client's
/// long-term public key; without one any client that completes the
/// handshake is accepted (encryption without authentication).
pub struct CurveServer {
    socket_type: i32,
    metadata: Bytes,
    /// Our long-term secret key s (in `secret`) and transient pair (S', s').
    keys: CurveKeys,
    transient: CurveKeys,
    zap: bool,
    state: ServerState,
    /// The client's transient public key C', from HELLO.
    client_transient: [u8; KEY_LEN],
    /// The client's long-term public key C, from INITIATE.
    client_key: [u8; KEY_LEN],
    cookie_key: [u8; KEY_LEN],
    next_nonce: u64,
    peer_nonce: u64,
    /// Box (C', s'), from INITIATE on.
    session: Option<SalsaBox>,
    messages: Option<MessageBoxes>,
    error_due: Option<Bytes>,
    failure: Option<HandshakeError>,
    peer: Properties,
    grant: ZapGrant,
}

impl fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveServer")
            .field("state", &self.state)
            .field("zap", &self.zap)
            .field("failure", &self.failure)
            .field("messages", &self.messages)
            .finish_non_exhaustive()
    }
}

impl Drop for CurveServer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.cookie_key);
    }
}

impl CurveServer {
    /// `properties` is what READY announces; `secret` is our long-term
    /// secret key; `zap` says whether to ask a ZAP handler about clients.
    pub fn new(
        socket_type: i32,
        properties: &Properties,
        secret: &[u8; KEY_LEN],
        zap: bool,
    ) -> CurveServer {
        let (public, transient_secret) = keypair();
        CurveServer {
            socket_type,
            metadata: encode_properties(properties),
            keys: CurveKeys {
                secret: *secret,
                ..CurveKeys::default()
            },
            transient: CurveKeys {
                public,
                secret: transient_secret,
                server: [0; KEY_LEN],
            },
            zap,
            state: ServerState::AwaitHello,
            client_transient: [0; KEY_LEN],
            client_key: [0; KEY_LEN],
            cookie_key: random(),
            next_nonce: 1,
            peer_nonce: 0,
            session: None,
            messages: None,
            error_due: None,
            failure: None,
            peer: Properties::new(),
            grant: ZapGrant::default(),
        }
    }

    fn fail(&mut self, e: HandshakeError) -> HandshakeError {
        self.failure = Some(e);
        e
    }

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
        self.peer_nonce = u64::from_be_bytes(short.try_into().expect("eight bytes"));
        self.state = ServerState::SendWelcome;
        Ok(())
    }

    fn welcome(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        // cookie = nonce(16) SecretBox[C' + s'](K)
        let cookie_nonce: [u8; 16] = random();
        let cookie_box = XSalsa20Poly1305::new(&self.cookie_key.into());
        let mut cookie_plain = [0u8; 2 * KEY_LEN];
        cookie_plain[..KEY_LEN].copy_from_slice(&self.client_transient);
        cookie_plain[KEY_LEN..].copy_from_slice(&self.transient.secret);
        let mut plain = Vec::with_capacity(128);
        plain.extend_from_slice(&self.transient.public);
        plain.extend_from_slice(&cookie_nonce);
        seal(
            &cookie_box,
            &nonce(b"COOKIE--", &cookie_nonce),
            &cookie_plain,
            &mut plain,
        );
        zeroize::Zeroize::zeroize(&mut cookie_plain);

        let welcome_nonce: [u8; 16] = random();
        let to_client = boxer(&self.client_transient, &self.keys.secret)
            .ok_or_else(|| crypto_failure("unusable client transient key"))?;
        let mut out = Vec::with_capacity(WELCOME_LEN);
        out.extend_from_slice(b"\x07WELCOME");
        out.extend_from_slice(&welcome_nonce);
        seal(
            &to_client,
            &nonce(b"WELCOME-", &welcome_nonce),
            &plain,
            &mut out,
        );
        debug_assert_eq!(out.len(), WELCOME_LEN);
        Ok(Bytes::from(out))
    }

    fn process_initiate(&mut self, body: &Bytes) -> std::result::Result<(), HandshakeError> {
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
        // The cookie must be ours and hold this connection's keys.
        let cookie_box = XSalsa20Poly1305::new(&self.cookie_key.into());
        let cookie = open(
            &cookie_box,
            &nonce(b"COOKIE--", &body[9..25]),
            &body[25..105],
        )
        .ok_or_else(|| crypto_failure("cookie does not open"))?;
        if cookie[..KEY_LEN] != self.client_transient || cookie[KEY_LEN..] != self.transient.secret
        {
            return Err(crypto_failure("cookie for another connection"));
        }

        let short = &body[105..113];
        let session = boxer(&self.client_transient, &self.transient.secret)
            .ok_or_else(|| crypto_failure("unusable client transient key"))?;
        let plain = open(&session, &nonce(b"CurveZMQINITIATE", short), &body[113..])
            .ok_or_else(|| crypto_failure("INITIATE box does not open"))?;
        self.peer_nonce = u64::from_be_bytes(short.try_into().expect("eight bytes"));

        // plain = C(32) vouch-nonce(16) vouch-box(80) metadata
        self.client_key.copy_from_slice(&plain[..KEY_LEN]);
        let vouch_box = boxer(&self.client_key, &self.transient.secret)
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
        self.peer = parse_peer_properties(self.socket_type, &Bytes::copy_from_slice(&plain[128..]))
            .map_err(|e| HandshakeError::silent(e, "bad INITIATE metadata"))?;
        self.session = Some(session);
        self.state = if self.zap {
            ServerState::ZapRequestDue
        } else {
            ServerState::SendReady
        };
        Ok(())
    }

    fn ready(&mut self) -> std::result::Result<Bytes, HandshakeError> {
        let short = take_nonce(&mut self.next_nonce)?;
        let session = self.session.take().expect("set by INITIATE");
        let mut out = Vec::with_capacity(14 + TAG_LEN + self.metadata.len());
        out.extend_from_slice(b"\x05READY");
        out.extend_from_slice(&short);
        seal(
            &session,
            &nonce(b"CurveZMQREADY---", &short),
            &self.metadata,
            &mut out,
        );
        self.messages = Some(MessageBoxes {
            session,
            send_prefix: b"CurveZMQMESSAGES",
            recv_prefix: b"CurveZMQMESSAGEC",
            next_nonce: self.next_nonce,
            peer_nonce: self.peer_nonce,
        });
        Ok(Bytes::from(out))
    }
}

impl Mechanism for CurveServer {
    fn name(&self) -> MechanismName {
        MechanismName::CURVE
    }

    fn next_handshake_command(&mut self) -> std::result::Result<Option<Bytes>, HandshakeError> {
        if let Some(error) = self.error_due.take() {
            return Ok(Some(error));
        }
        if self.failure.is_some() {
            return Ok(None);
        }
        let command = match self.state {
            ServerState::SendWelcome => {
                self.state = ServerState::AwaitInitiate;
                self.welcome()
            }
            ServerState::SendReady => {
                self.state = ServerState::Ready;
                self.ready()
            }
            _ => return Ok(None),
        };
        command.map(Some).map_err(|e| self.fail(e))
    }

    fn process_handshake_command(
        &mut self,
        body: &Bytes,
    ) -> std::result::Result<(), HandshakeError> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        let result = match self.state {
            ServerState::AwaitHello => self.process_hello(body),
            ServerState::AwaitInitiate => self.process_initiate(body),
            _ => Err(HandshakeError::protocol(
                code::ZMTP_UNSPECIFIED,
                "command out of turn in CURVE handshake",
            )),
        };
        result.map_err(|e| self.fail(e))
    }

    fn status(&self) -> MechanismStatus {
        match (self.failure, self.state) {
            (Some(e), _) => MechanismStatus::Failed(e),
            (None, ServerState::Ready) => MechanismStatus::Ready,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.state != ServerState::ZapRequestDue || self.failure.is_some() {
            return None;
        }
        self.state = ServerState::AwaitZap;
        Some(ZapRequest {
            mechanism: MechanismName::CURVE,
            credentials: vec![Bytes::copy_from_slice(&self.client_key)],
        })
    }

    fn process_zap_reply(&mut self, reply: ZapReply) -> std::result::Result<(), HandshakeError> {
        if self.state != ServerState::AwaitZap || self.failure.is_some() {
            return Err(HandshakeError::silent(
                Error::Fsm,
                "ZAP reply without a request",
            ));
        }
        match self.grant.take(reply).map_err(|e| self.fail(e))? {
            None => self.state = ServerState::SendReady,
            Some(r) => {
                self.error_due = r.error;
                self.fail(r.failure);
            }
        }
        Ok(())
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn zap_properties(&self) -> &Properties {
        &self.grant.properties
    }

    fn user_id(&self) -> Option<&Bytes> {
        self.grant.user_id.as_ref()
    }

    fn transforms(&self) -> bool {
        true
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.as_mut().ok_or(Error::Fsm)?.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg> {
        self.messages.as_mut().ok_or(Error::Fsm)?.decode(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::basic_properties;
    use crate::zmtp::{socket_type, FailureEvent};

    /// The test keys of zmq_curve(7).
    const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
    const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

    fn key(z85: &[u8]) -> [u8; KEY_LEN] {
        crate::z85::decode(z85).unwrap().try_into().unwrap()
    }

    fn client_keys() -> CurveKeys {
        CurveKeys {
            public: key(CLIENT_PUBLIC),
            secret: key(CLIENT_SECRET),
            server: key(SERVER_PUBLIC),
        }
    }

    fn client_with(keys: &CurveKeys) -> CurveClient {
        let props =
            basic_properties(socket_type::DEALER, &Bytes::from_static(b"cli"), &[]).unwrap();
        CurveClient::new(socket_type::DEALER, &props, keys)
    }

    fn server(zap: bool) -> CurveServer {
        let props = basic_properties(socket_type::ROUTER, &Bytes::new(), &[]).unwrap();
        CurveServer::new(socket_type::ROUTER, &props, &key(SERVER_SECRET), zap)
    }

    fn pass(
        from: &mut dyn Mechanism,
        to: &mut dyn Mechanism,
    ) -> std::result::Result<usize, HandshakeError> {
        let mut n = 0;
        while let Some(cmd) = from.next_handshake_command()? {
            to.process_handshake_command(&cmd)?;
            n += 1;
        }
        Ok(n)
    }

    fn protocol(e: HandshakeError) -> Option<u32> {
        match e.event {
            Some(FailureEvent::Protocol(c)) => Some(c),
            _ => None,
        }
    }

    /// Runs a whole handshake without ZAP.
    fn established() -> (CurveClient, CurveServer) {
        let mut c = client_with(&client_keys());
        let mut s = server(false);
        assert_eq!(pass(&mut c, &mut s).unwrap(), 1); // HELLO
        assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // WELCOME
        assert_eq!(pass(&mut c, &mut s).unwrap(), 1); // INITIATE
        assert_eq!(pass(&mut s, &mut c).unwrap(), 1); // READY
        assert_eq!(c.status(), MechanismStatus::Ready);
        assert_eq!(s.status(), MechanismStatus::Ready);
        (c, s)
    }

    fn msg(data: &[u8], msg_flags: u8) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_flags(msg_flags);
        m
    }

    fn body(m: &mut dyn Mechanism) -> Bytes {
        m.next_handshake_command().unwrap().unwrap()
    }

    fn flip(b: &Bytes, at: usize) -> Bytes {
        let mut v = b.to_vec();
        v[at] ^= 0x01;
        Bytes::from(v)
    }

    #[test]
    fn derives_the_documented_public_keys() {
        assert_eq!(public_key(&key(CLIENT_SECRET)), key(CLIENT_PUBLIC));
        assert_eq!(public_key(&key(SERVER_SECRET)), key(SERVER_PUBLIC));
        let (public, secret) = keypair();
        assert_eq!(public_key(&secret), public);
        assert_ne!(keypair().1, secret, "fresh randomness");
    }

    #[test]
    fn command_layouts() {
        let mut c = client_with(&client_keys());
        let mut s = server(false);
        let hello = body(&mut c);
        assert_eq!(hello.len(), 200);
        assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
        assert!(hello[8..80].iter().all(|&b| b == 0), "72 bytes of padding");
        assert_eq!(
            &hello[112..120],
            &1u64.to_be_bytes(),
            "first short nonce is 1"
        );
        s.process_handshake_command(&hello).unwrap();
        let welcome = body(&mut s);
        assert_eq!(welcome.len(), 168);
        assert!(welcome.starts_with(b"\x07WELCOME"));
        c.process_handshake_command(&welcome).unwrap();
        let initiate = body(&mut c);
        assert!(initiate.starts_with(b"\x08INITIATE"));
        assert_eq!(&initiate[105..113], &2u64.to_be_bytes());
        let meta_len = c.metadata.len();
        assert_eq!(initiate.len(), 257 + meta_len);
        s.process_handshake_command(&initiate).unwrap();
        let ready = body(&mut s);
        assert!(ready.starts_with(b"\x05READY"));
        assert_eq!(&ready[6..14], &1u64.to_be_bytes());
        assert_eq!(ready.len(), 14 + 16 + s.metadata.len());
        c.process_handshake_command(&ready).unwrap();
        assert_eq!(
            s.peer_properties().get("Socket-Type").unwrap(),
            &b"DEALER"[..]
        );
        assert_eq!(s.peer_properties().get("Identity").unwrap(), &b"cli"[..]);
        assert_eq!(
            c.peer_properties().get("Socket-Type").unwrap(),
            &b"ROUTER"[..]
        );
        assert!(s.user_id().is_none(), "no ZAP, no user id");
    }

    #[test]
    fn messages_both_ways() {
        let (mut c, mut s) = established();
        let boxed = c.encode(msg(b"hello", flags::MORE)).unwrap();
        assert_eq!(boxed.flags(), 0, "the outer frame carries no flags");
        assert!(boxed.data().starts_with(b"\x07MESSAGE"));
        assert_eq!(
            &boxed.data()[8..16],
            &3u64.to_be_bytes(),
            "after HELLO and INITIATE"
        );
        assert_eq!(boxed.size(), 16 + 16 + 1 + 5);
        let plain = s.decode(boxed).unwrap();
        assert_eq!(plain.data(), b"hello");
        assert!(plain.more() && !plain.is_command());

        let big = vec![0xA5u8; 5000];
        let back = c
            .decode(s.encode(msg(&big, flags::COMMAND)).unwrap())
            .unwrap();
        assert_eq!(back.data(), &big[..]);
        assert!(back.is_command() && !back.more());
        let empty = s.decode(c.encode(msg(b"", 0)).unwrap()).unwrap();
        assert_eq!((empty.size(), empty.flags()), (0, 0));
    }

    #[test]
    fn replayed_reordered_and_tampered_messages_are_refused() {
        let (mut c, mut s) = established();
        let first = c.encode(msg(b"one", 0)).unwrap();
        let second = c.encode(msg(b"two", 0)).unwrap();
        let copy = Msg::from_slice(first.data());
        s.decode(first).unwrap();
        assert_eq!(s.decode(copy).unwrap_err(), eproto(), "replay");
        let third = c.encode(msg(b"three", 0)).unwrap();
        s.decode(third).unwrap();
        assert_eq!(s.decode(second).unwrap_err(), eproto(), "out of order");

        let good = c.encode(msg(b"four", 0)).unwrap();
        for at in [0, 8, 15, 16, 31, 32, good.size() - 1] {
            let bad = Msg::from_bytes(flip(&good.to_bytes(), at));
            assert_eq!(s.decode(bad).unwrap_err(), eproto(), "bit {at}");
        }
        // The untouched one still opens: failures do not move the nonce.
        assert_eq!(s.decode(good).unwrap().data(), b"four");
        for short in [&b""[..], b"\x07MESSAGE", &[0u8; 32]] {
            assert_eq!(s.decode(Msg::from_slice(short)).unwrap_err(), eproto());
        }
        // A server's own message does not open as a client's.
        let mirrored = s.encode(msg(b"x", 0)).unwrap();
        assert_eq!(s.decode(mirrored).unwrap_err(), eproto());
    }

    #[test]
    fn encode_before_ready_is_refused() {
        let mut c = client_with(&client_keys());
        assert_eq!(c.encode(msg(b"x", 0)).unwrap_err(), Error::Fsm);
        let mut s = server(false);
        assert_eq!(s.decode(msg(b"x", 0)).unwrap_err(), Error::Fsm);
    }

    #[test]
    fn wrong_server_key_fails_at_hello() {
        let mut keys = client_keys();
        keys.server = keypair().0;
        let mut c = client_with(&keys);
        let mut s = server(false);
        let e = pass(&mut c, &mut s).unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
        assert_eq!(s.status(), MechanismStatus::Failed(e));
        assert_eq!(s.next_handshake_command().unwrap(), None, "no WELCOME");
    }

    #[test]
    fn low_order_keys_are_refused() {
        let mut keys = client_keys();
        keys.server = [0; KEY_LEN];
        let mut c = client_with(&keys);
        let e = c.next_handshake_command().unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));

        // A HELLO whose C' is a low-order point, with a "box" made from
        // the all-zero shared secret an attacker can compute.
        let mut s = server(false);
        let mut hello = body(&mut client_with(&client_keys())).to_vec();
        hello[80..112].copy_from_slice(&[0; KEY_LEN]);
        let e = s
            .process_handshake_command(&Bytes::from(hello))
            .unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
    }

    #[test]
    fn server_refuses_bad_hellos() {
        let hello = body(&mut client_with(&client_keys()));
        let mut wrong_version = hello.to_vec();
        wrong_version[7] = 1;
        let mut long = hello.to_vec();
        long.push(0);
        let cases: Vec<(Bytes, u32)> = vec![
            (flip(&hello, 150), code::ZMTP_CRYPTOGRAPHIC),
            (flip(&hello, 115), code::ZMTP_CRYPTOGRAPHIC),
            (flip(&hello, 90), code::ZMTP_CRYPTOGRAPHIC),
            (hello.slice(..199), code::ZMTP_MALFORMED_COMMAND_HELLO),
            (Bytes::from(long), code::ZMTP_MALFORMED_COMMAND_HELLO),
            (
                Bytes::from(wrong_version),
                code::ZMTP_MALFORMED_COMMAND_HELLO,
            ),
            (
                Bytes::from_static(b"\x05HELLO"),
                code::ZMTP_MALFORMED_COMMAND_HELLO,
            ),
            (
                Bytes::from_static(b"\x06HELLO"),
                code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ),
            (
                Bytes::from_static(b"\x05HELL"),
                code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ),
            (
                Bytes::from_static(b"\x05READY\x00"),
                code::ZMTP_UNEXPECTED_COMMAND,
            ),
            (Bytes::new(), code::ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
        ];
        for (wire, expected) in cases {
            let mut s = server(false);
            let e = s.process_handshake_command(&wire).unwrap_err();
            assert_eq!(
                protocol(e),
                Some(expected),
                "{:?}",
                &wire[..wire.len().min(12)]
            );
        }
    }

    #[test]
    fn client_refuses_bad_welcomes_and_readys() {
        let mut c = client_with(&client_keys());
        let mut s = server(false);
        pass(&mut c, &mut s).unwrap();
        let welcome = body(&mut s);
        for bad in [
            flip(&welcome, 10),
            flip(&welcome, 100),
            welcome.slice(..167),
        ] {
            let mut c2 = client_with(&client_keys());
            c2.next_handshake_command().unwrap();
            let e = c2.process_handshake_command(&bad).unwrap_err();
            assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
        }
        // Our WELCOME does not open for another client's transient key.
        let mut other = client_with(&client_keys());
        other.next_handshake_command().unwrap();
        let e = other.process_handshake_command(&welcome).unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));

        // A client awaiting READY, and the server's READY.
        let awaiting_ready = || {
            let mut c = client_with(&client_keys());
            let mut s = server(false);
            pass(&mut c, &mut s).unwrap();
            pass(&mut s, &mut c).unwrap();
            pass(&mut c, &mut s).unwrap();
            let ready = body(&mut s);
            (c, ready)
        };
        type Spoil = fn(&Bytes) -> Bytes;
        let cases: &[(Spoil, u32)] = &[
            (|r| flip(r, 20), code::ZMTP_CRYPTOGRAPHIC),
            (|r| flip(r, 8), code::ZMTP_CRYPTOGRAPHIC),
            (|r| r.slice(..29), code::ZMTP_MALFORMED_COMMAND_READY),
            (
                |_| Bytes::from_static(b"\x07WELCOME"),
                code::ZMTP_UNEXPECTED_COMMAND,
            ),
            (
                |_| Bytes::from_static(b"\x05HELLO"),
                code::ZMTP_UNEXPECTED_COMMAND,
            ),
        ];
        for &(spoil, expected) in cases {
            let (mut c, ready) = awaiting_ready();
            let e = c.process_handshake_command(&spoil(&ready)).unwrap_err();
            assert_eq!(protocol(e), Some(expected));
        }
        let (mut c, ready) = awaiting_ready();
        c.process_handshake_command(&ready).unwrap();
        assert_eq!(c.status(), MechanismStatus::Ready);
    }

    #[test]
    fn server_refuses_bad_initiates() {
        // (how to spoil the INITIATE, expected code)
        type Spoil = fn(&mut Vec<u8>);
        let cases: &[(Spoil, u32)] = &[
            (|v| v[30] ^= 1, code::ZMTP_CRYPTOGRAPHIC),  // cookie box
            (|v| v[12] ^= 1, code::ZMTP_CRYPTOGRAPHIC),  // cookie nonce
            (|v| v[108] ^= 1, code::ZMTP_CRYPTOGRAPHIC), // short nonce
            (|v| v[200] ^= 1, code::ZMTP_CRYPTOGRAPHIC), // initiate box
            (|v| v.truncate(256), code::ZMTP_MALFORMED_COMMAND_INITIATE),
            (|v| v[1] = b'X', code::ZMTP_UNEXPECTED_COMMAND),
        ];
        for &(spoil, expected) in cases {
            let mut c = client_with(&client_keys());
            let mut s = server(false);
            pass(&mut c, &mut s).unwrap();
            pass(&mut s, &mut c).unwrap();
            let mut initiate = body(&mut c).to_vec();
            spoil(&mut initiate);
            let e = s
                .process_handshake_command(&Bytes::from(initiate))
                .unwrap_err();
            assert_eq!(protocol(e), Some(expected));
            assert_eq!(s.next_handshake_command().unwrap(), None, "no READY");
        }
    }

    #[test]
    fn cookie_of_another_connection_is_refused() {
        let mut c1 = client_with(&client_keys());
        let mut s1 = server(false);
        pass(&mut c1, &mut s1).unwrap();
        pass(&mut s1, &mut c1).unwrap();
        let initiate = body(&mut c1);
        // A second connection to the same server key never saw this cookie.
        let mut c2 = client_with(&client_keys());
        let mut s2 = server(false);
        pass(&mut c2, &mut s2).unwrap();
        pass(&mut s2, &mut c2).unwrap();
        let e = s2.process_handshake_command(&initiate).unwrap_err();
        assert_eq!(protocol(e), Some(code::ZMTP_CRYPTOGRAPHIC));
    }

    #[test]
    fn client_claiming_a_key_it_lacks_is_refused() {
        let mut keys = client_keys();
        keys.public = keypair().0; // not the public key of keys.secret
        let mut c = client_with(&keys);
        let mut s = server(true);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        let e = pass(&mut c, &mut s).unwrap_err();
        assert_eq!(
            protocol(e),
            Some(code::ZMTP_CRYPTOGRAPHIC),
            "vouch does not open"
        );
        assert!(s.zap_request().is_none());
    }

    #[test]
    fn zap_sees_the_client_key() {
        let mut c = client_with(&client_keys());
        let mut s = server(true);
        pass(&mut c, &mut s).unwrap();
        pass(&mut s, &mut c).unwrap();
        pass(&mut c, &mut s).unwrap();
        assert_eq!(
            s.next_handshake_command().unwrap(),
            None,
            "READY waits for ZAP"
        );
        let req = s.zap_request().unwrap();
        assert_eq!(req.mechanism, MechanismName::CURVE);
        assert_eq!(
            req.credentials,
            vec![Bytes::copy_from_slice(&key(CLIENT_PUBLIC))]
        );
        assert!(s.zap_request().is_none());
        let mut meta = Properties::new();
        meta.push("X-Role", Bytes::from_static(b"admin")).unwrap();
        s.process_zap_reply(ZapReply {
            status_code: 200,
            user_id: Bytes::from_static(b"alice"),
            metadata: meta,
        })
        .unwrap();
        pass(&mut s, &mut c).unwrap();
        assert_eq!(c.status(), MechanismStatus::Ready);
        assert_eq!(s.status(), MechanismStatus::Ready);
        assert_eq!(s.user_id().unwrap(), &b"alice"[..]);
        assert_eq!(s.zap_properties().get("X-Role").unwrap(), &b"admin"[..]);
        let m = s.decode(c.encode(msg(b"hi", 0)).unwrap()).unwrap();
        assert_eq!(m.data(), b"hi");
    }

    #[test]
    fn zap_refusal_sends_error() {
        for (status, wire) in [(400u32, Some(&b"\x05ERROR\x03400"[..])), (300, None)] {
            let mut c = client_with(&client_keys());
            let mut s = server(true);
            pass(&mut c, &mut s).unwrap();
            pass(&mut s, &mut c).unwrap();
            pass(&mut c, &mut s).unwrap();
            s.zap_request().unwrap();
            s.process_zap_reply(ZapReply {
                status_code: status,
                user_id: Bytes::new(),
                metadata: Properties::new(),
            })
            .unwrap();
            let error = s.next_handshake_command().unwrap();
            assert_eq!(error.as_deref(), wire);
            assert_eq!(s.next_handshake_command().unwrap(), None, "no READY");
            if let Some(error) = error {
                let e = c.process_handshake_command(&error).unwrap_err();
                assert_eq!(e.event, Some(FailureEvent::Auth(status)));
            }
        }
    }

    #[test]
    fn hostile_bytes_never_panic() {
        // A small deterministic generator: no randomness needed to cover
        // lengths around every boundary.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut c, mut s) = established();
        let lengths = (0..12)
            .chain(28..36)
            .chain(165..171)
            .chain(198..203)
            .chain(255..260);
        for len in lengths {
            let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            for prefix in [
                &b"\x05HELLO"[..],
                b"\x08INITIATE",
                b"\x07WELCOME",
                b"\x05READY",
                b"\x05ERROR",
            ] {
                if data.len() >= prefix.len() {
                    data[..prefix.len()].copy_from_slice(prefix);
                }
                let wire = Bytes::from(data.clone());
                let _ = server(true).process_handshake_command(&wire);
                let mut c = client_with(&client_keys());
                c.next_handshake_command().unwrap();
                let _ = c.process_handshake_command(&wire);
            }
            assert!(c.decode(Msg::from_slice(&data)).is_err());
            assert!(s.decode(Msg::from_slice(&data)).is_err());
        }
    }
}
