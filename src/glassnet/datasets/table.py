"""Numeric tables in CSV files: feature columns and one named target column."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from glassnet.datasets.base import Dataset
from glassnet.datasets.idx import DataFileError
from glassnet.frames import category_codes
from glassnet.split import split_rows

#: Data rows read with Python's csv module before the fast reader runs, to see which columns
#: have empty cells (missing values) in them.
SAMPLE_ROWS = 1000
#: How ``numpy.loadtxt`` reads a table: a header row, commas, double quotes, no comments.
_LOADTXT = {"delimiter": ",", "skiprows": 1, "ndmin": 2, "comments": None, "quotechar": '"',
            "encoding": "utf-8-sig"}  # fmt: skip


def read_numeric_csv(
    path: str | Path, *, dtype=np.float64, missing: bool = False
) -> tuple[list[str], np.ndarray]:
    """Read a CSV file with a header row and numbers in every other cell.

    Returns ``(column_names, values)`` with values ``(n_rows, n_columns)`` of ``dtype``. A cell
    that is not a number, or is empty, raises :class:`DataFileError` naming its line and column;
    with ``missing=True`` an empty cell is read as NaN instead.

    NumPy's C reader (``numpy.loadtxt``) does the work; when it refuses the file, the file is
    read again row by row, which names the first bad cell exactly.
    """
    path = Path(path)
    header, empty_columns = _header_and_sample(path)
    return _read_numbers(path, header, empty_columns, dtype, missing)


def _read_numbers(path: Path, header, empty_columns, dtype, missing: bool):
    """:func:`read_numeric_csv` once the first rows are sampled."""
    try:
        values = _read_fast(path, len(header), dtype, empty_columns if missing else set())
    except ValueError:
        values = None
    if values is None or not _finite(values, empty_columns if missing else set()):
        return _read_carefully(path, dtype, missing)
    return header, values


def number(cell: str) -> float:
    """A cell as a number, in the syntax NumPy's reader takes: ASCII digits, sign, point and
    exponent (``float`` alone would also take ``1_000`` and non-ASCII digits); ValueError else."""
    text = cell.strip()
    if not text.isascii() or "_" in text:
        raise ValueError(f"not a number: {cell!r}")
    return float(text)


def _is_number(cell: str) -> bool:
    try:
        number(cell)
    except ValueError:
        return False
    return True


#: The files read as tables: comma-separated text, and Parquet (through pyarrow).
TABLE_SUFFIXES = (".csv", ".parquet")


def is_table(path: str | Path) -> bool:
    """Whether ``path`` names a table file (by its suffix)."""
    return str(path).lower().endswith(TABLE_SUFFIXES)


def read_table(
    path: str | Path, *, dtype=np.float32, missing: bool = False, categories: dict | None = None
) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
    """Read a table whose columns hold numbers or text (categories): a CSV file, or a Parquet
    one (see :mod:`glassnet.datasets.parquet`).

    Returns ``(column_names, values, categories)``: ``values`` ``(n_rows, n_columns)`` of
    ``dtype``, where a text column holds each cell's index in ``categories[name]`` (its sorted
    distinct values). A column is text when a cell of it in the first rows is not a number, or
    when ``categories`` (a model's, by column name) names it; a value missing from the model's
    categories is an error naming the column and the value. With ``missing=True`` an empty cell
    is NaN (a missing value) in a numeric column and in a text one.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        from glassnet.datasets.parquet import read_parquet  # parquet checks names with this module

        return read_parquet(path, dtype=dtype, missing=missing, categories=categories)
    given = dict(categories or {})
    found: set[int] = set()
    header, empty_columns = _header_and_sample(path, found)
    text_columns = sorted(found | {header.index(name) for name in given if name in header})
    if not text_columns:
        header, values = _read_numbers(path, header, empty_columns, dtype, missing)
        return header, values, {}
    cells: dict[int, list] = {index: [] for index in text_columns}
    try:
        values = _read_fast_with_text(path, header, dtype, empty_columns if missing else set(),
                                      text_columns, cells, missing)  # fmt: skip
    except ValueError:
        values = None
    if values is None:
        cells = {index: [] for index in text_columns}
        header, values = _read_carefully(path, dtype, missing, cells)
    learned = {}
    for index, column_cells in cells.items():
        name = header[index]
        column_cells = np.asarray(column_cells, dtype=str)
        known = given.get(name)
        if known is None:
            known = sorted(set(column_cells.tolist()) - {""})
            if not known:
                raise DataFileError(f"{path}: column {name!r} has no values")
        try:
            values[:, index] = category_codes(column_cells, known, f"{path}: column {name!r}")
        except ValueError as error:
            raise DataFileError(str(error)) from None
        learned[name] = list(known)
    return header, values, learned


def _read_fast_with_text(path, header, dtype, empty_columns, text_columns, cells, missing):
    """``numpy.loadtxt`` for the numeric columns, then for the text ones (as strings)."""
    numeric = [i for i in range(len(header)) if i not in text_columns]
    text = np.loadtxt(path, dtype=str, usecols=text_columns, **_LOADTXT)
    text = np.char.strip(text)
    if not missing and (text == "").any():
        raise ValueError("an empty text cell")  # the careful reader names it
    values = np.zeros((len(text), len(header)), dtype=dtype)
    if numeric:
        converters = {numeric.index(i): _number_or_missing for i in empty_columns if i in numeric}
        numbers = np.loadtxt(path, dtype=dtype, usecols=numeric, converters=converters or None,
                             **_LOADTXT)  # fmt: skip
        if numbers.shape != (len(text), len(numeric)):
            return None
        allowed = {numeric.index(i) for i in empty_columns if i in numeric}
        if not _finite(numbers, allowed):
            return None
        values[:, numeric] = numbers
    for position, index in enumerate(text_columns):
        cells[index] = text[:, position]
    return values


def _header_and_sample(path: Path, text: set[int] | None = None) -> tuple[list[str], set[int]]:
    """The header's column names and the columns with an empty cell in the first rows; the
    columns whose cells there are mostly not numbers are added to ``text`` when it is given (a
    few odd cells in a column of numbers are bad cells, not categories)."""
    words: dict[int, int] = {}
    numbers: dict[int, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a BOM is not a name
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader)]
            refuse_duplicate_names(path, header)
            empty: set[int] = set()
            for _, row in zip(range(SAMPLE_ROWS), reader, strict=False):
                if any(cell.strip() for cell in row):
                    empty.update(i for i, cell in enumerate(row) if not cell.strip())
                    if text is not None:
                        for i, cell in enumerate(row):
                            if cell.strip():
                                kind = numbers if _is_number(cell) else words
                                kind[i] = kind.get(i, 0) + 1
        except StopIteration:
            raise DataFileError(f"{path}: the file is empty (expected a header row)") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise DataFileError(f"{path}: not a readable CSV text file ({error})") from None
    if text is not None:
        text.update(i for i, count in words.items() if count > numbers.get(i, 0))
    return header, empty


