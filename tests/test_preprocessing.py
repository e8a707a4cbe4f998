"""The scaling bricks: their formulas, their gradients, and models that carry them."""

import numpy as np
import pytest

import glassnet
from glassnet import (
    MSE,
    Dense,
    Impute,
    Network,
    ReLU,
    Rescale,
    SoftmaxCrossEntropy,
    Standardize,
    gradcheck,
)
from glassnet.gradcheck import TOLERANCE
from glassnet.io import FORMAT_VERSION, HEADER_KEY, ModelFileError, model_contents, write_archive
from glassnet.preprocessing import scaled


def central_difference(function, x, eps=1e-6):
    """d sum(function(x) * weights) / dx by central differences, for a fixed random weighting."""
    weights = np.random.default_rng(7).normal(size=function(x).shape)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        grad[index] = np.sum((function(up) - function(down)) * weights) / (2 * eps)
    return weights, grad


@pytest.mark.parametrize("brick", [Standardize, Rescale])
def test_backward_is_the_derivative_of_forward(brick, rng):
    layer = brick([1.0, -200.0, 3e3], [0.5, 40.0, 900.0])
    x = rng.normal(size=(5, 3)) * [1, 50, 1000]
    weights, numeric = central_difference(lambda v: layer.forward(v).copy(), x)
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(weights), numeric, rtol=1e-6)


