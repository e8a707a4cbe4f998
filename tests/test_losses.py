import numpy as np
import pytest

from glassnet import MAE, MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from glassnet.losses import get_loss


def test_mse_by_hand():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[0.0, 2.0], [3.0, 3.0]])
    assert MSE().value(pred, target) == pytest.approx((1 + 0 + 0 + 4) / 4)
    np.testing.assert_allclose(MSE().grad(pred, target), 2 * (pred - target) / 4)


def test_mae_by_hand():
    pred = np.array([[1.0], [3.0]])
    target = np.array([0.5, 4.0])  # (batch,) stands for (batch, 1)
    assert MAE().value(pred, target) == pytest.approx(0.75)
    np.testing.assert_allclose(MAE().grad(pred, target), [[0.5], [-0.5]])


def test_softmax_cross_entropy_labels_and_one_hot_agree(rng):
    logits = rng.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[labels]
    loss = SoftmaxCrossEntropy()
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(5), labels]))
    assert loss.value(logits, labels) == pytest.approx(expected)
    assert loss.value(logits, one_hot) == pytest.approx(expected)
    np.testing.assert_allclose(loss.grad(logits, labels), (p - one_hot) / 5)
    np.testing.assert_allclose(loss.grad(logits, one_hot), (p - one_hot) / 5)


def test_softmax_cross_entropy_is_stable_at_extreme_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    labels = np.array([0, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = SoftmaxCrossEntropy().value(logits, labels)
        grad = SoftmaxCrossEntropy().grad(logits, labels)
    assert value == pytest.approx(2e4 / 2)  # right row costs 0, wrong row costs 2e4
    np.testing.assert_allclose(grad, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-12)


def test_binary_cross_entropy_by_hand_and_at_extremes():
    logits = np.array([[0.0], [2.0]])
    target = np.array([1.0, 0.0])
    expected = (np.log(2.0) + np.log(1 + np.exp(2.0))) / 2
    assert BinaryCrossEntropy().value(logits, target) == pytest.approx(expected)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        extreme = np.array([[1e4], [-1e4], [1e4]])
        value = BinaryCrossEntropy().value(extreme, np.array([1.0, 0.0, 0.0]))
        grad = BinaryCrossEntropy().grad(extreme, np.array([1.0, 0.0, 0.0]))
    assert value == pytest.approx(1e4 / 3)
    np.testing.assert_allclose(grad, [[0.0], [0.0], [1 / 3]])


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"target has shape \(2, 3\) but the prediction has"):
        MSE().value(np.zeros((2, 2)), np.zeros((2, 3)))


def test_get_loss_by_name():
    assert isinstance(get_loss("cross_entropy"), SoftmaxCrossEntropy)
    with pytest.raises(ValueError, match="did you mean 'mse'"):
        get_loss("mse2")


def test_every_loss_taking_function_takes_the_names_fit_takes(rng):
    import glassnet
    from glassnet import SGD, gradcheck, mlp, train_step
    from glassnet.losses import LOSSES

    X = rng.normal(size=(4, 2))
    for name in LOSSES:
        y = rng.integers(0, 2, size=4) if name == "cross_entropy" else rng.random((4, 2)).round()
        network = mlp([2, 3, 2], seed=0).astype(np.float64)
        assert max(gradcheck(network, name, X, y).values()) < 1e-6
        network.loss_and_gradients(name, X, y)
        train_step(network, name, SGD(0.1), X, y)
        glassnet.evaluate(network, name, X, y)
    with pytest.raises(ValueError, match="did you mean 'cross_entropy'"):
        train_step(network, "crossentropy", SGD(0.1), X, y)
