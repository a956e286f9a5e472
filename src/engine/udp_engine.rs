//! `UdpEngine`: the udp:// transport's engine (libzmq's udp engine), on a
//! connectionless session like pgm's: it moves messages between a
//! socket's pipe and a UDP socket, for RADIO (sends), DISH (receives) and
//! DGRAM (both). What a datagram holds is the socket types':
//!
//! - RADIO/DISH (zmq_udp(7)): one datagram per message, the group's
//!   length (one byte), the group, then the body. In the pipe a message is
//!   the group frame and the body frame (see `radio`); a DISH's JOIN/LEAVE
//!   commands mean nothing over udp and are dropped (a udp RADIO pipe
//!   takes every group).
//! - DGRAM: the datagram is the body; in the pipe it follows a frame
//!   naming the peer as `address:port` (NUL-terminated as libzmq has it).
//!
//! UDP is lossy and so is this: a datagram that finds the pipe full, or is
//! longer than `MAX_DATAGRAM`, is dropped. Nothing here blocks. The
//! session gives it what every engine gets: linger (what the socket sent
//! before `zmq_close` goes out, within `ZMQ_LINGER`), the pipe's wake-ups,
//! and its end at `zmq_disconnect`/`zmq_unbind`.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::time::Instant;

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token};

use super::{Engine, Failure, Progress};
use crate::msg::{flags, Metadata, Msg};
use crate::pipe::Pipe;

/// The largest datagram sent or received (libzmq's limit).
pub const MAX_DATAGRAM: usize = 8192;

/// What the socket at the other end of the pipe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Radio,
    Dish,
    Dgram,
}

pub struct UdpEngine {
    socket: UdpSocket,
    role: Role,
    /// Where a RADIO sends.
    target: SocketAddr,
    /// A datagram the socket would not take yet, and its destination.
    pending: Option<(Vec<u8>, SocketAddr)>,
    buf: Vec<u8>,
    last_received: Instant,
    peer_address: String,
}

impl UdpEngine {
    pub fn new(socket: StdUdpSocket, role: Role, target: SocketAddr) -> UdpEngine {
        UdpEngine {
            socket: UdpSocket::from_std(socket),
            role,
            target,
            pending: None,
            buf: vec![0; MAX_DATAGRAM],
            last_received: Instant::now(),
            peer_address: target.to_string(),
        }
    }

    /// Sends what the pipe holds until it is empty or the socket is full.
    fn send_out(&mut self, pipe: &mut Pipe) {
        loop {
            if let Some((d, to)) = &self.pending {
                match self.socket.send_to(d, *to) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    // Sent, or refused for good (dropped, as UDP may).
                    _ => self.pending = None,
                }
            }
            let Some(first) = pipe.read() else {
                return;
            };
            if self.role == Role::Dish || !first.more() {
                continue; // JOIN/LEAVE, or not a two-frame message
            }
            let Some(body) = pipe.read() else {
                return;
            };
            if body.more() {
                // Malformed: skip the rest of it.
                while pipe.read().is_some_and(|m| m.more()) {}
                continue;
            }
            self.pending = match self.role {
                Role::Radio => encode_group(first.data(), body.data()).map(|d| (d, self.target)),
                _ => parse_peer(first.data()).map(|to| (body.data().to_vec(), self.reachable(to))),
            };
        }
    }

    /// `to` as this socket can send to it: an IPv4 peer of an IPv6
    /// (dual-stack) socket is mapped.
    fn reachable(&self, to: SocketAddr) -> SocketAddr {
        match (to, self.socket.local_addr()) {
            (SocketAddr::V4(a), Ok(SocketAddr::V6(_))) => {
                SocketAddr::new(a.ip().to_ipv6_mapped().into(), a.port())
            }
            _ => to,
        }
    }

    /// Reads every datagram waiting (edge-triggered readiness).
    fn recv_in(&mut self, pipe: &mut Pipe) {
        if self.role == Role::Radio {
            return;
        }
        loop {
            let (n, from) = match self.socket.recv_from(&mut self.buf) {
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            self.last_received = Instant::now();
            let frames = match self.role {
                Role::Dish => decode_group(&self.buf[..n]),
                _ => Some((peer_frame(&from), Msg::from_slice(&self.buf[..n]))),
            };
            let Some((mut head, body)) = frames else {
                continue;
            };
            if pipe.check_write() {
                head.set_flags(flags::MORE);
                pipe.write(head);
                pipe.write(body);
            }
        }
    }
}

