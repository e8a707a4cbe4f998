"""The benchmarks' own reference code: the hand-written loop must train the same network."""

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.losses import SoftmaxCrossEntropy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from breakdown import ORDER, plot  # noqa: E402
from handwritten import HandwrittenMLP  # noqa: E402


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.1), ("adam", 0.01)])
def test_handwritten_loop_takes_the_steps_glassnet_takes(rng, optimizer, lr):
    # In float64: the two loops multiply in different BLAS calls, and in float32 Adam turns the
    # rounding of a gradient entry that nearly cancels into a full-size difference of its step
    hand = HandwrittenMLP(optimizer, lr, dtype=np.float64)
    net = gn.mlp([784, 200, 200, 10], seed=0, dtype=np.float64)
    net.set_weights(
        {f"dense{i + 1}.W": W for i, W in enumerate(hand.weights)}
        | {f"dense{i + 1}.b": b for i, b in enumerate(hand.biases)}
    )
    start = net.get_weights()
    net_optimizer = gn.SGD(lr) if optimizer == "sgd" else gn.Adam(lr)
    X = rng.random((96, 784))
    y = rng.integers(0, 10, 96)
    for batch in (np.arange(0, 32), np.arange(32, 96)):  # two steps, two batch sizes
        hand_loss = hand.step(X, y, batch)
        _, net_loss, _ = net.loss_and_gradients(SoftmaxCrossEntropy(), X[batch], y[batch])
        net_optimizer.step(net.parameters())
        assert hand_loss == pytest.approx(net_loss, rel=1e-12)
    weights = net.get_weights()
    for i, (W, b) in enumerate(zip(hand.weights, hand.biases, strict=True)):
        for name, hand_param in ((f"dense{i + 1}.W", W), (f"dense{i + 1}.b", b)):
            step = weights[name] - start[name]
            # both steps agree to 1e-9 of the largest step (float64 rounding of 784-term sums
            # leaves room for gradient entries that nearly cancel)
            np.testing.assert_allclose(
                hand_param - start[name], step, rtol=0, atol=1e-9 * np.abs(step).max(), err_msg=name
            )


def test_handwritten_loop_learns(rng):
    centres = rng.normal(size=(10, 784)).astype(np.float32)
    y = rng.integers(0, 10, 2000)
    X = centres[y] + 0.5 * rng.normal(size=(2000, 784)).astype(np.float32)
    hand = HandwrittenMLP("sgd", 0.05)
    first = hand.train(X, y, 50)
    for _ in range(3):
        last = hand.train(X, y, 50)
    assert last < 0.1 * first


def test_breakdown_draws_one_bar_per_batch_size(tmp_path):
    results = {
        batch: (0.5, 100, Counter({part: 1.0 + i for i, part in enumerate(ORDER)}))
        for batch in (32, 128)
    }
    path = tmp_path / "breakdown.png"
    plot(results, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
