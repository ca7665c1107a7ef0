"""Shape and layout ops: reshape, flatten, unflatten, squeeze, expand_dims, transpose,
permute_dims, swapaxes, moveaxis, matrix_transpose, broadcast_*, concatenate/concat, stack,
split, unstack, pad, tile, repeat, flip, roll, atleast_*d, as_strided, contiguous, diagonal,
diag, trace, stop_gradient; array-method forms; vs MLX and NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    SUBJECT,
    Input,
    axes,
    broadcastable_shapes,
    check,
    check_numpy,
    check_raises,
    inputs,
    shapes,
)

# Shape ops move values without arithmetic, so every dtype must come through exactly.
any_input = inputs(dtypes=ALL_DTYPES, domain="any", max_side=4)


@st.composite
def reshape_target(draw, shape):
    """A shape with the same size as `shape`, sometimes with one -1."""
    size = int(np.prod(shape)) if shape else 1
    if size == 0:
        dims = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
        return tuple(dims) if 0 in dims else tuple(dims) + (0,)
    factors, n, p = [], size, 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    ndim = draw(st.integers(0 if size == 1 else 1, 4))
    dims = [1] * max(ndim, 1 if factors else 0)
    for f in factors:
        dims[draw(st.integers(0, len(dims) - 1))] *= f
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@given(data=st.data())
def test_reshape_to_any_compatible_shape(data):
    x = data.draw(any_input, label="x")
    target = data.draw(reshape_target(x.shape), label="target")
    r = check(lambda m: m.reshape(x(m), target))
    check(lambda m: x(m).reshape(target))
    if target:  # MLX 0.32.4 segfaults on a.reshape() with no arguments
        check(lambda m: x(m).reshape(*target))
    if r is not None and -1 not in target:
        check_numpy(
            SUBJECT.reshape(x(SUBJECT), target),
            x.values.reshape(target).astype(np.float64)
            if x.dtype == "bfloat16"
            else x.values.reshape(target),
        )


@pytest.mark.parametrize("target", [(3, -1), (-1,), [6], (1, 6, 1), (-1, 1, 2)])
def test_reshape_shape_forms(target):
    x = Input(np.arange(6).reshape(2, 3), "int32", "transposed")
    check(lambda m: m.reshape(x(m), target))
    check(lambda m: m.reshape(x(m), shape=target))


def test_reshape_of_empty_arrays():
    check(lambda m: m.reshape(m.zeros((0, 3)), (3, 0, 5)))
    check(lambda m: m.reshape(m.zeros((0, 3)), (0,)))
    check_raises(lambda m: m.reshape(m.zeros((0, 3)), (-1, 0)), ValueError, "[reshape]")


@given(data=st.data())
def test_flatten_between_axes(data):
    x = data.draw(any_input, label="x")
    nd = max(x.ndim, 1)
    start = data.draw(st.integers(-nd, nd - 1), label="start")
    end = data.draw(st.integers(-nd, nd - 1), label="end")
    check(lambda m: m.flatten(x(m), start, end))
    check(lambda m: m.flatten(x(m), start_axis=start, end_axis=end))
    check(lambda m: x(m).flatten(start, end))
    check(lambda m: m.flatten(x(m)))
    check(lambda m: x(m).flatten())


def test_flatten_end_axis_past_last_is_accepted():
    check(lambda m: m.flatten(m.zeros((2, 3)), 0, 5))  # MLX 0.32.4 does not range-check end_axis
    check(lambda m: m.flatten(m.array(1), 0, 0))


@given(data=st.data())
def test_unflatten_axis_into_shape(data):
    x = data.draw(inputs(dtypes=("int16", "float32"), min_dims=1, min_side=1), label="x")
    ax = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    n = x.shape[ax]
    split = [d for d in range(1, n + 1) if n % d == 0]
    first = data.draw(st.sampled_from(split), label="first")
    target = data.draw(
        st.sampled_from([(first, n // first), (-1, n // first), (first, -1), (n,), (1, n, 1)])
    )
    check(lambda m: m.unflatten(x(m), ax, target))
    check(lambda m: m.unflatten(x(m), axis=ax, shape=target))


@given(x=inputs(dtypes=ALL_DTYPES, max_side=2))
def test_squeeze_all_and_selected_unit_axes(x):
    check(lambda m: m.squeeze(x(m)))
    check(lambda m: x(m).squeeze())
    unit = [i for i, s in enumerate(x.shape) if s == 1]
    if unit:
        check(lambda m: m.squeeze(x(m), unit[0]))
        check(lambda m: m.squeeze(x(m), axis=tuple(u - x.ndim for u in unit)))
        check(lambda m: x(m).squeeze(unit))
    non_unit = [i for i, s in enumerate(x.shape) if s != 1]
    if non_unit:
        check_raises(lambda m: m.squeeze(x(m), non_unit[0]), ValueError, "[squeeze]")


@given(data=st.data())
def test_expand_dims_int_and_tuple(data):
    x = data.draw(any_input, label="x")
    nd = x.ndim + 1
    one = data.draw(st.integers(-nd, nd - 1), label="axis")
    check(lambda m: m.expand_dims(x(m), one))
    k = data.draw(st.integers(1, 3), label="count")
    out_nd = x.ndim + k
    picked = data.draw(
        st.lists(st.integers(0, out_nd - 1), min_size=k, max_size=k, unique=True), label="axes"
    )
    picked = tuple(p - out_nd if i % 2 else p for i, p in enumerate(picked))
    check(lambda m: m.expand_dims(x(m), picked))
    check(lambda m: m.expand_dims(x(m), axis=list(picked)))


@given(data=st.data())
def test_transpose_and_permute_dims_with_permutations(data):
    x = data.draw(any_input, label="x")
    perm = data.draw(st.permutations(range(x.ndim)), label="perm")
    perm = [p - x.ndim if i % 2 else p for i, p in enumerate(perm)]
    check(lambda m: m.transpose(x(m), perm))
    check(lambda m: m.transpose(x(m), axes=perm))
    check(lambda m: m.permute_dims(x(m), perm))
    check(lambda m: m.transpose(x(m)))
    check(lambda m: x(m).transpose(*perm) if perm else x(m).transpose())
    check(lambda m: x(m).transpose(perm))
    check(lambda m: x(m).T)
    check_numpy(SUBJECT.transpose(make_float(x)), np.transpose(x.values.astype(np.float64)))


def make_float(x):
    return x(SUBJECT).astype(SUBJECT.float64)


@given(data=st.data())
def test_swapaxes_moveaxis(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, min_dims=1), label="x")
    a1 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="a1")
    a2 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="a2")
    check(lambda m: m.swapaxes(x(m), a1, a2))
    check(lambda m: m.swapaxes(x(m), axis1=a1, axis2=a2))
    check(lambda m: x(m).swapaxes(a1, a2))
    check(lambda m: m.moveaxis(x(m), a1, a2))
    check(lambda m: m.moveaxis(x(m), source=a1, destination=a2))
    check(lambda m: x(m).moveaxis(a1, a2))
    check_numpy(
        SUBJECT.moveaxis(make_float(x), a1, a2), np.moveaxis(x.values.astype(np.float64), a1, a2)
    )


@given(x=inputs(dtypes=ALL_DTYPES, min_dims=2))
def test_matrix_transpose_and_mT(x):
    check(lambda m: m.matrix_transpose(x(m)))
    check(lambda m: x(m).mT)
    check_raises(lambda m: m.matrix_transpose(m.zeros((3,))), ValueError, "[matrix_transpose]")


@given(data=st.data())
def test_broadcast_to_and_broadcast_arrays(data):
    sa, sb = data.draw(broadcastable_shapes(2, max_dims=3), label="shapes")
    target = np.broadcast_shapes(sa, sb)
    a = data.draw(inputs(dtypes=ALL_DTYPES, shape=sa), label="a")
    b = data.draw(inputs(dtypes=ALL_DTYPES, shape=sb), label="b")
    check(lambda m: m.broadcast_to(a(m), target))
    check(lambda m: m.broadcast_to(a(m), shape=list(target)))
    check(lambda m: m.broadcast_arrays(a(m), b(m)))
    check(lambda m: m.broadcast_shapes(sa, sb))
    check(lambda m: m.broadcast_shapes(sa, list(sb), target))


def test_broadcast_to_scalar_and_errors():
    check(lambda m: m.broadcast_to(1.5, (2,)))
    check(lambda m: m.broadcast_to(m.array(3), ()))
    check_raises(
        lambda m: m.broadcast_to(m.zeros((2, 3)), (3, 3)), ValueError, "[broadcast_shapes]"
    )
    check_raises(lambda m: m.broadcast_shapes(), ValueError, "[broadcast_shapes]")
    check_raises(lambda m: m.broadcast_shapes((2,), (3,)), ValueError, "[broadcast_shapes]")
    check(lambda m: m.broadcast_arrays())
    check(lambda m: m.broadcast_arrays(m.array([1, 2])))


def test_broadcast_of_one_element_keeps_value_semantics():
    """A one-element constant broadcast to a one-element shape is a view (no node):
    writes to either side afterwards must not show through, as with MLX's node."""

    def scenario(m):
        a = m.array(3.0)
        m.eval(a)
        b = m.broadcast_to(a, (1,))
        m.eval(b)
        b[...] = 7
        a2 = m.array([4.0])
        c = m.broadcast_to(a2, (1, 1))
        m.eval(c)
        a2[0] = 9
        d = m.array(2.0)
        e = m.broadcast_to(d, (1,))
        d += 1
        f = m.array(5, dtype=m.int16) + 1  # the scalar `1` is broadcast this way
        return a, b, a2, c, d, e, f

    check(scenario)


