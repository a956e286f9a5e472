//! How pipes, peers and the context reach a socket: the commands its
//! mailbox carries, and `MailboxWaker`, the handle they post them through.
//!
//! Posting a command only queues it and wakes the socket; it never touches
//! the socket's state, which only the socket's own calls change (under its
//! lock, in `State::process_commands`).

use std::sync::Arc;

use crate::ctx::SocketLink;
use crate::io::Mailbox;
use crate::pipe::{Pipe, PipeEvent, PipeKey, Waker};

use super::Waiters;

/// Commands a socket's mailbox carries.
pub enum Command {
    /// Something happened to one of its pipes.
    Pipe(PipeKey, PipeEvent),
    /// A new pipe from a peer (inproc connect, or a network session).
    Attach(Pipe),
    /// The context is terminating.
    Stop,
}

/// Routes a socket's pipe events into its mailbox. A thread-safe socket's
/// waiters are woken as well: its mailbox fd wakes nobody (see `waiters`).
pub(super) struct MailboxWaker {
    pub(super) mailbox: Arc<Mailbox<Command>>,
    pub(super) waiters: Option<Arc<Waiters>>,
}

impl MailboxWaker {
    fn post(&self, cmd: Command) {
        self.mailbox.send(cmd);
        if let Some(w) = &self.waiters {
            w.wake_all();
        }
    }
}

impl Waker for MailboxWaker {
    fn wake(&self, key: PipeKey, event: PipeEvent) {
        self.post(Command::Pipe(key, event));
    }
}

impl SocketLink for MailboxWaker {
    fn attach(&self, pipe: Pipe) {
        self.post(Command::Attach(pipe));
    }
    fn stop(&self) {
        self.post(Command::Stop);
    }
}
