"""
Gradient descent, then an MLP regressor
=======================================

Learning as going downhill, then an MLP regressor (the first-principles tutorial).

Part 1: plain gradient descent on f(x) = x^2 - 4x + 5, whose minimum is at x* = 2. The update
x <- x - learning_rate * f'(x) is the same SGD step that trains the network in part 2.

Part 2: a 1-64-64-1 ReLU network fits y = sin(x) on [-3, 3] with mean squared error and
mini-batches.
"""

import numpy as np

from glassnet import Adam, evaluate, fit, mlp
from glassnet.datasets import sine
from glassnet.descent import gradient_descent, parabola

# Part 1: gradient descent on a parabola, with glassnet's own SGD (see glassnet.descent).
iterates = gradient_descent(x0=-3.0, learning_rate=0.1, steps=50)
print("gradient descent on f(x) = x^2 - 4x + 5")
for step, x in enumerate(iterates):
    if 1 <= step <= 5 or step % 10 == 0:
        print(f"  step {step:2d}: x = {x:.6f}, f(x) = {parabola(x):.6f}")
x_star = float(iterates[-1])
print(f"  minimum found at x = {x_star:.6f} (exact: 2)")

# Part 2: an MLP regressor for sin(x).
X_train, y_train = sine(1024, seed=0)
X_test, y_test = sine(256, seed=1)
network = mlp([1, 64, 64, 1], activation="relu", seed=0)
fit(network, X_train, y_train, loss="mse", optimizer=Adam(0.005), epochs=200, batch_size=32,
    seed=0, progress=False)  # fmt: skip
test_mse = evaluate(network, "mse", X_test, y_test)["mse"]
print(f"1-64-64-1 ReLU network on sin(x), x in [-3, 3]: test MSE {test_mse:.5f}")
for value in (-2.5, 0.0, 1.5):
    guess = network.predict([[value]])[0, 0]
    print(f"  sin({value:+.1f}) = {np.sin(value):+.4f}, network: {guess:+.4f}")