@st.composite
def concat_case(draw):
    base = list(draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    ax = draw(st.integers(-len(base), len(base) - 1))
    n = draw(st.integers(1, 4))
    arrays = []
    for _ in range(n):
        s = list(base)
        s[ax] = draw(st.integers(0, 3))
        arrays.append(draw(inputs(dtypes=ALL_DTYPES, shape=tuple(s))))
    return arrays, ax


@given(case=concat_case())
def test_concatenate_promotes_dtypes_along_axis(case):
    arrays, ax = case
    check(lambda m: m.concatenate([a(m) for a in arrays], axis=ax))
    check(lambda m: m.concat(tuple(a(m) for a in arrays), ax))
    check(lambda m: m.concatenate([a(m) for a in arrays], axis=None))


@given(data=st.data())
def test_stack_along_new_axis(data):
    shape = data.draw(shapes(max_dims=3), label="shape")
    n = data.draw(st.integers(1, 4), label="n")
    arrays = [data.draw(inputs(dtypes=ALL_DTYPES, shape=shape), label=f"a{i}") for i in range(n)]
    ax = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    check(lambda m: m.stack([a(m) for a in arrays], axis=ax))
    check(lambda m: m.stack([a(m) for a in arrays]))
    check_numpy(
        SUBJECT.stack([a(SUBJECT).astype(SUBJECT.float64) for a in arrays], axis=ax),
        np.stack([a.values.astype(np.float64) for a in arrays], axis=ax),
    )


def test_concatenate_and_stack_errors():
    a = Input(np.arange(6).reshape(2, 3), "int32")
    check_raises(lambda m: m.concatenate([]), ValueError, "[concatenate]")
    check_raises(lambda m: m.concatenate([a(m), m.zeros(3)]), ValueError, "[concatenate]")
    check_raises(
        lambda m: m.concatenate([a(m), m.zeros((2, 2))], axis=0), ValueError, "[concatenate]"
    )
    check_raises(lambda m: m.concatenate([a(m), a(m)], axis=2))
    check_raises(lambda m: m.stack([]), ValueError, "[stack]")
    check_raises(lambda m: m.stack([a(m), m.zeros((3, 2))]), ValueError, "[stack]")
    check_raises(lambda m: m.stack([a(m), a(m)], axis=3))


@given(data=st.data())
def test_split_into_equal_sections_and_at_indices(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, min_dims=1, max_side=6), label="x")
    ax = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    n = x.shape[ax]
    sections = data.draw(
        st.sampled_from([d for d in range(1, max(n, 1) + 1) if n % d == 0]), label="sections"
    )
    check(lambda m: m.split(x(m), sections, axis=ax))
    check(lambda m: x(m).split(sections, ax))
    idx = data.draw(st.lists(st.integers(0, n + 1), max_size=3), label="indices")
    check(lambda m: m.split(x(m), idx, axis=ax))
    check(lambda m: m.split(x(m), tuple(sorted(idx)), ax))
    check_raises(lambda m: m.split(x(m), 0, axis=ax), ValueError, "[split]")


