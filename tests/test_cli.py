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
