"""Every primitive's transformation rules, one case per primitive.

`CASES` maps each primitive name to a small function that builds that primitive. For every
case the test checks that the function really builds it, then checks

- vjp against central finite differences in float64 and against real MLX's `mx.vjp`,
- jvp against the finite-difference directional derivative and against MLX's `mx.jvp`,
- vmap against a Python loop over the batch, for several `in_axes`, and against MLX's vmap.

Primitives without derivatives (comparisons, integer ops, argmax, ...) check instead that
vjp/jvp give what MLX gives (zeros, or the same exception type).

`test_every_primitive_has_a_case` reads the primitive names from the C++ sources, so a new
primitive without a case here fails the suite.
"""

from __future__ import annotations

import pathlib
import re
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

from helpers import ORACLE, SUBJECT, call, assert_same_error

# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------

DOMAINS = {
    "any": (-2.0, 2.0),
    "pos": (0.5, 2.0),
    "unit": (-0.9, 0.9),
    "gt1": (1.2, 3.0),
    "nonzero": (0.3, 2.0),  # with random signs
}


@dataclass
class Case:
    fn: Callable  # fn(lib, *arrays) -> array or list of arrays
    shapes: tuple = ((2, 3),)
    domains: tuple = ("any",)
    dtype: str = "float64"  # of the inputs
    differentiable: bool = True  # vjp/jvp checked against finite differences
    vmap: bool = True
    # in_axes to try; None means "all 0" and "first input along its last axis, others None".
    in_axes: list | None = None
    finite_differences: bool = True  # False where the derivative is zero by definition
    fd_step: float = 1e-6
    tol: float = 1e-6  # relative and absolute, for derivatives
    vjp_xfail: str | None = None  # reason, while a rule is knowingly missing
    # Rules MLX 0.32.4 does not have either: checked to raise what MLX raises.
    mlx_lacks: frozenset = frozenset()
    # Rules MLX lacks but we have: tested against finite differences / the loop only.
    beyond_mlx: frozenset = frozenset()
    # Rules where MLX 0.32.4 gives wrong numbers (docs/differences.md): finite differences only.
    mlx_wrong: frozenset = frozenset()
    # Rules of ours known to be missing or wrong: {rule: reason}, run as xfails.
    gaps: dict = field(default_factory=dict)

    def domain(self, i):
        return self.domains[i] if i < len(self.domains) else self.domains[-1]


def _unary(fn, domain="any", shapes=((2, 3),), **kw):
    return Case(fn, shapes=shapes, domains=(domain,), **kw)


def _binary(fn, domains=("any", "any"), shapes=((2, 3), (3,)), **kw):
    return Case(fn, shapes=shapes, domains=domains, **kw)


def _slice_update(m, x, y):
    out = x * 1
    out[1:, ::2] = y
    return out


def _custom_sin(m, x):
    @m.custom_function
    def f(a):
        return m.sin(a)

    # A lone argument reaches the rules unwrapped, as in MLX.
    @f.vjp
    def f_vjp(primal, cotangent, output):
        return cotangent * m.cos(primal)

    @f.jvp
    def f_jvp(primal, tangent):
        return tangent * m.cos(primal)

    return f(x)


