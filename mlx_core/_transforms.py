"""Automatic differentiation: `vjp`, `jvp`, `grad` and `value_and_grad`.

The graph work is in C++ (`csrc/mlx/transforms/autodiff.cpp`): each primal gets a fresh
tracer node, the function builds its outputs from the tracers, and one iterative walk of the
lazy graph gives the cotangents (or tangents). This module only handles what is easiest in
Python and must match MLX exactly: pytrees of arrays as arguments, `argnums`/`argnames`, the
shape of the returned gradients and MLX's error messages.
"""

from collections.abc import Sequence

from mlx_core import _core
from mlx_core._core import array

__all__ = ["vjp", "jvp", "grad", "value_and_grad"]


# ---------------------------------------------------------------------------------------------
# pytrees of arrays (list, tuple, dict; nested)
# ---------------------------------------------------------------------------------------------


def _flatten(tree, leaves):
    """Appends the arrays of `tree` to `leaves`; raises as MLX for any other leaf."""
    if isinstance(tree, array):
        leaves.append(tree)
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            _flatten(item, leaves)
    elif isinstance(tree, dict):
        for item in tree.values():
            _flatten(item, leaves)
    else:
        raise ValueError("[tree_flatten] The argument should contain only arrays")
    return leaves


def _unflatten(tree, leaves):
    """`tree`'s structure with its arrays replaced, in order, from the iterator `leaves`."""
    if isinstance(tree, array):
        return next(leaves)
    if isinstance(tree, list):
        return [_unflatten(item, leaves) for item in tree]
    if isinstance(tree, tuple):
        return tuple(_unflatten(item, leaves) for item in tree)
    return {key: _unflatten(item, leaves) for key, item in tree.items()}


# ---------------------------------------------------------------------------------------------
# vjp / jvp
# ---------------------------------------------------------------------------------------------


def _array_list(values, fname, argname):
    if isinstance(values, array) or not isinstance(values, Sequence):
        raise TypeError(
            f"{fname}(): incompatible function arguments. `{argname}` must be a list[array], "
            f"got {type(values).__name__}."
        )
    values = list(values)
    for v in values:
        if not isinstance(v, array):
            raise TypeError(
                f"{fname}(): incompatible function arguments. `{argname}` must be a "
                f"list[array], but it holds a {type(v).__name__}."
            )
    return values


def _outputs_as_list(out, fname):
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        if not isinstance(o, array):
            # MLX 0.32.4 fails its cast with this type and text.
            raise RuntimeError(
                f"[{fname}] The function must return an array or a list of arrays, "
                f"got {type(o).__name__} (std::bad_cast)."
            )
    return outs


def _traced_call(fun, args, kwargs=None):
    """Calls fun while eval keeps the graph, so values it evaluates stay differentiable."""
    _core._enter_trace()
    try:
        return fun(*args, **(kwargs or {}))
    finally:
        _core._exit_trace()


def vjp(fun, primals, cotangents):
    """Compute the vector-Jacobian product.

    Args:
        fun (Callable): a function taking positional arrays and returning an array or a
            list/tuple of arrays.
        primals (list[array]): the points at which to evaluate the derivative.
        cotangents (list[array]): one cotangent per output of ``fun``.

    Returns:
        tuple[list[array], list[array]]: the outputs of ``fun`` and the vector-Jacobian
        products, one per primal.
    """
    if not callable(fun):
        raise TypeError("vjp(): incompatible function arguments. `fun` must be callable.")
    primals = _array_list(primals, "vjp", "primals")
    cotangents = _array_list(cotangents, "vjp", "cotangents")
    tracers = [_core._make_tracer(p) for p in primals]
    outs = _outputs_as_list(_traced_call(fun, tracers), "vjp")
    # As MLX: cotangents beyond the outputs are ignored (too few is an error).
    return outs, _core._vjp_graph(outs, tracers, cotangents[: len(outs)])


def jvp(fun, primals, tangents):
    """Compute the Jacobian-vector product.

    Args:
        fun (Callable): a function taking positional arrays and returning an array or a
            list/tuple of arrays.
        primals (list[array]): the points at which to evaluate the derivative.
        tangents (list[array]): one tangent per primal, of the same shape.

    Returns:
        tuple[list[array], list[array]]: the outputs of ``fun`` and the Jacobian-vector
        products, one per output.
    """
    if not callable(fun):
        raise TypeError("jvp(): incompatible function arguments. `fun` must be callable.")
    primals = _array_list(primals, "jvp", "primals")
    tangents = _array_list(tangents, "jvp", "tangents")
    if len(primals) != len(tangents):
        raise ValueError("[jvp] Number of inputs does not match number of tangents.")
    for p, t in zip(primals, tangents):
        if p.shape != t.shape:
            raise ValueError("[jvp] Input shape does not match shape of tangent.")
    tracers = [_core._make_tracer(p) for p in primals]
    outs = _outputs_as_list(_traced_call(fun, tracers), "jvp")
    return outs, _core._jvp_graph(outs, tracers, tangents)


# ---------------------------------------------------------------------------------------------
# grad / value_and_grad
# ---------------------------------------------------------------------------------------------


