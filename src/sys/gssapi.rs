//! The system's GSSAPI library (MIT Kerberos, `libgssapi_krb5.so.2`),
//! loaded with `dlopen` the first time something asks for it, and wrapped
//! in safe types: `Name`, `Credential`, `Context` release what they hold
//! when dropped, and every buffer the library hands out is copied and
//! released at once.
//!
//! The library is never linked: a machine without Kerberos runs this crate
//! with nothing but libc, and `library()` then says `None`. What is looked
//! up is RFC 2744's C binding as MIT builds it on Linux (`OM_uint32` is
//! `u32`, a buffer is `{size_t, void *}`, an OID `{u32, void *}`, names,
//! contexts and credentials opaque pointers). The name-type OIDs are built
//! here from their DER bytes, so no data symbol is needed.
//!
//! Nothing here decides what a failure means: each call gives the
//! library's major and minor status as a `GssError`.

use std::ffi::{c_int, c_void, CStr};
use std::fmt;
use std::ptr;
use std::sync::OnceLock;

type OmUint32 = u32;
type Opaque = *mut c_void;

#[repr(C)]
struct Buffer {
    length: usize,
    value: *mut c_void,
}

impl Buffer {
    fn empty() -> Buffer {
        Buffer {
            length: 0,
            value: ptr::null_mut(),
        }
    }

    /// A buffer that lends `bytes` to one call (the library only reads
    /// input buffers).
    fn lend(bytes: &[u8]) -> Buffer {
        Buffer {
            length: bytes.len(),
            value: bytes.as_ptr() as *mut c_void,
        }
    }
}

#[repr(C)]
struct Oid {
    length: OmUint32,
    elements: *mut c_void,
}

// The C types of the functions used (RFC 2744 §5).
type ImportName =
    unsafe extern "C" fn(*mut OmUint32, *mut Buffer, *const Oid, *mut Opaque) -> OmUint32;
type AcquireCred = unsafe extern "C" fn(
    *mut OmUint32,
    Opaque,
    OmUint32,
    *mut c_void,
    c_int,
    *mut Opaque,
    *mut *mut c_void,
    *mut OmUint32,
) -> OmUint32;
type Release = unsafe extern "C" fn(*mut OmUint32, *mut Opaque) -> OmUint32;
type InitSecContext = unsafe extern "C" fn(
    *mut OmUint32,
    Opaque,
    *mut Opaque,
    Opaque,
    *const Oid,
    OmUint32,
    OmUint32,
    *mut c_void,
    *mut Buffer,
    *mut *mut Oid,
    *mut Buffer,
    *mut OmUint32,
    *mut OmUint32,
) -> OmUint32;
type AcceptSecContext = unsafe extern "C" fn(
    *mut OmUint32,
    *mut Opaque,
    Opaque,
    *mut Buffer,
    *mut c_void,
    *mut Opaque,
    *mut *mut Oid,
    *mut Buffer,
    *mut OmUint32,
    *mut OmUint32,
    *mut Opaque,
) -> OmUint32;
type DeleteSecContext = unsafe extern "C" fn(*mut OmUint32, *mut Opaque, *mut Buffer) -> OmUint32;
type Wrap = unsafe extern "C" fn(
    *mut OmUint32,
    Opaque,
    c_int,
    OmUint32,
    *mut Buffer,
    *mut c_int,
    *mut Buffer,
) -> OmUint32;
type Unwrap = unsafe extern "C" fn(
    *mut OmUint32,
    Opaque,
    *mut Buffer,
    *mut Buffer,
    *mut c_int,
    *mut OmUint32,
) -> OmUint32;
type DisplayName =
    unsafe extern "C" fn(*mut OmUint32, Opaque, *mut Buffer, *mut *mut Oid) -> OmUint32;
type ReleaseBuffer = unsafe extern "C" fn(*mut OmUint32, *mut Buffer) -> OmUint32;
type DisplayStatus = unsafe extern "C" fn(
    *mut OmUint32,
    OmUint32,
    c_int,
    *const Oid,
    *mut OmUint32,
    *mut Buffer,
) -> OmUint32;

