"""Array indexing and in-place updates: integer-array (and list) indices mixed with ints,
slices, None and Ellipsis; a[idx] = v and the augmented forms; array.at[idx].add/...;
take, take_along_axis, put_along_axis, dynamic slice/slice_update. Values vs MLX and
NumPy, gradients vs finite differences and MLX, vmap vs a Python loop, bad input, and
out-of-bounds indices (stricter than MLX: clamped, never read or written outside)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    ORACLE,
    SUBJECT,
    Input,
    check,
    check_numpy,
    check_raises,
    dt,
    inputs,
    nonempty_shapes,
    to_numpy,
)

INDEX_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
NP_INDEX = {n: getattr(np, n) for n in INDEX_DTYPES}


# ---------------------------------------------------------------------------------------------
# index strategies: a tuple of ints, slices, None, at most one Ellipsis and integer arrays
# ---------------------------------------------------------------------------------------------


@st.composite
def index_values(draw, n, shape, dtype, allow_negative=True):
    """In-range indices for an axis of size n (negative ones counting from the end)."""
    lo = -n if allow_negative and not dtype.startswith("u") else 0
    vals = draw(
        st.lists(st.integers(lo, n - 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
    )
    return np.array(vals, dtype=NP_INDEX[dtype]).reshape(shape)


@st.composite
def slices(draw, n):
    start = draw(st.none() | st.integers(-n - 2, n + 2))
    stop = draw(st.none() | st.integers(-n - 2, n + 2))
    step = draw(st.none() | st.sampled_from([1, 2, 3, -1, -2]))
    return slice(start, stop, step)


@st.composite
def index_tuples(draw, shape, min_arrays=1):
    """(spec, numpy index): spec items are ("int", i), ("slice", s), ("none",),
    ("ellipsis",), ("array", values, dtype) or ("list", values)."""
    ndim = len(shape)
    use_ellipsis = draw(st.booleans())
    n_consumed = draw(st.integers(0 if use_ellipsis else 1, ndim)) if ndim else 0
    axes_used = list(range(n_consumed)) if not use_ellipsis else None
    if use_ellipsis:
        k = draw(st.integers(0, n_consumed))  # consumed axes before the ellipsis
        axes_used = list(range(k)) + list(range(ndim - (n_consumed - k), ndim))
    # advanced positions: among the consumed axes with nonzero size
    candidates = [i for i, ax in enumerate(axes_used) if shape[ax] > 0]
    n_adv = draw(st.integers(min(min_arrays, len(candidates)), len(candidates)))
    adv = set(draw(st.permutations(candidates))[:n_adv]) if candidates else set()
    index_shape = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    items = []
    for i, ax in enumerate(axes_used):
        n = shape[ax]
        if i in adv:
            # each array's shape broadcasts to index_shape
            own = [d if draw(st.booleans()) else 1 for d in index_shape]
            own = own[draw(st.integers(0, len(own))):]
            dtype = draw(st.sampled_from(INDEX_DTYPES))
            vals = draw(index_values(n, tuple(own), dtype))
            kind = draw(st.sampled_from(["array", "array", "list"])) if own else "array"
            items.append(("array", vals, dtype) if kind == "array" else ("list", vals.tolist()))
        elif n > 0 and draw(st.booleans()):
            items.append(("int", draw(st.integers(-n, n - 1))))
        else:
            items.append(("slice", draw(slices(n))))
    if use_ellipsis:
        items.insert(k, ("ellipsis",))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), ("none",))
    return items


def build_index(lib, spec):
    out = []
    for item in spec:
        kind = item[0]
        if kind == "int":
            out.append(item[1])
        elif kind == "slice":
            out.append(item[1])
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "list":
            out.append(item[1])
        elif lib is np:
            out.append(item[1])
        else:
            vals, dtype = item[1], item[2]
            out.append(lib.array(vals, dtype=dt(lib, dtype)))
    return tuple(out)


def has_array(spec):
    return any(item[0] in ("array", "list") for item in spec)


def numpy_index(spec):
    """NumPy reads lists as arrays too, but an all-int list of one dimension among other
    indices is the same either way; convert lists explicitly for clarity."""
    idx = []
    for item in build_index(np, spec):
        idx.append(np.array(item, dtype=np.int64) if isinstance(item, list) else item)
    return tuple(idx)


def as_numpy(x: Input):
    return x.values.astype(np.float64) if x.dtype == "bfloat16" else x.values


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_getitem_with_array_indices_matches_mlx_and_numpy(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, max_dims=4, max_side=4), label="x")
    spec = data.draw(index_tuples(x.shape), label="index")
    r = check(lambda m: x(m)[build_index(m, spec)])
    # NumPy counts integers among the advanced indices when arrays are present, so that
    # x[:, 0, ..., 0, a] puts a's dims in front (the indices are not adjacent); MLX applies the
    # integers first and keeps a's dims in place. MLX is the reference there (checked above).
    kinds = {k[0] for k in spec}
    if r is not None and not {"int", "array"} <= kinds:
        check_numpy(x(SUBJECT)[build_index(SUBJECT, spec)], as_numpy(x)[numpy_index(spec)])


@given(data=st.data())
def test_getitem_array_placement_separated_and_adjacent(data):
    """Where the index dims go: in place when the advanced indices are adjacent, in front
    when a slice or None separates them (NumPy's rule, which MLX follows)."""
    x = Input(np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5), "int32")
    i = np.array([[0, 1], [1, 0]])
    for idx in [
        (slice(None), i, i),
        (slice(None), i, slice(None), i),
        (i, None, i),
        (slice(None), i, None, i),
        (0, slice(None), i),
        (slice(None), 0, i),
        (i, Ellipsis, i),
        (Ellipsis, i, 1),
        (None, i, 0, slice(1, 3), i),
    ]:
        conv = lambda m, idx=idx: tuple(m.array(v) if isinstance(v, np.ndarray) else v for v in idx)  # noqa: E731
        check(lambda m, conv=conv: x(m)[conv(m)])
        check_numpy(x(SUBJECT)[conv(SUBJECT)], x.values[idx])


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "reversed"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_gather_every_dtype_and_layout(dtype, layout):
    vals = np.arange(60).reshape(3, 4, 5) % 7
    x = Input(vals.astype(bool) if dtype == "bool" else vals, dtype, layout)
    i = np.array([2, 0, 2, -1])
    check(lambda m: x(m)[m.array(i)])
    check(lambda m: x(m)[:, m.array(i[:2])])
    check(lambda m: x(m)[m.array(i), 1:, m.array([[0], [4]])])
    check(lambda m: m.take(x(m), m.array(i), axis=2))
    check(lambda m: m.take_along_axis(x(m), m.array([[[0], [3], [1]]]), axis=1))
    check(lambda m: m.put_along_axis(x(m), m.array([[[0], [3]]]), x(m)[:1, :1], axis=1))


