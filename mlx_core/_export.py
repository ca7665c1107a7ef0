"""Function export and import: ``export_function``, ``import_function``, ``exporter``,
``export_to_dot``.

Tracing reuses ``mx.compile``'s machinery (placeholders, then the unfused graph from
``_core._compile_build``); the ``.mlxfn`` bytes are written and parsed in C++
(``csrc/mlx/transforms/export.cpp``) in the layout MLX 0.32.4 uses, so files move both ways
for the primitives both libraries share.
"""

from mlx_core import _core
from mlx_core._compile import _flatten_args, _flatten_outputs, _replace_args
from mlx_core._core import array

__all__ = ["export_function", "import_function", "exporter", "export_to_dot", "FunctionExporter"]


def _trace(fun, args, kwargs, shapeless):
    leaves = []
    _flatten_args(args, leaves, [], shapeless)
    npos = len(leaves)
    for v in kwargs.values():
        _flatten_args(v, leaves, [], shapeless)
    if any(not isinstance(v, array) for v in kwargs.values()) or npos != len(args):
        raise ValueError(
            "[export_function] Inputs must be arrays or lists/tuples of arrays; "
            "keyword arguments must be arrays."
        )
    tracers = [_core._make_tracer(x) for x in leaves]
    it = iter(tracers)
    traced_args = _replace_args(args, it)
    traced_kwargs = {k: _replace_args(v, it) for k, v in kwargs.items()}
    _core._compile_enter(tracers)
    try:
        out = fun(*traced_args, **traced_kwargs)
    finally:
        _core._compile_exit()
    out_leaves = []
    _flatten_outputs(out, out_leaves)
    if not out_leaves:
        raise ValueError("[export_function] The function must return at least one array.")
    graph = _core._compile_build(out_leaves, tracers, shapeless, False)
    missing = _core._export_unsupported(graph)
    if missing:
        raise ValueError(f"[export_function] Unable to export primitive {missing[0]}.")
    return graph, list(kwargs.keys()), leaves


def _write(file, data):
    if not isinstance(file, str):
        raise TypeError("[export_function] The file must be a path string.")
    if not file.endswith(".mlxfn"):
        file += ".mlxfn"
    with open(file, "wb") as f:
        f.write(data)


def export_function(file, fun, *args, shapeless=False, **kwargs):
    """Export an array function to ``file`` (``.mlxfn`` is appended when missing).

    ``fun`` is traced once with the example ``args`` and ``kwargs`` (arrays, or lists and
    tuples of arrays); its graph, with the arrays it reads from its closure as constants,
    is written in MLX's format. With ``shapeless=True`` the imported function accepts
    inputs of other shapes (same ranks and dtypes).
    """
    graph, keys, leaves = _trace(fun, args, kwargs, shapeless)
    _write(file, _core._export_serialize([graph], [keys], [leaves], shapeless))


class FunctionExporter:
    """Context manager that exports several traces of one function into one file."""

    def __init__(self, file, fun, shapeless=False):
        self._file, self._fun, self._shapeless = file, fun, shapeless
        self._traces = []
        self._closed = False

    def __call__(self, *args, **kwargs):
        if self._closed:
            raise RuntimeError("[export_function] Exporter has been closed.")
        self._traces.append(_trace(self._fun, args, kwargs, self._shapeless))

    def close(self):
        if self._closed or not self._traces:
            self._closed = True
            return
        g, k, l = zip(*self._traces)
        _write(self._file, _core._export_serialize(list(g), list(k), list(l), self._shapeless))
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def exporter(file, fun, *, shapeless=False):
    """A :class:`FunctionExporter`: each call traces ``fun`` for its arguments; all traces
    are written to ``file`` when the context closes."""
    return FunctionExporter(file, fun, shapeless)