const GSS_C_BOTH: c_int = 0;
const GSS_C_MUTUAL_FLAG: OmUint32 = 2;
const GSS_C_REPLAY_FLAG: OmUint32 = 4;
const GSS_C_QOP_DEFAULT: OmUint32 = 0;
const GSS_S_CONTINUE_NEEDED: OmUint32 = 1;
const GSS_C_GSS_CODE: c_int = 1;
const GSS_C_MECH_CODE: c_int = 2;
/// The routine and calling errors of a major status; the low 16 bits are
/// supplementary information (`CONTINUE_NEEDED`, duplicate token, ...).
const GSS_ERROR_MASK: OmUint32 = 0xffff_0000;

/// `GSS_C_NT_HOSTBASED_SERVICE`, 1.2.840.113554.1.2.1.4.
static NT_HOSTBASED: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04];
/// `GSS_C_NT_USER_NAME`, 1.2.840.113554.1.2.1.1.
static NT_USER_NAME: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x01];
/// `GSS_KRB5_NT_PRINCIPAL_NAME`, 1.2.840.113554.1.2.2.1.
static NT_KRB5_PRINCIPAL: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01];

/// How a name string is to be read (`ZMQ_GSSAPI_*_NAMETYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameType {
    /// `service` or `service@host`.
    HostBased,
    /// A user name, `user` or `user@REALM`.
    UserName,
    /// A full Kerberos principal, `primary/instance@REALM`.
    Krb5Principal,
}

impl NameType {
    fn oid(self) -> Oid {
        let der: &'static [u8; 10] = match self {
            NameType::HostBased => &NT_HOSTBASED,
            NameType::UserName => &NT_USER_NAME,
            NameType::Krb5Principal => &NT_KRB5_PRINCIPAL,
        };
        Oid {
            length: der.len() as OmUint32,
            elements: der.as_ptr() as *mut c_void,
        }
    }
}

/// A failed GSSAPI call: its major and minor status.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GssError {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Debug for GssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GssError({:#x}, {:#x})", self.major, self.minor)
    }
}

impl fmt::Display for GssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match library() {
            Some(lib) => write!(
                f,
                "{}; {}",
                lib.status_text(self.major, GSS_C_GSS_CODE),
                lib.status_text(self.minor, GSS_C_MECH_CODE)
            ),
            None => fmt::Debug::fmt(self, f),
        }
    }
}

/// The entry points of the loaded library.
pub struct Gss {
    import_name: ImportName,
    acquire_cred: AcquireCred,
    release_cred: Release,
    release_name: Release,
    init_sec_context: InitSecContext,
    accept_sec_context: AcceptSecContext,
    delete_sec_context: DeleteSecContext,
    wrap: Wrap,
    unwrap: Unwrap,
    display_name: DisplayName,
    release_buffer: ReleaseBuffer,
    display_status: DisplayStatus,
}

impl fmt::Debug for Gss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Gss")
    }
}

const LIBRARY: &CStr = c"libgssapi_krb5.so.2";

/// The system's GSSAPI library, loaded on the first call; `None` when it
/// is not installed or lacks a function this module needs. The handle is
/// never closed: the library stays loaded for the life of the process.
pub fn library() -> Option<&'static Gss> {
    static LOADED: OnceLock<Option<Gss>> = OnceLock::new();
    LOADED.get_or_init(load).as_ref()
}

