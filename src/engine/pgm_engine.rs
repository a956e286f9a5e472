//! `PgmEngine`: a PUB's or XPUB's multicast sender, or a SUB's or XSUB's
//! receiver, over pgm:// (raw IP protocol 113) or epgm:// (PGM over
//! UDP). There is no connection and no handshake: the engine is
//! established from its first drive and never fails, so its session
//! attaches the pipe at once and never reconnects (as libzmq's pgm
//! sessions).
//!
//! A sender packs the pipe's messages into ODATA payloads (`pgm::framing`)
//! within the rate limit and answers NAKs from its transmit window
//! (`pgm::source`). A receiver keeps a receive window per source
//! (`pgm::receiver`), sends the NAKs it asks for, and hands each source's
//! messages to the pipe whole: a source's frames wait until their
//! message's last one, so sources never interleave inside a message and a
//! loss never leaves half a message behind.
//!
//! The engine's timers (NAK back-offs, SPMs, the rate limit) are read from
//! the clock in `drive`; the session wakes it at `next_deadline`.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Interest, Registry, Token};

use super::{Engine, Failure, Progress};
use crate::msg::{Metadata, Msg};
use crate::pgm::framing::{Packer, Unpacker};
use crate::pgm::packet::{self, Body, Head, Tsi};
use crate::pgm::receiver::{Delivery, RxConfig, RxWindow};
use crate::pgm::source::{Source, TxConfig};
use crate::pipe::Pipe;
use crate::transport::pgm::PgmSocket;

/// The largest PGM packet read (a TPDU is at most `ZMQ_MULTICAST_MAXTPDU`).
const READ_MAX: usize = 65536;
/// A source silent this long is forgotten (libzmq's peer expiry).
const PEER_EXPIRY: Duration = Duration::from_secs(300);
/// Most sources a receiver keeps state for.
const PEERS_MAX: usize = 1024;
/// Most packets a sender keeps while the kernel will not take them; past
/// this the oldest go unsent (receivers NAK them from the window).
const UNSENT_MAX: usize = 4096;
/// How soon a sender tries again when the kernel's buffer was full.
const UNSENT_RETRY: Duration = Duration::from_millis(1);

/// What libzmq's options make of a pgm endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PgmConfig {
    /// `ZMQ_RATE` in kbit/s.
    pub rate_kbps: i32,
    /// `ZMQ_RECOVERY_IVL` in ms.
    pub recovery_ivl_ms: i32,
    /// `ZMQ_MULTICAST_MAXTPDU`: the largest packet, IP header included.
    pub max_tpdu: usize,
    /// `ZMQ_MAXMSGSIZE`.
    pub max_msg_size: i64,
    /// epgm: PGM inside UDP.
    pub udp: bool,
}

impl PgmConfig {
    /// IP (and UDP) bytes below a PGM packet.
    fn overhead(&self) -> usize {
        if self.udp {
            28
        } else {
            20
        }
    }

    /// The largest ODATA payload: the TPDU less the IP, UDP and PGM
    /// headers and the room OpenPGM keeps for fragment options (so each
    /// payload is one unfragmented packet, as libzmq sends).
    pub fn max_tsdu(&self) -> usize {
        self.max_tpdu.saturating_sub(self.overhead() + 44).max(16)
    }

    /// Window size in packets, as libzmq sizes OpenPGM's: the recovery
    /// interval's worth of data at the rate.
    pub fn window_sqns(&self) -> u32 {
        let bytes_per_ms = (self.rate_kbps.max(1) / 8) as u64;
        let sqns = self.recovery_ivl_ms.max(0) as u64 * bytes_per_ms / self.max_tpdu.max(1) as u64;
        sqns.clamp(1, 1 << 20) as u32
    }
}

/// One source, as a receiver knows it.
struct Peer {
    window: RxWindow,
    unpacker: Unpacker,
    /// Where its NAKs go: the NLA of its SPMs, else the address its data
    /// came from.
    nla: Option<Ipv4Addr>,
    seen_from: Ipv4Addr,
    /// The frames of the message being decoded.
    partial: Vec<Msg>,
    /// Whole messages decoded and waiting for room in the pipe.
    ready: VecDeque<Msg>,
    heard: Instant,
}

