"""``glassnet export``: a saved model as ONNX."""

from __future__ import annotations

import argparse

from glassnet.io import load_model
from glassnet.preprocessing import Standardize


def command_export(args: argparse.Namespace) -> int:
    """``glassnet export MODEL --onnx OUT.onnx``: write the model as an ONNX graph."""
    from glassnet.onnx import OPSET, export

    network = load_model(args.model)
    path = export(network, args.onnx, include_preprocessing=not args.no_preprocessing)
    standardized = any(isinstance(layer, Standardize) for layer in network.layers)
    scaled = "standardised inside" if standardized else "as given"
    if args.no_preprocessing and standardized:
        scaled = "already standardised"
    print(
        f"wrote {path} (ONNX opset {OPSET}): input 'input' (batch, {network.in_features}) "
        f"{network.dtype.name}, {scaled}; output 'output' (batch, {network.out_features})"
    )
    return 0
