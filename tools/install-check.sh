#!/usr/bin/env bash
# Installs the library into a temporary prefix, then builds and runs a
# program against it with pkg-config, as a user would; uninstalls after.
set -eu
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make -s install PREFIX="$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cat > "$prefix/version.c" <<'C'
#include <stdio.h>
#include <zmq.h>
int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("zmq_version %d.%d.%d\n", major, minor, patch);
    return !(major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR
             && patch == ZMQ_VERSION_PATCH);
}
C
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror "$prefix/version.c" -o "$prefix/version" $(pkg-config --cflags --libs libzmq)
LD_LIBRARY_PATH="$prefix/lib" "$prefix/version"
LD_LIBRARY_PATH="$prefix/lib" ldd "$prefix/version" | grep -q "$prefix/lib/libzmq.so.5" || { echo "did not bind to the installed library"; exit 1; }
# static link too
# shellcheck disable=SC2046
cc "$prefix/version.c" -o "$prefix/version-static" -I"$prefix/include" "$prefix/lib/libzmq.a" $(pkg-config --libs-only-l --static libzmq | sed 's/-lzmq//')
"$prefix/version-static" >/dev/null
make -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f -path "*lib*" | wc -l)
[ "$left" -eq 0 ] || { echo "uninstall left $left files"; exit 1; }
echo "installed, built with pkg-config, ran, uninstalled"
