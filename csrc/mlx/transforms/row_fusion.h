// Row groups: kernels over the same rows that run a few rows at a time, each
// chunk of rows through all of them while it is in cache. A layer norm
// written with raw ops is a reduction (the mean), a reduction of a chain that
// reads the mean (the variance), a few ops on one value per row, and a chain
// that reads all of those: as separate kernels each reads x from memory, so
// x is read three times; as a row group it is read once.
#pragma once

#include <vector>

#include "mlx/array.h"
#include "mlx/transforms/eager_fusion.h"

namespace mlx_core {

// Finds row groups on an eval tape after eager fusion has planned its chains
// (plan.role and plan.groups) and records them in plan.row_group(s).
void plan_row_groups(const std::vector<array>& tape, EagerFusionPlan& plan);

// Allocates every stage's value, then computes them (backend/cpu/row_group.cpp).
void allocate_row_group(RowGroup& group);
void run_row_group(RowGroup& group);

}  // namespace mlx_core
