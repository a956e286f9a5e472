#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ (cargo-fuzz, nightly toolchain) for
# a fixed time each and prints the executions per target.
#
# Usage: tools/fuzz.sh [--seconds N] [--runs R] [--jobs J] [TARGET...]
#   --seconds N  time per target (default $FUZZ_SECONDS, else 10)
#   --runs R     also stop a target after R executions (whichever first)
#   --jobs J     targets run at once (default 1)
#   TARGET...    only these targets (default: all of `cargo fuzz list`)
#
# Each target starts from fuzz/seeds/<target>/ (committed: inputs recorded
# from real sessions) plus build/fuzz/corpus/<target>/ (what earlier runs
# found; not committed). A crash, a hang (-timeout), a leak or an OOM
# (-rss_limit_mb) fails the target; libFuzzer's reproducer is left in
# build/fuzz/artifacts/<target>/ and should be copied into
# fuzz/regressions/<target>/ once fixed, where `cargo test` replays it.
#
# Ends with `N passed, N failed`. Without the nightly toolchain or
# cargo-fuzz it says SKIPPED and counts nothing.
set -u
cd "$(dirname "$0")/.."
repo=$(pwd)

seconds=${FUZZ_SECONDS:-10}
jobs=1
runs=-1
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift ;;
        --runs) runs=$2; shift ;;
        --jobs) jobs=$2; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) only+=("$1") ;;
    esac
    shift
done

if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "SKIPPED: fuzzing needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
    echo "0 passed, 0 failed"
    exit 0
fi

out=$repo/build/fuzz
mkdir -p "$out"
cd fuzz
echo "building fuzz targets (cargo +nightly fuzz build -O)"
if ! cargo +nightly fuzz build -O >"$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi
bindir=$repo/fuzz/target/x86_64-unknown-linux-gnu/release
if [ ${#only[@]} -eq 0 ]; then
    mapfile -t only < <(cargo +nightly fuzz list)
fi

# One target: runs it, then prints its table row. The exit status says
# whether libFuzzer found nothing.
run_target() { # name
    local t=$1 log=$out/$1.log
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
    local seeds=()
    [ -d "$repo/fuzz/seeds/$t" ] && seeds=("$repo/fuzz/seeds/$t")
    "$bindir/$t" -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -artifact_prefix="$out/artifacts/$t/" \
        "$out/corpus/$t" "${seeds[@]}" >"$log" 2>&1
    local rc=$?
    local execs rate corpus
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    corpus=$(find "$out/corpus/$t" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        printf '%-28s %14s %10s %8s  ok\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus"
    else
        printf '%-28s %14s %10s %8s  FAILED (exit %d; see %s)\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$rc" "$log"
        grep -E 'ERROR:|panicked at|Test unit written to' "$log" | head -n 5 | sed 's/^/    /'
    fi
    return "$rc"
}

printf '%-28s %14s %10s %8s  %s\n' target executions exec/s corpus result
pass=0
fail=0
pids=()
names=()
wait_one() {
    if wait "${pids[0]}"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
}
for t in "${only[@]}"; do
    [ -x "$bindir/$t" ] || { echo "fuzz.sh: no target $t" >&2; fail=$((fail + 1)); continue; }
    run_target "$t" &
    pids+=($!)
    names+=("$t")
    [ ${#pids[@]} -lt "$jobs" ] || wait_one
done
while [ ${#pids[@]} -gt 0 ]; do wait_one; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