def test_zero_size_and_zero_dim_results():
    x = Input(np.arange(12).reshape(3, 4), "float32")
    check(lambda m: x(m)[m.zeros((0,), dtype=m.int32)])
    check(lambda m: x(m)[:, m.zeros((2, 0), dtype=m.int32)])
    check(lambda m: x(m)[m.array(1), m.array(2)])
    check(lambda m: x(m)[m.array(2)])
    e = Input(np.zeros((0, 3)), "float32")
    check(lambda m: e(m)[:, m.array([0, 2])])
    check(lambda m: e(m)[m.zeros((0,), dtype=m.int32)])
    check(lambda m: m.take(x(m), m.zeros((0, 2), dtype=m.int32), axis=1))


@given(data=st.data())
def test_large_gather_threads_and_matches_numpy(data):
    rows = data.draw(st.sampled_from([1, 3, 64, 300]))
    table = np.random.default_rng(rows).standard_normal((257, rows)).astype(np.float32)
    idx = np.random.default_rng(1).integers(-257, 257, size=5000)
    got = SUBJECT.array(table)[SUBJECT.array(idx)]
    check_numpy(got, table[idx], 0, 0)
    check_numpy(SUBJECT.take(SUBJECT.array(table), SUBJECT.array(idx), axis=0), table[idx], 0, 0)


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def _value_shape(draw, target):
    """A value shape that broadcasts to `target`: a suffix with some dims set to 1."""
    k = draw(st.integers(0, len(target)))
    shape = [d if draw(st.booleans()) else 1 for d in target[len(target) - k:]]
    if draw(st.booleans()):
        shape = [1] + shape  # extra leading 1s are dropped
    return tuple(shape)


@given(data=st.data())
def test_setitem_with_array_indices_matches_mlx(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, max_dims=3, max_side=4, layout="contiguous"))
    spec = data.draw(index_tuples(x.shape), label="index")
    target = as_numpy(x)[numpy_index(spec)].shape
    vshape = _value_shape(data.draw, target)
    vals = data.draw(inputs(dtypes=(x.dtype,), shape=vshape, layout="contiguous"), label="v")

    def run(m):
        a = x(m)
        a[build_index(m, spec)] = vals(m)
        return a

    # Python lists index as int32 arrays next to the drawn index arrays.
    index_dtypes = [item[2] for item in spec if item[0] == "array"]
    index_dtypes += ["int32" for item in spec if item[0] == "list"] if index_dtypes else []
    if len(index_dtypes) > 1 and not np.issubdtype(np.result_type(*index_dtypes), np.integer):
        # No common integer type (int8 with uint64): MLX refuses these index arrays.
        with pytest.raises(ValueError, match=r"^\[scatter\]"):
            run(SUBJECT)
        return
    if any(item[0] == "none" for item in spec):
        # MLX 0.32.4 lays the value out differently from its own read when None follows the
        # advanced indices (there x[i, :, None] = x[i, :, None] raises); NumPy's layout here.
        expected = as_numpy(x).copy()
        expected[numpy_index(spec)] = as_numpy(vals)
        check_numpy(run(SUBJECT), expected)
        return
    if x.values.size == 0 or int(np.prod(target)) == 0:
        # MLX 0.32.4 dies (SIGFPE) scattering into an empty array or with no updates
        try:
            check_numpy(run(SUBJECT), as_numpy(x))
        except ValueError as e:  # e.g. index dtypes without a common integer type
            assert str(e).startswith("[scatter]")
        return
    check(run)


