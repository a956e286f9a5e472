//! Unix-domain sockets for the ipc:// transport: listeners (file paths,
//! abstract names, the `*` wildcard's private directory) and non-blocking
//! connects, made through std and `sys::socket`. No ZMTP here.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use super::address::{create_ipc_wildcard, IpcAddress};
use crate::error::Result;
use crate::sys::socket;

/// A bound ipc listener and what to clean up when it closes.
pub struct IpcListener {
    pub listener: mio::net::UnixListener,
    pub address: IpcAddress,
    /// The socket file to unlink on close (path addresses only), with its
    /// device and inode: a later bind may have replaced it, and that file
    /// must stay.
    pub file: Option<(PathBuf, u64, u64)>,
    /// The private directory of an `ipc://*` bind, removed on close.
    pub dir: Option<PathBuf>,
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Some((f, dev, ino)) = &self.file {
            let ours =
                std::fs::symlink_metadata(f).is_ok_and(|m| m.dev() == *dev && m.ino() == *ino);
            if ours {
                let _ = std::fs::remove_file(f);
            }
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
    if let IpcAddress::Path(p) = &address {
        // A stale socket file from an earlier process is replaced.
        let _ = std::fs::remove_file(p);
    }
    let sa = address.to_socket_addr()?;
    let std = std::os::unix::net::UnixListener::bind_addr(&sa)?;
    let file = match &address {
        IpcAddress::Path(p) => std::fs::symlink_metadata(p)
            .ok()
            .map(|m| (p.clone(), m.dev(), m.ino())),
        _ => None,
    };
    std.set_nonblocking(true)?;
    Ok(IpcListener {
        listener: mio::net::UnixListener::from_std(std),
        address,
        file,
        dir,
    })
}

/// Takes over a unix socket the application bound and put in listening
/// state itself (`ZMQ_USE_FD`), known as `addr`. It is closed with the
/// listener, and its file is left alone (we did not make it).
pub fn adopt_listener(fd: std::os::fd::RawFd, addr: &str) -> Result<IpcListener> {
    let address = IpcAddress::parse(addr)?;
    // The application handed this descriptor over with ZMQ_USE_FD; from
    // here on the listener owns it.
    let std = std::os::unix::net::UnixListener::from(socket::adopt(fd));
    if std.local_addr().is_err() {
        return Err(crate::error::Error::Inval);
    }
    std.set_nonblocking(true)?;
    Ok(IpcListener {
        listener: mio::net::UnixListener::from_std(std),
        address,
        file: None,
        dir: None,
    })
}

/// Starts a non-blocking connect to an ipc address.
pub fn connect(address: &IpcAddress) -> Result<mio::net::UnixStream> {
    Ok(mio::net::UnixStream::connect_addr(
        &address.to_socket_addr()?,
    )?)
}

/// The credentials of the process at the other end (`SO_PEERCRED`):
/// uid, gid, pid.
pub fn peer_credentials(fd: std::os::fd::RawFd) -> Option<(u32, u32, i32)> {
    let cred = socket::peer_credentials(fd).ok()?;
    Some((cred.uid, cred.gid, cred.pid))
}
