"""The ``glassnet`` command line: a thin shell over the library.

Every command is a few calls to public functions (``datasets.load``, ``mlp``, ``fit``,
``evaluate``, ``save``/``load``), so anything it does a script can do too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from glassnet import __version__, machine
from glassnet.datasets import DATASETS, Dataset, load, one_hot
from glassnet.datasets.arrays import ARRAY_SUFFIX
from glassnet.datasets.table import class_labels, is_table, read_table, select_columns
from glassnet.explain import explain_step, render
from glassnet.io import load as load_model
from glassnet.io import save
from glassnet.losses import get_loss
from glassnet.network import Network, mlp
from glassnet.optim import get_optimizer
from glassnet.preprocessing import OneHot, Standardize, scaled
from glassnet.recipes import XOR_TUTORIAL, recipe_for
from glassnet.schedules import SCHEDULES, get_schedule
from glassnet.train import TrainingInterrupted, evaluate, fit, train_step

TUTORIAL_DATASET = "xor-table"


# ------------------------------------------------------------------------------- option types
def _number(text: str, *, minimum: float, inclusive: bool, kind=float):
    try:
        value = kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
    low_ok = value >= minimum if inclusive else value > minimum
    if not (np.isfinite(value) and low_ok):
        relation = ">=" if inclusive else ">"
        raise argparse.ArgumentTypeError(
            f"expected a finite number {relation} {minimum}, got {text}"
        )
    return value


def _positive_int(text: str) -> int:
    return _number(text, minimum=1, inclusive=True, kind=int)


def _positive_float(text: str) -> float:
    return _number(text, minimum=0, inclusive=False)


def _non_negative_float(text: str) -> float:
    return _number(text, minimum=0, inclusive=True)


def _probability(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return value


# ------------------------------------------------------------------------------- the parser
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (and exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glassnet",
        description="Neural networks you can see through: train and inspect MLPs.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = commands.add_parser(
        "train",
        help="train a network on a data set (none: the XOR tutorial's 2-3-2 network)",
        description=(
            "Train a multilayer perceptron. DATASET is one of "
            f"{', '.join(DATASETS)}, a path to a .csv or .parquet table, or a .npy of features "
            "with --target-file. Without DATASET: "
            "the XOR tutorial's network (2 inputs, 3 sigmoid hidden neurons, 2 sigmoid outputs, "
            "mean squared error plus L2, fan-in-uniform init, full-batch gradient descent) on the "
            "XOR truth table. Every option not given takes the data set's recipe value."
        ),
    )
    train.add_argument("dataset", nargs="?", default=None, metavar="DATASET")
    train.add_argument("--hidden", type=_positive_int, nargs="+", help="hidden layer sizes")
    train.add_argument(
        "--activation",
        choices=["relu", "sigmoid", "tanh", "leaky_relu", "identity"],
        help="hidden activation",
    )
    train.add_argument(
        "--loss", choices=["cross_entropy", "mse", "mae"], help="loss (default: the data set's)"
    )
    train.add_argument("--epochs", type=_positive_int)
    train.add_argument("--batch-size", type=_positive_int, help="samples per step (1: per-sample)")
    train.add_argument("--lr", type=_positive_float, help="learning rate")
    train.add_argument("--optimizer", choices=["sgd", "momentum", "adam"])
    train.add_argument("--schedule", choices=list(SCHEDULES), help="learning-rate schedule")
    train.add_argument("--l2", type=_non_negative_float, help="L2 (Ridge) strength")
    train.add_argument("--dropout", type=_probability, help="dropout after each hidden layer")
    train.add_argument(
        "--validation-fraction", type=_probability, help="training rows held out (0: none)"
    )
    train.add_argument(
        "--missing",
        choices=["error", "mean", "median", "most-frequent"],
        default="error",
        help="empty cells of a .csv's features: an error (default), or filled with the training "
        "rows' column mean, median or most frequent value, kept in the model",
    )
    train.add_argument(
        "--scale-target",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a .csv regression learns its target standardised, predicts it in its own units "
        "(default: on)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (0)")
    _data_options(train)
    train.add_argument("--n-samples", type=_positive_int, help="size of a synthetic data set")
    train.add_argument("--noise", type=_non_negative_float, help="noise of a synthetic data set")
    train.add_argument("--save", metavar="MODEL", help="save the trained model (.npz)")
    train.add_argument("--no-guard", action="store_true", help="do not stop on NaN/exploding")
    train.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="write the training state here every epoch and on Ctrl-C (resume with --resume)",
    )
    train.add_argument(
        "--checkpoint-every", type=_positive_int, default=1, metavar="N", help="epochs (1)"
    )
    train.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    pictures = train.add_argument_group("pictures (need: pip install 'glassnet[plot]')")
    pictures.add_argument("--animate", metavar="GIF", help="2-D data: the boundary as it learns")
    pictures.add_argument("--plot", metavar="PNG", help="loss and accuracy per epoch")
    pictures.add_argument("--plot-weights", metavar="PNG", help="images: first-layer weights")
    pictures.add_argument("--plot-confusion", metavar="PNG", help="the test confusion matrix")
    pictures.add_argument("--plot-mistakes", metavar="PNG", help="images: worst test mistakes")
    _output_options(train)

    evaluate_ = commands.add_parser(
        "evaluate", help="test a saved model on a data set's test split"
    )
    evaluate_.add_argument("model", metavar="MODEL")
    evaluate_.add_argument("dataset", metavar="DATASET")
    evaluate_.add_argument("--seed", type=int, default=None, help="split seed (the training one)")
    _data_options(evaluate_)
    _output_options(evaluate_)

    predict = commands.add_parser(
        "predict", help="predict for the rows of a .csv, .parquet or .npy file"
    )
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument(
        "input", metavar="INPUT", help="a .csv (header row), .parquet or .npy file"
    )
    predict.add_argument("-o", "--output", metavar="FILE", help="write a .csv here (else stdout)")

    explain_ = commands.add_parser(
        "explain",
        help="one training step with every number shown (the XOR walkthrough)",
        description=(
            "Without MODEL: one step of the XOR tutorial's 2-3-2 sigmoid network on the truth "
            "table, forward, loss, backward (chain rule) and update, with the library's own "
            "numbers. With MODEL INPUT: one step of a saved model on rows of INPUT (a data set "
            "name, a .csv with the target column, or a .npy with --labels). With --descent: "
            "gradient descent on f(x) = x^2 - 4x + 5, drawn on the curve."
        ),
    )
    explain_.add_argument("model", nargs="?", metavar="MODEL")
    explain_.add_argument("input", nargs="?", metavar="INPUT")
    explain_.add_argument("--hidden", type=_positive_int, default=3, help="hidden neurons (3)")
    explain_.add_argument("--seed", type=int, default=0)
    explain_.add_argument(
        "--lr", type=_positive_float, help="learning rate (1.0; 0.01 for a model)"
    )
    explain_.add_argument(
        "--l2", type=_non_negative_float, help="L2 strength (1e-4; 0 for a model)"
    )
    explain_.add_argument("--steps", type=_positive_int, default=1, help="show the last of K steps")
    explain_.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    explain_.add_argument("--rows", type=_positive_int, default=4, help="rows of INPUT to use (4)")
    explain_.add_argument("--labels", help="a .npy of targets for a .npy INPUT")
    explain_.add_argument("--descent", metavar="PNG", help="draw gradient descent on a parabola")
    _data_options(explain_)

    info = commands.add_parser("info", help="show a saved model's layers and metadata")
    info.add_argument("model", metavar="MODEL")
    info.add_argument("--json", action="store_true", help="print the metadata as JSON")

    playground = commands.add_parser(
        "playground", help="watch a network learn in the browser (needs glassnet[playground])"
    )
    playground.add_argument("--port", type=int, default=8000, help="port (8000)")
    playground.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this computer only)"
    )
    playground.add_argument("--open", action="store_true", help="open the page in a browser")

    export_ = commands.add_parser(
        "export", help="write a saved model in another format (ONNX; needs glassnet[onnx])"
    )
    export_.add_argument("model", metavar="MODEL")
    export_.add_argument("--onnx", metavar="FILE", required=True, help="the .onnx file to write")
    export_.add_argument(
        "--no-preprocessing",
        action="store_true",
        help="leave the model's input standardisation out (the ONNX model then takes scaled rows)",
    )
    return parser


def _data_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", help="where MNIST-style files are (else GLASSNET_DATA_DIR)")
    command.add_argument("--target", help="target column of a .csv table (default: the last)")
    command.add_argument(
        "--target-file",
        metavar="NPY",
        help="the targets of a .npy DATASET (read from disk, not into memory; its last rows "
        "are the test rows)",
    )
    command.add_argument(
        "--test-fraction", type=_probability, help="rows held out for testing (0.2; not MNIST)"
    )
    command.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="task of a .csv table (default: auto)",
    )


def _output_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--quiet", action="store_true", help="no progress, only the result")
    command.add_argument("--json", action="store_true", help="print one JSON summary on stdout")


# ------------------------------------------------------------------------------- train
def _load_dataset(
    name: str,
    args: argparse.Namespace,
    seed: int,
    n_samples=None,
    noise=None,
    test_fraction=None,
    contract: dict | None = None,
) -> Dataset:
    """The data set ``name``; for a saved model, ``contract`` (from :func:`_table_contract`) reads
    a table its way: its target, task, columns by name and classes."""
    fraction = args.test_fraction if args.test_fraction is not None else test_fraction
    table = contract or {
        "target": args.target,
        "task": args.task,
        "missing": getattr(args, "missing", "error") != "error",
    }
    if name.lower().endswith(ARRAY_SUFFIX):
        table = {"target_file": args.target_file, "task": args.task}
        if contract:
            table.update(task=contract["task"], class_names=contract.get("class_names"))
    data = load(
        name,
        data_dir=args.data_dir,
        n_samples=n_samples,
        noise=noise,
        test_fraction=fraction if fraction is not None else 0.2,
        seed=seed,
        progress=not getattr(args, "quiet", False),
        **table,
    )
    _note_ignored(name, data.extra.get("ignored_columns"))
    return data


def _table_contract(args: argparse.Namespace, network: Network, source: str) -> dict | None:
    """How a model trained on a table reads the table ``source``: its target column, task,
    feature columns (by name) and classes. Options that contradict the model are refused."""
    meta = network.metadata
    if source.lower().endswith(ARRAY_SUFFIX) and meta.get("task"):
        return {"task": meta["task"], "class_names": meta.get("class_names")}
    target = meta.get("target")
    if target is None or not is_table(source):
        return None
    if args.target is not None and args.target != target:
        raise ValueError(
            f"model {args.model} was trained to predict column {target!r}, not {args.target!r}: "
            f"leave --target out, or use a model trained for {args.target!r}"
        )
    task = meta.get("task", "classification")
    if args.task not in ("auto", task):
        raise ValueError(f"model {args.model} is a {task} model; --task {args.task} contradicts it")
    contract = {
        "target": target,
        "task": task,
        "features": meta.get("feature_names"),
        "missing": network.layers[0].accepts_missing,
    }
    if task == "classification":
        contract["class_names"] = meta.get("class_names")
    contract["categories"] = model_categories(network)
    if meta.get("text_target"):
        contract["categories"][target] = meta.get("class_names")
    return contract


def model_categories(network: Network) -> dict[str, list[str]]:
    """A table model's text columns and their categories, by column name (its OneHot brick)."""
    names = network.metadata.get("feature_names") or []
    for layer in network.layers:
        if isinstance(layer, OneHot) and len(names) == layer.width:
            return {names[column]: values for column, values in layer.categories.items()}
    return {}