CASES: dict[str, Case] = {
    # ---- elementwise unary ----
    "Abs": _unary(lambda m, x: m.abs(x), "nonzero"),
    "ArcCos": _unary(lambda m, x: m.arccos(x), "unit"),
    "ArcCosh": _unary(lambda m, x: m.arccosh(x), "gt1"),
    "ArcSin": _unary(lambda m, x: m.arcsin(x), "unit"),
    "ArcSinh": _unary(lambda m, x: m.arcsinh(x)),
    "ArcTan": _unary(lambda m, x: m.arctan(x)),
    "ArcTanh": _unary(lambda m, x: m.arctanh(x), "unit"),
    "BitwiseInvert": _unary(lambda m, x: m.bitwise_invert(x), dtype="int32", differentiable=False),
    "Ceil": _unary(lambda m, x: m.ceil(x), "nonzero"),
    "Conjugate": _unary(lambda m, x: m.imag(m.conjugate(x * (1 + 2j))), fd_step=1e-3, tol=1e-3),
    "Cos": _unary(lambda m, x: m.cos(x)),
    "Cosh": _unary(lambda m, x: m.cosh(x)),
    "Erf": _unary(lambda m, x: m.erf(x)),
    "ErfInv": _unary(lambda m, x: m.erfinv(x), "unit", tol=1e-5),
    "Exp": _unary(lambda m, x: m.exp(x)),
    "Expm1": _unary(lambda m, x: m.expm1(x)),
    "Floor": _unary(lambda m, x: m.floor(x), "nonzero"),
    "Imag": _unary(lambda m, x: m.imag(x * (1 + 2j)), fd_step=1e-3, tol=1e-3),
    "Log": _unary(lambda m, x: m.log(x), "pos"),
    "Log2": _unary(lambda m, x: m.log2(x), "pos"),
    "Log10": _unary(lambda m, x: m.log10(x), "pos"),
    "Log1p": _unary(lambda m, x: m.log1p(x), "pos"),
    "LogicalNot": _unary(lambda m, x: m.logical_not(x), dtype="bool", differentiable=False),
    "Negative": _unary(lambda m, x: m.negative(x)),
    "Real": _unary(lambda m, x: m.real(x * (1 + 2j)), fd_step=1e-3, tol=1e-3),
    "Round": _unary(lambda m, x: m.round(x), "nonzero"),
    "Rsqrt": _unary(lambda m, x: m.rsqrt(x), "pos"),
    "Sigmoid": _unary(lambda m, x: m.sigmoid(x)),
    "Sign": _unary(lambda m, x: m.sign(x), "nonzero"),
    "Sin": _unary(lambda m, x: m.sin(x)),
    "Sinh": _unary(lambda m, x: m.sinh(x)),
    "Sqrt": _unary(lambda m, x: m.sqrt(x), "pos"),
    "Square": _unary(lambda m, x: m.square(x)),
    "Tan": _unary(lambda m, x: m.tan(x), "unit"),
    "Tanh": _unary(lambda m, x: m.tanh(x)),
    # ---- elementwise binary ----
    "Add": _binary(lambda m, x, y: m.add(x, y)),
    "Subtract": _binary(lambda m, x, y: m.subtract(x, y)),
    "Multiply": _binary(lambda m, x, y: m.multiply(x, y)),
    "Divide": _binary(lambda m, x, y: m.divide(x, y), ("any", "pos")),
    "Power": _binary(lambda m, x, y: m.power(x, y), ("pos", "any")),
    "Maximum": _binary(lambda m, x, y: m.maximum(x, y)),
    "Minimum": _binary(lambda m, x, y: m.minimum(x, y)),
    "Remainder": _binary(lambda m, x, y: m.remainder(x, y), ("any", "pos")),
    "FloorDivide": _binary(lambda m, x, y: m.floor_divide(x, y), ("any", "pos")),
    "LogAddExp": _binary(lambda m, x, y: m.logaddexp(x, y)),
    "ArcTan2": _binary(lambda m, x, y: m.arctan2(x, y), ("any", "nonzero")),
    # MLX gives divmod no derivative (zero cotangents and tangents).
    "DivMod": _binary(lambda m, x, y: list(m.divmod(x, y)), ("any", "pos"), differentiable=False),
    "Equal": _binary(lambda m, x, y: m.equal(x, y), differentiable=False),
    "NaNEqual": _binary(
        lambda m, x, y: m.array_equal(x, y, equal_nan=True),
        shapes=((2, 3), (2, 3)),
        differentiable=False,
        vmap=False,  # a reduction to one bool: MLX's vmap of it differs in shape
    ),
    "NotEqual": _binary(lambda m, x, y: m.not_equal(x, y), differentiable=False),
    "Less": _binary(lambda m, x, y: m.less(x, y), differentiable=False),
    "LessEqual": _binary(lambda m, x, y: m.less_equal(x, y), differentiable=False),
    "Greater": _binary(lambda m, x, y: m.greater(x, y), differentiable=False),
    "GreaterEqual": _binary(lambda m, x, y: m.greater_equal(x, y), differentiable=False),
    # Same shapes: MLX's cotangent of a broadcast bool is an int32 sum, ours stays bool.
    "LogicalAnd": _binary(
        lambda m, x, y: m.logical_and(x, y), shapes=((2, 3), (2, 3)), dtype="bool",
        differentiable=False,
    ),
    "LogicalOr": _binary(
        lambda m, x, y: m.logical_or(x, y), shapes=((2, 3), (2, 3)), dtype="bool",
        differentiable=False,
    ),
    "BitwiseAnd": _binary(lambda m, x, y: m.bitwise_and(x, y), dtype="int32", differentiable=False),
    "BitwiseOr": _binary(lambda m, x, y: m.bitwise_or(x, y), dtype="int32", differentiable=False),
    "BitwiseXor": _binary(lambda m, x, y: m.bitwise_xor(x, y), dtype="int32", differentiable=False),
    "LeftShift": _binary(lambda m, x, y: m.left_shift(x, y), dtype="int32", differentiable=False),
    "RightShift": _binary(lambda m, x, y: m.right_shift(x, y), dtype="int32", differentiable=False),
    # ---- ternary ----
    "Select": Case(
        lambda m, c, x, y: m.where(c > 0, x, y), shapes=((2, 3), (2, 3), (3,)), in_axes=[(0, 0, 0)]
    ),
    # ---- reductions ----
    "Sum": _unary(lambda m, x: m.sum(x, axis=1)),
    "Prod": _unary(lambda m, x: m.prod(x, axis=0), "nonzero"),
    "Max": _unary(lambda m, x: m.max(x, axis=1)),
    "Min": _unary(lambda m, x: m.min(x, axis=0)),
    "And": _unary(lambda m, x: m.all(x, axis=1), dtype="bool", differentiable=False),
    "Or": _unary(lambda m, x: m.any(x, axis=0), dtype="bool", differentiable=False),
    "ArgReduce": _unary(lambda m, x: m.argmax(x, axis=1), differentiable=False),
    "Softmax": _unary(lambda m, x: m.softmax(x, axis=-1)),
    # ---- products ----
    "Matmul": Case(lambda m, x, y: m.matmul(x, y), shapes=((2, 3), (3, 4))),
    "AddMM": Case(
        lambda m, c, x, y: m.addmm(c, x, y, alpha=0.5, beta=2.0),
        shapes=((2, 4), (2, 3), (3, 4)),
        mlx_wrong=frozenset({"jvp"}),  # MLX's tangent ignores alpha and beta
    ),
    "BlockMaskedMM": Case(
        lambda m, x, y: m.block_masked_mm(
            x, y, block_size=32, mask_out=m.array([[True, False]]),
            mask_lhs=m.array([[True, True]]), mask_rhs=m.array([[True, False], [False, True]]),
        ),
        shapes=((32, 64), (64, 64)),
        dtype="float32",  # MLX's (and our) kernel is float32 only
        fd_step=1e-2,
        tol=2e-3,
        in_axes=[(0, None)],
        mlx_lacks=frozenset({"jvp", "vmap"}),
    ),
    "GatherMM": Case(
        lambda m, x, y: m.gather_mm(
            x, y, lhs_indices=m.array([1, 0, 1], m.uint32), rhs_indices=m.array([0, 0, 1], m.uint32)
        ),
        shapes=((2, 2, 3), (2, 3, 2)),
        dtype="float32",
        fd_step=1e-2,
        tol=2e-3,
        mlx_lacks=frozenset({"jvp", "vmap"}),
    ),
    "SegmentedMM": Case(
        lambda m, x, y: m.segmented_mm(x, y, m.array([[0, 2], [2, 5]], m.uint32)),
        shapes=((2, 5), (5, 3)),
        mlx_lacks=frozenset({"vjp", "jvp", "vmap"}),
    ),
    "Hadamard": _unary(
        lambda m, x: m.hadamard_transform(x), shapes=((2, 8),), dtype="float32", fd_step=1e-2,
        tol=2e-3,
    ),
    "ToFP8": _unary(lambda m, x: m.to_fp8(x), mlx_lacks=frozenset({"vjp", "jvp", "vmap"})),
    "FromFP8": _unary(
        lambda m, x: m.from_fp8(m.to_fp8(x), dtype=m.float32),
        mlx_lacks=frozenset({"vjp", "jvp", "vmap"}),
    ),
    "Depends": _binary(
        lambda m, x, y: m.depends([x * 2], [y])[0], shapes=((2, 3), (3,)),
        mlx_lacks=frozenset({"jvp", "vmap"}),
    ),
    "Convolution": Case(
        lambda m, x, w: m.conv1d(x, w, padding=1),
        shapes=((1, 5, 2), (3, 3, 2)),
        mlx_lacks=frozenset({"jvp"}),
        beyond_mlx=frozenset({"jvp"}),
    ),
    # ---- conversions ----
    "AsType": _unary(lambda m, x: m.astype(x, m.float32), fd_step=1e-3, tol=1e-4),
    "Contiguous": _unary(lambda m, x: m.contiguous(x.T)),
    "StopGradient": _binary(lambda m, x, y: m.stop_gradient(x) * y, finite_differences=False),
    "View": _unary(lambda m, x: m.view(x, m.int32), differentiable=False),
    "Arange": _unary(lambda m, x: x * m.arange(3)),
    # ---- shape ----
    "Reshape": _unary(lambda m, x: m.reshape(x, (3, 2))),
    "Transpose": Case(lambda m, x: m.transpose(x, (2, 0, 1)), shapes=((2, 3, 2),)),
    "Broadcast": _unary(lambda m, x: m.broadcast_to(x, (2, 2, 3))),
    "Slice": _unary(lambda m, x: x[::-1, 1::2]),
    "SliceUpdate": _binary(_slice_update, shapes=((3, 4), (2, 2))),
    "Concatenate": _binary(lambda m, x, y: m.concatenate([x, y], axis=1), shapes=((2, 3), (2, 2))),
    "AsStrided": Case(
        lambda m, x: m.as_strided(x, (3, 2), (1, 1)),
        shapes=((4,),),
        mlx_lacks=frozenset({"vmap"}),
    ),
    # ---- indexing ----
    "Gather": _unary(lambda m, x: x[m.array([2, 0, 1, 1])], shapes=((3, 4),)),
    "Scatter": _binary(
        lambda m, x, y: x.at[m.array([0, 2, 0])].add(y), shapes=((3, 4), (3, 4)),
        mlx_lacks=frozenset({"jvp"}),
        beyond_mlx=frozenset({"jvp"}),
    ),
    "GatherAxis": _unary(
        lambda m, x: m.take_along_axis(x, m.array([[0, 2], [1, 1]]), axis=1), shapes=((2, 3),)
    ),
    "ScatterAxis": _binary(
        lambda m, x, y: m.put_along_axis(x, m.array([[0], [2]]), y, axis=1),
        shapes=((2, 3), (2, 1)),
    ),
    # ---- sort and search ----
    "Sort": _unary(lambda m, x: m.sort(x, axis=1)),
    "ArgSort": _unary(lambda m, x: m.argsort(x, axis=1), differentiable=False),
    "Partition": _unary(lambda m, x: m.partition(x, 1, axis=1)),
    "ArgPartition": _unary(lambda m, x: m.argpartition(x, 1, axis=1), differentiable=False),
    "ArgTopK": _unary(lambda m, x: m.topk(x, 2, axis=1)),
    "SearchSorted": _unary(
        lambda m, x: m.searchsorted(m.array([-1.0, 0.0, 1.0], m.float64), x),
        differentiable=False,
    ),
    # ---- scans ----
    "CumSum": _unary(lambda m, x: m.cumsum(x, axis=1)),
    "CumProd": _unary(lambda m, x: m.cumprod(x, axis=1), "nonzero", mlx_lacks=frozenset({"jvp"})),
    "CumMax": _unary(lambda m, x: m.cummax(x, axis=1), mlx_lacks=frozenset({"jvp"})),
    "CumMin": _unary(lambda m, x: m.cummin(x, axis=0), mlx_lacks=frozenset({"jvp"})),
    "CumLogAddExp": _unary(lambda m, x: m.logcumsumexp(x, axis=1)),
    # ---- random (keys are constants here, so the rules pass through them) ----
    "RandomBits": _unary(
        lambda m, x: x * (m.random.split(m.random.key(1), 3)[:, 0] % 7).astype(x.dtype)
    ),
    "RandomSample": _unary(
        lambda m, x: x * m.random.uniform(shape=(2, 3), key=m.random.key(2)).astype(x.dtype)
    ),
    # One distribution sampled many times: inverse-CDF search.
    "CategoricalSearch": _unary(
        lambda m, x: m.random.categorical(x, shape=(4,), key=m.random.key(5)),
        shapes=((5,),),
        differentiable=False,
        vmap=False,  # under vmap the logits are a batch of distributions (Gumbel-max path)
    ),
    "CovarianceSqrt": Case(
        lambda m, mu: m.random.multivariate_normal(
            mu, m.array([[2.0, 0.5], [0.5, 1.0]]), shape=(3,), key=m.random.key(6)
        ),
        shapes=((2,),),
        dtype="float32",
        fd_step=1e-2,
        tol=2e-3,
    ),
    # ---- compile ----
    "Compiled": _binary(lambda m, x, y: m.compile(lambda a, b: m.exp(a) * b + a)(x, y)),
    "NumberOfElements": _unary(
        lambda m, x: m.compile(lambda a: m.mean(a, axis=1), shapeless=True)(x)
    ),
    # ---- transforms ----
    "CustomTransforms": _unary(_custom_sin),
}

