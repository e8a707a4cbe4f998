"""Tables in Parquet files, read through pyarrow (the ``parquet`` extra), with the CSV contract.

A Parquet column of numbers (integers, floats, booleans) is a numeric column; a column of text
(strings, or a dictionary of them) is a category column; a null cell (or NaN) is a missing value,
an error unless missing values are allowed. The result is what
:func:`~glassnet.datasets.table.read_table` gives for a CSV file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.datasets.idx import DataFileError
from glassnet.datasets.table import refuse_duplicate_names
from glassnet.frames import category_codes


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "reading a .parquet table needs pyarrow: pip install 'glassnet[parquet]'"
        ) from None
    return pa, pq


def read_parquet(
    path: str | Path, *, dtype=np.float32, missing: bool = False, categories: dict | None = None
) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
    """Read a Parquet table: ``(column_names, values, categories)`` as
    :func:`~glassnet.datasets.table.read_table` returns them for a CSV file."""
    pa, pq = _pyarrow()
    path = Path(path)
    given = dict(categories or {})
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise DataFileError(f"{path}: not a readable Parquet file ({error})") from None
    header = [str(name) for name in table.column_names]
    refuse_duplicate_names(path, header)
    if table.num_rows == 0:
        raise DataFileError(f"{path}: no data rows")
    values = np.empty((table.num_rows, len(header)), dtype=dtype)
    learned = {}
    for index, name in enumerate(header):
        column = table.column(index)
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if name in given or pa.types.is_string(kind) or pa.types.is_large_string(kind):
            cells = column.cast(pa.string()).to_numpy(zero_copy_only=False)
            known = given.get(name)
            if known is None:
                known = sorted({str(cell).strip() for cell in cells if cell is not None} - {""})
                if not known:
                    raise DataFileError(f"{path}: column {name!r} has no values")
            try:
                codes = category_codes(cells, known, f"{path}: column {name!r}")
            except ValueError as error:
                raise DataFileError(str(error)) from None
            _check_missing(path, name, codes, missing)
            values[:, index] = codes
            learned[name] = list(known)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            numbers = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            infinite = np.flatnonzero(np.isinf(numbers))
            if len(infinite):
                raise DataFileError(f"{path}, data row {infinite[0] + 1}, column {name!r}: "
                                    f"{numbers[infinite[0]]} is not finite")  # fmt: skip
            _check_missing(path, name, numbers, missing)
            with np.errstate(over="ignore"):
                values[:, index] = numbers
            if not np.isfinite(values[:, index][~np.isnan(numbers)]).all():
                raise DataFileError(f"{path}: column {name!r} holds values beyond the range of "
                                    f"{np.dtype(dtype).name}")  # fmt: skip
        else:
            raise DataFileError(
                f"{path}: column {name!r} holds {kind}, which is neither numbers nor text"
            )
    return header, values, learned


def _check_missing(path: Path, name: str, values: np.ndarray, missing: bool) -> None:
    if not missing and np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values))[0])
        raise DataFileError(
            f"{path}, data row {row + 1}, column {name!r}: the cell is empty "
            "(read empty cells as missing: --missing)"
        )
