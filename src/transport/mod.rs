//! Transports: endpoint addresses and the OS sockets behind tcp:// and
//! ipc://. No ZMTP and no socket semantics here.

pub mod address;
pub mod ipc;
pub mod socks;
pub mod tcp;
