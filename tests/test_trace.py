import numpy as np
import pytest

import glassnet as gn
from glassnet.datasets import one_hot, xor_table
from glassnet.explain import explain, render
from glassnet.trace import trace


def xor_network(seed=0):
    return gn.mlp([2, 3, 2], activation="sigmoid", output="sigmoid", init="fan_in_uniform",
                  seed=seed)  # fmt: skip


@pytest.fixture
def xor_batch():
    X, labels = xor_table()
    return X, one_hot(labels)


def test_trace_equals_a_training_step(xor_batch):
    X, y = xor_batch
    watched, plain = xor_network(), xor_network()
    record = trace(watched, "mse", X, y, optimizer=gn.SGD(0.5), l2=0.01)
    gn.train_step(plain, gn.MSE(), gn.SGD(0.5), X, y, l2=0.01)
    for layer, layer_trace in zip(plain.layers, record.layers, strict=True):
        for key in layer.params:
            assert np.array_equal(layer.params[key], layer_trace.params_after[key])
            assert np.array_equal(layer.grads[key], layer_trace.grads[key])
            # the update is what the step changed: -lr * grad, up to float32 rounding
            np.testing.assert_allclose(
                layer_trace.updates[key], -0.5 * layer_trace.grads[key], rtol=1e-3, atol=1e-7
            )
    assert np.array_equal(watched.get_weights()["dense1.W"], plain.get_weights()["dense1.W"])


def test_trace_records_the_chain_rule(xor_batch):
    X, y = xor_batch
    record = trace(xor_network(), "mse", X, y, optimizer=gn.SGD(1.0), l2=0.001)
    dense1, sigmoid1, dense2, sigmoid2 = record.layers
    h2 = sigmoid2.output
    np.testing.assert_allclose(sigmoid2.grad_output, 2 * (h2 - y) / h2.size, rtol=1e-6)
    np.testing.assert_allclose(sigmoid2.local_grad, h2 * (1 - h2), rtol=1e-6)
    dz2 = sigmoid2.grad_output * sigmoid2.local_grad
    np.testing.assert_allclose(sigmoid2.grad_input, dz2, rtol=1e-6)
    np.testing.assert_allclose(dense2.data_grads["W"], sigmoid1.output.T @ dz2, rtol=1e-5)
    np.testing.assert_allclose(
        dense2.grads["W"], dense2.data_grads["W"] + 0.001 * dense2.params["W"], rtol=1e-6
    )
    np.testing.assert_allclose(dense2.grad_input, dz2 @ dense2.params["W"].T, rtol=1e-5)
    assert record.data_loss == pytest.approx(np.mean((h2 - y) ** 2), rel=1e-6)
    assert record.loss_after < record.loss


def test_explain_values_come_from_the_trace(xor_batch):
    X, y = xor_batch
    record = trace(xor_network(), "mse", X, y, optimizer=gn.SGD(1.0), l2=1e-4)
    steps = {step.name: step for step in explain(record)}
    for name in ("z1", "h1", "z2", "h2", "dLoss/dh2", "dh2/dz2", "dz2/dW2", "dLoss/dW2",
                 "dz2/dh1", "dLoss/dh1", "dh1/dz1", "dLoss/dW1", "W1 new", "W2 new"):  # fmt: skip
        assert name in steps, name
    assert steps["dz2/dW2"].formula == "h1" and steps["dz2/dh1"].formula == "W2"
    assert steps["dh2/dz2"].formula == "h2 (1 - h2)"
    np.testing.assert_array_equal(steps["dLoss/dW1"].value, record.layer("dense1").grads["W"])
    np.testing.assert_array_equal(steps["W2 new"].value, record.layer("dense2").params_after["W"])
    assert "reused from the W2 step" in steps["dLoss/dW1 (data)"].note
    assert steps["Ridge term"].value == record.l2_term > 0
    assert steps["Loss after the step"].note.startswith("lower")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_render_formats(xor_batch, fmt):
    X, y = xor_batch
    text = render(explain(trace(xor_network(), "mse", X, y)), {"title": "t", "about": []}, fmt)
    assert "dLoss/dW1" in text and "h2 (1 - h2)" in text


def test_large_layers_are_summarised(rng):
    net = gn.mlp([100, 50, 10], seed=0)
    record = trace(net, "cross_entropy", rng.random((8, 100)), rng.integers(0, 10, 8))
    text = render(explain(record), {"title": "t", "about": []})
    assert "(100, 50)" in text and "norm" in text
    assert "dLoss/dz2 = (softmax(z2) - y) / 8" in text
