"""The command line's parser: its commands, their options, and the option types."""

from __future__ import annotations

import argparse

import numpy as np

from glassnet import __version__
from glassnet.datasets import DATASETS
from glassnet.features import FEATURES
from glassnet.layers import HIDDEN_ACTIVATIONS
from glassnet.schedules import SCHEDULES


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


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    return _number(text, minimum=1, inclusive=True, kind=int)


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    return _number(text, minimum=0, inclusive=False)


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    return _number(text, minimum=0, inclusive=True)


def probability(text: str) -> float:
    """An argparse type: a number in [0, 1) (0: none)."""
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return value


def open_probability(text: str) -> float:
    """An argparse type: a number in (0, 1), a share that must leave rows on both sides."""
    value = non_negative_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text}")
    return value


#: The train options whose default is the data set's recipe (``glassnet.recipes``).
RECIPE_OPTIONS = frozenset({
    "hidden", "activation", "loss", "epochs", "batch_size", "lr", "optimizer", "schedule", "l2",
    "l1", "dropout", "validation_fraction", "input_dropout", "max_norm", "weight_decay",
    "clip_norm", "warmup", "augment",
})  # fmt: skip


class _DefaultsShown(argparse.HelpFormatter):
    """Help that gives each option's default: its value, or "the recipe" (``train`` lists the
    recipes below its options). Paragraphs are wrapped one by one; indented lines are kept."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            if paragraph.startswith("  ") or "\n  " in paragraph:  # a list: kept as written
                paragraphs.append(paragraph)
            else:
                paragraphs.append(super()._fill_text(paragraph, width, indent))
        return "\n\n".join(paragraphs)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.option_strings == [] or action.nargs == 0:
            return text
        recipe = self._prog.endswith((" train", " lr-find"))
        if recipe and action.dest in RECIPE_OPTIONS and action.default is None:
            return f"{text} (default: the data set's recipe, below)".strip()
        if action.default not in (None, argparse.SUPPRESS):
            return f"{text} (default: {action.default})".strip()
        return text


def recipes_text() -> str:
    """Every data set's recipe, a line each: the defaults ``train`` takes."""
    from glassnet.recipes import RECIPES, XOR_TUTORIAL

    def line(name, recipe) -> str:
        hidden = " ".join(map(str, recipe.hidden)) or "none"
        batch = recipe.batch_size or "full"
        settings = (("l2", recipe.l2), ("l1", recipe.l1), ("dropout", recipe.dropout),
                    ("input dropout", recipe.input_dropout), ("max norm", recipe.max_norm),
                    ("weight decay", recipe.weight_decay), ("clip norm", recipe.clip_norm),
                    ("warm-up epochs", recipe.warmup))  # fmt: skip
        extra = "".join(f", {key} {value:g}" for key, value in settings if value)
        extra += ", batch norm" * recipe.batch_norm
        extra += f", augment {recipe.augment}" if recipe.augment else ""
        return (f"{name}: hidden {hidden}, {recipe.activation}, {recipe.optimizer} lr "
                f"{recipe.lr:g} {recipe.schedule}, {recipe.epochs} epochs, batch {batch}, "
                f"validation {recipe.validation_fraction:g}{extra}")  # fmt: skip

    lines = ["recipes (the defaults of the options that say 'the data set's recipe'):",
             line("(no DATASET) the XOR tutorial", XOR_TUTORIAL)]  # fmt: skip
    lines += [line(".csv/.parquet/.npy" if name == "csv" else name, recipe)
              for name, recipe in RECIPES.items()]  # fmt: skip
    return "\n  ".join(lines)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (and exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``glassnet`` argument parser with every command and option."""
    parser = _Parser(
        prog="glassnet",
        description="Neural networks you can see through: train and inspect MLPs.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.add_parser = _with_defaults_shown(commands.add_parser)

    _add_train(commands)
    _add_lr_find(commands)
    _add_model_commands(commands)
    _add_explain(commands)
    _add_tools(commands)
    return parser


def _with_defaults_shown(add_parser):
    def add(*args, **kwargs):
        return add_parser(*args, formatter_class=_DefaultsShown, **kwargs)

    return add


TRAIN_DESCRIPTION = (
    f"Train a multilayer perceptron. DATASET is one of {', '.join(DATASETS)}, a path to a .csv "
    "or .parquet table, or a .npy of features with --target-file. Without DATASET: the XOR "
    "tutorial's network (2 inputs, 3 sigmoid hidden neurons, 2 sigmoid outputs, mean squared "
    "error plus L2, fan-in-uniform init, full-batch gradient descent) on the XOR truth table. "
    "Every option not given takes the data set's recipe value (listed below).\n\n"
    "A table's target is a classification when it holds text, or whole numbers with at most 50 "
    "distinct values; otherwise a regression (--task says which)."
)
EXPLAIN_DESCRIPTION = (
    "Without MODEL: one step of the XOR tutorial's 2-3-2 sigmoid network on the truth table, "
    "forward, loss, backward (chain rule) and update, with the library's own numbers. With MODEL "
    "INPUT: one step of a saved model on rows of INPUT (a data set name, a .csv with the target "
    "column, or a .npy with --labels). With --descent: gradient descent on f(x) = x^2 - 4x + 5, "
    "drawn on the curve."
)


def _add_train(commands) -> None:
    """``train`` and its options."""
    purpose = "train a network on a data set (none: the XOR tutorial's 2-3-2 network)"
    train = commands.add_parser("train", help=purpose, description=TRAIN_DESCRIPTION,
                                epilog=recipes_text())  # fmt: skip
    _recipe_options(train)
    train.add_argument("--save", metavar="MODEL", help="save the trained model (.npz)")
    train.add_argument("--no-guard", action="store_true", help="do not stop on NaN/exploding")
    train.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="write the training state here every epoch and on Ctrl-C (resume with --resume)",
    )
    train.add_argument(
        "--checkpoint-every", type=positive_int, default=1, metavar="N", help="epochs (1)"
    )
    train.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    pictures = train.add_argument_group("pictures (need: pip install 'glassnet[plot]')")
    pictures.add_argument("--animate", metavar="GIF", help="2-D data: the boundary as it learns")
    pictures.add_argument("--plot", metavar="PNG", help="loss and accuracy per epoch")
    pictures.add_argument("--plot-weights", metavar="PNG", help="images: first-layer weights")
    pictures.add_argument("--plot-confusion", metavar="PNG", help="the test confusion matrix")
    pictures.add_argument("--plot-mistakes", metavar="PNG", help="images: worst test mistakes")
    output_options(train)


def _recipe_options(parser) -> None:
    """The data set and the recipe's options, shared by ``train`` and ``lr-find``."""
    parser.add_argument("dataset", nargs="?", default=None, metavar="DATASET")
    parser.add_argument("--hidden", type=positive_int, nargs="+", help="hidden layer sizes")
    parser.add_argument(
        "--activation",
        choices=list(HIDDEN_ACTIVATIONS),
        help="hidden activation",
    )
    parser.add_argument(
        "--loss", choices=["cross_entropy", "mse", "mae"], help="loss (default: the data set's)"
    )
    parser.add_argument("--epochs", type=positive_int, help="passes over the training rows")
    parser.add_argument("--batch-size", type=positive_int, help="samples per step (1: per-sample)")
    parser.add_argument("--lr", type=positive_float, help="learning rate")
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam", "adamw"],
                       help="update rule")  # fmt: skip
    parser.add_argument("--weight-decay", type=non_negative_float,
                       help="the optimizer's weight decay, as PyTorch's (adamw: decoupled; "
                       "none given: 0, or 0.01 for adamw)")  # fmt: skip
    parser.add_argument("--schedule", choices=list(SCHEDULES), help="learning-rate schedule")
    parser.add_argument("--warmup", type=positive_float, metavar="EPOCHS",
                       help="raise the learning rate linearly from 0 over these first epochs, "
                       "step by step")  # fmt: skip
    parser.add_argument("--clip-norm", type=positive_float,
                       help="before each update, scale the gradient down to this norm when it "
                       "is longer")  # fmt: skip
    parser.add_argument("--l2", type=non_negative_float, help="L2 (Ridge) strength")
    parser.add_argument("--l1", type=non_negative_float, help="L1 (Lasso) strength")
    parser.add_argument(
        "--features",
        nargs="+",
        choices=list(FEATURES),
        metavar="NAME",
        help="for 2-column data: the columns the network sees, among "
        + ", ".join(FEATURES)
        + " (a Features brick the model carries)",
    )
    parser.add_argument("--dropout", type=probability, help="dropout after each hidden layer")
    parser.add_argument("--input-dropout", type=probability, help="dropout of the inputs")
    parser.add_argument(
        "--max-norm",
        type=positive_float,
        help="after each step, scale each unit's incoming weights to a norm of at most this",
    )
    parser.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None,
                       help="a batch normalisation between each hidden layer and its "
                       "activation")  # fmt: skip
    parser.add_argument("--augment", choices=["shift"],
                       help="images: move each training image by up to 2 pixels each way "
                       "(1 for images under 20 pixels), anew every epoch")  # fmt: skip
    parser.add_argument(
        "--validation-fraction", type=probability, help="training rows held out (0: none)"
    )
    parser.add_argument(
        "--missing",
        choices=["error", "mean", "median", "most-frequent"],
        default="error",
        help="empty cells of a .csv's features: an error (default), or filled with the training "
        "rows' column mean, median or most frequent value, kept in the model",
    )
    parser.add_argument(
        "--scale-target",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a .csv regression learns its target standardised, predicts it in its own units "
        "(default: on)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    data_options(parser)
    parser.add_argument("--n-samples", type=positive_int, help="size of a synthetic data set")
    parser.add_argument("--noise", type=non_negative_float, help="noise of a synthetic data set")


def _add_lr_find(commands) -> None:
    """``lr-find``: the learning-rate range test."""
    purpose = "sweep the learning rate over a few hundred steps and suggest one"
    finder = commands.add_parser(
        "lr-find", help=purpose, epilog=recipes_text(),
        description="The learning-rate range test (Smith, 2015): train the data set's recipe "
        "network (with the options given) for STEPS steps while the learning rate grows "
        "geometrically from --min-lr to --max-lr, and report the loss at each. The suggestion "
        "is where the smoothed loss falls fastest. Nothing is saved: the network is thrown "
        "away afterwards.",
    )  # fmt: skip
    _recipe_options(finder)
    finder.add_argument("--min-lr", type=positive_float, default=1e-6, help="first rate")
    finder.add_argument("--max-lr", type=positive_float, default=10.0, help="last rate")
    finder.add_argument("--steps", type=positive_int, default=200, help="steps of the sweep")
    finder.add_argument("--plot", metavar="PNG",
                        help="draw the loss against the learning rate (needs glassnet[plot])")
    output_options(finder)


def _add_model_commands(commands) -> None:
    """``evaluate`` and ``predict``: a saved model on data."""
    evaluate_ = commands.add_parser(
        "evaluate", help="score a saved model on a data set's test split or a labelled file"
    )
    evaluate_.add_argument("model", metavar="MODEL")
    evaluate_.add_argument("dataset", metavar="DATASET")
    evaluate_.add_argument("--seed", type=int, default=None, help="split seed (the training one)")
    evaluate_.add_argument(
        "--rows",
        choices=["auto", "test", "all"],
        default="auto",
        help="rows scored: 'test' the held-out split, 'all' every row (a separate labelled "
        "test file); 'auto' (default) takes the split for the model's own training data and "
        "every row for any other file",
    )
    data_options(evaluate_)
    output_options(evaluate_)

    predict = commands.add_parser(
        "predict",
        help="predict for the rows of a .csv, .parquet or .npy file",
        description="Predict for every row of INPUT, one output row per input row, as CSV. A "
        "classifier writes the columns prediction (the class's name) and p_NAME (its "
        "probability) for each class; a regressor writes the target's column name (or "
        "prediction), or TARGET_0, TARGET_1, ... for several outputs, in the target's units.",
    )
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument(
        "input", metavar="INPUT", help="a .csv (header row), .parquet or .npy file"
    )
    predict.add_argument("-o", "--output", metavar="FILE", help="write a .csv here (else stdout)")


def _add_explain(commands) -> None:
    """``explain``: one step with every number."""
    purpose = "one training step with every number shown (the XOR walkthrough)"
    explain_ = commands.add_parser("explain", help=purpose, description=EXPLAIN_DESCRIPTION)
    explain_.add_argument("model", nargs="?", metavar="MODEL")
    explain_.add_argument("input", nargs="?", metavar="INPUT")
    explain_.add_argument("--hidden", type=positive_int, default=3, help="hidden neurons")
    explain_.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    explain_.add_argument("--lr", type=positive_float, help="learning rate (1.0; 0.01 for a model)")
    explain_.add_argument("--l2", type=non_negative_float, help="L2 strength (1e-4; 0 for a model)")
    explain_.add_argument("--l1", type=non_negative_float, default=0.0, help="L1 strength")
    explain_.add_argument("--steps", type=positive_int, default=1, help="show the last of K steps")
    explain_.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                          help="how the walkthrough is printed")
    explain_.add_argument("--rows", type=positive_int, default=4, help="rows of INPUT to use")
    explain_.add_argument("--labels", help="a .npy of targets for a .npy INPUT")
    explain_.add_argument("--descent", metavar="PNG", help="draw gradient descent on a parabola")
    data_options(explain_)


def _add_tools(commands) -> None:
    """``info``, ``playground`` and ``export``."""
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
    playground.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name the page may be reached by (repeatable); requests for names "
        "other than these, the loopback names and --host are refused",
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


def data_options(command: argparse.ArgumentParser) -> None:
    """Add the options that say how DATASET is read (data directory, target, test split, task)."""
    command.add_argument("--data-dir", help="where MNIST-style files are (else GLASSNET_DATA_DIR)")
    command.add_argument("--target", help="target column of a .csv table (default: the last)")
    command.add_argument(
        "--target-file",
        metavar="NPY",
        help="the targets of a .npy DATASET (read from disk, not into memory; its last rows "
        "are the test rows)",
    )
    command.add_argument(
        "--test-fraction",
        type=open_probability,
        help="rows held out for testing, in (0, 1) (default: the model's, else 0.2; MNIST keeps "
        "its own test set)",
    )
    command.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="task of a .csv table (default: auto)",
    )


def output_options(command: argparse.ArgumentParser) -> None:
    """Add ``--quiet`` and ``--json``."""
    command.add_argument("--quiet", action="store_true", help="no progress, only the result")
    command.add_argument("--json", action="store_true", help="print one JSON summary on stdout")