impl Engine for UdpEngine {
    fn register(&mut self, registry: &Registry, token: Token) -> std::io::Result<()> {
        registry.register(
            &mut self.socket,
            token,
            Interest::READABLE | Interest::WRITABLE,
        )
    }

    fn deregister(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.socket);
    }

    fn set_readable(&mut self) {}

    fn set_hangup(&mut self) {}

    fn drive(&mut self, pipe: Option<&mut Pipe>) -> Result<Progress, Failure> {
        if let Some(pipe) = pipe {
            self.send_out(pipe);
            self.recv_in(pipe);
        }
        Ok(Progress::Idle)
    }

    fn is_established(&self) -> bool {
        true
    }

    fn is_flushed(&self) -> bool {
        self.pending.is_none()
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
}

/// A RADIO datagram: group length, group, body (`None` if too long).
pub fn encode_group(group: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let len = u8::try_from(group.len()).ok()?;
    if 1 + group.len() + body.len() > MAX_DATAGRAM {
        return None;
    }
    let mut d = Vec::with_capacity(1 + group.len() + body.len());
    d.push(len);
    d.extend_from_slice(group);
    d.extend_from_slice(body);
    Some(d)
}

/// The group frame and the body of a RADIO datagram (`None` if short).
pub fn decode_group(d: &[u8]) -> Option<(Msg, Msg)> {
    let (&len, rest) = d.split_first()?;
    let len = len as usize;
    if rest.len() < len {
        return None;
    }
    Some((Msg::from_slice(&rest[..len]), Msg::from_slice(&rest[len..])))
}

/// The frame naming a DGRAM peer: `a.b.c.d:port` (`[v6]:port`) and a NUL.
pub fn peer_frame(from: &SocketAddr) -> Msg {
    let mut text = match from {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
            Some(v4) => format!("{v4}:{}", a.port()),
            None => format!("[{}]:{}", a.ip(), a.port()),
        },
    }
    .into_bytes();
    text.push(0);
    Msg::from_slice(&text)
}

/// The peer a DGRAM message names (`None` if it names none).
pub fn parse_peer(frame: &[u8]) -> Option<SocketAddr> {
    let end = frame.iter().position(|&b| b == 0).unwrap_or(frame.len());
    let text = std::str::from_utf8(&frame[..end]).ok()?;
    let addr: SocketAddr = text.parse().ok()?;
    (addr.port() != 0).then_some(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_datagrams_round_trip() {
        let d = encode_group(b"TV", b"Friends").unwrap();
        assert_eq!(d, b"\x02TVFriends");
        let (g, b) = decode_group(&d).unwrap();
        assert_eq!((g.data(), b.data()), (&b"TV"[..], &b"Friends"[..]));
        assert!(decode_group(b"").is_none());
        assert!(decode_group(b"\x05TV").is_none());
        let (g, b) = decode_group(b"\x00").unwrap();
        assert_eq!((g.size(), b.size()), (0, 0));
        assert!(encode_group(&[b'g'; 256], b"").is_none());
        assert!(encode_group(b"g", &vec![0; MAX_DATAGRAM]).is_none());
    }

    #[test]
    fn peer_frames_round_trip() {
        let a: SocketAddr = "127.0.0.1:5560".parse().unwrap();
        let f = peer_frame(&a);
        assert_eq!(f.data(), b"127.0.0.1:5560\0");
        assert_eq!(parse_peer(f.data()), Some(a));
        assert_eq!(parse_peer(b"127.0.0.1:5560"), Some(a));
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:9".parse().unwrap();
        assert_eq!(peer_frame(&mapped).data(), b"127.0.0.1:9\0");
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(parse_peer(peer_frame(&v6).data()), Some(v6));
        assert_eq!(parse_peer(b"nonsense"), None);
        assert_eq!(parse_peer(b"127.0.0.1:0"), None);
    }
}
