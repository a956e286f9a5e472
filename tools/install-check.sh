#!/usr/bin/env bash
# Installs the library into a temporary prefix, then builds and runs a
# program against it with pkg-config and with CMake's find_package, as a
# user would; uninstalls after (and checks nothing is left).
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
# The CMake package: a project that says find_package(ZeroMQ) and links the
# imported targets libzmq and libzmq-static (as cppzmq's and czmq's CMake
# do), and one that says find_package(libzmq 4.3).
if command -v cmake >/dev/null; then
    proj="$prefix/cmake-user"
    mkdir -p "$proj"
    cp "$prefix/version.c" "$proj/"
    cat > "$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(zmq_cmake_user C)
find_package(ZeroMQ 4.3 REQUIRED)
find_package(libzmq REQUIRED)
if(NOT ZeroMQ_INCLUDE_DIR OR NOT EXISTS "${ZeroMQ_INCLUDE_DIR}/zmq.h")
  message(FATAL_ERROR "ZeroMQ_INCLUDE_DIR is not where zmq.h is: ${ZeroMQ_INCLUDE_DIR}")
endif()
if(NOT EXISTS "${ZeroMQ_LIBRARY}" OR NOT EXISTS "${ZeroMQ_STATIC_LIBRARY}")
  message(FATAL_ERROR "ZeroMQ_LIBRARY / ZeroMQ_STATIC_LIBRARY missing")
endif()
add_executable(version_shared version.c)
target_link_libraries(version_shared PRIVATE libzmq)
add_executable(version_static version.c)
target_link_libraries(version_static PRIVATE libzmq-static)
CMAKE
    cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$prefix" >"$proj/cmake.log" 2>&1 ||
        { cat "$proj/cmake.log"; echo "cmake could not configure against the package"; exit 1; }
    cmake --build "$proj/build" >>"$proj/cmake.log" 2>&1 ||
        { cat "$proj/cmake.log"; echo "cmake could not build against the package"; exit 1; }
    LD_LIBRARY_PATH="$prefix/lib" "$proj/build/version_shared" >/dev/null
    LD_LIBRARY_PATH="$prefix/lib" ldd "$proj/build/version_shared" | grep -q "$prefix/lib/libzmq.so.5" ||
        { echo "the CMake target libzmq did not bind to the installed library"; exit 1; }
    "$proj/build/version_static" >/dev/null
    ! ldd "$proj/build/version_static" | grep -q libzmq ||
        { echo "libzmq-static linked the shared library"; exit 1; }
    # A version above ours is refused.
    sed -i 's/find_package(ZeroMQ 4.3 REQUIRED)/find_package(ZeroMQ 5.0 REQUIRED)/' "$proj/CMakeLists.txt"
    if cmake -S "$proj" -B "$proj/build-5" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
        echo "find_package(ZeroMQ 5.0) accepted a 4.3.5 package"; exit 1
    fi
    rm -rf "$proj"
    cmake_note=", and with CMake (find_package(ZeroMQ), targets libzmq and libzmq-static)"
elif [ "${CI:-}" = true ]; then
    echo "cmake is missing (Debian package cmake)"; exit 1
else
    cmake_note=" (CMake package not tried: no cmake)"
fi
make -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f -path "*lib*" | wc -l)
[ "$left" -eq 0 ] || { echo "uninstall left $left files"; exit 1; }
echo "installed, built with pkg-config${cmake_note}, ran, uninstalled"
