"""Data augmentation: each training batch's images changed a little, differently every time.

An augmentation is a callable ``(batch, rng) -> batch`` that :func:`~glassnet.train.fit` applies
to the inputs of every training batch (never to validation or test rows), drawing from the
run's own seeded Generator, so a run with augmentation is as reproducible as one without.
"""

from __future__ import annotations

import numpy as np

from glassnet._checks import check_positive_int


class RandomShift:
    """Move each image by a whole number of pixels, up to ``max_shift`` in each direction
    (independently for rows and columns, uniformly), filling what comes in with zeros.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` of each image; a batch is ``(batch, height * width)``.
    max_shift : int
        The largest shift, in pixels (2: each of -2 ... 2 in each direction).
    """

    def __init__(self, image_shape: tuple[int, int], max_shift: int = 2) -> None:
        if len(image_shape) != 2:
            raise ValueError(f"RandomShift needs images (height, width), got shape {image_shape}")
        self.height, self.width = (check_positive_int(n, "RandomShift: image_shape")
                                   for n in image_shape)  # fmt: skip
        self.max_shift = check_positive_int(max_shift, "RandomShift: max_shift")
        if self.max_shift >= min(self.height, self.width):
            raise ValueError(f"RandomShift: max_shift {max_shift} leaves nothing of a "
                             f"{self.height}x{self.width} image")  # fmt: skip

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """batch: (n, height * width) -> a new array of the same shape, each row shifted."""
        n = len(batch)
        if batch.shape[1:] != (self.height * self.width,):
            raise ValueError(f"RandomShift: expected rows of {self.height * self.width} pixels, "
                             f"got shape {batch.shape}")  # fmt: skip
        k = self.max_shift
        shifts = rng.integers(-k, k + 1, size=(n, 2))  # (down, right) for each image
        images = np.asarray(batch).reshape(n, self.height, self.width)
        out = np.zeros_like(images)
        for dy in range(-k, k + 1):  # the rows sharing a shift are moved together
            for dx in range(-k, k + 1):
                rows = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
                if len(rows):
                    target, source = _window(dy, self.height), _window(-dy, self.height)
                    columns, from_columns = _window(dx, self.width), _window(-dx, self.width)
                    out[rows, target, columns] = images[rows, source, from_columns]
        return out.reshape(n, -1)

    def __repr__(self) -> str:
        return f"RandomShift(image_shape=({self.height}, {self.width}), max_shift={self.max_shift})"


def _window(shift: int, size: int) -> slice:
    """Where a line of ``size`` pixels moved by ``shift`` lands: ``[shift, size)`` or
    ``[0, size + shift)``."""
    return slice(shift, size) if shift >= 0 else slice(0, size + shift)
