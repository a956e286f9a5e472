//! Error values of the library: one enum whose numbers are the errno values
//! libzmq's C API reports. Every layer returns `Result<T, Error>`; only
//! `ffi/` turns an `Error` into `errno` and a `-1`/`NULL` return.

use std::fmt;
use std::io;

/// Base of libzmq's own error numbers (`ZMQ_HAUSNUMERO` in zmq.h).
pub const HAUSNUMERO: i32 = 156_384_712;

/// libzmq's own errors, above `HAUSNUMERO`.
pub const EFSM: i32 = HAUSNUMERO + 51;
pub const ENOCOMPATPROTO: i32 = HAUSNUMERO + 52;
pub const ETERM: i32 = HAUSNUMERO + 53;
pub const EMTHREAD: i32 = HAUSNUMERO + 54;

/// An error with the errno number libzmq reports for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// `EAGAIN`: non-blocking call would block, or a timeout expired.
    Again,
    /// `EINVAL`: an argument is out of range or of the wrong size.
    Inval,
    /// `EFAULT`: a NULL or invalid handle or message.
    Fault,
    /// `ENOMEM`: an allocation failed.
    NoMem,
    /// `ENOTSOCK`: the handle is not a socket.
    NotSock,
    /// `ENOTSUP`: the operation is not supported (yet, or by this socket type).
    NotSup,
    /// `EINTR`: a signal interrupted a blocking call.
    Intr,
    /// `EMFILE`: too many sockets or file descriptors.
    MFile,
    /// `ENOENT`: no such endpoint.
    NoEnt,
    /// `EPROTONOSUPPORT`: the transport is not supported.
    ProtoNoSupport,
    /// `EADDRINUSE`: the address is already bound.
    AddrInUse,
    /// `EHOSTUNREACH`: a routed message has no peer (ROUTER_MANDATORY).
    HostUnreach,
    /// `EMSGSIZE`
    MsgSize,
    /// `EFSM`: the operation is not valid in the socket's current state.
    Fsm,
    /// `ENOCOMPATPROTO`: the transport does not suit the socket type.
    NoCompatProto,
    /// `ETERM`: the context was terminated.
    Term,
    /// `EMTHREAD`: no I/O thread is available.
    MThread,
    /// Any other system error, by its errno number.
    Os(i32),
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The errno number the C API reports for this error.
    pub fn errno(self) -> i32 {
        match self {
            Error::Again => libc::EAGAIN,
            Error::Inval => libc::EINVAL,
            Error::Fault => libc::EFAULT,
            Error::NoMem => libc::ENOMEM,
            Error::NotSock => libc::ENOTSOCK,
            Error::NotSup => libc::ENOTSUP,
            Error::Intr => libc::EINTR,
            Error::MFile => libc::EMFILE,
            Error::NoEnt => libc::ENOENT,
            Error::ProtoNoSupport => libc::EPROTONOSUPPORT,
            Error::AddrInUse => libc::EADDRINUSE,
            Error::HostUnreach => libc::EHOSTUNREACH,
            Error::MsgSize => libc::EMSGSIZE,
            Error::Fsm => EFSM,
            Error::NoCompatProto => ENOCOMPATPROTO,
            Error::Term => ETERM,
            Error::MThread => EMTHREAD,
            Error::Os(n) => n,
        }
    }

    /// The error for an errno number (the inverse of `errno`).
    pub fn from_errno(n: i32) -> Error {
        const KNOWN: [Error; 17] = [
            Error::Again,
            Error::Inval,
            Error::Fault,
            Error::NoMem,
            Error::NotSock,
            Error::NotSup,
            Error::Intr,
            Error::MFile,
            Error::NoEnt,
            Error::ProtoNoSupport,
            Error::AddrInUse,
            Error::HostUnreach,
            Error::MsgSize,
            Error::Fsm,
            Error::NoCompatProto,
            Error::Term,
            Error::MThread,
        ];
        KNOWN
            .into_iter()
            .find(|e| e.errno() == n)
            .unwrap_or(Error::Os(n))
    }

    /// The error of the last failed system call on this thread.
    pub fn last_os_error() -> Error {
        Error::from(io::Error::last_os_error())
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        match e.raw_os_error() {
            Some(n) => Error::from_errno(n),
            None if e.kind() == io::ErrorKind::WouldBlock => Error::Again,
            None if e.kind() == io::ErrorKind::OutOfMemory => Error::NoMem,
            None => Error::Inval,
        }
    }
}

/// The text libzmq gives for an error number it words itself (its own errors
/// and `EHOSTUNREACH`), or `None` for a
/// system errno (whose text comes from the C library).
pub fn zmq_error_text(n: i32) -> Option<&'static str> {
    Some(match n {
        EFSM => "Operation cannot be accomplished in current state",
        ENOCOMPATPROTO => "The protocol is not compatible with the socket type",
        ETERM => "Context was terminated",
        EMTHREAD => "No thread available",
        libc::EHOSTUNREACH => "Host unreachable",
        _ => return None,
    })
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match zmq_error_text(self.errno()) {
            Some(text) => f.write_str(text),
            None => write!(f, "{}", io::Error::from_raw_os_error(self.errno())),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trips() {
        for n in [
            libc::EAGAIN,
            libc::EINVAL,
            EFSM,
            ETERM,
            EMTHREAD,
            libc::EPIPE,
        ] {
            assert_eq!(Error::from_errno(n).errno(), n);
        }
        assert_eq!(Error::from_errno(libc::EPIPE), Error::Os(libc::EPIPE));
    }

    #[test]
    fn zmq_numbers_follow_hausnumero() {
        assert_eq!(EFSM, 156_384_763);
        assert_eq!(ENOCOMPATPROTO, 156_384_764);
        assert_eq!(ETERM, 156_384_765);
        assert_eq!(EMTHREAD, 156_384_766);
    }
}
