"""``glassnet evaluate``: a saved model on a data set's test split."""

from __future__ import annotations

import argparse
import json

from glassnet.cli.data import load_dataset, metric_text, table_contract, targets_for_loss
from glassnet.io import load_model
from glassnet.metrics import task_metrics
from glassnet.train import evaluate


def command_evaluate(args: argparse.Namespace) -> int:
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
    result = evaluate(
        network, loss, data.X_test, targets_for_loss(loss, data, data.y_test), metrics=metrics
    )
    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "dataset": args.dataset,
                    "test": result,
                    "n_test": len(data.X_test),
                }
            )
        )
    else:
        rows = f"{len(data.X_test):,} test rows"
        print(f"{args.model} on {args.dataset} ({rows}): {metric_text(result)}")
    return 0
