"""The ``glassnet`` command line: a thin shell over the library.

Every command is a few calls to public functions (``datasets.load``, ``mlp``, ``fit``,
``evaluate``, ``save``/``load``), so anything it does a script can do too. The parser is in
:mod:`glassnet.cli.options`, each command in a module of its own.
"""

from __future__ import annotations

import os
import sys

from glassnet.cli.data import model_categories
from glassnet.cli.evaluate import command_evaluate
from glassnet.cli.explain import command_explain
from glassnet.cli.export import command_export
from glassnet.cli.info import command_info
from glassnet.cli.lr_find import command_lr_find
from glassnet.cli.options import build_parser
from glassnet.cli.playground import command_playground
from glassnet.cli.predict import command_predict
from glassnet.cli.train import command_train

# ------------------------------------------------------------------------------- entry point
COMMANDS = {
    "train": command_train,
    "lr-find": command_lr_find,
    "evaluate": command_evaluate,
    "predict": command_predict,
    "explain": command_explain,
    "info": command_info,
    "export": command_export,
    "playground": command_playground,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code. A
    bad argument or input is one line on stderr, never a traceback."""
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


__all__ = ["COMMANDS", "build_parser", "main", "model_categories"]
