"""Bad input across the core ops: the subject must raise the exception type MLX raises, with
the same `[op]` message prefix when MLX gives one, and never crash.

Each case names the exception MLX 0.32.4 raises, so a change in MLX is noticed here too.
Cases where MLX itself crashes or returns garbage (out-of-bounds integer indices, a[::0],
reshape to negative sizes, a.reshape() with no arguments, integer divmod by zero) are left out.
"""

import numpy as np
import pytest

from helpers import check_raises

Z23 = "m.zeros((2, 3))"

CASES = [
    # (id, expression with `m` the library, exception type MLX raises)
    # --- shapes and sizes -----------------------------------------------------------------
    ("reshape_wrong_size", f"m.reshape({Z23}, (4, 2))", ValueError),
    ("reshape_two_inferred", f"m.reshape({Z23}, (-1, -1))", ValueError),
    ("reshape_infer_impossible", f"m.reshape({Z23}, (4, -1))", ValueError),
    ("reshape_infer_empty", "m.reshape(m.zeros((0, 3)), (-1, 0))", ValueError),
    ("reshape_float_dims", f"m.reshape({Z23}, (2.0, 3))", TypeError),
    ("reshape_method_wrong_size", f"{Z23}.reshape(7)", ValueError),
    ("zeros_negative", "m.zeros((2, -1))", ValueError),
    ("ones_negative_int", "m.ones(-3)", ValueError),
    ("zeros_huge_dim", "m.zeros((2**31,))", OverflowError),
    ("zeros_huge_dims", "m.zeros((2**40, 2**40))", OverflowError),
    ("zeros_beyond_int64", "m.zeros((2**63,))", RuntimeError),
    ("reshape_huge", "m.reshape(m.zeros(6), (2**62, 4))", OverflowError),
    ("broadcast_to_huge", "m.broadcast_to(m.zeros(1), (2**40, 2))", OverflowError),
    ("zeros_float_shape", "m.zeros(1.5)", RuntimeError),
    ("zeros_string_dtype", "m.zeros(3, 'float32')", TypeError),
    ("full_negative", "m.full((-1,), 1.0)", ValueError),
    ("arange_too_big", "m.arange(2**40)", ValueError),
    ("arange_zero_step", "m.arange(0, 4, 0)", ValueError),
    ("arange_bool", "m.arange(True)", ValueError),
    ("arange_inf", "m.arange(float('inf'))", ValueError),
    ("linspace_negative", "m.linspace(0, 1, -2)", ValueError),
    ("eye_negative", "m.eye(-1)", ValueError),
    ("tril_1d", "m.tril(m.zeros(3))", ValueError),
    ("meshgrid_bad_indexing", "m.meshgrid(m.arange(2), indexing='xx')", ValueError),
    # --- axes -------------------------------------------------------------------------------
    ("sum_axis_out_of_range", f"m.sum({Z23}, axis=2)", IndexError),
    ("sum_negative_axis_out_of_range", f"m.sum({Z23}, axis=-3)", IndexError),
    ("sum_duplicate_axes", f"m.sum({Z23}, axis=(0, 0))", ValueError),
    ("mean_duplicate_axes_mixed_sign", f"m.mean({Z23}, axis=(1, -1))", ValueError),
    ("std_duplicate_axes", "m.std(m.zeros(3), axis=(0, 0))", ValueError),
    ("sum_float_axis", f"m.sum({Z23}, axis=0.0)", TypeError),
    ("argmax_tuple_axis", f"m.argmax({Z23}, axis=(0, 1))", TypeError),
    ("argmin_axis_out_of_range", f"m.argmin({Z23}, axis=2)", IndexError),
    ("softmax_axis_out_of_range", "m.softmax(m.zeros(3), axis=1)", IndexError),
    ("flatten_start_after_end", "m.flatten(m.zeros((2, 3, 4)), 2, 1)", ValueError),
    ("unflatten_axis_out_of_range", "m.unflatten(m.zeros((2, 6)), 3, (2, 3))", IndexError),
    ("unflatten_two_inferred", "m.unflatten(m.zeros((2, 6)), 1, (-1, -1))", ValueError),
    ("unflatten_wrong_size", "m.unflatten(m.zeros((2, 6)), 1, (4, -1))", ValueError),
    ("unflatten_empty_shape", "m.unflatten(m.zeros((2, 6)), 1, ())", ValueError),
    ("squeeze_non_unit", "m.squeeze(m.zeros((1, 2, 1)), 1)", ValueError),
    ("squeeze_out_of_range", "m.squeeze(m.zeros((1, 2)), 3)", IndexError),
    ("expand_dims_out_of_range", "m.expand_dims(m.zeros(3), 5)", IndexError),
    ("expand_dims_duplicate", f"m.expand_dims({Z23}, (0, 0))", ValueError),
    ("transpose_wrong_length", "m.transpose(m.zeros((2, 3, 4)), [1, 0])", ValueError),
    ("transpose_repeated", f"m.transpose({Z23}, (0, 0))", ValueError),
    ("transpose_out_of_range", f"m.transpose({Z23}, (0, 2))", IndexError),
    ("swapaxes_out_of_range", f"m.swapaxes({Z23}, 0, 2)", IndexError),
    ("moveaxis_out_of_range", f"m.moveaxis({Z23}, 0, 5)", IndexError),
    ("matrix_transpose_1d", "m.matrix_transpose(m.zeros(3))", ValueError),
    ("flip_axis_out_of_range", "m.flip(m.zeros((2, 3)), 2)", IndexError),
    ("roll_axis_out_of_range", f"m.roll({Z23}, 1, 2)", IndexError),
    ("roll_too_few_shifts", f"m.roll({Z23}, (1, 2), (0, 1, 1))", ValueError),
    ("diagonal_same_axes", f"m.diagonal({Z23}, 0, 0, 0)", ValueError),
    ("diagonal_axis_out_of_range", f"m.diagonal({Z23}, 0, 0, 5)", IndexError),
    ("diagonal_1d", "m.diagonal(m.zeros(3))", ValueError),
    ("diag_3d", "m.diag(m.zeros((2, 2, 2)))", ValueError),
    ("trace_1d", "m.trace(m.zeros(3))", ValueError),
    ("trace_same_axes", f"m.trace({Z23}, 0, 0, 0)", ValueError),
    ("unstack_scalar", "m.unstack(m.array(1))", IndexError),
    # --- joining and splitting --------------------------------------------------------------
    ("concatenate_nothing", "m.concatenate([])", ValueError),
    ("concatenate_ndim_mismatch", f"m.concatenate([{Z23}, m.zeros(3)])", ValueError),
    ("concatenate_shape_mismatch", f"m.concatenate([{Z23}, m.zeros((2, 2))], axis=0)", ValueError),
    (
        "concatenate_axis_out_of_range",
        "m.concatenate([m.zeros(2), m.zeros(2)], axis=1)",
        IndexError,
    ),
    ("stack_nothing", "m.stack([])", ValueError),
    ("stack_shape_mismatch", f"m.stack([{Z23}, m.zeros((3, 2))])", ValueError),
    ("stack_axis_out_of_range", "m.stack([m.zeros(2)], axis=5)", IndexError),
    ("split_uneven", f"m.split({Z23}, 4, axis=1)", ValueError),
    ("split_zero_sections", f"m.split({Z23}, 0)", ValueError),
    ("split_axis_out_of_range", f"m.split({Z23}, 1, axis=4)", IndexError),
    ("pad_negative", f"m.pad({Z23}, -1)", ValueError),
    ("pad_too_many_widths", f"m.pad({Z23}, [(1, 2), (0, 1), (1, 1)])", ValueError),
    ("pad_bad_mode", f"m.pad({Z23}, 1, mode='wrap')", ValueError),
    ("pad_triple_width", f"m.pad({Z23}, ((1, 2, 3),))", TypeError),
    ("pad_string_width", f"m.pad({Z23}, 'x')", TypeError),
    ("tile_negative", "m.tile(m.zeros(2), (2, -1))", ValueError),
    ("repeat_negative", f"m.repeat({Z23}, -1)", ValueError),
    ("repeat_list", f"m.repeat({Z23}, [1, 2], axis=0)", TypeError),
    ("broadcast_to_incompatible", f"m.broadcast_to({Z23}, (3, 3))", ValueError),
    ("broadcast_to_negative", "m.broadcast_to(m.zeros(3), (-1,))", ValueError),
    ("broadcast_shapes_none", "m.broadcast_shapes()", ValueError),
    ("broadcast_shapes_incompatible", "m.broadcast_shapes((2,), (3,))", ValueError),
    # --- elementwise and dtypes -------------------------------------------------------------
    ("add_shape_mismatch", f"m.add({Z23}, m.zeros((3, 2)))", ValueError),
    ("operator_shape_mismatch", f"{Z23} * m.zeros((4,))", ValueError),
    ("add_string", "m.array([1, 2]) + 'a'", ValueError),
    ("add_list", "m.add([1, 2], [3, 4])", ValueError),
    ("negative_bool", "m.negative(m.array([True]))", ValueError),
    ("floor_complex", "m.floor(m.array([1j]))", ValueError),
    ("remainder_complex", "m.remainder(m.array([1j]), m.array([1j]))", ValueError),
    ("arctan2_complex", "m.arctan2(m.array([1j]), m.array([1j]))", ValueError),
    ("bitwise_and_float", "m.bitwise_and(m.array([1.0]), m.array([1.0]))", RuntimeError),
    ("and_operator_float", "m.array([3]) & 1.0", ValueError),
    ("left_shift_float", "m.left_shift(m.array([1]), m.array([1.5]))", RuntimeError),
    ("invert_float", "~m.array([1.5])", ValueError),
    ("scalar_overflow_uint8", "m.array([1], dtype=m.uint8) + 300", ValueError),
    ("scalar_negative_uint32", "m.array([1], dtype=m.uint32) - (-1)", ValueError),
    ("python_int_beyond_int64", "m.array([1]) + 2**63", RuntimeError),
    ("inplace_true_divide_int", "m.array([1, 2]).__itruediv__(2)", ValueError),
    ("nan_to_num_float64", "m.nan_to_num(m.array([1.0], dtype=m.float64))", ValueError),
    ("clip_both_none", "m.clip(m.array([1]), None, None)", ValueError),
    ("where_shape_mismatch", "m.where(m.zeros(2), m.zeros(3), 1)", ValueError),
    ("allclose_scalars", "m.allclose(1.0, 1.0)", TypeError),
    ("astype_string", "m.array([1]).astype('float32')", TypeError),
    ("view_larger_dtype", "m.arange(3).view(m.int64)", ValueError),
    ("view_scalar_size_change", "m.array(1).view(m.int8)", ValueError),
    # --- reductions and matmul --------------------------------------------------------------
    ("max_empty", "m.max(m.zeros((0, 3)))", ValueError),
    ("min_empty_axis", "m.min(m.zeros((0, 3)), axis=0)", ValueError),
    ("argmax_empty", "m.argmax(m.zeros((0,)))", ValueError),
    ("logsumexp_empty", "m.logsumexp(m.zeros((0,)))", ValueError),
    ("matmul_mismatch", "m.matmul(m.ones((2, 3)), m.ones((4, 5)))", ValueError),
    ("matmul_vectors_mismatch", "m.matmul(m.ones(3), m.ones(4))", ValueError),
    ("matmul_scalar_operand", "m.matmul(m.array(1.0), m.ones(3))", ValueError),
    ("matmul_batch_mismatch", "m.matmul(m.ones((2, 2, 3)), m.ones((3, 3, 4)))", ValueError),
    (
        "matmul_integers",
        "m.matmul(m.ones((2, 3), dtype=m.int32), m.ones((3, 2), dtype=m.int32))",
        ValueError,
    ),
    ("matmul_python_scalar", "m.matmul(m.ones((2, 3)), 2.0)", TypeError),
    # --- construction and conversion --------------------------------------------------------
    ("array_ragged", "m.array([[1], [2, 3]])", ValueError),
    ("array_extra_dimension", "m.array([1, [2]])", ValueError),
    ("array_string", "m.array('abc')", ValueError),
    ("array_list_of_strings", "m.array(['a'])", ValueError),
    ("array_none", "m.array(None)", TypeError),
    ("array_list_of_none", "m.array([None])", ValueError),
    ("array_dict", "m.array({})", ValueError),
    ("array_object_numpy", "m.array(np.array(['a'], dtype=object))", RuntimeError),
    ("array_huge_int", "m.array(2**64)", RuntimeError),
    ("array_negative_stride_numpy", "m.array(np.arange(6)[::-1])", ValueError),
    ("asarray_no_copy", "m.asarray(m.ones(2), copy=False)", ValueError),
    ("item_of_many", "m.array([1, 2]).item()", ValueError),
    ("float_of_many", "float(m.array([1.0, 2.0]))", ValueError),
    ("float_of_complex", "float(m.array(1 + 2j))", TypeError),
    ("index_of_float", "m.array(3.0).__index__()", TypeError),
    ("len_of_scalar", "len(m.array(1))", TypeError),
    ("iter_of_scalar", "iter(m.array(1))", TypeError),
    ("eq_none", "m.array([1]) == None", TypeError),
    ("too_many_indices", f"{Z23}[0, 0, 0]", ValueError),
    ("two_ellipses", f"{Z23}[..., ...]", ValueError),
    ("string_index", f"{Z23}['x']", ValueError),
    ("float_index", f"{Z23}[1.5]", ValueError),
    ("index_scalar", "m.array(1)[0]", ValueError),
    ("bool_array_index", f"{Z23}[m.array([True, False])]", ValueError),
    ("setitem_wrong_shape", "m.zeros((3, 4)).__setitem__(0, m.ones((2, 4)))", ValueError),
    ("setitem_list", "m.zeros((3, 4)).__setitem__(0, [1, 2, 3, 4])", ValueError),
    ("setitem_too_many_indices", "m.zeros((3, 4)).__setitem__((0, 0, 0), 1)", ValueError),
    # --- dtype API --------------------------------------------------------------------------
    ("finfo_integer", "m.finfo(m.int32)", ValueError),
    ("iinfo_float", "m.iinfo(m.float32)", ValueError),
    ("iinfo_bool", "m.iinfo(m.bool_)", ValueError),
    ("issubdtype_string", "m.issubdtype(m.float32, 'float')", ValueError),
    ("isdtype_unknown_kind", "m.isdtype(m.float32, 'bogus')", ValueError),
    ("result_type_nothing", "m.result_type()", ValueError),
    ("result_type_python_scalar", "m.result_type(1, m.int8)", ValueError),
    ("can_cast_python_scalar", "m.can_cast(1, m.int8)", ValueError),
    ("dtype_constructor", "m.Dtype(m.float32)", TypeError),
]


