"""The careful NumPy loop: the training bench/train.py measures, written by hand in one place.

No bricks, no checks, no metrics: float32 (float64 for the tests' comparison), every array
allocated once and reused (``out=``), one gather per batch, softmax and cross-entropy fused, the
first layer's input gradient skipped, parameters updated in place. It is what glassnet's
training would cost without its structure, so ``glassnet / numpy loop`` in bench/train.py is
the price of the readable bricks.
"""

from __future__ import annotations

import math

import numpy as np

from common import SIZES


class HandwrittenMLP:
    """784-200-200-10 ReLU network trained by SGD or Adam, He-initialised."""

    def __init__(self, optimizer: str, lr: float, seed: int = 0, dtype=np.float32) -> None:
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype = np.dtype(dtype)
        self.weights = [
            (self.rng.standard_normal((a, b)) * math.sqrt(2.0 / a)).astype(dtype)
            for a, b in zip(SIZES, SIZES[1:], strict=False)
        ]
        self.biases = [np.zeros(b, dtype) for b in SIZES[1:]]
        self.params = [*self.weights, *self.biases]
        self.grads = [np.empty_like(p) for p in self.params]
        self.work = [np.empty_like(p) for p in self.params]
        self.optimizer, self.lr = optimizer, lr
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0
        self.buffers: dict[int, dict] = {}

    def _buffers(self, batch: int) -> dict:
        """The arrays of one batch size, made on first use."""
        if batch not in self.buffers:
            hidden, dtype = SIZES[1:-1], self.dtype
            self.buffers[batch] = {
                "x": np.empty((batch, SIZES[0]), dtype),
                "y": np.empty(batch, np.int64),
                "z": [np.empty((batch, b), dtype) for b in SIZES[1:]],
                "h": [np.empty((batch, b), dtype) for b in hidden],
                "mask": [np.empty((batch, b), bool) for b in hidden],
                "zeros": [np.zeros((batch, b), dtype) for b in hidden],
                "dx": [np.empty((batch, b), dtype) for b in hidden],
                "ones": np.ones(batch, dtype),
                "rows": np.arange(batch),
            }
        return self.buffers[batch]

    def train(self, X: np.ndarray, y: np.ndarray, batch: int) -> float:
        """One pass over ``(X, y)`` in a random order; returns the mean loss."""
        order = self.rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch):
            rows = order[start : start + batch]
            total += self.step(X, y, rows) * len(rows)
        return total / len(X)

    def step(self, X: np.ndarray, y: np.ndarray, rows: np.ndarray) -> float:
        n = len(rows)
        buf = self._buffers(n)
        x = X.take(rows, axis=0, out=buf["x"], mode="clip")
        labels = y.take(rows, out=buf["y"], mode="clip")
        layers = len(self.weights)
        inputs = [x]
        for i in range(layers):  # forward
            z = np.matmul(inputs[-1], self.weights[i], out=buf["z"][i])
            z += self.biases[i]
            if i < layers - 1:
                np.greater(z, 0, out=buf["mask"][i])
                inputs.append(np.maximum(z, buf["zeros"][i], out=buf["h"][i]))
        logits = buf["z"][-1]  # softmax cross-entropy, one exponential
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        loss = float(np.log(sums).sum() - shifted[buf["rows"], labels].sum()) / n
        grad = np.divide(exp, sums, out=exp)
        grad[buf["rows"], labels] -= 1.0
        grad *= 1.0 / n
        for i in reversed(range(layers)):  # backward
            if n == 1:  # an outer product, which np.dot does much faster than np.matmul
                np.dot(inputs[i].T, grad, out=self.grads[i])
            else:
                np.matmul(inputs[i].T, grad, out=self.grads[i])
            np.matmul(buf["ones"], grad, out=self.grads[layers + i])
            if i > 0:
                dx = np.matmul(grad, self.weights[i].T, out=buf["dx"][i - 1])
                grad = np.multiply(dx, buf["mask"][i - 1], out=dx)
        self.update()
        return loss

    def update(self) -> None:
        if self.optimizer == "sgd":
            for param, grad, work in zip(self.params, self.grads, self.work, strict=True):
                np.multiply(grad, self.lr, out=work)
                param -= work
            return
        self.t += 1
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        root_c2 = math.sqrt(1.0 - beta2**self.t)
        scale = self.lr * root_c2 / (1.0 - beta1**self.t)
        for param, grad, work, m, v in zip(
            self.params, self.grads, self.work, self.m, self.v, strict=True
        ):
            m *= beta1
            np.multiply(grad, 1.0 - beta1, out=work)
            m += work
            v *= beta2
            np.multiply(grad, grad, out=work)
            work *= 1.0 - beta2
            v += work
            np.sqrt(v, out=work)
            work += eps * root_c2
            np.divide(m, work, out=work)
            work *= scale
            param -= work
