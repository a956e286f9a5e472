#!/usr/bin/env bash
# Runs the C tests (capi-tests/run.sh, interop tests included) on the library
# built with AddressSanitizer, then with ThreadSanitizer, then under
# Valgrind's memcheck on the normal release library. A sanitizer or Valgrind
# report fails the test that produced it. Ends with one line
# `N passed, N failed` summing the passes.
#
# Usage: tools/sanitize.sh [asan] [tsan] [valgrind] [-- TEST_NAME...]
#        (no pass named: all three; `make check-sanitize`)
#
# Layout: build/<pass>/lib/libzmq.so.5 (as `make lib` lays out build/lib),
# build/<pass>/capi/ (test binaries and logs), build/<pass>/reports/ (one
# file per report, the first lines of which are printed). Cargo builds into
# target/sanitize-<pass>, so normal builds are untouched.
#
# How a C program loads a Rust cdylib built with a sanitizer: rustc puts the
# sanitizer runtime only into executables it links, never into a cdylib,
# which is left with undefined __asan_*/__tsan_* references. The test
# program must supply them, and the runtime must be the one that matches
# rustc's LLVM (the instrumentation calls into it, and for ASan inlines its
# shadow layout): gcc 12's libasan.so.8 / libtsan.so.2 come from an older
# compiler-rt (its libtsan lacks __tsan_memcpy, which rustc's LLVM emits:
# preloaded, it fails at the first symbol lookup). So each test program is linked with rustc's own runtime
# (librustc-nightly_rt.<pass>.a from the nightly sysroot), whole, with
# --export-dynamic so the library's references bind to it. That puts the
# runtime in the executable, initialised before any library, as the
# sanitizers require; no LD_PRELOAD. The test programs themselves are not
# instrumented (gcc would bring its own runtime): what is checked is our
# library, Rust's std (-Zbuild-std) and every libc call (interceptors).
# The interop peer is a separate process on Debian's libzmq, neither
# instrumented nor linked with a runtime.
#
# The ASan build uses the system allocator (--cfg zmq_system_alloc) instead
# of the library's magazine pool (src/msg/pool.rs): a pooled block is reused
# without passing through free/malloc, so ASan would not see a use after
# free of it. TSan keeps the pool, so its lock-free hand-off is checked too.
#
# Valgrind runs against build/lib (run `make lib` first; the Makefile does).
# A report exits the program with status 86 (told apart from a test's own
# failure, exit 1); ASan/TSan write it to build/<pass>/reports/, Valgrind too.
# Suppressions: tools/sanitize/*.supp, each entry with its reason; only code
# outside this project may be suppressed.
#
# Env: SANITIZE_TOOLCHAIN rustup toolchain for ASan/TSan (default nightly)
#      SANITIZE_TIMEOUT  seconds per test under ASan/TSan (default 90)
#      VALGRIND_TIMEOUT  seconds per test under Valgrind (default 180)
set -u
cd "$(dirname "$0")/.."
repo=$PWD
supp=$repo/tools/sanitize
target=x86_64-unknown-linux-gnu
toolchain=${SANITIZE_TOOLCHAIN:-nightly}

passes=()
tests=()
while [ $# -gt 0 ]; do
    case "$1" in
        asan|tsan|valgrind) passes+=("$1") ;;
        --) shift; tests=("$@"); break ;;
        -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
        *) echo "sanitize.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#passes[@]} -gt 0 ] || passes=(asan tsan valgrind)

total_pass=0
total_fail=0

# The nightly toolchain with rust-src, for -Zsanitizer and -Zbuild-std.
nightly_missing() {
    if ! cargo +"$toolchain" --version >/dev/null 2>&1; then
        echo "no $toolchain toolchain (rustup toolchain install $toolchain)"
    elif ! [ -d "$(rustc +"$toolchain" --print sysroot)/lib/rustlib/src/rust/library" ]; then
        echo "no rust-src for $toolchain (rustup component add rust-src --toolchain $toolchain)"
    fi
}

# Builds build/<pass>/lib/libzmq.so.5 with -Zsanitizer=<pass>.
build_lib() { # pass sanitizer extra-rustflags
    local pass=$1 san=$2 extra=$3 out=build/$1/lib log=build/$1/cargo.log start=$SECONDS
    mkdir -p "$out"
    # Build time, not speed, is what counts here: no LTO, many codegen
    # units, -O1 (which the sanitizers' authors recommend: reports keep
    # more frames), line tables only (enough for file:line in reports).
    if ! RUSTFLAGS="-Zsanitizer=$san $extra" \
        CARGO_TARGET_DIR=target/sanitize-$pass \
        CARGO_PROFILE_RELEASE_LTO=false \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
        cargo +"$toolchain" rustc --quiet --release --lib --crate-type cdylib \
            -Zbuild-std --target "$target" >"$log" 2>&1; then
        echo "FAIL $pass build (cargo)"
        tail -n 20 "$log" | sed 's/^/    /'
        return 1
    fi
    cp --remove-destination "target/sanitize-$pass/$target/release/libzmq.so" "$out/libzmq.so.5.2.5"
    ln -sf libzmq.so.5.2.5 "$out/libzmq.so.5"
    ln -sf libzmq.so.5 "$out/libzmq.so"
    echo "built $out/libzmq.so.5 in $((SECONDS - start))s"
}

