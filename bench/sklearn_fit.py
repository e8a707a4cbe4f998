"""Fit time of glassnet's MLPClassifier against scikit-learn's, same data and settings.

Both estimators run scikit-learn's algorithm (the same initial weights, batches and steps), so
the time is the whole difference. Each fit runs in its own process, the two libraries
alternating; prints the median seconds, the accuracies and the ratio per solver.

    python bench/sklearn_fit.py [--data-dir ../shared/data/mnist] [--rows 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_data, median, run_worker  # noqa: E402

#: Per solver: the estimator settings (lbfgs: iterations; adam: epochs of batches of 200).
SETTINGS = {
    "adam": {"solver": "adam", "max_iter": 10, "hidden_layer_sizes": (100,)},
    "lbfgs": {"solver": "lbfgs", "max_iter": 100, "hidden_layer_sizes": (100,)},
}


def worker(library: str, solver: str, data_dir: str | None, rows: int) -> None:
    X, y = load_data(data_dir, rows)
    if library == "glassnet":
        from glassnet.sklearn import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    model = MLPClassifier(random_state=0, tol=0.0, n_iter_no_change=10**6, **SETTINGS[solver])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (no convergence within max_iter, on purpose)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "accuracy": float(model.score(X, y)),
                      "n_iter": int(model.n_iter_)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: random data)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "SOLVER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.data_dir, args.rows)
        return
    from common import print_machine

    print_machine()
    data = args.data_dir or "random data"
    print(f"{args.rows:,} rows of {data}, 784-100-10, float32; median of {args.rounds} fits each")
    print("| solver | scikit-learn | glassnet | glassnet / scikit-learn | accuracy (both) |")
    print("|---|---|---|---|---|")
    script = Path(__file__).resolve()
    extra = ["--rows", str(args.rows)] + (["--data-dir", args.data_dir] if args.data_dir else [])
    for solver in SETTINGS:
        results: dict[str, list[dict]] = {"sklearn": [], "glassnet": []}
        for _ in range(args.rounds):
            for library in results:  # alternating, each fit in a fresh process
                result = run_worker(script, ["--worker", library, solver, *extra])
                if "error" in result:
                    raise SystemExit(f"{library} {solver}: {result['error']}")
                results[library].append(result)
        times = {lib: median([r["seconds"] for r in runs]) for lib, runs in results.items()}
        accuracy = {lib: runs[0]["accuracy"] for lib, runs in results.items()}
        print(f"| {solver} | {times['sklearn']:.2f} s | {times['glassnet']:.2f} s | "
              f"{times['glassnet'] / times['sklearn']:.2f}x | {accuracy['sklearn']:.4f} / "
              f"{accuracy['glassnet']:.4f} |")  # fmt: skip


if __name__ == "__main__":
    main()
