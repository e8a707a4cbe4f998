"""How reading a table and training on it grow with its rows: 1e4, 1e5 and 1e6 rows.

For each size, a CSV of 20 numeric feature columns and a class column (written once, in a
temporary folder) is read with ``glassnet.datasets.load_table`` and trained on for one epoch with
the table recipe (Standardize in front, 64-64 ReLU, Adam, batch 32), each size in a fresh
process. Prints seconds and seconds per million rows; linear growth keeps the second column
flat.

    python bench/table_scale.py [--sizes 10000 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import median, print_machine, run_worker

HERE = Path(__file__).resolve()
FEATURES = 20


def write_table(path: Path, rows: int) -> None:
    """20 normal columns and y = [x0 + x1 * x2 > 0], written a block of rows at a time."""
    rng = np.random.default_rng(0)
    with open(path, "w") as handle:
        handle.write(",".join([f"x{i}" for i in range(FEATURES)] + ["y"]) + "\n")
        for start in range(0, rows, 100_000):
            block = rng.standard_normal((min(100_000, rows - start), FEATURES))
            label = (block[:, 0] + block[:, 1] * block[:, 2] > 0).astype(float)
            np.savetxt(handle, np.c_[block, label], fmt="%.6g", delimiter=",")


def worker(path: str) -> None:
    from glassnet import Adam, fit
    from glassnet.datasets import load_table
    from glassnet.network import mlp
    from glassnet.preprocessing import scaled
    from glassnet.recipes import recipe_for

    recipe = recipe_for(path)
    started = time.perf_counter()
    data = load_table(path, target="y")
    read = time.perf_counter() - started
    network = scaled(mlp([FEATURES, *recipe.hidden, data.n_outputs], seed=0), inputs=data.X_train)
    started = time.perf_counter()
    fit(network, data.X_train, data.y_train, loss="cross_entropy", optimizer=Adam(recipe.lr),
        epochs=1, batch_size=recipe.batch_size, metrics=[], progress=False)  # fmt: skip
    epoch = time.perf_counter() - started
    print(json.dumps({"read": read, "epoch": epoch, "rows": len(data.X_train) + len(data.X_test),
                      "train_rows": len(data.X_train)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", metavar="CSV")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    print_machine()
    with tempfile.TemporaryDirectory(prefix="glassnet-scale-") as folder:
        tables = {}
        for rows in args.sizes:
            tables[rows] = Path(folder) / f"rows{rows}.csv"
            write_table(tables[rows], rows)
        runs = {rows: [] for rows in args.sizes}
        for _ in range(args.repeats):  # the sizes alternate, each run in a fresh process
            for rows in args.sizes:
                out = run_worker(HERE, ["--worker", str(tables[rows])])
                if "error" in out:
                    sys.exit(f"{rows} rows: {out['error']}")
                runs[rows].append(out)
    print(f"median of {args.repeats} runs; one epoch trains on 80% of the rows (the rest is the "
          "test split)")  # fmt: skip
    print(f"{'rows':>10} | {'read s':>8} | {'read s/1e6 rows':>15} | {'epoch s':>8} | "
          f"{'epoch s/1e6 rows':>16}")  # fmt: skip
    for rows, outs in runs.items():
        read = median([out["read"] for out in outs])
        epoch = median([out["epoch"] for out in outs])
        trained = outs[0]["train_rows"]
        print(f"{rows:>10,} | {read:>8.3f} | {read / rows * 1e6:>15.2f} | {epoch:>8.3f} | "
              f"{epoch / trained * 1e6:>16.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
