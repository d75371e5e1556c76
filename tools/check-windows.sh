#!/usr/bin/env bash
# Cross-compiles platform/ for Windows with mingw-w64, so the Windows code
# (SendInput, paths, files) is compiled on every Linux build, not only on a
# Windows machine. Installs the cross compiler when it is missing.
#
#   tools/check-windows.sh [BUILD_DIR]     (default: build-mingw)
#
# Environment: JOBS (default 1), OPENMFD_WERROR (default ON: a warning in
# Windows-only code would otherwise go unseen).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$root/build-mingw}"
# The posix flavour has std::thread and std::mutex (the win32 one lacks them).
compiler=x86_64-w64-mingw32-g++-posix
package=g++-mingw-w64-x86-64-posix

if ! command -v "$compiler" >/dev/null 2>&1; then
  echo "check-windows: $compiler missing; installing $package" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  if ! $sudo apt-get install -y --no-install-recommends "$package"; then
    $sudo apt-get update
    $sudo apt-get install -y --no-install-recommends "$package"
  fi
fi

# Debug: GCC's optimiser-driven warnings (-Wnull-dereference) report false
# positives inside libstdc++'s streams at -O2; compiling is what is checked.
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi

cmake -S "$root" -B "$build_dir" "${generator[@]}" \
  -DOPENMFD_PLATFORM_ONLY=ON \
  -DCMAKE_SYSTEM_NAME=Windows \
  -DCMAKE_CXX_COMPILER="$compiler" \
  -DCMAKE_BUILD_TYPE=Debug \
  -DOPENMFD_WERROR="${OPENMFD_WERROR:-ON}"
cmake --build "$build_dir" --parallel "${JOBS:-1}"
echo "check-windows: platform/ builds for Windows ($compiler)"
