"""Time to accuracy: the README's mini-batch MNIST recipe trained to the end in glassnet and in
PyTorch (CPU), each in a process of its own, taking turns.

    python bench/time_to_accuracy.py --data-dir MNIST_DIR [--rounds 3] [--epochs 10] [--seed 0]

The recipe is 784-200-200-10 with ReLU, softmax cross-entropy on logits, SGD with momentum 0.9,
learning rate 0.05 on a cosine schedule over the epochs (set at the start of each epoch), batches
of 64, float32, on all 60,000 training images. Both libraries start from the same weights
(glassnet's He initialisation for the seed, copied into ``torch.nn.Linear``) and take the same
batches in the same order (the permutations ``glassnet.fit`` draws for the seed, drawn again for
PyTorch by the same ``Batches``). PyTorch runs its usual loop (``zero_grad``, forward,
``CrossEntropyLoss``, ``backward``, ``step``, ``CosineAnnealingLR``) on all cores.

Each round trains once with each library, in an order that alternates; a turn is a fresh
process that loads the data, trains (timed: the epochs only) and measures the test accuracy on
the official 10,000 images (not timed). The script prints the machine, each turn, both test
accuracies and the ratio glassnet / PyTorch of the training times taken within each round
(median and range). The accuracies agree to a few tenths of a point rather than exactly: float32
sums round differently in the two libraries, and thousands of steps carry the difference on.

PyTorch is optional (``pip install torch==2.13.0``, the CPU build); without it the script says
so and times glassnet alone.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from common import SIZES, available, median, print_machine, run_worker, torch_epoch

HERE = Path(__file__).resolve()
LEARNING_RATE, MOMENTUM, BATCH = 0.05, 0.9, 64


def load(data_dir: str):
    from glassnet.datasets import load_mnist

    return load_mnist(data_dir=data_dir, progress=False)


def train_glassnet(data, epochs: int, seed: int) -> dict:
    """glassnet's own fit, as ``glassnet train mnist`` runs it (guard off, no validation)."""
    import glassnet as gn
    from glassnet.schedules import cosine

    net = gn.mlp(SIZES, seed=seed)
    optimizer = gn.SGD(LEARNING_RATE, momentum=MOMENTUM)
    began = time.perf_counter()
    gn.fit(net, data.X_train, data.y_train, loss="cross_entropy", optimizer=optimizer,
           epochs=epochs, batch_size=BATCH, schedule=cosine(LEARNING_RATE, epochs),
           seed=seed, progress=False)  # fmt: skip
    seconds = time.perf_counter() - began
    accuracy = float(np.mean(net.predict_classes(data.X_test) == data.y_test))
    return {"seconds": seconds, "accuracy": accuracy}


def train_torch(data, epochs: int, seed: int) -> dict:
    """The same network, weights, batches and schedule in PyTorch's usual loop."""
    import torch

    import glassnet as gn
    from glassnet.batches import Batches

    torch.set_num_threads(os.cpu_count() or 1)
    start = gn.mlp(SIZES, seed=seed)  # the initial weights glassnet draws for the seed
    linears = []
    for dense in (layer for layer in start.layers if isinstance(layer, gn.Dense)):
        linear = torch.nn.Linear(dense.params["W"].shape[0], dense.params["W"].shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(dense.params["W"].T.copy()))
            linear.bias.copy_(torch.from_numpy(dense.params["b"]))
        linears.append(linear)
    model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(),
                                linears[2])  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    X = torch.from_numpy(data.X_train)
    y = torch.from_numpy(data.y_train.astype(np.int64))
    # fit draws one permutation per epoch from default_rng(seed); so does this.
    batches = Batches(len(X), BATCH, rng=np.random.default_rng(seed))
    began = time.perf_counter()
    for _ in range(epochs):
        torch_epoch(model, optimizer, loss_fn, X, y, torch.from_numpy(batches.new_order()), BATCH)
        scheduler.step()
    seconds = time.perf_counter() - began
    with torch.no_grad():
        predicted = model(torch.from_numpy(data.X_test)).argmax(dim=1).numpy()
    return {"seconds": seconds, "accuracy": float(np.mean(predicted == data.y_test))}


TRAINERS = {"glassnet": train_glassnet, "torch": train_torch}


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--data-dir", required=True, help="the MNIST directory (IDX files)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", choices=list(TRAINERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # one turn: its JSON line is read by the parent
        result = TRAINERS[args.worker](load(args.data_dir), args.epochs, args.seed)
        print(json.dumps(result), flush=True)
        return

    print_machine()
    libraries = ["glassnet"]
    if available("torch"):
        libraries.append("torch")
    else:
        print("torch is not installed: glassnet alone (pip install torch==2.13.0)")
    print(f"784-200-200-10, SGD momentum {MOMENTUM}, lr {LEARNING_RATE} cosine, batch {BATCH}, "
          f"{args.epochs} epochs, seed {args.seed}, 60,000 training images")  # fmt: skip
    turns: dict[str, list[dict]] = {name: [] for name in libraries}
    for round_ in range(args.rounds):
        order = libraries if round_ % 2 == 0 else libraries[::-1]
        for name in order:
            options = ["--data-dir", args.data_dir, "--epochs", str(args.epochs),
                       "--seed", str(args.seed), "--worker", name]  # fmt: skip
            result = run_worker(HERE, options)
            if "error" in result:
                raise SystemExit(f"{name} failed: {result['error']}")
            turns[name].append(result)
            print(f"  round {round_ + 1} {name}: {result['seconds']:.2f} s, "
                  f"test accuracy {result['accuracy']:.2%}", flush=True)  # fmt: skip
    for name, results in turns.items():
        accuracies = sorted({f"{r['accuracy']:.2%}" for r in results})
        print(f"{name}: median {median([r['seconds'] for r in results]):.2f} s of training, "
              f"test accuracy {', '.join(accuracies)}")  # fmt: skip
    if "torch" in turns:
        pairs = zip(turns["glassnet"], turns["torch"], strict=True)
        ratios = [mine["seconds"] / theirs["seconds"] for mine, theirs in pairs]
        print(f"time glassnet / PyTorch: median {median(ratios):.2f} "
              f"(range {min(ratios):.2f} - {max(ratios):.2f}, {len(ratios)} rounds)")  # fmt: skip


if __name__ == "__main__":
    main()