struct Sender {
    source: Source,
    packer: Packer,
    /// A payload cut and waiting for the rate limit.
    held: Option<Vec<u8>>,
    /// Packets the kernel would not take yet (its buffer was full), in
    /// order; no new data is cut while any wait.
    unsent: VecDeque<Vec<u8>>,
}

struct Receiver {
    peers: HashMap<Tsi, Peer>,
    rx: RxConfig,
    seed: u64,
    /// `ZMQ_MAXMSGSIZE`: a longer message ends its source's stream until
    /// the next message start.
    max_msg_size: i64,
}

enum Role {
    Send(Box<Sender>),
    Receive(Box<Receiver>),
}

pub struct PgmEngine {
    socket: PgmSocket,
    role: Role,
    group: Ipv4Addr,
    port: u16,
    last_received: Instant,
    buf: Vec<u8>,
    out: Vec<u8>,
    /// When a timer of the engine's is next due.
    deadline: Option<Instant>,
    peer_address: String,
}

/// A few random bytes from the kernel (the GSI, the data source port, the
/// receivers' back-off spread).
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    crypto_box::aead::rand_core::RngCore::fill_bytes(&mut crypto_box::aead::OsRng, &mut b);
    b
}

impl PgmEngine {
    /// A PUB's or XPUB's sender on `socket`.
    pub fn sender(socket: PgmSocket, cfg: PgmConfig, group: Ipv4Addr, port: u16) -> PgmEngine {
        let now = Instant::now();
        let r: [u8; 8] = random_bytes();
        let mut sport = u16::from_be_bytes([r[6], r[7]]);
        if sport == port {
            sport = sport.wrapping_add(1);
        }
        let head = Head {
            tsi: Tsi {
                gsi: [r[0], r[1], r[2], r[3], r[4], r[5]],
                sport,
            },
            dport: port,
        };
        let tx = TxConfig {
            window: cfg.window_sqns(),
            rate: cfg.rate_kbps.max(1) as u64 * 1000 / 8,
            overhead: cfg.overhead(),
            max_packet: cfg.max_tpdu.saturating_sub(cfg.overhead()),
            ambient_spm: Duration::from_secs(30),
        };
        let source = Source::new(tx, head, socket.local_nla(), group, now);
        let sender = Sender {
            source,
            packer: Packer::new(cfg.max_tsdu()),
            held: None,
            unsent: VecDeque::new(),
        };
        Self::with_role(socket, Role::Send(Box::new(sender)), group, port)
    }

    /// A SUB's or XSUB's receiver on `socket`.
    pub fn receiver(socket: PgmSocket, cfg: PgmConfig, group: Ipv4Addr, port: u16) -> PgmEngine {
        let rx = RxConfig {
            window: cfg.window_sqns().max(1024),
            ..RxConfig::default()
        };
        let receiver = Receiver {
            peers: HashMap::new(),
            rx,
            seed: u64::from_ne_bytes(random_bytes()),
            max_msg_size: cfg.max_msg_size,
        };
        Self::with_role(socket, Role::Receive(Box::new(receiver)), group, port)
    }

    fn with_role(socket: PgmSocket, role: Role, group: Ipv4Addr, port: u16) -> PgmEngine {
        PgmEngine {
            socket,
            role,
            group,
            port,
            last_received: Instant::now(),
            buf: vec![0; READ_MAX],
            out: Vec::new(),
            deadline: None,
            peer_address: group.to_string(),
        }
    }

    /// Sends `self.out` to `to`; a packet the kernel will not take now is
    /// dropped, as a lost packet (PGM repairs it, or SPMs repeat).
    fn send_out(&mut self, to: SocketAddrV4) {
        if !self.out.is_empty() {
            let _ = self.socket.send_to(&self.out, to);
            self.out.clear();
        }
    }

