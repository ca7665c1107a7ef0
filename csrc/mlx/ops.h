// Every op family in one include, for the bindings.
#pragma once

#include "mlx/ops/binary.h"
#include "mlx/ops/conv.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/einsum.h"
#include "mlx/ops/indexing.h"
#include "mlx/ops/linalg.h"
#include "mlx/ops/products.h"
#include "mlx/ops/random.h"
#include "mlx/ops/reduce.h"
#include "mlx/ops/scan.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/sort.h"
#include "mlx/ops/unary.h"
#include "mlx/transforms/eval.h"
