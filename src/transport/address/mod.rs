//! Endpoint addresses of the `tcp://` and `ipc://` transports: the text after
//! the `://` of a `zmq_bind`/`zmq_connect` endpoint, checked, split and turned
//! into socket addresses with the forms and errno values libzmq has
//! (zmq_tcp(7), zmq_ipc(7)), and the canonical text of an address that
//! `ZMQ_LAST_ENDPOINT` reports.
//!
//! It never creates, binds or connects a socket (the one thing it creates is
//! the private directory of an `ipc://*` bind). Parsing and formatting are
//! pure; only the `resolve` functions look things up (network interfaces,
//! getaddrinfo and so DNS), so they may block: `zmq_connect` must not call
//! them on the application thread, since libzmq resolves a connect address in
//! its I/O thread, each time it (re)connects.
//!
//! - `tcp`: the `tcp://` address as given and its `ZMQ_LAST_ENDPOINT` text;
//! - `resolve`: turning its `host:port` parts into socket addresses;
//! - `ipc`: `ipc://` addresses and the `ipc://*` directory;
//! - `ws`: `ws://` and `wss://` addresses (a tcp address and a path).

mod ipc;
mod resolve;
mod tcp;
#[cfg(test)]
mod tests;
mod ws;

pub use ipc::{create_ipc_wildcard, IpcAddress, IpcWildcard, IPC_MAX_LEN};
pub use tcp::{numeric_host, tcp_endpoint, ResolvedTcp, TcpAddress};
pub use ws::{ws_endpoint, WsAddress};
