"""The learning-rate range test: a sweep that leaves the network as it was."""

import json
import subprocess
import sys

import numpy as np
import pytest

from glassnet import Adam, mlp
from glassnet.lr_find import lr_find


@pytest.fixture
def blobs(rng):
    X = rng.normal(size=(400, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def test_the_sweep_leaves_the_network_and_optimizer_as_they_were(blobs):
    X, y = blobs
    network = mlp([4, 16, 2], dropout=0.2, batch_norm=True, seed=0)
    weights = {name: param.copy() for name, param, _ in network.parameters()}
    state = network.rng.bit_generator.state
    running = network.layers[1].running_mean.copy()
    optimizer = Adam(1e-3)
    sweep = lr_find(network, X, y, loss="cross_entropy", optimizer=optimizer, steps=50)
    for name, param, _ in network.parameters():
        np.testing.assert_array_equal(param, weights[name])
    np.testing.assert_array_equal(network.layers[1].running_mean, running)
    assert network.rng.bit_generator.state == state and optimizer.state == {}
    assert len(sweep.learning_rates) == len(sweep.losses) == len(sweep.smoothed) <= 50


def test_rates_grow_geometrically_and_a_divergence_stops_the_sweep(blobs):
    X, y = blobs
    sweep = lr_find(mlp([4, 16, 2], seed=0), X, y, loss="cross_entropy", min_lr=1e-4,
                    max_lr=1e4, steps=100)  # fmt: skip
    ratios = sweep.learning_rates[1:] / sweep.learning_rates[:-1]
    np.testing.assert_allclose(ratios, 1e8 ** (1 / 99))
    assert sweep.stopped_early and len(sweep.losses) < 100  # SGD at 1e4 diverges
    assert sweep.smoothed[-1] > 4 * np.min(sweep.smoothed[:-1]) or not np.isfinite(
        sweep.smoothed[-1]
    )


def test_the_suggestion_is_a_rate_that_trains(blobs):
    X, y = blobs
    sweep = lr_find(mlp([4, 16, 2], seed=0), X, y, loss="cross_entropy", steps=200)
    assert 1e-3 < sweep.suggestion <= sweep.lowest < 10  # where the loss falls, before the low
    low = np.argmin(sweep.smoothed)
    assert sweep.smoothed[low] < 0.6 * sweep.smoothed[0]


def test_bad_settings_are_named(blobs):
    X, y = blobs
    network = mlp([4, 3, 2], seed=0)
    with pytest.raises(ValueError, match="need 0 < min_lr < max_lr"):
        lr_find(network, X, y, loss="cross_entropy", min_lr=1.0, max_lr=0.1)
    with pytest.raises(ValueError, match="steps must be at least 5"):
        lr_find(network, X, y, loss="cross_entropy", steps=3)


def test_the_command_prints_a_suggestion_and_draws_it(tmp_path):
    picture = tmp_path / "lr.png"
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "lr-find", "moons", "--steps", "100", "--plot",
         str(picture), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["optimizer"] == "adam" and len(summary["losses"]) <= 100
    assert 1e-6 < summary["suggestion"] < 10 and picture.stat().st_size > 10_000
