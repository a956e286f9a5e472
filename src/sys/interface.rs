//! Network interfaces by name and index: if_nametoindex(3),
//! if_indextoname(3), and the addresses getifaddrs(3) lists (for a name,
//! or every IPv4 address with its netmask and flags).

use std::ffi::{CStr, CString};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
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
    let mut found = None;
    walk(|entry| {
        if entry.family == family && entry.name.to_bytes() == name.as_bytes() {
            // SAFETY: `walk` hands out only entries whose address is set.
            found = unsafe { ip_of(entry.raw.ifa_addr) };
            return false;
        }
        true
    })?;
    Ok(found)
}

/// One IPv4 address of an interface, as getifaddrs lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Entry {
    pub name: String,
    pub address: Ipv4Addr,
    pub netmask: Ipv4Addr,
    /// `IFF_*` flags of the interface (`IFF_LOOPBACK`, `IFF_MULTICAST`, ...).
    pub flags: u32,
}

/// Every IPv4 address of every interface, in getifaddrs order.
pub fn ipv4_entries() -> io::Result<Vec<Ipv4Entry>> {
    let mut list = Vec::new();
    walk(|entry| {
        if entry.family != libc::AF_INET || entry.raw.ifa_netmask.is_null() {
            return true;
        }
        // SAFETY: AF_INET entries hold full IPv4 addresses in `ifa_addr`
        // and (checked non-null) `ifa_netmask`.
        let (address, netmask) =
            unsafe { (ip_of(entry.raw.ifa_addr), ip_of(entry.raw.ifa_netmask)) };
        if let (Some(IpAddr::V4(address)), Some(IpAddr::V4(netmask))) = (address, netmask) {
            list.push(Ipv4Entry {
                name: entry.name.to_string_lossy().into_owned(),
                address,
                netmask,
                flags: entry.raw.ifa_flags,
            });
        }
        true
    })?;
    Ok(list)
}

/// A getifaddrs entry with an address, seen during [`walk`].
struct Entry<'a> {
    raw: &'a libc::ifaddrs,
    name: &'a CStr,
    family: libc::c_int,
}

/// Calls `visit` for each getifaddrs entry that has an address, until it
/// returns false.
fn walk(mut visit: impl FnMut(&Entry<'_>) -> bool) -> io::Result<()> {
    let mut list: *mut libc::ifaddrs = ptr::null_mut();
    // SAFETY: on success getifaddrs stores a list we own until freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut node = list;
    while !node.is_null() {
        // SAFETY: `node` is an entry of the list, which is not freed yet.
        let raw = unsafe { &*node };
        if !raw.ifa_addr.is_null() {
            let entry = Entry {
                raw,
                // SAFETY: `ifa_name` is a NUL-terminated string in the list.
                name: unsafe { CStr::from_ptr(raw.ifa_name) },
                // SAFETY: `ifa_addr` points to a socket address; its family
                // field is readable whatever the family.
                family: libc::c_int::from(unsafe { (*raw.ifa_addr).sa_family }),
            };
            if !visit(&entry) {
                break;
            }
        }
        node = raw.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs and is freed once, after its last
    // use (no `Entry` outlives this function).
    unsafe { libc::freeifaddrs(list) };
    Ok(())
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
        let lo = ipv4_entries()
            .unwrap()
            .into_iter()
            .find(|e| e.address == Ipv4Addr::LOCALHOST)
            .expect("127.0.0.1 is listed");
        assert_eq!(lo.name, "lo");
        assert_eq!(lo.netmask, Ipv4Addr::new(255, 0, 0, 0));
        assert_ne!(lo.flags & libc::IFF_LOOPBACK as u32, 0);
    }
}
