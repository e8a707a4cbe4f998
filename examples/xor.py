"""
XOR with the tutorial's 2-3-2 network
=====================================

The XOR tutorial's network: 2 inputs, 3 sigmoid hidden neurons, 2 sigmoid outputs,
mean squared error plus an L2 (Ridge) penalty, trained by full-batch gradient descent."""

from glassnet import SGD, fit, mlp
from glassnet.datasets import one_hot, xor_table

X, labels = xor_table()  # inputs (4, 2), labels x1 XOR x2
network = mlp([2, 3, 2], activation="sigmoid", output="sigmoid", init="fan_in_uniform", seed=0)
print(network.summary())

history = fit(network, X, one_hot(labels), loss="mse", optimizer=SGD(1.0), l2=1e-4,
              epochs=3000, batch_size=None, metrics=["accuracy"], seed=0)  # fmt: skip

for x, h2 in zip(X, network.predict(X), strict=True):
    print(f"{x} -> h2 = {h2.round(3)} -> class {h2.argmax()}")
print(f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
print(f"accuracy {history['accuracy'][-1]:.0%}")
