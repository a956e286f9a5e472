//! Outgoing connections: where a connecting session connects (`Target`),
//! the non-blocking connect (straight to the peer, or to the SOCKS proxy
//! of `ZMQ_SOCKS_PROXY`), and the engine that runs on the connection once
//! it is made. This is where a new stream transport plugs into the
//! session: a target variant, how to connect to it, which engine it gets.
//! No retry logic here: the session decides when to try again.

use super::config::SessionConfig;
use super::stream::Stream;
use super::tls_stream::TlsStream;
use super::ws_engine::{Link, WsEngine, WsTarget};
use super::{Engine, ZmtpEngine};
use crate::error::{Error, Result};
use crate::transport::address::{IpcAddress, TcpAddress};
use crate::transport::socks::{SocksAddr, SocksClient};
use crate::transport::tls::TlsClient;
use crate::transport::{ipc, tcp};

/// Where a connecting session connects.
#[derive(Clone)]
pub enum Target {
    Tcp(TcpAddress),
    Ipc(IpcAddress),
    /// ws:// (with `tls`, wss://): tcp, then the WebSocket upgrade.
    Ws {
        addr: TcpAddress,
        target: WsTarget,
        tls: Option<TlsClient>,
    },
}

impl Target {
    /// Whether the connection goes through the SOCKS proxy: the proxy is
    /// then what is connected to, and the engine asks it for the peer.
    pub fn via_proxy(&self, c: &SessionConfig) -> bool {
        matches!(self, Target::Tcp(_)) && c.socks.is_some()
    }

    /// Starts a non-blocking connect. `EHOSTUNREACH`/`EINVAL`: the name did
    /// not resolve, and no socket was made.
    pub fn connect(&self, c: &SessionConfig) -> Result<Stream> {
        match (self, &c.socks) {
            (Target::Tcp(_), Some(proxy)) => String::from_utf8(proxy.address.clone())
                .map_err(|_| Error::Inval)
                .and_then(|p| TcpAddress::for_connect(&p))
                .and_then(|proxy| proxy.resolve(c.ipv6))
                .and_then(|res| tcp::connect(None, &res.address, &c.tcp))
                .map(Stream::Tcp),
            (Target::Tcp(addr), None) => addr.resolve(c.ipv6).and_then(|res| {
                tcp::connect(res.source.as_ref(), &res.address, &c.tcp).map(Stream::Tcp)
            }),
            (Target::Ipc(addr), _) => ipc::connect(addr).map(Stream::Ipc),
            // libzmq's ws connecter goes straight to the peer (no SOCKS).
            (Target::Ws { addr, .. }, _) => addr.resolve(c.ipv6).and_then(|res| {
                tcp::connect(res.source.as_ref(), &res.address, &c.tcp).map(Stream::Tcp)
            }),
        }
    }

    /// The engine for a connection this target's connect made. `endpoint`
    /// is the endpoint the user connected (`tcp://host:port`), which a
    /// SOCKS proxy is asked to reach.
    pub fn engine(
        &self,
        c: &SessionConfig,
        stream: Stream,
        endpoint: &str,
    ) -> Option<Box<dyn Engine>> {
        if let Stream::Tcp(_) = &stream {
            tcp::tune_connection(stream.fd(), &c.tcp);
        }
        let peer = stream.peer_ip();
        if let Target::Ws { target, tls, .. } = self {
            let link = match tls {
                Some(tls) => Link::Tls(Box::new(TlsStream::client(stream, tls).ok()?)),
                None => Link::Plain(stream),
            };
            let engine = WsEngine::client(link, c.handshake.clone(), peer, target);
            return engine.ok().map(|e| Box::new(e) as Box<dyn Engine>);
        }
        let mut engine = new_engine(c, stream, peer)?;
        if let (true, Some(proxy)) = (self.via_proxy(c), &c.socks) {
            let dest = endpoint.strip_prefix("tcp://")?;
            let target = SocksAddr::from_endpoint(dest).ok()?;
            let client = SocksClient::new(target, &proxy.username, &proxy.password).ok()?;
            engine.through_proxy(client);
        }
        Some(Box::new(engine))
    }
}

/// The engine for a connection a listener accepted: WebSocket for a ws
/// listener, else as `new_engine`.
pub fn accepted_engine(c: &SessionConfig, stream: Stream, peer: String) -> Option<Box<dyn Engine>> {
    if let Some(ws) = &c.ws {
        let link = match &ws.tls {
            Some(tls) => Link::Tls(Box::new(TlsStream::server(stream, tls.clone()).ok()?)),
            None => Link::Plain(stream),
        };
        let engine = WsEngine::server(link, c.handshake.clone(), peer);
        return engine.ok().map(|e| Box::new(e) as Box<dyn Engine>);
    }
    new_engine(c, stream, peer).map(|e| Box::new(e) as Box<dyn Engine>)
}

/// The engine for a new stream connection, connected or accepted: raw for
/// STREAM, ZMTP otherwise. `peer` is the peer's address as ZAP and
/// `Peer-Address` name it.
pub fn new_engine(c: &SessionConfig, stream: Stream, peer: String) -> Option<ZmtpEngine> {
    if c.raw {
        let fd = stream.fd();
        return Some(ZmtpEngine::raw(stream, peer, fd));
    }
    ZmtpEngine::new(stream, c.handshake.clone(), peer).ok()
}
