#!/usr/bin/env bash
# Benchmarks our libzmq against the reference libzmq, side by side.
#
# usage: tools/bench.sh [--quick] [--reps N] [--out DIR] [--only REGEX]
#                       [--lib DIR] [--ref DIR] [--omq] [--no-chart]
#                       [--build-only] [--list]
#
#   --quick       one repetition with small message counts (< 2 minutes)
#   --reps N      repetitions per case and library (default 5; --quick: 1)
#   --out DIR     results directory (default build/bench)
#   --only REGEX  run only the cases whose name matches (grep -E)
#   --lib DIR     our library directory (default build/lib)
#   --ref DIR     reference library directory (default /usr/lib/x86_64-linux-gnu)
#   --omq         a third column: omq-libzmq (crates.io, a C-ABI libzmq on
#                 tokio), built once into build/omq/ (see below); if it does
#                 not build, or a case fails on it, its column says FAIL/n/a
#                 and the bench still succeeds
#   --no-chart    skip the PNG (no Python venv needed)
#   --build-only  compile perf/*.c into build/perf/ and stop
#   --list        print the case names and stop
#
# Builds perf/*.c once into build/perf/ (our include/, linked with -lzmq from
# build/lib), then runs every case of the matrix with each library (ours and
# the reference; omq too with --omq): the same binaries, LD_LIBRARY_PATH
# picks the library. The libraries take turns, and which goes first rotates
# from one repetition to the next. Our library is
# copied to DIR/lib first, so a rebuild during the run changes nothing.
#
# Every process runs under `timeout`, and the programs give up on a socket
# after PERF_TIMEOUT_MS, so a broken library shows as FAIL, not a hang.
#
# The pgm cases (pgm_thr: PUB and SUB in one process over epgm:// or pgm://
# on lo) need multicast, so they run in a private network namespace that
# this script sets up (lo up, multicast on, a route for 224.0.0.0/4) and
# deletes on exit. Both libraries send at most ZMQ_RATE there: the rows
# show how close each gets to the rate (msg/s and Mb/s of payload at the
# subscriber) and how many of the messages sent arrived. Each case has a
# multicast group and port of its own. Without root or `ip netns` these
# cases are SKIPPED (noted in the table and the log), never a failure.
#
# CPU cost: every process runs under bash's `time` keyword, which reports
# user+sys CPU of the process and everything it waited for (forked
# children included). A run's CPU is the sum over its processes (both of a
# local/remote pair), divided by the messages the program says it moved
# (msgs= on its RESULT line: latency counts both directions of a round
# trip, fan-out every delivery, router both phases). The report shows it as
# a "cpu" row under each throughput and latency case: CPU microseconds per
# message, which is CPU seconds per million messages; lower is better. It
# includes process start, connection set-up and teardown.
#
# Cases that need many descriptors (spec prefix "nofile=N") run with the
# open-files limit raised to N in their own shell (never above the hard
# limit; a case whose limit cannot reach N is SKIPPED).
#
# omq (--omq): the crate omq-libzmq (OMQ_VERSION and OMQ_SHA256 below pin
# the version and the .crate's sha256), fetched by cargo (a
# throw-away manifest that depends on it, `cargo fetch`), checked against a
# pinned sha256, unpacked into build/omq/src/ and built with `cargo build
# --release --lib`; its cdylib libomq_zmq.so has no SONAME, so
# build/omq/lib/libzmq.so.5 is a symlink to it and the same binaries load it
# through LD_LIBRARY_PATH. It is never a dependency of our library. A run
# that crashes on it (a missing function: exit 127, a signal) is noted with
# the reason in the table's notes. omq-libzmq 0.8.0 refuses HWM 0 (the
# programs then use a limit they never reach) and has no pgm transport.
#
# Output: a table on stdout (medians, ratio ours/reference; with --omq the
# omq median and ratio ours/omq; why runs failed), DIR/bench.csv,
# DIR/bench.png (throughput, latency, memory and CPU ratios), DIR/raw.tsv
# (every run, with its CPU seconds), DIR/logs/ (each run's output and CPU),
# DIR/meta.txt.
#
# Needs: bash, coreutils (timeout), a C compiler, python3 (pgm cases: root
# and iproute2's `ip netns`, else skipped); for the chart,
# python3's venv module (Debian: python3-venv) and PyPI access once, to put
# matplotlib into build/bench-venv; for --omq, cargo (crates.io access once)
# and readelf (binutils). Nothing beyond what .ci/run installs.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

