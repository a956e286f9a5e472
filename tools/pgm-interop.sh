#!/usr/bin/env bash
# The PGM interop suite (`make check-pgm`): the programs in capi-tests/pgm/
# publish and subscribe over epgm:// (PGM in UDP) and pgm:// (raw IP
# protocol 113) between two network namespaces joined by a veth pair, the
# publisher in one, the subscribers in the other, with our library on one
# end and Debian's libzmq (built with OpenPGM) on the other, both ways, and
# each library on both ends as a control. The checks:
#
#   basic   2000 messages, every fifth of three parts, some of 5000 and
#           60000 B (over one TPDU): each arrives once, whole, in order
#   multi   the same to three subscriber processes at once: each gets all
#   late    a subscriber started after the publisher has sent 200 messages
#           of 3 parts (the middle one 3000..9000 B): the first message it
#           gets is whole, not message 0, and the next 200 follow in order
#   loss    basic with 5% of the packets dropped each way (nftables numgen;
#           this kernel has no tc netem), ZMQ_RECOVERY_IVL 10 s: NAKs and
#           repairs make every message arrive once, whole, in order
#   beyond  ZMQ_RECOVERY_IVL 1 s and every packet dropped for 3 s
#           mid-stream: what the transmit window no longer holds is lost,
#           the subscriber resynchronises at a message start and delivers
#           whole messages in order from there (one gap), as libzmq does
#
# Two namespaces, not one: in one namespace both ends bind the endpoint's
# UDP port with SO_REUSEPORT, and the kernel may hand a subscriber's
# unicast NAK to another subscriber's socket instead of the publisher's,
# so repair would depend on luck (OpenPGM on one host, seen with Debian's
# libzmq). Fresh namespaces for every check; deleted at the end (trap).
#
# Usage: tools/pgm-interop.sh [TRANSPORT...] [PUB:SUB...] [CHECK...]
#          e.g. tools/pgm-interop.sh epgm debian:debian loss
#        TRANSPORT: epgm, pgm (default both); PUB:SUB, which library each
#        end links: ours (build/lib, `make lib` first; programs built
#        against include/zmq.h, run with LD_LIBRARY_PATH) or debian
#        (/usr/lib/x86_64-linux-gnu, built against /usr/include/zmq.h);
#        default ours:debian debian:ours ours:ours debian:debian.
#        tools/pgm-interop.sh --ctl ACTION   (used by pgm_pub, see ctl)
#
# Needs root, `ip netns` and nft; without them it prints SKIPPED and
# `0 passed, 0 failed` (as tools/faults.sh). Ends with `N passed, N failed`.
# Env: PGM_TIMEOUT seconds per program (default 60); CC (default cc);
#      PGM_CAPTURE=1 keeps a tcpdump of both ends in each check's directory
#      (build/pgm/TRANSPORT-PUB-SUB-CHECK/{pub,sub}.pcap).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

# ---- faults and counters, in table `inet pgm` of each namespace ------------
# Chain `in` (input hook, priority 0) holds the fault: a drop rule that
# counts into the named counter `dropped` (which outlives the rule). Chain
# `acct` (priority 10, after it) counts what got through, in all and by PGM
# type: the type byte is at offset 4 of the PGM header, which starts the UDP
# payload (epgm) or the IP payload (pgm). Rules match the far end's source
# address: a sender's own multicast looped back to it (IP_MULTICAST_LOOP)
# also comes in on its veth, and is not what crossed the link.

pgm_type_rules() { # IF SADDR NAME TYPE: count accepted PGM packets of TYPE
    printf 'add rule inet pgm acct iifname "%s" ip saddr %s meta l4proto udp @th,96,8 %s counter comment "%s"\n' "$1" "$2" "$4" "$3"
    printf 'add rule inet pgm acct iifname "%s" ip saddr %s meta l4proto 113 @th,32,8 %s counter comment "%s"\n' "$1" "$2" "$4" "$3"
}