@pytest.mark.parametrize("expr,exc_type", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_like_mlx(expr, exc_type):
    check_raises(lambda m: eval(expr, {"m": m, "np": np}), exc_type)


BRACKETED = [
    c
    for c in CASES
    if c[0]
    in {
        "reshape_wrong_size",
        "reshape_two_inferred",
        "zeros_negative",
        "arange_zero_step",
        "linspace_negative",
        "eye_negative",
        "tril_1d",
        "meshgrid_bad_indexing",
        "flatten_start_after_end",
        "squeeze_non_unit",
        "transpose_repeated",
        "swapaxes_out_of_range",
        "moveaxis_out_of_range",
        "concatenate_nothing",
        "stack_nothing",
        "split_zero_sections",
        "repeat_negative",
        "broadcast_to_incompatible",
        "add_shape_mismatch",
        "negative_bool",
        "bitwise_and_float",
        "max_empty",
        "matmul_mismatch",
        "matmul_integers",
        "finfo_integer",
        "iinfo_float",
        "result_type_nothing",
        "item_of_many",
        "diag_3d",
        "trace_1d",
        "unstack_scalar",
        "view_larger_dtype",
    }
]


@pytest.mark.parametrize("expr,exc_type", [c[1:] for c in BRACKETED], ids=[c[0] for c in BRACKETED])
def test_error_message_names_the_op(expr, exc_type):
    exc = check_raises(lambda m: eval(expr, {"m": m, "np": np}), exc_type)
    assert str(exc).startswith("["), f"MLX's message has no [op] prefix: {exc}"


def test_errors_leave_the_library_usable():
    from helpers import SUBJECT as m

    for _, expr, _ in CASES[:20]:
        try:
            eval(expr, {"m": m, "np": np})
        except Exception:  # noqa: BLE001 - the failure itself is checked elsewhere
            pass
    assert m.add(m.array([1, 2]), 1).tolist() == [2, 3]
