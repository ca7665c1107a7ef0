"""Convolutions: conv1d/2d/3d, conv_general, conv_transpose1d/2d/3d and convolve.

Values against real MLX (hypothesis-drawn shapes, strides, paddings, dilations, groups,
flip, dtypes and layouts) and against independent references: PyTorch's
`torch.nn.functional.conv*` (channels-first, so layouts are permuted) and NumPy's
`convolve`. Gradients against finite differences in float64, PyTorch's autograd and MLX's
`grad`; `jvp` against `vjp` (MLX 0.32.4 has no jvp for Convolution); `vmap` against a
Python loop; bad arguments raise what MLX raises.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import (
    ORACLE,
    SUBJECT,
    Input,
    array_values,
    call,
    check,
    check_numpy,
    check_raises,
    layouts,
    to_numpy,
)

try:  # PyTorch is an independent reference for some tests; the rest run without it
    import torch

    F = torch.nn.functional
except ImportError:  # pragma: no cover
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

FLOATS = ("float16", "bfloat16", "float32", "float64")
# Sums over up to a few hundred products: looser than elementwise tolerances.
CONV_TOL = {
    "float16": (5e-3, 5e-3),
    "bfloat16": (3e-2, 3e-2),
    "float32": (1e-4, 1e-4),
    # MLX 0.32.4 computes float64 convolutions in float32; mlx_core in float64 (checked
    # against PyTorch at 1e-10 below).
    "float64": (1e-5, 1e-5),
    "complex64": (1e-4, 1e-4),
}


def _rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


def f64(v):
    """A float64 mlx_core array (NumPy float64 would become float32, as in MLX)."""
    return SUBJECT.array(np.asarray(v, np.float64), dtype=SUBJECT.float64)


def _torch_conv(x, w, stride, padding, dilation, groups):
    """Channels-last x (N, spatial..., C_in), w (C_out, k..., C_in/g) through torch."""
    nd = x.ndim - 2
    perm = (0, nd + 1) + tuple(range(1, nd + 1))
    back = (0,) + tuple(range(2, nd + 2)) + (1,)
    conv = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    xt = torch.tensor(x).permute(*perm)
    wt = torch.tensor(w).permute(*perm)
    return conv(xt, wt, stride=stride, padding=padding, dilation=dilation, groups=groups).permute(
        *back
    ).numpy()


def check_conv(fn, *args, **kwargs):
    """`check`, except where MLX 0.32.4 has no float64 kernel (kernel or input dilation,
    groups): it raises at eval, mlx_core computes (the values are checked against PyTorch
    in float64 below)."""
    _, exc = call(ORACLE, fn)
    if exc is not None and "got unsupported data type" in str(exc):
        got, got_exc = call(SUBJECT, fn)
        assert got_exc is None, got_exc
        assert got.dtype == "float64"
        return
    check(fn, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# drawing convolution problems
# ---------------------------------------------------------------------------------------------


@st.composite
def conv_problem(draw, nd, allow_groups=True, max_side=7):
    """(x shape, w shape, stride, padding, dilation, groups) for which the output is non-empty."""
    groups = draw(st.sampled_from([1, 2, 3])) if allow_groups else 1
    cg_in = draw(st.integers(1, 3))
    cg_out = draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    spatial = []
    for i in range(nd):
        span = dilation[i] * (kernel[i] - 1) + 1
        lo = max(1, span - 2 * padding[i])
        spatial.append(draw(st.integers(lo, max(lo, max_side))))
    x_shape = (n, *spatial, groups * cg_in)
    w_shape = (groups * cg_out, *kernel, cg_in)
    return x_shape, w_shape, stride, padding, dilation, groups


def _inputs(data, x_shape, w_shape, dtypes=FLOATS):
    dx = data.draw(st.sampled_from(dtypes), label="x dtype")
    dw = data.draw(st.sampled_from(dtypes), label="w dtype")
    x = Input(data.draw(array_values(dx, x_shape, "tiny")), dx, data.draw(layouts()))
    w = Input(data.draw(array_values(dw, w_shape, "tiny")), dw, data.draw(layouts()))
    return x, w


# ---------------------------------------------------------------------------------------------
# values vs MLX
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_conv1d_matches_mlx(data):
    xs, ws, stride, padding, dilation, groups = data.draw(conv_problem(1))
    x, w = _inputs(data, xs, ws)
    check_conv(
        lambda m: m.conv1d(x(m), w(m), stride[0], padding[0], dilation[0], groups),
        tol=CONV_TOL,
    )


@given(data=st.data())
def test_conv2d_matches_mlx(data):
    xs, ws, stride, padding, dilation, groups = data.draw(conv_problem(2))
    x, w = _inputs(data, xs, ws)
    check_conv(
        lambda m: m.conv2d(x(m), w(m), stride=stride, padding=padding, dilation=dilation,
                           groups=groups),
        tol=CONV_TOL,
    )


@given(data=st.data())
def test_conv3d_matches_mlx(data):
    xs, ws, stride, padding, dilation, _ = data.draw(conv_problem(3, False, max_side=5))
    x, w = _inputs(data, xs, ws)
    check_conv(lambda m: m.conv3d(x(m), w(m), stride, padding, dilation), tol=CONV_TOL)


@given(data=st.data())
def test_conv_general_matches_mlx(data):
    nd = data.draw(st.integers(1, 3), label="nd")
    xs, ws, stride, _, kd, groups = data.draw(conv_problem(nd, allow_groups=nd < 3))
    lo = [data.draw(st.integers(-1, 2)) for _ in range(nd)]
    hi = [data.draw(st.integers(-1, 2)) for _ in range(nd)]
    idil = [data.draw(st.integers(1, 3)) for _ in range(nd)]
    flip = data.draw(st.booleans())
    x, w = _inputs(data, xs, ws, ("float32", "float64", "float16"))
    form = data.draw(st.sampled_from(["pair", "list", "int"]))
    padding = (lo, hi) if form == "pair" else lo if form == "list" else lo[0]
    # Where negative padding crops the input below the kernel's extent, MLX 0.32.4 still
    # computes an output (it only checks the int form) and reads past the input: its values
    # change from run to run. mlx_core reads zeros there; nothing to compare with.
    for i in range(nd):
        a, b = (lo[i], hi[i]) if form == "pair" else (lo[i], lo[i]) if form == "list" else (lo[0], lo[0])
        assume((xs[1 + i] - 1) * idil[i] + 1 + a + b >= (ws[1 + i] - 1) * kd[i] + 1)
    check_conv(
        lambda m: m.conv_general(x(m), w(m), stride=list(stride), padding=padding,
                                 kernel_dilation=list(kd), input_dilation=idil, groups=groups,
                                 flip=flip),
        tol=CONV_TOL,
    )


@given(data=st.data())
def test_conv_transpose_matches_mlx(data):
    nd = data.draw(st.integers(1, 3), label="nd")
    xs, ws, stride, _, dilation, groups = data.draw(conv_problem(nd, allow_groups=nd < 3))
    padding = tuple(data.draw(st.integers(0, 3)) for _ in range(nd))
    out_pad = tuple(data.draw(st.integers(-1, 2)) for _ in range(nd))
    x, w = _inputs(data, xs, ws, ("float32", "float64", "bfloat16"))
    fn = ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")[nd - 1]
    args = (stride, padding, dilation, out_pad) if nd > 1 else (
        stride[0], padding[0], dilation[0], out_pad[0])
    check_conv(lambda m: getattr(m, fn)(x(m), w(m), *args, groups=groups), tol=CONV_TOL)


@given(
    n=st.integers(1, 9), m=st.integers(1, 9), mode=st.sampled_from(["full", "same", "valid"]),
    dtype=st.sampled_from(FLOATS), data=st.data(),
)
def test_convolve_matches_mlx_and_numpy(n, m, mode, dtype, data):
    a = data.draw(array_values(dtype, (n,), "tiny"))
    v = data.draw(array_values("float32", (m,), "tiny"))
    A, V = Input(a, dtype), Input(v, "float32")
    check_conv(lambda lib: lib.convolve(A(lib), V(lib), mode=mode), tol=CONV_TOL)
    got = SUBJECT.convolve(A(SUBJECT), V(SUBJECT), mode)
    check_numpy(got, np.convolve(a.astype(np.float64), v.astype(np.float64), mode=mode),
                *CONV_TOL[dtype])


def test_conv_weight_dtypes_promote_like_mlx():
    x = Input(_rand((2, 6, 4), 1, np.float32), "float32")
    for xd in FLOATS:
        for wd in ("bool", "int32", "uint64", "float16", "bfloat16", "float32", "float64"):
            X = Input(x.values, xd)
            W = Input((_rand((3, 2, 4), 2) > 0).astype(np.int32) if wd in ("bool", "int32",
                      "uint64") else _rand((3, 2, 4), 2, np.float32), wd)
            check_conv(lambda m: m.conv1d(X(m), W(m)), tol=CONV_TOL)


def test_conv_empty_batch_matches_mlx():
    x, w = Input(np.zeros((0, 5, 4), np.float32), "float32"), Input(_rand((6, 3, 4)), "float32")
    check(lambda m: m.conv1d(x(m), w(m)))
    x = Input(np.zeros((2, 0, 4), np.float32), "float32")
    w = Input(_rand((6, 1, 4)), "float32")
    check(lambda m: m.conv1d(x(m), w(m), padding=1))  # padding alone makes the output


# ---------------------------------------------------------------------------------------------
# values vs PyTorch (an independent implementation)
# ---------------------------------------------------------------------------------------------


@needs_torch
@given(data=st.data())
def test_conv_matches_torch_float64(data):
    nd = data.draw(st.integers(1, 3), label="nd")
    xs, ws, stride, padding, dilation, groups = data.draw(conv_problem(nd, allow_groups=nd < 3))
    x, w = _rand(xs, 1), _rand(ws, 2)
    fn = (SUBJECT.conv1d, SUBJECT.conv2d, SUBJECT.conv3d)[nd - 1]
    if nd == 1:
        got = fn(f64(x), f64(w), stride[0], padding[0], dilation[0], groups)
    else:
        got = fn(f64(x), f64(w), stride, padding, dilation, groups)
    check_numpy(got, _torch_conv(x, w, stride, padding, dilation, groups), 1e-10, 1e-10)


@needs_torch
@given(data=st.data())
def test_conv_transpose_matches_torch_float64(data):
    nd = data.draw(st.integers(1, 3), label="nd")
    xs, ws, stride, _, dilation, groups = data.draw(conv_problem(nd, allow_groups=nd < 3))
    # Where MLX and PyTorch agree: padding within the dilated kernel, output padding
    # below stride or dilation (PyTorch rejects the rest; MLX crops differently beyond).
    padding = tuple(
        data.draw(st.integers(0, dilation[i] * (ws[1 + i] - 1))) for i in range(nd)
    )
    out_pad = tuple(
        data.draw(st.integers(0, max(stride[i], dilation[i]) - 1)) for i in range(nd)
    )
    for i in range(nd):
        span = dilation[i] * (ws[1 + i] - 1) + 1
        assume((xs[1 + i] - 1) * stride[i] + span - 2 * padding[i] + out_pad[i] > 0)
    x, w = _rand(xs, 3), _rand(ws, 4)
    G = groups
    # torch weight: (C_in, C_out / groups, k...); ours (C_out, k..., C_in / groups)
    cg_out = ws[0] // G
    wt = w.reshape((G, cg_out) + ws[1:]).transpose((0, nd + 2) + (1,) + tuple(range(2, nd + 2)))
    wt = wt.reshape((G * ws[-1], cg_out) + ws[1:-1])
    conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
    perm = (0, nd + 1) + tuple(range(1, nd + 1))
    back = (0,) + tuple(range(2, nd + 2)) + (1,)
    expected = conv(torch.tensor(x).permute(*perm), torch.tensor(np.ascontiguousarray(wt)),
                    stride=stride, padding=padding, output_padding=out_pad, groups=G,
                    dilation=dilation).permute(*back).numpy()
    fn = (SUBJECT.conv_transpose1d, SUBJECT.conv_transpose2d, SUBJECT.conv_transpose3d)[nd - 1]
    args = (stride, padding, dilation, out_pad) if nd > 1 else (
        stride[0], padding[0], dilation[0], out_pad[0])
    got = fn(f64(x), f64(w), *args, groups=G)
    check_numpy(got, expected, 1e-10, 1e-10)


@needs_torch
@pytest.mark.parametrize(
    "xs,ws,kw",
    [
        ((4, 30, 30, 16), (32, 3, 3, 16), dict(padding=1)),  # row tiles over threads
        ((2, 33, 35, 24), (12, 1, 1, 24), dict()),  # 1x1: a plain GEMM
        ((2, 33, 35, 24), (12, 1, 1, 8), dict(groups=3)),  # 1x1 grouped
        ((2, 33, 35, 24), (12, 1, 1, 24), dict(stride=2)),  # strided 1x1
        ((4, 64, 64, 32), (8, 62, 62, 32), dict()),  # huge kernel: taps split over threads
        ((3, 4000, 1), (64, 400, 1), dict(stride=160)),  # speech-like 1-D
        ((2, 40, 40, 12), (12, 5, 5, 4), dict(padding=2, groups=3, dilation=2)),
        ((2, 20, 21, 32), (32, 3, 3, 16), dict(padding=1, groups=2)),  # a GEMM per group
        ((2, 500, 48), (48, 4, 1), dict(padding=3, groups=48)),  # depthwise (Mamba-like)
        ((2, 30, 30, 32), (64, 3, 3, 2), dict(padding=1, groups=16)),  # small groups
        ((2, 30, 31, 32), (32, 3, 3, 1), dict(padding=1, stride=2, groups=32)),  # depthwise
    ],
)
def test_large_convolutions_match_torch(xs, ws, kw):
    """Sizes that take the threaded and tiled paths of the kernel."""
    x, w = _rand(xs, 5, np.float32), _rand(ws, 6, np.float32)
    nd = len(xs) - 2
    fn = (SUBJECT.conv1d, SUBJECT.conv2d)[nd - 1]
    got = fn(SUBJECT.array(x), SUBJECT.array(w), **kw)
    expected = _torch_conv(x.astype(np.float64), w.astype(np.float64), kw.get("stride", 1),
                           kw.get("padding", 0), kw.get("dilation", 1), kw.get("groups", 1))
    check_numpy(got, expected, 1e-4, 1e-3)


def test_conv_half_precision_rounds_once_like_mlx():
    x, w = _rand((2, 30, 64), 7, np.float32), _rand((8, 5, 64), 8, np.float32)
    for dt in ("float16", "bfloat16"):
        X, W = Input(x, "float32"), Input(w, "float32")
        check(lambda m: m.conv1d(X(m).astype(getattr(m, dt)), W(m).astype(getattr(m, dt))), 0, 0)


# ---------------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------------


def _finite_differences(f, x, eps=1e-6):
    g = np.zeros_like(x)
    flat, gf = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f(x)
        flat[i] = old - eps
        down = f(x)
        flat[i] = old
        gf[i] = (up - down) / (2 * eps)
    return g


GRAD_CASES = [
    ("conv1d", (2, 7, 4), (6, 3, 2), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv2d", (1, 5, 6, 3), (2, 2, 3, 3), dict(stride=(2, 1), padding=(1, 2))),
    ("conv3d", (1, 4, 3, 4, 2), (2, 2, 1, 2, 2), dict(padding=1, dilation=(1, 1, 2))),
    ("conv_general", (2, 6, 2), (3, 3, 2),
     dict(stride=2, padding=([1], [3]), kernel_dilation=2, input_dilation=3, flip=True)),
    ("conv_general", (1, 4, 5, 4), (2, 2, 2, 2),
     dict(stride=[1, 2], padding=([0, 2], [1, 0]), input_dilation=[2, 1], groups=2, flip=True)),
    ("conv_transpose1d", (2, 4, 3), (2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d", (1, 3, 4, 4), (4, 2, 3, 2), dict(stride=(2, 3), dilation=2, groups=2)),
    ("conv1d", (2, 6, 3), (3, 3, 1), dict(padding=2, groups=3)),  # depthwise
    ("conv2d", (1, 4, 4, 18), (4, 2, 2, 9), dict(padding=1, groups=2)),  # a GEMM per group
    ("conv_general", (1, 5, 4, 2), (2, 2, 3, 1),
     dict(groups=2, flip=True, input_dilation=[1, 2], padding=1)),  # depthwise, flipped
    ("conv_general", (1, 5, 2), (2, 7, 2), dict(stride=3)),  # kernel overhangs the input
]
# MLX 0.32.4 reads past the input where the kernel overhangs it (case 7): no oracle there.
MLX_GRAD_CASES = range(len(GRAD_CASES) - 1)


@pytest.mark.parametrize("case", range(len(GRAD_CASES)))
def test_conv_grads_match_finite_differences_float64(case):
    name, xs, ws, kw = GRAD_CASES[case]
    mx = SUBJECT
    x, w = _rand(xs, 10), _rand(ws, 11)
    out_shape = getattr(mx, name)(f64(x), f64(w), **kw).shape
    r = _rand(out_shape, 12)
    R = f64(r)

    def loss(a, b):
        return (getattr(mx, name)(a, b, **kw) * R).sum()

    gx, gw = mx.grad(loss, argnums=(0, 1))(f64(x), f64(w))
    fx = _finite_differences(lambda v: loss(f64(v), f64(w)).item(), x.copy())
    fw = _finite_differences(lambda v: loss(f64(x), f64(v)).item(), w.copy())
    check_numpy(gx, fx, 1e-6, 1e-7)
    check_numpy(gw, fw, 1e-6, 1e-7)


@pytest.mark.parametrize("case", MLX_GRAD_CASES)
def test_conv_grads_match_mlx_float32(case):
    name, xs, ws, kw = GRAD_CASES[case]
    X, W = Input(_rand(xs, 13, np.float32), "float32"), Input(_rand(ws, 14, np.float32), "float32")

    def grads(m):
        f = lambda a, b: (getattr(m, name)(a, b, **kw) ** 2).sum()  # noqa: E731
        return m.grad(f, argnums=(0, 1))(X(m), W(m))

    check(grads, 1e-4, 1e-4)


@needs_torch
def test_weight_gradient_of_a_large_layer_matches_torch():
    """The weight gradient is a convolution with a huge kernel and a tiny output: it takes
    the kernel's split-taps path."""
    x, w = _rand((8, 32, 32, 16), 15, np.float32), _rand((16, 3, 3, 16), 16, np.float32)
    mx = SUBJECT
    gx, gw = mx.grad(lambda a, b: (mx.conv2d(a, b, padding=1) ** 2).sum() / 2, argnums=(0, 1))(
        mx.array(x), mx.array(w))
    xt = torch.tensor(x.astype(np.float64)).permute(0, 3, 1, 2).requires_grad_(True)
    wt = torch.tensor(w.astype(np.float64)).permute(0, 3, 1, 2).requires_grad_(True)
    (F.conv2d(xt, wt, padding=1) ** 2).sum().div(2).backward()
    check_numpy(gx, xt.grad.permute(0, 2, 3, 1).numpy(), 1e-4, 1e-3)
    check_numpy(gw, wt.grad.permute(0, 2, 3, 1).numpy(), 1e-4, 1e-2)
    # a broadcast cotangent (the gradient of a plain sum) takes the same path
    gw = mx.grad(lambda b: mx.conv2d(mx.array(x), b, stride=2).sum())(mx.array(w))
    wt.grad = None
    F.conv2d(xt, wt, stride=2).sum().backward()
    check_numpy(gw, wt.grad.permute(0, 2, 3, 1).numpy(), 1e-4, 1e-2)


