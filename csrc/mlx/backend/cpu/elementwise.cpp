#include "mlx/backend/cpu/elementwise.h"

namespace mlx_core::cpu {

namespace {
bool is_scalar_like(const array& a) { return a.data_size() == 1; }

bool can_donate(const array& in, const array& out) {
  return in.is_donatable() && in.itemsize() == out.itemsize();
}

void set_dense_like(const array& in, array& out) {
  if (can_donate(in, out)) {
    out.copy_shared_buffer(in);
  } else {
    out.set_data(allocator::malloc(in.data_size() * out.itemsize()), in.strides(), in.flags(),
                 in.data_size());
  }
}
}  // namespace

BinaryLayout binary_layout(const array& a, const array& b) {
  bool sa = is_scalar_like(a), sb = is_scalar_like(b);
  // Two broadcast scalars still give a materialised output (as MLX does), so
  // memory use and later writes behave the same; the general loop fills it.
  if (sa && sb) return a.size() <= 1 ? BinaryLayout::ScalarScalar : BinaryLayout::General;
  if (sa && b.flags().contiguous) return BinaryLayout::ScalarVector;
  if (sb && a.flags().contiguous) return BinaryLayout::VectorScalar;
  if (a.flags().contiguous && b.flags().contiguous && a.strides() == b.strides() &&
      a.data_size() == b.data_size()) {
    return BinaryLayout::VectorVector;
  }
  return BinaryLayout::General;
}

bool set_unary_output(const array& in, array& out) {
  if (in.flags().contiguous) {
    set_dense_like(in, out);
    return true;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  return false;
}

void set_binary_output(const array& a, const array& b, array& out, BinaryLayout layout) {
  switch (layout) {
    case BinaryLayout::ScalarScalar:
      // One value, viewed with a's (broadcast) strides.
      out.set_data(allocator::malloc(out.itemsize()), a.strides(), a.flags(), 1);
      return;
    case BinaryLayout::ScalarVector:
      set_dense_like(b, out);
      return;
    case BinaryLayout::VectorScalar:
      set_dense_like(a, out);
      return;
    case BinaryLayout::VectorVector:
      set_dense_like(can_donate(b, out) && !can_donate(a, out) ? b : a, out);
      return;
    case BinaryLayout::General:
      out.set_data(allocator::malloc(out.nbytes()));
      return;
  }
}

}  // namespace mlx_core::cpu
