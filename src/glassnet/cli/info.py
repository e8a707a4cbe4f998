"""``glassnet info``: a saved model's layers and metadata."""

from __future__ import annotations

import argparse
import json

from glassnet.cli.data import metric_text, model_categories
from glassnet.io import load_model


def command_info(args: argparse.Namespace) -> int:
    """``glassnet info MODEL``: print a saved model's bricks, data contract and metadata
    (``--json``: the metadata as JSON)."""
    network = load_model(args.model)
    meta = network.metadata
    if args.json:
        layers = [layer.config() for layer in network.layers]
        print(json.dumps({"layers": layers, "parameters": network.n_params, "metadata": meta}))
        return 0
    print(network.summary())
    for key in ("dataset", "task", "loss", "class_names", "feature_names", "target"):
        if meta.get(key):
            value = meta[key]
            print(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    for column, names in model_categories(network).items():  # what ONNX's inputs are indices of
        print(f"categories of {column}: " + ", ".join(f"{k} {n}" for k, n in enumerate(names)))
    if meta.get("test"):
        print(f"test: {metric_text(meta['test'])}")
    if meta.get("recipe"):
        print("recipe: " + ", ".join(f"{k}={v}" for k, v in meta["recipe"].items()))
    return 0
