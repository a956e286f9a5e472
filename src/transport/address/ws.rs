//! `ws://` and `wss://` addresses (libzmq master's `ws_address`):
//! `host:port[/path]`. The host and port are a tcp address (`*` for any
//! interface or port when binding); the path, `/` when absent, is the
//! resource of the HTTP upgrade. The `Host` header carries the host
//! without the port, as libzmq sends it.

use std::net::SocketAddr;

use super::tcp::numeric_host;
use crate::error::{Error, Result};

/// A ws endpoint's address, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsAddress {
    /// `host:port`, for the tcp resolver.
    pub host_port: String,
    /// The host as given (the `Host` header).
    pub host: String,
    /// `/...`: the upgrade's resource.
    pub path: String,
}

impl WsAddress {
    /// Splits `host:port[/path]`: the port follows the last `:` before
    /// the path. `EINVAL` without a port separator.
    pub fn parse(text: &str) -> Result<WsAddress> {
        let colon = text.rfind(':').ok_or(Error::Inval)?;
        let (host_port, path) = match text[colon..].find('/') {
            Some(slash) => text.split_at(colon + slash),
            None => (text, "/"),
        };
        Ok(WsAddress {
            host_port: host_port.to_owned(),
            host: text[..colon].to_owned(),
            path: path.to_owned(),
        })
    }
}

/// `ZMQ_LAST_ENDPOINT` of a ws listener bound at `local`:
/// `scheme://address:port/path`.
pub fn ws_endpoint(scheme: &str, local: &SocketAddr, path: &str) -> String {
    match local {
        SocketAddr::V4(_) => format!("{scheme}://{}:{}{path}", numeric_host(local), local.port()),
        SocketAddr::V6(_) => format!(
            "{scheme}://[{}]:{}{path}",
            numeric_host(local),
            local.port()
        ),
    }
}
