"""A first tour of mlx_core: lazy arrays, indexing, random numbers, gradients, compile,
convolution and saving, written exactly as an MLX script would be."""

import os
import tempfile

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
print("dtype promotion: int32 array + 1.5 ->", (mx.array([1, 2]) + 1.5).dtype)

# Fancy indexing and scatter-add with repeated indices.
table = mx.arange(10) * 10
print("table[[3, 1, 3]] =", table[mx.array([3, 1, 3])])
print("zeros.at[[0, 0, 2]].add(1) =", mx.zeros(4).at[mx.array([0, 0, 2])].add(1))

# Random numbers: the same seed gives the same numbers as MLX.
mx.random.seed(0)
noise = mx.random.normal((2, 3))
print("normal((2, 3)) after seed(0) =", noise)
print("sorted:", mx.sort(noise, axis=-1), "cumsum:", mx.cumsum(mx.array([1, 2, 3])))


# Gradients and vectorising maps compose.
def loss(params, inputs, targets):
    pred = inputs @ params["w"] + params["b"]
    return mx.mean(mx.square(pred - targets))


params = {"w": mx.zeros((3, 1)), "b": mx.array(0.0)}
inputs = mx.random.normal((8, 3), key=mx.random.key(1))
targets = inputs @ mx.array([[1.0], [-2.0], [0.5]])
step = mx.compile(mx.value_and_grad(loss))
for _ in range(100):
    value, grads = step(params, inputs, targets)
    params = {k: params[k] - 0.1 * grads[k] for k in params}
print("fitted w:", params["w"].reshape(-1), "loss:", value.item())
print("d/dx sin(x) at pi:", mx.grad(mx.sin)(mx.array(mx.pi)).item())
print("vmap(x + y) with in_axes=(1, 0):", mx.vmap(lambda a, b: a + b, in_axes=(1, 0))(
    mx.ones((2, 3)), mx.arange(3.0)))

# Convolution, channels last as in MLX.
signal = mx.random.uniform(shape=(1, 16, 1), key=mx.random.key(2))
kernel = mx.ones((1, 3, 1)) / 3
print("moving average:", mx.conv1d(signal, kernel).reshape(-1)[:4])

# Save and load (npz, safetensors, gguf, npy), readable by MLX and NumPy.
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "weights.safetensors")
    mx.save_safetensors(path, {"w": params["w"], "noise": noise}, metadata={"step": "100"})
    loaded, meta = mx.load(path, return_metadata=True)
    print("loaded:", sorted(loaded), meta, mx.array_equal(loaded["noise"], noise).item())