QUICK=0
REPS=""
OUT=build/bench
ONLY=""
OURS_DIR=build/lib
REF_DIR=/usr/lib/x86_64-linux-gnu
CHART=1
BUILD_ONLY=0
LIST=0
OMQ=0
CC=${CC:-cc}
BIN=build/perf
OMQ_VERSION=0.8.0
OMQ_SHA256=a0ca050c78946d57b7d7e6f310b22b33c6d9a397dce6a5e25d8c803cd794585b
OMQ_ROOT=build/omq

usage() { sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --reps) REPS=${2:?--reps needs a number}; shift ;;
        --out) OUT=${2:?--out needs a directory}; shift ;;
        --only) ONLY=${2:?--only needs a regex}; shift ;;
        --lib) OURS_DIR=${2:?--lib needs a directory}; shift ;;
        --ref) REF_DIR=${2:?--ref needs a directory}; shift ;;
        --omq) OMQ=1 ;;
        --no-chart) CHART=0 ;;
        --build-only) BUILD_ONLY=1 ;;
        --list) LIST=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$REPS" ]; then
    if [ $QUICK = 1 ]; then REPS=1; else REPS=5; fi
fi
case "$REPS" in ''|*[!0-9]*|0) echo "bench: --reps wants a positive integer" >&2; exit 2 ;; esac

if [ $QUICK = 1 ]; then
    RUN_TIMEOUT=30          # seconds, per process
    export PERF_TIMEOUT_MS=5000
else
    RUN_TIMEOUT=120
    export PERF_TIMEOUT_MS=10000
fi

# ---------------------------------------------------------------- the matrix
# One case per line: name | group | program and arguments | metric keys.
# group: thr (higher is better), lat and mem (lower is better). A pair
# program "local_x+remote_x" runs as two processes; {EP} is the endpoint.
# A program spec starting with "netns " runs inside the multicast namespace.
# Message counts aim at about 1 s per run with the reference library here
# (pgm: about 2 s, as the rate sets the pace).
CASES=()
add() { CASES+=("$1|$2|$3|$4"); }
q() { if [ $QUICK = 1 ]; then echo "$2"; else echo "$1"; fi; }

for t in tcp ipc inproc; do
    for s in 16 256 4096 65536; do
        case $t:$s in
            inproc:16) n=$(q 10000000 500000) ;;
            inproc:256) n=$(q 4000000 200000) ;;
            inproc:4096) n=$(q 2000000 100000) ;;
            inproc:65536) n=$(q 1000000 50000) ;;
            *:16) n=$(q 4000000 200000) ;;
            *:256) n=$(q 2000000 100000) ;;
            *:4096) n=$(q 300000 20000) ;;
            *:65536) n=$(q 30000 2000) ;;
        esac
        if [ $t = inproc ]; then
            add "thr inproc $s" thr "inproc_thr $s $n" msg_per_s
        else
            add "thr $t $s" thr "local_thr+remote_thr {EP:$t} $s $n" msg_per_s
        fi
    done
done
for t in tcp ipc inproc; do
    for s in 16 256 4096 65536; do
        case $t:$s in
            inproc:65536) n=$(q 50000 2000) ;;
            inproc:*) n=$(q 100000 5000) ;;
            *:4096) n=$(q 5000 500) ;;
            *:65536) n=$(q 2000 200) ;;
            *) n=$(q 10000 1000) ;;
        esac
        if [ $t = inproc ]; then
            add "lat inproc $s" lat "inproc_lat $s $n" latency_us
        else
            add "lat $t $s" lat "local_lat+remote_lat {EP:$t} $s $n" latency_us
        fi
    done