# Built only inside the transforms (one per traced input); every case above runs through it.
INTERNAL = {"Identity", "FileConstant"}  # FileConstant: import_function's lazily read constants


# ---------------------------------------------------------------------------------------------
# primitives the library has, read from its sources
# ---------------------------------------------------------------------------------------------

SOURCES = pathlib.Path(__file__).resolve().parents[1] / "csrc" / "mlx" / "primitives"


def primitive_names_in_sources() -> set[str]:
    """Every name a primitive's `name()` can return: inline `return "X";` in the headers,
    and `case ...: return "X";` inside the `::name()` switch of family classes."""
    names = set()
    for header in SOURCES.glob("*.h"):
        names.update(re.findall(r'name\(\) const override \{\s*return "(\w+)";', header.read_text()))
    for source in SOURCES.glob("*.cpp"):
        text = source.read_text()
        for body in re.findall(r"::name\(\) const \{(.*?)\n\}", text, re.S):
            names.update(re.findall(r'case [\w:]+:\s*return "(\w+)";', body))
    return names


def test_every_primitive_has_a_case():
    names = primitive_names_in_sources()
    assert len(names) > 50, "the source scan found too few primitives"
    missing = sorted(names - set(CASES) - INTERNAL)
    assert not missing, f"primitives without a rules case in test_primitive_rules.py: {missing}"
    stale = sorted(set(CASES) - names)
    assert not stale, f"cases for primitives that no longer exist: {stale}"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _draw(case: Case, rng: np.random.Generator, batch: int | None = None):
    values = []
    for i, shape in enumerate(case.shapes):
        full = shape if batch is None else (batch, *shape)
        lo, hi = DOMAINS[case.domain(i)]
        if case.dtype == "bool":
            v = rng.random(full) > 0.5
        elif case.dtype == "int32":
            v = rng.integers(0, 8, full).astype(np.int32)
        else:
            v = rng.uniform(lo, hi, full)
            if case.domain(i) == "nonzero":
                v = v * rng.choice([-1.0, 1.0], full)
        values.append(v)
    return values