nft_tables() { # set up both namespaces' tables
    {
        printf 'add table inet pgm\nadd counter inet pgm dropped\n'
        printf 'add chain inet pgm in { type filter hook input priority 0; }\n'
        printf 'add chain inet pgm acct { type filter hook input priority 10; }\n'
        printf 'add rule inet pgm acct iifname "%s" ip saddr %s counter comment "all"\n' \
            "$PGM_IF_SUB" "$PGM_ADDR_PUB"
        pgm_type_rules "$PGM_IF_SUB" "$PGM_ADDR_PUB" odata 4
        pgm_type_rules "$PGM_IF_SUB" "$PGM_ADDR_PUB" rdata 5
        pgm_type_rules "$PGM_IF_SUB" "$PGM_ADDR_PUB" ncf 10
    } | ip netns exec "$PGM_NS_SUB" nft -f - || return 1
    {
        printf 'add table inet pgm\nadd counter inet pgm dropped\n'
        printf 'add chain inet pgm in { type filter hook input priority 0; }\n'
        printf 'add chain inet pgm acct { type filter hook input priority 10; }\n'
        printf 'add rule inet pgm acct iifname "%s" ip saddr %s counter comment "all"\n' \
            "$PGM_IF_PUB" "$PGM_ADDR_SUB"
        pgm_type_rules "$PGM_IF_PUB" "$PGM_ADDR_SUB" nak 8
    } | ip netns exec "$PGM_NS_PUB" nft -f -
}

nft_drop() { # NS IF SADDR [MATCH...]: drop (and count) what comes in on IF from SADDR
    local ns=$1 ifname=$2 saddr=$3
    shift 3
    printf 'flush chain inet pgm in\nadd rule inet pgm in iifname "%s" ip saddr %s %s counter name dropped drop\n' \
        "$ifname" "$saddr" "$*" | ip netns exec "$ns" nft -f -
}

drop_both() { # [MATCH...]: the same drop rule on both ends
    nft_drop "$PGM_NS_SUB" "$PGM_IF_SUB" "$PGM_ADDR_PUB" "$@" &&
    nft_drop "$PGM_NS_PUB" "$PGM_IF_PUB" "$PGM_ADDR_SUB" "$@"
}

counted() { # NS CHAIN [COMMENT]: packets counted there (summed over rules);
            # CHAIN `in`: the packets dropped so far
    if [ "$2" = in ]; then
        ip netns exec "$1" nft list counter inet pgm dropped |
            sed -nE 's/.*packets ([0-9]+) .*/\1/p'
        return
    fi
    ip netns exec "$1" nft list chain inet pgm "$2" |
        grep "comment \"$3\"" |
        sed -nE 's/.* counter packets ([0-9]+) .*/\1/p' |
        awk '{ n += $1 } END { print n + 0 }'
}

counts() { # what the fault dropped and what repair sent, for the log
    local ds dp as ap
    ds=$(counted "$PGM_NS_SUB" in)
    dp=$(counted "$PGM_NS_PUB" in)
    as=$(counted "$PGM_NS_SUB" acct all)
    ap=$(counted "$PGM_NS_PUB" acct all)
    echo "dropped: $ds of $((ds + as)) packets into the subscribers" \
        "($(awk -v d="$ds" -v t="$((ds + as))" 'BEGIN { printf "%.1f", t ? 100 * d / t : 0 }')%)," \
        "$dp of $((dp + ap)) into the publisher"
    echo "repair: $(counted "$PGM_NS_PUB" acct nak) NAKs reached the publisher;" \
        "$(counted "$PGM_NS_SUB" acct ncf) NCFs and $(counted "$PGM_NS_SUB" acct rdata) RDATA" \
        "(and $(counted "$PGM_NS_SUB" acct odata) ODATA) reached the subscribers"
}

ctl() {
    case "$*" in
        "loss "[0-9]*) drop_both numgen random mod 100 "<" "$2" ;;
        drop) drop_both ;;
        undrop)
            ip netns exec "$PGM_NS_SUB" nft flush chain inet pgm in &&
            ip netns exec "$PGM_NS_PUB" nft flush chain inet pgm in &&
            echo "dropped: $(counted "$PGM_NS_SUB" in) packets into the subscribers," \
                "$(counted "$PGM_NS_PUB" in) into the publisher, in the outage" ;;
        counts) counts ;;
        *) echo "pgm-interop.sh --ctl: unknown action '$*'" >&2; return 2 ;;
    esac
}

if [ "${1:-}" = "--ctl" ]; then
    shift
    ctl "$@"
    exit
fi

# ---- what to run ------------------------------------------------------------

all_transports=(epgm pgm)
all_pairs=(ours:debian debian:ours ours:ours debian:debian)
all_checks=(basic multi late loss beyond)
transports=()
pairs=()
checks=()
for a in "$@"; do
    case "$a" in
        epgm|pgm) transports+=("$a") ;;
        ours:ours|ours:debian|debian:ours|debian:debian) pairs+=("$a") ;;
        basic|multi|late|loss|beyond) checks+=("$a") ;;
        *) echo "pgm-interop.sh: unknown argument '$a' (want epgm, pgm, PUB:SUB of ours/debian, or ${all_checks[*]})" >&2
           exit 2 ;;
    esac