def test_setitem_forms_match_mlx_and_numpy():
    base = np.arange(24).reshape(2, 3, 4)
    i = np.array([1, 0])
    cases = [
        ((i,), 7),
        ((slice(None), i), np.array([[1], [2]])),
        ((i, slice(1, None, 2)), 5),
        ((0, i, slice(None, None, -1)), np.arange(4)),
        ((slice(None), i, None, i), 9),
        ((Ellipsis, i), np.array([3, 4])),
        ((1, i, 3), np.array([10, 11])),
    ]
    for idx, v in cases:
        def run(m, idx=idx, v=v):
            a = m.array(base)
            conv = tuple(m.array(e) if isinstance(e, np.ndarray) else e for e in idx)
            a[conv] = m.array(v) if isinstance(v, np.ndarray) else v
            return a

        r = check(run)
        expected = base.copy()
        expected[idx] = v
        check_numpy(run(SUBJECT), expected)
        assert r is not None


def test_setitem_repeated_indices_last_write_wins():
    def run(m):
        a = m.zeros((4, 2))
        a[m.array([1, 1, 3, 1])] = m.array([[1.0], [2.0], [3.0], [4.0]])
        return a

    check(run)
    check_numpy(run(SUBJECT), np.array([[0, 0], [4, 4], [0, 0], [3, 3]]))


def test_augmented_assignment_keeps_one_update_per_index():
    def run(m):
        a = m.array([0, 0, 0])
        a[m.array([0, 1, 0, 1])] += 1
        b = m.arange(6.0).reshape(2, 3)
        b[:, m.array([2, 0])] *= 2
        b[m.array([1]), 1:] -= 1
        b[m.array([0])] /= 4
        return a, b

    check(run)


def test_setitem_value_dtype_and_shape_rules():
    x = Input(np.arange(12).reshape(3, 4), "int32")
    i = np.array([0, 2])
    for v in [1.5, "arr1.5", "f32row", "big", "list"]:
        def run(m, v=v):
            a = x(m)
            val = {
                "arr1.5": m.array(1.5),
                "f32row": m.array([1.5, 2.5, 3.5, 4.5]),
                "big": m.ones((2, 2, 4)),
                "list": [1, 2, 3, 4],
            }.get(v, v)
            a[m.array(i)] = val
            return a

        check(run)


AT_OPS = ("add", "subtract", "multiply", "divide", "maximum", "minimum")
NP_UFUNC = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "maximum": np.maximum,
    "minimum": np.minimum,
}


@given(data=st.data())
def test_at_updates_with_repeated_indices_match_mlx(data):
    op = data.draw(st.sampled_from(AT_OPS))
    dtypes = ("float32", "float64", "int32", "int64", "uint8", "int16", "float16")
    x = data.draw(inputs(dtypes=dtypes, max_dims=3, max_side=4, domain="small", min_dims=1))
    spec = data.draw(index_tuples(x.shape), label="index")
    spec = [item for item in spec if item[0] != "none"]  # see the setitem test
    target = as_numpy(x)[numpy_index(spec)].shape
    vshape = _value_shape(data.draw, target)
    domain = "nonzero" if op == "divide" else "small"
    vals = data.draw(inputs(dtypes=(x.dtype,), shape=vshape, layout="contiguous", domain=domain))
    if op in ("multiply", "divide") and x.dtype in ("float16", "int16", "uint8"):
        return  # products of repeated factors overflow and round differently by order
    if x.values.size == 0 or int(np.prod(target)) == 0:
        # MLX 0.32.4 dies (SIGFPE) scattering into an empty array or with no updates
        try:
            got = getattr(x(SUBJECT).at[build_index(SUBJECT, spec)], op)(vals(SUBJECT))
        except ValueError as e:  # e.g. index dtypes without a common integer type
            assert str(e).startswith("[scatter]")
        else:
            check_numpy(got, as_numpy(x))
        return
    check(lambda m: getattr(x(m).at[build_index(m, spec)], op)(vals(m)))


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "maximum", "minimum"])
def test_at_updates_match_numpy_ufunc_at(op):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 5))
    idx = np.array([0, 3, 3, 5, 0, 0, 2])
    v = rng.standard_normal((7, 5))
    got = getattr(SUBJECT.array(a).at[SUBJECT.array(idx)], op)(SUBJECT.array(v))
    expected = a.copy()
    NP_UFUNC[op].at(expected, idx, v)
    check_numpy(got, expected)
    check(lambda m: getattr(m.array(a).at[m.array(idx)], op)(m.array(v)))


