//! `ipc://` addresses (zmq_ipc(7)): file paths and Linux abstract names,
//! their length limit, their `ZMQ_LAST_ENDPOINT` text, and the private
//! directory an `ipc://*` bind gets. It never binds or connects.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sys::fs;

/// The longest `ipc://` address libzmq takes, in bytes (a leading `@`
/// included): `sun_path` less its terminating NUL, 107 on Linux
/// (zmq_ipc(7)). Longer is `ENAMETOOLONG`.
pub const IPC_MAX_LEN: usize = std::mem::size_of::<libc::sockaddr_un>()
    - std::mem::offset_of!(libc::sockaddr_un, sun_path)
    - 1;

/// An `ipc://` address (a Unix domain socket address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcAddress {
    /// A file system path, relative to the working directory unless it
    /// starts with `/`.
    Path(PathBuf),
    /// A name in Linux's abstract namespace, given as `@name` (`sun_path`
    /// starts with a NUL, unix(7)).
    Abstract(Vec<u8>),
    /// A socket without a name, as a connecting peer is seen.
    Unnamed,
}

impl IpcAddress {
    /// Parses the text after `ipc://`. `@` alone is `EINVAL`; more than
    /// [`IPC_MAX_LEN`] bytes is `ENAMETOOLONG`. A bind to an address starting
    /// with `*` uses [`create_ipc_wildcard`] instead (see [`Self::is_wildcard`]).
    pub fn parse(addr: &str) -> Result<IpcAddress> {
        check_ipc_len(addr.len())?;
        // The text comes from a C string, so it never holds a NUL.
        if addr.contains('\0') {
            return Err(Error::Inval);
        }
        match addr.strip_prefix('@') {
            Some("") => Err(Error::Inval),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Some(name) => Ok(IpcAddress::Abstract(name.as_bytes().to_vec())),
            _ => Ok(IpcAddress::Path(PathBuf::from(addr))),
        }
    }

    /// Whether `zmq_bind` treats `addr` as `ipc://*`: libzmq only looks at
    /// the first character, so `*anything` is a wildcard too. (`zmq_connect`
    /// takes `*` as a relative path.)
    pub fn is_wildcard(addr: &str) -> bool {
        addr.starts_with('*')
    }

    /// The address of a Unix socket, as `getsockname`/`getpeername` or
    /// `accept` give it.
    pub fn from_socket_addr(addr: &UnixSocketAddr) -> IpcAddress {
        if let Some(path) = addr.as_pathname() {
            return IpcAddress::Path(path.to_path_buf());
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            if let Some(name) = addr.as_abstract_name() {
                return IpcAddress::Abstract(name.to_vec());
            }
        }
        IpcAddress::Unnamed
    }

    /// The socket address to bind or connect to. `EINVAL` for `Unnamed`.
    pub fn to_socket_addr(&self) -> Result<UnixSocketAddr> {
        match self {
            IpcAddress::Path(path) => Ok(UnixSocketAddr::from_pathname(path)?),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            IpcAddress::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                Ok(UnixSocketAddr::from_abstract_name(name)?)
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            IpcAddress::Abstract(_) => Err(Error::NotSup),
            IpcAddress::Unnamed => Err(Error::Inval),
        }
    }

    /// The `ZMQ_LAST_ENDPOINT` text: `ipc:///tmp/x`, `ipc://relative`,
    /// `ipc://@name`, and `ipc://` for an unnamed socket. As libzmq reads
    /// `sun_path` as a C string, an abstract name ends at its first NUL
    /// (one starting with NUL gives `ipc://`).
    pub fn endpoint_string(&self) -> String {
        match self {
            IpcAddress::Path(path) => format!("ipc://{}", path.to_string_lossy()),
            IpcAddress::Abstract(name) => {
                let name = name.split(|&b| b == 0).next().unwrap_or_default();
                if name.is_empty() {
                    "ipc://".to_owned()
                } else {
                    format!("ipc://@{}", String::from_utf8_lossy(name))
                }
            }
            IpcAddress::Unnamed => "ipc://".to_owned(),
        }
    }
}

fn check_ipc_len(len: usize) -> Result<()> {
    if len > IPC_MAX_LEN {
        Err(Error::Os(libc::ENAMETOOLONG))
    } else {
        Ok(())
    }
}

/// The socket of an `ipc://*` bind: `<dir>/socket` in a directory of its
/// own. The listener removes the socket file and then `dir` when it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpcWildcard {
    pub dir: PathBuf,
    pub address: IpcAddress,
}

/// Makes a fresh directory (mode 0700, mkdtemp(3)) named `tmpXXXXXX` in the
/// first of `$TMPDIR`, `$TEMPDIR`, `$TMP` that is a directory, or else in the
/// working directory (libzmq does not fall back to `/tmp`). Errors are
/// mkdtemp's errno, or `ENAMETOOLONG` (the directory is then removed).
pub fn create_ipc_wildcard() -> Result<IpcWildcard> {
    let template = wildcard_template(|var| std::env::var_os(var));
    let dir = fs::mkdtemp(template)?;
    let path = dir.join("socket");
    if let Err(e) = check_ipc_len(path.as_os_str().len()) {
        // Best effort, as libzmq: the error that matters is the length.
        let _ = std::fs::remove_dir(&dir);
        return Err(e);
    }
    Ok(IpcWildcard {
        dir,
        address: IpcAddress::Path(path),
    })
}

/// The mkdtemp template for [`create_ipc_wildcard`], with `env` reading the
/// environment.
pub(super) fn wildcard_template(env: impl Fn(&str) -> Option<OsString>) -> Vec<u8> {
    let mut template = ["TMPDIR", "TEMPDIR", "TMP"]
        .into_iter()
        .filter_map(env)
        .find(|dir| Path::new(dir).is_dir())
        .map(|dir| dir.as_bytes().to_vec())
        .unwrap_or_default();
    if !template.is_empty() && !template.ends_with(b"/") {
        template.push(b'/');
    }
    template.extend_from_slice(b"tmpXXXXXX");
    template
}