def test_split_uneven_sections_raise():
    check_raises(lambda m: m.split(m.zeros((2, 3)), 4, axis=1), ValueError)
    check(lambda m: m.split(m.zeros((2, 3)), [2, 1], axis=1))
    check(lambda m: m.split(m.zeros((2, 3)), [], axis=1))
    check(lambda m: m.split(m.arange(10), 5))


@given(x=inputs(dtypes=ALL_DTYPES, min_dims=1))
def test_unstack_returns_tuple_of_slices(x):
    for ax in range(-x.ndim, x.ndim):
        check(lambda m: m.unstack(x(m), axis=ax))
    check(lambda m: m.unstack(x(m)))


def test_unstack_of_scalar_raises():
    check_raises(lambda m: m.unstack(m.array(1)), IndexError, "[unstack]")


@st.composite
def pad_widths(draw, ndim):
    form = draw(st.sampled_from(["int", "single", "pair", "per_axis", "list_pair"]))
    w = st.integers(0, 3)
    if form == "int":
        return draw(w)
    if form == "single":
        return (draw(w),)
    if form == "pair":
        return (draw(w), draw(w))
    if form == "list_pair":
        return [draw(w), draw(w)]
    return [(draw(w), draw(w)) for _ in range(ndim)]


@given(data=st.data())
def test_pad_constant_and_edge(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, min_dims=1, max_dims=3), label="x")
    widths = data.draw(pad_widths(x.ndim), label="pad_width")
    check(lambda m: m.pad(x(m), widths))
    check(lambda m: m.pad(x(m), widths, mode="constant", constant_values=1))
    check(lambda m: m.pad(x(m), pad_width=widths, constant_values=2.5))
    check(lambda m: m.pad(x(m), widths, "edge"))
    if x.dtype in ("float32", "int32", "int64", "float64", "bool"):
        pw = (
            widths
            if isinstance(widths, list) and widths and isinstance(widths[0], tuple)
            else widths
        )
        got = SUBJECT.pad(x(SUBJECT), widths)
        np_w = pw if not isinstance(pw, list) or isinstance(pw[0], tuple) else tuple(pw)
        check_numpy(got, np.pad(x.values, np_w))


