//! `Stream`: a connected tcp or ipc socket as the engine sees it —
//! non-blocking reads into spare buffer capacity and writes, plus the mio
//! registration. OS calls only.

use std::io::{self, Write};
use std::os::fd::{AsRawFd, RawFd};

use bytes::BytesMut;
use mio::{Interest, Registry, Token};

pub enum Stream {
    Tcp(mio::net::TcpStream),
    Ipc(mio::net::UnixStream),
}

/// How a non-blocking read ended.
pub enum ReadOutcome {
    /// This many bytes were appended.
    Data(usize),
    /// Nothing to read now.
    WouldBlock,
    /// The peer closed the connection.
    Eof,
}

impl Stream {
    pub fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Ipc(s) => s.as_raw_fd(),
        }
    }

    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => registry.register(s, token, interest),
            Stream::Ipc(s) => registry.register(s, token, interest),
        }
    }

    pub fn deregister(&mut self, registry: &Registry) {
        let _ = match self {
            Stream::Tcp(s) => registry.deregister(s),
            Stream::Ipc(s) => registry.deregister(s),
        };
    }

    /// The pending error of a connect in progress, if it failed.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Ipc(s) => s.take_error(),
        }
    }

    /// This end's address as a monitor event names it.
    pub fn local_endpoint(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .local_addr()
                .map(|a| crate::transport::address::tcp_endpoint(&a))
                .unwrap_or_default(),
            Stream::Ipc(s) => s.local_addr().map(|a| ipc_endpoint(&a)).unwrap_or_default(),
        }
    }

    /// The peer's address as a monitor event names it.
    pub fn peer_endpoint(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| crate::transport::address::tcp_endpoint(&a))
                .unwrap_or_default(),
            Stream::Ipc(s) => s.peer_addr().map(|a| ipc_endpoint(&a)).unwrap_or_default(),
        }
    }

    /// The peer's IP address (tcp), as ZAP requests and `Peer-Address`
    /// name a connected peer; empty for ipc.
    pub fn peer_ip(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Stream::Ipc(_) => String::new(),
        }
    }

    /// Whether a non-blocking connect has completed.
    pub fn is_connected(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.peer_addr().is_ok(),
            Stream::Ipc(s) => s.peer_addr().is_ok(),
        }
    }

    /// Reads what is available (up to `max` bytes) onto the end of `buf`.
    pub fn read_into(&mut self, buf: &mut BytesMut, max: usize) -> io::Result<ReadOutcome> {
        loop {
            let e = match crate::sys::fd::read_appending(self.fd(), buf, max) {
                Ok(0) => return Ok(ReadOutcome::Eof),
                Ok(n) => return Ok(ReadOutcome::Data(n)),
                Err(e) => e,
            };
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(ReadOutcome::WouldBlock),
                _ => return Err(e),
            }
        }
    }

    /// Writes as much of `bufs` (in order) as the socket takes; `Ok(0)`
    /// when full.
    pub fn write_vectored(&mut self, bufs: &[io::IoSlice]) -> io::Result<usize> {
        loop {
            let r = match self {
                Stream::Tcp(s) => s.write_vectored(bufs),
                Stream::Ipc(s) => s.write_vectored(bufs),
            };
            return match r {
                Ok(n) => Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }

    /// Writes as much of `data` as the socket takes; `Ok(0)` when full.
    pub fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
        loop {
            let r = match self {
                Stream::Tcp(s) => s.write(data),
                Stream::Ipc(s) => s.write(data),
            };
            return match r {
                Ok(n) => Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }
}

/// Plain reads and writes, for a layer that frames the stream itself
/// (TLS); `WouldBlock` passes through.
impl io::Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => io::Read::read(s, buf),
            Stream::Ipc(s) => io::Read::read(s, buf),
        }
    }
}

impl io::Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Ipc(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `ipc://path`, `ipc://@name` (abstract), or `ipc://` for an unnamed end
/// (a connecting socket's own end).
fn ipc_endpoint(addr: &std::os::unix::net::SocketAddr) -> String {
    use std::os::linux::net::SocketAddrExt;
    if let Some(path) = addr.as_pathname() {
        return format!("ipc://{}", path.display());
    }
    if let Some(name) = addr.as_abstract_name() {
        return format!("ipc://@{}", String::from_utf8_lossy(name));
    }
    "ipc://".to_owned()
}
