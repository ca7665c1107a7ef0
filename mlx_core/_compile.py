"""`compile`: trace a function once into a graph, replay the graph on later calls.

The graph work (simplification, fusion of elementwise chains, replay) is in C++
(`csrc/mlx/transforms/compile.cpp`); this module keeps what must match MLX's Python layer:
the cache and its keys (retrace rules), pytrees in and out, non-array constants, captured
state (`inputs=` / `outputs=`) and the global on/off switch (`MLX_DISABLE_COMPILE`).

Retrace rules, as MLX 0.32.4 (checked against the installed wheel):
- arrays: shape (with ``shapeless=True`` only the rank) and dtype are the key;
- Python constants (int/bool, float, str, None) are part of the key by type and value
  (``1`` and ``True`` are one key, ``1`` and ``1.0`` are two); other objects raise;
- lists and tuples are the same structure; dicts key by their keys; keyword arguments
  by name, in the order given;
- every key seen keeps its graph (calling with alternating shapes does not retrace);
- arrays a function reads from its closure are constants baked into the graph, unless
  they are passed through ``inputs=``.
"""

import os

from mlx_core import _core
from mlx_core._core import array

__all__ = ["compile", "disable_compile", "enable_compile"]

# MLX disables compilation when the variable is set at all (even to "0").
_enabled = "MLX_DISABLE_COMPILE" not in os.environ


def disable_compile():
    """Globally disable compilation.

    Setting the environment variable ``MLX_DISABLE_COMPILE`` also disables it.
    """
    global _enabled
    _enabled = False


def enable_compile():
    """Globally enable compilation.

    This overrides the environment variable ``MLX_DISABLE_COMPILE`` if set.
    """
    global _enabled
    _enabled = True


def _type_name(x):
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _flatten_args(tree, leaves, key, shapeless):
    """Appends the arrays of an argument tree to `leaves` and its cache key to `key`."""
    if isinstance(tree, array):
        leaves.append(tree)
        key.append(tree.ndim if shapeless else tree.shape)
        key.append(tree.dtype)
    elif isinstance(tree, (list, tuple)):
        key.append(("seq", len(tree)))
        for item in tree:
            _flatten_args(item, leaves, key, shapeless)
    elif isinstance(tree, dict):
        key.append(("dict", tuple(tree.keys())))
        for item in tree.values():
            _flatten_args(item, leaves, key, shapeless)
    elif isinstance(tree, int):  # bool included: True and 1 share a key in MLX
        key.append(("int", int(tree)))
    elif isinstance(tree, float):
        key.append(("float", tree))
    elif isinstance(tree, str):
        key.append(("str", tree))
    elif tree is None:
        key.append(None)
    else:
        raise ValueError(
            "[compile] Function arguments must be trees of arrays or constants (floats, ints, "
            f"strings, or None), but received type {_type_name(tree)}."
        )


def _replace_args(tree, leaves):
    """`tree` with its arrays replaced, in order, from the iterator `leaves`."""
    if isinstance(tree, array):
        return next(leaves)
    if isinstance(tree, list):
        return [_replace_args(item, leaves) for item in tree]
    if isinstance(tree, tuple):
        return tuple(_replace_args(item, leaves) for item in tree)
    if isinstance(tree, dict):
        return {k: _replace_args(v, leaves) for k, v in tree.items()}
    return tree


def _is_mutable_sequence(x):
    # Lists, and list-like state holders such as the random module's global key.
    return isinstance(x, list) or (
        not isinstance(x, (dict, str, bytes, tuple, array))
        and hasattr(x, "__len__")
        and hasattr(x, "__getitem__")
        and hasattr(x, "__setitem__")
    )


