"""Rows as the ecosystem hands them over: pandas DataFrames, and arrays with text in them.

A network takes a float array ``(n_rows, in_features)``. A table model also has a contract: its
columns' names (``metadata["feature_names"]``) and, for text columns, their categories (its
:class:`~glassnet.preprocessing.OneHot` brick). :func:`encode_rows` turns a DataFrame (columns
taken by name, in the model's order) or an array of strings into that float array, each text cell
replaced by its category's index and a missing cell by NaN, so that every entry point reads raw
rows the same way. pandas is not imported here: a DataFrame is known by its ``columns`` and
``dtypes``.
"""

from __future__ import annotations

import numpy as np


def is_frame(rows) -> bool:
    """Whether ``rows`` is a DataFrame (pandas, or anything with its ``columns``/``dtypes``)."""
    return hasattr(rows, "columns") and hasattr(rows, "dtypes") and hasattr(rows, "iloc")


def is_text_dtype(dtype) -> bool:
    """Whether a DataFrame column of this dtype holds text or categories (not numbers)."""
    return getattr(dtype, "kind", "O") not in "biuf"


def text_columns(frame) -> list[str]:
    """The names of ``frame``'s columns that hold text or categories, in its order."""
    return [str(name) for name, dtype in frame.dtypes.items() if is_text_dtype(dtype)]


def learn_categories(frame, columns: list[str]) -> dict[str, list[str]]:
    """Each named column's categories, sorted: a pandas ``category`` column's declared ones,
    another's distinct values (missing cells are not a category)."""
    learned = {}
    for name in columns:
        column = frame[name]
        declared = getattr(column.dtype, "categories", None)
        values = declared if declared is not None else column[~column.isna()].unique()
        learned[name] = sorted({str(value).strip() for value in values} - {""})
        if not learned[name]:
            raise ValueError(f"column {name!r} has no values to learn its categories from")
    return learned


def network_categories(network) -> dict[int, list[str]]:
    """A network's text columns, by input position: the categories of its OneHot brick, if one
    takes the network's raw columns."""
    for layer in network.layers:
        categories = getattr(layer, "categories", None)
        if categories is not None and getattr(layer, "in_features", None) == network.in_features:
            return dict(categories)
        if layer.params:  # past the first brick with weights, columns are no longer raw
            break
    return {}


def encode_rows(rows, network, *, name: str = "X"):
    """``rows`` as the float array the network takes, or ``rows`` itself when there is nothing
    to encode (a numeric array). A DataFrame's columns are taken by the model's column names
    when it has them; a text column becomes category indices (a value the model does not know is
    an error naming the column and the value); a missing cell becomes NaN."""
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "biuf":
        return rows
    categories = network_categories(network)
    if is_frame(rows):
        names = _frame_columns(rows, network.metadata.get("feature_names"), name)
        return encode_frame(rows, names, categories, name=name)
    if not categories:
        return rows
    array = np.asarray(rows, dtype=object)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != network.in_features:
        return rows  # the door names the shape problem
    names = network.metadata.get("feature_names") or [f"column {i}" for i in range(len(array.T))]
    columns = [array[:, i] for i in range(array.shape[1])]
    return _encode_columns(columns, names, categories, name)


def _frame_columns(frame, wanted: list[str] | None, name: str) -> list[str]:
    """The columns of ``frame`` to read: the model's, by name, or all in their order."""
    have = [str(column) for column in frame.columns]
    if not wanted:
        return have
    absent = [column for column in wanted if column not in have]
    extra = [column for column in have if column not in wanted]
    if absent or extra:
        problems = []
        if absent:
            problems.append(f"lacks the model's column{'s' * (len(absent) > 1)} "
                            f"{', '.join(map(repr, absent))}")  # fmt: skip
        if extra:
            problems.append(f"has column{'s' * (len(extra) > 1)} {', '.join(map(repr, extra))} "
                            "the model was not trained on")  # fmt: skip
        raise ValueError(
            f"{name} {' and '.join(problems)} (the model takes {', '.join(wanted)}; select them: "
            f"{name}[network.metadata['feature_names']])"
        )
    return list(wanted)


def encode_frame(frame, names: list[str], categories: dict[int, list[str]], *, name: str = "X"):
    """The columns ``names`` of ``frame`` as a float64 array ``(n_rows, len(names))``; the
    columns at the positions in ``categories`` hold indices into their category names."""
    lookup = {str(column): column for column in frame.columns}
    columns = []
    for position, column in enumerate(names):
        series = frame[lookup[column]]
        if position not in categories and not is_text_dtype(series.dtype):
            columns.append(series.to_numpy(dtype=np.float64, na_value=np.nan))
            continue
        values = series.to_numpy(dtype=object)
        values[series.isna().to_numpy()] = None
        columns.append(values)
    return _encode_columns(columns, names, categories, name)


def _encode_columns(columns: list, names: list[str], categories: dict, name: str) -> np.ndarray:
    """Columns (float arrays, or object arrays with None where missing) as one float64 array."""
    out = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype=np.float64)
    for position, (column, values) in enumerate(zip(names, columns, strict=True)):
        known = categories.get(position)
        if known is not None:
            out[:, position] = category_codes(values, known, f"{name} column {column!r}")
        elif values.dtype == object:
            out[:, position] = _numbers(values, column, name)
        else:
            out[:, position] = values
    return out


def category_codes(values, known: list[str], where: str) -> np.ndarray:
    """Cells (text; None, NaN or empty text where missing) as float indices into the sorted
    names ``known``, NaN where missing; a value not among them is an error naming it and
    ``where`` it is."""
    values = np.asarray(values)
    if values.dtype.kind != "U":
        missing = np.array([_is_missing(value) for value in values], dtype=bool)
        values = np.where(missing, "", values).astype(str)
    text = np.char.strip(values)
    missing = text == ""
    text = text[~missing]
    known_array = np.asarray(known, dtype=str)
    codes = np.minimum(np.searchsorted(known_array, text), len(known_array) - 1)
    unseen = known_array[codes] != text if len(text) else np.zeros(0, bool)
    if unseen.any():
        raise ValueError(
            f"{where} holds {str(text[np.flatnonzero(unseen)[0]])!r}, which is not one of the "
            f"model's categories ({', '.join(map(repr, known))})"
        )
    out = np.full(len(values), np.nan)
    out[~missing] = codes
    return out


def _is_missing(value) -> bool:
    """None, NaN, and pandas' NA and NaT are missing cells."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, (float, np.floating)) and value != value


def _numbers(values: np.ndarray, column: str, name: str) -> np.ndarray:
    """An object column the model takes as numbers: each cell a number, or missing (NaN)."""
    out = np.empty(len(values))
    for row, value in enumerate(values):
        if _is_missing(value):
            out[row] = np.nan
            continue
        try:
            out[row] = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} column {column!r} holds {value!r} (row {row}), which is not a number; "
                "the model takes this column as numbers (a model learns categories of text "
                "columns with a OneHot brick, as `glassnet train` and glassnet.sklearn's "
                "estimators make)"
            ) from None
    return out
