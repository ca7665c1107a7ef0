"""mx.custom_function: a function with its own vjp / jvp (/ vmap) rules.

The wrapped function runs as usual; its outputs then pass through one
CustomTransforms node whose derivative rules call the user's functions. Arrays
the function captures are constants to the rules (MLX's "pure function" rule).
"""

import functools

from mlx_core import _core
from mlx_core._core import array

__all__ = ["custom_function", "checkpoint"]


def _leaves(tree, out):
    """The arrays of a pytree, in order; other leaves (Python scalars, None) are skipped."""
    if isinstance(tree, array):
        out.append(tree)
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            _leaves(item, out)
    elif isinstance(tree, dict):
        for item in tree.values():
            _leaves(item, out)
    return out


def _axis_leaves(tree, out):
    """The ints and Nones of a (list/tuple) tree of batch axes, in order."""
    if isinstance(tree, (list, tuple)):
        for item in tree:
            _axis_leaves(item, out)
    else:
        out.append(tree)
    return out


def _rebuild(tree, values):
    """`tree` with its arrays replaced, in order, from the iterator `values`."""
    if isinstance(tree, array):
        return next(values)
    if isinstance(tree, list):
        return [_rebuild(item, values) for item in tree]
    if isinstance(tree, tuple):
        return tuple(_rebuild(item, values) for item in tree)
    if isinstance(tree, dict):
        return {key: _rebuild(item, values) for key, item in tree.items()}
    return tree


class custom_function:
    """Set up a function for custom gradient and vmap definitions.

    Use as a decorator; then ``@f.vjp``, ``@f.jvp`` and ``@f.vmap`` attach the rules.
    ``vjp(primals, cotangent, output)`` gets the positional arguments as a tuple and the
    cotangent/output shaped like the function's result, and returns one gradient per argument.
    ``jvp(primals, tangents)`` returns the tangent of the result. Rules that are not defined
    fall back to the default transformation through the function's own graph.
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._vjp = None
        self._jvp = None
        self._vmap = None

    def vjp(self, fun):
        """Define the vector-Jacobian product of the function."""
        self._vjp = fun
        return self

    def jvp(self, fun):
        """Define the Jacobian-vector product of the function."""
        self._jvp = fun
        return self

    def vmap(self, fun):
        """Define the vectorised version of the function.

        ``vmap(inputs, axes)`` gets the batched arguments and their batch axes (None where
        unbatched) — as MLX, a lone argument and its axis come unwrapped — and returns the
        outputs and their batch axes (an int for all of them, or one per output).
        """
        self._vmap = fun
        return self

    def __call__(self, *args, **kwargs):
        outputs = self._fun(*args, **kwargs)
        if self._vjp is None and self._jvp is None and self._vmap is None:
            return outputs
        primal_leaves = _leaves(args, [])
        output_leaves = _leaves(outputs, [])
        single_out = isinstance(outputs, array)

        def as_output_tree(leaves):
            return leaves[0] if single_out else _rebuild(outputs, iter(leaves))

        # As MLX, every rule gets a lone argument (its tangent, its axis) unwrapped.
        def args_tree(leaves):
            tree = _rebuild(args, iter(leaves))
            return tree[0] if len(args) == 1 else tree

        def vjp_rule(primals, cotangents, outs):
            primal_tree = args_tree(primals)
            grads = self._vjp(primal_tree, as_output_tree(cotangents), as_output_tree(outs))
            if isinstance(grads, array):
                grads = (grads,)
            return _leaves(list(grads), [])

        def jvp_rule(primals, tangents):
            primal_tree = args_tree(primals)
            tangent_tree = args_tree(tangents)
            result = self._jvp(primal_tree, tangent_tree)
            return _leaves(result, [])

        def vmap_rule(primals, axes):
            axes_tree = args_tree([None if a < 0 else a for a in axes])
            outs, out_axes = self._vmap(args_tree(primals), axes_tree)
            out_leaves = _leaves(outs, [])
            if out_axes is None or isinstance(out_axes, int):
                out_axes = [out_axes] * len(out_leaves)
            out_axes = _axis_leaves(out_axes, [])
            # -1 means "unbatched" below, so negative axes count from the end here.
            return out_leaves, [
                -1 if a is None else (a + o.ndim if a < 0 else a)
                for a, o in zip(out_axes, out_leaves)
            ]

        wrapped = _core._custom_transforms(
            primal_leaves,
            output_leaves,
            vjp_rule if self._vjp is not None else None,
            jvp_rule if self._jvp is not None else None,
            vmap_rule if self._vmap is not None else None,
        )
        return as_output_tree(list(wrapped))


def checkpoint(fun):
    """Make `fun` recompute its intermediates during the backward pass instead of storing them.

    The forward pass runs on inputs cut from the graph (stop_gradient), so its intermediates
    can be freed once evaluated; the derivative rules run `fun` again under vjp / jvp.
    """
    from mlx_core import _transforms

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        primal_leaves = _leaves(args, [])
        detached = _rebuild(args, iter([_core.stop_gradient(a) for a in primal_leaves]))
        outputs = fun(*detached, **kwargs)
        single_out = isinstance(outputs, array)
        output_leaves = _leaves(outputs, [])

        def flat_fun(*primals):
            return _leaves(fun(*_rebuild(args, iter(primals)), **kwargs), [])

        def vjp_rule(primals, cotangents, outs):
            return _transforms.vjp(flat_fun, list(primals), list(cotangents))[1]

        def jvp_rule(primals, tangents):
            return _transforms.jvp(flat_fun, list(primals), list(tangents))[1]

        wrapped_out = list(_core._custom_transforms(primal_leaves, output_leaves, vjp_rule, jvp_rule))
        return wrapped_out[0] if single_out else _rebuild(outputs, iter(wrapped_out))

    return wrapped
