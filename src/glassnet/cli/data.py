"""What the commands share: reading a data set or table a model's way, and printing results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from glassnet.datasets import Dataset, load, one_hot
from glassnet.datasets.arrays import ARRAY_SUFFIX
from glassnet.datasets.table import is_table, read_table, select_columns
from glassnet.frames import network_categories
from glassnet.network import Network

TUTORIAL_DATASET = "xor-table"


def load_dataset(
    name: str,
    args: argparse.Namespace,
    seed: int,
    n_samples=None,
    noise=None,
    test_fraction=None,
    contract: dict | None = None,
) -> Dataset:
    """The data set ``name``; for a saved model, ``contract`` (from :func:`table_contract`) reads
    a table its way: its target, task, columns by name and classes."""
    fraction = args.test_fraction if args.test_fraction is not None else test_fraction
    table = contract or {
        "target": args.target,
        "task": args.task,
        "missing": getattr(args, "missing", "error") != "error",
    }
    if name.lower().endswith(ARRAY_SUFFIX):
        table = {"target_file": args.target_file, "task": args.task}
        if contract:
            table.update(task=contract["task"], class_names=contract.get("class_names"))
    data = load(
        name,
        data_dir=args.data_dir,
        n_samples=n_samples,
        noise=noise,
        test_fraction=fraction if fraction is not None else 0.2,
        seed=seed,
        progress=not getattr(args, "quiet", False),
        **table,
    )
    note_ignored(name, data.extra.get("ignored_columns"))
    return data


def table_contract(args: argparse.Namespace, network: Network, source: str) -> dict | None:
    """How a model trained on a table reads the table ``source``: its target column, task,
    feature columns (by name) and classes. Options that contradict the model are refused."""
    meta = network.metadata
    if source.lower().endswith(ARRAY_SUFFIX) and meta.get("task"):
        return {"task": meta["task"], "class_names": meta.get("class_names")}
    target = meta.get("target")
    if target is None or not is_table(source):
        return None
    if args.target is not None and args.target != target:
        raise ValueError(
            f"model {args.model} was trained to predict column {target!r}, not {args.target!r}: "
            f"leave --target out, or use a model trained for {args.target!r}"
        )
    task = meta.get("task", "classification")
    if args.task not in ("auto", task):
        raise ValueError(f"model {args.model} is a {task} model; --task {args.task} contradicts it")
    contract = {
        "target": target,
        "task": task,
        "features": meta.get("feature_names"),
        "missing": network.layers[0].accepts_missing,
    }
    if task == "classification":
        contract["class_names"] = meta.get("class_names")
    contract["categories"] = model_categories(network)
    if meta.get("text_target"):
        contract["categories"][target] = meta.get("class_names")
    return contract


def model_categories(network: Network) -> dict[str, list[str]]:
    """A table model's text columns and their categories, by column name (its OneHot brick)."""
    names = network.metadata.get("feature_names") or []
    if len(names) != network.in_features:
        return {}
    return {names[column]: values for column, values in network_categories(network).items()}


def note_ignored(source: str, columns: list[str] | None) -> None:
    """Tell on stderr which columns of ``source`` the model does not use (nothing when there are
    none)."""
    if columns:
        print(
            f"glassnet: note: {source}: column{'s' if len(columns) > 1 else ''} "
            f"{', '.join(columns)} {'are' if len(columns) > 1 else 'is'} not among the model's "
            "features and ignored",
            file=sys.stderr,
        )


def targets_for_loss(loss: str, data: Dataset, y: np.ndarray) -> np.ndarray:
    """One-hot rows when a classifier is trained with a regression loss (the XOR tutorial)."""
    if data.task == "classification" and loss in ("mse", "mae"):
        return one_hot(y, data.n_outputs)
    return y


def metric_text(metrics: dict[str, float]) -> str:
    """``{"loss": 0.1, "accuracy": 0.97}`` as ``"loss 0.1, accuracy 97.00%"``."""
    parts = []
    for key, value in metrics.items():
        parts.append(f"{key} {value:.2%}" if key == "accuracy" else f"{key} {value:.4g}")
    return ", ".join(parts)


def read_input(path: Path, network: Network) -> np.ndarray:
    """The rows of a ``.npy``, ``.csv`` or ``.parquet`` file as ``network`` takes them, (n_rows,
    in_features), read through the model's contract (columns by name)."""
    if not path.is_file():
        raise FileNotFoundError(f"input file {path} does not exist")
    if path.suffix == ".npy":
        try:
            X = np.load(path, allow_pickle=False, mmap_mode="r")  # read a batch at a time
        except ValueError as error:
            raise ValueError(f"{path}: not a readable .npy array ({error})") from None
        if X.ndim > 2:
            X = X.reshape(len(X), -1)
        if X.ndim == 1:
            X = X[None, :]
        return X
    if is_table(path):
        missing = network.layers[0].accepts_missing
        header, values, _ = read_table(path, missing=missing, categories=model_categories(network))
        wanted = network.metadata.get("feature_names")
        if not wanted:  # a model without column names takes the columns in their order
            return values
        X, ignored = select_columns(path, header, values, wanted)
        note_ignored(str(path), ignored)
        return X
    raise ValueError(f"{path}: INPUT must be a .csv, .parquet or .npy file")
