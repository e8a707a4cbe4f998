"""Check backpropagation against central finite differences, in float64."""

from __future__ import annotations

import numpy as np

from glassnet.losses import Loss, get_loss
from glassnet.network import Network

TOLERANCE = 1e-6


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 0.0) -> float:
    """``||a - n|| / max(||a||, ||n||, floor)`` over a whole gradient array (0 when all are 0).

    Measured over the array rather than element by element, because an element whose true
    gradient is (nearly) zero has a finite difference made only of rounding noise, and dividing
    that noise by the element itself says nothing about the backward pass. ``floor`` does the
    same for a whole array whose gradient is (nearly) zero.
    """
    scale = max(float(np.linalg.norm(analytic)), float(np.linalg.norm(numeric)), floor)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric)) / scale


def central_difference(objective, array: np.ndarray, index, eps: float = 1e-5) -> float:
    """``(f(a + eps) - f(a - eps)) / (2 eps)`` for the entry ``array[index]`` of a parameter
    that ``objective()`` reads; the entry is restored afterwards."""
    original = array[index]
    array[index] = original + eps
    plus = objective()
    array[index] = original - eps
    minus = objective()
    array[index] = original
    return (plus - minus) / (2.0 * eps)


def gradcheck(
    network: Network,
    loss: Loss | str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 0.0,
    l1: float = 0.0,
    eps: float = 1e-5,
    training: bool = True,
) -> dict[str, float]:
    """Compare every analytic gradient with central finite differences.

    Works on a float64 copy of ``network`` (the original is untouched). Before every evaluation
    the copy's Generator is rewound, so dropout draws the same mask each time.

    Parameters
    ----------
    network : Network
        The network whose backward pass is checked.
    loss : Loss or str
        The loss, as :func:`~glassnet.train.fit` takes it.
    X : ndarray of shape (batch, in_features)
        The inputs.
    y : ndarray of shape (batch,) or (batch, out_features)
        Targets for ``loss``.
    l2 : float
        The L2 (Ridge) strength, checked together with the data loss.
    l1 : float
        The L1 (Lasso) strength, likewise (its derivative at a weight of exactly 0 is taken as 0).
    eps : float
        The step of the central differences.
    training : bool
        Check the training-mode pass (dropout on) or the inference one.

    Returns
    -------
    dict of str to float
        Each parameter's name (``"dense1.W"``, ...) to the relative error of its gradient (see
        :func:`relative_error`); values below 1e-6 mean the backward pass is right.
    """
    loss = get_loss(loss)
    net = network.astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float64)
    start = net.rng.bit_generator.state

    def objective() -> float:
        net.rng.bit_generator.state = start
        pred = net.forward(X, training=training)
        return loss.value(pred, y) + net.penalty(l2, l1)

    net.rng.bit_generator.state = start
    net.loss_and_gradients(loss, X, y, l2=l2, l1=l1, training=training)
    analytic = {name: grad.copy() for name, _, grad in net.parameters()}

    # A central difference carries rounding noise of a few ulps of the loss divided by 2 eps.
    # Differences of that size are forgiven: the floor is the gradient norm at which that noise
    # would amount to a relative error of TOLERANCE.
    noise = 8 * np.finfo(np.float64).eps * max(abs(objective()), 1.0) / (2.0 * eps)

    errors = {}
    for name, param, _ in net.parameters():
        numeric = np.zeros_like(param)
        flat, flat_numeric = param.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            flat_numeric[i] = central_difference(objective, flat, i, eps)
        floor = noise * np.sqrt(param.size) / TOLERANCE
        errors[name] = relative_error(analytic[name], numeric, floor)
    return errors
