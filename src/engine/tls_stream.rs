//! `TlsStream`: a TLS session (rustls) over a non-blocking `Stream`, with
//! the same read and write calls, for the wss engine. The handshake runs
//! inside them: a read takes in the peer's records and sends what the
//! session answers, a write queues plain text that leaves once the
//! handshake is done. Records the socket would not take wait in the
//! session until `flush`.
//!
//! A TLS failure is an `InvalidData` error; it never falls back to clear
//! text.

use std::io::{self, Read, Write};
use std::sync::Arc;

use bytes::BytesMut;
use rustls::{ClientConnection, Connection, ServerConfig, ServerConnection};

use super::stream::{ReadOutcome, Stream};
use crate::transport::tls::TlsClient;

pub struct TlsStream {
    session: Connection,
    stream: Stream,
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl TlsStream {
    pub fn client(stream: Stream, tls: &TlsClient) -> io::Result<TlsStream> {
        let session = ClientConnection::new(tls.config.clone(), tls.server_name.clone())
            .map_err(tls_error)?;
        Ok(TlsStream {
            session: session.into(),
            stream,
        })
    }

    pub fn server(stream: Stream, config: Arc<ServerConfig>) -> io::Result<TlsStream> {
        let session = ServerConnection::new(config).map_err(tls_error)?;
        Ok(TlsStream {
            session: session.into(),
            stream,
        })
    }

    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    pub fn stream_mut(&mut self) -> &mut Stream {
        &mut self.stream
    }

    /// Appends up to `max` bytes of plain text to `buf`: what the session
    /// holds, else what the socket brings. `WouldBlock` only when both
    /// are dry.
    pub fn read_into(&mut self, buf: &mut BytesMut, max: usize) -> io::Result<ReadOutcome> {
        let mut socket_closed = false;
        loop {
            let state = self.session.process_new_packets().map_err(tls_error)?;
            // Handshake answers (and alerts) go out at once.
            self.flush()?;
            let available = state.plaintext_bytes_to_read().min(max);
            if available > 0 {
                let start = buf.len();
                buf.resize(start + available, 0);
                let n = self.session.reader().read(&mut buf[start..])?;
                buf.truncate(start + n);
                return Ok(ReadOutcome::Data(n));
            }
            if state.peer_has_closed() || socket_closed {
                return Ok(ReadOutcome::Eof);
            }
            match self.session.read_tls(&mut self.stream) {
                Ok(0) => socket_closed = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(ReadOutcome::WouldBlock)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes as much of `data` as the session accepts; `Ok(0)` when it
    /// can take nothing now (its buffer is full and the socket is, or the
    /// handshake is still going).
    pub fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.session.writer().write(data)?;
        if n > 0 || data.is_empty() {
            self.flush()?;
            return Ok(n);
        }
        // Full: once its records are out it takes more.
        if !self.flush()? || self.session.is_handshaking() {
            return Ok(0);
        }
        let n = self.session.writer().write(data)?;
        self.flush()?;
        Ok(n)
    }

    /// Writes the session's pending records; true when none is left.
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.session.wants_write() {
            match self.session.write_tls(&mut self.stream) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}
