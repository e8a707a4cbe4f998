import numpy as np
import pytest

from glassnet import init

FAN_IN, FAN_OUT = 400, 300


@pytest.mark.parametrize(
    ("initializer", "std"),
    [
        (init.he_normal, np.sqrt(2 / FAN_IN)),
        (init.he_uniform, np.sqrt(2 / FAN_IN)),
        (init.glorot_normal, np.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.glorot_uniform, np.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.fan_in_uniform, np.sqrt(1 / 3 / FAN_IN)),
        (init.normal(0.05), 0.05),
    ],
)
def test_initializer_scale_and_reproducibility(initializer, std):
    W = initializer(FAN_IN, FAN_OUT, np.random.default_rng(0))
    assert W.shape == (FAN_IN, FAN_OUT)
    assert abs(W.std() / std - 1) < 0.02
    assert abs(W.mean()) < 0.01 * std * 10
    np.testing.assert_array_equal(W, initializer(FAN_IN, FAN_OUT, np.random.default_rng(0)))


def test_uniform_bounds():
    W = init.fan_in_uniform(4, 1000, np.random.default_rng(1))
    assert W.max() <= 0.5 and W.min() >= -0.5 and W.max() > 0.49
    W = init.glorot_uniform(4, 2, np.random.default_rng(1))
    assert np.abs(W).max() <= 1.0


def test_lookup_by_name():
    assert init.get_initializer("he_normal") is init.he_normal
    with pytest.raises(ValueError, match="unknown init"):
        init.get_initializer("xavier")
    with pytest.raises(ValueError, match="scale must be > 0"):
        init.normal(0)
