"""``glassnet evaluate``: a saved model on a data set's test split, or on every row of a
labelled file."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from glassnet.cli.data import load_dataset, metric_text, table_contract, targets_for_loss
from glassnet.io import load_model
from glassnet.metrics import task_metrics
from glassnet.train import evaluate


def command_evaluate(args: argparse.Namespace) -> int:
    """``glassnet evaluate MODEL DATASET``: print the model's loss and metrics on the held-out
    split, or on every row of another labelled file."""
    network = load_model(args.model)
    meta = network.metadata
    seed = args.seed if args.seed is not None else meta.get("seed", 0)
    data = load_dataset(
        args.dataset,
        args,
        seed,
        meta.get("n_samples"),
        meta.get("noise"),
        meta.get("test_fraction"),
        contract=table_contract(args, network, args.dataset),
    )
    if data.n_features != network.in_features:
        raise ValueError(
            f"model {args.model} expects {network.in_features} input features, but data set "
            f"{args.dataset} has {data.n_features}"
        )
    loss = meta.get("loss", data.loss)
    if data.task == "classification" and network.out_features != data.n_outputs:
        raise ValueError(
            f"model {args.model} has {network.out_features} outputs, but data set "
            f"{args.dataset} has {data.n_outputs} classes"
        )
    metrics = task_metrics(data.task)
    if meta.get("task") not in (None, data.task):
        raise ValueError(
            f"model {args.model} is a {meta['task']} model, but {args.dataset} is read as a "
            f"{data.task} data set"
        )
    X, y, scored = _scored_rows(args, meta, data)
    result = evaluate(network, loss, X, targets_for_loss(loss, data, y), metrics=metrics)
    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "dataset": args.dataset,
                    "test": result,
                    "n_test": len(X),
                    "rows": scored,
                }
            )
        )
    else:
        rows = f"{len(X):,} {'test rows' if scored == 'test' else 'rows, all of it'}"
        print(f"{args.model} on {args.dataset} ({rows}): {metric_text(result)}")
    return 0


def _scored_rows(args: argparse.Namespace, meta: dict, data):
    """``(X, y, "test" or "all")``: the held-out split, or every row of the data set (a file
    other than the one the model was trained on, with ``--rows auto``)."""
    rows = args.rows
    if rows == "auto":
        trained_on = meta.get("dataset")
        same = (
            trained_on is None
            or os.path.abspath(str(trained_on)) == os.path.abspath(args.dataset)
            or trained_on == args.dataset
        )
        rows = "test" if same else "all"
    if rows == "test":
        return data.X_test, data.y_test, "test"
    return (
        np.concatenate([data.X_train, data.X_test]),
        np.concatenate([data.y_train, data.y_test]),
        "all",
    )
