"""A first tour of mlx_core: lazy arrays, broadcasting, reductions, matmul."""

import mlx_core as mx

# Ops build a graph; nothing runs until a value is needed.
x = mx.arange(12, dtype=mx.float32).reshape(3, 4)
w = mx.linspace(-1, 1, 8).reshape(4, 2)
y = mx.tanh(x @ w) + 0.5
print("x =", x)
print("softmax(x @ w) =", mx.softmax(x @ w, axis=-1))
print("y.sum(axis=0) =", y.sum(axis=0))
print("mean, var:", mx.mean(x).item(), mx.var(x).item())

# Views share memory; in-place updates rebind the array.
row = x[1]
x[1, :2] = 0
print("after x[1, :2] = 0:", x)
print("row (taken before) is unchanged:", row)

mx.eval(y)
print("dtype promotion: int32 array + 1.5 ->", (mx.array([1, 2]) + 1.5).dtype)