def _check_grad_arguments(fname, fun, argnums, argnames):
    """Normalises (argnums, argnames) as MLX does at definition time.

    Returns (sorted argnums, argnames list, how positional grads are returned: None when no
    argnums were asked for, else a single array for one index and a tuple for several).
    """
    signature = (
        f"{fname}(): incompatible function arguments. The following argument types are "
        f"supported:\n    1. {fname}(fun: Callable[P, R], argnums: int | Sequence[int] | None "
        f"= None, argnames: str | Sequence[str] = []) -> Callable[P, Any]"
    )
    if not callable(fun):
        raise TypeError(signature)
    if isinstance(argnames, str):
        argnames = [argnames]
    elif isinstance(argnames, Sequence) and all(isinstance(n, str) for n in argnames):
        argnames = list(argnames)
    else:
        raise TypeError(signature)
    if argnums is None:
        argnums = [] if argnames else [0]
    elif isinstance(argnums, int) and not isinstance(argnums, bool):
        argnums = [argnums]
    elif isinstance(argnums, Sequence) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in argnums
    ):
        argnums = list(argnums)
    else:
        raise TypeError(signature)
    if not argnums and not argnames:
        raise ValueError(f"[{fname}] Gradient wrt no argument requested")
    seen = set()
    for i in argnums:
        if i < 0:
            raise ValueError(f"[{fname}] Can't compute the gradient of negative argument index {i}")
        if i in seen:
            raise ValueError(f"[{fname}] Duplicate argument index {i} is not allowed.")
        seen.add(i)
    return sorted(argnums), argnames


def _value_and_grad_impl(fname, fun, argnums, argnames, check_output):
    def run(*args, **kwargs):
        # MLX's own messages name `grad` for both entry points here.
        for i in argnums:
            if i >= len(args):
                raise ValueError(
                    f"[grad] Can't compute the gradient of argument index {i} because the "
                    f"function is called with only {len(args)} positional arguments."
                )
        for name in argnames:
            if name not in kwargs:
                names = "".join(f"{k}," for k in kwargs)
                raise ValueError(
                    f"[grad] Can't compute the gradient of keyword argument '{name}' because "
                    f"the function is called with the following keyword arguments {{{names}}}"
                )
        targets = [args[i] for i in argnums] + [kwargs[n] for n in argnames]
        primals = []
        for tree in targets:
            _flatten(tree, primals)
        tracers = [_core._make_tracer(p) for p in primals]
        it = iter(tracers)
        traced = [_unflatten(tree, it) for tree in targets]
        args = list(args)
        for k, i in enumerate(argnums):
            args[i] = traced[k]
        kwargs = dict(kwargs)
        for k, name in enumerate(argnames):
            kwargs[name] = traced[len(argnums) + k]

        value = _traced_call(fun, args, kwargs)
        loss = check_output(value)
        # A scalar seed: a non-scalar loss fails vjp's shape check with MLX's message.
        grads = iter(_core._vjp_graph([loss], tracers, [_core.array(1.0)]))
        grad_trees = [_unflatten(tree, grads) for tree in targets]

        positional = grad_trees[: len(argnums)]
        if not positional:
            positional = None
        elif len(positional) == 1:
            positional = positional[0]
        else:
            positional = tuple(positional)
        if argnames:
            named = {name: grad_trees[len(argnums) + k] for k, name in enumerate(argnames)}
            return value, (positional, named)
        return value, positional

    return run


def _scalar_output(value):
    if not isinstance(value, array):
        raise ValueError(
            "[grad] The return value of the function whose gradient we want to compute should "
            f"be a scalar array; but {type(value).__name__} was returned."
        )
    return value


def _loss_and_aux(value):
    if isinstance(value, array):
        return value
    if isinstance(value, tuple):
        if not value:
            raise ValueError(
                "[value_and_grad] The return value of the function whose gradient we want to "
                "compute should be either a scalar array or a non-empty tuple. The first value "
                "should be a scalar array and the rest can be anything. Instead, we got an empty "
                "tuple."
            )
        if isinstance(value[0], array):
            return value[0]
        raise ValueError(
            "[value_and_grad] The return value of the function whose gradient we want to "
            "compute should be either a scalar array or a tuple with the first value being a "
            "scalar array (Union[array, tuple[array, Any, ...]]); but it was a tuple with the "
            f"first value being of type {type(value[0]).__name__} ."
        )
    raise ValueError(
        "[value_and_grad] The return value of the function whose gradient we want to compute "
        "should be either a scalar array or a tuple with the first value being a scalar array "
        f"(Union[array, tuple[array, Any, ...]]); but {type(value).__name__} was returned."
    )


def grad(fun, argnums=None, argnames=[]):  # noqa: B006 (MLX's signature)
    """Return a function which computes the gradient of ``fun``.

    Args:
        fun (Callable): a function taking arrays (or trees of arrays) and returning a scalar
            array.
        argnums (int or list(int), optional): the positional arguments to differentiate
            with respect to; ``0`` unless ``argnames`` is given.
        argnames (str or list(str), optional): the keyword arguments to differentiate with
            respect to. Default: ``[]``.

    Returns:
        Callable: a function with ``fun``'s arguments that returns the gradients. With
        ``argnames`` it returns ``(positional_grads, {name: grad})``.
    """
    argnums, argnames = _check_grad_arguments("grad", fun, argnums, argnames)
    run = _value_and_grad_impl("grad", fun, argnums, argnames, _scalar_output)

    def grad_fn(*args, **kwargs):
        return run(*args, **kwargs)[1]

    return grad_fn