def test_standardize_centres_and_scales_the_training_rows(rng):
    X = rng.normal(size=(500, 3)) * [1.0, 50.0, 0.01] + [0.0, 100.0, -5.0]
    X[:, 0] = 7.0  # a constant column is only shifted
    brick = Standardize.fit(X)
    Z = brick.forward(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(Z.std(axis=0), [0.0, 1.0, 1.0], atol=1e-10)
    np.testing.assert_allclose(Z, (X - X.mean(axis=0)) / np.where(X.std(0) > 0, X.std(0), 1))
    again = Standardize(**{k: v for k, v in brick.config().items() if k != "type"})
    np.testing.assert_array_equal(again.forward(X), Z)


def test_rescale_gives_the_target_back(rng):
    y = rng.normal(size=(200, 2)) * [100.0, 0.1] + [500.0, -3.0]
    brick = Rescale.fit(y)
    standardised = (y - y.mean(axis=0)) / y.std(axis=0)
    np.testing.assert_allclose(brick.forward(standardised), y)


def test_bad_statistics_are_refused():
    with pytest.raises(ValueError, match="same length"):
        Standardize([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="std must be positive"):
        Rescale([0.0], [0.0])
    with pytest.raises(ValueError, match="finite"):
        Standardize([np.nan], [1.0])
    with pytest.raises(ValueError, match="finite numbers"):
        Standardize.fit(np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="standardize1 scales 3 columns but the brick before"):
        Network([Dense(2, 2), Standardize([0, 0, 0], [1, 1, 1])], seed=0)


def test_standardize_first_fixes_the_input_width_and_gradchecks(rng):
    X = rng.normal(size=(8, 3)) * [1, 100, 1000] + [0, 50, -300]
    y = rng.normal(size=(8, 2)) * 50 + 200
    network = scaled(
        Network([Dense(3, 5), ReLU(), Dense(5, 2)], seed=0, dtype=np.float64), inputs=X, targets=y
    )
    assert network.in_features == 3 and network.layers[0].name == "standardize1"
    assert [layer.input_grad for layer in network.layers] == [False, False, True, True, True]
    errors = gradcheck(network, MSE(), X, y)
    assert max(errors.values()) < TOLERANCE, errors
    with pytest.raises(ValueError, match="must fix the input width"):
        Network([ReLU(), Dense(3, 2)])


def test_predictions_are_in_raw_units_through_every_path(rng, tmp_path):
    X = rng.normal(size=(300, 3)) * [1, 100, 1000]
    y = (X @ [2.0, 0.03, 0.001])[:, None] * 10 + 400
    plain = Network([Dense(3, 8), ReLU(), Dense(8, 1)], seed=0, dtype=np.float64)
    network = scaled(plain, inputs=X, targets=y)
    inner = plain.predict((X - X.mean(0)) / X.std(0))
    np.testing.assert_allclose(network.predict(X), inner * y.std() + y.mean())
    glassnet.save(network, tmp_path / "m.npz")
    loaded = glassnet.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    history = glassnet.fit(network, X, y, loss="mse", optimizer=glassnet.Adam(0.01), epochs=60,
                           metrics=["r2"], progress=False)  # fmt: skip
    assert history["r2"][-1] > 0.99  # raw targets in, raw units out
    assert history.loss[-1] == pytest.approx(np.mean((network.predict(X) - y) ** 2), rel=0.2)


def old_format_file(path, network, mean, std):
    """A model file as version 1 wrote it: the input scaling in its metadata."""
    network.metadata = {"standardize": {"mean": list(mean), "std": list(std)}, "note": "x"}
    header, arrays = model_contents(network, path)
    header["version"] = 1
    write_archive(path, header, arrays)


def test_old_files_with_scaling_in_metadata_load_and_predict_right(rng, tmp_path):
    X = rng.normal(size=(20, 3)) * [1, 100, 1000]
    mean, std = X.mean(axis=0), X.std(axis=0)
    inner = Network([Dense(3, 4), ReLU(), Dense(4, 2)], seed=0)
    old_format_file(tmp_path / "old.npz", inner, mean, std)
    loaded = glassnet.load(tmp_path / "old.npz")
    assert isinstance(loaded.layers[0], Standardize)
    assert "standardize" not in loaded.metadata and loaded.metadata["note"] == "x"
    np.testing.assert_allclose(loaded.predict(X), inner.predict((X - mean) / std), rtol=1e-5)
    glassnet.save(loaded, tmp_path / "new.npz")
    header = np.load(tmp_path / "new.npz")[HEADER_KEY]
    assert f'"version": {FORMAT_VERSION}' in str(header)
    np.testing.assert_array_equal(glassnet.load(tmp_path / "new.npz").predict(X), loaded.predict(X))


def test_old_files_with_broken_scaling_are_refused(tmp_path):
    network = Network([Dense(2, 2)], seed=0)
    network.metadata = {"standardize": {"mean": [0.0, 1.0]}}
    header, arrays = model_contents(network, tmp_path / "m.npz")
    header["version"] = 1
    write_archive(tmp_path / "m.npz", header, arrays)
    with pytest.raises(ModelFileError, match="'standardize' needs a 'mean' and a 'std'"):
        glassnet.load(tmp_path / "m.npz")
    old_format_file(tmp_path / "short.npz", Network([Dense(2, 2)], seed=0), [0.0], [1.0])
    with pytest.raises(ModelFileError, match="inconsistent"):
        glassnet.load(tmp_path / "short.npz")


def test_a_model_without_scaling_bricks_stays_readable_as_version_1(tmp_path):
    glassnet.save(Network([Dense(2, 2)], seed=0), tmp_path / "plain.npz")
    assert '"version": 1' in str(np.load(tmp_path / "plain.npz")[HEADER_KEY])


def test_classifier_with_standardize_first(rng):
    X = rng.normal(size=(400, 2)) * [1, 1000]
    labels = (X[:, 0] + X[:, 1] / 1000 > 0).astype(int)
    network = scaled(glassnet.mlp([2, 16, 2], seed=0), inputs=X)
    glassnet.fit(network, X, labels, loss=SoftmaxCrossEntropy(), optimizer=glassnet.Adam(0.01),
                 epochs=40, progress=False)  # fmt: skip
    assert np.mean(network.predict_classes(X) == labels) > 0.95


def test_impute_fills_missing_values_with_what_the_training_rows_suggest():
    X = np.array([[1.0, 10.0, 5.0], [np.nan, 10.0, 6.0], [3.0, np.nan, 6.0], [4.0, 40.0, np.nan]])
    assert Impute.fit(X, "mean").fill.tolist() == [8 / 3, 20.0, 17 / 3]
    assert Impute.fit(X, "median").fill.tolist() == [3.0, 10.0, 6.0]
    assert Impute.fit(X, "most_frequent").fill.tolist() == [1.0, 10.0, 6.0]
    brick = Impute.fit(X, "median")
    out = brick.forward(X)
    np.testing.assert_array_equal(out, [[1, 10, 5], [3, 10, 6], [3, 10, 6], [4, 40, 6]])
    grad = brick.backward(np.ones_like(X))  # a filled value does not depend on the input
    np.testing.assert_array_equal(grad, ~np.isnan(X))
    with pytest.raises(ValueError, match="column 1 has no values"):
        Impute.fit(np.array([[1.0, np.nan], [2.0, np.nan]]))
    with pytest.raises(ValueError, match="strategy must be one of mean, median, most_frequent"):
        Impute.fit(X, "mode")


def test_a_network_with_impute_first_takes_missing_values_and_no_inf(rng, tmp_path):
    X = rng.normal(size=(60, 3)) * [1, 100, 1000]
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X[:, :1], nan=0.5) * 3 + 1
    network = scaled(Network([Dense(3, 4), ReLU(), Dense(4, 1)], seed=0, dtype=np.float64),
                     inputs=X, targets=y, missing="mean")  # fmt: skip
    assert [type(layer).__name__ for layer in network.layers][:2] == ["Impute", "Standardize"]
    errors = gradcheck(network, MSE(), X[:8], y[:8])
    assert max(errors.values()) < TOLERANCE, errors
    filled = np.where(np.isnan(X), network.layers[0].fill, X)
    np.testing.assert_allclose(network.predict(X), network.predict(filled))
    glassnet.save(network, tmp_path / "m.npz")
    np.testing.assert_array_equal(glassnet.load(tmp_path / "m.npz").predict(X), network.predict(X))
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"X contains Inf \(first at row 3, column 2\)"):
        network.predict(X)
    with pytest.raises(ValueError, match="NaN or Inf"):
        Network([Dense(3, 1)], seed=0).predict(np.full((1, 3), np.nan))
