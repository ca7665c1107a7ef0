// Select::eval_cpu: a strided walk over condition, x, y and the output.
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/select_kernel.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives/ternary.h"

namespace mlx_core {

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array &cond = inputs[0], &x = inputs[1], &y = inputs[2];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  auto layout = cpu::collapse_contiguous_dims<4>(
      out.shape(), {&cond.strides(), &x.strides(), &y.strides(), &out.strides()});
  cpu::dispatch_bytes(out.itemsize(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool* c = cond.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.data<T>();
    cpu::for_each_row(layout, [&](const std::array<int64_t, 4>& off, int64_t n,
                                  const std::array<int64_t, 4>& st) {
      cpu::select_run(c + off[0], st[0], px + off[1], st[1], py + off[2], st[2], po + off[3], st[3], n);
    });
  });
}

}  // namespace mlx_core
