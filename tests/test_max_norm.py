"""Max-norm and dropout on the inputs: the bricks Srivastava et al.'s MLP rows add."""

import numpy as np
import pytest

import glassnet
from glassnet import SGD, Dense, Dropout, Network, ReLU, fit, gradcheck, mlp
from glassnet.explain import explain_step
from glassnet.gradcheck import TOLERANCE


def column_norms(layer):
    return np.linalg.norm(layer.params["W"].astype(np.float64), axis=0)


def test_renorm_scales_only_the_units_over_the_limit(rng):
    layer = Dense(3, 4, rng=rng, max_norm=1.0)
    layer.params["W"][:] = [[3.0, 0.1, 0.0, 2.0], [4.0, 0.2, 0.5, 0.0], [0.0, 0.3, 0.5, 0.0]]
    before = layer.params["W"].copy()
    layer.renorm()
    np.testing.assert_allclose(column_norms(layer)[[0, 3]], 1.0, rtol=1e-6)
    np.testing.assert_allclose(layer.params["W"][:, 0], [0.6, 0.8, 0.0], rtol=1e-6)  # 3-4-5
    np.testing.assert_array_equal(layer.params["W"][:, 1:3], before[:, 1:3])  # within: untouched


def test_training_holds_every_unit_to_its_limit_and_without_it_they_grow(rng):
    X = rng.normal(size=(200, 6)) * 3
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    norms = {}
    for limit in (None, 0.8):
        network = mlp([6, 16, 2], max_norm=limit, seed=0)
        fit(network, X, y, loss="cross_entropy", optimizer=SGD(0.5), epochs=20, seed=0,
            progress=False)  # fmt: skip
        norms[limit] = max(column_norms(layer).max() for layer in network.layers if layer.params)
    assert norms[0.8] <= 0.8 * (1 + 1e-6) < norms[None]


def test_the_limit_is_saved_explained_and_checked(tmp_path, rng):
    network = mlp([2, 5, 2], max_norm=2.0, seed=0)
    loaded = glassnet.load(glassnet.save(network, tmp_path / "m.npz"))
    assert [layer.max_norm for layer in loaded.layers if layer.params] == [2.0, 2.0]
    X, y = rng.normal(size=(3, 2)), np.array([0, 1, 1])
    steps, _ = explain_step(network.copy(), "cross_entropy", X, y, learning_rate=50.0, title="t")
    update = next(step for step in steps if step.name == "W1 new")
    assert update.formula.startswith("renorm(W1 - lr * dLoss/dW1") and "at most 2" in update.note
    assert np.linalg.norm(update.value, axis=0).max() <= 2.0 * (1 + 1e-6)
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0 or None"):
        Dense(2, 3, max_norm=0)


def test_dropout_may_stand_first_on_the_inputs(tmp_path, rng):
    network = mlp([4, 6, 2], input_dropout=0.5, seed=0)
    assert isinstance(network.layers[0], Dropout) and network.in_features == 4
    X, y = rng.normal(size=(8, 4)), rng.integers(0, 2, size=8)
    inference = network.predict(X)
    training = network.forward(X, training=True)
    assert not np.allclose(training, inference)  # inputs were dropped in training only
    np.testing.assert_array_equal(network.predict(X), inference)
    assert max(gradcheck(network, "cross_entropy", X, y).values()) < TOLERANCE
    loaded = glassnet.load(glassnet.save(network, tmp_path / "d.npz"))
    np.testing.assert_array_equal(loaded.predict(X), inference)
    with pytest.raises(ValueError, match="a Dropout on the inputs may stand before it"):
        Network([Dropout(0.1), ReLU()])


def test_the_command_line_takes_both(tmp_path):
    import subprocess
    import sys

    model = tmp_path / "moons.npz"
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "moons", "--input-dropout", "0.1",
         "--max-norm", "1.5", "--epochs", "3", "--quiet", "--save", str(model)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    network = glassnet.load(model)
    assert isinstance(network.layers[0], Dropout) and network.layers[0].p == 0.1
    assert all(layer.max_norm == 1.5 for layer in network.layers if layer.params)
    assert all(column_norms(layer).max() <= 1.5 * (1 + 1e-6)
               for layer in network.layers if layer.params)  # fmt: skip


def test_onnx_runs_a_network_with_dropout_first(tmp_path, rng):
    import onnxruntime

    from glassnet.onnx import export

    network = mlp([4, 6, 2], input_dropout=0.3, max_norm=1.0, seed=0)
    session = onnxruntime.InferenceSession(str(export(network, tmp_path / "d.onnx")),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    X = rng.normal(size=(5, 4)).astype(np.float32)
    got = session.run(["output"], {"input": X})[0]
    assert np.max(np.abs(got - network.predict(X))) < 1e-5