def refuse_duplicate_names(path: Path, header: list[str]) -> None:
    """A DataFileError when ``header`` names a column twice."""
    seen = set()
    for name in header:
        if name in seen:
            raise DataFileError(
                f"{path}: the header names column {name!r} twice; column names must differ "
                "(the target and features are found by name)"
            )
        seen.add(name)


def _number_or_missing(cell: str) -> float:
    """A cell of a column that may have empty cells: NaN for an empty one."""
    if not cell.strip():
        return np.nan
    value = number(cell)
    if not np.isfinite(value):
        raise ValueError(cell)  # a written NaN or Inf is an error, not a missing value
    return value


def _read_fast(path: Path, columns: int, dtype, empty_columns: set[int]) -> np.ndarray | None:
    """All cells through ``numpy.loadtxt``; ValueError where it finds something wrong."""
    converters = {index: _number_or_missing for index in empty_columns}
    values = np.loadtxt(path, dtype=dtype, converters=converters or None, **_LOADTXT)
    if values.shape[1] != columns or len(values) == 0:
        return None
    return values


def _finite(values: np.ndarray, missing_columns: set[int]) -> bool:
    """Whether every value is finite, but for NaN (missing cells) in ``missing_columns``."""
    if not missing_columns:
        flat = values.reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.isfinite(np.dot(flat, flat)) or np.all(np.isfinite(flat)))
    others = [i for i in range(values.shape[1]) if i not in missing_columns]
    return bool(np.all(np.isfinite(values[:, others])) and not np.any(np.isinf(values)))


