#include "mlx/primitives/reduce.h"

namespace mlx_core {

bool Reduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Reduce*>(&other);
  return o && o->type_ == type_ && o->axes_ == axes_;
}

const char* Reduce::name() const {
  switch (type_) {
    case ReduceType::Sum: return "Sum";
    case ReduceType::Prod: return "Prod";
    case ReduceType::Max: return "Max";
    case ReduceType::Min: return "Min";
    case ReduceType::And: return "And";
    case ReduceType::Or: return "Or";
  }
  return "Reduce";
}

bool ArgReduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgReduce*>(&other);
  return o && o->kind_ == kind_ && o->axis_ == axis_;
}

bool Softmax::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Softmax*>(&other);
  return o && o->precise_ == precise_;
}

}  // namespace mlx_core
