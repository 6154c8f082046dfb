#!/usr/bin/env bash
# The project's one entry point for a fresh Debian 12 machine.
#   scripts/dev.sh run    install what is missing, build, start the lab
#   scripts/dev.sh test   install what is missing, build, run every test
#   scripts/dev.sh build  install what is missing, build
#   scripts/dev.sh deps   install what is missing
# Environment: BUILD_DIR (default build), CTEST_ARGS (extra ctest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  qt6-base-dev qt6-charts-dev qt6-svg-dev libgl1-mesa-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libtomlplusplus-dev libcli11-dev libspdlog-dev
  xvfb xauth procps iproute2
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

build() {
  deps
  # ccache makes rebuilds in any clone of the repo cheap: paths are hashed
  # relative to the clone, so a second checkout reuses the first one's objects.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

run_tests() {
  build
  cd "$BUILD_DIR"
  # Real-process suites measure elections in wall-clock time on a shared
  # machine, so a failed test is run once more; ctest prints every failure,
  # and a test that fails twice fails the run.
  # shellcheck disable=SC2086
  ctest --output-on-failure -j "$(nproc)" --repeat until-pass:2 ${CTEST_ARGS:-}
}

run_lab() {
  build
  if [ -x "$BUILD_DIR/bin/raftlab" ]; then
    exec "$BUILD_DIR/bin/raftlab" "$@"
  fi
  exec "$BUILD_DIR/bin/raftlab-sim" --nodes 3 --steps 400 --trace
}

case "${1:-}" in
  run) shift; run_lab "$@" ;;
  test) run_tests ;;
  build) build ;;
  deps) deps ;;
  *) echo "usage: scripts/dev.sh run|test|build|deps" >&2; exit 2 ;;
esac
