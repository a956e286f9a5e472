//! The I/O layer: signalers, mailboxes and the I/O threads that drive
//! transports. Nothing here knows about sockets or ZMTP.

pub mod mailbox;
pub mod signaler;
pub mod thread;

pub use mailbox::Mailbox;
pub use signaler::Signaler;
pub use thread::{Handler, IoCommand, IoTask, IoThread, Reactor, ThreadConfig};