@pytest.mark.parametrize("case", range(len(GRAD_CASES)))
def test_conv_jvp_is_the_transpose_of_vjp(case):
    """<jvp(t), c> == <t, vjp(c)>: both are linear maps and each other's transposes.
    (MLX 0.32.4 raises for the jvp of Convolution; mlx_core implements it.)"""
    name, xs, ws, kw = GRAD_CASES[case]
    mx = SUBJECT
    x, w, tx, tw = _rand(xs, 17), _rand(ws, 18), _rand(xs, 19), _rand(ws, 20)
    f = lambda a, b: getattr(mx, name)(a, b, **kw)  # noqa: E731
    out, jv = mx.jvp(f, [f64(x), f64(w)], [f64(tx), f64(tw)])
    c = _rand(out[0].shape, 21)
    _, (vx, vw) = mx.vjp(f, [f64(x), f64(w)], [f64(c)])
    lhs = float((np.array(jv[0]) * c).sum())
    rhs = float((np.array(vx) * tx).sum() + (np.array(vw) * tw).sum())
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))
    # and the jvp is the directional derivative
    eps = 1e-6
    up = np.array(f(f64(x + eps * tx), f64(w + eps * tw)))
    down = np.array(f(f64(x - eps * tx), f64(w - eps * tw)))
    check_numpy(jv[0], (up - down) / (2 * eps), 1e-6, 1e-7)


