"""Features in a ``.npy`` file, targets in another: data larger than memory, read from disk.

The features are memory-mapped (``numpy.load(path, mmap_mode="r")``): training reads each
batch's rows from the file and never the array whole (see :func:`glassnet.train.fit`). So that
no part of the file is copied, the test rows are the file's last rows, not drawn at random; a
target file whose values are in order (sorted by class or by value) would make them a different
population, and is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from glassnet.datasets.base import Dataset
from glassnet.datasets.idx import DataFileError

#: The suffix of a features file read as arrays.
ARRAY_SUFFIX = ".npy"


def _open(path: Path, mmap_mode):
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except ValueError as error:
        raise DataFileError(f"{path}: not a readable .npy array ({error})") from None


def load_arrays(
    path: str | Path,
    *,
    target_file: str | Path | None,
    task: str = "auto",
    test_fraction: float = 0.2,
    class_names: list[str] | None = None,
) -> Dataset:
    """Features ``(n_rows, n_features)`` memory-mapped from ``path`` and targets ``(n_rows,)`` or
    ``(n_rows, n_outputs)`` from ``target_file``; the last ``test_fraction`` of the rows are the
    test rows. ``task`` as for :func:`~glassnet.datasets.table.load_table` (whole numbers with at
    most 50 values are classes); ``class_names`` are a model's classes."""
    path = Path(path)
    if target_file is None:
        raise ValueError(f"{path}: a .npy data set needs its targets in another file "
                         "(--target-file y.npy)")  # fmt: skip
    X = _open(path, "r")
    y = np.asarray(_open(Path(target_file), None))
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise DataFileError(f"{path}: features must be a 2-D array of numbers; got {X.dtype} "
                            f"{X.shape}")  # fmt: skip
    if y.ndim not in (1, 2) or len(y) != len(X) or y.dtype.kind not in "biuf":
        raise DataFileError(f"{target_file}: targets must be numbers, one per row of {path.name} "
                            f"({len(X):,}); got {y.dtype} {y.shape}")  # fmt: skip
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1) for a .npy data set; "
                         f"got {test_fraction}")  # fmt: skip
    values = y.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise DataFileError(f"{target_file}: targets must be finite numbers")
    whole = bool(np.all(values == np.round(values)))
    if task == "auto":
        classes = y.ndim == 1 and whole and (class_names or len(np.unique(values)) <= 50)
        task = "classification" if classes else "regression"
    cut = len(X) - max(1, math.ceil(test_fraction * len(X)))
    if cut < 1:
        raise DataFileError(f"{path}: too few rows ({len(X)}) to hold test rows apart")
    _refuse_ordered(values, cut, target_file, path.name, test_fraction)
    metadata = {"task": task, "input_shape": (X.shape[1],),
                "description": f"arrays {path.name}, targets {Path(target_file).name}"}  # fmt: skip
    if task == "classification":
        if y.ndim != 1 or not whole:
            raise DataFileError(f"{target_file}: class labels must be one whole number per row")
        if class_names is None:
            found, labels = np.unique(values, return_inverse=True)
            class_names = [f"{c:g}" for c in found]
        else:
            lookup = {name: index for index, name in enumerate(class_names)}
            unknown = [f"{v:g}" for v in np.unique(values) if f"{v:g}" not in lookup]
            if unknown:
                raise DataFileError(f"{target_file}: labels {', '.join(unknown)} are not among "
                                    f"the model's classes ({', '.join(class_names)})")  # fmt: skip
            labels = np.array([lookup[f"{v:g}"] for v in values], dtype=np.int64)
        metadata["class_names"] = list(class_names)
        y = labels.astype(np.int64)
    else:
        y = values.reshape(len(values), -1)
    dataset = Dataset(path.stem, X[:cut], y[:cut], X[cut:], y[cut:], **metadata)
    dataset.extra["test_rows"] = f"the last {len(X) - cut:,} rows of {path.name}"
    return dataset


def _refuse_ordered(values: np.ndarray, cut: int, target_file, name: str, fraction) -> None:
    """Refuse targets in order: the last rows would then not be like the others."""
    column = values.reshape(len(values), -1)[:, 0]
    steps = np.diff(column)
    ordered = len(steps) > 1 and (np.all(steps >= 0) or np.all(steps <= 0))
    train, test = set(np.unique(column[:cut])), set(np.unique(column[cut:]))
    few_values = len(train | test) <= 50
    if ordered or few_values and test - train:
        raise DataFileError(
            f"{target_file}: the targets are in order (sorted, or values in the last rows that "
            f"the others lack), and the test rows of a .npy data set are its last {fraction:.0%} "
            f"({name} is read from disk, not copied to draw them at random): shuffle the rows "
            "of both files first"
        )
