"""Compare glassnet with PyTorch on the same numbers (needs ``pip install torch==2.13.0``).

Checks, in float64:
- optimizers: SGD (plain, momentum, Nesterov) and Adam, 20 steps on the same random gradients;
- one forward/backward pass of a network with every brick, against torch.autograd;
- every loss's value and gradient;
- a whole fit (3 epochs of bench/time_to_accuracy.py's recipe on random data) against PyTorch's
  loop given the same initial weights, the same batches (``Batches`` with the fit's seed) and
  ``CosineAnnealingLR``: the two trainings that benchmark times are one training.
Prints the largest absolute difference for each and exits non-zero if any exceeds 1e-10.
"""

import sys

import numpy as np
import torch

import glassnet as gn

TOLERANCE = 1e-10
rng = np.random.default_rng(0)
failures = 0


def report(label: str, difference: float) -> None:
    global failures
    ok = difference <= TOLERANCE
    failures += not ok
    print(f"{label:<45} max |glassnet - torch| = {difference:.2e}  {'ok' if ok else 'FAIL'}")


# --- optimizers ---------------------------------------------------------------------------
start = rng.normal(size=(5, 3))
gradients = rng.normal(size=(20, 5, 3))
cases = {
    "SGD(lr=0.1)": (lambda: gn.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "SGD(lr=0.1, momentum=0.9)": (
        lambda: gn.SGD(0.1, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    ),
    "SGD(lr=0.1, momentum=0.9, nesterov)": (
        lambda: gn.SGD(0.1, momentum=0.9, nesterov=True),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    ),
    "Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6)": (
        lambda: gn.Adam(0.01, betas=(0.8, 0.99), eps=1e-6),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    ),
    "SGD(lr=0.1, momentum=0.9, weight_decay=0.05)": (
        lambda: gn.SGD(0.1, momentum=0.9, weight_decay=0.05),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.05),
    ),
    "Adam(lr=0.01, weight_decay=0.1)": (
        lambda: gn.Adam(0.01, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1),
    ),
    "AdamW(lr=0.01, weight_decay=0.1)": (
        lambda: gn.AdamW(0.01, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    ),
}
for label, (make_ours, make_theirs) in cases.items():
    ours, param = make_ours(), start.copy()
    tensor = torch.tensor(start.copy(), requires_grad=True)
    theirs = make_theirs([tensor])
    for g in gradients:
        ours.step([("w", param, g)])
        tensor.grad = torch.tensor(g)
        theirs.step()
    report(f"optimizer {label}", float(np.max(np.abs(param - tensor.detach().numpy()))))

# --- gradient-norm clipping -----------------------------------------------------------------
for max_norm in (0.5, 100.0):  # one that clips, one that does not
    grads = rng.normal(size=(3, 10))
    tensors = [torch.zeros(10, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    for tensor, g in zip(tensors, grads, strict=True):
        tensor.grad = torch.tensor(g.copy())
    theirs_norm = float(torch.nn.utils.clip_grad_norm_(tensors, max_norm))
    vector = grads.reshape(-1).copy()  # glassnet clips all gradients as the one vector they are
    ours_norm = gn.optim.clip_gradient_norm(vector, max_norm)
    clipped = np.concatenate([tensor.grad.numpy() for tensor in tensors])
    report(f"clip_gradient_norm(max_norm={max_norm:g})",
           max(abs(ours_norm - theirs_norm), float(np.max(np.abs(vector - clipped)))))  # fmt: skip

# --- every brick, forward and backward ------------------------------------------------------
net = gn.Network(
    [gn.Dense(4, 6), gn.ReLU(), gn.Dense(6, 6), gn.Tanh(), gn.Dense(6, 5), gn.LeakyReLU(0.1),
     gn.Dense(5, 5), gn.Sigmoid(), gn.Dense(5, 3), gn.Softmax()],
    dtype=np.float64, seed=1,
)  # fmt: skip
X = rng.normal(size=(7, 4))
target = rng.random(size=(7, 3))
ours_out = net.forward(X, training=True)
net.backward(gn.MSE().grad(ours_out, target))

dense = [layer for layer in net.layers if isinstance(layer, gn.Dense)]
weights = [torch.tensor(d.params["W"].copy(), requires_grad=True) for d in dense]
biases = [torch.tensor(d.params["b"].copy(), requires_grad=True) for d in dense]
h = torch.tensor(X)
activations = [torch.relu, torch.tanh, lambda z: torch.nn.functional.leaky_relu(z, 0.1),
               torch.sigmoid, lambda z: torch.softmax(z, dim=1)]  # fmt: skip
for W, b, act in zip(weights, biases, activations, strict=True):
    h = act(h @ W + b)
torch.nn.functional.mse_loss(h, torch.tensor(target)).backward()
report("network forward (every brick)", float(np.max(np.abs(ours_out - h.detach().numpy()))))
for d, W, b in zip(dense, weights, biases, strict=True):
    diff = max(
        np.max(np.abs(d.grads["W"] - W.grad.numpy())), np.max(np.abs(d.grads["b"] - b.grad.numpy()))
    )
    report(f"gradients of {d.name}", float(diff))

# --- BatchNorm1d: training mode (batch statistics, running averages) and inference mode -----
torch_bn = torch.nn.BatchNorm1d(6, momentum=0.2, eps=1e-4, dtype=torch.float64)
ours_bn = gn.BatchNorm1d(6, momentum=0.2, eps=1e-4)
gn.Network([ours_bn], dtype=np.float64)
with torch.no_grad():
    torch_bn.weight.copy_(torch.tensor(rng.normal(size=6)))
    torch_bn.bias.copy_(torch.tensor(rng.normal(size=6)))
ours_bn.params["gamma"][...] = torch_bn.weight.detach().numpy()
ours_bn.params["beta"][...] = torch_bn.bias.detach().numpy()
ours_bn.input_grad = True
for mode in ("training", "inference"):
    torch_bn.train(mode == "training")
    worst_out = worst_grad = 0.0
    for _ in range(5):  # in training, five batches move the running statistics five times
        batch = rng.normal(loc=3.0, scale=2.0, size=(9, 6))
        upstream = rng.normal(size=(9, 6))
        x = torch.tensor(batch, requires_grad=True)
        torch_bn.weight.grad = torch_bn.bias.grad = None
        out = torch_bn(x)
        out.backward(torch.tensor(upstream))
        ours = ours_bn.forward(batch, training=mode == "training")
        grad_x = ours_bn.backward(upstream)
        worst_out = max(worst_out, float(np.max(np.abs(ours - out.detach().numpy()))))
        pairs = [(grad_x, x.grad), (ours_bn.grads["gamma"], torch_bn.weight.grad),
                 (ours_bn.grads["beta"], torch_bn.bias.grad)]  # fmt: skip
        worst_grad = max(worst_grad, *(float(np.max(np.abs(a - b.numpy()))) for a, b in pairs))
    report(f"BatchNorm1d {mode} forward", worst_out)
    report(f"BatchNorm1d {mode} gradients (input, gamma, beta)", worst_grad)
    report(f"BatchNorm1d {mode} running statistics", float(max(
        np.max(np.abs(ours_bn.running_mean - torch_bn.running_mean.numpy())),
        np.max(np.abs(ours_bn.running_var - torch_bn.running_var.numpy())))))  # fmt: skip

# --- a network with BatchNorm1d between Dense and ReLU, one training step's gradients --------
net = gn.mlp([4, 6, 5, 3], batch_norm=True, dtype=np.float64, seed=2)
X, labels3 = rng.normal(1.0, 2.0, size=(8, 4)), rng.integers(0, 3, size=8)
net.loss_and_gradients(gn.SoftmaxCrossEntropy(), X, labels3)
tensors = {name: torch.tensor(param.copy(), requires_grad=True)
           for name, param, _ in net.parameters()}  # fmt: skip
h = torch.tensor(X)
for k in (1, 2):
    h = h @ tensors[f"dense{k}.W"] + tensors[f"dense{k}.b"]
    h = torch.nn.functional.batch_norm(h, None, None, tensors[f"batchnorm{k}.gamma"],
                                       tensors[f"batchnorm{k}.beta"], training=True, eps=1e-5)
    h = torch.relu(h)
h = h @ tensors["dense3.W"] + tensors["dense3.b"]
torch.nn.functional.cross_entropy(h, torch.tensor(labels3)).backward()
report("network with BatchNorm1d: every gradient", max(
    float(np.max(np.abs(grad - tensors[name].grad.numpy()))) for name, _, grad in net.parameters()))

# --- losses -------------------------------------------------------------------------------
logits = rng.normal(size=(6, 4)) * 5
labels = rng.integers(0, 4, size=6)
binary = (rng.random(size=(6, 4)) > 0.5).astype(float)
values = rng.normal(size=(6, 4))
F = torch.nn.functional
loss_cases = [
    ("MSE", gn.MSE(), values, F.mse_loss, torch.tensor(values)),
    ("MAE", gn.MAE(), values, F.l1_loss, torch.tensor(values)),
    ("SoftmaxCrossEntropy", gn.SoftmaxCrossEntropy(), labels,
     F.cross_entropy, torch.tensor(labels)),
    ("BinaryCrossEntropy", gn.BinaryCrossEntropy(), binary,
     F.binary_cross_entropy_with_logits, torch.tensor(binary)),
]  # fmt: skip
for label, loss, ours_target, torch_loss, torch_target in loss_cases:
    z = torch.tensor(logits, requires_grad=True)
    value = torch_loss(z, torch_target)
    value.backward()
    diff = max(
        abs(loss.value(logits, ours_target) - value.item()),
        float(np.max(np.abs(loss.grad(logits, ours_target) - z.grad.numpy()))),
    )
    report(f"loss {label} (value and gradient)", diff)

# --- a whole fit: the recipe of bench/time_to_accuracy.py -------------------------------------
from glassnet.batches import Batches  # noqa: E402
from glassnet.schedules import cosine  # noqa: E402

X_fit, y_fit = rng.random((500, 784)), rng.integers(0, 10, 500)
net = gn.mlp([784, 200, 200, 10], seed=3, dtype=np.float64)
linears = []
for dense in (layer for layer in net.layers if isinstance(layer, gn.Dense)):
    linear = torch.nn.Linear(*dense.params["W"].shape, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(dense.params["W"].T.copy()))
        linear.bias.copy_(torch.from_numpy(dense.params["b"]))
    linears.append(linear)
gn.fit(net, X_fit, y_fit, loss="cross_entropy", optimizer=gn.SGD(0.05, momentum=0.9), epochs=3,
       batch_size=64, schedule=cosine(0.05, 3), seed=3, progress=False)  # fmt: skip
model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2])
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=3)
batches = Batches(len(X_fit), 64, rng=np.random.default_rng(3))
X_t, y_t = torch.from_numpy(X_fit), torch.from_numpy(y_fit)
for _ in range(3):
    order = torch.from_numpy(batches.new_order())
    for first in range(0, len(X_fit), 64):
        rows = order[first : first + 64]
        optimizer.zero_grad()
        F.cross_entropy(model(X_t[rows]), y_t[rows]).backward()
        optimizer.step()
    scheduler.step()
denses = [layer for layer in net.layers if isinstance(layer, gn.Dense)]
report("fit, 3 epochs of momentum SGD, cosine: weights", max(
    float(np.max(np.abs(dense.params["W"] - linear.weight.detach().numpy().T)))
    for dense, linear in zip(denses, linears, strict=True)))  # fmt: skip

sys.exit(1 if failures else 0)
