#!/usr/bin/env bash
# Build and run the C API tests (capi-tests/test_*.c).
#
# Usage: capi-tests/run.sh [--reference] [--draft-lib DIR] [TEST_NAME...]
#
#   (default)        link and run against our library in $ZMQ_LIBDIR
#                    (default <repo>/build/lib)
#   --reference      link and run against the reference libzmq in
#                    /usr/lib/x86_64-linux-gnu; test_draft_* are skipped
#                    (that build has no DRAFT symbols); exports
#                    ZMQ_TEST_REFERENCE=1, for tests of behaviour beyond
#                    libzmq's, which then report instead of asserting
#   --draft-lib DIR  link and run the test_draft_* programs against DIR
#                    (e.g. a libzmq built with drafts), in either mode
#   TEST_NAME...     run only these tests (e.g. test_msg)
#
# Env: ZMQ_INCLUDE  header directory (default <repo>/include)
#      ZMQ_LIBDIR   our library directory (default <repo>/build/lib)
#      ZMQ_PEER_LIBDIR  library the interop peer links and runs with
#                   (default /usr/lib/x86_64-linux-gnu, the reference)
#      TEST_TIMEOUT seconds per test (default 30)
#      CC           C compiler (default cc)
#      CAPI_OUT     where binaries and logs go (default <repo>/build/capi)
#      TEST_LDFLAGS extra link flags for the test programs, not the peer
#                   (word-split; tools/sanitize.sh links a sanitizer runtime)
#      TEST_WRAPPER command the test programs run under (word-split; e.g.
#                   valgrind and its options)
#
# Binaries go to $CAPI_OUT. Prints one line per test and ends with
# "N passed, N failed[, N skipped]"; exits non-zero if any test failed.
# A test program that exits with 77 has skipped itself (the library lacks
# what it tests) and printed a "SKIP name: why" line.
#
# Interop tests (test_interop_*): before them, capi-tests/interop/peer.c is
# built into build/capi/interop-peer against the SYSTEM zmq.h and
# $ZMQ_PEER_LIBDIR (never against our header or library). The tests find it
# through $ZMQ_INTEROP_PEER, exported here, and start it with
# LD_LIBRARY_PATH=$ZMQ_PEER_LIBDIR, while the test program itself runs with
# the library under test. In --reference mode both ends are the reference.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

reference=0
draft_lib=""
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) reference=1 ;;
        --draft-lib)
            [ $# -ge 2 ] || { echo "run.sh: --draft-lib needs a directory" >&2; exit 2; }
            draft_lib=$(cd "$2" && pwd) || exit 2
            shift ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) only+=("$1") ;;
    esac
    shift
done

include=${ZMQ_INCLUDE:-$repo/include}
if [ ! -f "$include/zmq.h" ]; then
    # Without this check the compiler would silently fall back to a
    # system zmq.h.
    echo "run.sh: no zmq.h in $include (set ZMQ_INCLUDE)" >&2
    exit 2
fi
if [ "$reference" = 1 ]; then
    libdir=/usr/lib/x86_64-linux-gnu
    # Tests of behaviour beyond libzmq's (test_handshake_limits) report
    # their figures instead of asserting them.
    export ZMQ_TEST_REFERENCE=1
else
    libdir=${ZMQ_LIBDIR:-$repo/build/lib}
fi
timeout_s=${TEST_TIMEOUT:-30}
cc=${CC:-cc}
out=${CAPI_OUT:-$repo/build/capi}
# Word-split on purpose: each is a list of arguments.
read -r -a test_ldflags <<<"${TEST_LDFLAGS:-}"
read -r -a test_wrapper <<<"${TEST_WRAPPER:-}"
mkdir -p "$out"

cflags=(-std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -g -I "$include" -I "$here")

passed=0
failed=0
skipped=0

peer_libdir=${ZMQ_PEER_LIBDIR:-/usr/lib/x86_64-linux-gnu}
export ZMQ_PEER_LIBDIR=$peer_libdir
export ZMQ_INTEROP_PEER=$out/interop-peer
peer_state=unbuilt   # unbuilt | ok | failed

build_peer () {
    [ "$peer_state" = unbuilt ] || return 0
    if "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -g \
            -I "$here/interop" -o "$ZMQ_INTEROP_PEER" \
            "$here/interop/peer.c" -L "$peer_libdir" -lzmq \
            >"$out/interop-peer.log" 2>&1; then
        peer_state=ok
    else
        peer_state=failed
    fi
}

for src in "$here"/test_*.c; do
    name=$(basename "$src" .c)
    if [ ${#only[@]} -gt 0 ]; then
        want=0
        for o in "${only[@]}"; do [ "$o" = "$name" ] && want=1; done
        [ "$want" = 1 ] || continue
    fi

    flags=("${cflags[@]}")
    lib=$libdir
    case "$name" in
        test_draft_*)
            flags+=(-DZMQ_BUILD_DRAFT_API)
            if [ -n "$draft_lib" ]; then
                lib=$draft_lib
            elif [ "$reference" = 1 ]; then
                echo "SKIP $name (reference libzmq has no DRAFT API)"
                skipped=$((skipped + 1))
                continue
            fi ;;
    esac

    case "$name" in
        test_interop_*)
            build_peer
            if [ "$peer_state" != ok ]; then
                echo "FAIL $name (interop peer did not build)"
                head -n 12 "$out/interop-peer.log" | sed "s/^/    /"
                failed=$((failed + 1))
                continue
            fi ;;
    esac

    bin=$out/$name
    log=$out/$name.log
    if ! "$cc" "${flags[@]}" -I "$here/interop" -o "$bin" "$src" \
            -L "$lib" -lzmq -lpthread ${test_ldflags[@]+"${test_ldflags[@]}"} \
            >"$log" 2>&1; then
        echo "FAIL $name (build failed)"
        head -n 12 "$log" | sed "s/^/    /"
        failed=$((failed + 1))
        continue
    fi

    LD_LIBRARY_PATH=$lib timeout "$timeout_s" \
        ${test_wrapper[@]+"${test_wrapper[@]}"} "$bin" >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "PASS $name"
        passed=$((passed + 1))
    elif [ $rc -eq 77 ]; then
        # The program found the library lacks what it tests (e.g. no
        # ws:// transport) and said so in a "SKIP name: why" line.
        echo "$(grep -m1 '^SKIP ' "$log" || echo "SKIP $name")"
        skipped=$((skipped + 1))
    else
        if [ $rc -eq 124 ]; then
            echo "FAIL $name (timed out after ${timeout_s}s)"
        else
            echo "FAIL $name (exit $rc)"
        fi
        tail -n 20 "$log" | sed "s/^/    /"
        failed=$((failed + 1))
    fi
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
