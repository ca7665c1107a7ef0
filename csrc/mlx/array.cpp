#include "mlx/array.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "mlx/primitive.h"
#include "mlx/transforms/eval.h"

namespace mlx_core {

size_t shape_size(const Shape& shape, const char* op) {
  size_t n = 1;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] Shape dimensions must be non-negative.");
    }
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / size_t(d)) {
      throw std::invalid_argument(std::string("[") + op + "] Shape is too large.");
    }
    n *= size_t(d);
  }
  return n;
}

Strides row_major_strides(const Shape& shape) {
  Strides s(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  return s;
}

ArrayDesc::ArrayDesc(Shape s, Dtype d)
    : shape(std::move(s)), strides(row_major_strides(shape)), size(shape_size(shape)), dtype(d) {}

// Releasing a long unevaluated chain recursively would overflow the stack:
// unlink inputs iteratively, destroying each node only once we hold its inputs.
ArrayDesc::~ArrayDesc() {
  if (inputs.empty()) return;
  std::vector<array> pending = std::move(inputs);
  while (!pending.empty()) {
    array a = std::move(pending.back());
    pending.pop_back();
    if (a.desc_.use_count() == 1) {
      for (auto& in : a.desc_->inputs) pending.push_back(std::move(in));
      a.desc_->inputs.clear();
    }
  }
}

void array::init_scalar(const void* value) {
  auto buf = allocator::malloc(itemsize());
  std::memcpy(buf.ptr, value, itemsize());
  set_data(buf);
  desc_->evaluated = true;
}

array::array(allocator::Buffer buffer, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  set_data(buffer);
  desc_->evaluated = true;
}

array::array(std::shared_ptr<Data> data, void* ptr, Shape shape, Dtype dtype, Strides strides)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  auto [flags, data_size] = view_layout(desc_->shape, strides);
  desc_->data = std::move(data);
  desc_->data_ptr = ptr;
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
  desc_->evaluated = true;
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  desc_->primitive = std::move(primitive);
  desc_->inputs = std::move(inputs);
}

std::vector<array> array::make_arrays(std::vector<Shape> shapes, std::vector<Dtype> dtypes,
                                      std::shared_ptr<Primitive> primitive,
                                      std::vector<array> inputs) {
  std::vector<array> outs;
  if (shapes.size() == 1) {
    outs.emplace_back(std::move(shapes[0]), dtypes[0], std::move(primitive), std::move(inputs));
    return outs;
  }
  auto group = std::make_shared<SiblingGroup>();
  group->shapes = shapes;
  group->dtypes = dtypes;
  for (size_t i = 0; i < shapes.size(); ++i) {
    outs.emplace_back(shapes[i], dtypes[i], primitive, inputs);
    outs.back().desc_->siblings = group;
    outs.back().desc_->position = int(i);
    group->outputs.push_back(outs.back().desc_);
  }
  return outs;
}

std::vector<array> array::outputs() const {
  if (!desc_->siblings) return {*this};
  auto& g = *desc_->siblings;
  std::vector<array> outs;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    if (auto d = g.outputs[i].lock()) {
      outs.push_back(array(d));
    } else {  // the user dropped this output: the kernel still needs somewhere to write
      auto placeholder = std::make_shared<ArrayDesc>(g.shapes[i], g.dtypes[i]);
      placeholder->primitive = desc_->primitive;
      outs.push_back(array(placeholder));
    }
  }
  return outs;
}

void array::eval() {
  if (!is_evaluated()) mlx_core::eval({*this});
}

void array::set_data(allocator::Buffer buffer) {
  desc_->data = std::make_shared<Data>(buffer);
  desc_->data_ptr = buffer.ptr;
  desc_->data_size = size();
  desc_->strides = row_major_strides(shape());
  desc_->flags = Flags{};
  desc_->flags.col_contiguous = ndim() <= 1 || size() <= 1;
  if (!desc_->flags.col_contiguous) {
    int non_unit = 0;
    for (auto d : shape()) non_unit += d != 1;
    desc_->flags.col_contiguous = non_unit <= 1;
  }
}

void array::set_data(allocator::Buffer buffer, Strides strides, Flags flags, size_t data_size) {
  desc_->data = std::make_shared<Data>(buffer);
  desc_->data_ptr = buffer.ptr;
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other, const Strides& strides, Flags flags,
                               size_t data_size, int64_t offset_elements) {
  desc_->data = other.desc_->data;
  desc_->data_ptr = static_cast<char*>(other.desc_->data_ptr) + offset_elements * int64_t(itemsize());
  desc_->data_size = data_size;
  desc_->strides = strides;
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

bool array::is_donatable() const {
  // The graph node holding us as an input is the only other owner.
  // External memory (a file mapping, another library's buffer) is never reused:
  // writing into it would change data its owner still sees.
  return desc_.use_count() == 1 && desc_->data && desc_->data.use_count() == 1 &&
         !desc_->data->release &&
         desc_->flags.row_contiguous && desc_->data_size == size() &&
         desc_->data_ptr == desc_->data->buffer.ptr;
}

void array::detach() {
  desc_->evaluated = true;
  desc_->primitive = nullptr;
  desc_->siblings = nullptr;
  // Drop inputs through the iterative path (they may head long chains).
  std::vector<array> old = std::move(desc_->inputs);
  desc_->inputs.clear();
  while (!old.empty()) {
    array a = std::move(old.back());
    old.pop_back();
    if (a.desc_.use_count() == 1) {
      for (auto& in : a.desc_->inputs) old.push_back(std::move(in));
      a.desc_->inputs.clear();
    }
  }
}

}  // namespace mlx_core

namespace mlx_core {

std::pair<Flags, size_t> view_layout(const Shape& shape, const Strides& strides) {
  Flags f;
  size_t size = shape_size(shape);
  int64_t expect_row = 1, expect_col = 1;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    f.row_contiguous &= strides[i] == expect_row;
    expect_row *= shape[i];
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    f.col_contiguous &= strides[i] == expect_col;
    expect_col *= shape[i];
  }
  if (size == 0) return {Flags{}, 0};
  // Dense: the non-broadcast dims, sorted by |stride|, pack with no holes.
  std::vector<std::pair<int64_t, int32_t>> dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != 0) dims.emplace_back(strides[i], shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t expect = 1;
  bool dense = true;
  for (auto& [stride, extent] : dims) {
    dense &= stride == expect;
    expect *= extent;
  }
  f.contiguous = dense;
  return {f, dense ? size_t(expect) : size};
}

}  // namespace mlx_core
