"""Training speed: one epoch of 784-200-200-10 (ReLU, softmax cross-entropy, float32) against
PyTorch (CPU) and scikit-learn's MLPClassifier, each in its own process, runs alternating.

    python bench/train.py [--data-dir MNIST_DIR] [--repeats 5] [--batch-sizes 1 32 128 512]
                          [--optimizers sgd adam] [--libraries glassnet torch sklearn]

Batch size 1 (per-sample SGD) runs on 6,000 samples and its time is scaled to 60,000. Every
repeat runs each library once (and the GEMM-bound epoch of bench/limit.py), in a rotated order;
the script prints the median epoch time of each, and the ratios glassnet / reference taken within
each repeat (their median and range), which is what holds still on a machine whose speed drifts.
The references are optional (``pip install 'glassnet[bench]'`` and ``pip install torch==2.13.0``);
the script says which are missing and skips only those.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from common import N_SAMPLES, PER_SAMPLE_SUBSET, SIZES, available, load_data, median, run_worker

HERE = Path(__file__).resolve()
WARMUP_STEPS = 200


def epoch_glassnet(X, y, batch, optimizer_name, lr):
    import glassnet as gn

    net = gn.mlp(SIZES, seed=0)
    optimizer = gn.SGD(lr) if optimizer_name == "sgd" else gn.Adam(lr)
    warm = min(len(X), WARMUP_STEPS * batch)
    gn.fit(net, X[:warm], y[:warm], loss="cross_entropy", optimizer=optimizer, epochs=1,
           batch_size=batch, progress=False, seed=0)  # fmt: skip
    start = time.perf_counter()
    gn.fit(net, X, y, loss="cross_entropy", optimizer=optimizer, epochs=1, batch_size=batch,
           progress=False, seed=1)  # fmt: skip
    return time.perf_counter() - start


def epoch_torch(X, y, batch, optimizer_name, lr):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 200), torch.nn.ReLU(),
        torch.nn.Linear(200, 10),
    )  # fmt: skip
    opt = (torch.optim.SGD(model.parameters(), lr=lr) if optimizer_name == "sgd"
           else torch.optim.Adam(model.parameters(), lr=lr))  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def run(n):
        order = torch.randperm(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X_t[rows]), y_t[rows])
            loss.backward()
            opt.step()

    run(min(len(X), WARMUP_STEPS * batch))
    start = time.perf_counter()
    run(len(X))
    return time.perf_counter() - start


def epoch_sklearn(X, y, batch, optimizer_name, lr):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(200, 200), activation="relu",
                          solver="sgd" if optimizer_name == "sgd" else "adam",
                          learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                          alpha=0.0, batch_size=batch, max_iter=1, shuffle=True,
                          random_state=0, tol=0.0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
    return time.perf_counter() - start


def epoch_limit(X, y, batch, optimizer_name, lr):
    """The GEMM-bound epoch of bench/limit.py, measured in the same rotation as the libraries."""
    from limit import gemm_epoch_seconds

    return gemm_epoch_seconds(batch, repeats=3)[0]


WORKERS = {
    "glassnet": epoch_glassnet,
    "torch": epoch_torch,
    "sklearn": epoch_sklearn,
    "limit": epoch_limit,
}
MODULES = {"glassnet": "glassnet", "torch": "torch", "sklearn": "sklearn"}
LABELS = {"limit": "GEMM bound"}


def worker(args) -> None:
    n = PER_SAMPLE_SUBSET if args.batch == 1 else N_SAMPLES
    X, y = load_data(args.data_dir, n)
    lr = 0.01 if args.optimizer == "sgd" else 0.001
    seconds = WORKERS[args.worker](X, y, args.batch, args.optimizer, lr)
    if args.worker != "limit":
        seconds *= N_SAMPLES / n
    print(json.dumps({"seconds": seconds}))


def measure(participants, batch, optimizer, repeats, data_dir):
    """Epoch seconds per participant, one list entry per repeat (None where a run failed).

    Every repeat runs each participant once, in a rotated order, so that slow drift of the
    machine falls on all of them alike; ratios are then taken within a repeat.
    """
    times = {name: [] for name in participants}
    for repeat in range(repeats):
        shift = repeat % len(participants)
        for name in participants[shift:] + participants[:shift]:
            data = ["--data-dir", data_dir] if data_dir else []
            out = run_worker(HERE, ["--worker", name, "--batch", str(batch),
                                    "--optimizer", optimizer, *data])  # fmt: skip
            if "seconds" not in out:
                print(f"  {name} failed: {out.get('error')}")
            times[name].append(out.get("seconds"))
    return times


def paired_ratios(mine: list, theirs: list) -> list[float]:
    """glassnet / reference within each repeat where both ran."""
    return [a / b for a, b in zip(mine, theirs, strict=True) if a is not None and b is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 128, 512])
    parser.add_argument("--optimizers", nargs="+", default=["sgd", "adam"])
    parser.add_argument("--libraries", nargs="+", default=["glassnet", "torch", "sklearn"])
    parser.add_argument("--worker", choices=list(WORKERS))
    parser.add_argument("--batch", type=int)
    parser.add_argument("--optimizer")
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    libraries = []
    for library in args.libraries:
        if available(MODULES[library]):
            libraries.append(library)
        else:
            hint = "pip install torch==2.13.0" if library == "torch" else "pip install scikit-learn"
            print(f"{library} is not installed: skipped ({hint})")
    if "glassnet" not in libraries:
        raise SystemExit("glassnet is not installed: pip install -e .")
    references = [lib for lib in libraries if lib != "glassnet"] + ["limit"]
    print(f"Median epoch seconds over {args.repeats} repeats; ratios are glassnet / reference "
          "within each repeat: median [lowest - highest].")  # fmt: skip
    for optimizer in args.optimizers:
        for batch in args.batch_sizes:
            participants = ["glassnet"] + [
                name for name in references
                if not (batch == 1 and name in ("sklearn", "limit"))  # sklearn's b1 takes minutes
            ]  # fmt: skip
            times = measure(participants, batch, optimizer, args.repeats, args.data_dir)
            cells = []
            for name in participants:
                done = [t for t in times[name] if t is not None]
                cells.append(f"{LABELS.get(name, name)} {median(done):.3f} s")
            print(f"{optimizer} batch {batch}: " + ", ".join(cells))
            for name in participants[1:]:
                ratios = paired_ratios(times["glassnet"], times[name])
                if ratios:
                    print(f"    glassnet / {LABELS.get(name, name)}: {median(ratios):.2f} "
                          f"[{min(ratios):.2f} - {max(ratios):.2f}]")  # fmt: skip


if __name__ == "__main__":
    main()
