"""Data larger than memory: a memory-mapped .npy is read a batch at a time, never whole."""

import json
import tracemalloc

import numpy as np
import pytest
from test_contract import assert_one_line_error, run_cli

from glassnet._mapped import is_memory_mapped, read_at_random
from glassnet.network import mlp
from glassnet.train import evaluate, fit


def mapped(tmp_path, array, name="X.npy"):
    np.save(tmp_path / name, array)
    return np.load(tmp_path / name, mmap_mode="r")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_a_mapped_array_trains_as_the_same_array_in_memory(tmp_path, dtype):
    rng = np.random.default_rng(0)
    X = (rng.random((2000, 12)) * 4).astype(dtype)
    y = (X[:, 0] > 2).astype(np.int64)
    networks = []
    for data in (X, mapped(tmp_path, X)):
        network = mlp([12, 8, 2], seed=0)
        fit(network, data, y, loss="cross_entropy", epochs=2, batch_size=64, seed=3,
            validation_fraction=0.1, progress=False)  # fmt: skip
        networks.append(network)
    in_memory, from_file = networks
    for name, weights in in_memory.get_weights().items():  # same rows, same calls: same bits
        np.testing.assert_array_equal(weights, from_file.get_weights()[name])
    file_rows = mapped(tmp_path, X)
    assert evaluate(from_file, "cross_entropy", file_rows, y) == evaluate(
        in_memory, "cross_entropy", X, y
    )
    np.testing.assert_array_equal(from_file.predict(file_rows, batch_size=300),
                                  in_memory.predict(X, batch_size=300))  # fmt: skip


def test_training_from_a_file_does_not_copy_it(tmp_path):
    X = mapped(tmp_path, np.random.default_rng(1).normal(size=(100_000, 50)))  # 40 MB of float64
    y = np.zeros(len(X), dtype=np.int64)
    network = mlp([50, 4, 2], seed=0)
    tracemalloc.start()
    try:
        fit(network, X, y, loss="cross_entropy", epochs=1, batch_size=512, progress=False)
        network.predict(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB allocated for a 38 MB file"


def test_bad_values_in_a_file_are_found_with_their_place(tmp_path):
    X = np.ones((70_000, 3))
    X[68_000, 2] = 1e300  # beyond float32, in the second block checked
    with pytest.raises(ValueError, match="beyond the range of float32 \\(first at row 68000, "):
        fit(mlp([3, 2]), mapped(tmp_path, X), np.zeros(len(X), int), loss="cross_entropy",
            progress=False)  # fmt: skip


def test_views_of_a_file_are_known_and_read_at_random(tmp_path):
    X = mapped(tmp_path, np.arange(12.0).reshape(6, 2))
    assert is_memory_mapped(X) and is_memory_mapped(X[2:]) and is_memory_mapped(np.asarray(X))
    assert not is_memory_mapped(X[[0, 1]]) and not is_memory_mapped(np.ones(3))
    with read_at_random(X[1:]):
        assert X[[4, 1]].tolist() == [[8.0, 9.0], [2.0, 3.0]]


def test_the_command_line_trains_from_npy_files(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 5)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", (X[:, 0] + X[:, 1] > 0).astype(np.int64))
    model = tmp_path / "m.npz"
    trained = run_cli("train", tmp_path / "X.npy", "--target-file", tmp_path / "y.npy",
                      "--epochs", "5", "--save", model, "--json", "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["n_test"] == 600 and summary["test"]["accuracy"] > 0.95
    evaluated = run_cli("evaluate", model, tmp_path / "X.npy", "--target-file", tmp_path / "y.npy",
                        "--json")  # fmt: skip
    assert json.loads(evaluated.stdout)["test"] == summary["test"]
    predicted = run_cli("predict", model, tmp_path / "X.npy")
    assert len(predicted.stdout.splitlines()) == 3001
    assert_one_line_error(run_cli("train", tmp_path / "X.npy"), "needs its targets in another "
                          "file (--target-file y.npy)")  # fmt: skip
    np.save(tmp_path / "sorted.npy", np.sort((X[:, 0] > 0).astype(np.int64)))
    assert_one_line_error(run_cli("train", tmp_path / "X.npy", "--target-file",
                                  tmp_path / "sorted.npy"),
                          "the targets are in order", "shuffle the rows of both files")  # fmt: skip
    np.save(tmp_path / "short.npy", np.zeros(10))
    assert_one_line_error(run_cli("train", tmp_path / "X.npy", "--target-file",
                                  tmp_path / "short.npy"),
                          "targets must be numbers, one per row of X.npy (3,000)")  # fmt: skip