def _seed(text):
    """A per-case seed that is the same in every run (str hashes are salted per process)."""
    return zlib.crc32(text.encode())


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _to_np(a):
    return np.array(a.astype(SUBJECT.float64) if a.dtype == SUBJECT.complex64 else a)


def _arrays(lib, values, dtype):
    return [lib.array(v, dtype=getattr(lib, "bool_" if dtype == "bool" else dtype)) for v in values]


def _flat_outputs(lib, case, values):
    outs = _as_list(case.fn(lib, *_arrays(lib, values, case.dtype)))
    return [np.array(o.astype(lib.float64)) for o in outs]


def _finite_difference_jacobian(case, values):
    """J[k][i]: d output k / d input i, shaped output_k.shape + input_i.shape."""
    base = _flat_outputs(SUBJECT, case, values)
    jac = [[np.zeros(o.shape + v.shape) for v in values] for o in base]
    h = case.fd_step
    for i, v in enumerate(values):
        for idx in np.ndindex(v.shape):
            plus = [x.copy() for x in values]
            minus = [x.copy() for x in values]
            plus[i][idx] += h
            minus[i][idx] -= h
            fp, fm = _flat_outputs(SUBJECT, case, plus), _flat_outputs(SUBJECT, case, minus)
            for k in range(len(base)):
                jac[k][i][(...,) + idx] = (fp[k] - fm[k]) / (2 * h)
    return base, jac