def test_at_with_basic_indices_and_scalars():
    x = Input(np.arange(12).reshape(3, 4), "int32")
    check(lambda m: x(m).at[0].add(5))
    check(lambda m: x(m).at[1:, 0].multiply(0))
    check(lambda m: x(m).at[:, ::2].subtract(1))
    check(lambda m: x(m).at[...].add(1))
    check(lambda m: x(m).at[None].add(1))
    check(lambda m: x(m).at[:].add(m.ones((1, 1, 4))))
    check(lambda m: x(m).at[m.array([0, 2])].divide(2))
    check(lambda m: x(m).astype(m.float32).at[m.array([0, 0])].divide(3))
    check(lambda m: x(m).at[m.array([0, 2])].multiply(m.array(2.5)))
    check(lambda m: m.array(3).at[None].add(1))


def test_large_scatter_add_threads_and_matches_numpy():
    rng = np.random.default_rng(0)
    for cols in (1, 3, 64, 200):
        table = rng.standard_normal((50, cols)).astype(np.float32)
        idx = rng.integers(0, 50, size=3000)
        upd = rng.standard_normal((3000, cols)).astype(np.float32)
        got = SUBJECT.array(table).at[SUBJECT.array(idx)].add(SUBJECT.array(upd))
        expected = table.astype(np.float64)
        np.add.at(expected, idx, upd.astype(np.float64))
        check_numpy(got, expected, 1e-4, 1e-4)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_scatter_every_dtype(dtype):
    vals = np.arange(12).reshape(3, 4) % 5
    x = Input(vals.astype(bool) if dtype == "bool" else vals, dtype)
    u = Input(np.ones((2, 4)).astype(bool) if dtype == "bool" else np.ones((2, 4)) * 3, dtype)

    def assign(m):
        a = x(m)
        a[m.array([2, 0])] = u(m)
        return a

    check(assign)
    check(lambda m: x(m).at[m.array([1, 1])].add(u(m)))
    if dtype != "complex64":
        check(lambda m: x(m).at[m.array([1, 1])].maximum(u(m)))


# ---------------------------------------------------------------------------------------------
# functions
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_take_matches_mlx_and_numpy(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, shape=data.draw(nonempty_shapes(1, 3))), label="x")
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1), label="axis")
    n = x.values.size if axis is None else x.shape[axis]
    dtype = data.draw(st.sampled_from(INDEX_DTYPES))
    ishape = data.draw(st.lists(st.integers(0, 3), max_size=2).map(tuple))
    idx = data.draw(index_values(n, ishape, dtype))
    check(lambda m: m.take(x(m), m.array(idx, dtype=dt(m, dtype)), axis=axis))
    check_numpy(
        SUBJECT.take(x(SUBJECT), SUBJECT.array(idx), axis=axis),
        np.take(as_numpy(x), idx.astype(np.int64), axis=axis),
    )
    i = data.draw(st.integers(0, n - 1))
    check(lambda m: m.take(x(m), i, axis=axis))
    check(lambda m: m.take(x(m), i) if axis is None else m.take(x(m), i, axis))


@given(data=st.data())
def test_take_and_put_along_axis_match_mlx_and_numpy(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, shape=data.draw(nonempty_shapes(1, 3))), label="x")
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    ax = axis % x.ndim
    ishape = tuple(
        data.draw(st.integers(0, 3)) if d == ax else (s if data.draw(st.booleans()) else 1)
        for d, s in enumerate(x.shape)
    )
    idx = data.draw(index_values(x.shape[ax], ishape, "int32"))
    check(lambda m: m.take_along_axis(x(m), m.array(idx), axis=axis))
    check_numpy(
        SUBJECT.take_along_axis(x(SUBJECT), SUBJECT.array(idx), axis=axis),
        np.take_along_axis(as_numpy(x), idx, axis=axis),
    )
    v = data.draw(inputs(dtypes=(x.dtype,), shape=ishape, layout="contiguous"), label="v")
    # Repeated positions: the last write wins in both MLX and here.
    check(lambda m: m.put_along_axis(x(m), m.array(idx), v(m), axis=axis))
    check(lambda m: m.take_along_axis(x(m), m.array(idx.reshape(-1)), axis=None))
    check(lambda m: m.put_along_axis(x(m), m.array(idx.reshape(-1)), v(m).reshape(-1), axis=None))