done
add "fanout tcp 16 x1" thr "pubsub_fanout tcp 16 $(q 1000000 50000) 1" msg_per_s
add "fanout tcp 16 x10" thr "pubsub_fanout tcp 16 $(q 200000 10000) 10" msg_per_s
add "fanout tcp 16 x100" thr "pubsub_fanout tcp 16 $(q 20000 1000) 100" msg_per_s
# 1000 subscriber threads: about 3000 descriptors (a mailbox per socket and
# both ends of every connection in one process).
add "fanout tcp 16 x1000" thr "nofile=8192 pubsub_fanout tcp 16 $(q 3000 200) 1000" msg_per_s
add "router tcp 16 x10" thr "router_many tcp 10 16 $(q 1000000 50000)" in_msg_per_s,out_msg_per_s
add "router tcp 16 x100" thr "router_many tcp 100 16 $(q 1000000 50000)" in_msg_per_s,out_msg_per_s
# 10,000 DEALERs on 8 threads in 4 child processes (2,500 sockets and
# connections, about 5,000 descriptors each; the ROUTER's process holds
# 10,000): a hard limit of 20,000 descriptors per process is enough. Rows:
# rate in and out, and VmRSS growth per dealer (both ends, mem: lower is
# better). Connecting 10,000 peers takes most of the run.
add "router tcp 16 x10000" thr "nofile=16384 router_many tcp 10000 16 $(q 100000 20000) 8 4" in_msg_per_s,out_msg_per_s,rss_per_dealer_kib
# The same PUSH/PULL pair over tcp with at most 1, 10 and 100 messages in
# flight (credit returned on a second connection).
add "inflight tcp 16 w1" thr "inflight tcp 16 $(q 20000 2000) 1" msg_per_s
add "inflight tcp 16 w10" thr "inflight tcp 16 $(q 150000 10000) 10" msg_per_s
add "inflight tcp 16 w100" thr "inflight tcp 16 $(q 1000000 50000) 100" msg_per_s
for t in tcp ipc inproc; do
    add "proxy $t 16" thr "proxy_thr $t 16 $(q 1000000 50000)" msg_per_s
done
add "mem tcp 1000 conns" mem "mem_conns 1000" per_conn_kib,dealer_per_conn_kib
# PGM at a set ZMQ_RATE (kbit/s) and ZMQ_RECOVERY_IVL (ms): the transmit
# window (rate x interval) stays at 12.5 MB at 100 Mbit/s and 25 MB at
# 1 Gbit/s. Interface 127.0.0.1 (lo), a group and port of its own per case.
PGM_METRICS=msg_per_s,mbit_per_s,half_mbit_per_s,received
add "pgm epgm 64 100M" thr "netns pgm_thr epgm 64 $(q 300000 60000) 100000 1000 127.0.0.1;239.192.1.1:5601" $PGM_METRICS
add "pgm epgm 1024 100M" thr "netns pgm_thr epgm 1024 $(q 20000 4000) 100000 1000 127.0.0.1;239.192.1.2:5602" $PGM_METRICS
add "pgm epgm 1024 1G" thr "netns pgm_thr epgm 1024 $(q 200000 40000) 1000000 200 127.0.0.1;239.192.1.3:5603" $PGM_METRICS
add "pgm epgm 8192 1G" thr "netns pgm_thr epgm 8192 $(q 20000 4000) 1000000 200 127.0.0.1;239.192.1.4:5604" $PGM_METRICS
add "pgm pgm 1024 100M" thr "netns pgm_thr pgm 1024 $(q 20000 4000) 100000 1000 127.0.0.1;239.192.1.5:5605" $PGM_METRICS

if [ $LIST = 1 ]; then
    for c in "${CASES[@]}"; do echo "${c%%|*}"; done
    exit 0
fi