# The C tests to run: those named after `--`, or every capi-tests/test_*.c.
selected_tests() {
    if [ ${#tests[@]} -gt 0 ]; then
        printf '%s\n' "${tests[@]}"
    else
        local f
        for f in capi-tests/test_*.c; do basename "$f" .c; done
    fi
}

# Empties a pass's report directory (before its first run).
fresh_reports() { # pass
    mkdir -p "build/$1/reports"
    rm -f "build/$1/reports/"*
}

# Runs capi-tests/run.sh on the tests in $run_only with the given
# environment; adds its counts and prints the start of every report left
# in build/<pass>/reports that was not printed before.
run_tests() { # label pass env...
    local label=$1 pass=$2 log start=$SECONDS
    log=build/$pass/$(tr -c 'A-Za-z0-9_\n' '-' <<<"$label").log
    shift 2
    env "$@" CAPI_OUT="$repo/build/$pass/capi" capi-tests/run.sh "${run_only[@]}" \
        2>&1 | tee "$log" | grep -v '^PASS '
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        p=0 f=1
    else
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    fi
    local r
    for r in "build/$pass/reports/"*; do
        [ -s "$r" ] && [ ! -e "$r.shown" ] || continue
        echo "  report $r:"
        head -n 40 "$r" | sed 's/^/    /'
        touch "$r.shown"
    done
    echo "$label: $p passed, $f failed in $((SECONDS - start))s"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

# Link flags that put rustc's runtime for <san> into a test program.
runtime_ldflags() { # san
    local rt
    rt="$(rustc +"$toolchain" --print sysroot)/lib/rustlib/$target/lib/librustc-nightly_rt.$1.a"
    [ -f "$rt" ] || { echo "sanitize.sh: no $rt" >&2; return 1; }
    echo "-Wl,--whole-archive $rt -Wl,--no-whole-archive -Wl,--export-dynamic -ldl -lm -lrt"
}

# Runs the selected tests with the given environment, except that the one
# test named in $special (if selected) runs on its own with $special_env
# added (later settings win), under the label $special_label.
run_pass() { # pass env...
    local pass=$1 t one=0
    shift
    run_only=()
    while read -r t; do
        if [ "$t" = "${special:-}" ]; then one=1; else run_only+=("$t"); fi
    done < <(selected_tests)
    if [ ${#run_only[@]} -gt 0 ]; then
        run_tests "$pass" "$pass" "$@"
    fi
    if [ "$one" = 1 ]; then
        run_only=("$special")
        run_tests "$pass $special $special_label" "$pass" "$@" "${special_env[@]}"
    fi
}

# Builds the library with one sanitizer and runs the tests on it.
sanitizer_pass() { # pass sanitizer extra-rustflags env...
    local pass=$1 san=$2 extra=$3 why ld
    shift 3
    echo "== $pass"
    why=$(nightly_missing)
    if [ -n "$why" ]; then echo "SKIPPED $pass: $why"; return; fi
    build_lib "$pass" "$san" "$extra" || { total_fail=$((total_fail + 1)); return; }
    ld=$(runtime_ldflags "$pass") || { total_fail=$((total_fail + 1)); return; }
    fresh_reports "$pass"
    run_pass "$pass" \
        ZMQ_LIBDIR="$repo/build/$pass/lib" TEST_LDFLAGS="$ld" \
        TEST_TIMEOUT="${SANITIZE_TIMEOUT:-90}" "$@"
}

# exitcode 86 in all passes: a report, told apart from a test's own failure.
pass_asan() {
    local opts="halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:suppressions=$supp/asan.supp:log_path=$repo/build/asan/reports/asan"
    # test_handshake_limits asserts a bound on the process's RSS growth
    # (64 MiB). ASan's quarantine keeps up to 256 MiB of freed blocks out
    # of reuse, and they count: 80 MiB here. With 4 MiB of quarantine it
    # measures about 50 MiB, and ASan still checks every access.
    special=test_handshake_limits
    special_label="(4 MiB quarantine)"
    special_env=(ASAN_OPTIONS="$opts:quarantine_size_mb=4")
    sanitizer_pass asan address "--cfg zmq_system_alloc" \
        ASAN_OPTIONS="$opts" \
        LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
}

# die_after_fork=0: test_fork's child starts threads after forking a
# multi-threaded parent, which TSan by default refuses (it cannot promise
# its own state in such a child); the child then runs checked like any
# process, and gives no report today.
pass_tsan() {
    special=""
    sanitizer_pass tsan thread "" \
        TSAN_OPTIONS="halt_on_error=1:exitcode=86:second_deadlock_stack=1:die_after_fork=0:suppressions=$supp/tsan.supp:log_path=$repo/build/tsan/reports/tsan"
}

pass_valgrind() {
    echo "== valgrind"
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "SKIPPED valgrind: not installed (apt-get install valgrind)"
        return
    fi
    if [ ! -e build/lib/libzmq.so.5 ]; then
        echo "FAIL valgrind: no build/lib/libzmq.so.5 (make lib)"
        total_fail=$((total_fail + 1))
        return
    fi
    # Definite leaks are errors; memory still reachable at exit (the
    # library's thread caches, glibc's) is not. Forked children stay
    # under Valgrind; exec'd ones (the interop peer) do not.
    local vg="valgrind --quiet --error-exitcode=86 --suppressions=$supp/valgrind.supp --log-file=$repo/build/valgrind/reports/vg.%p"
    # test_fork's child inherits the parent's heap, including the context
    # it must leave alone and what the parent's I/O thread (absent in the
    # child) owned: at the child's exit that memory is unreachable by
    # design, and a leak check calls it lost. Memory errors still count.
    special=test_fork
    special_label="(no leak check)"
    special_env=(TEST_WRAPPER="$vg --leak-check=no")
    fresh_reports valgrind
    run_pass valgrind \
        ZMQ_LIBDIR="$repo/build/lib" TEST_TIMEOUT="${VALGRIND_TIMEOUT:-180}" \
        TEST_WRAPPER="$vg --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite"
}

for p in "${passes[@]}"; do
    "pass_$p"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
