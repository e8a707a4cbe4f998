"""The ``glassnet`` command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from glassnet import __version__
from glassnet.datasets import one_hot, xor, xor_table
from glassnet.network import mlp
from glassnet.optim import SGD
from glassnet.train import evaluate, fit


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks you can see through: train and inspect MLPs.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a network (with no options: the XOR tutorial's 2-3-2 sigmoid network)",
        description=(
            "Train the XOR tutorial's network: 2 inputs, one sigmoid hidden layer, 2 sigmoid "
            "outputs (one-hot targets), mean squared error plus an L2 (Ridge) penalty, "
            "fan-in-uniform initialisation, full-batch gradient descent. By default on the "
            "4-row truth table; with --points N on N Gaussian points labelled by the XOR of "
            "their signs (20%% of them held out for testing)."
        ),
    )
    train.add_argument("--hidden", type=_positive_int, default=3, help="hidden neurons (3)")
    train.add_argument("--epochs", type=_positive_int, default=3000, help="epochs (3000)")
    train.add_argument("--lr", type=_positive_float, default=1.0, help="learning rate (1.0)")
    train.add_argument("--l2", type=_non_negative_float, default=1e-4, help="L2 strength (1e-4)")
    train.add_argument("--seed", type=int, default=0, help="random seed (0)")
    train.add_argument(
        "--points", type=_positive_int, default=None, help="train on N Gaussian XOR points"
    )
    train.add_argument("--quiet", action="store_true", help="print only the final summary")
    return parser


def train_xor(args: argparse.Namespace) -> int:
    """The XOR tutorial network, trained and summarised."""
    if args.points is None:
        X, labels = xor_table()
        X_test, labels_test = X, labels
        data = "the XOR truth table (4 rows)"
    else:
        X_all, labels_all = xor(args.points, seed=args.seed)
        n_test = max(1, args.points // 5)
        X, labels = X_all[n_test:], labels_all[n_test:]
        X_test, labels_test = X_all[:n_test], labels_all[:n_test]
        data = f"{len(X)} Gaussian XOR points ({n_test} more held out for testing)"
    network = mlp(
        [2, args.hidden, 2],
        activation="sigmoid",
        output="sigmoid",
        init="fan_in_uniform",
        seed=args.seed,
    )
    if not args.quiet:
        print(f"glassnet {__version__}: the XOR tutorial network on {data}")
        print(network.summary())
        print(f"loss: mean squared error + L2 (alpha={args.l2:g}); SGD, learning rate {args.lr:g}")
    started = time.perf_counter()
    history = fit(
        network,
        X,
        one_hot(labels, 2),
        loss="mse",
        optimizer=SGD(args.lr),
        epochs=args.epochs,
        batch_size=None,
        l2=args.l2,
        metrics=["accuracy"],
        seed=args.seed,
        progress=not args.quiet,
    )
    seconds = time.perf_counter() - started
    test = evaluate(
        network, "mse", X_test, one_hot(labels_test, 2), metrics=["accuracy"], l2=args.l2
    )
    where = "on the truth table" if args.points is None else "on the held-out points"
    print(
        f"final loss {history.loss[-1]:.4f}; accuracy {where}: {test['accuracy']:.1%} "
        f"({args.epochs} epochs, {seconds:.2f} s, {network.n_params} parameters)"
    )
    if args.points is None and not args.quiet:
        outputs = network.predict(X)
        for row, out, label in zip(X, outputs, labels, strict=True):
            print(
                f"  x = {row.astype(int).tolist()}  ->  h2 = [{out[0]:.3f}, {out[1]:.3f}]  "
                f"predicted {int(np.argmax(out))}, true {label}"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        return train_xor(args)
    parser.print_help(sys.stdout)
    return 0
