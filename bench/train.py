"""Training speed: one epoch of 784-200-200-10 (ReLU, softmax cross-entropy, float32) against
PyTorch (CPU), scikit-learn's MLPClassifier and the careful hand-written NumPy loop of
bench/handwritten.py, each in its own process, taking turns.

    python bench/train.py [--data-dir MNIST_DIR] [--rounds 15] [--batch-sizes 1 32 128 512]
                          [--optimizers sgd adam] [--libraries glassnet torch sklearn numpy]
                          [--rows N] [--torch-flush-denormal]

Every library (and the GEMM-bound step of bench/limit.py, through NumPy and, when PyTorch is
installed, through PyTorch's matrix multiply) runs in a process of its own that
loads the data, builds the network and warms up once, then trains on one slice of the data
(12,000 rows; 1,500 at batch size 1) each time it is asked. The processes take turns, one
slice each per round, in an order that rotates, with a pause between turns so that the idle
threads of one library have stopped spinning before the next starts. Slice times are scaled to
an epoch of 60,000 rows. The script prints the median epoch time of each, and the ratios
glassnet / reference taken within each round (median and quartiles): rounds last a couple of
seconds, so the drift of this kind of machine's speed (up to 2x over minutes) falls on all
libraries of a round alike.

The references are optional (``pip install 'glassnet[bench]'`` and ``pip install torch==2.13.0``);
the script says which are missing and skips only those.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import N_SAMPLES, SIZES, available, load_data, median, print_machine, torch_epoch

HERE = Path(__file__).resolve()
WARMUP_STEPS = 200
SLICE = 12_000  # rows per turn
PER_SAMPLE_SLICE = 1_500  # rows per turn at batch size 1
PAUSE = 0.3  # seconds between turns: OpenBLAS threads spin for about 0.1 s after their last work


def trainer_glassnet(X, y, batch, optimizer_name, lr):
    """A function training glassnet's network on the rows it is given (one pass)."""
    import glassnet as gn

    net = gn.mlp(SIZES, seed=0)
    optimizer = gn.SGD(lr) if optimizer_name == "sgd" else gn.Adam(lr)
    seeds = iter(range(1, 1_000_000))

    def train(X_part, y_part):
        gn.fit(net, X_part, y_part, loss="cross_entropy", optimizer=optimizer, epochs=1,
               batch_size=batch, progress=False, seed=next(seeds))  # fmt: skip

    return train


def trainer_torch(X, y, batch, optimizer_name, lr, flush_denormal=False):
    """The same network, optimizer and batches in PyTorch, with its usual training loop (and
    subnormal numbers flushed to zero by the processor when ``flush_denormal``)."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.set_flush_denormal(flush_denormal)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 200), torch.nn.ReLU(),
        torch.nn.Linear(200, 10),
    )  # fmt: skip
    opt = (torch.optim.SGD(model.parameters(), lr=lr) if optimizer_name == "sgd"
           else torch.optim.Adam(model.parameters(), lr=lr))  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()

    def train(X_part, y_part):
        X_t, y_t = torch.from_numpy(X_part), torch.from_numpy(y_part.astype(np.int64))
        torch_epoch(model, opt, loss_fn, X_t, y_t, torch.randperm(len(X_t)), batch)

    return train


def trainer_sklearn(X, y, batch, optimizer_name, lr):
    """scikit-learn's MLPClassifier with the same settings, one iteration per call."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(200, 200), activation="relu",
                          solver="sgd" if optimizer_name == "sgd" else "adam",
                          learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                          alpha=0.0, batch_size=batch, max_iter=1, shuffle=True,
                          random_state=0, tol=0.0)  # fmt: skip

    def train(X_part, y_part):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_part, y_part)

    return train


def trainer_numpy(X, y, batch, optimizer_name, lr):
    """The careful hand-written NumPy loop of bench/handwritten.py: the same training, no bricks."""
    from handwritten import HandwrittenMLP

    model = HandwrittenMLP(optimizer_name, lr)

    def train(X_part, y_part):
        model.train(X_part, y_part, batch)

    return train


