"""Data sets: small synthetic ones made on the spot (no download).

Each generator returns ``(X, y)``: ``X`` float64 ``(n_samples, n_features)``, ``y`` integer labels
``(n_samples,)`` for classification or float values ``(n_samples, 1)`` for regression.
"""

from glassnet.datasets.synthetic import circles, moons, one_hot, sine, spirals, xor, xor_table

__all__ = ["circles", "moons", "one_hot", "sine", "spirals", "xor", "xor_table"]
