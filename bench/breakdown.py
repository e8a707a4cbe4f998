"""Where an epoch's time goes: one epoch of 784-200-200-10 (SGD, float32), split into the matrix
products, the batch gather, the optimizer step, the loss, the activations and the rest (Python
and the small NumPy calls between them).

    python bench/breakdown.py [--batch-sizes 1 32 128 512] [--data-dir MNIST_DIR] [--plot PNG]

Each part is timed by wrapping the functions that do it, which adds well under a microsecond per
call; batch size 1 runs on 6,000 samples and is scaled to 60,000 like bench/train.py.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from common import N_SAMPLES, PER_SAMPLE_SUBSET, SIZES, load_data, print_machine


def wrap(owner, attribute: str, part: str, spent: Counter) -> None:
    """Replace ``owner.attribute`` by a function that adds its run time to ``spent[part]``."""
    inner = getattr(owner, attribute)
    clock = time.perf_counter

    def timed(*args, **kwargs):
        start = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[part] += clock() - start

    setattr(owner, attribute, timed)


PARTS = Counter()  # seconds per part, filled by the wrapped functions


def wrap_parts() -> None:
    """Wrap the functions that do each part of a training step (once per process)."""
    from glassnet import layers, losses, optim, train

    wrap(np, "matmul", "matrix products", PARTS)
    wrap(np, "dot", "matrix products", PARTS)
    wrap(train._Gather, "__call__", "batch gather", PARTS)
    wrap(optim.SGD, "step", "optimizer step", PARTS)
    wrap(losses.SoftmaxCrossEntropy, "value_and_grad", "loss and its gradient", PARTS)
    wrap(layers.ReLU, "forward", "ReLU forward", PARTS)
    wrap(layers.ReLU, "backward", "ReLU backward", PARTS)


def profile(batch: int, X: np.ndarray, y: np.ndarray) -> tuple[float, int, Counter]:
    """(epoch seconds, steps, seconds per part) for one epoch at ``batch``."""
    import glassnet as gn

    n = PER_SAMPLE_SUBSET if batch == 1 else N_SAMPLES
    net = gn.mlp(SIZES, seed=0)
    optimizer = gn.SGD(0.01)
    warm = min(n, 200 * batch)
    gn.fit(net, X[:warm], y[:warm], loss="cross_entropy", optimizer=optimizer, epochs=1,
           batch_size=batch, progress=False)  # fmt: skip
    PARTS.clear()
    start = time.perf_counter()
    gn.fit(net, X[:n], y[:n], loss="cross_entropy", optimizer=optimizer, epochs=1,
           batch_size=batch, progress=False, seed=1)  # fmt: skip
    total = time.perf_counter() - start
    spent = Counter(PARTS)
    spent["the rest"] = total - sum(PARTS.values())
    return total * N_SAMPLES / n, -(-n // batch), spent


ORDER = ["matrix products", "batch gather", "optimizer step", "loss and its gradient",
         "ReLU forward", "ReLU backward", "the rest"]  # fmt: skip


def plot(results: dict[int, tuple[float, int, Counter]], path: str) -> None:
    """One bar per batch size: the share of the epoch each part takes, epoch time beside it."""
    from glassnet.plot import _pyplot

    plt = _pyplot()
    colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#bbbbbb"]
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(results) + 1.6))
    labels = [f"batch {batch}" for batch in results]
    left = np.zeros(len(results))
    for part, color in zip(ORDER, colors, strict=True):
        shares = np.array([spent[part] / sum(spent.values()) for _, _, spent in results.values()])
        axes.barh(labels, shares * 100, left=left, color=color, label=part)
        for row, (share, start) in enumerate(zip(shares, left, strict=True)):
            if share > 0.06:
                axes.text(start + share * 50, row, f"{share:.0%}", ha="center", va="center",
                          color="white", fontsize=8)  # fmt: skip
        left += shares * 100
    for row, (seconds, steps, spent) in enumerate(results.values()):
        step = sum(spent.values()) / steps * 1e6
        axes.text(101, row, f"{seconds:.2f} s/epoch\n{step:.0f} us/step", va="center", fontsize=8)
    axes.set_xlim(0, 100)
    axes.invert_yaxis()
    axes.set_xlabel("share of a training epoch (%), 784-200-200-10, SGD, float32")
    axes.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    from glassnet import machine
    from glassnet.plot import add_footer

    add_footer(path, f"measured on {machine.describe()} by python bench/breakdown.py")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 128, 512])
    parser.add_argument("--data-dir")
    parser.add_argument("--plot", metavar="PNG", help="also draw the shares as bars into PNG")
    args = parser.parse_args()
    print_machine()
    X, y = load_data(args.data_dir)
    wrap_parts()
    results = {}
    for batch in args.batch_sizes:
        seconds, steps, spent = results[batch] = profile(batch, X, y)
        total = sum(spent.values())
        print(f"batch {batch}: {seconds:.3f} s per epoch, {total / steps * 1e6:.0f} us per step")
        for part, value in spent.most_common():
            print(f"  {part:22s} {value / steps * 1e6:7.1f} us per step  {value / total:6.1%}")
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
