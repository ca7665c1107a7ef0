"""Function export and import: ``export_function``, ``import_function``, ``exporter``,
``export_to_dot``.

Tracing reuses ``mx.compile``'s machinery (placeholders, then the unfused graph from
``_core._compile_build``); the ``.mlxfn`` bytes are written and parsed in C++
(``csrc/mlx/transforms/export.cpp``) in the layout MLX 0.32.4 uses, so files move both ways
for the primitives both libraries share.
"""

from mlx_core import _core
from mlx_core._compile import _flatten_args, _flatten_outputs
from mlx_core._core import array

__all__ = ["export_function", "import_function", "exporter", "export_to_dot", "FunctionExporter"]


_BAD_INPUTS = (
    "[export_function] Inputs can either be a variable number of positional and keyword "
    "arrays or a single tuple and/or dictionary of arrays."
)


def _normalize(args, kwargs):
    """MLX's accepted forms: arrays as *args/**kwargs, or one tuple (or list) and/or one dict."""
    if not kwargs and 1 <= len(args) <= 2 and isinstance(args[0], (tuple, list)):
        if len(args) == 1 or isinstance(args[1], dict):
            args, kwargs = tuple(args[0]), dict(args[1]) if len(args) == 2 else {}
    elif not kwargs and len(args) == 1 and isinstance(args[0], dict):
        args, kwargs = (), dict(args[0])
    if not all(isinstance(a, array) for a in args) or not all(
        isinstance(k, str) and isinstance(v, array) for k, v in kwargs.items()
    ):
        raise ValueError(_BAD_INPUTS)
    return tuple(args), kwargs


def _trace(fun, args, kwargs, shapeless):
    args, kwargs = _normalize(args, kwargs)
    leaves = list(args) + list(kwargs.values())
    tracers = [_core._make_tracer(x) for x in leaves]
    traced_args = tracers[: len(args)]
    traced_kwargs = dict(zip(kwargs.keys(), tracers[len(args) :]))
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


def export_function(file_or_callback, fun, *args, shapeless=False, metadata=None, **kwargs):
    """Export an array function to ``file`` (``.mlxfn`` is appended when missing), or hand
    its graph to ``file_or_callback`` when that is callable (one dict per piece, as MLX).

    ``fun`` is traced once with the example ``args`` and ``kwargs`` (arrays, or lists and
    tuples of arrays); its graph, with the arrays it reads from its closure as constants,
    is written in MLX's format, with the string ``metadata`` if given. With ``shapeless=True`` the imported function accepts
    inputs of other shapes (same ranks and dtypes).
    """
    graph, keys, leaves = _trace(fun, args, kwargs, shapeless)
    if callable(file_or_callback):
        _call_back(file_or_callback, [graph], [keys], [leaves], shapeless)
        return
    data = _core._export_serialize([graph], [keys], [leaves], shapeless, metadata or "")
    _write(file_or_callback, data)


def _call_back(callback, graphs, keys, leaves, shapeless):
    """MLX's export to a callable: for each trace, one dict each for the inputs, the keyword
    inputs, the outputs and the constants, then one per primitive in order; arrays are named
    A, B, ... (inputs, outputs, constants, then the other values as they appear)."""
    for kwarg_keys, inputs, outputs, constants, nodes in _core._export_log(graphs, keys, leaves, shapeless):
        names = {}

        def name(vid):
            if vid not in names:
                names[vid] = _letters(len(names))
            return names[vid]

        def described(values):
            return [(name(i), shape, dtype) for i, shape, dtype in values]

        ins = described(inputs)
        outs = described(outputs)
        consts = [(name(i), c) for i, c in constants]
        npos = len(ins) - len(kwarg_keys)
        callback({"inputs": ins, "type": "inputs"})
        callback({"keywords": [(k, ins[npos + j][0]) for j, k in enumerate(kwarg_keys)], "type": "keyword_inputs"})
        callback({"outputs": outs, "type": "outputs"})
        callback({"constants": consts, "type": "constants"})
        for prim, arguments, node_ins, node_outs in nodes:
            node_ins = described(node_ins)
            callback({"arguments": arguments, "outputs": described(node_outs), "inputs": node_ins,
                      "name": prim, "type": "primitive"})


class FunctionExporter:
    """Context manager that exports several traces of one function into one file."""

    def __init__(self, file, fun, shapeless=False, metadata=None):
        if not isinstance(file, str):  # MLX's exporter takes a path only (no callback)
            raise TypeError(
                "exporter(): incompatible function arguments. The following argument types are "
                "supported:\n    1. exporter(file: str, fun: collections.abc.Callable, *, "
                "shapeless: bool = False, metadata: str | None = None) -> mlx_core.FunctionExporter"
            )
        self._file, self._fun, self._shapeless = file, fun, shapeless
        self._metadata = metadata or ""
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
        _write(
            self._file, _core._export_serialize(list(g), list(k), list(l), self._shapeless, self._metadata)
        )
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def exporter(file, fun, *, shapeless=False, metadata=None):
    """A :class:`FunctionExporter`: each call traces ``fun`` for its arguments; all traces
    are written to ``file`` when the context closes."""
    return FunctionExporter(file, fun, shapeless, metadata)


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
        return tuple(_core._import_replay(t.graph, ordered))


def import_function(file, return_metadata=False):
    """Import a function exported by :func:`export_function` (by mlx_core or by MLX).

    Returns a callable taking the same positional and keyword arrays as the export and
    returning a tuple of arrays. Raises ``ValueError`` for a malformed file.
    """
    traces, shapeless, metadata = _core._export_deserialize_file(str(file))
    try:
        metadata = metadata.decode()
    except UnicodeDecodeError:
        raise ValueError("[import_function] Invalid or corrupt .mlxfn file: bad metadata.") from None
    fun = _ImportedFunction(traces, shapeless)
    return (fun, metadata) if return_metadata else fun


def export_to_dot(file, *args, **kwargs):
    """Write the graph computing the given arrays (or trees of arrays) in Graphviz DOT:
    one rectangle per primitive, one ellipse per array; keyword names label their outputs."""
    leaves = []
    _flatten_outputs(args, leaves)
    named = {}
    for k, v in kwargs.items():
        start = len(leaves)
        _flatten_outputs(v, leaves)
        for a in leaves[start:]:
            named.setdefault(id(a), k)
    rows = _core._dot_nodes(leaves)
    out_ids = set()
    labels = {}
    for a in leaves:
        label = named.get(id(a))
        for r in _core._dot_nodes([a])[-1:]:
            node_out = r[3] or [r[0]]
            out_ids.update(node_out)
            if label is not None:
                labels[r[0]] = label
    names = {}

    def vname(i):
        if i not in names:
            names[i] = labels.get(i) or _letters(len(names))
        return names[i]

    lines = ["digraph {"]
    for nid, prim, ins, outs in rows:
        if not prim:
            lines.append(f'{{ rank=source; "{vname(nid)}"; }}')
            continue
        lines.append(f'{{ {nid} [label ="{prim}", shape=rectangle]; }}')
        for i in ins:
            lines.append(f'"{vname(i)}" -> {nid}')
        for o in outs:
            rank = "rank=sink; " if o in out_ids else ""
            lines.append(f'{{ {rank}"{vname(o)}"; }}')
            lines.append(f'{nid} -> "{vname(o)}"')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if hasattr(file, "write"):
        file.write(text)
    else:
        with open(file, "w") as f:
            f.write(text)


def _letters(n):
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
