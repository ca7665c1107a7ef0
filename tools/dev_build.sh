#!/usr/bin/env bash
# Incremental in-tree build for development: the extension lands in mlx_core/,
# so `PYTHONPATH=<repo> python ...` uses it. Builds are serialised with a lock
# because this machine has two cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec 9>/tmp/mlx_core_build.lock
flock 9
# ccache, when installed, shares objects between checkouts (git worktrees):
# paths under the parent folder are hashed relative to it.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$(dirname "$root") CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$root/build/dev/build.ninja" ]; then
  cmake -S "$root" -B "$root/build/dev" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    -DMLX_CORE_INPLACE_DIR="$root/mlx_core" -DPython_EXECUTABLE="$(command -v python3)" >/dev/null
fi
cmake --build "$root/build/dev" -j 2 "$@"
