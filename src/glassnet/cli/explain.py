"""``glassnet explain``: one training step with every number, or gradient descent drawn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from glassnet.cli.data import (
    TUTORIAL_DATASET,
    load_dataset,
    note_ignored,
    read_input,
    table_contract,
)
from glassnet.datasets import DATASETS, load, one_hot
from glassnet.datasets.table import class_labels, is_table, read_table, select_columns
from glassnet.explain import explain_step, render
from glassnet.io import load_model
from glassnet.losses import get_loss
from glassnet.network import Network, mlp
from glassnet.optim import get_optimizer
from glassnet.recipes import XOR_TUTORIAL
from glassnet.train import train_step


def explain_batch(args: argparse.Namespace, network: Network) -> tuple[np.ndarray, np.ndarray]:
    """The first ``--rows`` rows of INPUT and their targets, scaled as the model expects."""
    meta = network.metadata
    source = args.input
    if source in DATASETS or is_table(source) and meta.get("target") is None:
        data = load_dataset(
            source,
            args,
            meta.get("seed", 0),
            meta.get("n_samples"),
            meta.get("noise"),
            meta.get("test_fraction"),
        )
        X, y, task, n_classes = data.X_test, data.y_test, data.task, data.n_outputs
    elif is_table(source):
        contract = table_contract(args, network, source)
        header, values, _ = read_table(
            source, missing=contract["missing"], categories=contract["categories"]
        )
        target = contract["target"]
        if target not in header:
            raise ValueError(f"{source}: no target column {target!r}")
        features = contract["features"] or [c for c in header if c != target]
        X, ignored = select_columns(source, header, values, features)
        note_ignored(source, [name for name in ignored if name != target])
        y_values = values[:, header.index(target)]
        task = contract["task"]
        names = contract.get("class_names") or []
        if task == "classification" and meta.get("text_target"):
            y = y_values.astype(np.int64)  # read as indices of the model's classes
        elif task == "classification":
            y = class_labels(source, target, y_values, names)
        else:
            y = y_values[:, None]
        n_classes = len(names)
    else:
        X = read_input(Path(source), network)
        if args.labels is None:
            raise ValueError("a .npy INPUT needs --labels FILE.npy with its targets")
        y = np.load(args.labels, allow_pickle=False)
        task = meta.get("task", "classification")
        n_classes = network.out_features
    rows = slice(0, args.rows)
    X, y = X[rows], y[rows]
    if task == "classification" and meta.get("loss") in ("mse", "mae"):
        y = one_hot(y, n_classes)
    return X, y


def command_explain(args: argparse.Namespace) -> int:
    """``glassnet explain [MODEL INPUT]``: print one training step with every number (or draw
    gradient descent on a parabola with ``--descent``)."""
    if args.descent:
        from glassnet.descent import gradient_descent, parabola
        from glassnet.plot import plot_descent

        lr = args.lr if args.lr is not None else 0.1
        iterates = gradient_descent(x0=-3.0, learning_rate=lr, steps=max(args.steps, 20))
        print(f"gradient descent on f(x) = x^2 - 4x + 5, x <- x - {lr:g} * (2x - 4), from x = -3")
        for step, x in enumerate(iterates):
            print(f"  step {step:2d}: x = {x: .6f}   f(x) = {parabola(x):.6f}")
        plot_descent(iterates, args.descent, learning_rate=lr)
        print(f"wrote {args.descent}")
        return 0
    if args.model is None:
        table = load(TUTORIAL_DATASET)
        X, labels = table.X_train, table.y_train
        y = one_hot(labels, 2)
        network = mlp(
            [2, args.hidden, 2],
            activation="sigmoid",
            output="sigmoid",
            init=XOR_TUTORIAL.init,
            seed=args.seed,
        )
        loss, lr = "mse", args.lr if args.lr is not None else XOR_TUTORIAL.lr
        l2 = args.l2 if args.l2 is not None else XOR_TUTORIAL.l2
        title = f"One training step of the XOR tutorial's 2-{args.hidden}-2 sigmoid network"
    else:
        if args.input is None:
            raise ValueError("explain MODEL needs INPUT: a data set name, a .csv or a .npy")
        network = load_model(args.model)
        X, y = explain_batch(args, network)
        loss = network.metadata.get("loss", "cross_entropy")
        lr = args.lr if args.lr is not None else 0.01
        l2 = args.l2 if args.l2 is not None else 0.0
        title = f"One training step of {args.model} on {len(X)} rows of {args.input}"
    optimizer = get_optimizer("sgd", lr)
    for _ in range(args.steps - 1):
        train_step(network, get_loss(loss), optimizer, X, y, l2=l2, l1=args.l1)
    steps, header = explain_step(
        network, loss, X, y, learning_rate=lr, l2=l2, l1=args.l1, title=title, step=args.steps
    )
    sys.stdout.write(render(steps, header, args.format))
    if args.format == "json":
        sys.stdout.write("\n")
    return 0
