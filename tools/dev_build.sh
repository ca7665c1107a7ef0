#!/usr/bin/env bash
# Incremental in-tree build for development: the extension lands in mlx_core/,
# so `PYTHONPATH=<repo> python ...` uses it. Builds are serialised with a lock
# because this machine has two cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec 9>/tmp/mlx_core_build.lock
flock 9
if [ ! -f "$root/build/dev/build.ninja" ]; then
  cmake -S "$root" -B "$root/build/dev" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMLX_CORE_INPLACE_DIR="$root/mlx_core" -DPython_EXECUTABLE="$(command -v python3)" >/dev/null
fi
cmake --build "$root/build/dev" -j 2 "$@"