@given(data=st.data())
def test_pad_reflect_and_symmetric(data):
    x = data.draw(
        inputs(dtypes=("int32", "float32"), min_dims=1, max_dims=3, min_side=2), label="x"
    )
    widths = data.draw(pad_widths(x.ndim), label="pad_width")
    check(lambda m: m.pad(x(m), widths, mode="reflect"))
    check(lambda m: m.pad(x(m), widths, mode="symmetric"))


def test_pad_constant_values_array_and_dtype_cast():
    x = Input(np.arange(6).reshape(2, 3), "int32")
    check(lambda m: m.pad(x(m), ((1, 2), (0, 1)), constant_values=2.5))
    check(lambda m: m.pad(x(m), 1, constant_values=m.array(7)))
    check(lambda m: m.pad(x(m).astype(m.float16), 1, constant_values=m.array(7.5)))
    check(lambda m: m.pad(m.zeros((0, 3)), 1, mode="edge"))


def test_pad_errors():
    x = Input(np.arange(6).reshape(2, 3), "int32")
    check_raises(lambda m: m.pad(x(m), -1), ValueError)
    check_raises(lambda m: m.pad(x(m), [(1, 2), (0, 1), (1, 1)]), ValueError)
    check_raises(lambda m: m.pad(x(m), 1, mode="wrap"), ValueError)


@given(data=st.data())
def test_tile_with_int_and_sequence_reps(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, max_dims=3, max_side=3), label="x")
    reps = data.draw(
        st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4).map(tuple)),
        label="reps",
    )
    check(lambda m: m.tile(x(m), reps))
    if x.dtype in ("int32", "float32", "bool"):
        check_numpy(SUBJECT.tile(x(SUBJECT), reps), np.tile(x.values, reps))


