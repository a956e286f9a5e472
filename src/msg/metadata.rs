//! Connection properties carried by received messages (`zmq_msg_gets`):
//! the peer's ZMTP metadata (`Socket-Type`, `Routing-Id`, application
//! properties), `Peer-Address`, `User-Id` and the source fd.
//!
//! One `Metadata` is shared by every message of a connection; values are
//! stored NUL-terminated so C can read them in place.

use std::ffi::{CStr, CString};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    properties: Vec<(String, CString)>,
}

impl Metadata {
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Adds a property; a value with an interior NUL is cut at the NUL.
    pub fn insert(&mut self, name: &str, value: &[u8]) {
        let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
        let value = CString::new(&value[..end]).expect("NUL removed above");
        self.properties.retain(|(n, _)| n != name);
        self.properties.push((name.to_owned(), value));
    }

    /// The value of a property, by its exact name as libzmq looks it up;
    /// `Identity` and `Routing-Id` name the same thing.
    pub fn get(&self, name: &str) -> Option<&CStr> {
        let find = |name: &str| {
            self.properties
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_c_str())
        };
        find(name).or_else(|| match name {
            "Identity" => find("Routing-Id"),
            "Routing-Id" => find("Identity"),
            _ => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &CStr)> {
        self.properties
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_c_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_exact_with_identity_alias() {
        let mut m = Metadata::new();
        m.insert("Socket-Type", b"DEALER");
        m.insert("Routing-Id", b"abc");
        assert!(m.get("socket-type").is_none());
        assert_eq!(m.get("Socket-Type").unwrap().to_bytes(), b"DEALER");
        assert_eq!(m.get("Identity").unwrap().to_bytes(), b"abc");
        assert!(m.get("X-Missing").is_none());
    }
}
