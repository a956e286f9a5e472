//! Unix-domain sockets for the ipc:// transport: listeners (file paths,
//! abstract names, the `*` wildcard's private directory) and non-blocking
//! connects. Only OS calls live here.

use std::path::PathBuf;

use super::address::{create_ipc_wildcard, IpcAddress};
use crate::error::Result;

/// A bound ipc listener and what to clean up when it closes.
pub struct IpcListener {
    pub listener: mio::net::UnixListener,
    pub address: IpcAddress,
    /// The socket file to unlink on close (path addresses only).
    pub file: Option<PathBuf>,
    /// The private directory of an `ipc://*` bind, removed on close.
    pub dir: Option<PathBuf>,
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            let _ = std::fs::remove_file(f);
        }
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// Binds an ipc address (the part after `ipc://`).
pub fn listen(addr: &str) -> Result<IpcListener> {
    let (address, dir) = if IpcAddress::is_wildcard(addr) {
        let w = create_ipc_wildcard()?;
        (w.address, Some(w.dir))
    } else {
        (IpcAddress::parse(addr)?, None)
    };
    let file = match &address {
        IpcAddress::Path(p) => {
            // A stale socket file from an earlier process is replaced.
            let _ = std::fs::remove_file(p);
            Some(p.clone())
        }
        _ => None,
    };
    let sa = address.to_socket_addr()?;
    let std = std::os::unix::net::UnixListener::bind_addr(&sa)?;
    std.set_nonblocking(true)?;
    Ok(IpcListener {
        listener: mio::net::UnixListener::from_std(std),
        address,
        file,
        dir,
    })
}

/// Starts a non-blocking connect to an ipc address.
pub fn connect(address: &IpcAddress) -> Result<mio::net::UnixStream> {
    Ok(mio::net::UnixStream::connect_addr(
        &address.to_socket_addr()?,
    )?)
}
