import subprocess
import sys

import glassnet


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *args], capture_output=True, text=True, timeout=120
    )


def test_version_matches_package():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"glassnet {glassnet.__version__}"
    assert glassnet.__version__ != "0.0.0"


def test_help_lists_usage():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "usage: glassnet" in result.stdout


def test_train_with_no_arguments_learns_the_xor_table():
    result = run_cli("train")
    assert result.returncode == 0, result.stderr
    assert "accuracy on the truth table: 100.0%" in result.stdout
    assert "dense1" in result.stdout and "17 trainable parameters" in result.stdout
    # the loss is printed every few epochs while it learns
    assert result.stderr.count("loss") >= 10


def test_train_quiet_on_gaussian_points():
    result = run_cli("train", "--points", "200", "--hidden", "20", "--epochs", "50", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "accuracy on the held-out points" in result.stdout
    assert result.stderr == ""


def test_bad_option_is_one_clear_line():
    result = run_cli("train", "--lr", "-1")
    assert result.returncode == 2
    assert "argument --lr: expected a finite number > 0, got -1" in result.stderr
    assert "Traceback" not in result.stderr
