"""BatchNorm1d against Ioffe & Szegedy's own equations, finite differences, a saved file, ONNX."""

import numpy as np
import pytest

import glassnet
from glassnet import SGD, BatchNorm1d, Dense, Network, ReLU, fit, gradcheck, mlp
from glassnet.explain import explain_step
from glassnet.gradcheck import TOLERANCE


def paper_forward(x, gamma, beta, eps):
    """Algorithm 1 of the paper, one statistic at a time."""
    m = len(x)
    mu = x.sum(axis=0) / m
    var = ((x - mu) ** 2).sum(axis=0) / m
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (mu, var, x_hat)


def paper_backward(x, dy, gamma, eps):
    """The paper's chain rule, term by term (section 3): dl/dx_hat, dl/dvar, dl/dmu, dl/dx."""
    m = len(x)
    _, (mu, var, x_hat) = paper_forward(x, gamma, 0.0, eps)
    dx_hat = dy * gamma
    dvar = (dx_hat * (x - mu) * -0.5 * (var + eps) ** -1.5).sum(axis=0)
    dmu = (dx_hat * -1 / np.sqrt(var + eps)).sum(axis=0) + dvar * (-2 * (x - mu)).sum(axis=0) / m
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def brick(features, rng, **options):
    layer = BatchNorm1d(features, **options)
    Network([layer], dtype=np.float64)
    layer.params["gamma"][...] = rng.normal(size=features)
    layer.params["beta"][...] = rng.normal(size=features)
    layer.input_grad = True
    return layer


def test_training_pass_is_the_papers(rng):
    layer = brick(4, rng, eps=1e-3)
    x, dy = rng.normal(2.0, 3.0, size=(7, 4)), rng.normal(size=(7, 4))
    expected, _ = paper_forward(x, layer.params["gamma"], layer.params["beta"], 1e-3)
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-12, atol=1e-12)
    dx, dgamma, dbeta = paper_backward(x, dy, layer.params["gamma"], 1e-3)
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["gamma"], dgamma, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["beta"], dbeta, rtol=1e-12)


def test_a_worked_example_by_hand():
    layer = BatchNorm1d(2, eps=1e-8, momentum=0.5)
    Network([layer], dtype=np.float64)
    out = layer.forward(np.array([[1.0, 2.0], [3.0, 6.0]]), training=True)
    # means (2, 4), variances (1, 4): each column becomes (-1, 1)
    np.testing.assert_allclose(out, [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-7)
    # running: halfway from (0, 1) to the batch's mean and unbiased variance (2, 8)
    np.testing.assert_allclose(layer.running_mean, [1.0, 2.0])
    np.testing.assert_allclose(layer.running_var, [1.5, 4.5])
    # inference uses them: (x - 1) / sqrt(1.5) for the first column
    np.testing.assert_allclose(layer.forward(np.array([[4.0, 2.0]]))[0], [3 / np.sqrt(1.5), 0.0],
                               rtol=1e-7)  # fmt: skip


def test_gradients_match_finite_differences_in_both_modes(rng):
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, size=12)
    network = mlp([5, 8, 6, 3], batch_norm=True, dtype=np.float64, seed=0)
    assert [type(layer).__name__ for layer in network.layers[:3]] == ["Dense", "BatchNorm1d",
                                                                      "ReLU"]  # fmt: skip
    assert network.layers[0].init == "he_normal"  # the ReLU's, past the normalisation
    for layer in network.layers:  # statistics of their own, so that no unit sits at ReLU's kink
        if isinstance(layer, BatchNorm1d):  # (a row of zeros after ReLU gives z = b = 0)
            layer.running_mean[...] = rng.normal(size=layer.features)
            layer.running_var[...] = rng.uniform(0.5, 2.0, size=layer.features)
            layer.params["beta"][...] = rng.normal(size=layer.features)
    for training in (True, False):
        errors = gradcheck(network, "cross_entropy", X, y, training=training)
        assert {"batchnorm1.gamma", "batchnorm2.beta"} <= set(errors)
        assert max(errors.values()) < TOLERANCE


