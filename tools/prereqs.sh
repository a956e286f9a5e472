#!/usr/bin/env bash
# Checks what `make demo` or `make check` needs on a Debian machine before
# anything is built, and when something is missing says so in one line:
# the `apt-get install` that brings all of it (the Rust toolchain itself
# comes from rustup, not apt).
#
#   tools/prereqs.sh demo    the demo: a C compiler, make, python3 with venv
#   tools/prereqs.sh check   every suite: also Debian's libzmq (the reference
#                            and the interop peer), pkg-config, binutils,
#                            Debian's pyzmq, iproute2 and nftables (the
#                            fault and PGM suites' namespaces), valgrind,
#                            llvm (the sanitizer suite), chromium (the
#                            browser test), cmake (the install check and
#                            cppzmq), catch2 and curl (the client suite),
#                            MIT Kerberos (the GSSAPI suite's realm)
#
# Exits 0 when all is there. Outside CI, what only some suites need (ip,
# nft, valgrind, llvm, chromium, cmake, catch2, curl, krb5) is reported but does not stop
# `make check`: those suites say SKIPPED themselves; in CI (CI=true), or
# with --strict, it stops.
set -u

what=${1:-check}
strict=0
[ "${2:-}" = --strict ] && strict=1
[ "${CI:-}" = true ] && strict=1

missing=()    # packages whose absence stops the target
optional=()   # packages whose absence only skips a suite

need() { # PACKAGE TEST...: PACKAGE is missing unless TEST succeeds
    local pkg=$1
    shift
    "$@" >/dev/null 2>&1 || missing+=("$pkg")
}
want() { # as need, for what only some suites use
    local pkg=$1
    shift
    "$@" >/dev/null 2>&1 || optional+=("$pkg")
}
has() { command -v "$1" || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

command -v cargo >/dev/null 2>&1 || {
    echo "missing: cargo (the Rust toolchain: https://rustup.rs)" >&2
    exit 1
}
need build-essential has cc
need build-essential has make
need python3 has python3
need python3-venv python3 -c 'import ensurepip, venv'
case $what in
    demo) ;;
    check)
        need pkg-config has pkg-config
        need binutils has nm
        need libzmq5 test -e /usr/lib/x86_64-linux-gnu/libzmq.so.5
        need libzmq3-dev test -e /usr/include/zmq.h
        need python3-zmq /usr/bin/python3 -c 'import zmq'
        want iproute2 has ip
        want nftables has nft
        want valgrind has valgrind
        want llvm has llvm-symbolizer
        want chromium has chromium
        want cmake has cmake
        want catch2 test -e /usr/include/catch2/catch.hpp
        want curl has curl
        want krb5-kdc has krb5kdc
        want krb5-admin-server has kadmin.local
        want krb5-user has kinit
        want libgssapi-krb5-2 test -e /usr/lib/x86_64-linux-gnu/libgssapi_krb5.so.2
        ;;
    *)
        echo "usage: tools/prereqs.sh demo|check [--strict]" >&2
        exit 2
        ;;
esac

if [ $strict = 1 ]; then
    missing+=("${optional[@]}")
    optional=()
fi
# One package once, in the order first met.
uniq_words() {
    local w out=" "
    for w in "$@"; do
        [[ $out == *" $w "* ]] || out+="$w "
    done
    out=${out# }
    printf '%s' "${out% }"
}
if [ ${#optional[@]} -gt 0 ]; then
    echo "note: some suites will say SKIPPED; for all of them: sudo apt-get install $(uniq_words "${optional[@]}")" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "make $what needs: sudo apt-get install $(uniq_words "${missing[@]}")" >&2
    exit 1
fi
exit 0