# ---------------------------------------------------------------- build
build_perf() {
    if [ ! -e "$OURS_DIR/libzmq.so" ] && [ ! -e "$OURS_DIR/libzmq.so.5" ]; then
        echo "bench: no libzmq in $OURS_DIR (run 'make lib' first)" >&2
        exit 1
    fi
    mkdir -p "$BIN"
    local src name ok=1
    for src in perf/*.c; do
        name=$(basename "$src" .c)
        if ! "$CC" -std=c99 -O2 -Wall -Wextra -Werror -Iinclude "$src" \
                -L"$OURS_DIR" -lzmq -lpthread -o "$BIN/$name"; then
            echo "bench: failed to compile $src" >&2
            ok=0
        fi
    done
    [ $ok = 1 ] || exit 1
}
build_perf
echo "built perf programs into $BIN/"

# omq-libzmq, built once into $OMQ_ROOT/lib (libzmq.so.5 -> libomq_zmq.so).
# Sets OMQ_LIB, or OMQ_SKIP to why not; never fails the bench.
OMQ_LIB=""
OMQ_SKIP=""
omq_fail() { OMQ_SKIP=$1; echo "bench: omq column n/a: $1 (log: $OMQ_ROOT/build.log)" >&2; }
build_omq() {
    local lib=$OMQ_ROOT/lib stamp="$OMQ_VERSION $OMQ_SHA256" log=$OMQ_ROOT/build.log
    if [ -e "$lib/libzmq.so.5" ] && [ "$(cat "$lib/.stamp" 2>/dev/null)" = "$stamp" ]; then
        OMQ_LIB=$(cd "$lib" && pwd)
        return
    fi
    command -v cargo > /dev/null 2>&1 || { omq_fail "no cargo"; return; }
    mkdir -p "$OMQ_ROOT/fetch/src" || { omq_fail "cannot create $OMQ_ROOT"; return; }
    : > "$log"
    echo "building omq-libzmq $OMQ_VERSION into $OMQ_ROOT/ (once, a few minutes)..." >&2
    # A throw-away manifest that depends on the crate: cargo downloads it
    # (and checks it against the registry's checksum) into its cache.
    cat > "$OMQ_ROOT/fetch/Cargo.toml" <<TOML
[package]
name = "omq-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
omq-libzmq = "=$OMQ_VERSION"

[workspace]
TOML
    : > "$OMQ_ROOT/fetch/src/lib.rs"
    if ! cargo fetch --manifest-path "$OMQ_ROOT/fetch/Cargo.toml" \
            --target x86_64-unknown-linux-gnu >> "$log" 2>&1; then
        omq_fail "cargo fetch of omq-libzmq $OMQ_VERSION failed"; return
    fi
    local crate
    crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"omq-libzmq-$OMQ_VERSION.crate" 2>/dev/null | head -n 1)
    [ -n "$crate" ] || { omq_fail "omq-libzmq-$OMQ_VERSION.crate not in cargo's cache"; return; }
    if [ "$(sha256sum "$crate" | cut -d' ' -f1)" != "$OMQ_SHA256" ]; then
        omq_fail "$crate does not match the pinned sha256"; return
    fi
    rm -rf "${OMQ_ROOT:?}/src"
    mkdir -p "$OMQ_ROOT/src"
    tar xzf "$crate" -C "$OMQ_ROOT/src" || { omq_fail "cannot unpack $crate"; return; }
    local dir=$OMQ_ROOT/src/omq-libzmq-$OMQ_VERSION
    # Its own workspace: never part of ours.
    printf '\n[workspace]\n' >> "$dir/Cargo.toml"
    if ! CARGO_TARGET_DIR=$(pwd)/$OMQ_ROOT/target nice cargo build --release --lib \
            --manifest-path "$dir/Cargo.toml" >> "$log" 2>&1; then
        omq_fail "cargo build of omq-libzmq $OMQ_VERSION failed"; return
    fi
    local so=$OMQ_ROOT/target/release/libomq_zmq.so soname
    [ -e "$so" ] || { omq_fail "no libomq_zmq.so after the build"; return; }
    mkdir -p "$lib"
    cp -f "$so" "$lib/libomq_zmq.so"
    # No SONAME (or any): the loader finds the file by the name
    # libzmq.so.5 in LD_LIBRARY_PATH either way.
    soname=$(readelf -d "$lib/libomq_zmq.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    echo "libomq_zmq.so SONAME: ${soname:-none}" >> "$log"
    ln -sf libomq_zmq.so "$lib/libzmq.so.5"
    echo "$stamp" > "$lib/.stamp"
    OMQ_LIB=$(cd "$lib" && pwd)
}
[ $OMQ = 1 ] && build_omq
[ $BUILD_ONLY = 1 ] && exit 0

# ---------------------------------------------------------------- set-up
START_TIME=$(date +%s)
mkdir -p "$OUT/logs" "$OUT/lib"
rm -f "$OUT"/logs/*.log
# A private copy of our library: the lead may rebuild build/lib mid-run.
cp -fL "$OURS_DIR/libzmq.so.5" "$OUT/lib/libzmq.so.5" 2>/dev/null \
    || cp -fL "$OURS_DIR/libzmq.so" "$OUT/lib/libzmq.so.5" \
    || { echo "bench: cannot copy our library" >&2; exit 1; }
OURS_LIB=$(cd "$OUT/lib" && pwd)
REF_LIB=$REF_DIR
if [ ! -e "$REF_LIB/libzmq.so.5" ]; then
    echo "bench: no reference libzmq.so.5 in $REF_LIB (Debian: apt-get install libzmq5)" >&2
    exit 1
fi
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/zmq-bench.XXXXXX")
NETNS=""                # the multicast namespace, once set up
cleanup() {
    [ -n "$NETNS" ] && ip netns delete "$NETNS" 2>/dev/null
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TMPDIR=$TMPD     # perf programs put their ipc sockets here

# The pgm cases' network namespace: set up only if a selected case needs
# it. NETNS_SKIP says why it could not be (those cases are then skipped).
NETNS_SKIP=""
need_netns=0
for c in "${CASES[@]}"; do
    IFS='|' read -r name _ spec _ <<< "$c"
    if [ -n "$ONLY" ] && ! printf '%s\n' "$name" | grep -Eq -- "$ONLY"; then continue; fi
    case "$spec" in "netns "*) need_netns=1 ;; esac
done
if [ $need_netns = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        NETNS_SKIP="not root (multicast needs a private network namespace)"
    elif ! command -v ip > /dev/null 2>&1; then
        NETNS_SKIP="no 'ip' command (iproute2)"
    else
        ns="zmq-bench-$$"
        if err=$(ip netns add "$ns" 2>&1); then
            NETNS=$ns
            if ! err=$({ ip -n "$ns" link set lo up && ip -n "$ns" link set lo multicast on \
                    && ip -n "$ns" route add 224.0.0.0/4 dev lo; } 2>&1); then
                NETNS_SKIP="cannot set up namespace $ns: $err"
            fi
        else
            NETNS_SKIP="'ip netns add' failed: $err"
        fi
    fi
    if [ -n "$NETNS_SKIP" ]; then
        echo "bench: pgm cases SKIPPED: $NETNS_SKIP" >&2
    fi
fi

lib_dir() {
    case $1 in ours) echo "$OURS_LIB" ;; omq) echo "$OMQ_LIB" ;; *) echo "$REF_LIB" ;; esac
}

# Which version each library reports: every run must report the same, or
# LD_LIBRARY_PATH did not pick the library it was meant to.
probe_version() {
    LD_LIBRARY_PATH=$(lib_dir "$1") timeout 10 "$BIN/inproc_thr" 16 1 2>/dev/null \
        | sed -n 's/^RESULT .*version=\([^ ]*\).*/\1/p'
}
VER_ours=$(probe_version ours)
VER_ref=$(probe_version ref)
VER_omq=""
LIBS="ours ref"
if [ -n "$OMQ_LIB" ]; then
    VER_omq=$(probe_version omq)
    if [ -z "$VER_omq" ]; then
        omq_fail "omq-libzmq failed its probe run"
        OMQ_LIB=""
    else
        LIBS="ours ref omq"
        if [ "$VER_omq" = "$VER_ours" ] || [ "$VER_omq" = "$VER_ref" ]; then
            echo "bench: warning: omq reports version $VER_omq like another library" >&2
        fi
    fi
