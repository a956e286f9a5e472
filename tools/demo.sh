#!/usr/bin/env bash
# The demo: a C publisher written for plain libzmq (examples/sensor_pub.c) sends
# simulated sensor samples over tcp; a pyzmq subscriber (examples/sensor_sub.py)
# decodes and prints them. Both run on our library: the C program through
# LD_LIBRARY_PATH, pyzmq's wheel through LD_PRELOAD (its bundled libzmq is
# loaded but every zmq_* call binds to ours).
#
#   tools/demo.sh [--libdir DIR] [ROUNDS] [INTERVAL_MS]      (after `make lib`)
#
# Uses build/pyzmq-venv (created with just the pinned pyzmq wheel if missing).
# Ends by itself; exits 0 only if every sample arrived, in order, then END.
set -u
ORIG_PWD=$PWD
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LIBDIR=build/lib
if [ "${1:-}" = --libdir ]; then
    LIBDIR=$2
    shift 2
    case $LIBDIR in /*) ;; *) LIBDIR=$ORIG_PWD/$LIBDIR ;; esac
fi
ROUNDS=${1:-10}
INTERVAL_MS=${2:-100}
LIBDIR=$(cd "$LIBDIR" 2>/dev/null && pwd) || { echo "demo: no $LIBDIR (run make lib)" >&2; exit 1; }
[ -e "$LIBDIR/libzmq.so.5" ] || { echo "demo: no $LIBDIR/libzmq.so.5 (run make lib)" >&2; exit 1; }

VENV=$ROOT/build/pyzmq-venv
PYZMQ_PIN=$(grep '^pyzmq==' tools/pyzmq-requirements.txt)
if ! "$VENV/bin/python" -c 'import zmq' 2>/dev/null; then
    echo "== creating $VENV with $PYZMQ_PIN (PyPI wheel)"
    "${PYTHON:-python3}" -m venv "$VENV" || { echo "demo: python3 -m venv failed" >&2; exit 1; }
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: "$PYZMQ_PIN" \
        || { echo "demo: pip install $PYZMQ_PIN failed" >&2; exit 1; }
fi

echo "== building examples/sensor_pub.c against include/ and $LIBDIR"
mkdir -p build/examples
"${CC:-cc}" -std=c99 -Wall -Wextra -Werror -Iinclude examples/sensor_pub.c \
    -L"$LIBDIR" -lzmq -o build/examples/sensor_pub || exit 1

echo "== starting the publisher (C, LD_LIBRARY_PATH=$LIBDIR)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/pub.out"
LD_LIBRARY_PATH=$LIBDIR timeout 60 build/examples/sensor_pub 'tcp://127.0.0.1:*' \
    "$ROUNDS" "$INTERVAL_MS" > "$work/pub.out" &
pub_pid=$!
exec 3< "$work/pub.out"
line=""
read -r -t 10 line <&3
endpoint=${line#endpoint }
if [ "$line" = "$endpoint" ] || [ -z "$endpoint" ]; then
    echo "demo: publisher did not report its endpoint (got: '$line')" >&2
    kill "$pub_pid" 2>/dev/null
    exit 1
fi
echo "[pub] bound $endpoint"
# Show the publisher's remaining lines as they come.
sed -u 's/^/[pub] /' <&3 &
relay_pid=$!
exec 3<&-

echo "== starting the subscriber (pyzmq, LD_PRELOAD=$LIBDIR/libzmq.so.5)"
LD_PRELOAD=$LIBDIR/libzmq.so.5 timeout 60 "$VENV/bin/python" examples/sensor_sub.py \
    "$endpoint" --timeout 20
sub_rc=$?
wait "$pub_pid"
pub_rc=$?
wait "$relay_pid" 2>/dev/null

if [ "$sub_rc" -eq 0 ] && [ "$pub_rc" -eq 0 ]; then
    echo "== demo OK: C publisher -> tcp -> Python subscriber, both on $(readlink -f "$LIBDIR/libzmq.so.5")"
    exit 0
fi
echo "== demo FAILED (publisher exit $pub_rc, subscriber exit $sub_rc)"
exit 1