    /// Reads every packet waiting and feeds it to the role.
    fn read_all(&mut self, now: Instant) {
        // An error (an ICMP report on a UDP socket) is reported once and
        // cleared; reading goes on to `None`, as edge-triggered readiness
        // needs, but not for ever if the errors do not stop.
        let mut errors = 0;
        loop {
            let (start, len, from) = match self.socket.recv(&mut self.buf) {
                Ok(Some(d)) => (d.offset, d.len, *d.source.ip()),
                Ok(None) => return,
                Err(_) if errors < 64 => {
                    errors += 1;
                    continue;
                }
                Err(_) => return,
            };
            let Some(end) = start.checked_add(len).filter(|&e| e <= self.buf.len()) else {
                continue;
            };
            let Some(p) = packet::parse(&self.buf[start..end]) else {
                continue;
            };
            match &mut self.role {
                Role::Send(s) => {
                    let head = *s.source.head();
                    let ours = p.tsi == head.tsi && p.dport == head.dport;
                    match p.body {
                        Body::Nak {
                            confirm: false,
                            sqns,
                            source,
                            group,
                        } if ours => s.source.nak(&sqns, source, group),
                        Body::Spmr if ours => s.source.spmr(now),
                        _ => {}
                    }
                }
                Role::Receive(r) => {
                    if p.dport != self.port {
                        continue;
                    }
                    self.last_received = now;
                    r.packet(&p, from, now);
                }
            }
        }
    }

    fn drive_sender(&mut self, pipe: Option<&mut Pipe>, now: Instant) {
        let Role::Send(s) = &mut self.role else {
            return;
        };
        let to = SocketAddrV4::new(self.group, self.port);
        let mut out = std::mem::take(&mut self.out);
        while s.source.control(&mut out, now) {
            if !out.is_empty() {
                s.unsent.push_back(std::mem::take(&mut out));
            }
        }
        Self::send_unsent(&self.socket, s, to);
        if let Some(pipe) = pipe {
            while s.unsent.is_empty() {
                if s.held.is_none() {
                    // Take whole messages while a payload's worth is not
                    // yet waiting, so small messages share packets.
                    while !s.packer.has_full_payload() {
                        let Some(m) = pipe.read() else { break };
                        s.packer.push(m.data(), m.more());
                    }
                    let mut payload = Vec::new();
                    if !s.packer.next_payload(&mut payload) {
                        break;
                    }
                    s.held = Some(payload);
                }
                let len = s
                    .held
                    .as_ref()
                    .map_or(0, |p| p.len() + packet::HEADER_LEN + 8);
                if !s.source.admit(len, now) {
                    break;
                }
                if let Some(payload) = s.held.take() {
                    s.source.odata(&payload, &mut out, now);
                    s.unsent.push_back(std::mem::take(&mut out));
                    Self::send_unsent(&self.socket, s, to);
                }
            }
        }
        let waiting = s.held.as_ref().map(|p| p.len() + packet::HEADER_LEN + 8);
        let mut deadline = s.source.next_deadline(waiting, now);
        if !s.unsent.is_empty() {
            deadline = deadline.min(now + UNSENT_RETRY);
        }
        self.deadline = Some(deadline);
        self.out = out;
    }

    /// Sends the waiting packets in order until the kernel's buffer is
    /// full. Other errors (an unreachable group, say) lose the packet, as
    /// the network would.
    fn send_unsent(socket: &PgmSocket, s: &mut Sender, to: SocketAddrV4) {
        while let Some(p) = s.unsent.front() {
            match socket.send_to(p, to) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                _ => {
                    s.unsent.pop_front();
                }
            }
        }
        while s.unsent.len() > UNSENT_MAX {
            s.unsent.pop_front();
        }
    }

    fn drive_receiver(&mut self, pipe: Option<&mut Pipe>, now: Instant) {
        let Role::Receive(r) = &mut self.role else {
            return;
        };
        let mut naks: Vec<(Tsi, Vec<u32>, Ipv4Addr)> = Vec::new();
        let mut deadline: Option<Instant> = None;
        let mut pipe = pipe;
        if let Some(p) = pipe.as_deref_mut() {
            // Subscriptions mean nothing on the wire: SUB filters itself.
            while p.read().is_some() {}
        }
        r.peers
            .retain(|_, peer| now.duration_since(peer.heard) < PEER_EXPIRY);
        for (tsi, peer) in r.peers.iter_mut() {
            let mut due = Vec::new();
            peer.window.poll(now, &mut due);
            if !due.is_empty() {
                naks.push((*tsi, due, peer.nla.unwrap_or(peer.seen_from)));
            }
            peer.deliver(pipe.as_deref_mut());
            if let Some(at) = peer.window.next_deadline() {
                deadline = Some(deadline.map_or(at, |d: Instant| d.min(at)));
            }
        }
        self.deadline = deadline;
        for (tsi, sqns, nla) in naks {
            let head = Head {
                tsi,
                dport: self.port,
            };
            for chunk in sqns.chunks(packet::NAK_LIST_MAX + 1) {
                packet::nak(&mut self.out, &head, false, chunk, nla, self.group);
                self.send_out(SocketAddrV4::new(nla, self.port));
            }
        }
    }
}

