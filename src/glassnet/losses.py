"""Losses: a number that says how wrong the network is, and its gradient.

Each loss has ``value(pred, target) -> float`` and ``grad(pred, target) -> ndarray``, where the
gradient is dLoss/dpred with the same shape as ``pred`` and already divided by the batch size
(losses are means), so learning rates do not depend on the batch size.

The L2 (Ridge) penalty is not a loss of its own: it is the ``l2`` switch of
:meth:`glassnet.network.Network.loss_and_gradients` (and of ``fit``), which adds
``alpha / 2 * sum(W ** 2)`` over every weight matrix (not biases) to the reported loss and
``alpha * W`` to each weight gradient.
"""

from __future__ import annotations

import numpy as np

from glassnet._errors import unknown_name
from glassnet.layers import sigmoid


class Loss:
    """Base class. ``task`` is ``"classification"`` or ``"regression"`` (picks default metrics)."""

    task = "regression"

    def value(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The loss of ``pred: (batch, outputs)`` against ``target`` (labels or values), a float,
        mean-reduced over the batch."""
        raise NotImplementedError

    def grad(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dLoss/dpred, shape ``(batch, outputs)`` (the mean over the batch gives each row a
        factor 1/batch)."""
        raise NotImplementedError

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        """Both at once (what training calls); losses that share work between them override it."""
        return self.value(pred, target), self.grad(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _column_target(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Let a 1-D target of shape ``(batch,)`` stand for ``(batch, 1)`` when pred has one column."""
    target = np.asarray(target)
    if target.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
        target = target[:, None]
    if target.shape != pred.shape:
        raise ValueError(f"target has shape {target.shape} but the prediction has {pred.shape}")
    return target.astype(pred.dtype, copy=False)


class MSE(Loss):
    """Mean squared error over every element: ``mean((pred - target) ** 2)``.

    pred, target: (batch, outputs). Gradient ``2 (pred - target) / pred.size``.
    """

    def value(self, pred, target):
        diff = pred - _column_target(pred, target)
        return float(np.mean(diff * diff))

    def grad(self, pred, target):
        diff = pred - _column_target(pred, target)
        return diff * (2.0 / diff.size)


class MAE(Loss):
    """Mean absolute error over every element: ``mean(|pred - target|)``.

    Gradient ``sign(pred - target) / pred.size`` (0 where they are equal).
    """

    def value(self, pred, target):
        return float(np.mean(np.abs(pred - _column_target(pred, target))))

    def grad(self, pred, target):
        diff = pred - _column_target(pred, target)
        return np.sign(diff) * (1.0 / diff.size)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise ``log(softmax(logits))`` via log-sum-exp; finite for any finite logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, fused, from logits.

    pred: logits (batch, classes). target: integer labels (batch,) in ``[0, classes)`` or one-hot
    (or any probability rows) of shape (batch, classes).
    Value ``mean(-sum(y * log softmax(z)))``; gradient ``(softmax(z) - y) / batch``.
    """

    task = "classification"

    @staticmethod
    def _targets(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
        target = np.asarray(target)
        if target.ndim == 1:
            return target  # integer labels
        if target.shape != logits.shape:
            raise ValueError(
                f"one-hot target has shape {target.shape} but the logits have {logits.shape}"
            )
        return target.astype(logits.dtype, copy=False)

    def value(self, pred, target):
        target = self._targets(pred, target)
        logp = log_softmax(pred)
        if target.ndim == 1:
            picked = logp[np.arange(len(target)), target]
            return float(-np.mean(picked))
        return float(-np.sum(target * logp) / len(pred))

    def grad(self, pred, target):
        return self.value_and_grad(pred, target)[1]

    def value_and_grad(self, pred, target):
        """The fused pass: one exponential serves the loss and its gradient."""
        target = self._targets(pred, target)
        shifted = pred - np.maximum.reduce(pred, axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = np.add.reduce(exp, axis=1, keepdims=True)
        log_sums = np.log(sums)
        grad = np.divide(exp, sums, out=exp)  # softmax(z)
        n = len(pred)
        if target.ndim == 1:
            rows = np.arange(n)
            # mean of -log p(target) = mean of (log sum exp - shifted logit of the target)
            value = (float(np.add.reduce(log_sums, axis=None))
                     - float(np.add.reduce(shifted[rows, target]))) / n  # fmt: skip
            grad[rows, target] -= 1.0
        else:
            value = float(-np.sum(target * (shifted - log_sums)) / n)
            grad -= target
        grad *= 1.0 / n  # (softmax(z) - y) / batch
        return value, grad


class BinaryCrossEntropy(Loss):
    """Sigmoid followed by binary cross-entropy, fused, from logits.

    pred: logits (batch, outputs); target: 0/1 (or probabilities) of the same shape, or (batch,)
    for one output. Value ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))`` over every element (stable
    for any logits); gradient ``(sigmoid(z) - y) / pred.size``.
    """

    task = "classification"

    def value(self, pred, target):
        target = _column_target(pred, target)
        per_element = np.maximum(pred, 0) - pred * target + np.log1p(np.exp(-np.abs(pred)))
        return float(np.mean(per_element))

    def grad(self, pred, target):
        target = _column_target(pred, target)
        return (sigmoid(pred) - target) * (1.0 / pred.size)


LOSSES: dict[str, type[Loss]] = {
    "mse": MSE,
    "mae": MAE,
    "cross_entropy": SoftmaxCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
}


def get_loss(loss: str | Loss) -> Loss:
    """Look up a loss by name, or pass an instance through.

    Parameters
    ----------
    loss : str or Loss
        ``"mse"``, ``"mae"``, ``"cross_entropy"``, ``"binary_cross_entropy"``, or a Loss.

    Returns
    -------
    Loss
        The loss; an unknown name is a ValueError that lists the known ones.
    """
    if isinstance(loss, Loss):
        return loss
    try:
        return LOSSES[loss]()
    except KeyError:
        raise unknown_name("loss", loss, LOSSES) from None
