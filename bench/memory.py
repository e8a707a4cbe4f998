"""Peak memory (resident set) of training 784-200-200-10 for one epoch on the full MNIST (or
random data of its shape), printed beside the size of the float32 training data.

    python bench/memory.py [--data-dir MNIST_DIR] [--batch-size 128]
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

from common import load_data, print_machine, run_worker

HERE = Path(__file__).resolve()


def worker(data_dir: str | None, batch_size: int) -> None:
    import glassnet as gn

    X, y = load_data(data_dir)
    net = gn.mlp([784, 200, 200, 10], seed=0)
    gn.fit(net, X, y, loss="cross_entropy", optimizer=gn.SGD(0.05, momentum=0.9), epochs=1,
           batch_size=batch_size, validation_fraction=0.1, progress=False)  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"peak_mb": peak_mb, "data_mb": X.nbytes / 2**20}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if not args.worker:  # a worker's output is read by its parent
        print_machine()
    if args.worker:
        return worker(args.data_dir, args.batch_size)
    extra = ["--data-dir", args.data_dir] if args.data_dir else []
    out = run_worker(HERE, ["--worker", "--batch-size", str(args.batch_size), *extra])
    budget = 2 * out["data_mb"] + 50
    print(f"peak resident memory {out['peak_mb']:.0f} MB; float32 training data "
          f"{out['data_mb']:.0f} MB; target <= 2 x data + 50 MB = {budget:.0f} MB "
          f"({'met' if out['peak_mb'] <= budget else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
