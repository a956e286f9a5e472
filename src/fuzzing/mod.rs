//! Fuzz harnesses: one function per parser of bytes that a peer or a user
//! controls. Each takes arbitrary bytes and must never panic, hang or grow
//! without bound; where a naive model exists, it also checks that the real
//! code agrees with it and panics when it does not (a differential target).
//!
//! The same functions serve two callers: the libFuzzer binaries in `fuzz/`
//! (built with `--cfg fuzzing`, each a one-line call into here), and
//! `cargo test`, which replays every file under `fuzz/regressions/<target>/`
//! so a crash once found stays fixed. This module is compiled only for
//! those two: it is never part of the shipped library.
//!
//! A harness must not touch the network, the file system or the clock, so
//! a run is a pure function of its input.

pub mod handshake;
pub mod model;
pub mod pgm;
pub mod transport;
pub mod user;
pub mod wire;
pub mod ws;

#[cfg(test)]
mod regressions;

/// A harness: arbitrary bytes in, a panic only on a bug.
pub type Harness = fn(&[u8]);

/// The harnesses of this file, by the name of their fuzz target (the file
/// `fuzz/fuzz_targets/<name>.rs` and the folder `fuzz/regressions/<name>/`).
/// Each sibling module has its own list; `targets()` joins them.
const TARGETS: &[(&str, Harness)] = &[("z85", z85)];

/// Every harness of every module, by target name.
pub fn targets() -> impl Iterator<Item = (&'static str, Harness)> {
    [
        TARGETS,
        user::TARGETS,
        transport::TARGETS,
        model::TARGETS,
        wire::TARGETS,
        handshake::TARGETS,
        ws::TARGETS,
        pgm::TARGETS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// Z85 decode of any text; what decodes must encode back to the same text.
pub fn z85(data: &[u8]) {
    if let Ok(bytes) = crate::z85::decode(data) {
        let text = crate::z85::encode(&bytes).expect("decoded bytes re-encode");
        assert_eq!(text.as_bytes(), data, "z85 round trip");
    }
}