def _read_carefully(
    path: Path, dtype, missing: bool, text: dict[int, list] | None = None
) -> tuple[list[str], np.ndarray]:
    """Row by row with Python's csv module: slow, and exact about the first bad cell. The cells
    of the columns that are keys of ``text`` are appended to its lists as they are (stripped),
    with 0 in their place in the values."""
    text = {} if text is None else text
    largest = float(np.finfo(dtype).max)
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a BOM is not a name
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
                for index, (column, cell) in enumerate(zip(header, row, strict=True)):
                    if index in text:
                        if not cell.strip() and not missing:
                            raise DataFileError(
                                f"{path}, line {line}, column {column!r}: the cell is empty "
                                "(read empty cells as missing: --missing)"
                            )
                        text[index].append(cell.strip())
                        values.append(0.0)
                        continue
                    if missing and not cell.strip():
                        values.append(np.nan)
                        continue
                    try:
                        value = number(cell)
                    except ValueError:
                        hint = "" if cell.strip() else " (read empty cells as missing: --missing)"
                        raise DataFileError(
                            f"{path}, line {line}, column {column!r}: {cell!r} is not a number"
                            + hint
                        ) from None
                    if not np.isfinite(value):
                        raise DataFileError(
                            f"{path}, line {line}, column {column!r}: {cell!r} is not finite"
                        )
                    if abs(value) > largest:
                        raise DataFileError(
                            f"{path}, line {line}, column {column!r}: {cell.strip()} is beyond "
                            f"the range of {np.dtype(dtype)} (+-{largest:.3g}): rescale the "
                            "column"
                        )
                    values.append(value)
                rows.append(values)
        except (UnicodeDecodeError, csv.Error) as error:
            raise DataFileError(f"{path}: not a readable CSV text file ({error})") from None
    if not rows:
        raise DataFileError(f"{path}: no data rows below the header")
    return header, np.array(rows, dtype=dtype)


def _is_classification(target: np.ndarray) -> bool:
    """Whole numbers with at most 50 distinct values are taken as class labels."""
    return bool(np.all(target == np.round(target))) and len(np.unique(target)) <= 50


def select_columns(
    path: str | Path, header: list[str], values: np.ndarray, wanted: list[str]
) -> tuple[np.ndarray, list[str]]:
    """The columns named ``wanted`` of ``values`` (n_rows, len(header)), in that order, and the
    names of the columns left out. A wanted column the file lacks is an error naming it."""
    positions, left_out = column_positions(path, header, wanted)
    return values[:, positions], left_out


def column_positions(
    path: str | Path, header: list[str], wanted: list[str]
) -> tuple[list[int], list[str]]:
    """The positions in ``header`` of the columns named ``wanted``, and the names left out."""
    missing = [name for name in wanted if name not in header]
    if missing:
        raise DataFileError(
            f"{path}: no column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}, which the model needs (it takes "
            f"{', '.join(wanted)}; the file has {', '.join(header)})"
        )
    left_out = [name for name in header if name not in wanted]
    return [header.index(name) for name in wanted], left_out


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


