import os

import numpy as np
import pytest

#: Environment variables of the user's that change what glassnet or its libraries do.
USER_SETTINGS = ("GLASSNET_DATA_DIR", "GLASSNET_DEBUG", "MPLBACKEND")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """Every test sees the same environment, whatever the user's shell holds: no data or cache
    directory of theirs (the cache is a fresh empty one), no debug switch, no tqdm settings, and
    one locale for the command-line tests' subprocesses."""
    for name in USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name in [name for name in os.environ if name.startswith("TQDM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
