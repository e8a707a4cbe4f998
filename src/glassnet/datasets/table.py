"""Numeric tables in CSV files: feature columns and one named target column."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from glassnet.datasets.base import Dataset, hold_out_test
from glassnet.datasets.idx import DataFileError


def read_numeric_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a CSV file with a header row and numbers in every other cell.

    Returns ``(column_names, values)`` with values float64 ``(n_rows, n_columns)``. A cell that
    is not a number (or is empty) raises :class:`DataFileError` naming its line and column.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise DataFileError(f"{path}: the file is empty (expected a header row)") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise DataFileError(f"{path}: not a readable CSV text file ({error})") from None
        rows = []
        try:
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                line = reader.line_num
                if len(row) != len(header):
                    raise DataFileError(
                        f"{path}, line {line}: {len(row)} cells but the header has {len(header)}"
                    )
                values = []
                for column, cell in zip(header, row, strict=True):
                    try:
                        value = float(cell)
                    except ValueError:
                        raise DataFileError(
                            f"{path}, line {line}, column {column!r}: {cell!r} is not a number"
                        ) from None
                    if not np.isfinite(value):
                        raise DataFileError(
                            f"{path}, line {line}, column {column!r}: {cell!r} is not finite"
                        )
                    values.append(value)
                rows.append(values)
        except (UnicodeDecodeError, csv.Error) as error:
            raise DataFileError(f"{path}: not a readable CSV text file ({error})") from None
    if not rows:
        raise DataFileError(f"{path}: no data rows below the header")
    return header, np.array(rows, dtype=np.float64)


def _is_classification(target: np.ndarray) -> bool:
    """Whole numbers with at most 50 distinct values are taken as class labels."""
    return bool(np.all(target == np.round(target))) and len(np.unique(target)) <= 50


def select_columns(
    path: str | Path, header: list[str], values: np.ndarray, wanted: list[str]
) -> tuple[np.ndarray, list[str]]:
    """The columns named ``wanted`` of ``values`` (n_rows, len(header)), in that order, and the
    names of the columns left out. A wanted column the file lacks is an error naming it."""
    missing = [name for name in wanted if name not in header]
    if missing:
        raise DataFileError(
            f"{path}: no column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}, which the model needs (it takes "
            f"{', '.join(wanted)}; the file has {', '.join(header)})"
        )
    left_out = [name for name in header if name not in wanted]
    return values[:, [header.index(name) for name in wanted]], left_out


def class_labels(path: str | Path, column: str, values: np.ndarray, class_names: list[str]):
    """``values`` of a target column as indices into a model's ``class_names`` (n_rows,) int; a
    value that is not one of its classes is an error naming it."""
    lookup = {name: index for index, name in enumerate(class_names)}
    labels = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        index = lookup.get(f"{value:g}")
        if index is None:
            raise DataFileError(
                f"{path}: column {column!r} holds {value:g}, which is not one of the model's "
                f"classes ({', '.join(class_names)})"
            )
        labels[row] = index
    return labels


def load_csv(
    path: str | Path,
    *,
    target: str | None = None,
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int = 0,
    features: list[str] | None = None,
    class_names: list[str] | None = None,
) -> Dataset:
    """Load a numeric CSV table; ``target`` names the column to predict (default: the last).

    ``task`` is ``classification``, ``regression`` or ``auto`` (whole-number targets with at most
    50 distinct values are classes; a target with other numbers cannot be classes). Class labels
    are the sorted distinct target values, mapped to 0..k-1; ``class_names`` keeps the original
    values. A model's own contract can be given instead: ``features`` (the columns it takes, by
    name and in its order; the file's other columns are listed in ``extra["ignored_columns"]``)
    and ``class_names`` (its classes, which the target values must be among).
    """
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
    header, values = read_numeric_csv(path)
    target = header[-1] if target is None else target
    if target not in header:
        raise ValueError(f"{path}: no column named {target!r}; columns are: {', '.join(header)}")
    if len(header) < 2:
        raise DataFileError(f"{path}: needs at least one feature column besides {target!r}")
    y_values = values[:, header.index(target)]
    if features is None:
        features = [name for name in header if name != target]
    if target in features:
        raise ValueError(f"{path}: column {target!r} cannot be both the target and a feature")
    X, left_out = select_columns(path, header, values, features)
    ignored = [name for name in left_out if name != target]
    whole = bool(np.all(y_values == np.round(y_values)))
    if task == "auto":
        task = "classification" if class_names or _is_classification(y_values) else "regression"
    if task == "classification" and not whole:
        example = y_values[y_values != np.round(y_values)][0]
        raise DataFileError(
            f"{path}: column {target!r} holds numbers that are not whole (such as {example:g}), "
            "so they cannot be class labels: it is a regression target"
        )
    metadata = {
        "task": task,
        "feature_names": features,
        "input_shape": (len(features),),
        "description": f"table {Path(path).name}, target column {target!r}",
    }
    if task == "classification":
        if class_names is None:
            classes, y = np.unique(y_values, return_inverse=True)
            if len(classes) < 2:
                raise DataFileError(f"{path}: column {target!r} has a single class")
            class_names = [f"{c:g}" for c in classes]
        else:
            y = class_labels(path, target, y_values, class_names)
        metadata["class_names"] = list(class_names)
        y = y.astype(np.int64)
    else:
        y = y_values[:, None]
    dataset = hold_out_test(
        Path(path).stem, X, y, test_fraction=test_fraction, seed=seed, **metadata
    )
    dataset.extra["target"] = target
    dataset.extra["ignored_columns"] = ignored
    return dataset