def _close(got, expected, tol, what):
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=what)


def _mark_gap(case, rule):
    if rule in case.gaps:
        pytest.xfail(case.gaps[rule])


def _has(case, rule):
    return rule not in case.mlx_lacks


DIFFERENTIABLE_VJP = [n for n, c in CASES.items() if c.differentiable and _has(c, "vjp")]
DIFFERENTIABLE_JVP = [
    n for n, c in CASES.items() if c.differentiable and (_has(c, "jvp") or "jvp" in c.beyond_mlx)
]
NOT_DIFFERENTIABLE = [
    n for n, c in CASES.items() if not c.differentiable and _has(c, "vjp") and _has(c, "jvp")
]
# Rules MLX lacks and we lack too (where we have one, it is tested like any other).
MISSING_IN_MLX = [
    (n, r) for n, c in CASES.items() for r in sorted(c.mlx_lacks - c.beyond_mlx)
]


# ---------------------------------------------------------------------------------------------
# vjp and jvp
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_case_builds_its_primitive(name):
    case = CASES[name]
    values = _draw(case, np.random.default_rng(0))
    out = _as_list(case.fn(SUBJECT, *_arrays(SUBJECT, values, case.dtype)))
    assert name in SUBJECT._core._graph_primitive_names(out)


@pytest.mark.parametrize("name", DIFFERENTIABLE_VJP)
def test_vjp_matches_finite_differences_and_mlx(name):
    case = CASES[name]
    if case.vjp_xfail:
        pytest.xfail(case.vjp_xfail)
    _mark_gap(case, "vjp")
    rng = np.random.default_rng(_seed(name))
    values = _draw(case, rng)
    base, jac = _finite_difference_jacobian(case, values)
    cotangents = [rng.uniform(-1, 1, o.shape) for o in base]
    expected = [
        sum(np.tensordot(c, jac[k][i], axes=c.ndim) for k, c in enumerate(cotangents))
        for i in range(len(values))
    ]

    def run(lib):
        primals = _arrays(lib, values, case.dtype)
        outs = _as_list(case.fn(lib, *primals))
        cots = [lib.array(c).astype(o.dtype) for c, o in zip(cotangents, outs)]
        return lib.vjp(lambda *xs: _as_list(case.fn(lib, *xs)), primals, cots)[1]

    got = run(SUBJECT)
    for i, g in enumerate(got if case.finite_differences else []):
        _close(_to_np(g), expected[i], case.tol, f"{name}: vjp of input {i} vs finite differences")
    compare_with_mlx = _has(case, "vjp") and "vjp" not in case.mlx_wrong
    for i, (g, e) in enumerate(zip(got, run(ORACLE) if compare_with_mlx else [])):
        assert str(g.dtype).split(".")[-1] == str(e.dtype).split(".")[-1], f"{name}: vjp dtype"
        _close(_to_np(g), np.array(e.astype(ORACLE.float64)), 1e-5, f"{name}: vjp vs MLX")


