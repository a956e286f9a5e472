#!/usr/bin/env bash
# The fault suite (`make check-faults`): the programs in capi-tests/faults/
# run between two network namespaces joined by a veth pair, while faults
# are applied to the link: 5% packet loss each way (nftables: this kernel
# has no tc netem), a link flap mid-stream, all packets dropped, and
# kill -9 of the peer process and its restart. Each program checks that
# what TCP delivered arrives once and in order, that the stream resumes
# after a flap, that heartbeats report a dead peer within their bound and
# that a SUB's subscriptions are sent again to a restarted PUB.
#
# Usage: tools/faults.sh [CHECK...]     (e.g. pushpull-loss)
#        tools/faults.sh --ctl ACTION   (used by the programs, see below)
#
# Every check runs twice: on our library (build/lib, `make lib` first;
# programs built against include/zmq.h) and on the reference libzmq
# (/usr/lib/x86_64-linux-gnu, built against the system zmq.h), both ends
# linking the same library. Needs root, `ip netns` and nft; without them it
# prints SKIPPED and `0 passed, 0 failed`. Ends with `N passed, N failed`.
#
# Env: FAULT_TIMEOUT seconds per program (default 45); CC (default cc).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

# ---- faults, applied from inside the programs ------------------------------
# Namespace A holds the driver, B the peer; each filters what comes in on
# its end of the veth in table `inet faults`, chain `in`.

nft_drop() { # NS IF [MATCH...]: drop (and count) what comes in on IF and
             # matches (all of it without MATCH), instead of the rule before
    local ns=$1 ifname=$2
    shift 2
    printf 'flush chain inet faults in\nadd rule inet faults in iifname "%s" %s counter drop\n' \
        "$ifname" "$*" | ip netns exec "$ns" nft -f -
}

nft_clear() { # NS: no rule
    ip netns exec "$1" nft flush chain inet faults in
}

dropped() { # NS: packets the chain's rule has dropped so far
    ip netns exec "$1" nft list chain inet faults in |
        sed -nE 's/.* counter packets ([0-9]+) .*/\1/p' | head -n 1
}

ctl() {
    local a=$FAULT_NS_A b=$FAULT_NS_B
    case "$*" in
        "loss 0"|undrop)
            # What the fault did, for the log (proof it was in place).
            echo "dropped: $(dropped "$a") packets into A, $(dropped "$b") into B"
            nft_clear "$a" && nft_clear "$b" ;;
        "loss "[0-9]*)
            nft_drop "$a" "$FAULT_IF_A" numgen random mod 100 "<" "$2" &&
            nft_drop "$b" "$FAULT_IF_B" numgen random mod 100 "<" "$2" ;;
        drop)
            nft_drop "$a" "$FAULT_IF_A" && nft_drop "$b" "$FAULT_IF_B" ;;
        "link down") ip -n "$b" link set "$FAULT_IF_B" down ;;
        "link up") ip -n "$b" link set "$FAULT_IF_B" up ;;
        reset)
            nft_clear "$a" && nft_clear "$b" &&
            ip -n "$b" link set "$FAULT_IF_B" up ;;
        *) echo "faults.sh --ctl: unknown action '$*'" >&2; return 2 ;;
    esac
}

if [ "${1:-}" = "--ctl" ]; then
    shift
    ctl "$@"
    exit
fi

# ---- can we run at all? ---------------------------------------------------