def trainer_limit(X, y, batch, optimizer_name, lr, library="numpy"):
    """Only the matrix products of the training steps (bench/limit.py): the GEMM bound."""
    from limit import gemm_step

    one_step, _ = gemm_step(batch, library=library)

    def train(X_part, y_part):
        for _ in range(-(-len(X_part) // batch)):
            one_step()

    return train


def trainer_torch_limit(X, y, batch, optimizer_name, lr):
    """The same matrix products through PyTorch (MKL on x86): the bound of PyTorch's epoch."""
    return trainer_limit(X, y, batch, optimizer_name, lr, library="torch")


TRAINERS = {
    "glassnet": trainer_glassnet,
    "torch": trainer_torch,
    "sklearn": trainer_sklearn,
    "numpy": trainer_numpy,
    "limit": trainer_limit,
    "torch-limit": trainer_torch_limit,
}
MODULES = {"glassnet": "glassnet", "torch": "torch", "sklearn": "sklearn", "numpy": "numpy"}
LABELS = {"limit": "GEMM bound", "torch-limit": "torch GEMM bound", "numpy": "numpy loop"}


def serve(args) -> None:
    """Worker: prepare once, then train on one slice per line ``run K`` read from stdin and
    answer with the epoch time that slice implies."""
    X, y = load_data(args.data_dir)
    rows = args.rows or (PER_SAMPLE_SLICE if args.batch == 1 else SLICE)
    lr = 0.01 if args.optimizer == "sgd" else 0.001
    options = {"flush_denormal": True} if args.torch_flush_denormal else {}
    train = TRAINERS[args.serve](X, y, args.batch, args.optimizer, lr, **options)
    warm = min(len(X), WARMUP_STEPS * args.batch, rows)
    train(X[:warm], y[:warm])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.startswith("run"):
            break
        start = rows * int(line.split()[1]) % (len(X) - rows + 1)
        began = time.perf_counter()
        train(X[start : start + rows], y[start : start + rows])
        seconds = (time.perf_counter() - began) * N_SAMPLES / rows
        print(json.dumps({"seconds": seconds}), flush=True)


class Worker:
    """One library's long-lived process."""

    def __init__(
        self,
        name: str,
        batch: int,
        optimizer: str,
        data_dir: str | None,
        rows: int | None,
        torch_flush_denormal: bool = False,
    ) -> None:
        data = ["--data-dir", data_dir] if data_dir else []
        data += ["--rows", str(rows)] if rows else []
        data += ["--torch-flush-denormal"] if torch_flush_denormal and name == "torch" else []
        command = [sys.executable, str(HERE), "--serve", name, "--batch", str(batch),
                   "--optimizer", optimizer, *data]  # fmt: skip
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.name = name
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip

    def answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            error = self.process.stderr.read().strip().splitlines()
            raise RuntimeError(f"{self.name} failed: {error[-1] if error else 'no output'}")
        return json.loads(line)

    def run(self, turn: int) -> float:
        self.process.stdin.write(f"run {turn}\n")
        self.process.stdin.flush()
        return self.answer()["seconds"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait()


def measure(
    names, batch, optimizer, rounds, data_dir, rows, torch_flush_denormal=False
) -> dict[str, list[float]]:
    """Epoch seconds per participant, one entry per round."""
    workers = []
    for name in names:
        worker = Worker(name, batch, optimizer, data_dir, rows, torch_flush_denormal)
        try:
            worker.answer()  # ready: prepared one at a time, so they never overlap
            workers.append(worker)
        except RuntimeError as error:
            print(f"  {error}")
    times = {worker.name: [] for worker in workers}
    try:
        for turn in range(rounds):
            shift = turn % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                time.sleep(PAUSE)
                times[worker.name].append(worker.run(turn))
    finally:
        for worker in workers:
            worker.close()
    return times


def report(optimizer: str, batch: int, times: dict[str, list[float]]) -> None:
    cells = [f"{LABELS.get(name, name)} {median(values):.3f} s" for name, values in times.items()]
    print(f"{optimizer} batch {batch}: " + ", ".join(cells))
    for name, values in times.items():
        if name == "glassnet":
            continue
        ratios = [a / b for a, b in zip(times["glassnet"], values, strict=True)]
        low, high = np.percentile(ratios, [25, 75])
        print(f"    glassnet / {LABELS.get(name, name)}: {median(ratios):.2f} "
              f"(quartiles {low:.2f} - {high:.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 128, 512])
    parser.add_argument("--optimizers", nargs="+", default=["sgd", "adam"])
    parser.add_argument("--libraries", nargs="+", default=["glassnet", "torch", "sklearn", "numpy"])
    parser.add_argument("--rows", type=int, help="rows per turn (default 12,000; 1,500 at batch 1)")
    parser.add_argument(
        "--torch-flush-denormal",
        action="store_true",
        help="PyTorch flushes subnormals to zero (torch.set_flush_denormal; off by default)",
    )
    parser.add_argument("--serve", choices=list(TRAINERS))
    parser.add_argument("--batch", type=int)
    parser.add_argument("--optimizer")
    args = parser.parse_args()
    if not args.serve:  # a worker's output is read by its parent
        print_machine()
    if args.serve:
        return serve(args)

    libraries = []
    for library in args.libraries:
        if available(MODULES[library]):
            libraries.append(library)
        else:
            hint = "pip install torch==2.13.0" if library == "torch" else "pip install scikit-learn"
            print(f"{library} is not installed: skipped ({hint})")
    if "glassnet" not in libraries:
        raise SystemExit("glassnet is not installed: pip install -e .")
    from glassnet._blas import backend

    print(f"glassnet's optimizer updates run on {backend()}.")
    if args.torch_flush_denormal:
        print("PyTorch runs with torch.set_flush_denormal(True).")
    print(f"Median epoch seconds over {args.rounds} rounds; ratios are glassnet / reference "
          "within each round: median (quartiles).")  # fmt: skip
    for optimizer in args.optimizers:
        for batch in args.batch_sizes:
            bounds = ["limit", *(["torch-limit"] if "torch" in libraries else [])]
            names = [name for name in [*libraries, *bounds]
                     if not (batch == 1 and name in ("sklearn", *bounds))]  # fmt: skip
            times = measure(names, batch, optimizer, args.rounds, args.data_dir, args.rows,
                            args.torch_flush_denormal)  # fmt: skip
            report(optimizer, batch, times)


if __name__ == "__main__":
    main()