fn load() -> Option<Gss> {
    // SAFETY: dlopen takes a NUL-terminated name; RTLD_LOCAL keeps the
    // library's symbols out of the global namespace, so it cannot capture
    // the application's own symbols or be captured by them.
    let handle = unsafe { libc::dlopen(LIBRARY.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return None;
    }
    let symbol = |name: &CStr| {
        // SAFETY: `handle` is a live handle from dlopen, never closed;
        // `name` is NUL-terminated.
        let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
        (!p.is_null()).then_some(p)
    };
    macro_rules! function {
        ($name:literal, $ty:ty) => {{
            let p = symbol($name)?;
            // SAFETY: the symbol is the RFC 2744 function of that name in
            // MIT's libgssapi_krb5, whose C type `$ty` spells out.
            unsafe { std::mem::transmute::<*mut c_void, $ty>(p) }
        }};
    }
    Some(Gss {
        import_name: function!(c"gss_import_name", ImportName),
        acquire_cred: function!(c"gss_acquire_cred", AcquireCred),
        release_cred: function!(c"gss_release_cred", Release),
        release_name: function!(c"gss_release_name", Release),
        init_sec_context: function!(c"gss_init_sec_context", InitSecContext),
        accept_sec_context: function!(c"gss_accept_sec_context", AcceptSecContext),
        delete_sec_context: function!(c"gss_delete_sec_context", DeleteSecContext),
        wrap: function!(c"gss_wrap", Wrap),
        unwrap: function!(c"gss_unwrap", Unwrap),
        display_name: function!(c"gss_display_name", DisplayName),
        release_buffer: function!(c"gss_release_buffer", ReleaseBuffer),
        display_status: function!(c"gss_display_status", DisplayStatus),
    })
}

fn check(major: OmUint32, minor: OmUint32) -> Result<OmUint32, GssError> {
    if major & GSS_ERROR_MASK != 0 {
        Err(GssError { major, minor })
    } else {
        Ok(major)
    }
}

/// An imported name (`gss_name_t`).
pub struct Name {
    lib: &'static Gss,
    raw: Opaque,
}

/// A credential (`gss_cred_id_t`).
pub struct Credential {
    lib: &'static Gss,
    raw: Opaque,
}

/// A security context (`gss_ctx_id_t`), complete or in the making.
pub struct Context {
    lib: &'static Gss,
    raw: Opaque,
}

// SAFETY: MIT's GSSAPI objects are plain heap objects with no tie to the
// thread that made them; each handle here is owned by one value and used
// through `&mut` or `&` one call at a time, never from two threads at once.
unsafe impl Send for Name {}
// SAFETY: as for `Name`.
unsafe impl Send for Credential {}
// SAFETY: as for `Name`.
unsafe impl Send for Context {}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gss::Name")
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gss::Credential")
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gss::Context")
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: `raw` is a name from gss_import_name or
        // gss_accept_sec_context, released once, here.
        unsafe { (self.lib.release_name)(&mut minor, &mut self.raw) };
    }
}

impl Drop for Credential {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: `raw` is a credential from gss_acquire_cred, released
        // once, here.
        unsafe { (self.lib.release_cred)(&mut minor, &mut self.raw) };
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let mut minor = 0;
        // SAFETY: `raw` is a context the init/accept calls made, deleted
        // once, here; no output token is asked for (NULL).
        unsafe { (self.lib.delete_sec_context)(&mut minor, &mut self.raw, ptr::null_mut()) };
    }
}

/// One step of making a context: the token to send (maybe empty) and
/// whether the context is complete.
#[derive(Debug)]
pub struct Step {
    pub token: Vec<u8>,
    pub complete: bool,
}

impl Gss {
    /// Copies a buffer the library allocated, then releases it.
    fn take(&self, buffer: &mut Buffer) -> Vec<u8> {
        let out = if buffer.value.is_null() || buffer.length == 0 {
            Vec::new()
        } else {
            // SAFETY: the library filled `buffer` with `length` readable
            // bytes at `value`.
            unsafe { std::slice::from_raw_parts(buffer.value as *const u8, buffer.length) }.to_vec()
        };
        let mut minor = 0;
        // SAFETY: `buffer` came from the library (or is empty, which
        // gss_release_buffer accepts); released once.
        unsafe { (self.release_buffer)(&mut minor, buffer) };
        out
    }