fi
if [ -z "$VER_ours" ] || [ -z "$VER_ref" ]; then
    echo "bench: a library failed its probe run (ours='$VER_ours' ref='$VER_ref')" >&2
fi
if [ "$VER_ours" = "$VER_ref" ]; then
    echo "bench: warning: both libraries report version $VER_ours; runs are told apart by LD_LIBRARY_PATH only" >&2
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "ours: $OURS_DIR/libzmq.so.5 (copied to $OURS_LIB) version $VER_ours sha256 $(sha256sum "$OURS_LIB/libzmq.so.5" | cut -c1-16)"
    echo "reference: $REF_LIB/libzmq.so.5 version $VER_ref"
    if [ $OMQ = 1 ]; then
        if [ -n "$OMQ_LIB" ]; then
            echo "omq: omq-libzmq $OMQ_VERSION (crate sha256 $(echo $OMQ_SHA256 | cut -c1-16)), $OMQ_LIB/libzmq.so.5 -> libomq_zmq.so, version $VER_omq"
        else
            echo "omq: n/a ($OMQ_SKIP)"
        fi
    fi
    echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), reps $REPS"
    if [ $need_netns = 1 ]; then
        echo "pgm cases: $([ -n "$NETNS_SKIP" ] && echo "SKIPPED ($NETNS_SKIP)" || echo "network namespace $NETNS, multicast on lo")"
    fi
    echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/meta.txt"