def test_mlx_has_no_convolution_jvp():
    with pytest.raises(ValueError, match="Convolution"):
        ORACLE.jvp(lambda a: ORACLE.conv1d(a, ORACLE.ones((1, 2, 1))), [ORACLE.ones((1, 4, 1))],
                   [ORACLE.ones((1, 4, 1))])


# ---------------------------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("axes", [(0, None), (None, 0), (0, 0), (2, 1), (1, None)])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_vmap_matches_a_loop(axes, groups):
    mx = SUBJECT
    B = 3
    xs, ws = [2, 7, 4], [4, 3, 4 // groups]
    if axes[0] is not None:
        xs.insert(axes[0], B)
    if axes[1] is not None:
        ws.insert(axes[1], B)
    x, w = _rand(xs, 22, np.float32), _rand(ws, 23, np.float32)
    f = lambda a, b: mx.conv1d(a, b, stride=2, padding=1, groups=groups)  # noqa: E731
    got = mx.vmap(f, in_axes=axes)(mx.array(x), mx.array(w))
    pick = lambda a, ax, i: a if ax is None else np.take(a, i, axis=ax)  # noqa: E731
    expected = np.stack([
        np.array(f(mx.array(pick(x, axes[0], i)), mx.array(pick(w, axes[1], i))))
        for i in range(B)
    ])
    check_numpy(got, expected, 1e-5, 1e-5)
    if axes[0] is None and groups > 1:
        return  # MLX 0.32.4 mixes the groups up when only the weight is batched
    Xs, Ws = Input(x, "float32"), Input(w, "float32")
    check(lambda m: m.vmap(lambda a, b: m.conv1d(a, b, stride=2, padding=1, groups=groups),
                           in_axes=axes)(Xs(m), Ws(m)), 1e-5, 1e-5)


def test_conv2d_vmap_of_grad_matches_a_loop():
    mx = SUBJECT
    x, w = _rand((3, 1, 5, 5, 2), 24, np.float32), _rand((2, 3, 3, 2), 25, np.float32)
    g = mx.grad(lambda b, a: (mx.conv2d(a, b, padding=1) ** 2).sum())
    got = mx.vmap(g, in_axes=(None, 0))(mx.array(w), mx.array(x))
    expected = np.stack([np.array(g(mx.array(w), mx.array(x[i]))) for i in range(3)])
    check_numpy(got, expected, 1e-4, 1e-4)


# ---------------------------------------------------------------------------------------------
# what MLX 0.32.4 gets wrong, defined here
# ---------------------------------------------------------------------------------------------


def test_complex_weight_keeps_its_imaginary_part():
    """MLX 0.32.4 promotes to complex64 but drops the weight's imaginary part."""
    a = np.array([1.0, 2.0, 3.0], np.float32)
    v = np.array([1 + 1j, 2 - 1j], np.complex64)
    got = SUBJECT.convolve(SUBJECT.array(a), SUBJECT.array(v))
    assert got.dtype == SUBJECT.complex64
    check_numpy(got, np.convolve(a, v), 1e-6, 1e-6)


def test_overhanging_kernel_reads_zeros():
    """A kernel longer than the padded input by less than a stride still gives one output
    (MLX's truncating size formula); MLX 0.32.4 then reads past the input, mlx_core reads
    zeros there."""
    mx = SUBJECT
    x = mx.arange(10, dtype=mx.float32).reshape(1, 5, 2)
    out = mx.conv_general(x, mx.ones((1, 7, 2)), stride=3)
    check_numpy(out, np.array([[[45.0]]]))
    assert ORACLE.conv_general(ORACLE.ones((1, 5, 2)), ORACLE.ones((1, 7, 2)), stride=3).shape == (
        1, 1, 1)


@needs_torch
def test_vmap_of_weight_with_groups_is_right_where_mlx_is_not():
    mx = SUBJECT
    x, w = _rand((2, 7, 4), 26, np.float32), _rand((3, 4, 3, 2), 27, np.float32)
    f = lambda a, b: mx.conv1d(a, b, groups=2)  # noqa: E731
    got = mx.vmap(f, in_axes=(None, 0))(mx.array(x), mx.array(w))
    expected = np.stack([_torch_conv(x, w[i], 1, 0, 1, 2) for i in range(3)])
    check_numpy(got, expected, 1e-5, 1e-5)


def test_degenerate_sizes_give_zeros():
    """Zero input channels or an empty kernel: empty sums (MLX 0.32.4 crashes)."""
    mx = SUBJECT
    out = mx.conv1d(mx.zeros((2, 5, 0)), mx.zeros((3, 2, 0)))
    check_numpy(out, np.zeros((2, 4, 3)))
    out = mx.conv1d(mx.ones((2, 5, 4)), mx.zeros((0, 3, 4)))
    check_numpy(out, np.zeros((2, 3, 0)))


def test_zero_groups_raise_value_error():
    """MLX 0.32.4 divides by zero and kills the process."""
    with pytest.raises(ValueError, match=r"^\[conv\]"):
        SUBJECT.conv1d(SUBJECT.ones((2, 5, 4)), SUBJECT.ones((6, 3, 4)), groups=0)
    with pytest.raises(ValueError, match=r"^\[conv\]"):
        SUBJECT.conv_transpose1d(SUBJECT.ones((2, 5, 4)), SUBJECT.ones((6, 3, 4)), groups=0)


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------

BAD = {
    "int input": lambda m: m.conv1d(m.ones((1, 5, 2), dtype=m.int32), m.ones((1, 3, 2))),
    "bool input": lambda m: m.conv1d(m.ones((1, 5, 2), dtype=m.bool_), m.ones((1, 3, 2))),
    "complex input": lambda m: m.conv1d(m.ones((1, 5, 2), dtype=m.complex64), m.ones((1, 3, 2))),
    "2-d input": lambda m: m.conv1d(m.ones((5, 2)), m.ones((1, 3, 2))),
    "2-d weight": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((3, 2))),
    "channels": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 3, 3))),
    "groups not dividing C_in": lambda m: m.conv1d(m.ones((1, 5, 4)), m.ones((6, 3, 1)), groups=3),
    "groups not dividing C_out": lambda m: m.conv1d(m.ones((1, 5, 4)), m.ones((5, 3, 2)), groups=2),
    "groups channels": lambda m: m.conv1d(m.ones((1, 5, 4)), m.ones((6, 3, 1)), groups=2),
    "negative groups": lambda m: m.conv1d(m.ones((1, 5, 4)), m.ones((6, 3, 4)), groups=-1),
    "3-d groups": lambda m: m.conv3d(m.ones((1, 3, 3, 3, 4)), m.ones((2, 1, 1, 1, 2)), groups=2),
    "zero stride": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 3, 2)), stride=0),
    "negative stride": lambda m: m.conv2d(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)), (1, -1)),
    "zero dilation": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 3, 2)), dilation=0),
    "negative padding too large": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 3, 2)),
                                                     padding=-2),
    "kernel too large": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 7, 2))),
    "4 spatial axes": lambda m: m.conv_general(m.ones((1, 3, 3, 3, 3, 2)), m.ones((1,) * 5 + (2,))),
    "strides length": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                               stride=[1, 1, 1]),
    "padding length": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                               padding=([1, 0], [0, 2, 3])),
    "kernel dilation length": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                                       kernel_dilation=[1, 1, 1]),
    "input dilation zero": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                                    input_dilation=0),
    "transpose stride zero": lambda m: m.conv_transpose1d(m.ones((1, 5, 2)), m.ones((1, 3, 2)),
                                                          stride=0),
    "transpose padding too large": lambda m: m.conv_transpose1d(m.ones((2, 5, 4)),
                                                                m.ones((6, 3, 4)), padding=5),
    "transpose weight rank": lambda m: m.conv_transpose2d(m.ones((1, 4, 4, 3)), m.ones((2, 3))),
    "transpose 2d of 1d input": lambda m: m.conv_transpose2d(m.ones((2, 5, 4)), m.ones((6, 3, 4))),
    "convolve 2-d": lambda m: m.convolve(m.ones((2, 3)), m.ones((2,))),
    "convolve empty": lambda m: m.convolve(m.zeros((0,)), m.ones((2,))),
    "convolve mode": lambda m: m.convolve(m.ones((3,)), m.ones((2,)), mode="FULL"),
    "convolve int": lambda m: m.convolve(m.array([1, 2, 3]), m.array([1.0, 2.0])),
    "list input": lambda m: m.conv1d([[[1.0, 2.0]]], m.ones((1, 1, 2))),
    "float stride": lambda m: m.conv1d(m.ones((1, 5, 2)), m.ones((1, 3, 2)), stride=1.0),
    "conv2d 3-tuple": lambda m: m.conv2d(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                         stride=(1, 1, 1)),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_like_mlx(name):
    check_raises(BAD[name])


