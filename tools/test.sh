#!/usr/bin/env bash
# Sets up (Debian packages, builds) and runs every test: first the whole
# suite under AddressSanitizer + UndefinedBehaviorSanitizer, then the normal
# build's suite, whose CTest summary ends the output.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root=$(openmfd_root)
openmfd_install_packages "${OPENMFD_BUILD_PACKAGES[@]}" \
  "${OPENMFD_TEST_PACKAGES[@]}"
openmfd_ensure_npm

jobs=$(nproc)
echo "== building build-asan (ASan + UBSan)"
# -g1: sanitizer reports need file:line, not full debug info (which costs a
# third of the build time).
openmfd_build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
  -DOPENMFD_SANITIZE=ON -DOPENMFD_WERROR=ON
echo "== building build"
openmfd_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENMFD_WERROR=ON

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/ubsan.supp

echo "== tests under ASan + UBSan"
(cd "$root/build-asan" && ctest --output-on-failure -j "$jobs")
echo "== tests"
cd "$root/build" && ctest --output-on-failure -j "$jobs"
