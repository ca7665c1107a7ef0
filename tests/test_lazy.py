"""Lazy evaluation: very deep graphs evaluate (and are freed) without recursion overflow,
memory returns to its baseline, and eval / async_eval / synchronize accept arrays and
pytrees."""

import gc

import numpy as np
import pytest

from helpers import ORACLE, SUBJECT, check, check_raises

DEEP = 10**6


def test_million_step_chain_evaluates_to_the_right_value():
    # Only the subject runs this: the answer is known, and MLX itself needs seconds for it.
    m = SUBJECT
    x = m.array(0.0)
    for _ in range(DEEP):
        x = x + 1
    m.eval(x)
    assert x.item() == float(DEEP)
    assert x.shape == () and str(x.dtype).endswith("float32")


def test_deep_chain_on_a_vector_evaluated_by_a_reduction():
    m = SUBJECT
    x = m.zeros((4,), dtype=m.int32)
    for _ in range(10**5):
        x = x + 1
    assert m.sum(x).item() == 4 * 10**5


def test_deep_unevaluated_graph_can_be_dropped():
    m = SUBJECT
    x = m.array(0.0)
    for _ in range(DEEP):
        x = x + 1
    del x
    gc.collect()
    assert m.add(m.array(1), 1).item() == 2


def test_deep_chain_shared_between_outputs():
    def run(m):
        x = m.array(1.0)
        for _ in range(2000):
            x = m.maximum(x, x * 0.5) + x * 0
        y = x + 1
        z = x * 2
        m.eval(y, z)
        return x, y, z

    check(run)


def test_evaluated_array_keeps_value_after_inputs_are_deleted():
    def run(m):
        a = m.arange(10)
        b = a * 2
        m.eval(b)
        del a
        gc.collect()
        return b

    check(run)


# ---------------------------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------------------------


def _settle(m):
    gc.collect()
    m.synchronize()
    m.clear_cache()


def test_active_memory_returns_to_baseline_after_big_temporary_is_deleted():
    m = SUBJECT
    _settle(m)
    base = m.get_active_memory()
    big = m.ones((1024, 1024)) * 3  # 4 MiB of float32
    m.eval(big)
    assert m.get_active_memory() >= base + 4 * 1024 * 1024
    del big
    _settle(m)
    assert m.get_active_memory() <= base


def test_unevaluated_temporary_allocates_nothing_lasting():
    m = SUBJECT
    _settle(m)
    base = m.get_active_memory()
    for _ in range(3):
        t = m.ones((512, 512)) + 1
        del t
    _settle(m)
    assert m.get_active_memory() <= base


def test_intermediates_of_an_evaluated_chain_are_freed():
    m = SUBJECT
    _settle(m)
    base = m.get_active_memory()
    x = m.ones((256, 256))
    for _ in range(20):
        x = x * 1.5 + 1
    m.eval(x)
    # only the result (256 KiB) should stay alive, not the 20 intermediates
    assert m.get_active_memory() - base < 4 * 256 * 256 * 4
    del x
    _settle(m)
    assert m.get_active_memory() <= base


def test_memory_counters_are_non_negative_ints():
    def run(m):
        m.reset_peak_memory()
        vals = (m.get_active_memory(), m.get_peak_memory(), m.get_cache_memory())
        return tuple(type(v).__name__ == "int" and v >= 0 for v in vals)

    check(run)


def test_peak_memory_tracks_a_large_allocation():
    m = SUBJECT
    _settle(m)
    m.reset_peak_memory()
    big = m.zeros((2048, 1024)) + 1  # 8 MiB
    m.eval(big)
    assert m.get_peak_memory() >= 8 * 1024 * 1024
    del big
    _settle(m)


# ---------------------------------------------------------------------------------------------
# eval / async_eval / synchronize
# ---------------------------------------------------------------------------------------------

PYTREES = [
    lambda m: (m.array(1) + 1,),
    lambda m: (m.array(1), [m.array(2) * 2]),
    lambda m: ({"a": (m.array(3) + 1,), "b": [m.zeros((2,)), {"c": m.ones((1,))}]},),
    lambda m: ([m.array(1), 1, "x", None],),
    lambda m: (),
    lambda m: (1,),
    lambda m: ([],),
]


@pytest.mark.parametrize(
    "args",
    PYTREES,
    ids=[
        "array",
        "array_and_list",
        "nested_dict",
        "mixed_leaves",
        "nothing",
        "python_int",
        "empty_list",
    ],
)
@pytest.mark.parametrize("fn", ["eval", "async_eval"])
def test_eval_accepts_arrays_and_pytrees(fn, args):
    def run(m):
        tree = args(m)
        out = getattr(m, fn)(*tree)
        if fn == "async_eval":
            m.synchronize()
        return out, tree

    check(run)


def test_eval_makes_values_available():
    def run(m):
        a = m.arange(5) * 2
        b = {"x": [a + 1]}
        m.eval(a, b)
        return a, b["x"][0]

    check(run)


def test_async_eval_then_read():
    def run(m):
        a = m.arange(1000) ** 2
        m.async_eval(a)
        return a.sum(), a[-1]

    check(run)


def test_synchronize_forms():
    check(lambda m: m.synchronize())
    check(lambda m: m.synchronize(m.cpu))
    check(lambda m: m.synchronize(m.default_stream(m.cpu)))
    check(lambda m: m.synchronize(stream=m.default_stream(m.default_device())))


def test_eval_rejects_non_pytree_objects_like_mlx():
    for bad in (object(), np.array([1.0])):
        exp_exc = None
        try:
            ORACLE.eval(bad)
        except Exception as e:  # noqa: BLE001
            exp_exc = e
        if exp_exc is None:
            SUBJECT.eval(bad)
        else:
            check_raises(lambda m: m.eval(bad), type(exp_exc))


def test_results_are_lazy_until_needed():
    def run(m):
        x = m.ones((3,))
        y = x / 0  # nothing raises before evaluation
        z = y * 0
        return m.isnan(z), m.isinf(y)

    check(run)
