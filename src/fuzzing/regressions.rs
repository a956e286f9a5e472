//! Replays every input under `fuzz/regressions/<target>/` through its
//! harness: each file there is a crash a fuzzer once found, kept so that
//! the fix stays. A folder whose name is not a known target is an error, so
//! a renamed target cannot silently stop being replayed. The seed corpora
//! under `fuzz/seeds/<target>/` are replayed the same way.

use std::fs;
use std::path::Path;

#[test]
fn every_regression_input_replays_cleanly() {
    let replayed = replay_folders("fuzz/regressions");
    // The folders exist even when empty; this counts what was replayed
    // so the test's output says it did something.
    eprintln!("replayed {replayed} regression inputs");
}

/// The seed corpora too: a harness that fails on a hand-made seed is
/// wrong, or has found a bug without a fuzzer.
#[test]
fn every_seed_replays_cleanly() {
    let replayed = replay_folders("fuzz/seeds");
    eprintln!("replayed {replayed} seeds");
}

/// Runs every file of `<folder>/<target>/` through its target's harness;
/// returns how many ran.
fn replay_folders(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut replayed = 0;
    for dir in fs::read_dir(&root).unwrap_or_else(|e| panic!("{folder}: {e}")) {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let harness = super::targets()
            .find(|(target, _)| *target == name)
            .unwrap_or_else(|| panic!("{folder}/{name}: no such fuzz target"))
            .1;
        for input in fs::read_dir(&dir).unwrap() {
            let path = input.unwrap().path();
            if path.file_name().is_some_and(|f| f == ".gitkeep") {
                continue;
            }
            harness(&fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_target_has_a_binary_and_a_regression_folder() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in super::targets() {
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs missing"
        );
        assert!(
            fuzz.join("regressions").join(name).is_dir(),
            "fuzz/regressions/{name}/ missing"
        );
    }
}