RAW="$OUT/raw.tsv"
printf 'case\tgroup\tmetrics\tlib\trep\tstatus\tseconds\tcpu_s\tnote\tresult\n' > "$RAW"

# ---------------------------------------------------------------- running
# Sums the "user sys" lines bash's `time` wrote into the files given.
cpu_sum() { cat "$@" 2>/dev/null | awk 'NF == 2 { t += $1 + $2; n++ } END { if (n) printf "%.3f", t }'; }

# Why a run failed, from its exit code and stderr: a missing function (the
# dynamic loader's "symbol lookup error"), a signal, a timeout, or the
# program's own "... failed: ..." line.
fail_reason() {
    local rc=$1 err=$2 line
    line=$(grep -m 1 -E 'symbol lookup error|undefined symbol' "$err" 2>/dev/null)
    if [ -n "$line" ]; then echo "missing function: ${line##*: }"; return; fi
    case $rc in
        124) echo "timeout after ${RUN_TIMEOUT}s"; return ;;
        137) echo "killed (SIGKILL) after timeout"; return ;;
        13[0-9]|1[4-9][0-9]|2[0-5][0-9]) echo "crashed: signal $((rc - 128))"; return ;;
    esac
    line=$(grep -m 1 -E 'failed|panicked|error|Assertion' "$err" 2>/dev/null)
    [ -n "$line" ] && { echo "exit $rc: $line" | cut -c1-160; return; }
    echo "exit $rc"
}

