"""Batches of rows: which rows each step of an epoch takes, and copying them out of the data."""

from __future__ import annotations

import numpy as np


class Batches:
    """The batches of an epoch over ``n_rows`` rows (or over the rows listed in ``rows``).

    With ``shuffle`` each epoch takes a new permutation drawn from ``rng`` (as :func:`~glassnet.
    train.fit` and the playground draw it), else the rows in order; batches are consecutive
    slices of ``size`` rows of that order (the last may be shorter).
    """

    def __init__(
        self,
        n_rows: int,
        batch_size: int | None,
        *,
        rng: np.random.Generator,
        shuffle: bool = True,
        rows: np.ndarray | None = None,
    ) -> None:
        self.n_rows = n_rows if rows is None else len(rows)
        self.size = self.n_rows if batch_size is None else min(batch_size, self.n_rows)
        self.per_epoch = -(-self.n_rows // self.size)
        self.rng, self.shuffle, self.rows = rng, shuffle, rows

    def new_order(self) -> np.ndarray:
        """An epoch's order of the rows: (n_rows,) positions."""
        return self.rng.permutation(self.n_rows) if self.shuffle else np.arange(self.n_rows)

    def index(self, order: np.ndarray) -> np.ndarray:
        """The data's rows in ``order``: (n_rows,) indices into the data."""
        return order if self.rows is None else self.rows[order]

    def split(self, order: np.ndarray, first: int = 0):
        """``(start, rows)`` of each batch of ``order`` from position ``first`` on; ``rows`` are
        indices into the data."""
        index = self.index(order)
        for start in range(first, self.n_rows, self.size):
            yield start, index[start : start + self.size]


class Gather:
    """Copy the rows of a batch into arrays reused from batch to batch (one copy, no allocation).

    With a ``dtype``, rows of another dtype (a memory-mapped file, never cast whole) are cast as
    they are taken."""

    def __init__(self, dtype=None) -> None:
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.buffers: dict[tuple, np.ndarray] = {}

    def __call__(self, array: np.ndarray, rows: np.ndarray) -> np.ndarray:
        key = (id(array), len(rows))
        buffer = self.buffers.get(key)
        if buffer is None:
            kind = array.dtype if self.dtype is None else self.dtype
            buffer = self.buffers[key] = np.empty((len(rows), *array.shape[1:]), kind)
        # The rows are valid by construction (a permutation of the training rows), so skip
        # the bounds check: with mode="raise" and out=, NumPy gathers into a temporary first,
        # which made this copy 3x slower.
        if buffer.dtype != array.dtype:
            np.copyto(buffer, array.take(rows, axis=0, mode="clip"), casting="unsafe")
            return buffer
        return array.take(rows, axis=0, out=buffer, mode="clip")


def consecutive(array: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows of a batch of rows in order, as a view (no copy)."""
    return array[rows[0] : rows[-1] + 1]