def load_table(
    path: str | Path,
    *,
    target: str | None = None,
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int = 0,
    features: list[str] | None = None,
    class_names: list[str] | None = None,
    dtype=np.float32,
    missing: bool = False,
    categories: dict[str, list[str]] | None = None,
) -> Dataset:
    """Load a table (CSV or Parquet); ``target`` names the column to predict (default: the last).

    The features come out as ``dtype`` (float32, the networks' own, by default); with
    ``missing=True`` an empty feature cell is NaN (to be filled by an
    :class:`~glassnet.preprocessing.Impute` brick), while an empty target cell is an error.
    Text columns are categories (see :func:`read_table`): their names are in
    ``extra["categories"]`` (``categories`` gives a model's), and a text target is class labels.

    ``task`` is ``classification``, ``regression`` or ``auto`` (whole-number targets with at most
    50 distinct values are classes; a target with other numbers cannot be classes). Class labels
    are the sorted distinct target values, mapped to 0..k-1; ``class_names`` keeps the original
    values. A model's own contract can be given instead: ``features`` (the columns it takes, by
    name and in its order; the file's other columns are listed in ``extra["ignored_columns"]``)
    and ``class_names`` (its classes, which the target values must be among).
    """
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
    wanted = dict(categories or {})
    if class_names is not None and target is not None and not all(map(_is_number, class_names)):
        wanted[target] = class_names  # a text target: the model's classes are its categories
    header, values, found = read_table(path, dtype=dtype, missing=missing, categories=wanted)
    target = header[-1] if target is None else target
    if target not in header:
        raise ValueError(f"{path}: no column named {target!r}; columns are: {', '.join(header)}")
    if len(header) < 2:
        raise DataFileError(f"{path}: needs at least one feature column besides {target!r}")
    y_values = values[:, header.index(target)].astype(np.float64)
    if missing and np.isnan(y_values).any():
        row = int(np.flatnonzero(np.isnan(y_values))[0])
        raise DataFileError(
            f"{path}: the target column {target!r} has an empty cell (data row {row + 1}): "
            "a target cannot be missing"
        )
    if features is None:
        features = [name for name in header if name != target]
    if target in features:
        raise ValueError(f"{path}: column {target!r} cannot be both the target and a feature")
    columns, left_out = column_positions(path, header, features)
    ignored = [name for name in left_out if name != target]
    text_target = target in found
    task, y, class_names = _targets(path, target, y_values, task, class_names,
                                    found.get(target))  # fmt: skip
    metadata = {
        "task": task,
        "feature_names": features,
        "input_shape": (len(features),),
        "description": f"table {Path(path).name}, target column {target!r}",
    }
    if task == "classification":
        metadata["class_names"] = list(class_names)
    # rows and feature columns taken in one gather each, so no third copy of a large table exists
    train_rows, test_rows = split_rows(
        len(values), test_fraction, np.random.default_rng(seed), name="test_fraction"
    )
    dataset = Dataset(Path(path).stem, values[np.ix_(train_rows, columns)], y[train_rows],
                      values[np.ix_(test_rows, columns)], y[test_rows], **metadata)  # fmt: skip
    dataset.extra["target"] = target
    dataset.extra["ignored_columns"] = ignored
    dataset.extra["categories"] = {name: found[name] for name in features if name in found}
    dataset.extra["text_target"] = text_target
    return dataset


def _targets(path, target: str, y_values: np.ndarray, task: str, class_names, text_classes):
    """The target column as ``(task, y, class_names)``: class indices (n_rows,) int64 for
    classification (``text_classes``: a text target's categories, its values their indices),
    values (n_rows, 1) for regression."""
    whole = bool(np.all(y_values == np.round(y_values)))
    if text_classes is not None:
        if task == "regression":
            raise DataFileError(f"{path}: column {target!r} holds text: it cannot be a regression "
                                "target")  # fmt: skip
        return "classification", y_values.astype(np.int64), text_classes
    if task == "auto":
        task = "classification" if class_names or _is_classification(y_values) else "regression"
    if task == "regression":
        return task, y_values[:, None], None
    if not whole:
        example = y_values[y_values != np.round(y_values)][0]
        raise DataFileError(
            f"{path}: column {target!r} holds numbers that are not whole (such as {example:g}), "
            "so they cannot be class labels: it is a regression target"
        )
    if class_names is not None:
        return task, class_labels(path, target, y_values, class_names), class_names
    classes, y = np.unique(y_values, return_inverse=True)
    if len(classes) < 2:
        raise DataFileError(f"{path}: column {target!r} has a single class")
    return task, y.astype(np.int64), [f"{c:g}" for c in classes]


#: :func:`load_table` under its first name.
load_csv = load_table
