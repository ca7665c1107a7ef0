#pragma once

#include "python/convert.h"

array getitem(const array& a, nb::handle index);
// Rebinds `a` to a new node with the indexed region replaced.
void setitem(array& a, nb::handle index, nb::handle value);
