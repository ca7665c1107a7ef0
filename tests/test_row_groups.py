"""Row groups (transforms/row_fusion.cpp, backend/cpu/row_group.cpp): at eval, reductions over
the last axis and the chains around them that read the same rows (a layer norm, a softmax, an
RMS norm written with raw ops) run a few rows at a time through all their stages. The values
must be those of the stages evaluated one by one, bit for bit, compiled or not; and close to
MLX's. Arrays here have at least 2^16 elements (smaller ones are not grouped)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ORACLE
from helpers import SUBJECT as mx


def bits_equal(got, want):
    g, w = np.asarray(got), np.asarray(want)
    assert g.dtype == w.dtype and g.shape == w.shape
    assert np.array_equal(g.view(np.uint8), w.view(np.uint8)), np.max(np.abs(g.astype(np.float64) - w))


def stepwise(fn, *args):
    """fn with every intermediate evaluated on its own: each op runs as its own kernel."""
    return fn(*args, step=mx.eval)


def layer_norm(lib, x, w, b, step=lambda *a: None):
    mu = x.mean(-1, keepdims=True)
    step(mu)
    d = x - mu
    step(d)
    var = (d * d).mean(-1, keepdims=True)
    step(var)
    r = lib.rsqrt(var + 1e-5)
    step(r)
    return d * r * w + b


def softmax(lib, x, step=lambda *a: None):
    m = x.max(-1, keepdims=True)
    step(m)
    e = lib.exp(x - m)
    step(e)
    s = e.sum(-1, keepdims=True)
    step(s)
    return e / s


def rms_norm(lib, x, w, step=lambda *a: None):
    ms = (x * x).mean(-1, keepdims=True)
    step(ms)
    r = lib.rsqrt(ms + 1e-6)
    step(r)
    return x * r * w


def logsumexp(lib, x, step=lambda *a: None):
    m = x.max(-1, keepdims=True)
    step(m)
    s = lib.exp(x - m).sum(-1, keepdims=True)
    step(s)
    return m + lib.log(s)


SHAPES = [(300, 1000), (64, 4096), (6, 50, 768), (1024, 64), (3, 16384)]


def data(shape, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    w = rng.standard_normal(shape[-1]).astype(dtype)
    b = rng.standard_normal(shape[-1]).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("compiled", [False, True])
def test_layer_norm_same_bits_as_its_steps(shape, compiled):
    x, w, b = (mx.array(a) for a in data(shape))
    want = stepwise(lambda *a, step: layer_norm(mx, *a, step=step), x, w, b)
    f = lambda x, w, b: layer_norm(mx, x, w, b)  # noqa: E731
    got = (mx.compile(f) if compiled else f)(x, w, b)
    bits_equal(got, want)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("compiled", [False, True])
def test_softmax_rms_norm_and_logsumexp_same_bits_as_their_steps(shape, compiled):
    x, w, _ = (mx.array(a) for a in data(shape, 1))
    for fn, args in ((softmax, (x,)), (rms_norm, (x, w)), (logsumexp, (x,))):
        want = stepwise(lambda *a, step: fn(mx, *a, step=step), *args)
        f = lambda *a: fn(mx, *a)  # noqa: E731
        got = (mx.compile(f) if compiled else f)(*args)
        bits_equal(got, want)


def test_close_to_mlx():
    xn, wn, bn = data((300, 1000), 2)
    for fn, args in ((layer_norm, (xn, wn, bn)), (softmax, (xn,)), (rms_norm, (xn, wn)), (logsumexp, (xn,))):
        got = fn(mx, *(mx.array(a) for a in args))
        want = fn(ORACLE, *(ORACLE.array(a) for a in args))
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("compiled", [False, True])
def test_nan_inf_rows_and_transposed_input(compiled):
    xn, wn, bn = data((700, 200), 3)
    xn[5, 7] = np.nan
    xn[9, :] = np.inf
    xn[11, 3] = -np.inf
    x = mx.array(np.ascontiguousarray(xn.T)).T  # a transposed view: a strided input
    w, b = mx.array(wn), mx.array(bn)
    for fn, args in ((layer_norm, (x, w, b)), (softmax, (x,)), (logsumexp, (x,))):
        want = stepwise(lambda *a, step: fn(mx, *a, step=step), *args)
        f = lambda *a: fn(mx, *a)  # noqa: E731
        got = (mx.compile(f) if compiled else f)(*args)
        bits_equal(got, want)


@pytest.mark.parametrize("compiled", [False, True])
def test_values_of_stages_read_elsewhere(compiled):
    # The mean and variance are outputs too, and something that is not elementwise reads the
    # mean between the stages: the group ends before it, and every value is right.
    x, w, b = (mx.array(a) for a in data((256, 512), 4))

    def f(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdims=True)
        order = mx.sort(mu, axis=0)
        y = (x - mu) * mx.rsqrt(var + 1e-5) * w + b
        return y, mu, var, order + mu

    got = (mx.compile(f) if compiled else f)(x, w, b)

    def g(x, w, b):
        mu = x.mean(-1, keepdims=True)
        mx.eval(mu)
        d = x - mu
        mx.eval(d)
        var = (d * d).mean(-1, keepdims=True)
        mx.eval(var)
        r = mx.rsqrt(var + 1e-5)
        mx.eval(r)
        order = mx.sort(mu, axis=0)
        mx.eval(order)
        return d * r * w + b, mu, var, order + mu

    for a, e in zip(got, g(x, w, b)):
        bits_equal(a, e)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_layer_norm(dtype):
    xn, wn, bn = data((128, 1024), 5)
    x, w, b = (mx.array(a).astype(getattr(mx, dtype)) for a in (xn, wn, bn))
    want = stepwise(lambda *a, step: layer_norm(mx, *a, step=step), x, w, b)
    got = mx.compile(lambda x, w, b: layer_norm(mx, x, w, b))(x, w, b)
    assert got.dtype == getattr(mx, dtype)
    bits_equal(np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32)))


REDUCTIONS = ["sum", "max", "min", "mean"]
ELEMENTWISE = ["subtract", "multiply", "add", "maximum", "divide"]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(2, 300),
    cols=st.sampled_from([256, 333, 512, 1000, 2048]),
    first=st.sampled_from(REDUCTIONS),
    combine=st.sampled_from(ELEMENTWISE),
    second=st.sampled_from(REDUCTIONS),
    finish=st.sampled_from(ELEMENTWISE),
    unary=st.sampled_from(["exp", "abs", "square", "negative"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_random_reduce_map_reduce_map_chains(rows, cols, first, combine, second, finish, unary, seed):
    # r1 = reduce(x); y = unary(x op r1); r2 = reduce(y); out = y op2 r2 (+ x): the shapes of a
    # normalisation, with the ops drawn; large enough inputs make a row group.
    rows = max(rows, (1 << 16) // cols + 1)
    xn = np.random.default_rng(seed).standard_normal((rows, cols)).astype(np.float32)
    x = mx.array(xn)

    def f(x, step=lambda *a: None):
        r1 = getattr(mx, first)(x, axis=-1, keepdims=True)
        step(r1)
        y = getattr(mx, unary)(getattr(mx, combine)(x, r1) * 0.25)
        step(y)
        r2 = getattr(mx, second)(y, axis=-1, keepdims=True)
        step(r2)
        return getattr(mx, finish)(y, r2) + x

    want = f(x, step=mx.eval)
    bits_equal(f(x), want)
    bits_equal(mx.compile(f)(x), want)
