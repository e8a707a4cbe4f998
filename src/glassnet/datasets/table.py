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


def load_csv(
    path: str | Path,
    *,
    target: str | None = None,
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Load a numeric CSV table; ``target`` names the column to predict (default: the last).

    ``task`` is ``classification``, ``regression`` or ``auto`` (whole-number targets with at most
    50 distinct values are classes). Class labels are the sorted distinct target values, mapped to
    0..k-1; ``class_names`` keeps the original values.
    """
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
    header, values = read_numeric_csv(path)
    target = header[-1] if target is None else target
    if target not in header:
        raise ValueError(f"{path}: no column named {target!r}; columns are: {', '.join(header)}")
    if len(header) < 2:
        raise DataFileError(f"{path}: needs at least one feature column besides {target!r}")
    index = header.index(target)
    features = [name for name in header if name != target]
    X = np.delete(values, index, axis=1)
    y_values = values[:, index]
    if task == "auto":
        task = "classification" if _is_classification(y_values) else "regression"
    metadata = {
        "task": task,
        "feature_names": features,
        "input_shape": (len(features),),
        "description": f"table {Path(path).name}, target column {target!r}",
    }
    if task == "classification":
        classes, y = np.unique(y_values, return_inverse=True)
        if len(classes) < 2:
            raise DataFileError(f"{path}: column {target!r} has a single class")
        metadata["class_names"] = [f"{c:g}" for c in classes]
        y = y.astype(np.int64)
    else:
        y = y_values[:, None]
    dataset = hold_out_test(
        Path(path).stem, X, y, test_fraction=test_fraction, seed=seed, **metadata
    )
    dataset.extra["target"] = target
    return dataset
