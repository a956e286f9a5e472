//! Exports whose implementation belongs to a later issue. Each is exported
//! now with libzmq's exact signature (a binary binding to a missing symbol
//! would fall back to another libzmq), and fails with `ENOTSUP` until its
//! issue lands; the README's status table lists them.

use std::ffi::c_char;

use libc::c_int;

use super::boundary::fail;
use crate::error::Error;

macro_rules! not_yet {
    ($( $owner:literal fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        $(
            #[doc = concat!("Not implemented yet (owner: ", $owner, "): fails with `ENOTSUP`.")]
            #[no_mangle]
            pub extern "C" fn $name($($arg: $ty),*) -> $ret {
                let _ = ($($arg,)*);
                fail(Error::NotSup)
            }
        )*
    };
}

not_yet! {
    // CURVE (no issue yet).
    "no issue yet" fn zmq_curve_keypair(z85_public_key: *mut c_char, z85_secret_key: *mut c_char) -> c_int;
    "no issue yet" fn zmq_curve_public(z85_public_key: *mut c_char, z85_secret_key: *const c_char) -> c_int;
}
