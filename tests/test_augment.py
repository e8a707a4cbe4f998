"""Random shifts of training images: exact, seeded, and only in training."""

import numpy as np
import pytest

from glassnet import Callback, evaluate, fit, mlp
from glassnet.augment import RandomShift


def test_each_image_moves_by_its_own_whole_shift():
    images = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 30) + 1
    shift = RandomShift((5, 6), max_shift=2)

    class Fixed:  # a Generator that draws the shifts given: (down, right) per image
        def integers(self, low, high, size):
            assert (low, high, size) == (-2, 3, (2, 2))
            return np.array([[1, -2], [0, 0]])

    out = shift(images, Fixed()).reshape(2, 5, 6)
    original = images.reshape(2, 5, 6)
    np.testing.assert_array_equal(out[0, 1:, :4], original[0, :4, 2:])  # down 1, left 2
    assert not out[0, 0].any() and not out[0, :, 4:].any()  # what came in is zero
    np.testing.assert_array_equal(out[1], original[1])  # (0, 0): unchanged


def test_shifts_are_drawn_from_the_generator_given(rng):
    images = rng.random((64, 100)).astype(np.float32)
    shift = RandomShift((10, 10))
    first = shift(images, np.random.default_rng(5))
    np.testing.assert_array_equal(first, shift(images, np.random.default_rng(5)))
    assert not np.array_equal(first, shift(images, np.random.default_rng(6)))
    moved = sum(not np.array_equal(a, b) for a, b in zip(first, images, strict=True))
    assert moved > 50  # 24 of 25 shifts move an image
    with pytest.raises(ValueError, match="expected rows of 100 pixels"):
        shift(images[:, :50], np.random.default_rng(0))
    with pytest.raises(ValueError, match="leaves nothing of a 2x2 image"):
        RandomShift((2, 2), max_shift=2)


def test_fit_shifts_training_batches_only_and_reruns_bit_for_bit(rng):
    X = rng.random((60, 16)).astype(np.float32)
    y = rng.integers(0, 2, size=60)

    class Inputs(Callback):
        def __init__(self):
            self.batches = []

        def on_backward_end(self, state):
            self.batches.append(state.network.layers[0].cached_input.copy())

    runs = []
    for _ in range(2):
        seen, network = Inputs(), mlp([16, 8, 2], seed=0)
        history = fit(network, X, y, loss="cross_entropy", epochs=2, batch_size=20, seed=3,
                      augment=RandomShift((4, 4), max_shift=1), callbacks=[seen],
                      validation_data=(X, y), progress=False)  # fmt: skip
        runs.append((seen.batches, network.layers[0].params["W"].copy(), history))
    assert all(batch.shape == (20, 16) for batch in runs[0][0])
    shifted = sum(not any(np.array_equal(row, x) for x in X) for row in runs[0][0][0])
    assert shifted > 10  # most rows of a batch are no training row as it is
    np.testing.assert_array_equal(runs[0][1], runs[1][1])  # same seed: the same shifts
    # validation rows are scored as they are: the last epoch's figure is the final network's
    network_loss = evaluate(network, "cross_entropy", X, y)["loss"]
    assert runs[1][2]["val_loss"][-1] == pytest.approx(network_loss, rel=1e-6)
