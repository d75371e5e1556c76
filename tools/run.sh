#!/usr/bin/env bash
# Sets up (Debian packages, build) and runs the server in the foreground.
# Arguments pass through: tools/run.sh --port 0 --injector dry-run
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
openmfd_install_packages "${OPENMFD_BUILD_PACKAGES[@]}"
openmfd_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
exec "$(openmfd_root)/build/openmfd-server" "$@"
