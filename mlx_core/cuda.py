"""The `mx.cuda` namespace. The CUDA backend is not built into this package yet."""


def is_available():
    """Whether the CUDA backend is available."""
    return False
