"""mx.vmap: against a Python loop + stack and against MLX 0.32.4 (mlx.core)."""

import numpy as np
import pytest

import mlx.core as mlx
import mlx_core as mx


def _np(a):
    return np.array(a)


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _loop(fun, args, in_axes, out_axis=0):
    """Reference: apply fun per example and stack along out_axis."""
    sizes = {a.shape[ax] for a, ax in zip(args, in_axes) if ax is not None}
    (n,) = sizes
    outs = []
    for i in range(n):
        ex = [a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)]
        outs.append(_np(fun(*[mx.array(e) for e in ex])))
    return np.stack(outs, axis=out_axis)


CASES = [
    ("exp", lambda x: mx.exp(x), [(3, 4)], (0,)),
    ("sin_axis1", lambda x: mx.sin(x), [(3, 4)], (1,)),
    ("negneg", lambda x: -mx.abs(x), [(2, 3, 4)], (-1,)),
    ("sigmoid", lambda x: mx.sigmoid(x) * 2, [(5, 2)], (0,)),
    ("add", lambda x, y: x + y, [(3, 4), (3, 4)], (0, 0)),
    ("add_mixed", lambda x, y: x * y - 1, [(4, 3), (3, 4)], (1, 0)),
    ("add_none", lambda x, y: x + y, [(3, 4), (4,)], (0, None)),
    ("maximum", lambda x, y: mx.maximum(x, y), [(3, 4), (4, 3)], (0, 1)),
    ("compare", lambda x, y: (x < y).astype(mx.float32), [(3, 4), (3, 4)], (0, 0)),
    ("where", lambda x, y: mx.where(x > 0, x, y), [(3, 4), (4,)], (0, None)),
    ("sum", lambda x: mx.sum(x, axis=0), [(3, 4, 5)], (1,)),
    ("sum_all", lambda x: mx.sum(x), [(3, 4, 5)], (2,)),
    ("max_keep", lambda x: mx.max(x, axis=-1, keepdims=True), [(3, 4, 5)], (0,)),
    ("mean", lambda x: mx.mean(x, axis=(0, 1)), [(3, 4, 5)], (2,)),
    ("argmax", lambda x: mx.argmax(x, axis=0), [(3, 4, 5)], (1,)),
    ("softmax", lambda x: mx.softmax(x, axis=-1), [(3, 4, 5)], (1,)),
    ("logsumexp", lambda x: mx.logsumexp(x, axis=0), [(3, 4)], (0,)),
    ("matmul", lambda a, b: a @ b, [(5, 2, 3), (5, 3, 4)], (0, 0)),
    ("matmul_none", lambda a, b: a @ b, [(2, 3, 5), (3, 4)], (2, None)),
    ("matvec", lambda a, b: a @ b, [(2, 3), (3, 6)], (None, 1)),
    ("reshape", lambda x: mx.reshape(x, (2, 6)), [(3, 4, 5)], (2,)),
    ("flatten", lambda x: x.flatten(), [(3, 4, 5)], (0,)),
    ("transpose", lambda x: mx.transpose(x), [(3, 4, 5)], (1,)),
    ("swapaxes", lambda x: mx.swapaxes(x, 0, 2), [(2, 3, 4, 5)], (3,)),
    ("broadcast", lambda x: mx.broadcast_to(x, (2, 3, 4)), [(5, 4)], (0,)),
    ("expand", lambda x: mx.expand_dims(x, 0) * mx.ones((3, 1)), [(5, 4)], (1,)),
    ("slice", lambda x: x[1:3, ::-1], [(3, 4, 5)], (0,)),
    ("slice_step", lambda x: x[::2, 1], [(5, 4, 3)], (2,)),
    ("concat", lambda x, y: mx.concatenate([x, y], axis=0), [(3, 4), (2, 5, 4)], (None, 1)),
    ("stack", lambda x, y: mx.stack([x, y], axis=1), [(3, 4), (3, 4)], (0, 0)),
    ("astype", lambda x: x.astype(mx.int32) + 1, [(3, 4)], (1,)),
    ("stop_gradient", lambda x: mx.stop_gradient(x) * 2, [(3, 4)], (0,)),
    ("composite", lambda x, w: mx.tanh(x @ w).sum(-1), [(6, 3), (3, 4)], (0, None)),
]


