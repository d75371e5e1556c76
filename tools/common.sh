# Shared by the set-up, run and test scripts: installing Debian packages and
# configuring/building a build tree. Sourced, not run.

# The packages every build needs (Debian 12); configuring the tree also
# finds Catch2 and Python, so the run and test scripts share one build/.
OPENMFD_BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libssl-dev
  libspdlog-dev libcli11-dev catch2 libx11-dev libxtst-dev python3
)

# What the test suite needs besides (end-to-end clients, X server for the
# XTest test, the Windows cross compiler).
OPENMFD_TEST_PACKAGES=(
  xvfb xauth x11-utils g++-mingw-w64-x86-64-posix nodejs
)

openmfd_root() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# Installs whichever of the given packages are missing (idempotent).
openmfd_install_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
        | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  echo "installing: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian ships npm as its own package; some Node.js builds bundle it.
openmfd_ensure_npm() {
  command -v npm >/dev/null || openmfd_install_packages npm
}

# openmfd_build DIR [cmake options...]: configures (once) and builds DIR.
openmfd_build() {
  local dir=$1
  shift
  local root
  root=$(openmfd_root)
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >/dev/null
  cmake --build "$root/$dir"
}
