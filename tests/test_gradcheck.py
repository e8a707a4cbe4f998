"""Every brick and loss against central finite differences, in float64."""

import numpy as np
import pytest

from glassnet import (
    MAE,
    MSE,
    BinaryCrossEntropy,
    Dense,
    Dropout,
    Identity,
    LeakyReLU,
    Network,
    ReLU,
    Rescale,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    Standardize,
    Tanh,
    gradcheck,
)
from glassnet.gradcheck import TOLERANCE, relative_error
from glassnet.layers import GELU

N_IN, N_OUT, BATCH = 4, 3, 6


def make_targets(loss, rng, n_out=N_OUT):
    if isinstance(loss, SoftmaxCrossEntropy):
        return rng.integers(0, n_out, size=BATCH)
    if isinstance(loss, BinaryCrossEntropy):
        return (rng.random((BATCH, n_out)) > 0.5).astype(float)
    # Regression targets well away from the outputs keep MAE off its kink at 0.
    return rng.normal(size=(BATCH, n_out)) + 3.0 * np.sign(rng.normal(size=(BATCH, n_out)))


BRICKS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": lambda: LeakyReLU(0.1),
    "identity": Identity,
    "gelu": GELU,
    "softmax": Softmax,
    "dropout": lambda: Dropout(0.4),
    "standardize": lambda: Standardize([0.5, -1.0, 2.0, 0.0, 3.0], [2.0, 0.5, 1.0, 4.0, 0.25]),
    "rescale": lambda: Rescale([0.5, -1.0, 2.0, 0.0, 3.0], [2.0, 0.5, 1.0, 4.0, 0.25]),
}
LOSSES = {
    "mse": MSE,
    "mae": MAE,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
}


@pytest.mark.parametrize("l2", [0.0, 0.05])
@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("brick_name", BRICKS)
def test_brick_and_loss_gradients(brick_name, loss_name, l2, rng):
    loss = LOSSES[loss_name]()
    network = Network([Dense(N_IN, 5), BRICKS[brick_name](), Dense(5, N_OUT)], seed=3)
    X = rng.normal(size=(BATCH, N_IN))
    errors = gradcheck(network, loss, X, make_targets(loss, rng), l2=l2)
    assert set(errors) == {"dense1.W", "dense1.b", "dense2.W", "dense2.b"}
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("loss_name", LOSSES)
def test_four_layer_stack_with_l2(loss_name, rng):
    loss = LOSSES[loss_name]()
    network = Network(
        [
            Dense(N_IN, 7),
            ReLU(),
            Dropout(0.25),
            Dense(7, 6),
            Tanh(),
            Dense(6, 5),
            Sigmoid(),
            Dense(5, N_OUT),
        ],
        seed=7,
    )
    X = rng.normal(size=(BATCH, N_IN))
    errors = gradcheck(network, loss, X, make_targets(loss, rng), l2=0.01)
    assert len(errors) == 8
    assert max(errors.values()) < TOLERANCE, errors


def test_softmax_output_with_mse_on_probabilities(rng):
    network = Network([Dense(N_IN, 4), Tanh(), Dense(4, N_OUT), Softmax()], seed=1)
    targets = np.eye(N_OUT)[rng.integers(0, N_OUT, BATCH)]
    errors = gradcheck(network, MSE(), rng.normal(size=(BATCH, N_IN)), targets)
    assert max(errors.values()) < TOLERANCE, errors


def test_gradcheck_catches_a_wrong_backward(rng):
    class BrokenSigmoid(Sigmoid):
        def backward(self, grad_out):
            return grad_out * self._out  # forgets the (1 - h) factor

    network = Network([Dense(N_IN, 5), BrokenSigmoid(), Dense(5, N_OUT)], seed=0)
    errors = gradcheck(network, MSE(), rng.normal(size=(BATCH, N_IN)), make_targets(MSE(), rng))
    assert errors["dense1.W"] > 1e-2
    assert errors["dense2.W"] < TOLERANCE  # the layer above the fault is still right


def test_gradcheck_leaves_the_network_untouched(rng):
    network = Network([Dense(N_IN, 5), Sigmoid(), Dense(5, N_OUT)], seed=0)
    before = network.get_weights()
    state = network.rng.bit_generator.state
    gradcheck(network, MSE(), rng.normal(size=(BATCH, N_IN)), make_targets(MSE(), rng))
    after = network.get_weights()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert all(v.dtype == np.float32 for v in after.values())
    assert network.rng.bit_generator.state == state


def test_relative_error():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([2.0]), np.array([1.0])) == pytest.approx(0.5)
    assert relative_error(np.array([0.0]), np.array([1e-12]), floor=1e-4) == pytest.approx(1e-8)
    # one wrong element among right ones still shows
    assert relative_error(np.array([3.0, 4.0, 0.0]), np.array([3.0, 4.0, 1.0])) == pytest.approx(
        1 / np.sqrt(26)
    )