@pytest.mark.parametrize("name,fun,shapes,in_axes", CASES, ids=[c[0] for c in CASES])
def test_vmap_vs_loop(name, fun, shapes, in_axes):
    args = [_rand(s, i) for i, s in enumerate(shapes)]
    got = mx.vmap(fun, in_axes=in_axes)(*[mx.array(a) for a in args])
    want = _loop(fun, args, in_axes)
    assert got.shape == want.shape
    np.testing.assert_allclose(_np(got), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("out_axes", [0, 1, 2, -1, -2])
def test_out_axes(out_axes):
    x = _rand((3, 4, 5))
    f = lambda a: mx.exp(a) + 1
    got = mx.vmap(f, in_axes=1, out_axes=out_axes)(mx.array(x))
    ref = mlx.vmap(lambda a: mlx.exp(a) + 1, in_axes=1, out_axes=out_axes)(mlx.array(x))
    assert got.shape == ref.shape
    np.testing.assert_allclose(_np(got), np.array(ref), rtol=1e-6)


def test_docs_example():
    # MLX docs: vmap(lambda x, y: x + y, in_axes=(1, 0)) on (4, 1000) and (1000, 4).
    xs, ys = _rand((4, 1000)), _rand((1000, 4), 1)
    got = mx.vmap(lambda x, y: x + y, in_axes=(1, 0))(mx.array(xs), mx.array(ys))
    ref = mlx.vmap(lambda x, y: x + y, in_axes=(1, 0))(mlx.array(xs), mlx.array(ys))
    assert got.shape == (1000, 4) == ref.shape
    np.testing.assert_allclose(_np(got), np.array(ref), rtol=1e-6)
    np.testing.assert_allclose(_np(got), xs.T + ys, rtol=1e-6)


def test_multiple_outputs_and_out_axes_tuple():
    x = _rand((3, 2))
    got = mx.vmap(lambda a: (a, a + 1), out_axes=(0, 1))(mx.array(x))
    ref = mlx.vmap(lambda a: (a, a + 1), out_axes=(0, 1))(mlx.array(x))
    assert isinstance(got, tuple) and len(got) == 2
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        np.testing.assert_allclose(_np(g), np.array(r))


def test_pytree_argument():
    a, b = _rand((3, 2)), _rand((3, 2), 1)
    got = mx.vmap(lambda d: d["a"] * d["b"])({"a": mx.array(a), "b": mx.array(b)})
    np.testing.assert_allclose(_np(got), a * b, rtol=1e-6)


def test_unbatched_output_is_broadcast():
    got = mx.vmap(lambda x: mx.array(2.0))(mx.ones((3, 2)))
    ref = mlx.vmap(lambda x: mlx.array(2.0))(mlx.ones((3, 2)))
    assert got.shape == ref.shape == (3,)
    np.testing.assert_allclose(_np(got), np.array(ref))


def test_nested_vmap():
    x, y = _rand((3, 4)), _rand((5, 4), 1)
    f = mx.vmap(mx.vmap(lambda a, b: mx.sum(a * b), in_axes=(None, 0)), in_axes=(0, None))
    np.testing.assert_allclose(_np(f(mx.array(x), mx.array(y))), x @ y.T, rtol=1e-5, atol=1e-5)


def test_vmap_of_grad():
    x = _rand((4, 3))
    g = mx.vmap(mx.grad(lambda a: mx.sum(mx.sin(a) * a)))(mx.array(x))
    np.testing.assert_allclose(_np(g), np.cos(x) * x + np.sin(x), rtol=1e-5, atol=1e-6)
    ref = mlx.vmap(mlx.grad(lambda a: mlx.sum(mlx.sin(a) * a)))(mlx.array(x))
    np.testing.assert_allclose(_np(g), np.array(ref), rtol=1e-5, atol=1e-6)


def test_vmap_of_grad_with_weights():
    w, xs = _rand((3,)), _rand((6, 3), 1)
    loss = lambda w, x: mx.sum((x * w) ** 2)
    per_example = mx.vmap(mx.grad(loss), in_axes=(None, 0))(mx.array(w), mx.array(xs))
    np.testing.assert_allclose(_np(per_example), 2 * xs * xs * w, rtol=1e-5, atol=1e-6)


def test_divmod():
    a = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    q, r = mx.vmap(lambda x: mx.divmod(x, 3.0))(mx.array(a))
    np.testing.assert_allclose(_np(q), a // 3)
    np.testing.assert_allclose(_np(r), a % 3)


def _err(f):
    with pytest.raises(Exception) as e:
        f()
    return type(e.value), str(e.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.vmap(lambda x, y: x + y)(m.ones((3, 2)), m.ones((4, 2))),
        lambda m: m.vmap(lambda x: x + 1)(m.array(1.0)),
        lambda m: m.vmap(lambda x: x + 1, in_axes=2)(m.ones((3, 2))),
        lambda m: m.vmap(lambda x: x + 1, out_axes=2)(m.ones((3, 2))),
        lambda m: m.vmap(lambda x, y: x + y, in_axes=(None, None))(m.ones((3, 2)), m.ones((3, 2))),
        lambda m: m.vmap(lambda x, y: x + y, in_axes=(0,))(m.ones((3, 2)), m.ones((3, 2))),
        lambda m: m.vmap(lambda x: x + 1, in_axes=[0])(m.ones((3, 2))),
    ],
    ids=["sizes", "scalar", "in_axis", "out_axis", "all_none", "prefix", "list_axes"],
)
def test_errors_match_mlx(make):
    got = _err(lambda: make(mx))
    ref = _err(lambda: make(mlx))
    assert got[1] == ref[1]
    assert issubclass(got[0], ref[0]) or issubclass(ref[0], got[0])
