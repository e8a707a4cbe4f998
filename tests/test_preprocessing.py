import numpy as np
import pytest

from glassnet.preprocessing import Standardizer


def test_standardizer_centres_and_scales(rng):
    X = rng.normal(size=(500, 3)) * [1.0, 50.0, 0.01] + [0.0, 100.0, -5.0]
    X[:, 0] = 7.0  # a constant column is only shifted
    scaling = Standardizer.fit(X)
    Z = scaling.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(Z.std(axis=0), [0.0, 1.0, 1.0], atol=1e-10)
    restored = Standardizer.from_dict(scaling.to_dict())
    np.testing.assert_array_equal(restored.transform(X), Z)


def test_standardizer_checks_shapes():
    scaling = Standardizer.fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        scaling.transform(np.ones((4, 3)))
    with pytest.raises(ValueError, match="same length"):
        Standardizer([0.0, 1.0], [1.0])
