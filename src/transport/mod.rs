//! Transports: endpoint addresses and the OS sockets behind tcp://, ipc://,
//! udp://, pgm:// and epgm://. No ZMTP, no PGM and no socket semantics here.

pub mod accept_filter;
pub mod address;
pub mod ipc;
pub mod pgm;
pub mod socks;
pub mod tcp;
pub mod tls;
pub mod udp;
