//! PUB (RFC 29): an XPUB that keeps subscriptions to itself and cannot
//! receive.

pub use super::xpub::XPub as Pub;

impl Pub {
    pub fn new_pub() -> Pub {
        Pub::new(true)
    }
}
