"""Checks at the door: public entry points validate once, inner code trusts its inputs."""

from __future__ import annotations

import numpy as np

from glassnet._checks import check_positive_int, is_sparse
from glassnet.losses import BinaryCrossEntropy, Loss, SoftmaxCrossEntropy

__all__ = ["as_array", "check_features", "check_positive_int", "check_targets", "first_non_finite"]


def as_array(value, name: str) -> np.ndarray:
    """``np.asarray(value)``, with an error naming ``name`` for ragged or unconvertible input."""
    if is_sparse(value):  # asarray would make a 0-d object array
        raise TypeError(
            f"{name} is a scipy sparse matrix of shape {value.shape}; glassnet takes dense "
            f"arrays: pass {name}.toarray()"
        )
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} cannot be read as an array of numbers: its rows differ in length or hold "
            "things that are not numbers"
        ) from None


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def first_non_finite(
    X: np.ndarray, name: str, problem: str = "contains NaN or Inf", offset: int = 0
) -> None:
    """Raise a ValueError naming the first NaN/Inf of a float array ``X`` (checked in blocks:
    no temporary as large as ``X``).

    The quick test is one number that is NaN or Inf when any entry is: ``X . X`` (a BLAS dot
    product, on every core) for contiguous float32/float64, else the sum. The search for the
    culprit runs only when it fails (also when finite but huge values overflow it). ``offset``
    is the row number of ``X``'s first row, for the message.
    """
    if X.dtype.kind != "f":
        return
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow only sends to the search
        if X.dtype in _BLAS_FLOATS and X.flags.c_contiguous:
            flat = X.reshape(-1)
            quick = np.dot(flat, flat)
        else:
            quick = np.add.reduce(X, axis=None)
    if np.isfinite(quick):
        return
    flat = X.reshape(len(X), -1) if X.ndim > 1 else X.reshape(-1, 1)
    for start in range(0, len(flat), 8192):
        block = flat[start : start + 8192]
        bad = np.argwhere(~np.isfinite(block))
        if len(bad):
            row = offset + start + bad[0][0]
            where = f"row {row}" + (f", column {bad[0][1]}" if X.ndim > 1 else "")
            raise ValueError(f"{name} {problem} (first at {where})")


def _first_infinite(
    X: np.ndarray, name: str, problem: str = "contains Inf", offset: int = 0
) -> None:
    """Raise a ValueError naming the first Inf of ``X`` (NaN, a missing value, is let through)."""
    if X.dtype.kind == "f":
        block = _block_rows(X)
        for start in range(0, len(X), block):
            bad = np.argwhere(np.isinf(X[start : start + block]))
            if len(bad):
                row = offset + start + bad[0][0]
                raise ValueError(f"{name} {problem} (first at row {row}, column {bad[0][1]})")


def _block_rows(X: np.ndarray) -> int:
    """Rows checked or cast at a time when an array is not copied whole: about 4 MB of them."""
    return max(1, (4 << 20) // max(1, X.itemsize * int(np.prod(X.shape[1:]))))


def check_features(
    X,
    n_features: int,
    *,
    name: str = "X",
    dtype=None,
    allow_missing: bool = False,
    cast: bool = True,
) -> np.ndarray:
    """A finite real 2-D array ``(n_samples, n_features)``, cast to ``dtype`` when one is given,
    or a ValueError/TypeError naming it. A cast that overflows (float64 values beyond float32's
    range) is an error too, not a silent Inf. With ``allow_missing``, NaN (a missing value) may
    be in it, Inf still not. With ``cast=False`` the array is checked a block of rows at a time
    and returned as it is (a memory-mapped file is read, never copied whole): the caller casts
    the rows it takes."""
    X = as_array(X, name)
    if X.dtype.kind not in "biuf":  # bool, integers, floats
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}")
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, {n_features}); got shape {X.shape}")
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features per row but the network expects {n_features}"
        )
    if len(X) == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    check = _first_infinite if allow_missing else first_non_finite
    check(X, name)
    if dtype is None or X.dtype == dtype:
        return X
    if X.dtype.kind == "f" and np.dtype(dtype).itemsize < X.dtype.itemsize:  # can overflow
        problem = f"holds values beyond the range of {np.dtype(dtype)}"
        if not cast:
            rows = _block_rows(X)
            for start in range(0, len(X), rows):
                with np.errstate(over="ignore"):
                    block = X[start : start + rows].astype(dtype)
                check(block, name, problem, offset=start)
            return X
    return cast_checked(X, dtype, name, check) if cast else X


def cast_checked(values: np.ndarray, dtype, name: str, check=first_non_finite) -> np.ndarray:
    """``values`` cast to ``dtype``; a cast that overflows (float64 values beyond float32's
    range) is a ValueError naming its first place, not a silent Inf."""
    if values.dtype == dtype:
        return values
    if values.dtype.kind == "f" and np.dtype(dtype).itemsize < values.dtype.itemsize:
        with np.errstate(over="ignore"):  # reported just below, with its place
            converted = values.astype(dtype)
        check(converted, name, f"holds values beyond the range of {np.dtype(dtype)}")
        return converted
    return values.astype(dtype)


def check_targets(y, loss: Loss, n_samples: int, n_outputs: int, *, name: str = "y") -> np.ndarray:
    """Targets that fit ``loss`` and the network's outputs; integer labels for cross-entropy."""
    y = as_array(y, name)
    if y.dtype == object or not (
        np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating) or y.dtype == bool
    ):
        raise TypeError(f"{name} must hold numbers; got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"{name} must be an array with one entry per sample; got a scalar")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {len(y)}")
    first_non_finite(y, name)
    if isinstance(loss, SoftmaxCrossEntropy) and y.ndim == 1:
        labels = y.astype(np.int64)
        if not np.array_equal(labels, y):
            raise ValueError(
                f"{name}: class labels must be whole numbers; got {y[labels != y][0].item()!r}"
            )
        if labels.min() < 0 or labels.max() >= n_outputs:
            raise ValueError(
                f"{name}: labels must be in [0, {n_outputs - 1}] for a network with {n_outputs} "
                f"outputs; got values from {labels.min()} to {labels.max()}"
            )
        return labels
    expected = (n_samples, n_outputs)
    if y.shape != expected and not (n_outputs == 1 and y.shape == (n_samples,)):
        raise ValueError(
            f"{name} must have shape {expected} for this network and loss; got {y.shape}"
        )
    if isinstance(loss, SoftmaxCrossEntropy):  # one-hot or soft targets: distributions
        sums = y.sum(axis=1, dtype=np.float64)
        bad = np.flatnonzero((np.abs(sums - 1.0) > 1e-4) | (y.min(axis=1) < 0))
        if len(bad):
            row = bad[0]
            raise ValueError(
                f"{name}: each one-hot (or probability) row must be >= 0 and sum to 1; row {row} "
                f"sums to {sums[row]:.6g} (min {y[row].min():.6g})"
            )
    if isinstance(loss, BinaryCrossEntropy) and (y.min() < 0 or y.max() > 1):
        raise ValueError(
            f"{name}: binary cross-entropy targets must lie in [0, 1]; got values from "
            f"{y.min():g} to {y.max():g}"
        )
    return y