@given(data=st.data())
def test_dynamic_slice_and_slice_update_match_mlx(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, shape=data.draw(nonempty_shapes(1, 3))), label="x")
    axes = data.draw(st.permutations(range(x.ndim)).map(lambda p: p[: max(1, len(p) - 1)]))
    size = [data.draw(st.integers(0, s)) for s in x.shape]
    start = [data.draw(st.integers(0, x.shape[a] - size[a])) for a in axes]
    sdtype = data.draw(st.sampled_from(INDEX_DTYPES))
    check(lambda m: m.slice(x(m), m.array(start, dtype=dt(m, sdtype)), list(axes), size))
    upd = data.draw(inputs(dtypes=(x.dtype,), shape=tuple(size), layout="contiguous"))
    check(lambda m: m.slice_update(x(m), upd(m), m.array(start, dtype=dt(m, sdtype)), list(axes)))
    # numpy reference for the slice
    sl = [slice(None)] * x.ndim
    for a, s in zip(axes, start):
        sl[a] = slice(s, s + size[a])
    for a in range(x.ndim):
        if a not in axes:
            sl[a] = slice(0, size[a])
    check_numpy(
        SUBJECT.slice(x(SUBJECT), SUBJECT.array(start), list(axes), size), as_numpy(x)[tuple(sl)]
    )


def test_slice_update_broadcasts_missing_leading_dims_as_mlx():
    a = Input(np.arange(24).reshape(2, 3, 4), "int32")
    check(lambda m: m.slice_update(a(m), m.zeros((2, 1), m.int32), m.array([1, 2]), [1, 2]))
    check(lambda m: m.slice_update(a(m), m.zeros((4,), m.float32), m.array([1]), [1]))
    check(lambda m: m.slice_update(a(m), m.array(-1), m.array([1, 1]), [1, 2]))
    check(lambda m: m.slice_update(a(m), m.zeros((1, 2, 2), m.int32) - 1, m.array([1]), [1]))


# ---------------------------------------------------------------------------------------------
# out-of-bounds indices (stricter than MLX, whose CPU kernels read and write outside the
# array): every index is wrapped once (i < 0 -> i + n) and clamped into [0, n - size]
# ---------------------------------------------------------------------------------------------

EXTREMES = {
    "int8": [-128, 127],
    "int16": [-32768, 32767],
    "int32": [-(2**31), 2**31 - 1, -(2**31) + 1],
    "int64": [-(2**63), 2**63 - 1, 2**31, -(2**31) - 5],
    "uint8": [255],
    "uint16": [65535],
    "uint32": [2**32 - 1, 2**31],
    "uint64": [2**64 - 1, 2**63, 2**32],
}


def clamp_np(idx, n, size=1):
    idx = np.asarray(idx)
    if idx.dtype.kind == "u":
        return np.minimum(idx, np.uint64(n - size)).astype(np.int64)
    i = idx.astype(object)
    i = np.where(i < 0, i + n, i)
    return np.clip(i, 0, n - size).astype(np.int64)


@st.composite
def oob_indices(draw, n, size):
    dtype = draw(st.sampled_from(INDEX_DTYPES))
    info = np.iinfo(NP_INDEX[dtype])
    special = st.sampled_from(EXTREMES[dtype] + [0, min(n, int(info.max)), min(n + 3, int(info.max))])
    vals = draw(st.lists(st.integers(int(info.min), int(info.max)) | special, min_size=size, max_size=size))
    return np.array(vals, dtype=NP_INDEX[dtype])


@given(data=st.data())
def test_out_of_bounds_gather_and_scatter_clamp(data):
    n = data.draw(st.integers(1, 6))
    table = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    idx = data.draw(oob_indices(n, data.draw(st.integers(1, 8))), label="idx")
    safe = clamp_np(idx, n)
    a = SUBJECT.array(table)
    i = SUBJECT.array(idx)
    check_numpy(a[i], table[safe], 0, 0)
    check_numpy(a[:, SUBJECT.array(idx) if n == 3 else 0], table[:, clamp_np(idx, 3) if n == 3 else 0])
    check_numpy(SUBJECT.take(a, i, axis=0), table[safe], 0, 0)
    expected = table.copy()
    np.add.at(expected, safe, 1.0)
    check_numpy(a.at[i].add(1.0), expected, 0, 0)
    b = SUBJECT.array(table)
    b[i] = -1.0
    expected = table.copy()
    expected[safe] = -1.0
    check_numpy(b, expected, 0, 0)
    col = idx.reshape(-1, 1)
    check_numpy(
        SUBJECT.take_along_axis(a, SUBJECT.array(col), axis=0)[:, 0],
        table[clamp_np(col, n)[:, 0], 0],
        0,
        0,
    )
    expected = table.copy()
    expected[clamp_np(col, n)[:, 0], 0] = 7.0
    check_numpy(SUBJECT.put_along_axis(a, SUBJECT.array(col), SUBJECT.array(7.0), axis=0)[:, 0], expected[:, 0], 0, 0)


@given(data=st.data())
def test_out_of_bounds_dynamic_slice_clamps(data):
    n = data.draw(st.integers(1, 6))
    size = data.draw(st.integers(0, n))
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    start = data.draw(oob_indices(n, 1), label="start")
    s = int(clamp_np(start, n, size)[0])
    got = SUBJECT.slice(SUBJECT.array(x), SUBJECT.array(start), [0], [size, 2])
    check_numpy(got, x[s : s + size], 0, 0)
    upd = -np.ones((size, 2), dtype=np.float32)
    got = SUBJECT.slice_update(SUBJECT.array(x), SUBJECT.array(upd), SUBJECT.array(start), [0])
    expected = x.copy()
    expected[s : s + size] = -1
    check_numpy(got, expected, 0, 0)