def _note_ignored(source: str, columns: list[str] | None) -> None:
    if columns:
        print(
            f"glassnet: note: {source}: column{'s' if len(columns) > 1 else ''} "
            f"{', '.join(columns)} {'are' if len(columns) > 1 else 'is'} not among the model's "
            "features and ignored",
            file=sys.stderr,
        )


def _targets(loss: str, data: Dataset, y: np.ndarray) -> np.ndarray:
    """One-hot rows when a classifier is trained with a regression loss (the XOR tutorial)."""
    if data.task == "classification" and loss in ("mse", "mae"):
        return one_hot(y, data.n_outputs)
    return y


def _metric_text(metrics: dict[str, float]) -> str:
    parts = []
    for key, value in metrics.items():
        parts.append(f"{key} {value:.2%}" if key == "accuracy" else f"{key} {value:.4g}")
    return ", ".join(parts)


def command_train(args: argparse.Namespace) -> int:
    name = args.dataset or TUTORIAL_DATASET
    recipe = recipe_for(name).with_options(
        hidden=tuple(args.hidden) if args.hidden else None,
        activation=args.activation,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        l2=args.l2,
        dropout=args.dropout,
        validation_fraction=args.validation_fraction,
        scale_target=args.scale_target,
    )
    data = _load_dataset(name, args, args.seed, args.n_samples, args.noise)
    loss = args.loss or recipe.loss or data.loss
    categories = {  # text columns: by position among the features
        data.feature_names.index(name): names
        for name, names in data.extra.get("categories", {}).items()
    }
    widths = [len(categories.get(i, [None])) for i in range(data.n_features)]  # one-hot blocks
    if categories and args.missing in ("mean", "median"):
        print(f"glassnet: note: empty cells of text columns are filled with their most frequent "
              f"category, not a {args.missing}", file=sys.stderr)  # fmt: skip
    network = mlp(
        [sum(widths), *recipe.hidden, data.n_outputs],
        activation=recipe.activation,
        output=recipe.output,
        init=recipe.init,
        dropout=recipe.dropout,
        seed=args.seed,
    )
    if recipe.standardize:  # tables: the scaling is part of the network
        scale_target = recipe.scale_target and data.task == "regression"
        network = scaled(
            network,
            inputs=data.X_train,
            targets=data.y_train if scale_target else None,
            missing=None if args.missing == "error" else args.missing.replace("-", "_"),
            categories=categories,
        )
    elif categories:
        raise ValueError(f"{name} has text columns, which only a .csv table's recipe encodes")
    X_train, X_test = data.X_train, data.X_test
    talk = not (args.quiet or args.json)
    if talk:
        print(f"glassnet {__version__}: {data.description}")
        print(f"on {machine.describe()}")
        where = f" ({data.extra['test_rows']})" if "test_rows" in data.extra else ""
        print(f"{len(data.X_train):,} training rows, {len(data.X_test):,} test rows{where}")
        print(network.summary())
        print(
            f"loss {loss}{f' + L2 (alpha={recipe.l2:g})' if recipe.l2 else ''}; "
            f"{recipe.optimizer}, learning rate {recipe.lr:g} ({recipe.schedule}), batch size "
            f"{recipe.batch_size or 'full'}, {recipe.epochs} epochs"
        )
    callbacks = []
    if args.animate:
        from glassnet.plot import BoundaryAnimation

        callbacks.append(
            BoundaryAnimation(
                X_train,
                data.y_train,
                args.animate,
                title=f"{name}: hidden {list(recipe.hidden)}, {recipe.activation}",
            )
        )
    image_pictures = args.plot_weights or args.plot_mistakes
    if image_pictures and len(data.input_shape) != 2:
        raise ValueError(f"--plot-weights and --plot-mistakes need image data; {name} is not")
    network.metadata.update(  # before training, so that checkpoints carry it too
        dataset=name,
        task=data.task,
        loss=loss,
        class_names=data.class_names,
        feature_names=data.feature_names,
        input_shape=list(data.input_shape),
        seed=args.seed,
        n_samples=args.n_samples,
        noise=args.noise,
        test_fraction=args.test_fraction,
        recipe=recipe.to_dict(),
    )
    if data.extra.get("target"):
        network.metadata["target"] = data.extra["target"]
        network.metadata["text_target"] = bool(data.extra.get("text_target"))
    if args.resume and not args.checkpoint:
        raise ValueError("--resume needs --checkpoint CKPT, the checkpoint to resume from")
    started = time.perf_counter()
    try:
        history = fit(
            network,
            X_train,
            _targets(loss, data, data.y_train),
            loss=loss,
            optimizer=get_optimizer(recipe.optimizer, recipe.lr),
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            l2=recipe.l2,
            schedule=get_schedule(recipe.schedule, recipe.lr, recipe.epochs),
            validation_fraction=recipe.validation_fraction or None,
            metrics=["accuracy"] if data.task == "classification" else None,
            seed=args.seed,
            progress=not args.quiet,
            callbacks=callbacks,
            guard=not args.no_guard,
            checkpoint=args.checkpoint,
            checkpoint_every=args.checkpoint_every,
            resume=args.resume,
        )
    except TrainingInterrupted as stop:
        again = " ".join(shlex.quote(part) for part in args.argv if part != "--resume")
        print(
            f"glassnet: interrupted in epoch {stop.epoch + 1} after step {stop.step}; checkpoint "
            f"saved to {stop.path}. Resume with:\n  glassnet {again} --resume",
            file=sys.stderr,
        )
        return 130
    seconds = time.perf_counter() - started
    written = [args.animate] if args.animate else []
    written += _train_pictures(args, network, history, data, X_test, name)
    test = evaluate(
        network,
        loss,
        X_test,
        _targets(loss, data, data.y_test),
        metrics=["accuracy"] if data.task == "classification" else ["mse", "mae", "r2"],
    )
    network.metadata["test"] = test
    saved = str(save(network, args.save)) if args.save else None
    summary = {
        "dataset": name,
        "task": data.task,
        "recipe": recipe.to_dict(),
        "n_train": len(data.X_train),
        "n_test": len(data.X_test),
        "parameters": network.n_params,
        "seconds": round(seconds, 3),
        "machine": machine.describe(),
        "epochs_run": history.epochs,
        "history": history.records,
        "test": test,
        "saved": saved,
        "pictures": written,
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    for path in written:
        print(f"wrote {path}")
    where = (
        "on the truth table" if name == TUTORIAL_DATASET else f"on {len(data.X_test):,} test rows"
    )
    print(f"test {_metric_text(test)} {where} | {seconds:.2f} s | {network.n_params:,} parameters")
    if name == TUTORIAL_DATASET and not args.quiet:
        for row, out, label in zip(X_test, network.predict(X_test), data.y_test, strict=True):
            print(
                f"  x = {row.astype(int).tolist()}  ->  h2 = [{out[0]:.3f}, {out[1]:.3f}]  "
                f"predicted {int(np.argmax(out))}, true {label}"
            )
    if saved:
        print(f"saved the model to {saved}")
    return 0


def _train_pictures(
    args, network, history, data: Dataset, X_test: np.ndarray, name: str
) -> list[str]:
    """Write the pictures asked for on the command line; return their paths."""
    if not (args.plot or args.plot_confusion or args.plot_weights or args.plot_mistakes):
        return []
    from glassnet import plot

    written = []
    if args.plot:
        written.append(plot.plot_curves(history, args.plot, title=f"{name}: learning curves"))
    if data.task != "classification":
        if args.plot_confusion:
            raise ValueError("--plot-confusion needs a classification data set")
        return [str(path) for path in written]
    proba = network.predict_proba(X_test)
    if args.plot_confusion:
        written.append(
            plot.plot_confusion(
                data.y_test, proba.argmax(axis=1), data.class_names, args.plot_confusion
            )
        )
    if args.plot_weights:
        written.append(plot.plot_weights(network, data.input_shape, args.plot_weights))
    if args.plot_mistakes:
        written.append(
            plot.plot_mistakes(
                data.X_test,
                data.y_test,
                proba,
                data.input_shape,
                data.class_names,
                args.plot_mistakes,
            )  # fmt: skip
        )
    return [str(path) for path in written]


# ------------------------------------------------------------------------------- evaluate
def command_evaluate(args: argparse.Namespace) -> int:
    network = load_model(args.model)
    meta = network.metadata
    seed = args.seed if args.seed is not None else meta.get("seed", 0)
    data = _load_dataset(
        args.dataset,
        args,
        seed,
        meta.get("n_samples"),
        meta.get("noise"),
        meta.get("test_fraction"),
        contract=_table_contract(args, network, args.dataset),
    )
    if data.n_features != network.in_features:
        raise ValueError(
            f"model {args.model} expects {network.in_features} input features, but data set "
            f"{args.dataset} has {data.n_features}"
        )
    loss = meta.get("loss", data.loss)
    if data.task == "classification" and network.out_features != data.n_outputs:
        raise ValueError(
            f"model {args.model} has {network.out_features} outputs, but data set "
            f"{args.dataset} has {data.n_outputs} classes"
        )
    metrics = ["accuracy"] if data.task == "classification" else ["mse", "mae", "r2"]
    if meta.get("task") not in (None, data.task):
        raise ValueError(
            f"model {args.model} is a {meta['task']} model, but {args.dataset} is read as a "
            f"{data.task} data set"
        )
    result = evaluate(
        network, loss, data.X_test, _targets(loss, data, data.y_test), metrics=metrics
    )
    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "dataset": args.dataset,
                    "test": result,
                    "n_test": len(data.X_test),
                }
            )
        )
    else:
        rows = f"{len(data.X_test):,} test rows"
        print(f"{args.model} on {args.dataset} ({rows}): {_metric_text(result)}")
    return 0


