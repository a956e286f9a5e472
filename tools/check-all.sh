#!/usr/bin/env bash
# Runs every test suite of the project and ends with one line
# `N passed, N failed` summing them all. Each suite's own output is indented.
# Usage: tools/check-all.sh   (from `make check`, after `make lib`)
set -u
cd "$(dirname "$0")/.."

total_pass=0
total_fail=0
failed_suites=()

# Adds a suite's counts to the totals.
count() { # name pass fail
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
    [ "$3" -eq 0 ] || failed_suites+=("$1")
    printf '== %s: %d passed, %d failed\n' "$1" "$2" "$3"
}

# Runs a suite whose last line is `N passed, N failed[, N skipped]`.
suite() { # name command...
    local name=$1 log
    shift
    log=$(mktemp)
    echo "== $name"
    "$@" 2>&1 | tee "$log" | sed 's/^/  /'
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        count "$name" 0 1
    else
        local p f
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
        count "$name" "$p" "$f"
    fi
    rm -f "$log"
}

# One pass/fail check from a command's exit status.
check() { # name command...
    local name=$1
    shift
    echo "== $name"
    if "$@" 2>&1 | sed 's/^/  /'; [ "${PIPESTATUS[0]}" -eq 0 ]; then
        count "$name" 1 0
    else
        count "$name" 0 1
    fi
}

# cargo test prints one `test result:` line per test binary.
cargo_tests() {
    local log p=0 f=0
    log=$(mktemp)
    echo "== cargo test"
    cargo test --quiet 2>&1 | tee "$log" | sed 's/^/  /'
    while read -r a b; do
        p=$((p + a))
        f=$((f + b))
    done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log")
    grep -q '^test result:' "$log" || f=$((f + 1))
    rm -f "$log"
    count "cargo test" "$p" "$f"
}

cargo_tests
check "cargo fmt --check" cargo fmt --check
check "cargo clippy" cargo clippy --quiet --all-targets -- -D warnings
suite "ABI" capi-tests/abi/check.sh build/lib/libzmq.so.5
suite "C tests (ours)" capi-tests/run.sh
if [ -e /usr/lib/x86_64-linux-gnu/libzmq.so.5 ]; then
    suite "C tests (reference libzmq)" capi-tests/run.sh --reference
fi
suite "C tests under ASan, TSan, Valgrind" tools/sanitize.sh
check "install + pkg-config" tools/install-check.sh
suite "pyzmq suite (ours, LD_PRELOAD)" tools/check-pyzmq.sh
suite "fault suite (network namespaces)" tools/faults.sh
suite "PGM interop (epgm, pgm; network namespaces)" tools/pgm-interop.sh
suite "GSSAPI interop (Kerberos realm; ours and Debian's)" tools/gssapi-interop.sh
suite "clients (czmq, cppzmq, zmq crate: their own tests)" tools/check-clients.sh
check "demo (C PUB -> pyzmq SUB)" tools/demo.sh 3 20
check "browser (C PUB -> ws -> headless Chromium)" tools/browser-test.py
check "perf programs build (-Werror)" tools/bench.sh --build-only
suite "fuzz targets (5 s each)" tools/fuzz.sh --seconds 5

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
    echo "failing suites: ${failed_suites[*]}"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
