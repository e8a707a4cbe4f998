"""The examples reach their stated targets (run as scripts, with their fixed seeds)."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name):
    return runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def test_xor_example_learns_the_table():
    result = run_example("xor.py")
    assert result["history"]["accuracy"][-1] == 1.0


def test_regression_example(capsys):
    result = run_example("regression.py")
    assert abs(result["x_star"] - 2.0) < 1e-3
    assert result["test_mse"] < 0.01
    printed = capsys.readouterr().out
    assert "step  1: x = -2.000000" in printed  # -3 - 0.1 * (2 * -3 - 4)


def test_spirals_example():
    result = run_example("spirals.py")
    assert result["test_accuracy"] >= 0.95
