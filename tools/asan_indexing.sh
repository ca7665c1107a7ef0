#!/usr/bin/env bash
# Opt-in AddressSanitizer run of the out-of-bounds index fuzz tests.
#
#   tools/asan_indexing.sh [extra pytest args]
#
# Builds the extension with -fsanitize=address into build/asan (a full build: slow, and
# through the same lock as tools/dev_build.sh), puts it in a private copy of the package
# (build/asan/pkg/mlx_core), and runs tests/test_indexing.py (out-of-bounds fuzzing included)
# against it with libasan preloaded (the Python interpreter itself is not instrumented;
# libstdc++ is preloaded too so that exceptions thrown by uninstrumented MLX, the oracle,
# still pass ASan's __cxa_throw interceptor).
# Note: the caching allocator rounds buffer sizes up, so ASan sees accesses outside a
# rounded block; the tests themselves compare every value with the clamped NumPy result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/asan"
pkg="$build/pkg/mlx_core"
mkdir -p "$pkg"
(
  exec 9>/tmp/mlx_core_build.lock
  flock 9
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS="-fsanitize=address -fno-omit-frame-pointer" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address" \
      -DMLX_CORE_INPLACE_DIR="$pkg" -DPython_EXECUTABLE="$(command -v python3)" >/dev/null
  fi
  cmake --build "$build" -j 2
)
cp "$root"/mlx_core/*.py "$pkg"/
preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
cd "$build"  # not the repository root: `import mlx_core` must find the ASan copy
LD_PRELOAD="$preload" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
  PYTHONPATH="$build/pkg" python3 -m pytest -q -p no:cacheprovider "$root/tests/test_indexing.py" "$@"