@given(data=st.data())
def test_repeat_flat_and_along_axis(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, max_dims=3, max_side=3), label="x")
    n = data.draw(st.integers(0, 3), label="repeats")
    check(lambda m: m.repeat(x(m), n))
    check(lambda m: m.repeat(x(m), repeats=n, axis=None))
    if x.ndim:
        ax = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
        check(lambda m: m.repeat(x(m), n, axis=ax))
        check(lambda m: m.repeat(x(m), n, ax))
        if x.dtype in ("int32", "float32"):
            check_numpy(SUBJECT.repeat(x(SUBJECT), n, axis=ax), np.repeat(x.values, n, axis=ax))


def test_repeat_errors():
    check_raises(lambda m: m.repeat(m.zeros((2, 3)), -1), ValueError, "[repeat]")
    check_raises(lambda m: m.repeat(m.zeros((2, 3)), [1, 2], axis=0), TypeError)


@given(data=st.data())
def test_flip_over_axes(data):
    x = data.draw(any_input, label="x")
    ax = data.draw(axes(x.ndim, allow_empty=True), label="axis")
    check(lambda m: m.flip(x(m), ax))
    check(lambda m: m.flip(x(m), axis=ax))
    if x.dtype in ("int32", "float32", "bool"):
        check_numpy(SUBJECT.flip(x(SUBJECT), ax), np.flip(x.values, ax))


@given(data=st.data())
def test_roll_with_int_and_tuple_shifts(data):
    x = data.draw(any_input, label="x")
    shift = data.draw(
        st.one_of(
            st.integers(-7, 7), st.lists(st.integers(-7, 7), min_size=1, max_size=3).map(tuple)
        ),
        label="shift",
    )
    ax = data.draw(axes(x.ndim, allow_empty=False), label="axis")
    check(lambda m: m.roll(x(m), shift))
    check(lambda m: m.roll(x(m), shift, ax))
    if x.dtype in ("int32", "float32") and isinstance(shift, int):
        check_numpy(SUBJECT.roll(x(SUBJECT), shift, ax), np.roll(x.values, shift, ax))


def test_roll_tuple_shift_semantics():
    a = Input(np.arange(6).reshape(2, 3), "int32")
    check(lambda m: m.roll(a(m), (1, 2)))  # no axis: flattened by the sum of shifts
    check(lambda m: m.roll(a(m), (1, 2), (0, 1)))
    check(lambda m: m.roll(a(m), 1, (0, 1)))
    check(lambda m: m.roll(a(m), (1, 2), 0))
    check(lambda m: m.roll(m.zeros((0, 3)), 2, 0))


@pytest.mark.parametrize("fn", ["atleast_1d", "atleast_2d", "atleast_3d"])
@given(x=inputs(dtypes=ALL_DTYPES, max_dims=4, max_side=2))
def test_atleast_nd_single_and_many(fn, x):
    check(lambda m: getattr(m, fn)(x(m)))
    check(lambda m: getattr(m, fn)(x(m), m.array(1), m.zeros((2, 3))))


