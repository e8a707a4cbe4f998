"""Write the notebooks in ``notebooks/`` from the cells below and execute them, so they are
committed with their outputs (small pictures) and read where they are browsed.

    python scripts/build_notebooks.py        # rewrite and run all three (a few minutes)

CI runs them again with ``pytest --nbmake notebooks/``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"

XOR = [
    ("md", """# XOR, one brick at a time

A network of 2 inputs, 3 sigmoid hidden units and 2 sigmoid outputs learns XOR, the function no
straight line can separate. Each step below is glassnet's own: the numbers shown are the ones
training uses."""),
    ("code", """import numpy as np
from IPython.display import Image, display

import glassnet
from glassnet.datasets import xor
from glassnet.diagnostics import TrainingDiverged
from glassnet.explain import explained
from glassnet.plot import BoundaryAnimation

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
labels = np.array([0, 1, 1, 0])
Y = np.eye(2)[labels]            # one column per class: the targets the outputs aim at
network = glassnet.Network([glassnet.Dense(2, 3), glassnet.Sigmoid(),
                            glassnet.Dense(3, 2), glassnet.Sigmoid()], seed=1)
network"""),
    ("md", """## One training step, every number

The loss is the mean squared error plus a Ridge (L2) penalty `alpha/2 * sum(W**2)` on the
weights. Forward: `z1 = x @ W1 + b1`, `h1 = sigmoid(z1)`, `z2 = h1 @ W2 + b2`,
`h2 = sigmoid(z2)`. Backward, by the chain rule from the loss to each weight:
`dLoss/dW2 = h1.T @ dLoss/dz2` and `dLoss/dW1 = x.T @ dLoss/dz1`. Then every weight moves
against its gradient: `W <- W - lr * dLoss/dW`."""),
    ("code", """step = explained(network.copy(), "mse", X, Y, learning_rate=1.0, l2=0.001,
                 title="One step of the XOR network on all four rows")
step"""),
    ("md", """## Learning it, and the boundary it draws

The animation records the decision boundary while the network learns, on 200 noisy copies of
the four corners. Three hidden neurons are just enough for XOR's two diagonal regions and find
them slowly; fifty find a boundary much sooner."""),
    ("code", """for hidden in (3, 50):
    net = glassnet.mlp([2, hidden, 2], activation="sigmoid", seed=0)
    samples = xor(200, seed=0)   # noisy copies of the four corners
    movie = BoundaryAnimation(samples[0], samples[1], f"xor_{hidden}.gif", frames=12, grid=40,
                              title=f"{hidden} hidden neurons")
    history = glassnet.fit(net, *samples, loss="cross_entropy", optimizer=glassnet.Adam(0.05),
                           epochs=150, progress=False, callbacks=[movie], seed=0)
    print(f"{hidden} hidden neurons: accuracy {history['accuracy'][-1]:.2f} after 150 epochs")
    display(Image(filename=f"xor_{hidden}.gif", width=320))"""),
    ("md", """## What NaN looks like, and how the guard explains it

Inputs of 1e30 make the network's products overflow float32: the loss becomes `inf` and the
gradients `NaN`. Without the guard, `fit` raises at the end and names the likely cause; with
`guard=True` it stops at the first bad step, names it, and leaves the weights as they were before
it."""),
    ("code", """net = glassnet.mlp([2, 3, 2], activation="relu", seed=0)
try:
    glassnet.fit(net, X * 1e30, Y, loss="mse", epochs=5, progress=False, guard=True)
except TrainingDiverged as problem:
    print(problem)
print("weights still finite:", all(np.isfinite(w).all() for w in net.get_weights().values()))"""),
]

MNIST = [
    ("md", """# MNIST, 784-200-200-10

Handwritten digits: 784 pixels in, 10 classes out, two hidden layers of 200 ReLU units with He
initialisation, softmax with cross-entropy, and plain SGD one sample at a time. By default it
trains on 6,000 images so it runs in seconds; set `FULL = True` for all 60,000 (97.4% test
accuracy after 3 epochs with this seed, in about 40 s on two cores; 97.3% to 97.9% over seeds in
the README's measured table)."""),
    ("code", """from pathlib import Path

import numpy as np
from IPython.display import Image, display

import glassnet
from glassnet.datasets import load_mnist
from glassnet.plot import plot_confusion, plot_mistakes, plot_weights

FULL = False                      # True: all 60,000 images, 3 epochs (about 40 s)
here = Path.cwd().resolve()  # a copy of MNIST beside the repository, else glassnet's download
folder = next((p / "shared" / "data" / "mnist" for p in [here, *here.parents]
               if (p / "shared" / "data" / "mnist").is_dir()), None)
data = load_mnist(data_dir=folder, progress=False)
n = len(data.X_train) if FULL else 6000
X, y = data.X_train[:n], data.y_train[:n]
print(X.shape, X.dtype, "pixels from", X.min(), "to", X.max())"""),
    ("code", """network = glassnet.mlp([784, 200, 200, 10], activation="relu", init="he_normal",
                        seed=0)
network"""),
    ("md", """## Why the gradient is `a - y`

For softmax outputs `a = softmax(z)` and cross-entropy `L = -sum(y * log a)`, the derivative
with respect to the logits is `dL/dz = a - y`: the probability the network gave minus the one it
should have given. Checked here against a central finite difference in float64."""),
    ("code", """loss = glassnet.SoftmaxCrossEntropy()
z = np.random.default_rng(0).normal(size=(1, 10))
target = np.eye(10)[[3]]
analytic = loss.grad(z, target)
numeric = np.zeros_like(z)
for j in range(10):
    step = np.zeros_like(z)
    step[0, j] = 1e-6
    numeric[0, j] = (loss.value(z + step, target) - loss.value(z - step, target)) / 2e-6
a = np.exp(z) / np.exp(z).sum()
print("a - y     :", np.round(a - target, 5))
print("max |analytic - numeric| =", np.abs(analytic - numeric).max())"""),
    ("code", """history = glassnet.fit(network, X, y, loss="cross_entropy",
                       optimizer=glassnet.SGD(0.01), epochs=3, batch_size=1, progress=False,
                       seed=0)
test_accuracy = (network.predict_classes(data.X_test) == data.y_test).mean()
print(f"test accuracy after 3 epochs on {n:,} images: {test_accuracy:.4f}")
history"""),
    ("md", """## What it learned, and where it fails

Each first-layer unit's 784 weights as a 28x28 picture; the confusion matrix on the test set;
the test images it got wrong with the most confidence."""),
    ("code", """plot_weights(network, (28, 28), "weights.png", units=32)
display(Image(filename="weights.png", width=600))
predicted = network.predict_classes(data.X_test)
plot_confusion(data.y_test, predicted, [str(d) for d in range(10)], "confusion.png")
display(Image(filename="confusion.png", width=420))
proba = network.predict_proba(data.X_test)
plot_mistakes(data.X_test, data.y_test, proba, (28, 28), [str(d) for d in range(10)],
              "mistakes.png", count=12)
display(Image(filename="mistakes.png", width=600))"""),
]

