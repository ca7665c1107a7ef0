// eval_cpu for AsType, Contiguous, StopGradient, View and Arange.
#include <cstring>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/elementwise.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/convert.h"

namespace mlx_core {

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().contiguous) {
    // Keep the input's dense layout: convert the flat buffer.
    cpu::set_unary_output(in, out);
    cpu::copy_dense(in, out);
    return;
  }
  cpu::copy_to_row_contiguous(in, out);
}

void Contiguous::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_major_ && in.flags().col_contiguous)) {
    out.copy_shared_buffer(in);
    return;
  }
  cpu::copy_to_row_contiguous(in, out);
}

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  // The builder made the input row contiguous when item sizes differ.
  if (in.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(in);
    return;
  }
  out.copy_shared_buffer(in, row_major_strides(out.shape()), in.flags(),
                         in.data_size() * in.itemsize() / out.itemsize());
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  size_t n = out.size();
  cpu::dispatch_real(out.dtype(), "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.data<T>();
    if constexpr (std::is_integral_v<T>) {
      // Integer ranges step exactly in the integer type (as MLX does).
      T start = T(start_), step = T(step_);
      T v = start;
      for (size_t i = 0; i < n; ++i, v = T(v + step)) dst[i] = v;
    } else {
      using C = cpu::compute_t<T>;
      C start = C(start_), step = C(step_);
      for (size_t i = 0; i < n; ++i) dst[i] = T(start + C(i) * step);
    }
  });
}

}  // namespace mlx_core
