// The array: a cheap handle to a node of the lazy graph. A node either holds
// data (a shared buffer, so views share memory) or a recipe (a primitive and
// its inputs) that eval() turns into data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mlx/allocator.h"
#include "mlx/device.h"
#include "mlx/dtype.h"

namespace mlx_core {

using Shape = std::vector<int32_t>;
using Strides = std::vector<int64_t>;

class Primitive;
class array;

// Owns one buffer; freed when the last array viewing it goes. The buffer is
// the allocator's, or external memory (a file mapping) that `release` frees.
struct Data {
  allocator::Buffer buffer;
  std::function<void(allocator::Buffer)> release;  // set only for external memory
  explicit Data(allocator::Buffer b) : buffer(b) {}
  Data(allocator::Buffer b, std::function<void(allocator::Buffer)> r)
      : buffer(b), release(std::move(r)) {}
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  ~Data() {
    if (release) {
      release(buffer);
    } else {
      allocator::free(buffer);
    }
  }
};

struct Flags {
  bool contiguous = true;      // elements fill [data_ptr, data_ptr + data_size) densely
  bool row_contiguous = true;  // C order
  bool col_contiguous = true;  // Fortran order
};

struct ArrayDesc;

// Outputs of one multi-output primitive (e.g. divmod) know each other.
struct SiblingGroup {
  std::vector<std::weak_ptr<ArrayDesc>> outputs;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
};

struct ArrayDesc {
  Shape shape;
  Strides strides;
  size_t size = 1;
  Dtype dtype;
  std::shared_ptr<Primitive> primitive;
  std::vector<array> inputs;
  std::shared_ptr<SiblingGroup> siblings;  // null for single-output nodes
  int position = 0;                        // index among siblings
  std::shared_ptr<Data> data;
  void* data_ptr = nullptr;
  size_t data_size = 0;  // elements spanned by the buffer region this array uses
  Flags flags;
  bool evaluated = false;
  uint64_t visit_mark = 0;  // eval's DFS: visited in the traversal with this number

  ArrayDesc(Shape s, Dtype d);
  ~ArrayDesc();
};

class array {
 public:
  // An evaluated scalar.
  template <typename T>
  explicit array(T value, Dtype dtype = dtype_of<T>::value);
  // An evaluated array that takes ownership of a row-contiguous buffer.
  array(allocator::Buffer buffer, Shape shape, Dtype dtype);
  // An evaluated array viewing memory another array does not own (e.g. a
  // file mapping): `ptr` points into `data`'s buffer, strides are in elements.
  array(std::shared_ptr<Data> data, void* ptr, Shape shape, Dtype dtype, Strides strides);
  // A lazy node.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
        std::vector<array> inputs);
  static std::vector<array> make_arrays(std::vector<Shape> shapes,
                                        std::vector<Dtype> dtypes,
                                        std::shared_ptr<Primitive> primitive,
                                        std::vector<array> inputs);

  const Shape& shape() const { return desc_->shape; }
  int32_t shape(int dim) const { return desc_->shape.at(dim < 0 ? dim + ndim() : dim); }
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const { return desc_->strides.at(dim < 0 ? dim + ndim() : dim); }
  int ndim() const { return static_cast<int>(desc_->shape.size()); }
  size_t size() const { return desc_->size; }
  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return desc_->dtype.size; }
  size_t nbytes() const { return size() * itemsize(); }
  const Flags& flags() const { return desc_->flags; }
  size_t data_size() const { return desc_->data_size; }

  bool has_primitive() const { return desc_->primitive != nullptr; }
  bool is_evaluated() const { return desc_->evaluated; }
  Primitive& primitive() const { return *desc_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const { return desc_->primitive; }
  std::vector<array>& inputs() { return desc_->inputs; }
  const std::vector<array>& inputs() const { return desc_->inputs; }
  // All outputs of this node's primitive (just this array when it has one).
  std::vector<array> outputs() const;
  bool has_siblings() const { return desc_->siblings != nullptr; }

  // Evaluates this array (and everything it depends on).
  void eval();

  template <typename T> T* data() { return static_cast<T*>(desc_->data_ptr); }
  template <typename T> const T* data() const { return static_cast<const T*>(desc_->data_ptr); }
  template <typename T> T item();  // evaluates; size must be 1

  // ---- used by kernels ----
  // Allocates a fresh row-contiguous buffer for this array.
  void set_data(allocator::Buffer buffer);
  void set_data(allocator::Buffer buffer, Strides strides, Flags flags, size_t data_size);
  // Makes this array a view of `other`'s buffer.
  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags,
                          size_t data_size, int64_t offset_elements = 0);
  void copy_shared_buffer(const array& other);
  // Whether this array's buffer can be reused for an output: nothing else holds it.
  bool is_donatable() const;
  const std::shared_ptr<Data>& data_shared_ptr() const { return desc_->data; }
  // Marks evaluated and drops the recipe, so inputs can be freed.
  void detach();
  void set_evaluated() { desc_->evaluated = true; }

  // Identity of the node (the Python `id` of MLX arrays is per handle; this is per node).
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(desc_.get()); }
  // Marks the node for traversal `mark`; false if it already was.
  bool mark_visited(uint64_t mark) const {
    if (desc_->visit_mark == mark) return false;
    desc_->visit_mark = mark;
    return true;
  }
  bool is_same(const array& other) const { return desc_ == other.desc_; }
  // Makes this handle point at other's node (Python's in-place operators).
  void overwrite_descriptor(const array& other) { desc_ = other.desc_; }
  long use_count() const { return desc_.use_count(); }

 private:
  friend struct ArrayDesc;
  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}
  void init_scalar(const void* value);
  std::shared_ptr<ArrayDesc> desc_;
};

size_t shape_size(const Shape& shape, const char* op = "array");
Strides row_major_strides(const Shape& shape);

template <typename T>
array::array(T value, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  // Convert through the dtype's C++ type; only used for the exact type here.
  if (dtype != dtype_of<T>::value) {
    throw std::invalid_argument("[array] Scalar type does not match dtype.");
  }
  init_scalar(&value);
}

template <typename T>
T array::item() {
  if (size() != 1) throw std::invalid_argument("[item] Only one element arrays can be converted to scalars.");
  eval();
  return *data<T>();
}

}  // namespace mlx_core

namespace mlx_core {
// Layout facts of a view with these strides: flags and the number of buffer
// elements it spans when dense (broadcast dimensions of stride 0 excluded).
std::pair<Flags, size_t> view_layout(const Shape& shape, const Strides& strides);
}  // namespace mlx_core
