"""Run scikit-learn's own MLP tests (``sklearn/neural_network/tests/test_mlp.py``, shipped
inside the installed package) against glassnet's estimators: the file is copied with only its
import of ``MLPClassifier, MLPRegressor`` switched to ``glassnet.sklearn``, and pytest runs it
with scikit-learn's fixtures. Prints pytest's summary; exits with pytest's code.

    python scripts/sklearn_own_tests.py [pytest options]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
import sklearn

ORIGINAL = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SWITCHED = "from glassnet.sklearn import MLPClassifier, MLPRegressor"


def switched_copy(folder: Path) -> Path:
    """scikit-learn's test_mlp.py in ``folder``, its estimators glassnet's."""
    source = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
    text = source.read_text(encoding="utf-8")
    if text.count(ORIGINAL) != 1:
        raise SystemExit(f"{source}: the import to switch is not there once; the test file changed")
    path = folder / "test_mlp_on_glassnet.py"
    path.write_text(text.replace(ORIGINAL, SWITCHED), encoding="utf-8")
    return path


def main(arguments: list[str]) -> int:
    print(f"scikit-learn {sklearn.__version__}'s test_mlp.py on glassnet's estimators")
    with tempfile.TemporaryDirectory() as folder:
        path = switched_copy(Path(folder))
        options = ["-q", "-p", "sklearn.conftest", "-p", "no:cacheprovider", "-rfE",
                   "-W", "default", "--rootdir", folder, *arguments]  # fmt: skip
        return int(pytest.main([str(path), *options]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
