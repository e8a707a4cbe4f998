"""Training speed: one epoch of 784-200-200-10 (ReLU, softmax cross-entropy, float32) against
PyTorch (CPU) and scikit-learn's MLPClassifier, each in its own process, runs alternating.

    python bench/train.py [--data-dir MNIST_DIR] [--repeats 3] [--batch-sizes 1 32 128 512]
                          [--optimizers sgd adam] [--libraries glassnet torch sklearn]

Batch size 1 (per-sample SGD) runs on 6,000 samples and its time is scaled to 60,000. Prints the
median epoch time of each library and the ratios glassnet / reference, and glassnet / the GEMM
limit of bench/limit.py. The references are optional (``pip install 'glassnet[bench]'`` and
``pip install torch==2.13.0``); the script says which are missing and skips only those.
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


WORKERS = {"glassnet": epoch_glassnet, "torch": epoch_torch, "sklearn": epoch_sklearn}
MODULES = {"glassnet": "glassnet", "torch": "torch", "sklearn": "sklearn"}


def worker(args) -> None:
    n = PER_SAMPLE_SUBSET if args.batch == 1 else N_SAMPLES
    X, y = load_data(args.data_dir, n)
    lr = 0.01 if args.optimizer == "sgd" else 0.001
    seconds = WORKERS[args.worker](X, y, args.batch, args.optimizer, lr)
    print(json.dumps({"seconds": seconds * (N_SAMPLES / n)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--repeats", type=int, default=3)
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
    print(f"{'optimizer':9} {'batch':>5} " + " ".join(f"{lib:>9}" for lib in libraries)
          + "   ratios (glassnet / reference)")  # fmt: skip
    results = {}
    for optimizer in args.optimizers:
        for batch in args.batch_sizes:
            times = {library: [] for library in libraries}
            for _ in range(args.repeats):
                for library in libraries:  # alternate libraries within each repeat
                    if library == "sklearn" and batch == 1:
                        continue  # scikit-learn's per-sample SGD takes minutes: not measured
                    data = ["--data-dir", args.data_dir] if args.data_dir else []
                    out = run_worker(HERE, ["--worker", library, "--batch", str(batch),
                                            "--optimizer", optimizer, *data])  # fmt: skip
                    if "seconds" in out:
                        times[library].append(out["seconds"])
                    else:
                        print(f"  {library} failed: {out.get('error')}")
            medians = {library: median(values) for library, values in times.items()}
            results[(optimizer, batch)] = medians
            ratios = "  ".join(
                f"/{library} {medians['glassnet'] / medians[library]:.2f}"
                for library in libraries
                if library != "glassnet" and times[library] and times.get("glassnet")
            )
            cells = [f"{medians[lib]:8.3f}s" if times[lib] else f"{'-':>9}" for lib in libraries]
            print(f"{optimizer:9} {batch:5d} " + " ".join(cells) + f"   {ratios}")
    sizes = [str(b) for b in args.batch_sizes if b > 1]
    limit = (
        run_worker(HERE.parent / "limit.py", ["--json", "--batch-sizes", *sizes]) if sizes else {}
    )
    for optimizer in args.optimizers:
        for batch in args.batch_sizes:
            if str(batch) in limit and "glassnet" in results[(optimizer, batch)]:
                seconds = limit[str(batch)]["epoch_seconds"]
                ratio = results[(optimizer, batch)]["glassnet"] / seconds
                print(f"glassnet {optimizer} batch {batch}: {ratio:.2f} x the GEMM-bound epoch "
                      f"({seconds:.3f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
