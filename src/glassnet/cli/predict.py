"""``glassnet predict``: a saved model's predictions for the rows of a file, as CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from glassnet.cli.data import read_input
from glassnet.io import load_model


def command_predict(args: argparse.Namespace) -> int:
    """``glassnet predict MODEL INPUT``: write one row of predictions per input row as CSV
    (columns: see ``glassnet predict --help``)."""
    network = load_model(args.model)
    X = read_input(Path(args.input), network)
    if X.ndim != 2 or X.shape[1] != network.in_features:
        raise ValueError(
            f"model {args.model} expects {network.in_features} features per row, but "
            f"{args.input} has {X.shape[1] if X.ndim == 2 else X.shape}"
        )
    meta = network.metadata
    if meta.get("task", "classification") == "classification":
        proba = network.predict_proba(X)
        names = meta.get("class_names") or [str(k) for k in range(proba.shape[1])]
        header = ["prediction", *[f"p_{name}" for name in names]]
        rows = [[names[int(np.argmax(p))], *[f"{value:.6g}" for value in p]] for p in proba]
    else:
        outputs = network.predict(X)
        target = meta.get("target", "prediction")
        header = (
            [target]
            if outputs.shape[1] == 1
            else [f"{target}_{k}" for k in range(outputs.shape[1])]
        )
        rows = [[f"{value:.6g}" for value in row] for row in outputs]
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    finally:
        if args.output:
            out.close()
    if args.output:
        print(f"wrote {len(rows):,} predictions to {args.output}", file=sys.stderr)
    return 0
