//! A socket's state behind its lock, and what changes it outside a call's
//! own work: commands from the mailbox, pipe events, attaching and removing
//! pipes, and HWM changes reaching existing pipes.
//!
//! Nothing here blocks or sleeps, and nothing here talks to the context or
//! the I/O threads: that is the `Socket`'s (see `endpoint`, `blocking`).

use std::sync::atomic::AtomicI32;
use std::sync::Arc;

use bytes::Bytes;

use crate::ctx::InprocPeer;
use crate::io::Mailbox;
use crate::pattern::PipeSet;
use crate::pipe::{EndInfo, Pipe, PipeEvent, PipeKey, Waker};

use super::blocking::SpinPolicy;
use super::command::{Command, MailboxWaker};
use super::endpoint::{hwm, sum_hwm};
use super::net_endpoint::NetEndpoint;
use super::{options, Cx, MonitorSlot, Options, Pattern, POLLIN, POLLOUT};

/// Per-socket state, behind the socket's lock.
pub(super) struct State {
    pub(super) options: Options,
    pub(super) pattern: Box<dyn Pattern>,
    pub(super) pipes: PipeSet,
    pub(super) waker: Arc<MailboxWaker>,
    /// The context is terminating: every call but close fails with `ETERM`.
    pub(super) terminated: bool,
    pub(super) rcvmore: bool,
    pub(super) last_endpoint: String,
    /// Inproc names this socket bound.
    pub(super) bound: Vec<String>,
    /// Network endpoints: listeners and connecting sessions.
    pub(super) endpoints: Vec<NetEndpoint>,
    pub(super) monitor: Arc<MonitorSlot>,
    /// `ZMQ_LINGER`, shared with this socket's network sessions.
    pub(super) linger: Arc<AtomicI32>,
    /// `zmq_disconnect` was called (for `ZMQ_RECONNECT_STOP_AFTER_DISCONNECT`).
    pub(super) disconnected: Arc<std::sync::atomic::AtomicBool>,
    pub(super) spin: SpinPolicy,
}

impl State {
    fn cx(&mut self) -> (&mut dyn Pattern, Cx<'_>) {
        (
            &mut *self.pattern,
            Cx {
                pipes: &mut self.pipes,
                options: &self.options,
            },
        )
    }

    pub(super) fn with_pattern<R>(&mut self, f: impl FnOnce(&mut dyn Pattern, &mut Cx) -> R) -> R {
        let r = {
            let (p, mut cx) = self.cx();
            f(p, &mut cx)
        };
        self.cleanup();
        r
    }

    pub(super) fn inproc_peer(&self, id: u64) -> InprocPeer {
        InprocPeer {
            link: self.waker.clone(),
            socket_id: id,
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            routing_id: Bytes::copy_from_slice(&self.options.routing_id),
            hello: self.options.hello_to_send(),
            disconnect_msg: self.options.disconnect_to_receive(),
        }
    }

    pub(super) fn end_info(&self) -> EndInfo {
        EndInfo {
            routing_id: Bytes::copy_from_slice(&self.options.routing_id),
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
        }
    }

    pub(super) fn events(&mut self) -> i32 {
        let mut ev = 0;
        if self.with_pattern(|p, cx| p.has_in(cx)) {
            ev |= POLLIN;
        }
        if self.with_pattern(|p, cx| p.has_out(cx)) {
            ev |= POLLOUT;
        }
        ev
    }

    /// Takes a pipe end into this socket.
    pub(super) fn attach(&mut self, mut pipe: Pipe) -> PipeKey {
        let waker: Arc<dyn Waker> = self.waker.clone();
        // The key is only known after insertion; register right after.
        let endpoint = pipe.endpoint.take();
        let key = self.pipes.insert(pipe);
        let p = self.pipes.at(key);
        p.endpoint = endpoint;
        p.set_waker(waker, key);
        let (pat, mut cx) = self.cx();
        pat.attach(key, &mut cx);
        key
    }

    #[inline]
    pub(super) fn process_commands(&mut self, mailbox: &Mailbox<Command>) {
        // The common case on the hot path: nothing queued, nothing to
        // clean up; one load and one length check.
        if mailbox.is_idle() && !self.pipes.has_finished() {
            return;
        }
        self.process_commands_slow(mailbox);
    }

    #[inline(never)]
    fn process_commands_slow(&mut self, mailbox: &Mailbox<Command>) {
        while let Some(cmd) = mailbox.recv() {
            match cmd {
                Command::Pipe(key, event) => self.pipe_event(key, event),
                Command::Attach(pipe) => {
                    self.attach(pipe);
                }
                Command::Stop => self.terminated = true,
            }
        }
        self.cleanup();
    }

    fn pipe_event(&mut self, key: PipeKey, event: PipeEvent) {
        if self.pipes.get(key).is_none() {
            return; // a late event for a removed pipe
        }
        let (pat, mut cx) = self.cx();
        match event {
            PipeEvent::Readable => pat.read_activated(key, &mut cx),
            PipeEvent::Writable => pat.write_activated(key, &mut cx),
            PipeEvent::PeerAttached => pat.peer_attached(key, &mut cx),
            PipeEvent::Hiccup => pat.hiccuped(key, &mut cx),
            PipeEvent::PeerClosed => {
                let p = cx.pipes.at(key);
                if !p.check_read() && p.is_finished() {
                    cx.pipes.mark_finished(key);
                } else {
                    // Let the routing logic read what is left; it finds
                    // the pipe finished afterwards.
                    pat.read_activated(key, &mut cx);
                    pat.write_activated(key, &mut cx);
                }
            }
        }
    }

    /// Removes the pipes the routing logic found finished.
    #[inline]
    pub(super) fn cleanup(&mut self) {
        if self.pipes.has_finished() {
            self.cleanup_slow();
        }
    }

    #[inline(never)]
    fn cleanup_slow(&mut self) {
        while self.pipes.has_finished() {
            for key in self.pipes.take_finished() {
                self.remove_pipe(key);
            }
        }
    }

    pub(super) fn remove_pipe(&mut self, key: PipeKey) {
        if self.pipes.get(key).is_none() {
            return;
        }
        {
            let (pat, mut cx) = self.cx();
            pat.terminated(key, &mut cx);
        }
        if let Some(mut p) = self.pipes.remove(key) {
            p.close();
        }
    }

    /// After a change of SNDHWM/RCVHWM, existing pipes follow (as libzmq
    /// does since 4.2), keeping the share their peer contributed.
    pub(super) fn apply_hwms(&mut self, option: i32) {
        if option != options::opt::SNDHWM && option != options::opt::RCVHWM {
            return;
        }
        let (snd, rcv) = (self.options.sndhwm, self.options.rcvhwm);
        for key in self.pipes.keys() {
            let p = self.pipes.at(key);
            let peer = p.peer_info();
            let (peer_snd, peer_rcv) = (
                peer.as_ref().map(|i| i.sndhwm),
                peer.as_ref().map(|i| i.rcvhwm),
            );
            let inbound = match peer_snd {
                Some(ps) => sum_hwm(rcv, ps),
                None => hwm(rcv),
            };
            let outbound = match peer_rcv {
                Some(pr) => sum_hwm(snd, pr),
                None => hwm(snd),
            };
            p.set_hwms(inbound, outbound);
        }
    }
}
