"""mx.random: bit identity with MLX 0.32.4 for every function over keys, shapes and dtypes,
the global key sequence, an independent NumPy Threefry reference, statistics, bad input."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from helpers import ORACLE as MX, SUBJECT as MC, call, assert_same_error

FLOATS = ("float32", "float16", "bfloat16")
INT_DTYPES_ALL = ("int32", "uint8", "int8", "int16", "uint16", "uint32", "int64", "uint64", "bool_")
SHAPES = [(), (0,), (1,), (2,), (3,), (5,), (7,), (2, 3), (4, 0, 2), (3, 1, 5), (33,), (1000,), (257, 3)]
KEYS = [0, 1, 7, 2**32 + 3, 2**63 + 12345]


def bits_of(lib, a):
    """Exact contents: dtype name, shape, and the raw bytes (so -0 != +0, NaN payloads count)."""
    if a.dtype == lib.bfloat16:
        a = a.view(lib.uint16)
    n = np.array(a)
    return str(a.dtype).split(".")[-1], tuple(a.shape), n.tobytes()


def same_bits(fn):
    """fn(lib) gives the same bits in MLX and mlx_core, or both raise the same error type."""
    def run(lib):
        try:
            out = fn(lib)
            return out, None
        except Exception as exc:  # noqa: BLE001 - compared below
            return None, exc

    e, exp_exc = run(MX)
    g, got_exc = run(MC)
    if exp_exc is not None:
        assert_same_error(got_exc, exp_exc, g)
        return
    assert got_exc is None, f"mlx_core raised {got_exc!r}"
    e = e if isinstance(e, (list, tuple)) else [e]
    g = g if isinstance(g, (list, tuple)) else [g]
    for x, y in zip(e, g, strict=True):
        bx, by = bits_of(MX, x), bits_of(MC, y)
        assert bx[:2] == by[:2], f"dtype/shape {by[:2]} != MLX {bx[:2]}"
        if bx[2] != by[2]:
            nx = np.array(x.astype(MX.float32) if x.dtype == MX.bfloat16 else x)
            ny = np.array(y.astype(MC.float32) if y.dtype == MC.bfloat16 else y)
            bad = np.flatnonzero(nx.ravel().view(np.uint8 if nx.dtype == bool else nx.dtype) !=
                                 ny.ravel().view(np.uint8 if ny.dtype == bool else ny.dtype))
            raise AssertionError(f"{len(bad)} values differ, first at {bad[:5]}: "
                                 f"MLX {nx.ravel()[bad[:5]]} mlx_core {ny.ravel()[bad[:5]]}")


def dt(lib, name):
    return getattr(lib, name)


# ---- an independent reference: Threefry-2x32 in NumPy ----------------------------------------

def _threefry(k0, k1, c0, c1):
    rot = ((13, 15, 26, 6), (17, 29, 16, 24))
    ks = [np.uint32(k0), np.uint32(k1), np.uint32(0x1BD11BDA ^ k0 ^ k1)]
    x0, x1 = c0 + ks[0], c1 + ks[1]
    for i in range(5):
        for r in rot[i % 2]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))
            x1 = x1 ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def reference_words(seed, n):
    """The n 32-bit words MLX draws for key(seed): block j hashes counters (j, H + j)."""
    k0, k1 = (seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF
    half = (n + 1) // 2
    c = np.arange(2 * half, dtype=np.uint32)
    if n % 2:
        c[-1] = 0
    with np.errstate(over="ignore"):
        a, b = _threefry(k0, k1, c[:half], c[half:])
    return np.concatenate([a, b])[:n]


@pytest.mark.parametrize("seed", KEYS)
@pytest.mark.parametrize("num", [0, 1, 2, 3, 10])
def test_split_matches_numpy_threefry(seed, num):
    got = np.array(MC.random.split(MC.random.key(seed), num))
    np.testing.assert_array_equal(got.ravel(), reference_words(seed, 2 * num))
    same_bits(lambda m: m.random.split(m.random.key(seed), num))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, 9, 1001])
def test_uniform_matches_numpy_reference(n):
    u = reference_words(42, n).astype(np.float32) / np.float32(4294967295)
    u = np.minimum(u, np.nextafter(np.float32(1), np.float32(0)))
    np.testing.assert_array_equal(np.array(MC.random.uniform(shape=(n,), key=MC.random.key(42))), u)


def test_key_layout():
    for s in KEYS:
        same_bits(lambda m: m.random.key(s))
    assert MC.random.key(2**40 + 5).tolist() == [256, 5]


# ---- bit identity per function ---------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", ["uniform", "normal", "gumbel", "laplace"])
def test_float_distributions_bit_identical(fn, dtype, shape):
    for s in (0, 3, 2**33 + 1):
        same_bits(lambda m: getattr(m.random, fn)(shape=shape, dtype=dt(m, dtype), key=m.random.key(s)))


@given(seed=st.integers(0, 2**64 - 1),
       shape=st.lists(st.integers(0, 6), max_size=3).map(tuple),
       dtype=st.sampled_from(FLOATS),
       fn=st.sampled_from(["uniform", "normal", "gumbel", "laplace"]))
def test_any_key_shape_dtype(seed, shape, dtype, fn):
    same_bits(lambda m: getattr(m.random, fn)(shape=shape, dtype=dt(m, dtype), key=m.random.key(seed)))


@given(seed=st.integers(0, 2**64 - 1), lo=st.integers(-1000, 1000), width=st.integers(-5, 2000),
       dtype=st.sampled_from(INT_DTYPES_ALL))
def test_randint_any(seed, lo, width, dtype):
    same_bits(lambda m: m.random.randint(lo, lo + width, shape=(17,), dtype=dt(m, dtype), key=m.random.key(seed)))


@given(seed=st.integers(0, 2**64 - 1), n=st.integers(0, 300))
def test_uniform_normal_any_key(seed, n):
    for fn in ("uniform", "normal"):
        same_bits(lambda m: getattr(m.random, fn)(shape=(n,), key=m.random.key(seed)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", ["normal", "gumbel"])
def test_large_bit_identical(fn, dtype):
    # 2M samples: exercises the vectorised exact logf and its scalar fallback many times.
    same_bits(lambda m: getattr(m.random, fn)(shape=(1 << 21,), dtype=dt(m, dtype), key=m.random.key(77)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lo,hi", [(0, 1), (-3.3, 1e5), (0.1, 0.7), (3, 1), (-2, -2), (1e-3, 2.5)])
def test_uniform_bounds(dtype, lo, hi):
    same_bits(lambda m: m.random.uniform(lo, hi, shape=(4, 33), dtype=dt(m, dtype), key=m.random.key(5)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_array_bounds(dtype):
    lo = np.linspace(-2, 1, 6).astype(np.float32)
    same_bits(lambda m: m.random.uniform(m.array(lo), 3.0, shape=(3, 6), dtype=dt(m, dtype), key=m.random.key(1)))
    same_bits(lambda m: m.random.uniform(m.array(lo).astype(m.float16), m.array(4.0), shape=(2, 6),
                                         dtype=dt(m, dtype), key=m.random.key(1)))
    same_bits(lambda m: m.random.uniform(m.array(1, m.int32), m.array(3, m.int32), shape=(9,),
                                         dtype=dt(m, dtype), key=m.random.key(2)))


@pytest.mark.parametrize("dtype", FLOATS + ("float64",))
@pytest.mark.parametrize("loc,scale", [(None, None), (1.5, None), (None, 0.3), (1.5, 0.3), (-2, 4)])
def test_normal_loc_scale(dtype, loc, scale):
    same_bits(lambda m: m.random.normal(shape=(3, 50), dtype=dt(m, dtype), loc=loc, scale=scale,
                                        key=m.random.key(5)))


def test_normal_array_loc_scale():
    loc = np.linspace(-1, 1, 5).astype(np.float32)
    sc = np.linspace(0.5, 2, 5).astype(np.float32)
    same_bits(lambda m: m.random.normal(shape=(4, 5), loc=m.array(loc), scale=m.array(sc), key=m.random.key(3)))
    same_bits(lambda m: m.random.normal(shape=(4, 5), dtype=m.float16, loc=m.array(loc), key=m.random.key(3)))
    same_bits(lambda m: m.random.normal(shape=(5,), loc=m.array(0.3, m.float16), key=m.random.key(3)))
    same_bits(lambda m: m.random.normal(shape=(5,), dtype=m.float16, scale=m.array(2, m.int32), key=m.random.key(3)))


def test_normal_complex64():
    same_bits(lambda m: m.random.normal(shape=(7, 3), dtype=m.complex64, key=m.random.key(9)))
    same_bits(lambda m: m.random.normal(shape=(5,), dtype=m.complex64, loc=1.0, scale=0.5, key=m.random.key(1)))


@pytest.mark.parametrize("dtype", FLOATS + ("float64",))
@pytest.mark.parametrize("loc,scale", [(0.0, 1.0), (0.3, 1.7), (-2.0, 0.01)])
def test_laplace_loc_scale(dtype, loc, scale):
    same_bits(lambda m: m.random.laplace(shape=(101,), dtype=dt(m, dtype), loc=loc, scale=scale, key=m.random.key(4)))


INT_DTYPES = ("int32", "uint8", "int8", "int16", "uint16", "uint32", "int64", "uint64", "bool_")


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("lo,hi", [(0, 10), (-5, 1000), (3, 4), (0, 2**30), (5, 2), (0, 1), (-100, 100)])
def test_randint(dtype, lo, hi):
    same_bits(lambda m: m.random.randint(lo, hi, shape=(3, 41), dtype=dt(m, dtype), key=m.random.key(8)))


def test_randint_array_bounds():
    lo = np.array([0, 5, -3], np.int32)
    same_bits(lambda m: m.random.randint(m.array(lo), 20, shape=(4, 3), key=m.random.key(2)))
    same_bits(lambda m: m.random.randint(m.array(lo), m.array([[30], [40]]), key=m.random.key(2)))


@pytest.mark.parametrize("p", [0.5, 0.0, 1.0, 0.3])
@pytest.mark.parametrize("shape", [None, (), (10,), (3, 7)])
def test_bernoulli(p, shape):
    same_bits(lambda m: m.random.bernoulli(p, shape, key=m.random.key(6)))


def test_bernoulli_array_p():
    p = np.linspace(0, 1, 12).astype(np.float32).reshape(3, 4)
    same_bits(lambda m: m.random.bernoulli(m.array(p), key=m.random.key(1)))
    same_bits(lambda m: m.random.bernoulli(m.array(p), (2, 3, 4), key=m.random.key(1)))
    same_bits(lambda m: m.random.bernoulli(m.array(p).astype(m.float16), key=m.random.key(1)))


# A single distribution (reduced logits of size 1) with an array of samples goes through
# MLX's inverse-CDF path, everything else through Gumbel-max.
@pytest.mark.parametrize("logits_shape,axis", [
    ((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((1, 7), 1), ((7, 1), 0), ((1, 1, 7), -1),
    ((3, 1, 7), -1)])
def test_categorical(logits_shape, axis):
    logits = np.random.default_rng(0).normal(size=logits_shape).astype(np.float32)
    same_bits(lambda m: m.random.categorical(m.array(logits), axis, key=m.random.key(2)))
    same_bits(lambda m: m.random.categorical(m.array(logits), axis, num_samples=6, key=m.random.key(2)))
    red = list(logits_shape)
    del red[axis]
    same_bits(lambda m: m.random.categorical(m.array(logits), axis, shape=[3] + red, key=m.random.key(2)))
    same_bits(lambda m: m.random.categorical(m.array(logits), axis, num_samples=1, key=m.random.key(5)))


def test_categorical_single_distribution_many_samples():
    logits = (np.random.default_rng(0).normal(size=(7,)) * 3).astype(np.float32)
    same_bits(lambda m: m.random.categorical(m.array(logits), num_samples=20000, key=m.random.key(5)))
    same_bits(lambda m: m.random.categorical(m.array(logits), shape=(50, 3), key=m.random.key(6)))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 100, 1000])
def test_permutation_int(n):
    for s in (0, 11):
        same_bits(lambda m: m.random.permutation(n, key=m.random.key(s)))
    np.testing.assert_array_equal(np.sort(np.array(MC.random.permutation(n))), np.arange(n))


def test_permutation_bool_is_int():
    same_bits(lambda m: m.random.permutation(True, key=m.random.key(0)))
    for m in (MX, MC):
        with pytest.raises(TypeError):
            m.random.permutation(2.5)


@pytest.mark.parametrize("shape,axis", [((6,), 0), ((4, 3), 0), ((4, 3), 1), ((2, 3, 5), -1), ((3, 0), 0)])
def test_permutation_array(shape, axis):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    same_bits(lambda m: m.random.permutation(m.array(x), axis=axis, key=m.random.key(4)))
    same_bits(lambda m: m.random.permutation(m.array(x).astype(m.int16), axis=axis, key=m.random.key(4)))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("lower,upper", [(-1.0, 1.0), (0.0, 0.5), (-0.5, 0.9), (-4.0, -1.5), (1e-4, 3.0)])
def test_truncated_normal_bit_identical(lower, upper, dtype):
    # erf of the bounds is MLX's own approximation (A&S 7.1.26 with its exp), reproduced exactly.
    for k, shape in [(3, (500,)), (11, (7, 9)), (2**31 - 1, (1,))]:
        same_bits(lambda m: m.random.truncated_normal(
            lower, upper, shape=shape, dtype=getattr(m, dtype), key=m.random.key(k)))
    g = np.array(MC.random.truncated_normal(lower, upper, shape=(500,), key=MC.random.key(3)))
    assert g.min() >= lower and g.max() <= upper


def test_truncated_normal_bit_identical_array_bounds():
    rng = np.random.default_rng(0)
    lo = rng.uniform(-3, 0, size=(4, 1, 6)).astype(np.float32)
    hi = lo + rng.uniform(0.05, 3, size=(1, 5, 6)).astype(np.float32)
    for dtype in ("float32", "float16", "bfloat16"):
        same_bits(lambda m: m.random.truncated_normal(
            m.array(lo), m.array(hi), dtype=getattr(m, dtype), key=m.random.key(9)))
        same_bits(lambda m: m.random.truncated_normal(
            m.array(lo), m.array(hi), shape=(3, 4, 5, 6), dtype=getattr(m, dtype), key=m.random.key(1)))


# ---- the global key ------------------------------------------------------------------------

def test_seed_sequence():
    def run(m):
        m.random.seed(1234)
        out = [m.random.uniform(shape=(3,)), m.random.normal(shape=(2, 2)), m.random.randint(0, 9, (4,)),
               m.random.gumbel(shape=(5,)), m.random.permutation(7), m.random.bernoulli(0.4, (6,)),
               m.random.uniform()]
        out.append(m.random.state[0])
        return out
    same_bits(run)


def test_global_key_time_seeded_and_advances():
    k0 = np.array(MC.random.state[0])
    assert k0.dtype == np.uint32 and k0.shape == (2,)
    MC.random.uniform()
    k1 = np.array(MC.random.state[0])
    assert not np.array_equal(k0, k1)
    # The global key becomes the first half of its split; the call used the second.
    np.testing.assert_array_equal(k1, np.array(MC.random.split(MC.array(k0)))[0])
    assert len(MC.random.state) == 1


# ---- transforms ---------------------------------------------------------------------------

def test_grad_through_array_bounds():
    def f(m):
        k = m.random.key(3)
        return [m.grad(lambda lo: m.random.uniform(lo, 2.0, shape=(3,), key=k).sum())(m.array(0.5)),
                m.grad(lambda s: m.random.normal(shape=(4,), scale=s, loc=1.0, key=k).sum())(m.array(2.0)),
                m.grad(lambda x: (m.random.permutation(x, key=k) * m.arange(5)).sum())(m.arange(5.0))]
    same_bits(f)


def test_vmap_over_keys_and_bounds():
    def f(m):
        ks = m.random.split(m.random.key(4), 3)
        return [m.vmap(lambda kk: m.random.uniform(shape=(2,), key=kk))(ks),
                m.vmap(lambda kk: m.random.normal(shape=(3,), key=kk))(ks),
                m.vmap(lambda lo: m.random.uniform(lo, 1, shape=(2,), key=m.random.key(4)))(m.array([0.0, 0.5])),
                m.vmap(lambda kk: m.random.split(kk, 3))(ks),
                m.vmap(lambda kk: m.random.gumbel((5,), dtype=m.float16, key=kk))(ks),
                m.vmap(lambda kk: m.random.uniform(shape=(3,), key=kk), in_axes=1)(ks.T),
                m.vmap(lambda kk: m.random.randint(0, 10, (7,), key=kk))(ks),
                m.vmap(lambda kk: m.random.permutation(5, key=kk))(ks),
                m.vmap(lambda x: m.random.permutation(x, key=m.random.key(3)))(m.arange(12.0).reshape(3, 4)),
                m.vmap(lambda lg: m.random.categorical(lg, key=m.random.key(3)))(m.arange(12.0).reshape(3, 4))]
    same_bits(f)
    ks = MC.random.split(MC.random.key(4), 3)
    batched = np.array(MC.vmap(lambda kk: MC.random.normal(shape=(3,), key=kk))(ks))
    loop = np.stack([np.array(MC.random.normal(shape=(3,), key=ks[i])) for i in range(3)])
    np.testing.assert_array_equal(batched, loop)


# ---- statistics ---------------------------------------------------------------------------

def test_statistics():
    k = MC.random.key(0)
    n = 200_000
    u = np.array(MC.random.uniform(shape=(n,), key=k), np.float64)
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 5e-3 and abs(u.var() - 1 / 12) < 2e-3
    z = np.array(MC.random.normal(shape=(n,), key=k), np.float64)
    assert abs(z.mean()) < 1e-2 and abs(z.std() - 1) < 1e-2
    g = np.array(MC.random.gumbel(shape=(n,), key=k), np.float64)
    assert abs(g.mean() - 0.5772) < 2e-2
    lap = np.array(MC.random.laplace(shape=(n,), key=k), np.float64)
    assert abs(lap.mean()) < 2e-2 and abs(lap.var() - 2) < 5e-2
    r = np.array(MC.random.randint(0, 10, (n,), key=k))
    assert r.min() == 0 and r.max() == 9 and np.all(np.abs(np.bincount(r) / n - 0.1) < 5e-3)
    b = np.array(MC.random.bernoulli(0.3, (n,), key=k))
    assert abs(b.mean() - 0.3) < 5e-3
    c = np.array(MC.random.categorical(MC.log(MC.array([0.2, 0.3, 0.5])), shape=(n,), key=k))
    np.testing.assert_allclose(np.bincount(c) / n, [0.2, 0.3, 0.5], atol=6e-3)


# ---- bad input ----------------------------------------------------------------------------

BAD = [
    lambda m: m.random.uniform(shape=(3,), dtype=m.int32),
    lambda m: m.random.uniform(shape=(3,), dtype=m.float64, key=m.random.key(0)),
    lambda m: m.random.uniform(m.array([0.0, 1.0]), 2, shape=(3,), key=m.random.key(0)),
    lambda m: m.random.uniform(m.array([0.0, 1.0]), 2, key=m.random.key(0)),
    lambda m: m.random.uniform(shape=(3,), key=m.random.split(m.random.key(0), 3)),
    lambda m: m.random.uniform(shape=(3,), key=m.array([1, 2, 3])),
    lambda m: m.random.uniform(shape=(3,), key=m.array([1, 2])),
    lambda m: m.random.uniform(shape=(3,), key=m.array([1.0, 2.0])),
    lambda m: m.random.uniform(shape=(3,), key=m.array([[1, 2]], m.uint32)),
    lambda m: m.random.uniform(shape=(-1,), key=m.random.key(0)),
    lambda m: m.random.split(m.random.key(0), -1),
    lambda m: m.random.split(m.array([1, 2], m.uint64)),
    lambda m: m.random.normal(shape=(2,), dtype=m.int32, key=m.random.key(0)),
    lambda m: m.random.gumbel(shape=(2,), dtype=m.float64, key=m.random.key(0)),
    lambda m: m.random.gumbel(shape=(2,), dtype=m.uint8, key=m.random.key(0)),
    lambda m: m.random.laplace(shape=(2,), dtype=m.complex64, key=m.random.key(0)),
    lambda m: m.random.truncated_normal(-1, 1, shape=(2,), dtype=m.int32, key=m.random.key(0)),
    lambda m: m.random.truncated_normal(-1, 1, shape=(2,), dtype=m.float64, key=m.random.key(0)),
    lambda m: m.random.randint(0, 5, shape=(2,), dtype=m.float32, key=m.random.key(0)),
    lambda m: m.random.bernoulli(m.array([1, 0]), key=m.random.key(0)),
    lambda m: m.random.categorical(m.array([[0.0, 1.0]]), axis=2, key=m.random.key(0)),
    lambda m: m.random.categorical(m.array([[0.0, 1.0]]), shape=(2,), num_samples=2, key=m.random.key(0)),
    lambda m: m.random.categorical(m.array([[0.0, 1.0], [1.0, 2.0]]), shape=(3,), key=m.random.key(0)),
    lambda m: m.random.permutation(m.array([1, 2, 3]), axis=1, key=m.random.key(0)),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_input_raises_like_mlx(i):
    exp, exp_exc = call(MX, BAD[i])
    assert exp_exc is not None, "MLX accepted this"
    got, got_exc = call(MC, BAD[i])
    assert_same_error(got_exc, exp_exc, got)


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_bad_seed_type_error(seed):
    for m in (MX, MC):
        with pytest.raises(TypeError):
            m.random.key(seed)
        with pytest.raises(TypeError):
            m.random.seed(seed)


# ---- multivariate_normal (MLX scales by U sqrt(S) V^T from an SVD: close, not bitwise) ----

def _spd(n, seed):
    a = np.random.default_rng(seed).normal(size=(n, n)).astype(np.float32)
    return (a @ a.T + np.eye(n, dtype=np.float32)).astype(np.float32)


@pytest.mark.parametrize("n,shape,mean_batch", [(1, (), ()), (3, (4,), ()), (2, (), (4,)), (3, (5, 4), (4,)), (4, (2,), ())])
def test_multivariate_normal_close_to_mlx(n, shape, mean_batch):
    mean = np.random.default_rng(1).normal(size=mean_batch + (n,)).astype(np.float32)
    cov = _spd(n, 2)
    e = np.array(MX.random.multivariate_normal(MX.array(mean), MX.array(cov), shape=shape, key=MX.random.key(3)))
    g = np.array(MC.random.multivariate_normal(MC.array(mean), MC.array(cov), shape=shape, key=MC.random.key(3)))
    assert g.shape == e.shape and g.dtype == e.dtype
    np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


def test_multivariate_normal_statistics():
    cov = _spd(3, 5)
    x = np.array(MC.random.multivariate_normal(MC.array([1.0, 2.0, 3.0]), MC.array(cov), shape=(100_000,),
                                               key=MC.random.key(0)), np.float64)
    np.testing.assert_allclose(x.mean(0), [1, 2, 3], atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), cov, rtol=0.05, atol=0.05)


MVN_BAD = [
    lambda m: m.random.multivariate_normal(m.array(1.0), m.eye(1), key=m.random.key(0)),
    lambda m: m.random.multivariate_normal(m.zeros(2), m.ones(2), key=m.random.key(0)),
    lambda m: m.random.multivariate_normal(m.zeros(2), m.ones((2, 3)), key=m.random.key(0)),
    lambda m: m.random.multivariate_normal(m.zeros(3), m.eye(2), key=m.random.key(0)),
    lambda m: m.random.multivariate_normal(m.zeros(2), m.eye(2), dtype=m.float16, key=m.random.key(0)),
    lambda m: m.random.multivariate_normal(m.zeros((4, 2)), m.eye(2), shape=(3,), key=m.random.key(0)),
]


@pytest.mark.parametrize("i", range(len(MVN_BAD)))
def test_multivariate_normal_bad_input(i):
    exp, exp_exc = call(MX, MVN_BAD[i])
    assert exp_exc is not None
    got, got_exc = call(MC, MVN_BAD[i])
    assert_same_error(got_exc, exp_exc, got)


def test_gradients_match_finite_differences():
    # Samples are affine in loc and scale: central differences in float64 are exact to rounding.
    k = MC.random.key(11)
    w = MC.array(np.linspace(-1, 1, 6))

    def f(loc, scale):
        return (MC.random.normal((6,), dtype=MC.float64, loc=loc, scale=scale, key=k) * w).sum()

    loc, scale, h = 0.3, 1.7, 1e-4
    g_loc, g_scale = MC.grad(f, argnums=(0, 1))(MC.array(loc, MC.float64), MC.array(scale, MC.float64))
    fd_loc = (f(MC.array(loc + h, MC.float64), MC.array(scale, MC.float64)).item()
              - f(MC.array(loc - h, MC.float64), MC.array(scale, MC.float64)).item()) / (2 * h)
    fd_scale = (f(MC.array(loc, MC.float64), MC.array(scale + h, MC.float64)).item()
                - f(MC.array(loc, MC.float64), MC.array(scale - h, MC.float64)).item()) / (2 * h)
    np.testing.assert_allclose([g_loc.item(), g_scale.item()], [fd_loc, fd_scale], rtol=1e-7, atol=1e-9)
