"""Fingerprints of training runs: a SHA-256 of the weights and the history of a few fits that
between them take every path of ``fit`` (per-sample, mini-batch and full batch; shuffled and in
order; validation; dropout, L2, schedules; the guard and health monitor; a checkpoint resumed).

Run it before and after a change on the same machine: equal lines mean bit-identical training.
(Other machines round float32 products differently, so the lines differ between machines.)

    python scripts/training_fingerprint.py
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.datasets import spirals
from glassnet.schedules import get_schedule


def fingerprint(network, history) -> str:
    digest = hashlib.sha256()
    for name, weights in sorted(network.get_weights().items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights).tobytes())
    records = {key: values for key, values in history.records.items() if key != "time"}
    digest.update(json.dumps(records, sort_keys=True, default=float).encode())
    return digest.hexdigest()[:16]


def runs():
    X, y = spirals(600, seed=0)
    values = np.sin(X[:, :1] * 2) + X[:, 1:] ** 2
    yield "per-sample SGD", dict(batch_size=1, epochs=2), "cross_entropy", y, [2, 16, 3]
    yield "momentum, validation, metrics", dict(
        batch_size=32, epochs=3, optimizer=gn.SGD(0.05, momentum=0.9), validation_fraction=0.2
    ), "cross_entropy", y, [2, 16, 16, 3]
    yield "adam, dropout, l2, cosine", dict(
        batch_size=64, epochs=4, optimizer=gn.Adam(0.01), l2=1e-3,
        schedule=get_schedule("cosine", 0.01, 4), dropout=0.2,
    ), "cross_entropy", y, [2, 32, 3]
    yield "full batch, in order, mse", dict(batch_size=None, epochs=5, shuffle=False), "mse", \
        values, [2, 8, 1]
    yield "guard and health", dict(batch_size=16, epochs=2, guard=True, health=True), "mse", \
        values, [2, 8, 1]


def main() -> None:
    X, _ = spirals(600, seed=0)
    for name, options, loss, y, sizes in runs():
        dropout = options.pop("dropout", 0.0)
        network = gn.mlp(sizes, seed=1, dropout=dropout)
        history = gn.fit(network, X, y, loss=loss, seed=2, progress=False, **options)
        print(f"{name:32s} {fingerprint(network, history)}")
    with tempfile.TemporaryDirectory() as folder:  # stopped after epoch 2, resumed to epoch 4
        checkpoint = Path(folder) / "run.ckpt"
        network = gn.mlp([2, 16, 3], seed=1)
        options = dict(loss="cross_entropy", optimizer=gn.Adam(0.01), batch_size=32, seed=2,
                       progress=False, checkpoint=checkpoint)  # fmt: skip
        gn.fit(network, X, spirals(600, seed=0)[1], epochs=2, **options)
        network = gn.mlp([2, 16, 3], seed=1)
        options["optimizer"] = gn.Adam(0.01)
        history = gn.fit(network, X, spirals(600, seed=0)[1], epochs=4, resume=True, **options)
        print(f"{'checkpoint resumed':32s} {fingerprint(network, history)}")


if __name__ == "__main__":
    main()
