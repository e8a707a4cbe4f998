"""L1 (Lasso): its term, its gradient and its path through fit, explain and the command line."""

import numpy as np
import pytest

from glassnet import MSE, SGD, SoftmaxCrossEntropy, fit, gradcheck, mlp
from glassnet.explain import explain_step
from glassnet.gradcheck import TOLERANCE


def test_the_term_and_its_gradient(rng):
    network = mlp([3, 4, 2], seed=0).astype(np.float64)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    _, data_loss, penalty = network.loss_and_gradients(MSE(), X, y, l1=0.05)
    with_l1 = {layer.name: layer.grads["W"].copy() for layer in network.layers if layer.params}
    network.loss_and_gradients(MSE(), X, y)
    for layer in network.layers:
        if layer.params:
            np.testing.assert_allclose(with_l1[layer.name] - layer.grads["W"],
                                       0.05 * np.sign(layer.params["W"]), atol=1e-15)  # fmt: skip
    weights = sum(np.abs(layer.params["W"]).sum() for layer in network.layers if layer.params)
    assert penalty == pytest.approx(0.05 * weights, rel=1e-12)
    assert network.penalty(0.1, 0.05) == pytest.approx(network.l2_penalty(0.1) + penalty)


def test_gradcheck_with_l1_and_l2(rng):
    network = mlp([3, 5, 3], activation="tanh", seed=2).astype(np.float64)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    errors = gradcheck(network, SoftmaxCrossEntropy(), X, y, l2=0.01, l1=0.02)
    assert max(errors.values()) < TOLERANCE


def test_fit_with_l1_drives_weights_to_zero(rng):
    X = rng.normal(size=(40, 8))
    y = X[:, :1] * 2.0 + rng.normal(scale=0.3, size=(40, 1))  # only the first column matters
    sums = []
    for l1 in (0.0, 0.1):
        network = mlp([8, 1], seed=0)
        fit(network, X, y, loss="mse", optimizer=SGD(0.05), epochs=200, l1=l1, seed=0,
            progress=False)  # fmt: skip
        W = network.layers[0].params["W"][:, 0]
        sums.append(float(np.abs(W[1:]).sum()))
        assert W[0] > 1.5  # the column that matters keeps its weight
    assert sums[1] < 0.5 * sums[0]  # the others near 0 (plain SGD jitters about it by lr * l1)
    with pytest.raises(ValueError, match="l1 must be a finite number >= 0"):
        fit(mlp([8, 1]), X, y, loss="mse", l1=-1.0)


def test_explain_shows_the_lasso_term_and_part(rng):
    network = mlp([2, 3, 2], seed=0).astype(np.float64)
    X, y = rng.normal(size=(2, 2)), np.array([0, 1])
    steps, header = explain_step(network, "cross_entropy", X, y, learning_rate=0.1, l1=0.01,
                                 title="t")  # fmt: skip
    names = [step.name for step in steps]
    assert "Lasso term" in names and "dLoss/dW1 (Lasso)" in names
    assert any("Lasso (L1), beta = 0.01" in line for line in header["about"])
    loss = next(step for step in steps if step.name == "Loss")
    terms = sum(step.value for step in steps if step.name in ("data term", "Ridge term",
                                                               "Lasso term"))  # fmt: skip
    assert loss.value == pytest.approx(terms, rel=1e-12)