def test_numpy_arrays_are_rejected_like_mlx():
    x, w = np.ones((1, 5, 2), np.float32), np.ones((1, 3, 2), np.float32)
    check_raises(lambda m: m.conv1d(x, w), TypeError)


CORNERS = {
    "negative padding crops": lambda m: m.conv1d(m.ones((2, 5, 4)), m.ones((6, 3, 4)), padding=-1),
    "negative stop": lambda m: m.conv_general(m.ones((2, 5, 4)), m.ones((6, 1, 4)),
                                              padding=([0], [-6])),
    "padding ints as list": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                                     padding=(1, 2)),
    "padding single pair": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                                    padding=([1], [2])),
    "empty stride list": lambda m: m.conv_general(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                                  stride=[]),
    "transpose big output padding": lambda m: m.conv_transpose1d(
        m.arange(40, dtype=m.float32).reshape(2, 5, 4), m.ones((6, 3, 4)), stride=2,
        output_padding=3),
    "transpose negative padding": lambda m: m.conv_transpose1d(
        m.arange(40, dtype=m.float32).reshape(2, 5, 4), m.ones((6, 3, 4)), padding=-1),
    # MLX crops the undilated input for negative padding, so a transposed convolution with
    # padding beyond the dilated kernel differs from PyTorch's; mlx_core follows MLX.
    "transpose padding beyond kernel": lambda m: m.conv_transpose1d(
        m.arange(40, dtype=m.float32).reshape(2, 5, 4), m.ones((6, 2, 4)), stride=3, padding=3,
        output_padding=1),
    "conv2d list stride": lambda m: m.conv2d(m.ones((1, 5, 5, 2)), m.ones((1, 3, 3, 2)),
                                             stride=[2, 1]),
    "keyword arguments": lambda m: m.conv_general(m.ones((1, 6, 2)), m.ones((2, 2, 1)), stride=2,
                                                  padding=1, kernel_dilation=2, input_dilation=1,
                                                  groups=2, flip=True, stream=m.cpu),
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_corner_cases_match_mlx(name):
    assert check(CORNERS[name]) is not None


