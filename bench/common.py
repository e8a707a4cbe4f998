"""Shared pieces of the benchmarks: the data, the network shape, timing and the report."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES = [784, 200, 200, 10]
N_SAMPLES = 60_000
PER_SAMPLE_SUBSET = 6_000  # batch size 1 runs on this many samples; times are scaled by 10


def load_data(data_dir: str | None, n: int = N_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's training images (float32 in 0..1) if ``data_dir`` is given, else random data of
    the same shape and type."""
    if data_dir:
        from glassnet.datasets import load_mnist

        data = load_mnist(data_dir=data_dir, progress=False)
        return data.X_train[:n], data.y_train[:n]
    rng = np.random.default_rng(0)
    X = rng.random((n, SIZES[0]), dtype=np.float32)
    return X, rng.integers(0, SIZES[-1], n)


def run_worker(script: Path, args: list[str]) -> dict:
    """Run one measurement in a fresh process (thread pools never share a process)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                            text=True, env=env)  # fmt: skip
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def torch_epoch(model, optimizer, loss_fn, X, y, order, batch: int) -> None:
    """One pass of PyTorch's usual loop over the rows of ``X`` and ``y`` (tensors) in ``order``
    (a tensor of row indices), ``batch`` rows per step."""
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[rows]), y[rows])
        loss.backward()
        optimizer.step()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def median_seconds(call, warmup: int, repeats: int) -> float:
    """Median time of ``call()`` over ``repeats`` runs, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def print_machine() -> None:
    """The first line of every benchmark: the CPU and BLAS kernels its figures belong to."""
    from glassnet import machine

    print(f"machine: {machine.describe()}", flush=True)
