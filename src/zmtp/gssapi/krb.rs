//! The `SecurityContext` of the system's GSSAPI library (MIT Kerberos,
//! `sys::gssapi`), made from the socket's names as libzmq makes it:
//!
//! - with `ZMQ_GSSAPI_PRINCIPAL` set, credentials for that name, to both
//!   initiate and accept (`GSS_C_BOTH`, so either end needs a key in its
//!   keytab and a ticket or client keytab, as with libzmq); without it the
//!   default credentials;
//! - an initiator asks for mutual authentication and replay detection
//!   towards `ZMQ_GSSAPI_SERVICE_PRINCIPAL`;
//! - names are imported as the C strings libzmq passes (up to the first
//!   NUL), read as their `*_NAMETYPE` says.
//!
//! Nothing is loaded or asked of the KDC before the first step, so a
//! socket is configured the same with or without Kerberos; a missing
//! library or credential fails that step (the handshake).

use bytes::Bytes;

use super::{ContextFailed, ContextStep, GssapiConfig, SecurityContext};
use crate::sys::gssapi::{self, c_string, Context, Credential, Gss, Name, NameType};

/// Whether the system's GSSAPI library is there to use
/// (`zmq_has("gssapi")`); the first call loads it.
pub fn available() -> bool {
    gssapi::library().is_some()
}

fn name_type(value: i32) -> NameType {
    match value {
        1 => NameType::UserName,
        2 => NameType::Krb5Principal,
        _ => NameType::HostBased,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Initiator,
    Acceptor,
}

/// A Kerberos security context, from its first step on.
#[derive(Debug)]
pub struct KrbContext {
    role: Role,
    names: GssapiConfig,
    /// From the first step on.
    lib: Option<&'static Gss>,
    credential: Option<Credential>,
    target: Option<Name>,
    context: Option<Context>,
    peer: Option<Bytes>,
}

impl KrbContext {
    /// The client's context (towards the service principal).
    pub fn initiator(names: &GssapiConfig) -> KrbContext {
        KrbContext::new(Role::Initiator, names)
    }

    /// The server's context.
    pub fn acceptor(names: &GssapiConfig) -> KrbContext {
        KrbContext::new(Role::Acceptor, names)
    }

    fn new(role: Role, names: &GssapiConfig) -> KrbContext {
        KrbContext {
            role,
            names: names.clone(),
            lib: None,
            credential: None,
            target: None,
            context: None,
            peer: None,
        }
    }

    /// The library, our credentials and (initiators) the target name.
    fn start(&mut self) -> Result<&'static Gss, ContextFailed> {
        if let Some(lib) = self.lib {
            return Ok(lib);
        }
        let lib = gssapi::library().ok_or(ContextFailed)?;
        let principal = c_string(&self.names.principal);
        if !principal.is_empty() {
            let name = lib
                .import_name(principal, name_type(self.names.principal_nt))
                .map_err(|_| ContextFailed)?;
            self.credential = Some(lib.acquire_cred(&name).map_err(|_| ContextFailed)?);
        }
        if self.role == Role::Initiator {
            let service = c_string(&self.names.service_principal);
            let target = lib
                .import_name(service, name_type(self.names.service_principal_nt))
                .map_err(|_| ContextFailed)?;
            self.target = Some(target);
        }
        self.lib = Some(lib);
        Ok(lib)
    }
}

impl SecurityContext for KrbContext {
    fn step(&mut self, token: Option<&[u8]>) -> Result<ContextStep, ContextFailed> {
        let lib = self.start()?;
        let step = match self.role {
            Role::Initiator => {
                let target = self.target.as_ref().ok_or(ContextFailed)?;
                lib.init_sec_context(self.credential.as_ref(), &mut self.context, target, token)
                    .map_err(|_| ContextFailed)?
            }
            Role::Acceptor => {
                let token = token.ok_or(ContextFailed)?;
                let (step, name) = lib
                    .accept_sec_context(&mut self.context, self.credential.as_ref(), token)
                    .map_err(|_| ContextFailed)?;
                if let Some(name) = name {
                    self.peer = lib.display_name(&name).ok().map(Bytes::from);
                }
                step
            }
        };
        Ok(ContextStep {
            token: step.token,
            complete: step.complete,
        })
    }

    fn wrap(&mut self, plain: &[u8]) -> Result<Vec<u8>, ContextFailed> {
        let (lib, context) = (self.lib, self.context.as_ref());
        let (Some(lib), Some(context)) = (lib, context) else {
            return Err(ContextFailed);
        };
        lib.wrap(context, plain).map_err(|_| ContextFailed)
    }

    fn unwrap(&mut self, token: &[u8]) -> Result<Vec<u8>, ContextFailed> {
        let (lib, context) = (self.lib, self.context.as_ref());
        let (Some(lib), Some(context)) = (lib, context) else {
            return Err(ContextFailed);
        };
        lib.unwrap(context, token).map_err(|_| ContextFailed)
    }

    fn peer_name(&self) -> Option<Bytes> {
        self.peer.clone()
    }
}