REGRESSION = [
    ("md", """# Regression from scratch

First the idea of learning itself: gradient descent on `f(x) = x^2 - 4x + 5`, whose slope is
`2x - 4` and whose minimum is at `x = 2`. Then an MLP regressor, its per-layer cache opened,
squared against absolute error, and batches against epochs, measured."""),
    ("code", """import time

import numpy as np
from IPython.display import Image, display

import glassnet
from glassnet.descent import gradient_descent
from glassnet.plot import plot_descent
from glassnet.trace import trace

path = gradient_descent(x0=-3.0, learning_rate=0.1, steps=30)
print("x after 30 steps:", round(float(path[-1]), 4))
plot_descent(path, "descent.png", learning_rate=0.1)
display(Image(filename="descent.png", width=480))"""),
    ("md", """## The cache: Z and A by layer name

Backpropagation needs what each layer computed on the way forward: the pre-activation `Z` of a
Dense layer and the activation `A` after it. glassnet's trace keeps them by layer name, from the
same forward pass training uses."""),
    ("code", """rng = np.random.default_rng(0)
X = rng.uniform(-3, 3, size=(256, 1))
y = np.sin(X) + 0.1 * rng.normal(size=X.shape)
network = glassnet.mlp([1, 16, 16, 1], activation="tanh", seed=0)
record = trace(network.copy(), "mse", X[:4], y[:4])
for layer in record.layers:
    label = "Z" if layer.kind == "Dense" else "A"
    first = np.round(layer.output[0][:4], 3)
    print(f"{layer.name:7s} {label} {layer.output.shape}  first row: {first}")"""),
    ("md", """## Squared against absolute error

MSE punishes large errors quadratically, so a few outliers pull the fit towards them; MAE
grows linearly and lets them be."""),
    ("code", """y_outliers = y.copy()
y_outliers[::16] += 4.0            # one target in sixteen far off
fits = {}
for loss in ("mse", "mae"):
    net = glassnet.mlp([1, 16, 16, 1], activation="tanh", seed=0)
    glassnet.fit(net, X, y_outliers, loss=loss, optimizer=glassnet.Adam(0.01), epochs=200,
                 batch_size=32, progress=False, seed=0)
    clean = np.abs(net.predict(X) - np.sin(X)).mean()
    fits[loss] = clean
    print(f"{loss}: mean distance to the clean curve {clean:.3f}")"""),
    ("md", """## Batches against epochs

One epoch is one pass over the data; a batch is how many rows make one step. Smaller batches
take more (noisier) steps per epoch; here is what that costs and buys on this machine."""),
    ("code", """for batch in (1, 32, 256):
    net = glassnet.mlp([1, 16, 16, 1], activation="tanh", seed=0)
    start = time.perf_counter()
    history = glassnet.fit(net, X, y, loss="mse", optimizer=glassnet.SGD(0.05), epochs=30,
                           batch_size=batch, progress=False, seed=0)
    seconds = time.perf_counter() - start
    steps = 30 * -(-len(X) // batch)
    final = history["loss"][-1]
    print(f"batch {batch:3d}: {steps:5d} steps, {seconds:.2f} s, final loss {final:.4f}")"""),
]

NOTEBOOKS = {"1_xor_one_brick_at_a_time.ipynb": XOR, "2_mnist.ipynb": MNIST,
             "3_regression_from_scratch.ipynb": REGRESSION}  # fmt: skip


def build(name: str, cells) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    notebook.cells = [nbformat.v4.new_markdown_cell(text) if kind == "md"
                      else nbformat.v4.new_code_cell(text) for kind, text in cells]  # fmt: skip
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(FOLDER)}}).execute()  # fmt: skip
    path = FOLDER / name
    nbformat.write(notebook, path)
    return path


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        path = build(name, cells)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