skip() {
    echo "SKIPPED: $1"
    echo "0 passed, 0 failed"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v nft >/dev/null || skip "no nft (Debian package nftables)"

only=("$@")
timeout_s=${FAULT_TIMEOUT:-45}
cc=${CC:-cc}
out=$repo/build/faults
mkdir -p "$out"

# ---- the namespaces ---------------------------------------------------------

tag=zf$$
export FAULT_NS_A=${tag}a FAULT_NS_B=${tag}b
export FAULT_IF_A=${tag}a FAULT_IF_B=${tag}b
export FAULT_ADDR_A=10.99.0.1 FAULT_ADDR_B=10.99.0.2
# Nothing else listens in these namespaces; a port per run all the same.
export FAULT_PORT=$((20000 + $$ % 20000))
export FAULT_CTL="$here/faults.sh --ctl"

cleanup() {
    local ns pid
    for ns in "$FAULT_NS_A" "$FAULT_NS_B"; do
        # Only processes this run started live there.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup() {
    ip netns add "$FAULT_NS_A" && ip netns add "$FAULT_NS_B" &&
    ip link add "$FAULT_IF_A" netns "$FAULT_NS_A" type veth \
        peer name "$FAULT_IF_B" netns "$FAULT_NS_B" &&
    ip -n "$FAULT_NS_A" addr add "$FAULT_ADDR_A/24" dev "$FAULT_IF_A" &&
    ip -n "$FAULT_NS_B" addr add "$FAULT_ADDR_B/24" dev "$FAULT_IF_B" &&
    for ns in "$FAULT_NS_A" "$FAULT_NS_B"; do
        ip -n "$ns" link set lo up &&
        ip netns exec "$ns" nft add table inet faults &&
        ip netns exec "$ns" nft add chain inet faults in \
            '{ type filter hook input priority 0; }' || return 1
    done &&
    ip -n "$FAULT_NS_A" link set "$FAULT_IF_A" up &&
    ip -n "$FAULT_NS_B" link set "$FAULT_IF_B" up
}
setup 2>"$out/setup.log" || skip "could not set up network namespaces: $(head -n 1 "$out/setup.log")"

# ---- build ----------------------------------------------------------------

# The checks: NAME PROGRAM MODE.
checks=(
    "pushpull-loss   fault_pushpull loss"
    "pushpull-flap   fault_pushpull flap"
    "pushpull-flaphb fault_pushpull flaphb"
    "pushpull-kill   fault_pushpull kill"
    "reqrep-loss     fault_reqrep loss"
    "reqrep-flap     fault_reqrep flap"
    "reqrep-kill     fault_reqrep kill"
    "heartbeat-alive fault_heartbeat alive"
    "heartbeat-timeout fault_heartbeat timeout"
    "heartbeat-ttl   fault_heartbeat ttl"
    "connect-timeout fault_heartbeat connect"
    "pubsub-kill     fault_pubsub kill"
)

ref_libdir=/usr/lib/x86_64-linux-gnu
libs=()
[ -e "$repo/build/lib/libzmq.so.5" ] && libs+=(ours)
[ -e "$ref_libdir/libzmq.so.5" ] && [ -e /usr/include/zmq.h ] && libs+=(libzmq)
[ ${#libs[@]} -gt 0 ] || { echo "no library to test (make lib)"; echo "0 passed, 1 failed"; exit 1; }

libdir_of() { [ "$1" = ours ] && echo "$repo/build/lib" || echo "$ref_libdir"; }

declare -A built
build() { # LIB PROGRAM -> prints the binary's path
    local lib=$1 prog=$2 inc=() bin
    bin=$out/$lib/$prog
    [ -n "${built[$lib/$prog]:-}" ] && { echo "$bin"; return 0; }
    mkdir -p "$out/$lib"
    # Ours: our header. The reference: the system header (no -I).
    [ "$lib" = ours ] && inc=(-I "$repo/include")
    "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -g "${inc[@]}" \
        -I "$repo/capi-tests/faults" -o "$bin" \
        "$repo/capi-tests/faults/$prog.c" -L "$(libdir_of "$lib")" -lzmq \
        >"$bin.build.log" 2>&1 || return 1
    built[$lib/$prog]=1
    echo "$bin"
}

# ---- run --------------------------------------------------------------------

declare -A pass fail
total_pass=0
total_fail=0
started=$(date +%s)

for lib in "${libs[@]}"; do
    pass[$lib]=0
    fail[$lib]=0
    for c in "${checks[@]}"; do
        read -r name prog mode <<<"$c"
        if [ ${#only[@]} -gt 0 ]; then
            want=0
            for o in "${only[@]}"; do [ "$o" = "$name" ] && want=1; done
            [ "$want" = 1 ] || continue
        fi
        log=$out/$lib/$name.log
        if ! bin=$(build "$lib" "$prog"); then
            echo "FAIL $lib $name (build failed)"
            head -n 12 "$out/$lib/$prog.build.log" | sed 's/^/    /'
            fail[$lib]=$((fail[$lib] + 1))
            continue
        fi
        ctl reset
        t0=$(date +%s%N)
        LD_LIBRARY_PATH=$(libdir_of "$lib") ip netns exec "$FAULT_NS_A" \
            timeout -s KILL "$timeout_s" "$bin" drive "$mode" >"$log" 2>&1
        rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        if [ $rc -eq 0 ] && grep -q '^ok:' "$log"; then
            echo "PASS $lib $name (${ms} ms)"
            pass[$lib]=$((pass[$lib] + 1))
            grep -E '^(resumed|DISCONNECTED|peer DISCONNECTED|received|server life|[0-9]+ round trips|no DISCONNECTED|dropped|connect given up)' "$log" \
                | sed 's/^/    /'
        else
            [ $rc -eq 137 ] && echo "FAIL $lib $name (killed after ${timeout_s}s)" \
                || echo "FAIL $lib $name (exit $rc, ${ms} ms)"
            tail -n 15 "$log" | sed 's/^/    /'
            fail[$lib]=$((fail[$lib] + 1))
        fi
    done
done

echo
for lib in "${libs[@]}"; do
    echo "$lib: ${pass[$lib]} passed, ${fail[$lib]} failed"
    total_pass=$((total_pass + pass[$lib]))
    total_fail=$((total_fail + fail[$lib]))
done
echo "took $(($(date +%s) - started)) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
