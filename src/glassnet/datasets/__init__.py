"""Data sets: synthetic ones made on the spot, bundled digits, MNIST-style images, CSV tables.

``load(name)`` returns a :class:`Dataset` with its test split held apart::

    from glassnet.datasets import load
    data = load("mnist", data_dir="path/to/mnist")   # X_train (60000, 784) float32 in 0..1
    data = load("spirals", n_samples=600, noise=0.2)  # 20% of the points held out for testing
    data = load("table.csv", target="price")

The generators (``xor``, ``spirals``, ``moons``, ``circles``, ``sine``, ``surface``) return
plain ``(X, y)`` arrays: ``X`` float64 ``(n_samples, n_features)``, ``y`` integer labels
``(n_samples,)`` or float values ``(n_samples, 1)``.
"""

from __future__ import annotations

from pathlib import Path

from glassnet._errors import unknown_name
from glassnet.datasets.arrays import ARRAY_SUFFIX, load_arrays
from glassnet.datasets.base import Dataset, hold_out_test
from glassnet.datasets.digits import load_digits
from glassnet.datasets.files import ENVIRONMENT_VARIABLE, cache_dir
from glassnet.datasets.idx import DataFileError, read_idx, write_idx
from glassnet.datasets.mnist import load_mnist
from glassnet.datasets.synthetic import (
    circles,
    moons,
    one_hot,
    sine,
    spirals,
    surface,
    xor,
    xor_table,
)
from glassnet.datasets.table import is_table, load_csv, load_table

_GENERATORS = {
    "xor": xor,
    "spirals": spirals,
    "moons": moons,
    "circles": circles,
    "sine": sine,
    "surface": surface,
}
_DEFAULT_SIZES = {
    "xor": 300,
    "spirals": 900,
    "moons": 500,
    "circles": 500,
    "sine": 1024,
    "surface": 500,
}
#: The generated sets whose targets are values (regression), not classes.
REGRESSION_SETS = ("sine", "surface")

#: Every name ``load`` accepts (besides a path to a ``.csv`` or ``.parquet`` table).
DATASETS = ("xor-table", *_GENERATORS, "digits", "mnist", "fashion-mnist")


def load(
    name: str,
    *,
    data_dir: str | Path | None = None,
    n_samples: int | None = None,
    noise: float | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    target: str | None = None,
    task: str = "auto",
    features: list[str] | None = None,
    class_names: list[str] | None = None,
    missing: bool = False,
    categories: dict[str, list[str]] | None = None,
    target_file: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
) -> Dataset:
    """Load a data set by name, or a CSV table by its path.

    Parameters
    ----------
    name : one of :data:`DATASETS`, or a path ending in ``.csv`` or ``.parquet``
    data_dir : where MNIST-style files are looked for first (else ``GLASSNET_DATA_DIR``)
    n_samples, noise : size and noise of a synthetic set (defaults per set)
    test_fraction : rows held out for testing (synthetic sets, digits and tables; MNIST keeps
        its official 10,000-image test set)
    seed : seed of the synthetic points and of the test split
    target, task : the target column and the task of a CSV table (see :func:`load_csv`)
    features, class_names : a model's columns and classes, to read a CSV table its way
    missing : read empty cells of a CSV table's features as NaN (missing values)
    categories : a model's text columns and their categories, to read a CSV table its way
    target_file : the targets of a ``.npy`` features file (see :func:`load_arrays`; the file is
        memory-mapped, its last ``test_fraction`` of rows are the test rows)
    """
    if name == "xor-table":
        X, y = xor_table()
        return Dataset(
            name,
            X,
            y,
            X.copy(),
            y.copy(),
            task="classification",
            class_names=["0", "1"],
            input_shape=(2,),
            description="the XOR truth table (its 4 rows are also the test)",
        )
    if name.lower().endswith(ARRAY_SUFFIX):
        return load_arrays(name, target_file=target_file, task=task, test_fraction=test_fraction,
                           class_names=class_names)  # fmt: skip
    if is_table(name):
        return load_table(name, target=target, task=task, test_fraction=test_fraction, seed=seed,
                        features=features, class_names=class_names, missing=missing,
                        categories=categories)  # fmt: skip
    if name in _GENERATORS:
        options = {"seed": seed}
        if noise is not None:
            if name == "xor":
                raise ValueError("the xor data set has no noise option")
            options["noise"] = noise
        X, y = _GENERATORS[name](n_samples or _DEFAULT_SIZES[name], **options)
        regression = name in REGRESSION_SETS
        return hold_out_test(
            name,
            X,
            y,
            test_fraction=test_fraction,
            seed=seed + 1,
            task="regression" if regression else "classification",
            class_names=None if regression else [str(k) for k in range(int(y.max()) + 1)],
            input_shape=(X.shape[1],),
            description=f"synthetic {name} data, {len(X)} points",
        )
    if name == "digits":
        return load_digits(test_fraction=test_fraction, seed=seed)
    if name in ("mnist", "fashion-mnist"):
        return load_mnist(name, data_dir=data_dir, download=download, progress=progress)
    raise unknown_name("data set", name, DATASETS)


#: :func:`load` by what it loads (beside :func:`glassnet.io.load_model`).
load_dataset = load

__all__ = [
    "DATASETS",
    "ENVIRONMENT_VARIABLE",
    "DataFileError",
    "Dataset",
    "cache_dir",
    "circles",
    "load",
    "load_arrays",
    "load_csv",
    "load_dataset",
    "load_table",
    "load_digits",
    "load_mnist",
    "moons",
    "one_hot",
    "read_idx",
    "sine",
    "spirals",
    "surface",
    "write_idx",
    "xor",
    "xor_table",
]
