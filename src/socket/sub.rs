//! SUB (RFC 29): an XSUB whose subscriptions are set with `ZMQ_SUBSCRIBE`
//! and `ZMQ_UNSUBSCRIBE`, and which cannot send.

pub use super::xsub::XSub as Sub;