# ------------------------------------------------------------------------------- predict
def _read_input(path: Path, network: Network) -> np.ndarray:
    if not path.is_file():
        raise FileNotFoundError(f"input file {path} does not exist")
    if path.suffix == ".npy":
        try:
            X = np.load(path, allow_pickle=False, mmap_mode="r")  # read a batch at a time
        except ValueError as error:
            raise ValueError(f"{path}: not a readable .npy array ({error})") from None
        if X.ndim > 2:
            X = X.reshape(len(X), -1)
        if X.ndim == 1:
            X = X[None, :]
        return X
    if is_table(path):
        missing = network.layers[0].accepts_missing
        header, values, _ = read_table(path, missing=missing, categories=model_categories(network))
        wanted = network.metadata.get("feature_names")
        if not wanted:  # a model without column names takes the columns in their order
            return values
        X, ignored = select_columns(path, header, values, wanted)
        _note_ignored(str(path), ignored)
        return X
    raise ValueError(f"{path}: INPUT must be a .csv, .parquet or .npy file")


def command_predict(args: argparse.Namespace) -> int:
    network = load_model(args.model)
    X = _read_input(Path(args.input), network)
    if X.ndim != 2 or X.shape[1] != network.in_features:
        raise ValueError(
            f"model {args.model} expects {network.in_features} features per row, but "
            f"{args.input} has {X.shape[1] if X.ndim == 2 else X.shape}"
        )
    meta = network.metadata
    if meta.get("task", "classification") == "classification":
        proba = network.predict_proba(X)
        names = meta.get("class_names") or [str(k) for k in range(proba.shape[1])]
        header = ["prediction", *[f"p_{name}" for name in names]]
        rows = [[names[int(np.argmax(p))], *[f"{value:.6g}" for value in p]] for p in proba]
    else:
        outputs = network.predict(X)
        target = meta.get("target", "prediction")
        header = (
            [target]
            if outputs.shape[1] == 1
            else [f"{target}_{k}" for k in range(outputs.shape[1])]
        )
        rows = [[f"{value:.6g}" for value in row] for row in outputs]
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    finally:
        if args.output:
            out.close()
    if args.output:
        print(f"wrote {len(rows):,} predictions to {args.output}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------- explain
def _explain_batch(args: argparse.Namespace, network: Network) -> tuple[np.ndarray, np.ndarray]:
    """The first ``--rows`` rows of INPUT and their targets, scaled as the model expects."""
    meta = network.metadata
    source = args.input
    if source in DATASETS or is_table(source) and meta.get("target") is None:
        data = _load_dataset(
            source,
            args,
            meta.get("seed", 0),
            meta.get("n_samples"),
            meta.get("noise"),
            meta.get("test_fraction"),
        )
        X, y, task, n_classes = data.X_test, data.y_test, data.task, data.n_outputs
    elif is_table(source):
        contract = _table_contract(args, network, source)
        header, values, _ = read_table(
            source, missing=contract["missing"], categories=contract["categories"]
        )
        target = contract["target"]
        if target not in header:
            raise ValueError(f"{source}: no target column {target!r}")
        features = contract["features"] or [c for c in header if c != target]
        X, ignored = select_columns(source, header, values, features)
        _note_ignored(source, [name for name in ignored if name != target])
        y_values = values[:, header.index(target)]
        task = contract["task"]
        names = contract.get("class_names") or []
        if task == "classification" and meta.get("text_target"):
            y = y_values.astype(np.int64)  # read as indices of the model's classes
        elif task == "classification":
            y = class_labels(source, target, y_values, names)
        else:
            y = y_values[:, None]
        n_classes = len(names)
    else:
        X = _read_input(Path(source), network)
        if args.labels is None:
            raise ValueError("a .npy INPUT needs --labels FILE.npy with its targets")
        y = np.load(args.labels, allow_pickle=False)
        task = meta.get("task", "classification")
        n_classes = network.out_features
    rows = slice(0, args.rows)
    X, y = X[rows], y[rows]
    if task == "classification" and meta.get("loss") in ("mse", "mae"):
        y = one_hot(y, n_classes)
    return X, y


def command_explain(args: argparse.Namespace) -> int:
    if args.descent:
        from glassnet.descent import gradient_descent, parabola
        from glassnet.plot import plot_descent

        lr = args.lr if args.lr is not None else 0.1
        iterates = gradient_descent(x0=-3.0, learning_rate=lr, steps=max(args.steps, 20))
        print(f"gradient descent on f(x) = x^2 - 4x + 5, x <- x - {lr:g} * (2x - 4), from x = -3")
        for step, x in enumerate(iterates):
            print(f"  step {step:2d}: x = {x: .6f}   f(x) = {parabola(x):.6f}")
        plot_descent(iterates, args.descent, learning_rate=lr)
        print(f"wrote {args.descent}")
        return 0
    if args.model is None:
        table = load(TUTORIAL_DATASET)
        X, labels = table.X_train, table.y_train
        y = one_hot(labels, 2)
        network = mlp(
            [2, args.hidden, 2],
            activation="sigmoid",
            output="sigmoid",
            init=XOR_TUTORIAL.init,
            seed=args.seed,
        )
        loss, lr = "mse", args.lr if args.lr is not None else XOR_TUTORIAL.lr
        l2 = args.l2 if args.l2 is not None else XOR_TUTORIAL.l2
        title = f"One training step of the XOR tutorial's 2-{args.hidden}-2 sigmoid network"
    else:
        if args.input is None:
            raise ValueError("explain MODEL needs INPUT: a data set name, a .csv or a .npy")
        network = load_model(args.model)
        X, y = _explain_batch(args, network)
        loss = network.metadata.get("loss", "cross_entropy")
        lr = args.lr if args.lr is not None else 0.01
        l2 = args.l2 if args.l2 is not None else 0.0
        title = f"One training step of {args.model} on {len(X)} rows of {args.input}"
    optimizer = get_optimizer("sgd", lr)
    for _ in range(args.steps - 1):
        train_step(network, get_loss(loss), optimizer, X, y, l2=l2)
    steps, header = explain_step(
        network, loss, X, y, learning_rate=lr, l2=l2, title=title, step=args.steps
    )
    sys.stdout.write(render(steps, header, args.format))
    if args.format == "json":
        sys.stdout.write("\n")
    return 0


# ------------------------------------------------------------------------------- info
def command_info(args: argparse.Namespace) -> int:
    network = load_model(args.model)
    meta = network.metadata
    if args.json:
        layers = [layer.config() for layer in network.layers]
        print(json.dumps({"layers": layers, "parameters": network.n_params, "metadata": meta}))
        return 0
    print(network.summary())
    for key in ("dataset", "task", "loss", "class_names", "feature_names", "target"):
        if meta.get(key):
            value = meta[key]
            print(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    for column, names in model_categories(network).items():  # what ONNX's inputs are indices of
        print(f"categories of {column}: " + ", ".join(f"{k} {n}" for k, n in enumerate(names)))
    if meta.get("test"):
        print(f"test: {_metric_text(meta['test'])}")
    if meta.get("recipe"):
        print("recipe: " + ", ".join(f"{k}={v}" for k, v in meta["recipe"].items()))
    return 0


def command_export(args: argparse.Namespace) -> int:
    from glassnet.onnx import OPSET, export

    network = load_model(args.model)
    path = export(network, args.onnx, include_preprocessing=not args.no_preprocessing)
    standardized = any(isinstance(layer, Standardize) for layer in network.layers)
    scaled = "standardised inside" if standardized else "as given"
    if args.no_preprocessing and standardized:
        scaled = "already standardised"
    print(
        f"wrote {path} (ONNX opset {OPSET}): input 'input' (batch, {network.in_features}) "
        f"{network.dtype.name}, {scaled}; output 'output' (batch, {network.out_features})"
    )
    return 0


def command_playground(args: argparse.Namespace) -> int:
    from glassnet.playground import serve

    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, got {args.port}")
    serve(args.host, args.port, open_browser=args.open)
    return 0


# ------------------------------------------------------------------------------- entry point
COMMANDS = {
    "train": command_train,
    "evaluate": command_evaluate,
    "predict": command_predict,
    "explain": command_explain,
    "info": command_info,
    "export": command_export,
    "playground": command_playground,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # to print a resume command
    if args.command is None:
        parser.print_help(sys.stdout)
        return 0
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        if os.environ.get("GLASSNET_DEBUG"):
            raise
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout stopped early (| head): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that Python's final flush does not fail
        return 0
    except (ValueError, TypeError, OSError, ImportError, ArithmeticError) as error:
        if os.environ.get("GLASSNET_DEBUG"):  # the full traceback, for bug reports
            raise
        message = " ".join(str(error).split())  # one line, whatever the error held
        print(f"glassnet: error: {message}", file=sys.stderr)
        return 1
