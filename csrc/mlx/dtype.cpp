#include "mlx/dtype.h"

#include <stdexcept>

namespace mlx_core {

namespace {

constexpr Dtype kAll[Dtype::count] = {
    bool_, uint8, uint16, uint32, uint64, int8, int16,
    int32, int64, float16, float32, float64, bfloat16, complex64};

// promotion[a][b]: read off real MLX 0.32.4 with mx.result_type over all pairs.
#define B bool_
#define U1 uint8
#define U2 uint16
#define U4 uint32
#define U8 uint64
#define I1 int8
#define I2 int16
#define I4 int32
#define I8 int64
#define H float16
#define F float32
#define D float64
#define BF bfloat16
#define C complex64
constexpr Dtype kPromotion[Dtype::count][Dtype::count] = {
    {B, U1, U2, U4, U8, I1, I2, I4, I8, H, F, D, BF, C},
    {U1, U1, U2, U4, U8, I2, I2, I4, I8, H, F, D, BF, C},
    {U2, U2, U2, U4, U8, I4, I4, I4, I8, H, F, D, BF, C},
    {U4, U4, U4, U4, U8, I8, I8, I8, I8, H, F, D, BF, C},
    {U8, U8, U8, U8, U8, F, F, F, F, H, F, D, BF, C},
    {I1, I2, I4, I8, F, I1, I2, I4, I8, H, F, D, BF, C},
    {I2, I2, I4, I8, F, I2, I2, I4, I8, H, F, D, BF, C},
    {I4, I4, I4, I8, F, I4, I4, I4, I8, H, F, D, BF, C},
    {I8, I8, I8, I8, F, I8, I8, I8, I8, H, F, D, BF, C},
    {H, H, H, H, H, H, H, H, H, H, F, D, F, C},
    {F, F, F, F, F, F, F, F, F, F, F, D, F, C},
    {D, D, D, D, D, D, D, D, D, D, D, D, D, C},
    {BF, BF, BF, BF, BF, BF, BF, BF, BF, F, F, D, BF, C},
    {C, C, C, C, C, C, C, C, C, C, C, C, C, C},
};
#undef B
#undef U1
#undef U2
#undef U4
#undef U8
#undef I1
#undef I2
#undef I4
#undef I8
#undef H
#undef F
#undef D
#undef BF
#undef C

DtypeCategory category_of(Dtype d) {
  if (d == complex64) return DtypeCategory::complexfloating;
  if (is_floating_point(d)) return DtypeCategory::floating;
  if (is_unsigned(d)) return DtypeCategory::unsignedinteger;
  if (is_signed_integer(d)) return DtypeCategory::signedinteger;
  return DtypeCategory::generic;  // bool
}

}  // namespace

Dtype dtype_from_index(int i) {
  if (i < 0 || i >= Dtype::count) throw std::invalid_argument("[Dtype] Invalid dtype index.");
  return kAll[i];
}

Dtype promote_types(Dtype a, Dtype b) { return kPromotion[a.index()][b.index()]; }

bool issubdtype(Dtype a, Dtype b) { return a == b; }

bool issubdtype(DtypeCategory a, Dtype) { return false; }

bool issubdtype(DtypeCategory a, DtypeCategory b) {
  if (a == b) return true;
  switch (b) {
    case DtypeCategory::generic:
      return true;
    case DtypeCategory::number:
      return a != DtypeCategory::generic;
    case DtypeCategory::integer:
      return a == DtypeCategory::signedinteger || a == DtypeCategory::unsignedinteger;
    case DtypeCategory::inexact:
      return a == DtypeCategory::floating || a == DtypeCategory::complexfloating;
    default:
      return false;
  }
}

bool issubdtype(Dtype a, DtypeCategory c) {
  DtypeCategory own = category_of(a);
  if (a == bool_) return c == DtypeCategory::generic;
  return issubdtype(own, c);
}

const char* dtype_name(Dtype d) {
  static const char* names[Dtype::count] = {
      "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
      "int32", "int64", "float16", "float32", "float64", "bfloat16", "complex64"};
  return names[d.index()];
}

const char* category_name(DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating: return "complexfloating";
    case DtypeCategory::floating: return "floating";
    case DtypeCategory::inexact: return "inexact";
    case DtypeCategory::signedinteger: return "signedinteger";
    case DtypeCategory::unsignedinteger: return "unsignedinteger";
    case DtypeCategory::integer: return "integer";
    case DtypeCategory::number: return "number";
    case DtypeCategory::generic: return "generic";
  }
  return "generic";
}

}  // namespace mlx_core