def value_and_grad(fun, argnums=None, argnames=[]):  # noqa: B006 (MLX's signature)
    """Return a function which computes the value and the gradient of ``fun``.

    ``fun`` returns a scalar array, or a tuple whose first element is the scalar array to
    differentiate and whose other elements (anything) are passed through with the value.

    Args:
        fun (Callable): the function to differentiate.
        argnums (int or list(int), optional): the positional arguments to differentiate
            with respect to; ``0`` unless ``argnames`` is given.
        argnames (str or list(str), optional): the keyword arguments to differentiate with
            respect to. Default: ``[]``.

    Returns:
        Callable: a function with ``fun``'s arguments that returns ``(value, grads)``.
    """
    argnums, argnames = _check_grad_arguments("value_and_grad", fun, argnums, argnames)
    return _value_and_grad_impl("value_and_grad", fun, argnums, argnames, _loss_and_aux)


# ---------------------------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------------------------

__all__.append("vmap")


def _vmap_axis(axis):
    if axis is None or (isinstance(axis, int) and not isinstance(axis, bool)):
        return axis
    raise ValueError("[vmap] axis must be int or None.")


def _per_argument(axes, n):
    """One axis (int or None) per argument: a single value or a tuple of n values."""
    if isinstance(axes, tuple):
        if len(axes) != n:
            raise ValueError("[tree_map] Additional input tree is not a valid prefix of the first tree.")
        return [_vmap_axis(a) for a in axes]
    return [_vmap_axis(axes)] * n


def _shape_str(shape):
    return "(" + ",".join(str(d) for d in shape) + ")"


def vmap(fun, in_axes=0, out_axes=0):
    """Returns a vectorized version of ``fun``.

    Args:
        fun (Callable): a function taking arrays (or pytrees of arrays) and returning an
            array or a list/tuple of arrays.
        in_axes (int | None | tuple): the axis to vectorize over in each argument (``None``
            leaves the argument unbatched). One value for all arguments, or a tuple with one
            value per argument.
        out_axes (int | tuple): where the vectorized axis goes in each output.

    Returns:
        Callable: the vectorized function.
    """
    if not callable(fun) or in_axes is None or out_axes is None:
        raise TypeError(
            "vmap(): incompatible function arguments. The following argument types are "
            "supported:\n    1. vmap(fun: Callable[P, R], in_axes: object = 0, out_axes: "
            "object = 0) -> Callable[P, R]"
        )

    def vectorized(*args):
        axes = _per_argument(in_axes, len(args))
        if all(a is None for a in axes):
            raise ValueError("At least one of in_axes must be non-None.")
        inputs, in_ax, tracers = [], [], []
        new_args = []
        size = None
        for arg, ax in zip(args, axes):
            leaves = _flatten(arg, [])
            if ax is None:
                new_args.append(arg)
                continue
            new_leaves = []
            for leaf in leaves:
                nd = leaf.ndim
                a = ax + nd if ax < 0 else ax
                if a < 0 or a >= nd:
                    raise IndexError(
                        f"[vmap] Invalid vectorization axis {ax} for array with shape "
                        f"{_shape_str(leaf.shape)}"
                    )
                n = leaf.shape[a]
                if size is not None and n != size:
                    raise ValueError(f"[vmap] Inconsistent axis sizes: {size} and {n}.")
                size = n
                example = leaf[(slice(None),) * a + (0,)]
                t = _core._make_tracer(example)
                inputs.append(leaf)
                in_ax.append(a)
                tracers.append(t)
                new_leaves.append(t)
            new_args.append(_unflatten(arg, iter(new_leaves)))
        out = _traced_call(fun, new_args)
        single = isinstance(out, array)
        outs = _outputs_as_list(out, "vmap") if not isinstance(out, (list, tuple)) else _flatten(out, [])
        results, res_axes = _core._vmap_graph(outs, tracers, inputs, in_ax)
        oaxes = _per_argument(out_axes, len(outs))
        final = []
        for o, r, ra, target in zip(outs, results, res_axes, oaxes):
            if target is None:
                raise ValueError("[vmap] axis must be int or None.")
            nd = o.ndim + 1
            t = target + nd if target < 0 else target
            if t < 0 or t >= nd:
                raise IndexError(
                    f"[vmap] Invalid output vectorization axis {target} for array with shape "
                    f"({','.join(str(d) for d in o.shape)})"
                )
            if ra < 0:
                r = _core.broadcast_to(_core.expand_dims(r, 0), (size,) + tuple(r.shape))
                ra = 0
            if ra != t:
                r = _core.moveaxis(r, ra, t)
            final.append(r)
        if single:
            return final[0]
        return _unflatten(out, iter(final))

    return vectorized
