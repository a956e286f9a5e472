#!/usr/bin/env bash
# A throwaway MIT Kerberos realm for the GSSAPI tests: a database, a KDC on
# a free port of 127.0.0.1 (a background process of this script), keytabs
# and a ticket cache, all in one private directory. No system file is read
# or written: every Kerberos variable of the environment points into the
# directory (KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME, KRB5_KTNAME,
# KRB5_CLIENT_KTNAME, KRB5RCACHEDIR), and the KDC is killed at the end.
#
# Usage:
#   tools/krb5-realm.sh run [--dir DIR] -- COMMAND...
#       makes the realm, runs COMMAND with its environment, tears the realm
#       down (KDC killed, directory removed unless --dir was given or
#       KRB5_REALM_KEEP=1), and exits with COMMAND's status.
#   tools/krb5-realm.sh up DIR      makes the realm in DIR (new or empty),
#       leaves the KDC running and prints the environment as `export`
#       lines (also in DIR/env.sh: `. DIR/env.sh` in a shell).
#   tools/krb5-realm.sh down DIR    kills DIR's KDC (DIR is kept).
#   tools/krb5-realm.sh check       says whether the packages are there.
#
# The realm (TEST.REALM; names as libzmq's GSSAPI options take them):
#   zmqtest/localhost   the service principal: ZMQ_GSSAPI_PRINCIPAL of the
#                       server and ZMQ_GSSAPI_SERVICE_PRINCIPAL of the
#                       client, "zmqtest@localhost" as a host-based name
#                       (ZMQ_GSSAPI_NT_HOSTBASED, libzmq's default) or
#                       "zmqtest/localhost@TEST.REALM" as a krb5 principal
#                       name (ZMQ_GSSAPI_NT_KRB5_PRINCIPAL)
#   zmqclient           the client principal: "zmqclient" as a user name
#                       (ZMQ_GSSAPI_NT_USER_NAME) or "zmqclient@TEST.REALM"
#   zmqother/localhost  a service the KDC knows but whose key is in no
#                       keytab (a client that asks for it gets a ticket the
#                       server cannot accept: refused on the server side)
#   (zmqwrong/localhost is not in the database: a client asking for it is
#   refused by the KDC, on the client side)
# Files: server.keytab (zmqtest/localhost: KRB5_KTNAME, the acceptor's
# keys), client.keytab (zmqclient, and zmqtest/localhost because libzmq
# acquires its credentials with GSS_C_BOTH, so the server principal must
# also be able to initiate: KRB5_CLIENT_KTNAME), ccache (KRB5CCNAME, from
# `kinit -k -t client.keytab zmqclient`), krb5.conf, kdc.conf, kdc.log,
# trace.log when KRB5_REALM_TRACE=1 (KRB5_TRACE for COMMAND).
# Also exported: KRB5_REALM=TEST.REALM, KRB5_REALM_DIR, KRB5_REALM_PORT.
#
# Needs the Debian packages krb5-kdc (krb5kdc), krb5-admin-server
# (kdb5_util, kadmin.local), krb5-user (kinit, klist) and libgssapi-krb5-2
# (the GSS-API library the programs use):
#   apt-get install krb5-kdc krb5-admin-server krb5-user libgssapi-krb5-2
# (their postinst scripts may offer to configure a system realm: answer
# nothing; this script never uses /etc/krb5.conf or /etc/krb5kdc.)
# Without them it prints `SKIPPED: ...` and exits 77 (run, up, check).
set -u

realm=TEST.REALM
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

sbin() { # NAME: path of a program that Debian puts in /usr/sbin
    command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; }
}

missing_packages() {
    local m=()
    [ -n "$(sbin krb5kdc)" ] || m+=(krb5-kdc)
    { [ -n "$(sbin kdb5_util)" ] && [ -n "$(sbin kadmin.local)" ]; } || m+=(krb5-admin-server)
    { command -v kinit && command -v klist; } >/dev/null 2>&1 || m+=(krb5-user)
    ls /usr/lib/*/libgssapi_krb5.so.2 /lib/*/libgssapi_krb5.so.2 >/dev/null 2>&1 || m+=(libgssapi-krb5-2)
    echo "${m[*]}"
}

need_packages() {
    local m
    m=$(missing_packages)
    [ -z "$m" ] && return 0
    echo "SKIPPED: no MIT Kerberos (apt-get install $m)"
    exit 77
}

free_port() { # a port free for both TCP and UDP on 127.0.0.1
    python3 - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    print(port)
    break
EOF
}

write_env() { # DIR PORT: DIR/env.sh
    local d=$1 port=$2
    {
        echo "export KRB5_CONFIG='$d/krb5.conf'"
        echo "export KRB5_KDC_PROFILE='$d/kdc.conf'"
        echo "export KRB5CCNAME='DIR:$d/ccache'"
        echo "export KRB5_KTNAME='FILE:$d/server.keytab'"
        echo "export KRB5_CLIENT_KTNAME='FILE:$d/client.keytab'"
        echo "export KRB5RCACHEDIR='$d/rcache'"
        echo "export KRB5_REALM='$realm'"
        echo "export KRB5_REALM_DIR='$d'"
        echo "export KRB5_REALM_PORT='$port'"
        echo "export KRB5_REALM_SERVER_KEYTAB='FILE:$d/server.keytab'"
        echo "export KRB5_REALM_CLIENT_KEYTAB='FILE:$d/client.keytab'"
        [ "${KRB5_REALM_TRACE:-0}" = 1 ] && echo "export KRB5_TRACE='$d/trace.log'"
    } >"$d/env.sh"
}

