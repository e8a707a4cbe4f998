"""Bad input and faults: every case gets the documented error, and docs/robustness.md is the table
these tests produce (rewrite it with ``python tests/test_robustness.py``)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import glassnet
from glassnet import SGD, Adam, Dense, Dropout, Network, fit, mlp
from glassnet.checkpoint import TrainingPosition, load_checkpoint, save_checkpoint
from glassnet.diagnostics import TrainingDiverged
from glassnet.io import ModelFileError, temporary_prefix
from glassnet.network import OutputOverflow
from glassnet.sklearn import MLPClassifier, MLPRegressor

DOC = Path(__file__).resolve().parents[1] / "docs" / "robustness.md"


@dataclass
class Case:
    area: str
    what: str
    run: object  # () -> str | None: raises the expected error, or returns what happened
    expect: type[BaseException] | None  # None: must not raise (a fault that is survived)


def _fit(net, X, y, **options):
    options = {"loss": "cross_entropy", "epochs": 1, "progress": False, **options}
    return fit(net, X, y, **options)


def api_cases() -> list[Case]:
    net = mlp([3, 4, 2], seed=0)
    X, y = np.ones((5, 3)), np.array([0, 1, 0, 1, 0])
    area = "Python API"
    return [
        Case(area, "X with the wrong number of features", lambda: _fit(net, np.ones((5, 4)), y),
             ValueError),
        Case(area, "X 1-D where 2-D is needed", lambda: net.predict(np.ones(3)), ValueError),
        Case(area, "X 3-D", lambda: net.predict(np.ones((2, 3, 1))), ValueError),
        Case(area, "empty X", lambda: net.predict(np.ones((0, 3))), ValueError),
        Case(area, "ragged nested lists", lambda: net.predict([[1, 2, 3], [1, 2]]), ValueError),
        Case(area, "strings in X", lambda: net.predict(np.array([["a", "b", "c"]])), TypeError),
        Case(area, "complex X", lambda: _fit(net, X + 1j, y), TypeError),
        Case(area, "NaN in X (predict)", lambda: net.predict([[1.0, np.nan, 0.0]]), ValueError),
        Case(area, "Inf in X (fit)", lambda: _fit(net, np.where(np.eye(5, 3), np.inf, 1.0), y),
             ValueError),
        Case(area, "float64 X beyond float32's range (predict)",
             lambda: net.predict([[1.0, 1e39, 0.0]]), ValueError),
        Case(area, "NaN in y (regression)",
             lambda: _fit(net, X, np.full((5, 2), np.nan), loss="mse"), ValueError),
        Case(area, "label outside the class range", lambda: _fit(net, X, [0, 1, 2, 0, 1]),
             ValueError),
        Case(area, "fractional labels", lambda: _fit(net, X, [0, 0.5, 1, 0, 1]), ValueError),
        Case(area, "string labels", lambda: _fit(net, X, list("abaab")), TypeError),
        Case(area, "one-hot rows that do not sum to 1",
             lambda: _fit(net, X, np.full((5, 2), 0.7)), ValueError),
        Case(area, "binary targets outside [0, 1]",
             lambda: _fit(mlp([3, 2, 1]), X, [0, 1, 2, 0, 1], loss="binary_cross_entropy"),
             ValueError),
        Case(area, "X and y of different lengths", lambda: _fit(net, X, y[:3]), ValueError),
        Case(area, "a layer size of 0", lambda: mlp([3, 0, 2]), ValueError),
        Case(area, "Dense with a negative size", lambda: Dense(-1, 3), ValueError),
        Case(area, "epochs=0", lambda: _fit(net, X, y, epochs=0), ValueError),
        Case(area, "batch_size=-1", lambda: _fit(net, X, y, batch_size=-1), ValueError),
        Case(area, "learning rate 0", lambda: SGD(0.0), ValueError),
        Case(area, "learning rate NaN", lambda: Adam(float("nan")), ValueError),
        Case(area, "learning rate given as a string", lambda: SGD("0.1"), TypeError),
        Case(area, "dropout p=1", lambda: Dropout(1.0), ValueError),
        Case(area, "layers that do not connect", lambda: Network([Dense(3, 4), Dense(5, 2)]),
             ValueError),
        Case(area, "unknown activation", lambda: mlp([3, 4, 2], activation="rleu"), ValueError),
        Case(area, "unknown loss", lambda: _fit(net, X, y, loss="crossentropy"), ValueError),
        Case(area, "unknown optimizer",
             lambda: glassnet.optim.get_optimizer("adma", 0.1), ValueError),
        Case(area, "an optimizer given by name to fit", lambda: _fit(net, X, y, optimizer="adam"),
             TypeError),
        Case(area, "a scipy sparse matrix as X", lambda: net.predict(_sparse()), TypeError),
        Case(area, "inputs whose products overflow float32 (X = 1e30)",
             lambda: _fit(mlp([3, 4, 1], seed=0), np.full((5, 3), 1e30), np.ones((5, 1)),
                          loss="mse"), TrainingDiverged),
        Case(area, "a weight of float32's largest value (predict)", _largest_weight,
             OutputOverflow),
    ]  # fmt: skip


def _sparse():
    import scipy.sparse

    return scipy.sparse.csr_matrix(np.eye(2, 3))


def _largest_weight():
    net = mlp([3, 4, 2], seed=0)
    net.layers[0].params["W"][...] = np.finfo(np.float32).max
    return net.predict(np.ones((2, 3)))


def sklearn_cases() -> list[Case]:
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    fitted = MLPClassifier((4,), max_iter=5, random_state=0)
    with np.errstate(all="ignore"), pytest.warns(Warning):
        fitted.fit(X, y)
    area = "scikit-learn"
    return [
        Case(area, "wrong number of features at predict", lambda: fitted.predict(np.ones((2, 4))),
             ValueError),
        Case(area, "NaN in X", lambda: MLPClassifier().fit(np.full((4, 2), np.nan), [0, 1, 0, 1]),
             ValueError),
        Case(area, "continuous targets for the classifier",
             lambda: MLPClassifier().fit(X, X[:, 0]), ValueError),
        Case(area, "one class only", _one_class, None),
        Case(area, "negative alpha", lambda: MLPRegressor(alpha=-1).fit(X, X[:, 0]), ValueError),
        Case(area, "misspelt activation",
             lambda: MLPClassifier(activation="rleu").fit(X, y), ValueError),
        Case(area, "unknown solver", lambda: MLPRegressor(solver="newton").fit(X, X[:, 0]),
             ValueError),
        Case(area, "predict before fit", lambda: MLPRegressor().predict(X), NotFittedError),
    ]  # fmt: skip


def _one_class() -> str:
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.warns(Warning):  # (5 epochs: not converged)
        predicted = MLPClassifier(max_iter=5, random_state=0).fit(X, np.full(20, 7)).predict(X)
    assert set(predicted) == {7}
    return "fits and predicts that class, as scikit-learn's estimator does"


def cli_case(what: str, *args, code: int = 1) -> Case:
    def run():
        result = subprocess.run([sys.executable, "-m", "glassnet", *map(str, args)],
                                capture_output=True, text=True, timeout=600)  # fmt: skip
        lines = result.stderr.strip().splitlines()
        assert result.returncode == code, result.stderr
        assert len(lines) == 1 and lines[0].startswith("glassnet"), result.stderr
        return f"exit {result.returncode}: `{lines[0]}`"

    return Case("command line", what, run, None)


def cli_cases() -> list[Case]:
    Path("bad.csv").write_text("a,b,label\n1,2,0\n3,oops,1\n")
    Path("far.csv").write_text("a,b,label\n1,2,0\n3,1e200,1\n")
    Path("not_a_model.npz").write_bytes(b"hello")
    return [
        cli_case("unknown data set", "train", "spirlas"),
        cli_case("non-numeric CSV cell", "train", "bad.csv"),
        cli_case("missing model file", "evaluate", "missing.npz", "xor"),
        cli_case("a file that is not a model", "info", "not_a_model.npz"),
        cli_case("zero epochs", "train", "xor", "--epochs", "0", code=2),
        cli_case("negative learning rate", "train", "xor", "--lr", "-1", code=2),
        cli_case("a CSV value beyond float32's range", "train", "far.csv"),
        cli_case("diverging training (lr 1e6), nothing saved", "train", "spirals", "--lr", "1e6",
                 "--epochs", "5", "--optimizer", "sgd", "--save", "diverged.npz", "--quiet"),
    ]  # fmt: skip


def model_file_cases() -> list[Case]:
    net = mlp([3, 4, 2], seed=0)
    glassnet.save(net, "good.npz")
    raw = Path("good.npz").read_bytes()
    Path("truncated.npz").write_bytes(raw[: len(raw) // 2])
    np.savez("foreign.npz", weights=np.ones(3))
    _rewrite_header("newer.npz", raw, lambda header: {**header, "version": 99})
    _rewrite_array("wrong_shape.npz", raw, "dense1.W", np.ones((4, 4), np.float32))
    _object_array_file("pickled.npz")

    def huge(header):
        header["layers"][0].update(fan_in=20000, fan_out=20000)
        header["layers"][2].update(fan_in=20000)
        return header

    _rewrite_header("huge.npz", raw, huge)
    area = "model files"
    return [
        Case(area, "not a glassnet file (random bytes)",
             lambda: glassnet.load(_write("noise.npz", bytes(range(256)) * 2)), ModelFileError),
        Case(area, "an .npz without the glassnet header", lambda: glassnet.load("foreign.npz"),
             ModelFileError),
        Case(area, "written by a newer format version", lambda: glassnet.load("newer.npz"),
             ModelFileError),
        Case(area, "truncated file", lambda: glassnet.load("truncated.npz"), ModelFileError),
        Case(area, "array shapes that disagree with the architecture",
             lambda: glassnet.load("wrong_shape.npz"), ModelFileError),
        Case(area, "a pickled object array (code would run on unpickling)",
             lambda: glassnet.load("pickled.npz"), ModelFileError),
        Case(area, "a model where a checkpoint is expected", lambda: load_checkpoint("good.npz"),
             ModelFileError),
        Case(area, "missing file", lambda: glassnet.load("missing.npz"), FileNotFoundError),
        Case(area, "a 2.4 KB file whose header declares Dense(20000, 20000)",
             lambda: glassnet.load("huge.npz"), ModelFileError),
        Case(area, "a checkpoint changed after it was written (one weight)", _changed_checkpoint,
             ModelFileError),
    ]  # fmt: skip


def _changed_checkpoint():
    net = mlp([3, 4, 2], seed=0)
    save_checkpoint("run.ckpt", net, Adam(0.01), TrainingPosition(epoch=1, step=3))
    raw = Path("run.ckpt").read_bytes()
    weights = net.layers[0].params["W"].copy()
    weights[0, 0] += 1
    _rewrite_array("changed.ckpt", raw, "dense1.W", weights)
    return load_checkpoint("changed.ckpt")


def fault_cases() -> list[Case]:
    area = "faults"
    return [
        Case(area, "SIGKILL while writing a model (30 kills)", lambda: _kill_while_saving("model"),
             None),
        Case(area, "SIGKILL while writing a checkpoint (30 kills)",
             lambda: _kill_while_saving("checkpoint"), None),
        Case(area, "disk full while writing", _disk_full, OSError),
        Case(area, "unwritable destination directory", _unwritable, PermissionError),
        Case(area, "saving weights that hold NaN", _nan_weights, ValueError),
        Case(area, "destination is a directory", lambda: glassnet.save(mlp([2, 2]), "."),
             IsADirectoryError),
    ]  # fmt: skip


# ---------------------------------------------------------------------- helpers for the cases
def _write(name: str, data: bytes) -> str:
    Path(name).write_bytes(data)
    return name


def _members(raw: bytes) -> dict[str, bytes]:
    Path("_scratch.zip").write_bytes(raw)
    with zipfile.ZipFile("_scratch.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_members(name: str, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(name, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)


def _npy(array: np.ndarray) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _rewrite_header(name: str, raw: bytes, change) -> None:
    members = _members(raw)
    from io import BytesIO

    header = json.loads(str(np.load(BytesIO(members["__glassnet__.npy"]))))
    members["__glassnet__.npy"] = _npy(np.array(json.dumps(change(header))))
    _write_members(name, members)


def _rewrite_array(name: str, raw: bytes, key: str, value: np.ndarray) -> None:
    members = _members(raw)
    members[f"{key}.npy"] = _npy(value)
    _write_members(name, members)


class _Marker:
    """Unpickling this would create a file: the test shows it never happens."""

    def __reduce__(self):
        return (Path("unpickled.txt").write_text, ("code ran",))


def _object_array_file(name: str) -> None:
    members = _members(Path("good.npz").read_bytes())
    array = np.empty(1, dtype=object)
    array[0] = _Marker()
    members["dense1.W.npy"] = _npy_pickled(array)
    _write_members(name, members)


def _npy_pickled(array: np.ndarray) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _kill_while_saving(kind: str, kills: int = 30) -> str:
    """A child process saves two different networks in turn, forever; it is killed with SIGKILL
    at random moments. After every kill the file must load and be exactly one of the two."""
    path = Path(f"killed_{kind}.npz")
    nets = [mlp([784, 400, 400, 10], seed=seed) for seed in (1, 2)]  # 2.6 MB per file
    optimizer = SGD(0.1, momentum=0.9)
    optimizer.state = {"parameters": {"momentum_buffer": np.ones(nets[0].n_params, np.float32)}}
    expected = [net.get_weights() for net in nets]

    def write(net):
        if kind == "model":
            glassnet.save(net, path)
        else:
            save_checkpoint(path, net, optimizer, TrainingPosition())

    write(nets[0])
    rng = np.random.default_rng(0)
    mid_write = 0
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:  # the child: write until killed
            try:
                for turn in range(10**9):
                    write(nets[turn % 2])
            finally:
                os._exit(0)
        time.sleep(float(rng.uniform(0.005, 0.08)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        leftovers = list(Path(".").glob(f"{temporary_prefix(path)}*.tmp"))
        mid_write += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
        loaded = glassnet.load(path).get_weights()
        assert any(
            all(np.array_equal(loaded[k], weights[k]) for k in weights) for weights in expected
        ), "the file after a kill is neither of the two networks"
    assert mid_write > 0, "no kill landed during a write: the test did not test anything"
    return (
        f"the file loads and is exactly the previous or the new network after each of {kills} "
        "kills; a kill mid-write leaves only a hidden temporary file beside it"
    )


def _disk_full():
    glassnet.save(mlp([3, 2], seed=0), "full.npz")
    before = Path("full.npz").read_bytes()
    no_space = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    try:
        with mock.patch.object(os, "fsync", side_effect=no_space):
            glassnet.save(mlp([3, 2], seed=1), "full.npz")
    finally:
        assert Path("full.npz").read_bytes() == before, "the previous file changed"
        assert not list(Path(".").glob(".full.npz.*.tmp")), "a temporary file was left"


def _unwritable():
    Path("locked").mkdir(exist_ok=True)
    # what a read-only directory does (the tests may run as root)
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    with mock.patch.object(os, "open", side_effect=denied):
        glassnet.save(mlp([3, 2], seed=0), "locked/model.npz")


def _nan_weights():
    net = mlp([3, 2], seed=0)
    glassnet.save(net, "nan.npz")
    before = Path("nan.npz").read_bytes()
    net.layers[0].params["W"][0, 0] = np.nan
    try:
        glassnet.save(net, "nan.npz")
    finally:
        assert Path("nan.npz").read_bytes() == before


# ---------------------------------------------------------------------- running and the table
def run_case(case: Case) -> str:
    """Run one case, check it behaves as documented, and say what happened (for the table)."""
    if case.expect is None:
        return case.run()
    try:
        case.run()
    except case.expect as error:
        message = " ".join(str(error).split())
        assert message, f"{case.what}: an empty error message"
        return f"`{type(error).__name__}`: {message}"
    raise AssertionError(f"{case.what}: no {case.expect.__name__} was raised")


def all_cases() -> list[Case]:
    return api_cases() + sklearn_cases() + cli_cases() + model_file_cases() + fault_cases()


def render(rows: list[tuple[Case, str]]) -> str:
    lines = [
        "# Robustness: what bad input and faults give",
        "",
        "Produced by `tests/test_robustness.py` (rewrite with `python tests/test_robustness.py`;",
        "a test fails when this file and the behaviour disagree). Every error names the argument,",
        "what was expected and what was given; the command line turns each into one line on",
        "stderr and a non-zero exit code.",
        "",
        "| where | input or fault | what glassnet does |",
        "|---|---|---|",
    ]
    for case, outcome in rows:
        lines.append(f"| {case.area} | {case.what} | {outcome.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def produce_table(workdir: Path) -> str:
    here = Path.cwd()
    os.chdir(workdir)
    try:
        with np.errstate(all="ignore"):
            rows = [(case, run_case(case)) for case in all_cases()]
        assert not Path("unpickled.txt").exists(), "code ran while loading a pickled array"
        assert not Path("diverged.npz").exists(), "a diverged model was saved"
    finally:
        os.chdir(here)
    return render(rows)


@pytest.mark.filterwarnings("ignore")
def test_every_bad_input_and_fault_gets_the_documented_behaviour(tmp_path):
    table = produce_table(tmp_path)
    assert DOC.read_text() == table, (
        "docs/robustness.md is out of date: run python tests/test_robustness.py"
    )


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as directory:
        DOC.write_text(produce_table(Path(directory)))
    print(f"wrote {DOC}")
