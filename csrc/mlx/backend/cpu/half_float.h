// float16 <-> float32 conversion of runs of values, 16 at a time where the
// CPU has the instructions: GCC 12 converts _Float16 one value at a time,
// which left float16 elementwise loops at a quarter of bfloat16's speed.
#pragma once

#include <cstddef>

#include "mlx/half_types.h"

namespace mlx_core::cpu {

void halves_to_floats(const float16_t* x, float* y, size_t n);
// Rounded to nearest even, as one value's conversion rounds.
void floats_to_halves(const float* x, float16_t* y, size_t n);

}  // namespace mlx_core::cpu