    /// The text of a status code, for messages.
    fn status_text(&'static self, code: OmUint32, kind: c_int) -> String {
        let mut text = String::new();
        let mut more: OmUint32 = 0;
        for _ in 0..8 {
            let (mut minor, mut buf) = (0, Buffer::empty());
            // SAFETY: out-parameters are valid; a NULL mech means the
            // default one.
            let major = unsafe {
                (self.display_status)(&mut minor, code, kind, ptr::null(), &mut more, &mut buf)
            };
            if major & GSS_ERROR_MASK != 0 {
                break;
            }
            let part = self.take(&mut buf);
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&String::from_utf8_lossy(&part));
            if more == 0 {
                break;
            }
        }
        text
    }

    /// Imports `name`, read as `kind`.
    pub fn import_name(&'static self, name: &[u8], kind: NameType) -> Result<Name, GssError> {
        let oid = kind.oid();
        let mut input = Buffer::lend(name);
        let (mut minor, mut raw) = (0, ptr::null_mut());
        // SAFETY: `input` lends `name` for the call, `oid` points at static
        // bytes, `raw` receives the new name.
        let major = unsafe { (self.import_name)(&mut minor, &mut input, &oid, &mut raw) };
        check(major, minor)?;
        Ok(Name { lib: self, raw })
    }

    /// Credentials for `name`, to both initiate and accept (`GSS_C_BOTH`,
    /// for as long as they last, the default mechanism).
    pub fn acquire_cred(&'static self, name: &Name) -> Result<Credential, GssError> {
        let (mut minor, mut raw) = (0, ptr::null_mut());
        // SAFETY: `name.raw` is a live name; the OID set, the actual mechs
        // and time outputs are not asked for (NULL).
        let major = unsafe {
            (self.acquire_cred)(
                &mut minor,
                name.raw,
                0,
                ptr::null_mut(),
                GSS_C_BOTH,
                &mut raw,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        check(major, minor)?;
        Ok(Credential { lib: self, raw })
    }

    /// One initiator step towards `target` (mutual authentication and
    /// replay detection asked for), with the acceptor's last token.
    pub fn init_sec_context(
        &'static self,
        cred: Option<&Credential>,
        context: &mut Option<Context>,
        target: &Name,
        input: Option<&[u8]>,
    ) -> Result<Step, GssError> {
        let ctx = context.get_or_insert(Context {
            lib: self,
            raw: ptr::null_mut(),
        });
        let mut input_buf = input.map(Buffer::lend);
        let input_ptr = input_buf.as_mut().map_or(ptr::null_mut(), |b| b as *mut _);
        let (mut minor, mut out) = (0, Buffer::empty());
        // SAFETY: `ctx.raw` is NULL or a context this function made;
        // `target` is live; `input_ptr` is NULL or lends the token; no
        // channel bindings, mechanism or flag outputs (NULL); `out`
        // receives the token, released in `take`.
        let major = unsafe {
            (self.init_sec_context)(
                &mut minor,
                cred.map_or(ptr::null_mut(), |c| c.raw),
                &mut ctx.raw,
                target.raw,
                ptr::null(),
                GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG,
                0,
                ptr::null_mut(),
                input_ptr,
                ptr::null_mut(),
                &mut out,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let token = self.take(&mut out);
        let major = check(major, minor)?;
        Ok(Step {
            token,
            complete: major & GSS_S_CONTINUE_NEEDED == 0,
        })
    }

    /// One acceptor step with the initiator's token; once complete, also
    /// the initiator's name.
    pub fn accept_sec_context(
        &'static self,
        context: &mut Option<Context>,
        cred: Option<&Credential>,
        input: &[u8],
    ) -> Result<(Step, Option<Name>), GssError> {
        let ctx = context.get_or_insert(Context {
            lib: self,
            raw: ptr::null_mut(),
        });
        let mut input_buf = Buffer::lend(input);
        let (mut minor, mut out, mut source) = (0, Buffer::empty(), ptr::null_mut());
        // SAFETY: as for init; `source` receives the initiator's name,
        // owned by the `Name` made below; no delegated credential.
        let major = unsafe {
            (self.accept_sec_context)(
                &mut minor,
                &mut ctx.raw,
                cred.map_or(ptr::null_mut(), |c| c.raw),
                &mut input_buf,
                ptr::null_mut(),
                &mut source,
                ptr::null_mut(),
                &mut out,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let token = self.take(&mut out);
        let name = (!source.is_null()).then_some(Name {
            lib: self,
            raw: source,
        });
        let major = check(major, minor)?;
        let complete = major & GSS_S_CONTINUE_NEEDED == 0;
        Ok((Step { token, complete }, name))
    }

    /// `gss_wrap` with confidentiality; a context that cannot give it is
    /// an error (minor 0).
    pub fn wrap(&self, context: &Context, plain: &[u8]) -> Result<Vec<u8>, GssError> {
        let mut input = Buffer::lend(plain);
        let (mut minor, mut out, mut conf) = (0, Buffer::empty(), 0);
        // SAFETY: `context.raw` is a complete context; `input` lends
        // `plain`; `out` is released in `take`.
        let major = unsafe {
            (self.wrap)(
                &mut minor,
                context.raw,
                1,
                GSS_C_QOP_DEFAULT,
                &mut input,
                &mut conf,
                &mut out,
            )
        };
        let token = self.take(&mut out);
        check(major, minor)?;
        if conf == 0 {
            return Err(GssError { major, minor: 0 });
        }
        Ok(token)
    }

    /// `gss_unwrap`; a token without confidentiality is an error (minor 0).
    pub fn unwrap(&self, context: &Context, token: &[u8]) -> Result<Vec<u8>, GssError> {
        let mut input = Buffer::lend(token);
        let (mut minor, mut out, mut conf) = (0, Buffer::empty(), 0);
        // SAFETY: as for wrap; the QOP output is not asked for (NULL).
        let major = unsafe {
            (self.unwrap)(
                &mut minor,
                context.raw,
                &mut input,
                &mut out,
                &mut conf,
                ptr::null_mut(),
            )
        };
        let plain = self.take(&mut out);
        check(major, minor)?;
        if conf == 0 {
            return Err(GssError { major, minor: 0 });
        }
        Ok(plain)
    }

    /// The printable form of `name` (`user@REALM`).
    pub fn display_name(&self, name: &Name) -> Result<Vec<u8>, GssError> {
        let (mut minor, mut out) = (0, Buffer::empty());
        // SAFETY: `name.raw` is live; the name type output is not asked
        // for (NULL); `out` is released in `take`.
        let major = unsafe { (self.display_name)(&mut minor, name.raw, &mut out, ptr::null_mut()) };
        let text = self.take(&mut out);
        check(major, minor)?;
        Ok(text)
    }
}

/// For the C string options: the bytes up to the first NUL (libzmq hands
/// the C string to `gss_import_name`).
pub fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_sizes() {
        assert_eq!(std::mem::size_of::<Buffer>(), 16);
        assert_eq!(std::mem::size_of::<Oid>(), 16);
        assert_eq!(std::mem::offset_of!(Oid, elements), 8);
    }

    #[test]
    fn c_string_stops_at_nul() {
        assert_eq!(c_string(b"svc@host\0"), b"svc@host");
        assert_eq!(c_string(b"svc"), b"svc");
    }

    /// Only where the library is installed: names import and display, and
    /// a context with no KDC to ask fails with an error, not a crash.
    #[test]
    fn with_the_system_library() {
        let Some(lib) = library() else { return };
        let name = lib
            .import_name(b"zmq@localhost", NameType::HostBased)
            .unwrap();
        assert!(lib.display_name(&name).unwrap().starts_with(b"zmq@"));
        let user = lib
            .import_name(b"someone@NO.SUCH.REALM", NameType::UserName)
            .unwrap();
        assert_eq!(lib.display_name(&user).unwrap(), b"someone@NO.SUCH.REALM");
        // No realm is configured for the test run: no ticket to be had.
        let mut ctx = None;
        let e = lib
            .init_sec_context(None, &mut ctx, &name, None)
            .unwrap_err();
        assert_ne!(e.major & GSS_ERROR_MASK, 0);
        assert!(!e.to_string().is_empty());
        let mut actx = None;
        assert!(lib.accept_sec_context(&mut actx, None, b"junk").is_err());
    }
}
