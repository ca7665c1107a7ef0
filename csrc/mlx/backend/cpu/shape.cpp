// eval_cpu for the layout primitives: views where the layout allows, copies
// otherwise.
#include "mlx/backend/cpu/copy.h"
#include "mlx/primitives/shape.h"

namespace mlx_core {

namespace {
void make_view(const array& in, array& out, const Strides& strides, int64_t offset) {
  auto [flags, data_size] = view_layout(out.shape(), strides);
  out.copy_shared_buffer(in, strides, flags, data_size, offset);
}
}  // namespace

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous) {
    make_view(in, out, row_major_strides(out.shape()), 0);
    return;
  }
  // Not in C order: materialise in C order first (the values' order is logical order).
  cpu::copy_to_row_contiguous(in, out);
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides strides(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) strides[i] = in.strides()[axes_[i]];
  make_view(in, out, strides, 0);
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int diff = out.ndim() - in.ndim();
  Strides strides(out.ndim(), 0);
  for (int i = 0; i < in.ndim(); ++i) {
    strides[diff + i] = in.shape(i) == 1 ? 0 : in.strides()[i];
  }
  make_view(in, out, strides, 0);
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  int64_t offset = 0;
  Strides strides(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    offset += int64_t(start_[i]) * in.strides()[i];
    strides[i] = in.strides()[i] * step_[i];
  }
  make_view(in, out, strides, offset);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& update = inputs[1];
  // Start from a C-ordered copy of src (reusing its buffer when it is dead).
  cpu::copy_to_row_contiguous(src, out);
  if (update.size() == 0) return;
  int64_t offset = 0;
  Strides strides(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += int64_t(start_[i]) * out.strides()[i];
    strides[i] = out.strides()[i] * step_[i];
  }
  cpu::copy_into(update, out, strides, offset, update.shape());
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t offset = 0;
  for (auto& in : inputs) {
    cpu::copy_into(in, out, out.strides(), offset, in.shape());
    offset += int64_t(in.shape(axis_)) * out.strides()[axis_];
  }
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The op builder made the input row contiguous, so offsets are plain.
  make_view(inputs[0], out, strides_, offset_);
}

}  // namespace mlx_core
