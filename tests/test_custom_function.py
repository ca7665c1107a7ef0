"""mx.custom_function: user vjp/jvp rules replace the function's own derivative, against MLX."""

import math

import pytest

from helpers import ORACLE, SUBJECT, check, check_raises


def _sin_times(m, with_vjp=True, with_jvp=True):
    @m.custom_function
    def f(x, y):
        return m.sin(x) * y

    if with_vjp:
        # Deliberately not the true derivative, so a test can tell the rule was used.
        @f.vjp
        def f_vjp(primals, cotangent, output):
            x, y = primals
            return cotangent * m.cos(x) * y * 2, cotangent * m.sin(x) * 3

    if with_jvp:

        @f.jvp
        def f_jvp(primals, tangents):
            x, y = primals
            dx, dy = tangents
            return dx * m.cos(x) * y + dy * m.sin(x)

    return f


def test_custom_vjp_is_used_by_grad_and_vjp():
    check(lambda m: m.grad(_sin_times(m), argnums=(0, 1))(m.array(1.0), m.array(2.0)))
    check(lambda m: m.value_and_grad(_sin_times(m))(m.array(0.5), m.array(-1.5)))
    check(lambda m: m.vjp(_sin_times(m), [m.array(1.0), m.array(2.0)], [m.array(1.0)]))
    got = SUBJECT.grad(_sin_times(SUBJECT))(SUBJECT.array(1.0), SUBJECT.array(2.0)).item()
    assert got == pytest.approx(math.cos(1.0) * 2 * 2, rel=1e-6)  # the rule's (doubled) value


def test_custom_jvp_is_used_by_jvp():
    check(lambda m: m.jvp(_sin_times(m), [m.array(1.0), m.array(2.0)], [m.array(1.0), m.array(0.5)]))


def test_rules_that_are_not_defined_fall_back_to_the_function_graph():
    check(lambda m: m.grad(_sin_times(m, with_vjp=False), argnums=1)(m.array(1.0), m.array(2.0)))
    check(lambda m: m.jvp(_sin_times(m, with_jvp=False), [m.array(1.0), m.array(2.0)],
                          [m.array(1.0), m.array(0.0)]))
    plain = _sin_times(SUBJECT, with_vjp=False, with_jvp=False)
    assert plain(SUBJECT.array(1.0), SUBJECT.array(2.0)).item() == pytest.approx(2 * math.sin(1.0))


def test_captured_arrays_are_constants_to_the_rule():
    # MLX's documented example: the captured y gets no gradient through f, and the rule runs
    # only when the gradient of f's own input is needed.
    def g(m):
        def fn(x, y):
            @m.custom_function
            def f(x):
                return x * y

            @f.vjp
            def f_vjp(x, dx, fx):
                raise ValueError("Abort!")

            return f(x)

        return fn

    check(lambda m: g(m)(m.array(2.0), m.array(3.0)))
    check(lambda m: m.grad(g(m), argnums=1)(m.array(2.0), m.array(3.0)))
    check_raises(lambda m: m.grad(g(m))(m.array(2.0), m.array(3.0)), ValueError)


def test_pytree_arguments_and_outputs():
    def make(m):
        @m.custom_function
        def f(params, scale):
            return {"out": params["w"] * scale, "aux": [params["b"] + 1.0]}

        @f.vjp
        def f_vjp(primals, cotangent, output):
            params, scale = primals
            gw = cotangent["out"] * scale
            gs = m.sum(cotangent["out"] * params["w"])
            return {"w": gw, "b": cotangent["aux"][0]}, gs

        return f

    def loss(m):
        f = make(m)

        def fn(params, scale):
            out = f(params, scale)
            return m.sum(out["out"]) + m.sum(out["aux"][0])

        return fn

    args = lambda m: ({"w": m.array([1.0, 2.0]), "b": m.array([0.5])}, m.array(3.0))  # noqa: E731
    check(lambda m: m.grad(loss(m))(*args(m)))
    check(lambda m: m.grad(loss(m), argnums=1)(*args(m)))


def _with_vmap_rule(m, factor=7.0):
    """A function whose vmap rule deliberately differs from its own graph (x * 2 + y)."""

    @m.custom_function
    def f(x, y):
        return x * 2 + y

    @f.vmap
    def f_vmap(inputs, axes):
        x, y = inputs
        ax, ay = axes
        x = m.moveaxis(x, ax, 0) if ax is not None else x
        y = m.moveaxis(y, ay, 0) if ay is not None else y
        return x * factor + y, 0

    return f


def test_custom_vmap_rule_replaces_the_batched_graph():
    x, y = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.5, -1.0, 2.0]
    check(lambda m: m.vmap(_with_vmap_rule(m))(m.array(x), m.array(x)))
    check(lambda m: m.vmap(_with_vmap_rule(m), in_axes=(1, None))(m.array(x).T, m.array(y)))
    got = SUBJECT.vmap(_with_vmap_rule(SUBJECT), in_axes=(0, None))(
        SUBJECT.array(x), SUBJECT.array(y)
    )
    assert got.tolist() == [[a * 7 + b for a, b in zip(row, y)] for row in x]


def test_custom_vmap_with_a_lone_argument_gets_it_unwrapped():
    def make(m):
        @m.custom_function
        def g(x):
            return x * 2

        @g.vmap
        def g_vmap(inputs, axes):
            return inputs * 7, axes  # an array and an int, not a tuple, as in MLX

        return g

    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    check(lambda m: m.vmap(make(m))(m.array(a)))
    check(lambda m: m.vmap(make(m), in_axes=1)(m.array(a)))
    # Gradients flow through what the vmap rule built.
    check(lambda m: m.grad(lambda x: m.vmap(make(m))(x).sum())(m.array(a)))


def test_custom_vjp_is_not_kept_through_vmap_as_in_mlx():
    def make(m):
        @m.custom_function
        def k(x):
            return x * 2

        @k.vjp
        def k_vjp(primals, cotangent, output):
            return cotangent * 5

        return k

    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    check(lambda m: m.vmap(make(m))(m.array(a)))
    check(lambda m: m.vmap(m.grad(lambda x: make(m)(x).sum()))(m.array(a)))  # the rule: 5
    check(lambda m: m.grad(lambda x: m.vmap(make(m))(x).sum())(m.array(a)))  # the graph: 2


def _block(m):
    def block(x, w):
        return m.tanh(x @ w) * m.sigmoid(x @ w)

    return block


def test_checkpoint_gives_the_same_values_and_gradients_as_mlx():
    import numpy as np

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((3, 4)).astype(np.float32)
    w_np = rng.standard_normal((4, 4)).astype(np.float32)

    def loss(m):
        block = m.checkpoint(_block(m))
        return lambda x, w: m.sum(block(block(x, w), w))

    check(lambda m: loss(m)(m.array(x_np), m.array(w_np)), 1e-5, 1e-6)
    check(lambda m: m.grad(loss(m), argnums=(0, 1))(m.array(x_np), m.array(w_np)), 1e-5, 1e-6)
    # jvp through a checkpointed function equals jvp through the plain one
    x, w = SUBJECT.array(x_np), SUBJECT.array(w_np)
    t = SUBJECT.ones_like(x)
    plain = SUBJECT.jvp(_block(SUBJECT), [x, w], [t, SUBJECT.zeros_like(w)])[1][0]
    ckpt = SUBJECT.jvp(SUBJECT.checkpoint(_block(SUBJECT)), [x, w], [t, SUBJECT.zeros_like(w)])[1][0]
    np.testing.assert_allclose(np.array(ckpt), np.array(plain), rtol=1e-6)
