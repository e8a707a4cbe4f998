"""Learning-rate schedules, the per-step ones (warm-up, one-cycle) and how fit asks them."""

import math

import numpy as np
import pytest

from glassnet import SGD, Callback, fit, mlp
from glassnet.schedules import constant, cosine, get_schedule, one_cycle, warmup


def test_warmup_rises_linearly_then_hands_over():
    schedule = warmup(cosine(0.1, 10), 2)
    assert schedule.per_step
    assert schedule(0.5) == pytest.approx(0.1 * 0.25)  # a quarter of the way up, in epoch 0
    assert schedule(2.0) == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi * 0.1)))  # epoch 1
    assert schedule(3.5) == pytest.approx(cosine(0.1, 10)(3))  # past it: the epoch's own rate
    with pytest.raises(ValueError, match="warmup_epochs must be a number > 0"):
        warmup(constant(0.1), 0)


def test_one_cycle_follows_torchs_two_phases():
    schedule = one_cycle(1.0, 10, pct_start=0.3, div_factor=25, final_div_factor=1e4)
    assert schedule(0.0) == pytest.approx(1 / 25)
    assert schedule(3.0) == pytest.approx(1.0)  # the peak, 30% in
    assert schedule(1.5) == pytest.approx(1 / 25 + (1 - 1 / 25) / 2)  # halfway up: the mean
    assert schedule(10.0) == pytest.approx(1 / 25 / 1e4)
    rates = [schedule(t) for t in np.linspace(3, 10, 50)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))  # then only down
    with pytest.raises(ValueError, match="pct_start must be in"):
        one_cycle(1.0, 10, pct_start=1.0)


def test_fit_asks_a_per_step_schedule_before_every_step(rng):
    class Rates(Callback):
        def __init__(self):
            self.seen = []

        def on_backward_end(self, state):
            self.seen.append(state.optimizer.learning_rate)

    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    rates = Rates()
    fit(mlp([3, 4, 2], seed=0), X, y, loss="cross_entropy", optimizer=SGD(1.0), epochs=2,
        batch_size=10, callbacks=[rates], progress=False,
        schedule=get_schedule("constant", 0.4, 2, warmup_epochs=1))  # fmt: skip
    np.testing.assert_allclose(rates.seen, [0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4, 0.4])
    steps = Rates()
    fit(mlp([3, 4, 2], seed=0), X, y, loss="cross_entropy", optimizer=SGD(1.0), epochs=2,
        batch_size=10, callbacks=[steps], progress=False,
        schedule=get_schedule("one-cycle", 0.4, 2))  # fmt: skip
    expected = [one_cycle(0.4, 2)((k + 1) / 4) for k in range(8)]
    np.testing.assert_allclose(steps.seen, expected)