@pytest.mark.parametrize("name", DIFFERENTIABLE_JVP)
def test_jvp_matches_finite_differences_and_mlx(name):
    case = CASES[name]
    _mark_gap(case, "jvp")
    rng = np.random.default_rng(_seed(name + "jvp"))
    values = _draw(case, rng)
    base, jac = _finite_difference_jacobian(case, values)
    tangents = [rng.uniform(-1, 1, v.shape) for v in values]
    expected = [
        sum(np.tensordot(jac[k][i], t, axes=t.ndim) for i, t in enumerate(tangents))
        for k in range(len(base))
    ]

    def run(lib):
        primals = _arrays(lib, values, case.dtype)
        tans = [lib.array(t).astype(p.dtype) for t, p in zip(tangents, primals)]
        return lib.jvp(lambda *xs: _as_list(case.fn(lib, *xs)), primals, tans)[1]

    got = run(SUBJECT)
    for k, g in enumerate(got if case.finite_differences else []):
        _close(_to_np(g), expected[k], case.tol, f"{name}: jvp of output {k} vs finite differences")
    compare_with_mlx = _has(case, "jvp") and "jvp" not in case.mlx_wrong
    for g, e in zip(got, run(ORACLE) if compare_with_mlx else []):
        assert str(g.dtype).split(".")[-1] == str(e.dtype).split(".")[-1], f"{name}: jvp dtype"
        _close(_to_np(g), np.array(e.astype(ORACLE.float64)), 1e-5, f"{name}: jvp vs MLX")