def test_int_indices_known_at_call_time_raise_index_error():
    """Stricter than MLX (undefined there): as NumPy, an out-of-range Python int raises."""
    a = SUBJECT.arange(6).reshape(2, 3)
    for idx in [(2, SUBJECT.array([0])), (SUBJECT.array([0]), -4)]:
        with pytest.raises(IndexError):
            a[idx]
    with pytest.raises(IndexError):
        SUBJECT.take(a, 3, axis=0)
    assert SUBJECT.take(a, -1).item() == 5  # NumPy's wrap (MLX 0.32.4 raises from squeeze)


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------

BAD = [
    ("float_array", lambda m: m.arange(6)[m.array([1.0])]),
    ("float_list", lambda m: m.arange(6)[[0, 1.5]]),
    ("empty_list", lambda m: m.arange(6)[[]]),
    ("bool_array", lambda m: m.arange(6)[m.array([True, False])]),
    ("bool_list", lambda m: m.arange(3)[[True, False, True]]),
    ("numpy_array", lambda m: m.arange(6)[np.array([0, 1])]),
    ("ragged_list", lambda m: m.arange(6)[[0, [1]]]),
    ("too_many", lambda m: m.arange(6).reshape(2, 3)[m.array([0]), 0, 0]),
    ("zero_d", lambda m: m.array(5)[m.array(0)]),
    ("broadcast", lambda m: m.arange(6).reshape(2, 3)[[0, 1], [0, 1, 2]]),
    ("empty_axis_take", lambda m: m.zeros((0, 3))[m.array([0])]),
    ("empty_axis_gather", lambda m: m.zeros((2, 0))[m.array([0]), m.array([0])]),
    ("take_axis", lambda m: m.take(m.arange(6), m.array([1]), axis=2)),
    ("take_float", lambda m: m.take(m.arange(6), m.array([1.0]))),
    ("take_list", lambda m: m.take(m.arange(6), [1])),
    ("take_along_ndim", lambda m: m.take_along_axis(m.arange(6).reshape(2, 3), m.array([0]), 0)),
    ("take_along_bcast", lambda m: m.take_along_axis(m.arange(12).reshape(3, 4), m.array([[0], [1]]), 1)),
    ("put_along_scalar", lambda m: m.put_along_axis(m.arange(6), m.array([1]), 7)),
    ("slice_float", lambda m: m.slice(m.arange(6), m.array([1.0]), [0], [2])),
    ("slice_size", lambda m: m.slice(m.arange(6).reshape(2, 3), m.array([1]), [0], [2])),
    ("slice_too_big", lambda m: m.slice(m.arange(6).reshape(2, 3), m.array([1]), [0], [1, 5])),
    ("slice_count", lambda m: m.slice(m.arange(6).reshape(2, 3), m.array([1]), [0, 1], [1, 1])),
    ("slice_repeat", lambda m: m.slice(m.arange(6).reshape(2, 3), m.array([0, 0]), [0, 0], [1, 1])),
    ("slice_axis", lambda m: m.slice(m.arange(6).reshape(2, 3), m.array([0]), [2], [1, 1])),
    ("slice_list", lambda m: m.slice(m.arange(6), [1], [0], [2])),
    ("slice_update_int", lambda m: m.slice_update(m.arange(6), 5, m.array([1]), [0])),
    ("at_float_index", lambda m: m.arange(6).at[m.array([0.5])].add(1)),
    ("at_list_value", lambda m: m.arange(6).reshape(2, 3).at[m.array([0])].add([1, 2, 3])),
    ("at_bad_shape", lambda m: m.arange(12).reshape(3, 4).at[m.array([0, 2])].add(m.ones((3, 4)))),
    ("at_too_many", lambda m: m.arange(6).reshape(2, 3).at[0, 0, 0].add(1)),
    ("setitem_bad_shape", lambda m: m.arange(12).reshape(3, 4).__setitem__(m.array([0, 2]), m.ones((2, 2, 4)))),
    ("setitem_float_index", lambda m: m.arange(6).__setitem__(m.array([0.5]), 1)),
    ("array_at_ctor", lambda m: m.ArrayAt(m.arange(3))),
]


