"""The Features brick: its columns, its gradient, and models that carry it everywhere."""

import subprocess
import sys

import numpy as np
import onnxruntime
import pytest

import glassnet
from glassnet import Dense, Features, Network, SoftmaxCrossEntropy, Tanh, gradcheck, mlp
from glassnet.features import FEATURES, with_features
from glassnet.gradcheck import TOLERANCE
from glassnet.onnx import export


def test_each_column_is_its_formula(rng):
    x = rng.normal(size=(9, 2)) * 3
    out = Features(FEATURES).forward(x)
    x1, x2 = x[:, 0], x[:, 1]
    expected = np.c_[x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)]
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert Features(["sin(x2)", "x1"]).names == ["x1", "sin(x2)"]  # one order, whatever given


@pytest.mark.parametrize("names", [FEATURES, ("x1^2",), ("x1*x2", "sin(x1)"), ("x2", "x2^2")])
def test_backward_is_the_derivative_of_forward_in_float64(names, rng):
    brick = Features(names)
    x = rng.normal(size=(6, 2)) * 2
    weights = rng.normal(size=(6, len(brick.names)))
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += 1e-6
        down[index] -= 1e-6
        numeric[index] = np.sum((brick.forward(up).copy() - brick.forward(down)) * weights) / 2e-6
    brick.forward(x)
    np.testing.assert_allclose(brick.backward(weights), numeric, rtol=1e-7, atol=1e-9)


def test_a_network_behind_it_passes_gradcheck(rng):
    network = with_features(mlp([5, 4, 3], activation="tanh", seed=1), FEATURES[2:])
    network = network.astype(np.float64)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 3, size=6)
    assert max(gradcheck(network, SoftmaxCrossEntropy(), X, y, l2=0.01).values()) < TOLERANCE


def test_bad_names_and_widths_are_named():
    with pytest.raises(ValueError, match="names must be distinct names among x1, x2"):
        Features(["x3"])
    with pytest.raises(ValueError, match="names must be distinct"):
        Features(["x1", "x1"])
    with pytest.raises(ValueError, match="takes the plane's 2 coordinates, not 3"):
        Network([Dense(3, 3), Features(["x1"])])


def test_saved_and_exported_models_take_the_raw_coordinates(tmp_path, rng):
    X = rng.normal(size=(40, 2)) * 4
    network = with_features(Network([Dense(4, 6), Tanh(), Dense(6, 2)], seed=0),
                            ["x1^2", "x2^2", "x1*x2", "sin(x1)"], inputs=X)  # fmt: skip
    assert [type(layer).__name__ for layer in network.layers][:2] == ["Features", "Standardize"]
    path = glassnet.save(network, tmp_path / "features.npz")
    loaded = glassnet.load(path)
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    onnx_path = export(network, tmp_path / "features.onnx")
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["output"], {"input": X.astype(np.float32)})[0]
    assert np.max(np.abs(got - network.predict(X))) < 1e-5


def test_the_command_line_trains_with_features_and_refuses_them_for_wider_data(tmp_path):
    model = tmp_path / "circles.npz"
    trained = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "circles", "--features", "x1^2", "x2^2",
         "--hidden", "2", "--epochs", "30", "--quiet", "--save", str(model)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    network = glassnet.load(model)
    assert network.layers[0].names == ["x1^2", "x2^2"] and network.in_features == 2
    accuracy = float(trained.stdout.split("accuracy ")[1].split("%")[0])
    assert accuracy > 95  # two squared columns and two neurons draw a circle
    refused = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "digits", "--features", "x1", "--epochs", "1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "--features makes columns of two numeric coordinates (x1, x2)" in refused.stderr
    assert "Traceback" not in refused.stderr