@pytest.mark.parametrize("fn", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_nd_without_arguments_and_with_scalars(fn):
    check(lambda m: getattr(m, fn)())
    check(lambda m: getattr(m, fn)(1.5))


def test_as_strided_views():
    a = Input(np.arange(12).reshape(3, 4), "int32")
    check(lambda m: m.as_strided(a(m), (2, 2), (1, 1)))
    check(lambda m: m.as_strided(a(m), (3,), (2,), 1))
    check(lambda m: m.as_strided(a(m), shape=(3, 3), strides=(4, 1), offset=1))
    check(lambda m: m.as_strided(a(m)))
    check(lambda m: m.as_strided(a(m), (4, 3), (1, 4)))
    t = Input(np.arange(12).reshape(3, 4), "int32", "transposed")  # strides index the flat data
    check(lambda m: m.as_strided(t(m), (2, 2), (1, 2)))


@given(x=inputs(dtypes=ALL_DTYPES))
def test_contiguous_keeps_values(x):
    check(lambda m: m.contiguous(x(m)))
    check(lambda m: m.contiguous(x(m), allow_col_major=True))
    check(lambda m: m.stop_gradient(x(m)))


@given(data=st.data())
def test_diagonal_with_offset_and_axes(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, min_dims=2, max_dims=4), label="x")
    a1, a2 = data.draw(
        st.lists(st.integers(0, x.ndim - 1), min_size=2, max_size=2, unique=True), label="axes"
    )
    a2 = a2 - x.ndim if data.draw(st.booleans()) else a2
    off = data.draw(st.integers(-4, 4), label="offset")
    check(lambda m: m.diagonal(x(m), off, a1, a2))
    check(lambda m: m.diagonal(x(m), offset=off, axis1=a1, axis2=a2))
    check(lambda m: x(m).diagonal(off, a1, a2))
    check(lambda m: m.diagonal(x(m)))
    if x.dtype in ("int32", "float32"):
        check_numpy(SUBJECT.diagonal(x(SUBJECT), off, a1, a2), np.diagonal(x.values, off, a1, a2))


@given(data=st.data())
def test_diag_builds_or_extracts(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, min_dims=1, max_dims=2), label="x")
    k = data.draw(st.integers(-4, 4), label="k")
    check(lambda m: m.diag(x(m), k))
    check(lambda m: m.diag(x(m), k=k))
    check(lambda m: x(m).diag(k))
    if x.dtype in ("int32", "float32"):
        check_numpy(SUBJECT.diag(x(SUBJECT), k), np.diag(x.values, k))


def test_diag_and_diagonal_errors():
    check_raises(lambda m: m.diag(m.zeros((2, 2, 2))), ValueError, "[diag]")
    check_raises(lambda m: m.diag(m.array(1)), ValueError, "[diag]")
    check_raises(lambda m: m.diagonal(m.zeros((2, 3)), 0, 0, 0), ValueError, "[diagonal]")
    check_raises(lambda m: m.diagonal(m.zeros(3)), ValueError, "[diagonal]")


@given(data=st.data())
def test_trace_with_offset_axes_and_dtype(data):
    x = data.draw(inputs(dtypes=ALL_DTYPES, domain="small", min_dims=2, max_dims=3), label="x")
    # MLX 0.32.4 hangs summing an empty diagonal of a batched (3-D) input, so 3-D inputs get
    # no zero-size dimensions and offset 0 (see test_reduce's empty-view test).
    if x.ndim == 3 and 0 in x.shape:
        x = Input(np.ones([max(s, 1) for s in x.shape], np.float32), x.dtype, x.layout)
    off = data.draw(st.integers(-3, 3) if x.ndim == 2 else st.just(0), label="offset")
    check(lambda m: m.trace(x(m)), 1e-5, 1e-5)
    check(lambda m: m.trace(x(m), off), 1e-5, 1e-5)
    check(lambda m: m.trace(x(m), offset=off, axis1=-1, axis2=0), 1e-5, 1e-5)
    check(lambda m: m.trace(x(m), off, 0, 1, m.float32), 1e-5, 1e-5)
    check(lambda m: m.trace(x(m), dtype=m.int16), 1e-5, 1e-5)


def test_trace_errors_and_result_dtypes():
    check_raises(lambda m: m.trace(m.zeros(3)), ValueError, "[trace]")
    for dtype in ("int8", "bool", "uint8", "float16", "int64"):
        check(
            lambda m: m.trace(
                m.ones((3, 3), dtype=getattr(m, "bool_" if dtype == "bool" else dtype))
            )
        )


def test_shape_ops_on_large_noncontiguous_input():
    x = Input(np.arange(3 * 50 * 7, dtype=np.float32).reshape(3, 50, 7), "float32", "strided")
    check(lambda m: m.reshape(x(m), (-1,)))
    check(lambda m: m.flip(x(m), 1))
    check(lambda m: m.roll(x(m), 5, 1))
    check(lambda m: m.concatenate([x(m), x(m)], axis=2))
    check(lambda m: m.pad(x(m), 1, mode="edge"))
    check(lambda m: m.repeat(x(m), 2, axis=0))
    check(lambda m: m.tile(x(m), (1, 2, 1)))
