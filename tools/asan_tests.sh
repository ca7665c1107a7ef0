#!/usr/bin/env bash
# AddressSanitizer run of the tests that feed hostile input to the kernels: the
# out-of-bounds index fuzz (tests/test_indexing.py) and the hostile-file fuzz
# (tests/test_io_hostile.py). CI runs it after the main suite.
#
#   tools/asan_tests.sh [test files and extra pytest args]
#
# Builds the extension with -fsanitize=address into build/asan (a full build: slow, and
# through the same lock as tools/dev_build.sh), puts it in a private copy of the package
# (build/asan/pkg/mlx_core), and runs the tests against it with libasan preloaded (the Python interpreter itself is not instrumented;
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
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=("$root/tests/test_indexing.py" "$root/tests/test_io_hostile.py")
fi
cd "$build"  # not the repository root: `import mlx_core` must find the ASan copy
LD_PRELOAD="$preload" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
  PYTHONPATH="$build/pkg" python3 -m pytest -q -p no:cacheprovider "${tests[@]}"