def _state_slots(tree, slots):
    """(container, key) of every array in a state tree of lists and dicts; other leaves
    (and arrays held by tuples, which cannot be written back) are ignored, as in MLX."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            if isinstance(v, array):
                slots.append((tree, k))
            else:
                _state_slots(v, slots)
    elif _is_mutable_sequence(tree):
        for i in range(len(tree)):
            v = tree[i]
            if isinstance(v, array):
                slots.append((tree, i))
            else:
                _state_slots(v, slots)
    elif isinstance(tree, tuple):
        for v in tree:
            _state_slots(v, slots)
    return slots


def _flatten_outputs(tree, leaves):
    """A template of the output tree: arrays become their index in `leaves`."""
    if isinstance(tree, array):
        leaves.append(tree)
        return _Leaf(len(leaves) - 1)
    if isinstance(tree, list):
        return [_flatten_outputs(item, leaves) for item in tree]
    if isinstance(tree, tuple):
        return tuple(_flatten_outputs(item, leaves) for item in tree)
    if isinstance(tree, dict):
        return {k: _flatten_outputs(v, leaves) for k, v in tree.items()}
    return tree  # a constant, returned as it is on every call


class _Leaf:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _fill_outputs(template, values):
    if isinstance(template, _Leaf):
        return values[template.index]
    if isinstance(template, list):
        return [_fill_outputs(item, values) for item in template]
    if isinstance(template, tuple):
        return tuple(_fill_outputs(item, values) for item in template)
    if isinstance(template, dict):
        return {k: _fill_outputs(v, values) for k, v in template.items()}
    return template


class _Entry:
    __slots__ = ("graph", "template", "num_outputs")

    def __init__(self, graph, template, num_outputs):
        self.graph = graph
        self.template = template
        self.num_outputs = num_outputs


class _CompiledFunction:
    """What `compile` returns: calls `fun` to trace on a new key, replays after."""

    def __init__(self, fun, inputs, outputs, shapeless):
        self._fun = fun
        self._inputs = inputs
        self._outputs = outputs
        self._shapeless = shapeless
        self._cache = {}
        self.__wrapped__ = fun
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            if hasattr(fun, attr):
                try:
                    setattr(self, attr, getattr(fun, attr))
                except (AttributeError, TypeError):
                    pass

    def __call__(self, *args, **kwargs):
        if not _enabled:
            return self._fun(*args, **kwargs)
        shapeless = self._shapeless
        if not kwargs and self._inputs is None:
            # The common call, positional arrays only: its key built in one C++ call.
            key = _core._compile_key(args, shapeless)
            if key is not None:
                entry = self._cache.get(key)
                if entry is not None:
                    return self._run(entry, list(args), ())
        leaves = []
        key = [len(args)]
        for a in args:
            if isinstance(a, array):
                leaves.append(a)
                key.append(a.ndim if shapeless else a.shape)
                key.append(a.dtype)
            else:
                _flatten_args(a, leaves, key, shapeless)
        if kwargs:
            key.append(("kwargs", tuple(kwargs)))
            for v in kwargs.values():
                _flatten_args(v, leaves, key, shapeless)
        in_slots, state = (), ()
        if self._inputs is not None:
            in_slots = _state_slots(self._inputs, [])
            state = [c[k] for c, k in in_slots]
            key.append("state")
            for s in state:
                key.append(s.ndim if shapeless else s.shape)
                key.append(s.dtype)
        key = tuple(key)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._trace(args, kwargs, leaves, in_slots, state)
            self._cache[key] = entry
        return self._run(entry, leaves, state)

    def _run(self, entry, leaves, state):
        results = _core._compile_replay(entry.graph, leaves + state if state else leaves)
        if self._outputs is not None:
            out_slots = _state_slots(self._outputs, [])
            for (c, k), value in zip(out_slots, results[entry.num_outputs :]):
                c[k] = value
        template = entry.template
        if type(template) is _Leaf:
            return results[template.index]
        return _fill_outputs(template, results)

    def _trace(self, args, kwargs, leaves, in_slots, state):
        state = list(state)
        tracers = [_core._make_tracer(x) for x in leaves + state]
        it = iter(tracers)
        traced_args = _replace_args(args, it)
        traced_kwargs = {k: _replace_args(v, it) for k, v in kwargs.items()}
        _core._compile_enter(tracers)
        try:
            # The captured state is read through its containers: swap in placeholders.
            for (c, k), t in zip(in_slots, tracers[len(leaves) :]):
                c[k] = t
            out = self._fun(*traced_args, **traced_kwargs)
            out_leaves = []
            template = _flatten_outputs(out, out_leaves)
            num_outputs = len(out_leaves)
            if self._outputs is not None:
                out_leaves += [c[k] for c, k in _state_slots(self._outputs, [])]
        finally:
            _core._compile_exit()
            for (c, k), s in zip(in_slots, state):
                c[k] = s
        graph = _core._compile_build(out_leaves, tracers, self._shapeless)
        return _Entry(graph, template, num_outputs)


def compile(fun, inputs=None, outputs=None, shapeless=False):  # noqa: A001 (MLX's name)
    """Returns a compiled function which produces the same output as ``fun``.

    The first call with a new structure of arguments (shapes, dtypes, constants) runs
    ``fun`` on placeholder arrays and keeps the graph it builds, simplified (common
    subexpressions merged, no-op casts and reshapes removed) and with chains of
    elementwise operations fused into single kernels. Later calls with the same structure
    run that graph on the new arrays without calling ``fun``.

    Args:
        fun (Callable): a function taking arrays (or trees of arrays, and constants: ints,
            floats, strings, None) and returning arrays or trees of arrays.
        inputs (list or dict, optional): state the function reads from outside, captured
            as extra inputs; nested lists and dicts of arrays (other leaves are ignored).
        outputs (list or dict, optional): state the function updates; after each call its
            arrays are replaced by the new values. Default: ``None``.
        shapeless (bool, optional): do not retrace when only the shapes of the inputs
            change (ranks and dtypes still key the cache). Default: ``False``.

    Returns:
        Callable: the compiled function.
    """
    if not callable(fun) or not isinstance(shapeless, bool):
        raise TypeError(
            "compile(): incompatible function arguments. The following argument types are "
            "supported:\n    1. compile(fun: Callable[P, R], inputs: object | None = None, "
            "outputs: object | None = None, shapeless: bool = False) -> Callable[P, R]\n\n"
            f"Invoked with types: {_type_name(fun)}"
        )
    return _CompiledFunction(fun, inputs, outputs, shapeless)
