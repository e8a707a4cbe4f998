"""The ``glassnet`` command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import sys

from glassnet import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks you can see through: train and inspect MLPs.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help(sys.stdout)
    return 0
