//! Network interfaces by name and index: if_nametoindex(3),
//! if_indextoname(3), and the addresses getifaddrs(3) lists for a name.

use std::ffi::{CStr, CString};
use std::io;
use std::net::IpAddr;
use std::ptr;

use super::sockaddr::ip_of;

/// The index of the interface called `name`, 0 if there is none.
pub fn index(name: &str) -> u32 {
    let Ok(name) = CString::new(name) else {
        return 0;
    };
    // SAFETY: `name` is a NUL-terminated string alive for the call.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// The name of the interface with index `index`, if there is one.
pub fn name(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname may write.
    let name = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if name.is_null() {
        return None;
    }
    // SAFETY: on success `buf` holds a NUL-terminated name.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// The first address of family `family` (`AF_INET`, `AF_INET6`) that
/// getifaddrs lists for the interface called `name`, `Ok(None)` if it has
/// none. A failing getifaddrs is reported as is: retrying is the caller's
/// business.
pub fn first_address(name: &str, family: libc::c_int) -> io::Result<Option<IpAddr>> {
    let mut list: *mut libc::ifaddrs = ptr::null_mut();
    // SAFETY: on success getifaddrs stores a list we own until freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut found = None;
    let mut node = list;
    while !node.is_null() {
        // SAFETY: `node` is an entry of the list, which is not freed yet.
        let entry = unsafe { &*node };
        if !entry.ifa_addr.is_null() {
            // SAFETY: `ifa_addr` points to a socket address; its family field
            // is readable whatever the family.
            let entry_family = libc::c_int::from(unsafe { (*entry.ifa_addr).sa_family });
            // SAFETY: `ifa_name` is a NUL-terminated string in the list.
            let entry_name = unsafe { CStr::from_ptr(entry.ifa_name) };
            if entry_family == family && entry_name.to_bytes() == name.as_bytes() {
                // SAFETY: an AF_INET/AF_INET6 entry holds a full address of
                // its family.
                found = unsafe { ip_of(entry.ifa_addr) };
                break;
            }
        }
        node = entry.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs and is freed once, after its last use.
    unsafe { libc::freeifaddrs(list) };
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback() {
        let lo = index("lo");
        assert_ne!(lo, 0);
        assert_eq!(name(lo).as_deref(), Some("lo"));
        assert_eq!(index("nosuchif0"), 0);
        assert_eq!(index("a\0b"), 0);
        assert_eq!(
            first_address("lo", libc::AF_INET).unwrap(),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(first_address("nosuchif0", libc::AF_INET).unwrap(), None);
    }
}