@pytest.mark.parametrize("name,fn", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_like_mlx(name, fn):
    check_raises(fn)


# ---------------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------------

IDX = np.array([0, 3, 3, 1, -1])
UNIQUE = np.array([[2], [0], [1]])


def grad_cases(m):
    i = m.array(IDX)

    uniq = m.array([3, 0, -1])

    def assign(x, u):
        y = x * 1.0
        y[uniq] = u
        return y

    def assign_slice(x, u):  # MLX 0.32.4's own vjp fails here (a reshape error)
        y = x * 1.0
        y[uniq, 1:] = u[:, 1:]
        return y

    return {
        "getitem": (lambda x, u: x[i] * u, [(5, 3), (5, 3)]),
        "getitem_mixed": (lambda x, u: x[1:, m.array([[2], [0]])] * u, [(5, 3), (4, 2, 1)]),
        "take": (lambda x, u: m.take(x, i, axis=1) * u, [(3, 5), (3, 5)]),
        "at_add": (lambda x, u: x.at[i].add(u), [(5, 3), (5, 3)]),
        "at_subtract": (lambda x, u: x.at[i, 0].subtract(u), [(5, 3), (5,)]),
        "at_maximum": (lambda x, u: x.at[i].maximum(u), [(5, 3), (5, 3)]),
        "at_minimum": (lambda x, u: x.at[i].minimum(u), [(5, 3), (5, 3)]),
        "setitem": (assign, [(5, 3), (3, 3)]),
        "setitem_slice": (assign_slice, [(5, 3), (3, 3)]),
        "take_along": (lambda x, u: m.take_along_axis(x, m.array(UNIQUE), 0) * u, [(3, 2), (3, 2)]),
        "put_along": (lambda x, u: m.put_along_axis(x, m.array(UNIQUE), u, 0), [(3, 2), (3, 1)]),
        "slice": (lambda x, u: m.slice(x, m.array([1]), [0], [2, 3]) * u, [(4, 3), (2, 3)]),
        "slice_update": (lambda x, u: m.slice_update(x, u, m.array([1]), [1]), [(3, 4), (3, 2)]),
    }


def _weights(shape, lib, dtype="float32"):
    n = int(np.prod(shape))
    return lib.array(np.linspace(0.5, 1.5, n).reshape(shape), dtype=dt(lib, dtype))


def _values(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape)


@pytest.mark.parametrize("name", list(grad_cases(SUBJECT)))
def test_grad_matches_finite_differences_float64(name):
    f, shapes = grad_cases(SUBJECT)[name]
    xs = [_values(s, k) for k, s in enumerate(shapes)]

    def loss(*args):
        out = f(*args)
        return (out * _weights(out.shape, SUBJECT, "float64")).sum()

    f64 = lambda v: SUBJECT.array(v, dtype=SUBJECT.float64)  # noqa: E731
    grads = SUBJECT.grad(loss, argnums=(0, 1))(*[f64(x) for x in xs])
    eps = 1e-6
    for k, x in enumerate(xs):
        expected = np.zeros_like(x)
        for j in range(x.size):
            plus, minus = [v.copy() for v in xs], [v.copy() for v in xs]
            plus[k].flat[j] += eps
            minus[k].flat[j] -= eps
            fp = loss(*[f64(v) for v in plus]).item()
            fm = loss(*[f64(v) for v in minus]).item()
            expected.flat[j] = (fp - fm) / (2 * eps)
        np.testing.assert_allclose(to_numpy(SUBJECT, grads[k]), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in grad_cases(SUBJECT) if n != "setitem_slice"])
def test_vjp_matches_mlx(name):
    def run(m):
        f, shapes = grad_cases(m)[name]
        xs = [m.array(_values(s, k).astype(np.float32)) for k, s in enumerate(shapes)]
        out = f(*xs)
        _, vjps = m.vjp(f, xs, [_weights(out.shape, m)])
        return vjps

    check(run)


def test_jvp_of_gather_and_linear_scatter():
    def run(m):
        x, u = m.arange(5.0), m.array([1.0, 2.0, 3.0])
        i = m.array([0, 0, 4])
        return (
            m.jvp(lambda x: x[i], [x], [m.ones(5)]),
            m.jvp(lambda x: m.take_along_axis(x, i, 0), [x], [m.ones(5) * 2]),
        )

    check(run)
    # Beyond MLX (which raises "[scatter] JVP not yet implemented"): linear scatters.
    x = SUBJECT.arange(5.0)
    _, t = SUBJECT.jvp(
        lambda x, u: x.at[SUBJECT.array([0, 0, 4])].add(u),
        [x, SUBJECT.array([1.0, 2.0, 3.0])],
        [SUBJECT.ones(5), SUBJECT.array([10.0, 20.0, 30.0])],
    )
    check_numpy(t[0], np.array([31.0, 1, 1, 1, 31]))
    with pytest.raises(RuntimeError, match=r"^\[scatter\]"):
        SUBJECT.jvp(lambda x: x.at[SUBJECT.array([0])].multiply(2.0), [x], [x])


def test_grad_errors_like_mlx():
    check_raises(
        lambda m: m.grad(lambda x, u: (x.at[m.array([0, 0])].multiply(u)).sum(), argnums=(0, 1))(
            m.ones(3), m.ones(2)
        )
    )
    check_raises(lambda m: m.vjp(lambda x, j: x[j], [m.ones(3), m.array([0, 1])], [m.ones(2)]))