def test_results_are_lazy_and_reusable():
    mx = SUBJECT
    x, w = mx.array(_rand((1, 6, 2), 30, np.float32)), mx.array(_rand((3, 2, 2), 31, np.float32))
    y = mx.conv1d(x, w)
    z = y + mx.conv1d(x, w)
    check_numpy(z, 2 * to_numpy(mx, y), 1e-6, 1e-6)


def test_second_order_gradients_match_mlx():
    X = Input(_rand((2, 6, 5, 4), 40, np.float32), "float32")
    W = Input(_rand((4, 3, 2, 2), 41, np.float32), "float32")

    def hess(m):
        inner = m.grad(lambda x, w: (m.conv2d(x, w, padding=1, groups=2) ** 2).sum())
        return m.grad(lambda x, w: (inner(x, w) ** 2).sum(), argnums=(0, 1))(X(m), W(m))

    check(hess, 1e-4, 1e-3)


@pytest.mark.parametrize("nd", [2, 3])
def test_vmap_of_higher_dimensional_convs_matches_mlx(nd):
    B = 2
    xs = (B, 1) + (4,) * nd + (2,)
    ws = (B, 3) + (2,) * nd + (2,)
    X, W = Input(_rand(xs, 42, np.float32), "float32"), Input(_rand(ws, 43, np.float32), "float32")
    fn = "conv2d" if nd == 2 else "conv3d"
    both = lambda m: m.vmap(lambda a, b: getattr(m, fn)(a, b, padding=1))(X(m), W(m))  # noqa: E731
    if nd == 2:
        check(both, 1e-5, 1e-5)
    else:  # MLX 0.32.4 folds the batch into groups, which its conv3d rejects
        with pytest.raises(ValueError, match="groups"):
            ORACLE.eval(both(ORACLE))
        mx = SUBJECT
        loop = np.stack([
            np.array(mx.conv3d(X(mx)[i], W(mx)[i], padding=1)) for i in range(B)
        ])
        check_numpy(both(mx), loop, 1e-5, 1e-5)
    check(lambda m: m.vmap(lambda a: getattr(m, fn)(a, W(m)[0], stride=2))(X(m)), 1e-5, 1e-5)
