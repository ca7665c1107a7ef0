"""einsum and einsum_path: values and dtypes vs MLX and NumPy over drawn subscripts
(repeated indices, ellipses, broadcasting, implicit output), the exact path and summary
text, gradients vs finite differences and MLX, vmap vs a loop, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ORACLE, SUBJECT, Input, array_values, check, check_numpy, check_raises

LETTERS = "abcdef"
TOL = {"float32": (2e-4, 2e-4), "float64": (1e-10, 1e-10), "float16": (2e-2, 2e-2),
       "bfloat16": (6e-2, 6e-2), "complex64": (2e-4, 2e-4)}


@st.composite
def einsum_problems(draw, max_operands=4, repeats=True, ellipsis=True):
    """(subscripts, shapes): letters get sizes, operands pick letters (a repeated letter
    takes a diagonal), some dims become 1 to broadcast, an optional ellipsis."""
    sizes = {c: draw(st.integers(1, 4)) for c in LETTERS}
    n = draw(st.integers(1, max_operands))
    use_ellipsis = ellipsis and draw(st.booleans())
    ell_shape = draw(st.lists(st.integers(1, 3), max_size=2)) if use_ellipsis else []
    terms, shapes = [], []
    for _ in range(n):
        k = draw(st.integers(0, 3))
        letters = draw(st.lists(st.sampled_from(LETTERS), min_size=k, max_size=k,
                                unique=not repeats))
        shape = [sizes[c] for c in letters]
        # A repeated letter must have one size within its operand.
        for i, c in enumerate(letters):
            if letters.index(c) == i and c in letters[i + 1:]:
                continue
            if letters.index(c) == i and draw(st.integers(0, 5)) == 0:
                shape[i] = 1  # broadcast this dimension
        for i, c in enumerate(letters):
            shape[i] = shape[letters.index(c)]
        term = "".join(letters)
        if use_ellipsis and draw(st.booleans()):
            pos = draw(st.integers(0, len(term)))
            drop = draw(st.integers(0, len(ell_shape)))
            term = term[:pos] + "..." + term[pos:]
            shape = shape[:pos] + ell_shape[drop:] + shape[pos:]
        terms.append(term)
        shapes.append(tuple(shape))
    used = sorted({c for t in terms for c in t if c.isalpha()})
    explicit = draw(st.booleans())
    if explicit:
        out = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
        if any("..." in t for t in terms) and draw(st.booleans()):
            out = "..." + out
        subscripts = ",".join(terms) + "->" + out
    else:
        subscripts = ",".join(terms)
    return subscripts, shapes


def _inputs(data, shapes, dtype):
    return [Input(data.draw(array_values(dtype, s, "tiny")), dtype,
                  data.draw(st.sampled_from(["contiguous", "transposed"]))) for s in shapes]


@given(data=st.data())
def test_einsum_matches_mlx_and_numpy(data):
    subscripts, shapes = data.draw(einsum_problems(), label="problem")
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    ins = _inputs(data, shapes, dtype)
    expected = check(lambda m: m.einsum(subscripts, *[x(m) for x in ins]), tol=TOL)
    if expected is not None:
        try:
            ref = np.einsum(subscripts, *[x.values.astype(np.float64) for x in ins])
        except ValueError:  # NumPy refuses to sum ellipsis dims an explicit output drops
            return
        check_numpy(SUBJECT.einsum(subscripts, *[x(SUBJECT) for x in ins]), ref, tol=TOL)


@given(data=st.data())
def test_einsum_path_equals_mlx_exactly(data):
    subscripts, shapes = data.draw(einsum_problems(max_operands=6), label="problem")
    ops = {lib: [lib.zeros(s) for s in shapes] for lib in (ORACLE, SUBJECT)}
    try:
        expected = ORACLE.einsum_path(subscripts, *ops[ORACLE])
    except Exception as exc:  # noqa: BLE001 - then the subject raises the same type
        with pytest.raises(type(exc)):
            SUBJECT.einsum_path(subscripts, *ops[SUBJECT])
        return
    assert SUBJECT.einsum_path(subscripts, *ops[SUBJECT]) == expected


@given(data=st.data())
def test_einsum_dtypes_follow_mlx(data):
    """Integer/bool operands: elementwise steps keep them, contractions reach matmul's error."""
    subscripts, shapes = data.draw(einsum_problems(max_operands=3), label="problem")
    dtypes = [data.draw(st.sampled_from(["bool", "int32", "float16", "bfloat16", "complex64",
                                          "float32"])) for _ in shapes]
    ins = [Input(data.draw(array_values(d, s, "tiny")), d) for d, s in zip(dtypes, shapes)]
    check(lambda m: m.einsum(subscripts, *[x(m) for x in ins]), tol=TOL)


