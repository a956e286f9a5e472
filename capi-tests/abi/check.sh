#!/bin/sh
# ABI checks of include/zmq.h, and of a built libzmq.so when one is given.
#
#   capi-tests/abi/check.sh [path/to/libzmq.so]
#
# Prints one line per check (PASS name (...) / FAIL name: why / SKIP name (why))
# and ends with "N passed, N failed"; exits non-zero if any check failed.
# Without a library the symbol checks are skipped. The work is done by
# abi_check.py next to this script (Python 3 standard library only); see its
# docstring for the list of checks. Env: ZMQ_REF_HEADER, CC, CXX.
here=$(dirname "$0")
if [ $# -gt 1 ]; then
    echo "usage: $0 [path/to/libzmq.so]" >&2
    exit 2
fi
exec python3 "$here/abi_check.py" "$@"