# up DIR: the realm in DIR, the KDC running (its pid in DIR/kdc.pid).
# Prints why and returns 1 on failure.
realm_up() {
    local d=$1 port i
    mkdir -p "$d" && d=$(cd "$d" && pwd) || return 1
    if [ -e "$d/kdc.conf" ]; then echo "$d already holds a realm"; return 1; fi
    port=$(free_port)
    [ -n "$port" ] || { echo "no free port on 127.0.0.1"; return 1; }
    mkdir -p "$d/rcache" "$d/ccache"
    cat >"$d/krb5.conf" <<EOF
[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    ignore_acceptor_hostname = false
    udp_preference_limit = 1
    ticket_lifetime = 1h
    renew_lifetime = 1h
    forwardable = false

[realms]
    $realm = {
        kdc = 127.0.0.1:$port
        admin_server = 127.0.0.1:1
    }

[domain_realm]
    localhost = $realm
    .localhost = $realm
EOF
    cat >"$d/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $d/principal
        key_stash_file = $d/stash
        acl_file = $d/kadm5.acl
        kdc_listen = 127.0.0.1:$port
        kdc_tcp_listen = 127.0.0.1:$port
        max_life = 1h
        max_renewable_life = 1h
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:$d/kdc.log
    admin_server = FILE:$d/kadmin.log
    default = FILE:$d/krb5lib.log
EOF
    : >"$d/kadm5.acl"
    write_env "$d" "$port"
    (
        # shellcheck disable=SC1091
        . "$d/env.sh"
        unset KRB5_TRACE
        local kadmin
        kadmin=$(sbin kadmin.local)
        "$(sbin kdb5_util)" create -s -r "$realm" -P "masterkey-$$-$RANDOM" >"$d/setup.log" 2>&1 ||
            { echo "kdb5_util create failed:"; tail -n 5 "$d/setup.log"; exit 1; }
        for q in "addprinc -randkey zmqtest/localhost" \
                 "addprinc -randkey zmqclient" \
                 "addprinc -randkey zmqother/localhost" \
                 "ktadd -k $d/server.keytab -norandkey zmqtest/localhost" \
                 "ktadd -k $d/client.keytab -norandkey zmqclient"; do
            "$kadmin" -r "$realm" -q "$q" >>"$d/setup.log" 2>&1 ||
                { echo "kadmin.local -q '$q' failed:"; tail -n 5 "$d/setup.log"; exit 1; }
        done
        # -n: stay in the foreground (of this background job), so that the
        # pid is the KDC's own and killing it ends it.
        "$(sbin krb5kdc)" -n -r "$realm" >>"$d/kdc.log" 2>&1 &
        echo $! >"$d/kdc.pid"
        # Ready when a kinit through it works (up to 10 s).
        for i in $(seq 100); do
            kinit -k -t "$d/client.keytab" zmqclient >"$d/kinit.log" 2>&1 && exit 0
            kill -0 "$(cat "$d/kdc.pid")" 2>/dev/null ||
                { echo "the KDC exited:"; tail -n 5 "$d/kdc.log"; exit 1; }
            sleep 0.1
        done
        echo "kinit through the KDC failed for 10 s:"; tail -n 3 "$d/kinit.log"
        exit 1
    ) || { realm_down "$d"; return 1; }
}

realm_down() { # DIR: kills DIR's KDC (only the pid this script started)
    local d=$1 pid
    [ -f "$d/kdc.pid" ] || return 0
    pid=$(cat "$d/kdc.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$d/kdc.pid"
}

cmd=${1:-}
shift || true
case $cmd in
check)
    need_packages
    echo "ok: krb5kdc, kdb5_util, kadmin.local, kinit, klist and libgssapi_krb5.so.2 are there"
    ;;
up)
    [ $# -eq 1 ] || { echo "usage: $0 up DIR" >&2; exit 2; }
    need_packages
    realm_up "$1" || exit 1
    cat "$(cd "$1" && pwd)/env.sh"
    ;;
down)
    [ $# -eq 1 ] || { echo "usage: $0 down DIR" >&2; exit 2; }
    realm_down "$1"
    ;;
run)
    dir="" keep=${KRB5_REALM_KEEP:-0}
    if [ "${1:-}" = --dir ]; then dir=$2; keep=1; shift 2; fi
    [ "${1:-}" = -- ] && shift
    [ $# -ge 1 ] || { echo "usage: $0 run [--dir DIR] -- COMMAND..." >&2; exit 2; }
    need_packages
    [ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/krb5-realm.XXXXXX")
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
    trap 'realm_down "$dir"; [ "$keep" = 1 ] || rm -rf "$dir"' EXIT
    trap 'exit 130' INT TERM
    realm_up "$dir" >"$dir.up.log" 2>&1 || {
        echo "krb5-realm: could not make the realm: $(cat "$dir.up.log")" >&2
        rm -f "$dir.up.log"
        exit 1
    }
    rm -f "$dir.up.log"
    [ "${KRB5_REALM_QUIET:-0}" = 1 ] || sed 's/^/krb5-realm: /' "$dir/env.sh" >&2
    (
        # shellcheck disable=SC1091
        . "$dir/env.sh"
        "$@"
    )
    exit $?
    ;;
*)
    sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