def test_grad_of_in_place_updates_inside_a_function():
    def run(m):
        def f(x):
            y = x * 2
            y[m.array([0, 2])] += x[m.array([1, 1])] ** 2
            y[1:, m.array([0])] = 0.0
            return y.sum()

        return m.grad(f)(m.arange(12.0).reshape(3, 4) / 5)

    check(run)


# ---------------------------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------------------------


def _loop(fun, args, in_axes):
    b = next(a.shape[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = []
    for k in range(b):
        sl = [a if ax is None else SUBJECT.take(a, k, axis=ax) for a, ax in zip(args, in_axes)]
        outs.append(fun(*sl))
    return SUBJECT.stack(outs)


VMAP_CASES = [
    ("gather_src", lambda x, i: x[SUBJECT.array([2, 0, 2])], (0, None)),
    ("gather_idx", lambda x, i: x[i], (None, 0)),
    ("gather_both", lambda x, i: x[:, i], (1, 0)),
    ("take", lambda x, i: SUBJECT.take(x, i, axis=0), (0, 0)),
    ("at_add_src", lambda x, i: x.at[SUBJECT.array([1, 1])].add(1.0), (0, None)),
    ("at_add_idx", lambda x, i: x.at[i].add(2.0), (None, 0)),
    ("at_max_both", lambda x, i: x.at[i].maximum(3.0), (0, 0)),
    ("setitem", lambda x, i: _assign(x, i), (0, 0)),
    ("take_along", lambda x, i: SUBJECT.take_along_axis(x, i.reshape(-1, 1) % 3, 0), (0, 0)),
    ("put_along", lambda x, i: SUBJECT.put_along_axis(x, i.reshape(-1, 1) % 3, SUBJECT.array(9.0), 0), (1, 0)),
    ("slice_src", lambda x, i: SUBJECT.slice(x, SUBJECT.array([1]), [0], [2, 4]), (0, None)),
    ("slice_start", lambda x, i: SUBJECT.slice(x, i[:1], [0], [2, 4]), (None, 0)),
    ("slice_update_start", lambda x, i: SUBJECT.slice_update(x, SUBJECT.array([5.0]), i[:1], [1]), (0, 0)),
]


def _assign(x, i):
    y = x * 1.0
    y[i] = -1.0
    return y


@pytest.mark.parametrize("name,fun,in_axes", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_a_loop(name, fun, in_axes):
    x = SUBJECT.array(np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) % 7)
    x = x if in_axes[0] != 1 else SUBJECT.transpose(x, (1, 0, 2))
    i = SUBJECT.array([[0, 2], [1, 1]])
    if in_axes[0] == 1:
        x = SUBJECT.array(np.arange(3 * 2 * 4, dtype=np.float32).reshape(3, 2, 4))
    args = [x if in_axes[0] is not None else x[0], i if in_axes[1] is not None else i[0]]
    got = SUBJECT.vmap(fun, in_axes=in_axes)(*args)
    expected = _loop(fun, args, in_axes)
    check_numpy(got, to_numpy(SUBJECT, expected), 0, 0)


def test_vmap_matches_mlx():
    def run(m):
        X = m.arange(12.0).reshape(3, 4)
        i = m.array([0, 0, 2])
        return (
            m.vmap(lambda x: x[i])(X),
            m.vmap(lambda j: X[j])(m.array([0, 2, 1])),
            m.vmap(lambda x, j: x[j])(X, m.array([0, 2, 1])),
            m.vmap(lambda x, u: x.at[i].add(u))(X, m.ones((3, 3))),
            m.vmap(lambda x, j: x.at[j].add(1.0))(X, m.array([0, 3, 3])),
            m.vmap(lambda x, j: m.take_along_axis(x, j, 0))(X, m.array([[0], [3], [3]])),
            m.vmap(lambda x, j: m.put_along_axis(x, j, m.array(9.0), 0))(X, m.array([[0], [3], [3]])),
            m.vmap(m.grad(lambda x: (x[i] ** 2).sum()))(X),
        )

    check(run)


def test_at_and_array_at_type():
    a = SUBJECT.arange(3)
    assert type(a.at) is SUBJECT.ArrayAt
    assert type(a.at[0]) is SUBJECT.ArrayAt
    assert sorted(n for n in dir(SUBJECT.ArrayAt) if not n.startswith("_")) == sorted(
        n for n in dir(ORACLE.ArrayAt) if not n.startswith("_")
    )


def test_broadcast_and_sliced_sources():
    def run(m):
        b = m.broadcast_to(m.array([[1.0], [2.0], [3.0]]), (3, 4))
        s = m.arange(40.0).reshape(5, 8)[1:4, ::-2]
        c = m.array(s)
        c[m.array([0, 0]), m.array([1, 3])] = -1.0
        return (
            b[m.array([2, 0]), m.array([[1], [3]])],
            b.at[m.array([1, 1])].add(1.0),
            s[m.array([2, 0])],
            s.T[m.array([1]), 1:],
            s.at[:, m.array([0, 0])].add(m.array([[1.0], [2.0], [3.0]])),
            c,
        )

    check(run)
