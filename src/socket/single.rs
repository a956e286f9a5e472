//! Single-part delivery, shared by the thread-safe types (RFC 41 CLIENT
//! and SERVER, RFC 49 GATHER, RFC 51 CHANNEL, PEER): they neither send nor
//! deliver multipart messages, and one that arrives anyway is dropped
//! whole, as libzmq does.

use crate::error::Result;
use crate::msg::Msg;

/// The next single-frame message from `next` (a routing block's frame
/// source), skipping every multipart message before it. A queued message
/// is always complete, so a skipped one never ends in `Again`.
pub fn recv_single<K>(mut next: impl FnMut() -> Result<(Msg, K)>) -> Result<(Msg, K)> {
    loop {
        let (msg, from) = next()?;
        if !msg.more() {
            return Ok((msg, from));
        }
        while next()?.0.more() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::msg::flags;

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        if more {
            m.set_flags(flags::MORE);
        }
        m
    }

    #[test]
    fn multipart_messages_are_skipped_whole() {
        let mut q = vec![
            frame(b"a1", true),
            frame(b"a2", true),
            frame(b"a3", false),
            frame(b"b", false),
            frame(b"c1", true),
            frame(b"c2", false),
        ]
        .into_iter();
        let mut next = || q.next().map(|m| (m, ())).ok_or(Error::Again);
        assert_eq!(recv_single(&mut next).unwrap().0.data(), b"b");
        assert_eq!(recv_single(&mut next).err(), Some(Error::Again));
    }
}