FIXED = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 6, 4)]),
    ("bhqk,bhkd->bhqd", [(2, 3, 5, 6), (2, 3, 6, 4)]),
    ("ij,jk,kl,lm->im", [(3, 4), (4, 5), (5, 6), (6, 2)]),
    ("ea,fb,abcd,gc,hd->efgh", [(5, 2), (6, 3), (2, 3, 4, 5), (7, 4), (8, 5)]),
    ("a,b,c,d,ab,bc,cd->", [(2,), (3,), (4,), (5,), (2, 3), (3, 4), (4, 5)]),
    ("iii->i", [(3, 3, 3)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    ("ii,ij->j", [(3, 3), (3, 4)]),
    ("ab..., b...->a...", [(2, 3, 4), (3, 4)]),
    ("i,->i", [(3,), ()]),
    (",->", [(), ()]),
    ("", [()]),
    ("ij", [(3, 3)]),
    ("iJ->Ji", [(3, 4)]),
    ("i j -> j i", [(3, 4)]),
]


@pytest.mark.parametrize("subscripts,shapes", FIXED)
def test_einsum_famous_cases(subscripts, shapes):
    rng = np.random.default_rng(0)
    ins = [Input(rng.standard_normal(s).astype(np.float32), "float32") for s in shapes]
    check(lambda m: m.einsum(subscripts, *[x(m) for x in ins]), tol=TOL)
    check(lambda m: list(m.einsum_path(subscripts, *[x(m) for x in ins])[0]))
    assert (SUBJECT.einsum_path(subscripts, *[x(SUBJECT) for x in ins])
            == ORACLE.einsum_path(subscripts, *[x(ORACLE) for x in ins]))
    ref = np.einsum(subscripts, *[x.values.astype(np.float64) for x in ins])
    check_numpy(SUBJECT.einsum(subscripts, *[x(SUBJECT) for x in ins]), ref, tol=TOL)


def test_einsum_path_text_for_a_chain():
    ops = [SUBJECT.ones(s) for s in [(3, 4), (4, 5), (5, 6), (6, 2)]]
    path, text = SUBJECT.einsum_path("ij,jk,kl,lm->im", *ops)
    assert path == [(2, 3), (1, 2), (0, 1)]
    assert text == ("  Complete contraction:  ij,jk,kl,lm->im\n"
                    "         Naive scaling:  5\n"
                    "     Optimized scaling:  3\n"
                    "      Naive FLOP count:  2880\n"
                    "  Optimized FLOP count:  248\n")


BAD = [
    ("ij,jk->ik", [(3, 4), (5, 5)]),  # cannot broadcast
    ("ij,jk->ik", [(3, 4)]),  # operand count
    ("ijk->ij", [(3, 4)]),  # subscript count
    ("ij->jj", [(3, 4)]),  # repeated output index
    ("i1->i", [(3, 4)]),  # not a letter
    ("ij->i->j", [(3, 4)]),
    ("....->", [(2, 3)]),
    ("...i...,i", [(3,), (3,)]),  # two ellipses
    ("...ij,...jk", [(3,), (3, 4)]),  # too few dims for the ellipsis
    ("ii->i", [(3, 4)]),  # repeated index, different sizes
    ("ij,jk->ik", [(3, 4), (4, 5)]),  # int32: matmul rejects integers
]


@pytest.mark.parametrize("subscripts,shapes", BAD)
def test_einsum_bad_input_raises_like_mlx(subscripts, shapes):
    dtype = "int32" if shapes == [(3, 4), (4, 5)] else "float32"
    ins = [Input(np.ones(s), dtype) for s in shapes]
    check_raises(lambda m: m.einsum(subscripts, *[x(m) for x in ins]))


def test_einsum_needs_array_operands_and_at_least_one():
    for lib in (ORACLE, SUBJECT):
        with pytest.raises(ValueError, match=r"^\[einsum\]"):
            lib.einsum("")
        with pytest.raises(RuntimeError):
            lib.einsum("i->", [1.0, 2.0])
        with pytest.raises(RuntimeError):
            lib.einsum_path("i->", 3.0)


def test_einsum_output_letter_missing_from_inputs_raises_value_error():
    # MLX fails inside transpose; we name einsum. Both are ValueError.
    for lib in (ORACLE, SUBJECT):
        with pytest.raises(ValueError):
            lib.einsum("ij->ik", lib.ones((3, 4)))


@pytest.mark.parametrize("subscripts,shapes", [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ii->i", [(3, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...i,i->...", [(2, 3), (3,)]),
])
def test_einsum_gradients_match_finite_differences_and_mlx(subscripts, shapes):
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s) for s in shapes]
    w = rng.standard_normal(np.einsum(subscripts, *xs).shape)
    argnums = tuple(range(len(xs)))

    def loss(lib, dtype):
        return lambda *a: (lib.einsum(subscripts, *a) * lib.array(w, dtype=dtype)).sum()

    grads = SUBJECT.grad(loss(SUBJECT, SUBJECT.float64), argnums=argnums)(
        *[SUBJECT.array(x, dtype=SUBJECT.float64) for x in xs])
    if len(xs) == 1:  # a one-element argnums tuple gives the array itself, as in MLX
        grads = (grads,)
    f = lambda *a: float((np.einsum(subscripts, *a) * w).sum())  # noqa: E731
    eps = 1e-6
    for i, x in enumerate(xs):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [y.copy() for y in xs]
            minus = [y.copy() for y in xs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            num[idx] = (f(*plus) - f(*minus)) / (2 * eps)
        assert str(grads[i].dtype).endswith('float64')
        np.testing.assert_allclose(np.array(grads[i]), num, rtol=1e-6, atol=1e-6)
    check(lambda m: m.grad(loss(m, m.float32), argnums=argnums)(
        *[m.array(x.astype(np.float32)) for x in xs]), tol=TOL)


def test_einsum_vmap_matches_a_loop():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5, 2)).astype(np.float32)
    f = lambda x, y: SUBJECT.einsum("ij,jk->ik", x, y)  # noqa: E731
    out = SUBJECT.vmap(f, in_axes=(0, 1))(SUBJECT.array(a), SUBJECT.array(b))
    loop = np.stack([a[i] @ b[:, i] for i in range(5)])
    np.testing.assert_allclose(np.array(out), loop, rtol=1e-5, atol=1e-5)
