// Bindings for the convolutions (signatures as MLX 0.32.4's).
#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using Pair = std::pair<int, int>;
using Triple = std::tuple<int, int, int>;
using IntOrPair = std::variant<int, Pair>;
using IntOrTriple = std::variant<int, Triple>;
using IntOrVec = std::variant<int, std::vector<int>>;
using Padding = std::variant<int, std::vector<int>, std::pair<std::vector<int>, std::vector<int>>>;

Pair pair_of(const IntOrPair& v) {
  if (auto* i = std::get_if<int>(&v)) return {*i, *i};
  return std::get<Pair>(v);
}

Triple triple_of(const IntOrTriple& v) {
  if (auto* i = std::get_if<int>(&v)) return {*i, *i, *i};
  return std::get<Triple>(v);
}

std::vector<int> vec_of(const IntOrVec& v) {
  if (auto* i = std::get_if<int>(&v)) return {*i};
  return std::get<std::vector<int>>(v);
}

}  // namespace

void init_conv(nb::module_& m) {
  m.def(
      "conv1d",
      [](const array& in, const array& wt, int stride, int padding, int dilation, int groups,
         StreamOrDevice s) { return conv1d(in, wt, stride, padding, dilation, groups, s); },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, "
              "dilation: int = 1, groups: int = 1, *, stream: Stream | Device | None = None) "
              "-> array"),
      R"(1D convolution of an input with several channels.

Args:
    input (array): Input of shape ``(N, L, C_in)``.
    weight (array): Weight of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Kernel stride. Default: ``1``.
    padding (int, optional): Zero padding on both sides. Default: ``0``.
    dilation (int, optional): Kernel dilation. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result, of shape ``(N, L_out, C_out)``.)");

  m.def(
      "conv2d",
      [](const array& in, const array& wt, const IntOrPair& stride, const IntOrPair& padding,
         const IntOrPair& dilation, int groups, StreamOrDevice s) {
        return conv2d(in, wt, pair_of(stride), pair_of(padding), pair_of(dilation), groups, s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, "
              "padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, "
              "groups: int = 1, *, stream: Stream | Device | None = None) -> array"),
      R"(2D convolution of an input with several channels.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides, one per spatial
        axis or one for both. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric zero padding, one per
        spatial axis or one for both. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation, one per spatial
        axis or one for both. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result, of shape ``(N, H_out, W_out, C_out)``.)");

  m.def(
      "conv3d",
      [](const array& in, const array& wt, const IntOrTriple& stride, const IntOrTriple& padding,
         const IntOrTriple& dilation, int groups, StreamOrDevice s) {
        return conv3d(in, wt, triple_of(stride), triple_of(padding), triple_of(dilation), groups,
                      s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, "
              "padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, "
              "groups: int = 1, *, stream: Stream | Device | None = None) -> array"),
      R"(3D convolution of an input with several channels.

Only ``groups=1`` is supported, as in MLX.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, KD, KH, KW, C_in)``.
    stride (int or tuple(int), optional): Kernel strides. Default: ``1``.
    padding (int or tuple(int), optional): Symmetric zero padding. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result, of shape ``(N, D_out, H_out, W_out, C_out)``.)");

  m.def(
      "conv_general",
      [](const array& in, const array& wt, const IntOrVec& stride, const Padding& padding,
         const IntOrVec& kernel_dilation, const IntOrVec& input_dilation, int groups, bool flip,
         StreamOrDevice s) {
        std::vector<int> lo, hi;
        if (auto* i = std::get_if<int>(&padding)) {
          lo = hi = {*i};
        } else if (auto* v = std::get_if<std::vector<int>>(&padding)) {
          lo = hi = *v;
        } else {
          auto& pr = std::get<std::pair<std::vector<int>, std::vector<int>>>(padding);
          lo = pr.first;
          hi = pr.second;
        }
        return conv_general(in, wt, vec_of(stride), lo, hi, vec_of(kernel_dilation),
                            vec_of(input_dilation), groups, flip, s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0,
      "kernel_dilation"_a = 1, "input_dilation"_a = 1, "groups"_a = 1, "flip"_a = false,
      nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_general(input: array, weight: array, /, stride: int | "
              "collections.abc.Sequence[int] = 1, padding: int | collections.abc.Sequence[int] | "
              "tuple[collections.abc.Sequence[int], collections.abc.Sequence[int]] = 0, "
              "kernel_dilation: int | collections.abc.Sequence[int] = 1, input_dilation: int | "
              "collections.abc.Sequence[int] = 1, groups: int = 1, flip: bool = False, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(General convolution over 1 to 3 spatial axes.

Args:
    input (array): Input of shape ``(N, ..., C_in)``.
    weight (array): Weight of shape ``(C_out, ..., C_in / groups)``.
    stride (int or list(int), optional): Kernel strides, one per spatial axis
        or one for all. Default: ``1``.
    padding (int, list(int), or tuple(list(int), list(int)), optional): Zero
        padding: one number for all axes, one per axis (both sides), or a
        pair of lists (low side, high side). Default: ``0``.
    kernel_dilation (int or list(int), optional): Kernel dilation. Default: ``1``.
    input_dilation (int or list(int), optional): Input dilation. Default: ``1``.
    groups (int, optional): Input feature groups. Default: ``1``.
    flip (bool, optional): Flip the kernel (a true convolution rather than a
        cross-correlation). Default: ``False``.

Returns:
    array: The convolved array.)");

  m.def(
      "conv_transpose1d",
      [](const array& in, const array& wt, int stride, int padding, int dilation,
         int output_padding, int groups, StreamOrDevice s) {
        return conv_transpose1d(in, wt, stride, padding, dilation, output_padding, groups, s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "output_padding"_a = 0, "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose1d(input: array, weight: array, /, stride: int = 1, padding: int "
              "= 0, dilation: int = 1, output_padding: int = 0, groups: int = 1, *, stream: "
              "Stream | Device | None = None) -> array"),
      R"(1D transposed convolution of an input with several channels.

Args:
    input (array): Input of shape ``(N, L, C_in)``.
    weight (array): Weight of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Kernel stride. Default: ``1``.
    padding (int, optional): Padding removed from both sides. Default: ``0``.
    dilation (int, optional): Kernel dilation. Default: ``1``.
    output_padding (int, optional): Extra length at the end. Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result.)");

  m.def(
      "conv_transpose2d",
      [](const array& in, const array& wt, const IntOrPair& stride, const IntOrPair& padding,
         const IntOrPair& dilation, const IntOrPair& output_padding, int groups,
         StreamOrDevice s) {
        return conv_transpose2d(in, wt, pair_of(stride), pair_of(padding), pair_of(dilation),
                                pair_of(output_padding), groups, s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "output_padding"_a = 0, "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose2d(input: array, weight: array, /, stride: int | tuple[int, int] "
              "= 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, "
              "output_padding: int | tuple[int, int] = 0, groups: int = 1, *, stream: Stream | "
              "Device | None = None) -> array"),
      R"(2D transposed convolution of an input with several channels.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int), optional): Kernel strides. Default: ``1``.
    padding (int or tuple(int), optional): Padding removed from both sides. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation. Default: ``1``.
    output_padding (int or tuple(int), optional): Extra length at the end. Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result.)");

  m.def(
      "conv_transpose3d",
      [](const array& in, const array& wt, const IntOrTriple& stride, const IntOrTriple& padding,
         const IntOrTriple& dilation, const IntOrTriple& output_padding, int groups,
         StreamOrDevice s) {
        return conv_transpose3d(in, wt, triple_of(stride), triple_of(padding),
                                triple_of(dilation), triple_of(output_padding), groups, s);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "output_padding"_a = 0, "groups"_a = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose3d(input: array, weight: array, /, stride: int | tuple[int, int, "
              "int] = 1, padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, "
              "int] = 1, output_padding: int | tuple[int, int, int] = 0, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(3D transposed convolution of an input with several channels.

Only ``groups=1`` is supported, as in MLX.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, KD, KH, KW, C_in)``.
    stride (int or tuple(int), optional): Kernel strides. Default: ``1``.
    padding (int or tuple(int), optional): Padding removed from both sides. Default: ``0``.
    dilation (int or tuple(int), optional): Kernel dilation. Default: ``1``.
    output_padding (int or tuple(int), optional): Extra length at the end. Default: ``0``.
    groups (int, optional): Input feature groups. Default: ``1``.

Returns:
    array: The result.)");

  m.def(
      "convolve",
      [](const array& a, const array& v, const std::string& mode, StreamOrDevice s) {
        return convolve(a, v, mode, s);
      },
      "a"_a, "v"_a, "mode"_a = "full", nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def convolve(a: array, v: array, /, mode: str = 'full', *, stream: Stream | Device "
              "| None = None) -> array"),
      R"(The discrete convolution of two 1D arrays, as ``numpy.convolve``.

The longer array is the signal and the other the kernel (they are swapped
when ``v`` is longer); the kernel is flipped, as in signal processing.

Args:
    a (array): 1D input.
    v (array): 1D input.
    mode (str, optional): ``"full"``, ``"same"`` or ``"valid"``. Default: ``"full"``.

Returns:
    array: The convolution.)");
}
