"""The `mx.metal` namespace. There is no Metal backend on Linux: `is_available()` is False and
the memory functions are aliases of the top-level ones (as in MLX, where they are deprecated)."""

from mlx_core import _core


def is_available():
    """Whether the Metal backend is available (never, on this platform)."""
    return False


def device_info():
    """Information about the Metal device: empty without Metal, as in MLX on Linux."""
    return {}


def start_capture(path):
    """Start a Metal capture: nothing to capture without Metal (MLX on Linux does nothing)."""
    return None


def stop_capture():
    """Stop a Metal capture: nothing to stop without Metal."""
    return None


get_active_memory = _core.get_active_memory
get_peak_memory = _core.get_peak_memory
reset_peak_memory = _core.reset_peak_memory
get_cache_memory = _core.get_cache_memory
set_memory_limit = _core.set_memory_limit
set_cache_limit = _core.set_cache_limit
set_wired_limit = _core.set_wired_limit
clear_cache = _core.clear_cache