# Runs one program (or local+remote pair) with library $1; the RESULT line
# that carries the figures goes to $RESULT_LINE, status OK, FAIL or SKIPPED
# to $RUN_STATUS, the CPU seconds of all its processes to $RUN_CPU, why it
# failed to $RUN_NOTE. $2: the program spec, $3: log file.
run_case() {
    local lib=$1 spec=$2 log=$3 ldir prog args
    ldir=$(lib_dir "$lib")
    prog=${spec%% *}
    args=${spec#* }
    RESULT_LINE=""
    RUN_STATUS=FAIL
    RUN_CPU=""
    RUN_NOTE=""
    local TIMEFORMAT='%3U %3S'
    local nofile=()
    case "$prog" in
        nofile=*)
            local want=${prog#nofile=} hard
            hard=$(ulimit -Hn)
            if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ] \
                    && ! (ulimit -n "$want") 2>/dev/null; then
                RUN_NOTE="open files hard limit $hard < $want"
                echo "== $lib: $args: SKIPPED ($RUN_NOTE)" >> "$log"
                RUN_STATUS=SKIPPED
                return
            fi
            # shellcheck disable=SC2016
            # Raises the soft limit (and the hard one where allowed) to
            # $want, never lowers it; short of it, as far as the hard limit.
            nofile=(bash -c 'c=$(ulimit -Sn); if [ "$c" != unlimited ] && [ "$c" -lt "$0" ]; then
                ulimit -Sn "$0" 2>/dev/null || ulimit -n "$0" 2>/dev/null || ulimit -Sn hard; fi
                exec "$@"' "$want")
            prog=${args%% *}
            args=${args#* }
            ;;
    esac
    local netns=()
    if [ "$prog" = netns ]; then
        if [ -n "$NETNS_SKIP" ]; then
            echo "== $lib: $args: SKIPPED ($NETNS_SKIP)" >> "$log"
            RUN_STATUS=SKIPPED
            RUN_NOTE=$NETNS_SKIP
            return
        fi
        netns=(ip netns exec "$NETNS")
        prog=${args%% *}
        args=${args#* }
    fi
    rm -f "$TMPD"/*.cpu
    if [ "${prog#*+}" != "$prog" ]; then
        local lprog=${prog%+*} rprog=${prog#*+} ep transport rest bound=""
        ep=${args%% *}
        rest=${args#* }
        transport=${ep#\{EP:}
        transport=${transport%\}}
        case $transport in
            tcp) ep="tcp://127.0.0.1:*" ;;
            ipc) ep="ipc://$TMPD/$lprog-$lib-$RANDOM$RANDOM.sock" ;;
            *) echo "bench: bad transport in '$spec'" >&2; return ;;
        esac
        local lout="$TMPD/local.out" rout="$TMPD/remote.out"
        : > "$lout"
        # shellcheck disable=SC2086
        { time LD_LIBRARY_PATH=$ldir "${nofile[@]}" timeout -k 2 "$RUN_TIMEOUT" "$BIN/$lprog" "$ep" $rest \
            > "$lout" 2> "$TMPD/local.err"; } 2> "$TMPD/local.cpu" &
        local lpid=$!
        # The local side prints "ENDPOINT <address>" once bound.
        while :; do
            bound=$(sed -n 's/^ENDPOINT //p' "$lout")
            [ -n "$bound" ] && break
            kill -0 $lpid 2>/dev/null || break
            sleep 0.01
        done
        local rrc=1 lrc
        if [ -n "$bound" ]; then
            # shellcheck disable=SC2086
            { time LD_LIBRARY_PATH=$ldir "${nofile[@]}" timeout -k 2 "$RUN_TIMEOUT" "$BIN/$rprog" "$bound" $rest \
                > "$rout" 2> "$TMPD/remote.err"; } 2> "$TMPD/remote.cpu"
            rrc=$?
        else
            : > "$rout"; : > "$TMPD/remote.err"
        fi
        wait $lpid
        lrc=$?
        {
            echo "== $lib: $lprog $ep $rest (exit $lrc, cpu $(cpu_sum "$TMPD/local.cpu") s)"; cat "$lout" "$TMPD/local.err"
            echo "== $lib: $rprog $bound $rest (exit $rrc, cpu $(cpu_sum "$TMPD/remote.cpu") s)"; cat "$rout" "$TMPD/remote.err"
        } >> "$log"
        # Throughput is reported by the receiver (local), latency by the
        # timer (remote).
        local src="$lout"
        [ "$rprog" = remote_lat ] && src="$rout"
        RESULT_LINE=$(grep '^RESULT ' "$src" | tail -n 1)
        RUN_CPU=$(cpu_sum "$TMPD/local.cpu" "$TMPD/remote.cpu")
        if [ $lrc = 0 ] && [ $rrc = 0 ]; then
            RUN_STATUS=OK
        elif [ $lrc != 0 ]; then
            RUN_NOTE="$lprog: $(fail_reason $lrc "$TMPD/local.err")"
        else
            RUN_NOTE="$rprog: $(fail_reason $rrc "$TMPD/remote.err")"
        fi
    else
        local out="$TMPD/single.out" rc
        # shellcheck disable=SC2086
        { time LD_LIBRARY_PATH=$ldir "${nofile[@]}" timeout -k 2 "$RUN_TIMEOUT" "${netns[@]}" "$BIN/$prog" $args \
            > "$out" 2> "$TMPD/single.err"; } 2> "$TMPD/single.cpu"
        rc=$?
        RUN_CPU=$(cpu_sum "$TMPD/single.cpu")
        { echo "== $lib: $prog $args (exit $rc, cpu $RUN_CPU s)"; cat "$out" "$TMPD/single.err"; } >> "$log"
        RESULT_LINE=$(grep '^RESULT ' "$out" | tail -n 1)
        if [ $rc = 0 ]; then RUN_STATUS=OK; else RUN_NOTE="$prog: $(fail_reason $rc "$TMPD/single.err")"; fi
    fi
    case "$RESULT_LINE" in
        *" status=OK "*) ;;
        *) RUN_STATUS=FAIL
           [ -n "$RUN_NOTE" ] || RUN_NOTE="no RESULT status=OK line" ;;
    esac
    local want
    case $lib in ours) want=$VER_ours ;; omq) want=$VER_omq ;; *) want=$VER_ref ;; esac
    case "$RESULT_LINE" in
        *" version=$want "*) ;;
        *) if [ $RUN_STATUS = OK ]; then
               RUN_STATUS=FAIL
               RUN_NOTE="version mismatch: wanted $want"
               echo "   (version mismatch: wanted $want)" >> "$log"
           fi ;;
    esac
}

TOTAL=0
for c in "${CASES[@]}"; do
    name=${c%%|*}
    if [ -n "$ONLY" ] && ! printf '%s\n' "$name" | grep -Eq -- "$ONLY"; then continue; fi
    TOTAL=$((TOTAL + 1))
done
NLIBS=$(echo $LIBS | wc -w)
echo "running $TOTAL cases x $REPS reps x $NLIBS libraries (ours $VER_ours, reference $VER_ref${VER_omq:+, omq $VER_omq})"

FAILS=0
OMQ_FAILS=0
i=0
for c in "${CASES[@]}"; do
    IFS='|' read -r name group spec metrics <<< "$c"
    if [ -n "$ONLY" ] && ! printf '%s\n' "$name" | grep -Eq -- "$ONLY"; then continue; fi
    i=$((i + 1))
    log="$OUT/logs/$(echo "$name" | tr ' ' '_').log"
    reps=$REPS
    # Memory does not vary much and each run holds 2000 sockets: 3 at most.
    [ "$group" = mem ] && [ "$reps" -gt 3 ] && reps=3
    summary=""
    skipped=0
    for rep in $(seq 1 "$reps"); do
        # Each repetition starts with the next library in turn.
        # shellcheck disable=SC2086
        set -- $LIBS
        order=""
        for j in $(seq 0 $((NLIBS - 1))); do
            k=$(( (rep - 1 + j) % NLIBS + 1 ))
            order="$order ${!k}"
        done
        for lib in $order; do
            t0=$(date +%s.%N)
            run_case "$lib" "$spec" "$log"
            t1=$(date +%s.%N)
            secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
            if [ $RUN_STATUS = FAIL ]; then
                if [ "$lib" = omq ]; then OMQ_FAILS=$((OMQ_FAILS + 1)); else FAILS=$((FAILS + 1)); fi
                summary="$summary $lib#$rep:FAIL"
            fi
            [ $RUN_STATUS = SKIPPED ] && skipped=1
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$group" "$metrics" \
                "$lib" "$rep" "$RUN_STATUS" "$secs" "$RUN_CPU" "$(printf '%s' "$RUN_NOTE" | tr '\t\n' '  ')" \
                "$RESULT_LINE" >> "$RAW"
        done
    done
    # --omq without a library: one row that says why, for the report.
    if [ $OMQ = 1 ] && [ -z "$OMQ_LIB" ]; then
        printf '%s\t%s\t%s\tomq\t1\tNA\t\t\t%s\t\n' "$name" "$group" "$metrics" "$OMQ_SKIP" >> "$RAW"
    fi
    [ $skipped = 1 ] && summary=" SKIPPED: $RUN_NOTE"
    printf '[%2d/%d] %-22s done%s\n' "$i" "$TOTAL" "$name" "$summary" >&2
done

END_TIME=$(date +%s)
ELAPSED=$((END_TIME - START_TIME))
echo "wall time: ${ELAPSED}s" >> "$OUT/meta.txt"

# ---------------------------------------------------------------- report
python3 tools/bench_report.py "$RAW" "$OUT/bench.csv" || exit 1
echo
echo "wall time: ${ELAPSED}s; failed runs: $FAILS${VER_omq:+ (omq: $OMQ_FAILS)}; CSV: $OUT/bench.csv; logs: $OUT/logs/"

if [ $CHART = 1 ]; then
    VENV=build/bench-venv
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
        echo "setting up $VENV with matplotlib (once)..." >&2
        { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q matplotlib; } >&2 \
            || echo "bench: could not set up $VENV (Debian needs python3-venv); no chart" >&2
    fi
    if "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
        "$VENV/bin/python" tools/bench_chart.py "$OUT/bench.csv" "$OUT/bench.png" "$OUT/meta.txt" \
            && echo "chart: $OUT/bench.png"
    fi
fi
exit 0
