//! Socket monitoring (`zmq_socket_monitor`, `zmq_socket_monitor_versioned`):
//! events about a socket's connections, sent as messages on an inproc
//! socket the monitor binds, in libzmq's v1 or v2 format. Sending never
//! blocks: with no reader, events are dropped.

use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use super::{kind, Socket, DONTWAIT, SNDMORE};
use crate::ctx::Context;
use crate::engine::link::EventSink;
use crate::error::{Error, Result};
use crate::msg::Msg;

pub use crate::engine::link::event;

/// A socket's monitor, if one is started. Its sessions and listeners hold
/// it as their `EventSink`: they raise events without knowing sockets.
#[derive(Default)]
pub struct MonitorSlot(Mutex<Option<Monitor>>);

impl MonitorSlot {
    pub fn lock(&self) -> MutexGuard<'_, Option<Monitor>> {
        self.0.lock()
    }
}

impl EventSink for MonitorSlot {
    fn event(&self, event: u64, values: &[u64], endpoint: &str, local: &str, remote: &str) {
        if let Some(m) = self.0.lock().as_ref() {
            m.event_with(event, values, endpoint, local, remote);
        }
    }
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