def test_training_with_it_learns_and_reruns_bit_for_bit(rng):
    X = rng.normal(size=(300, 6)) * 30 + 50  # far from mean 0 and variance 1
    y = ((X[:, 0] - 50) * (X[:, 1] - 50) > 0).astype(int)
    runs = []
    for _ in range(2):
        network = mlp([6, 16, 16, 2], batch_norm=True, seed=3)
        history = fit(network, X, y, loss="cross_entropy", optimizer=SGD(0.1, momentum=0.9),
                      epochs=15, batch_size=32, seed=1, progress=False)  # fmt: skip
        runs.append(network)
    assert history.loss[-1] < history.loss[0] / 2
    assert np.mean(runs[0].predict_classes(X) == y) > 0.85  # (without it, SGD 0.1 diverges here)
    for a, b in zip(runs[0].layers, runs[1].layers, strict=True):
        for key in a.params:
            np.testing.assert_array_equal(a.params[key], b.params[key])
    np.testing.assert_array_equal(runs[0].layers[1].running_var, runs[1].layers[1].running_var)


def test_saved_with_its_running_statistics(tmp_path, rng):
    network = mlp([3, 4, 2], batch_norm=True, seed=0)
    X = rng.normal(5.0, 2.0, size=(20, 3))
    fit(network, X, rng.integers(0, 2, 20), loss="cross_entropy", epochs=2, batch_size=10,
        progress=False)  # fmt: skip
    loaded = glassnet.load(glassnet.save(network, tmp_path / "bn.npz"))
    np.testing.assert_array_equal(loaded.layers[1].running_mean, network.layers[1].running_mean)
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    assert "BatchNorm1d(features=4, momentum=0.1, eps=1e-05)" in loaded.summary()


def test_onnx_batch_normalization_matches(tmp_path, rng):
    import onnxruntime

    from glassnet.onnx import export

    network = mlp([4, 6, 2], batch_norm=True, seed=0)
    X = rng.normal(1.0, 3.0, size=(30, 4)).astype(np.float32)
    fit(network, X, rng.integers(0, 2, 30), loss="cross_entropy", epochs=3, batch_size=10,
        progress=False)  # fmt: skip
    session = onnxruntime.InferenceSession(str(export(network, tmp_path / "bn.onnx")),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    got = session.run(["output"], {"input": X})[0]
    assert np.max(np.abs(got - network.predict(X))) < 1e-5


def test_explain_shows_its_formulas(rng):
    network = mlp([2, 3, 2], batch_norm=True, dtype=np.float64, seed=0)
    X, y = rng.normal(size=(4, 2)), np.array([0, 1, 1, 0])
    steps, _ = explain_step(network, "cross_entropy", X, y, learning_rate=0.1, title="t")
    by_name = {step.name: step for step in steps}
    assert by_name["h1"].formula == "gamma (z1 - mean) / sqrt(var + eps) + beta"
    assert by_name["dLoss/dgamma1"].formula == "sum over the batch of dLoss/dh1 x_hat"
    assert by_name["dLoss/dz1"].formula.startswith("gamma / sqrt(var + eps) (dLoss/dh1")
    assert "gamma1 new" in by_name and "beta1 new" in by_name


def test_bad_settings_and_a_batch_of_one_are_named():
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm1d(3, momentum=0)
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        BatchNorm1d(3, eps=-1.0)
    with pytest.raises(ValueError, match="running_var must not be negative"):
        BatchNorm1d(2, running_var=[1.0, -1.0])
    with pytest.raises(ValueError, match="running_mean must be 2 finite numbers"):
        BatchNorm1d(2, running_mean=[1.0])
    with pytest.raises(ValueError, match="normalises 4 columns but the layer before it gives 3"):
        Network([Dense(2, 3), BatchNorm1d(4)])
    network = Network([Dense(2, 3), BatchNorm1d(3), ReLU(), Dense(3, 2)], seed=0)
    with pytest.raises(ValueError, match="at least 2 rows per training batch, got 1"):
        network.forward(np.ones((1, 2)), training=True)
    assert network.predict(np.ones((1, 2))).shape == (1, 2)  # inference takes one row