def _describe(shapes, dtypes, keys):
    npos = len(shapes) - len(keys)
    lines = [f"Function with {npos} positional inputs and {len(keys)} keyword inputs:"]
    for i in range(len(shapes)):
        shape = ",".join(str(d) for d in shapes[i])
        name = str(i + 1) if i < npos else f'"{keys[i - npos]}"'
        lines.append(f"   {name}: ({shape}) {str(dtypes[i]).replace('mlx.core.', '')}")
    return lines


class _ImportedFunction:
    def __init__(self, traces, shapeless):
        self._traces = traces
        self._shapeless = shapeless

    def _match(self, leaves, keys):
        for t in self._traces:
            if sorted(t.kwarg_keys) != sorted(keys) or len(t.input_shapes) != len(leaves):
                continue
            npos = len(leaves) - len(keys)
            ordered = leaves[:npos] + [leaves[npos + keys.index(k)] for k in t.kwarg_keys]
            ok = all(
                a.dtype == d and (tuple(a.shape) == tuple(s) if not self._shapeless else a.ndim == len(s))
                for a, s, d in zip(ordered, t.input_shapes, t.input_dtypes)
            )
            if ok:
                return t, ordered
        return None, None

    def __call__(self, *args, **kwargs):
        leaves = []
        _flatten_args(args, leaves, [], False)
        npos = len(leaves)
        for v in kwargs.values():
            if not isinstance(v, array):
                raise ValueError("[import_function::call] Keyword arguments must be arrays.")
            leaves.append(v)
        t, ordered = self._match(leaves, list(kwargs.keys()))
        if t is None:
            msg = [
                "[import_function::call] No imported function found which matches the given "
                "positional and keyword arguments. Possible functions include:"
            ]
            for i, tr in enumerate(self._traces):
                msg.append(f" {i + 1}. " + "\n".join(_describe(tr.input_shapes, tr.input_dtypes, tr.kwarg_keys)))
            msg.append("")
            msg.append(f"Called with {npos} positional inputs and {len(kwargs)} keyword inputs:")
            for i, a in enumerate(leaves):
                msg.append(f"  {i + 1}: ({','.join(str(d) for d in a.shape)}) {str(a.dtype).replace('mlx.core.', '')}")
            raise ValueError("\n".join(msg) + "\n")
        return tuple(_core._compile_replay(t.graph, ordered))


def import_function(file):
    """Import a function exported by :func:`export_function` (by mlx_core or by MLX).

    Returns a callable taking the same positional and keyword arrays as the export and
    returning a tuple of arrays. Raises ``ValueError`` for a malformed file.
    """
    try:
        with open(file, "rb") as f:
            data = f.read()
    except OSError:
        raise RuntimeError(f"[import_function] Failed to open {file}") from None
    traces, shapeless = _core._export_deserialize(data)
    return _ImportedFunction(traces, shapeless)


def export_to_dot(file, *args, **kwargs):
    """Write the graph computing the given arrays (or trees of arrays) in Graphviz DOT."""
    leaves = []
    _flatten_outputs((args, kwargs), leaves)
    graph = _core._compile_build(leaves, [], False, False)
    nodes, (nsrc, outs) = _core._graph_structure(graph)
    names = {}
    lines = ["digraph {"]
    def vname(v):
        if v not in names:
            names[v] = f"v{v}"
        return names[v]
    for v in range(nsrc):
        lines.append(f'{{ rank=source; "{vname(v)}"; }}')
    v = nsrc
    for i, (name, node_args) in enumerate(nodes):
        lines.append(f'{{ p{i} [label ="{name}", shape=rectangle]; }}')
        for a in node_args:
            lines.append(f'"{vname(a)}" -> p{i}')
        rank = "rank=sink; " if v in outs else ""
        lines.append(f'{{ {rank}"{vname(v)}"; }}')
        lines.append(f'p{i} -> "{vname(v)}"')
        v += 1
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if hasattr(file, "write"):
        file.write(text)
    else:
        with open(file, "w") as f:
            f.write(text)
