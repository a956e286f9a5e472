//! Socket monitoring (`zmq_socket_monitor`, `zmq_socket_monitor_versioned`):
//! events about a socket's connections, sent as messages on an inproc
//! socket the monitor binds, in libzmq's v1 or v2 format. Sending never
//! blocks: with no reader, events are dropped.

use std::sync::Arc;

use super::{kind, Socket, DONTWAIT, SNDMORE};
use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::msg::Msg;

/// Event numbers (zmq.h).
pub mod event {
    pub const CONNECTED: u64 = 0x0001;
    pub const CONNECT_DELAYED: u64 = 0x0002;
    pub const CONNECT_RETRIED: u64 = 0x0004;
    pub const LISTENING: u64 = 0x0008;
    pub const BIND_FAILED: u64 = 0x0010;
    pub const ACCEPTED: u64 = 0x0020;
    pub const ACCEPT_FAILED: u64 = 0x0040;
    pub const CLOSED: u64 = 0x0080;
    pub const CLOSE_FAILED: u64 = 0x0100;
    pub const DISCONNECTED: u64 = 0x0200;
    pub const MONITOR_STOPPED: u64 = 0x0400;
    pub const HANDSHAKE_FAILED_NO_DETAIL: u64 = 0x0800;
    pub const HANDSHAKE_SUCCEEDED: u64 = 0x1000;
    pub const HANDSHAKE_FAILED_PROTOCOL: u64 = 0x2000;
    pub const HANDSHAKE_FAILED_AUTH: u64 = 0x4000;
    pub const PIPES_STATS: u64 = 0x10000;
}

pub struct Monitor {
    socket: Option<Arc<Socket>>,
    events: u64,
    version: i32,
}

impl Monitor {
    /// Starts monitoring into a new socket of type `kind` (PAIR, PUB or
    /// PUSH) bound at `addr`, which must be an inproc endpoint.
    pub fn start(
        ctx: &Arc<Context>,
        addr: &str,
        events: u64,
        version: i32,
        kind: i32,
    ) -> Result<Monitor> {
        if !addr.starts_with("inproc://") {
            return Err(if addr.contains("://") {
                Error::ProtoNoSupport
            } else {
                Error::Inval
            });
        }
        if version != 1 && version != 2 {
            return Err(Error::Inval);
        }
        // Version 1 events are 16-bit.
        if version == 1 && events > 0xffff {
            return Err(Error::Inval);
        }
        if !matches!(kind, kind::PAIR | kind::PUB | kind::PUSH) {
            return Err(Error::Inval);
        }
        let socket = Socket::new(ctx, kind)?;
        socket.set_option(super::options::opt::LINGER, &0i32.to_ne_bytes())?;
        if let Err(e) = socket.bind(addr) {
            socket.close();
            return Err(e);
        }
        Ok(Monitor {
            socket: Some(socket),
            events,
            version,
        })
    }

    pub fn wants(&self, event: u64) -> bool {
        self.events & event != 0
    }

    /// Sends an event with its values and endpoints, if it is monitored.
    pub fn event(&self, event: u64, values: &[u64], local: &str, remote: &str) {
        self.event_with(event, values, local, local, remote);
    }

    /// An event whose v1 form names `v1_endpoint` (the connect endpoint for
    /// connecting sessions, the bound one otherwise), and whose v2 form
    /// names both ends.
    pub fn event_with(
        &self,
        event: u64,
        values: &[u64],
        v1_endpoint: &str,
        local: &str,
        remote: &str,
    ) {
        let Some(socket) = &self.socket else { return };
        if !self.wants(event) {
            return;
        }
        let mut frames: Vec<Msg> = Vec::new();
        if self.version == 1 {
            if event > 0xffff {
                return;
            }
            let mut head = Vec::with_capacity(6);
            head.extend_from_slice(&(event as u16).to_ne_bytes());
            head.extend_from_slice(&(values.first().copied().unwrap_or(0) as u32).to_ne_bytes());
            frames.push(Msg::from_slice(&head));
            frames.push(Msg::from_slice(v1_endpoint.as_bytes()));
        } else {
            frames.push(Msg::from_slice(&event.to_ne_bytes()));
            frames.push(Msg::from_slice(&(values.len() as u64).to_ne_bytes()));
            for v in values {
                frames.push(Msg::from_slice(&v.to_ne_bytes()));
            }
            frames.push(Msg::from_slice(local.as_bytes()));
            frames.push(Msg::from_slice(remote.as_bytes()));
        }
        let n = frames.len();
        for (i, mut f) in frames.into_iter().enumerate() {
            let more = if i + 1 < n { SNDMORE } else { 0 };
            if socket.send(&mut f, DONTWAIT | more).is_err() {
                return;
            }
        }
    }

    /// Stops monitoring: a last `MONITOR_STOPPED` event, then the socket closes.
    pub fn stop(&mut self) {
        self.event(event::MONITOR_STOPPED, &[0], "", "");
        if let Some(s) = self.socket.take() {
            s.close();
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        if self.socket.is_some() {
            self.stop();
        }
    }
}