@pytest.mark.parametrize("name", NOT_DIFFERENTIABLE)
def test_rules_without_derivative_behave_as_mlx(name):
    """vjp and jvp of a primitive without a derivative: MLX's zeros, or MLX's exception."""
    case = CASES[name]
    _mark_gap(case, "vjp")
    values = _draw(case, np.random.default_rng(1))

    def run(kind):
        def go(lib):
            primals = _arrays(lib, values, case.dtype)
            outs = _as_list(case.fn(lib, *primals))
            fn = lambda *xs: _as_list(case.fn(lib, *xs))  # noqa: E731
            if kind == "vjp":
                return lib.vjp(fn, primals, [lib.ones_like(o) for o in outs])[1]
            return lib.jvp(fn, primals, [lib.ones_like(p) for p in primals])[1]

        return go

    for kind in ("vjp", "jvp"):
        expected, expected_exc = call(ORACLE, run(kind))
        got, got_exc = call(SUBJECT, run(kind))
        if expected_exc is not None:
            assert_same_error(got_exc, expected_exc, got)
            continue
        assert got_exc is None, f"{name} {kind}: MLX returned, the subject raised {got_exc!r}"
        assert len(got.items) == len(expected.items)
        for g, e in zip(got.items, expected.items):
            assert (g.dtype, g.shape) == (e.dtype, e.shape), f"{name}: {kind}"
            np.testing.assert_array_equal(g.value, e.value, err_msg=f"{name}: {kind}")


# ---------------------------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------------------------


def _in_axes_variants(case):
    if case.in_axes is not None:
        return case.in_axes
    n = len(case.shapes)
    last = len(case.shapes[0])  # the batch axis placed after the example's own axes
    variants = [(0,) * n, (last,) + (None,) * (n - 1)]
    if n > 1:
        variants.append((None,) + (len(case.shapes[1]),) * (n - 1))
    return variants


VMAPPED = [
    (n, axes)
    for n, c in CASES.items()
    if c.vmap and _has(c, "vmap")
    for axes in _in_axes_variants(c)
]