done
[ ${#transports[@]} -gt 0 ] || transports=("${all_transports[@]}")
[ ${#pairs[@]} -gt 0 ] || pairs=("${all_pairs[@]}")
[ ${#checks[@]} -gt 0 ] || checks=("${all_checks[@]}")

# ---- can we run at all? -----------------------------------------------------

skip() {
    echo "SKIPPED: $1"
    echo "0 passed, 0 failed"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, raw sockets for pgm://)"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v nft >/dev/null || skip "no nft (Debian package nftables)"

timeout_s=${PGM_TIMEOUT:-60}
cc=${CC:-cc}
out=$repo/build/pgm
mkdir -p "$out"

# ---- the namespaces, made afresh for each check -----------------------------

tag=zp$$
export PGM_NS_PUB=${tag}p PGM_NS_SUB=${tag}s
export PGM_IF_PUB=${tag}p PGM_IF_SUB=${tag}s
export PGM_ADDR_PUB=10.98.0.1 PGM_ADDR_SUB=10.98.0.2
# pgm_pub applies the beyond check's outage through faults.h's fh_fault.
export FAULT_CTL="$here/pgm-interop.sh --ctl"

teardown() {
    local ns pid
    for ns in "$PGM_NS_PUB" "$PGM_NS_SUB"; do
        # Only processes this run started live there.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
}
trap teardown EXIT
trap 'exit 130' INT TERM

setup() {
    teardown
    ip netns add "$PGM_NS_PUB" && ip netns add "$PGM_NS_SUB" &&
    ip link add "$PGM_IF_PUB" netns "$PGM_NS_PUB" type veth \
        peer name "$PGM_IF_SUB" netns "$PGM_NS_SUB" &&
    ip -n "$PGM_NS_PUB" addr add "$PGM_ADDR_PUB/24" dev "$PGM_IF_PUB" &&
    ip -n "$PGM_NS_SUB" addr add "$PGM_ADDR_SUB/24" dev "$PGM_IF_SUB" &&
    for ns in "$PGM_NS_PUB" "$PGM_NS_SUB"; do
        ip -n "$ns" link set lo up &&
        ip -n "$ns" link set lo multicast on || return 1
    done &&
    ip -n "$PGM_NS_PUB" link set "$PGM_IF_PUB" multicast on up &&
    ip -n "$PGM_NS_SUB" link set "$PGM_IF_SUB" multicast on up &&
    ip -n "$PGM_NS_PUB" route add 224.0.0.0/4 dev "$PGM_IF_PUB" &&
    ip -n "$PGM_NS_SUB" route add 224.0.0.0/4 dev "$PGM_IF_SUB" &&
    nft_tables
}
setup 2>"$out/setup.log" || skip "could not set up network namespaces: $(head -n 1 "$out/setup.log")"
teardown

# ---- build ------------------------------------------------------------------

ref_libdir=/usr/lib/x86_64-linux-gnu
libdir_of() { [ "$1" = ours ] && echo "$repo/build/lib" || echo "$ref_libdir"; }

build() { # LIB PROGRAM: builds $out/LIB/PROGRAM
    local lib=$1 prog=$2 inc=()
    mkdir -p "$out/$lib"
    # Ours: our header. Debian's: the system header (no -I).
    [ "$lib" = ours ] && inc=(-I "$repo/include")
    "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -g "${inc[@]}" \
        -I "$repo/capi-tests/faults" -o "$out/$lib/$prog" \
        "$repo/capi-tests/pgm/$prog.c" -L "$(libdir_of "$lib")" -lzmq \
        >"$out/$lib/$prog.build.log" 2>&1
}

# Every binary the chosen pairs need, once; a failed build fails the
# checks that use it.
declare -A bin_of
for pair in "${pairs[@]}"; do
    for lib in "${pair%:*}" "${pair#*:}"; do
        for prog in pgm_pub pgm_sub; do
            [ -n "${bin_of[$lib/$prog]+set}" ] && continue
            bin_of[$lib/$prog]=""
            build "$lib" "$prog" && bin_of[$lib/$prog]=$out/$lib/$prog
        done
    done
done

binary() { # LIB PROGRAM: the binary, or its build log and failure
    [ -n "${bin_of[$1/$2]}" ] && return 0
    echo "build of $2 against $1 failed:"
    head -n 12 "$out/$1/$2.build.log"
    return 1
}

# ---- one check --------------------------------------------------------------

# The one wait that is not for an event: the subscribers have said READY
# (connected, subscribed) and the kernel lists their joins of the group,
# so data sent now reaches their sockets; the settle covers the libraries
# starting to poll them. Fails if a subscriber exits first or this takes
# over 10 s.
wait_joined() { # GROUP N LOG...
    local group=$1 n=$2 hex deadline=$((SECONDS + 10)) users log ready
    shift 2
    hex=$(IFS=. read -r a b c d <<<"$group"; printf '%02X%02X%02X%02X' "$d" "$c" "$b" "$a")
    while :; do
        ready=0
        for log in "$@"; do grep -qs '^READY' "$log" && ready=$((ready + 1)); done
        users=$(ip netns exec "$PGM_NS_SUB" cat /proc/net/igmp |
                awk -v g="$hex" '$1 == g { n += $2 } END { print n + 0 }')
        [ "$ready" -ge "$n" ] && [ "$users" -ge "$n" ] && break
        for pid in "${sub_pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "a subscriber exited before it joined $group"; return 1; }
        done
        [ $SECONDS -lt $deadline ] || { echo "subscribers not joined to $group within 10 s ($ready READY, $users joins)"; return 1; }
        sleep 0.02
    done
    sleep 0.2
}

# Starts a program in a namespace with its library; its pid in $started.
start() { # NS LIB LOG BIN ARGS...
    local ns=$1 lib=$2 log=$3
    shift 3
    LD_LIBRARY_PATH=$(libdir_of "$lib") ip netns exec "$ns" \
        timeout -s KILL "$timeout_s" "$@" >"$log" 2>&1 &
    started=$!
}

# Exit status of a finished background program (127 if not ours).
status_of() { wait "$1" 2>/dev/null; }

# run_check TRANSPORT PUBLIB SUBLIB CHECK N: 0 if passed. Writes
# $dir/{pub,sub1..3,script}.log.
run_check() {
    local transport=$1 publib=$2 sublib=$3 check=$4 n=$5
    local group="239.192.$((n / 200)).$((n % 200 + 1))" port=$((21000 + n))
    local pep="$transport://$PGM_ADDR_PUB;$group:$port" sep="$transport://$PGM_ADDR_SUB;$group:$port"
    local pubbin subbin nsubs=1 rate=12000 recovery=10000 i rc=0 log
    local pubargs=() subargs=() stop=$dir/stop
    binary "$publib" pgm_pub && binary "$sublib" pgm_sub || return 1
    pubbin=${bin_of[$publib/pgm_pub]}
    subbin=${bin_of[$sublib/pgm_sub]}
    case $check in
        basic) pubargs=(count=2000); subargs=(mode=all count=2000) ;;
        multi) nsubs=3; pubargs=(count=2000); subargs=(mode=all count=2000) ;;
        late) pubargs=(profile=big until_stop=1 streaming=200 count=1000000)
              subargs=(profile=big mode=late count=200) ;;
        loss) pubargs=(count=2000); subargs=(mode=all count=2000) ;;
        beyond) recovery=1000
                pubargs=(count=1500 outage_at=1000 outage_ms=3000 after=300)
                subargs=(mode=gap after=300) ;;
    esac
    pubargs=("$pep" rate=$rate recovery=$recovery stop="$stop" "${pubargs[@]}")
    subargs=("$sep" rate=$rate recovery=$recovery "${subargs[@]}")
    rm -f "$stop"
    setup >"$dir/setup.log" 2>&1 || { echo "namespace setup failed"; cat "$dir/setup.log"; return 1; }
    if [ -n "${PGM_CAPTURE:-}" ]; then
        # For debugging: every packet on both ends of the veth (-U: each
        # packet written at once; the teardown kills tcpdump).
        ip netns exec "$PGM_NS_PUB" tcpdump -U -s 2000 -i "$PGM_IF_PUB" -w "$dir/pub.pcap" 2>/dev/null &
        ip netns exec "$PGM_NS_SUB" tcpdump -U -s 2000 -i "$PGM_IF_SUB" -w "$dir/sub.pcap" 2>/dev/null &
        sleep 1
    fi

    sub_pids=()
    local sub_logs=() pub_pid=""
    start_subs() {
        for i in $(seq 1 "$nsubs"); do
            start "$PGM_NS_SUB" "$sublib" "$dir/sub$i.log" "$subbin" "${subargs[@]}"
            sub_pids+=("$started")
            sub_logs+=("$dir/sub$i.log")
        done
    }
    if [ "$check" = late ]; then
        # The publisher first; the subscriber once it has sent a while.
        start "$PGM_NS_PUB" "$publib" "$dir/pub.log" "$pubbin" "${pubargs[@]}"
        pub_pid=$started
        local deadline=$((SECONDS + 20))
        until grep -qs '^STREAMING' "$dir/pub.log"; do
            kill -0 "$pub_pid" 2>/dev/null || { echo "the publisher exited before it was streaming"; rc=1; break; }
            [ $SECONDS -lt $deadline ] || { echo "the publisher did not send 200 messages within 20 s"; rc=1; break; }
            sleep 0.02
        done
        [ $rc = 0 ] && start_subs
    else
        start_subs
        wait_joined "$group" "$nsubs" "${sub_logs[@]}" || rc=1
        if [ $rc = 0 ] && [ "$check" = loss ]; then ctl loss 5 || rc=1; fi
        if [ $rc = 0 ]; then
            start "$PGM_NS_PUB" "$publib" "$dir/pub.log" "$pubbin" "${pubargs[@]}"
            pub_pid=$started
        fi
    fi

    # Until every subscriber has ended; a publisher that fails ends them.
    local alive pid
    while [ $rc = 0 ]; do
        alive=0
        for pid in "${sub_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 1 ] || break
        if ! kill -0 "$pub_pid" 2>/dev/null; then
            status_of "$pub_pid"
            echo "the publisher ended (exit $?) before the subscribers"
            rc=1
        fi
        sleep 0.02
    done
    [ $rc = 0 ] || for pid in "${sub_pids[@]}" $pub_pid; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${sub_pids[@]}"; do
        status_of "$pid" || { [ $rc = 0 ] && echo "a subscriber failed"; rc=1; }
    done
    # The publisher kept its socket open for repairs; now it may close.
    touch "$stop"
    if [ -n "$pub_pid" ]; then
        status_of "$pub_pid" || { [ $rc = 0 ] && echo "the publisher failed"; rc=1; }
    fi
    [ "$check" = loss ] || [ "$check" = beyond ] && counts
    if [ $rc = 0 ] && [ "$check" = loss ]; then
        # Proof the fault was in place and repair happened.
        [ "$(counted "$PGM_NS_SUB" in)" -gt 0 ] || { echo "the loss rule dropped nothing"; rc=1; }
        [ "$(counted "$PGM_NS_SUB" acct rdata)" -gt 0 ] || { echo "no RDATA reached the subscribers"; rc=1; }
    fi
    for log in "$dir/pub.log" "${sub_logs[@]}"; do
        [ -e "$log" ] || continue
        [ $rc = 0 ] && ! grep -q '^ok:' "$log" && { echo "no ok: in $(basename "$log")"; rc=1; }
    done
    teardown
    return $rc
}

# ---- run --------------------------------------------------------------------

declare -A pass fail
total_pass=0
total_fail=0
started_at=$(date +%s)
n=0
for pair in "${pairs[@]}"; do
    pass[$pair]=0
    fail[$pair]=0
    publib=${pair%:*}
    sublib=${pair#*:}
    for transport in "${transports[@]}"; do
        for check in "${checks[@]}"; do
            n=$((n + 1))
            name="$transport $pair $check"
            dir=$out/$transport-${publib}-${sublib}-$check
            rm -rf "$dir"
            mkdir -p "$dir"
            t0=$(date +%s%N)
            if [ "$publib" = ours ] || [ "$sublib" = ours ] && [ ! -e "$repo/build/lib/libzmq.so.5" ]; then
                echo "no $repo/build/lib/libzmq.so.5 (make lib)" >"$dir/script.log"
                false
            else
                run_check "$transport" "$publib" "$sublib" "$check" "$n" >"$dir/script.log" 2>&1
            fi
            rc=$?
            ms=$((($(date +%s%N) - t0) / 1000000))
            if [ $rc -eq 0 ]; then
                echo "PASS $name (${ms} ms)"
                pass[$pair]=$((pass[$pair] + 1))
                cat "$dir"/pub.log "$dir"/sub*.log "$dir"/script.log | grep -E '^(received|late joiner|resynchronised|outage|dropped|repair|sent)' |
                    sed 's/^/    /'
            else
                echo "FAIL $name (${ms} ms): logs in $dir"
                for log in "$dir"/script.log "$dir"/pub.log "$dir"/sub*.log; do
                    [ -s "$log" ] || continue
                    echo "  $(basename "$log"):"
                    tail -n 6 "$log" | sed 's/^/    /'
                done
                fail[$pair]=$((fail[$pair] + 1))
            fi
        done
    done
done

echo
for pair in "${pairs[@]}"; do
    echo "$pair (publisher:subscriber): ${pass[$pair]} passed, ${fail[$pair]} failed"
    total_pass=$((total_pass + pass[$pair]))
    total_fail=$((total_fail + fail[$pair]))
done
echo "took $(($(date +%s) - started_at)) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