impl Receiver {
    fn packet(&mut self, p: &packet::Packet<'_>, from: Ipv4Addr, now: Instant) {
        if !self.peers.contains_key(&p.tsi) {
            let first = match &p.body {
                // Nothing before the first packet heard is asked for.
                Body::Data { sqn, .. } => *sqn,
                Body::Spm { lead, .. } => lead.wrapping_add(1),
                _ => return,
            };
            if self.peers.len() >= PEERS_MAX {
                return;
            }
            self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let peer = Peer {
                window: RxWindow::new(first, self.rx, self.seed),
                unpacker: Unpacker::new(self.max_msg_size),
                nla: None,
                seen_from: from,
                partial: Vec::new(),
                ready: VecDeque::new(),
                heard: now,
            };
            self.peers.insert(p.tsi, peer);
        }
        let Some(peer) = self.peers.get_mut(&p.tsi) else {
            return;
        };
        peer.heard = now;
        match &p.body {
            Body::Spm {
                lead, trail, nla, ..
            } => {
                peer.nla = Some(*nla);
                peer.window.spm(*lead, *trail, now);
            }
            Body::Data {
                sqn,
                trail,
                fragment: None,
                payload,
                ..
            } => {
                peer.seen_from = from;
                peer.window.data(*sqn, *trail, payload, now);
            }
            Body::Nak {
                confirm: true,
                sqns,
                ..
            } => peer.window.ncf(sqns, now),
            _ => {}
        }
    }
}

impl Peer {
    /// Moves the window's payloads in order through the decoder into the
    /// pipe. A message that finds the pipe full waits, whole, with the
    /// rest of the window behind it until the pipe has room again (the
    /// pipe wakes the session); the window keeps taking packets meanwhile,
    /// and only a source that runs past the window loses data.
    fn deliver(&mut self, pipe: Option<&mut Pipe>) {
        let Some(pipe) = pipe else {
            return;
        };
        loop {
            while !self.ready.is_empty() {
                if !pipe.check_write() {
                    return;
                }
                while let Some(m) = self.ready.pop_front() {
                    let more = m.more();
                    pipe.write(m);
                    if !more {
                        break;
                    }
                }
            }
            let Some(d) = self.window.pop() else {
                return;
            };
            match d {
                Delivery::Lost => {
                    // Resynchronise at the next message start.
                    self.unpacker.reset();
                    self.partial.clear();
                }
                Delivery::Payload(bytes) => {
                    let (partial, ready) = (&mut self.partial, &mut self.ready);
                    let mut frame = |m: Msg| {
                        let more = m.more();
                        partial.push(m);
                        if !more {
                            ready.extend(partial.drain(..));
                        }
                    };
                    if self.unpacker.payload(&bytes, &mut frame).is_err() {
                        self.partial.clear();
                    }
                }
            }
        }
    }
}

impl Engine for PgmEngine {
    fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()> {
        registry.register(&mut self.socket, token, Interest::READABLE)
    }

    fn deregister(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.socket);
    }

    fn set_readable(&mut self) {}

    fn set_hangup(&mut self) {}

    fn drive(&mut self, pipe: Option<&mut Pipe>) -> Result<Progress, Failure> {
        let now = Instant::now();
        self.read_all(now);
        match self.role {
            Role::Send(_) => self.drive_sender(pipe, now),
            Role::Receive(_) => self.drive_receiver(pipe, now),
        }
        Ok(Progress::Idle)
    }

    fn is_established(&self) -> bool {
        true
    }

    fn is_flushed(&self) -> bool {
        match &self.role {
            Role::Send(s) => s.held.is_none() && s.packer.buffered() == 0 && s.unsent.is_empty(),
            Role::Receive(_) => true,
        }
    }

    fn send_ping(&mut self, _ttl_deciseconds: u16) {}

    fn last_received(&self) -> Instant {
        self.last_received
    }

    fn metadata(&self) -> Option<Arc<Metadata>> {
        None
    }

    fn peer_address(&self) -> &str {
        &self.peer_address
    }

    fn connectionless(&self) -> bool {
        true
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.deadline
    }
}