@pytest.mark.parametrize("name,in_axes", VMAPPED, ids=[f"{n}-{a}" for n, a in VMAPPED])
def test_vmap_matches_a_loop_and_mlx(name, in_axes):
    case = CASES[name]
    _mark_gap(case, "vmap")
    batch = 3
    rng = np.random.default_rng(_seed(name + str(in_axes)))
    examples = [_draw(case, rng) for _ in range(batch)]
    # Batched inputs: examples stacked along the input's batch axis; unbatched ones from example 0.
    batched = [
        np.stack([ex[i] for ex in examples], axis=ax) if ax is not None else examples[0][i]
        for i, ax in enumerate(in_axes)
    ]
    per_example = [
        [ex[i] if ax is not None else examples[0][i] for i, ax in enumerate(in_axes)]
        for ex in examples
    ]
    loop = [
        np.stack(outs) for outs in zip(*[_flat_outputs(SUBJECT, case, v) for v in per_example])
    ]

    def run(lib):
        fn = lambda *xs: _as_list(case.fn(lib, *xs))  # noqa: E731
        return lib.vmap(fn, in_axes=tuple(in_axes))(*_arrays(lib, batched, case.dtype))

    got = [np.array(g.astype(SUBJECT.float64)) for g in run(SUBJECT)]
    assert len(got) == len(loop)
    for g, e in zip(got, loop):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, err_msg=f"{name}: vmap vs loop")
    expected, expected_exc = call(ORACLE, run)
    if expected_exc is not None:  # MLX lacks some vmap rules we have
        return
    mlx_loop = [
        np.stack(outs) for outs in zip(*[_flat_outputs(ORACLE, case, v) for v in per_example])
    ]
    mlx_vmap = [e.value.astype(np.float64) for e in expected.items]
    if all(
        m.shape == e.shape and np.allclose(m, e, rtol=1e-5, atol=1e-5)
        for m, e in zip(mlx_vmap, mlx_loop)
    ):
        for g, e in zip(got, mlx_vmap):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6, err_msg=f"{name}: vs MLX")
    else:
        # MLX's vmap disagrees with MLX's own loop here (a bug in MLX 0.32.4, listed in
        # docs/differences.md); the loop above is the reference.
        assert (name, tuple(in_axes)) in MLX_VMAP_BUGS, f"MLX's vmap of {name} is off its loop"


# Where MLX 0.32.4's vmap gives results that differ from a loop over MLX itself.
MLX_VMAP_BUGS = {
    ("NotEqual", (None, 1)),
    ("BitwiseAnd", (None, 1)),
    ("BitwiseOr", (None, 1)),
    ("BitwiseXor", (None, 1)),
    ("LeftShift", (None, 1)),
    ("RightShift", (None, 1)),
    ("SliceUpdate", (2, None)),
}


@pytest.mark.parametrize("name,rule", MISSING_IN_MLX, ids=[f"{n}-{r}" for n, r in MISSING_IN_MLX])
def test_rules_mlx_lacks_raise_as_mlx(name, rule):
    case = CASES[name]
    values = _draw(case, np.random.default_rng(2))
    batched = [np.stack([v, v]) for v in values]

    def go(lib):
        fn = lambda *xs: _as_list(case.fn(lib, *xs))  # noqa: E731
        primals = _arrays(lib, values, case.dtype)
        if rule == "vjp":
            outs = fn(*primals)
            return lib.vjp(fn, primals, [lib.ones_like(o) for o in outs])[1]
        if rule == "jvp":
            return lib.jvp(fn, primals, [lib.ones_like(p) for p in primals])[1]
        return lib.vmap(fn)(*_arrays(lib, batched, case.dtype))

    expected, expected_exc = call(ORACLE, go)
    assert expected_exc is not None, f"MLX now has a {rule} rule for {name}: test ours instead"
    got, got_exc = call(SUBJECT, go)
    assert_same_error(got_exc, expected_exc, got)
