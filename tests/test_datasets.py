import gzip
import hashlib
import http.server
import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import (
    DATASETS,
    DataFileError,
    circles,
    load,
    load_csv,
    load_digits,
    load_mnist,
    moons,
    one_hot,
    read_idx,
    sine,
    spirals,
    write_idx,
    xor,
    xor_table,
)
from glassnet.datasets.files import RemoteFile, locate

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


# ----------------------------------------------------------------------------- synthetic sets
@pytest.mark.parametrize("generator", [xor, spirals, moons, circles])
def test_classification_generators(generator):
    X, y = generator(120, seed=1)
    assert X.shape == (120, 2) and X.dtype == np.float64
    assert y.shape == (120,) and y.dtype == np.int64 and y.min() == 0
    assert np.all(np.isfinite(X))
    X2, y2 = generator(120, seed=1)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, generator(120, seed=2)[0])


def test_xor_labels_are_the_xor_of_signs():
    X, y = xor(500, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    X, y = xor_table()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]


def test_spirals_classes_and_noise():
    X, y = spirals(300, n_classes=4, noise=0.0, seed=0)
    assert set(y.tolist()) == {0, 1, 2, 3} and np.bincount(y).tolist() == [75] * 4
    assert np.abs(X).max() <= 1.0
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        spirals(10, noise=-1)
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        moons(0)


def test_circles_radii():
    X, y = circles(200, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 1], 0.3)
    np.testing.assert_allclose(radius[y == 0], 1.0)


def test_sine_is_regression():
    X, y = sine(100, seed=0)
    assert X.shape == (100, 1) and y.shape == (100, 1)
    np.testing.assert_allclose(y, np.sin(X))
    assert X.min() >= -3 and X.max() <= 3


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0])), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="labels must be in"):
        one_hot(np.array([3]), 2)


@pytest.mark.parametrize("name", ["xor", "spirals", "moons", "circles", "sine"])
def test_load_synthetic_keeps_a_test_split(name):
    data = load(name, n_samples=200, seed=3)
    assert len(data.X_train) == 160 and len(data.X_test) == 40
    train_rows = {tuple(row) for row in data.X_train}
    assert not any(tuple(row) in train_rows for row in data.X_test)
    assert data.task == ("regression" if name == "sine" else "classification")
    assert data.loss == ("mse" if name == "sine" else "cross_entropy")


def test_load_unknown_name_suggests():
    with pytest.raises(ValueError, match="unknown data set 'spiral'.*did you mean 'spirals'"):
        load("spiral")
    assert "mnist" in DATASETS and "fashion-mnist" in DATASETS


# ----------------------------------------------------------------------------- IDX files
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, suffix):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / f"images{suffix}", images)
    np.testing.assert_array_equal(read_idx(tmp_path / f"images{suffix}"), images)


def test_idx_truncated_and_bad_files_are_named(tmp_path):
    path = tmp_path / "images"
    write_idx(path, np.zeros((5, 2, 2), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    with pytest.raises(DataFileError, match=r"images: IDX file is truncated.*\(5, 2, 2\)"):
        read_idx(path)
    path.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(DataFileError, match="not an IDX file"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0\0\0\0")
    with pytest.raises(DataFileError, match="value type 0x0d is not supported"):
        read_idx(path)
    gz = tmp_path / "images.gz"
    write_idx(gz, np.zeros((50, 10, 10), dtype=np.uint8))
    gz.write_bytes(gz.read_bytes()[:30])
    with pytest.raises(DataFileError, match="images.gz: cannot be decompressed"):
        read_idx(gz)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.gz")


# ----------------------------------------------------------------------------- small MNIST
def make_small_mnist(directory: Path, n_train=12, n_test=5, seed=0):
    """Write four small MNIST-style files; return the table of RemoteFiles with their checksums."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": ("train-images-idx3-ubyte.gz", rng.integers(0, 256, (n_train, 28, 28))),
        "train_labels": ("train-labels-idx1-ubyte.gz", rng.integers(0, 10, n_train)),
        "test_images": ("t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (n_test, 28, 28))),
        "test_labels": ("t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, n_test)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, (name, array) in arrays.items():
        write_idx(directory / name, array.astype(np.uint8))
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        files[role] = RemoteFile(name, digest, ("http://127.0.0.1:9/unused/",))
    return files, arrays


def test_load_small_mnist_from_a_directory(tmp_path):
    files, arrays = make_small_mnist(tmp_path / "data")
    data = load_mnist(data_dir=tmp_path / "data", files=files, download=False)
    assert data.X_train.shape == (12, 784) and data.X_test.shape == (5, 784)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    np.testing.assert_allclose(
        data.X_train[3] * 255, arrays["train_images"][1][3].reshape(-1), atol=1e-4
    )
    np.testing.assert_array_equal(data.y_test, arrays["test_labels"][1])
    assert data.input_shape == (28, 28) and data.class_names[9] == "9"


def test_mnist_checksum_failure_is_named(tmp_path):
    files, _ = make_small_mnist(tmp_path / "data")
    path = tmp_path / "data" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\x05" + b"\x01" * 5))
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte.gz: SHA-256 is .*corrupt"):
        load_mnist(data_dir=tmp_path / "data", files=files, download=False)


def test_mnist_missing_file_and_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files, _ = make_small_mnist(tmp_path / "data")
    (tmp_path / "data" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte.gz is not in"):
        load_mnist(data_dir=tmp_path / "data", files=files, download=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(data_dir=tmp_path / "nowhere", files=files, download=False)


def test_mnist_mismatched_counts(tmp_path):
    files, _ = make_small_mnist(tmp_path / "data")
    write_idx(tmp_path / "data" / "t10k-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    (tmp_path / "data" / "t10k-labels-idx1-ubyte.gz").unlink()  # the raw copy is used instead
    with pytest.raises(DataFileError, match="4 labels for 5 images"):
        load_mnist(data_dir=tmp_path / "data", files=files, download=False)


def test_fashion_mnist_has_its_own_checksums(tmp_path):
    make_small_mnist(tmp_path / "data")  # MNIST-named files that are not Fashion-MNIST's
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte.gz: SHA-256 is"):
        load("fashion-mnist", data_dir=tmp_path / "data", download=False)


def test_data_dir_from_the_environment(tmp_path, monkeypatch):
    files, _ = make_small_mnist(tmp_path / "data")
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "data"))
    assert load_mnist(files=files, download=False).X_train.shape == (12, 784)


# ----------------------------------------------------------------------------- downloads
class _Server:
    """A local HTTP server over a directory that counts the requests it answers."""

    def __init__(self, directory: Path):
        hits = self.hits = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

            def do_GET(self):
                hits.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    served = _Server(tmp_path / "mirror")
    (tmp_path / "mirror").mkdir()
    yield served
    served.close()


def test_download_once_into_the_cache(tmp_path, monkeypatch, server):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GLASSNET_DATA_DIR", raising=False)
    files, _ = make_small_mnist(tmp_path / "mirror")
    broken = "http://127.0.0.1:9/"  # nothing listens there: the next mirror is tried
    files = {k: RemoteFile(f.name, f.sha256, (broken, server.url)) for k, f in files.items()}
    first = load_mnist(files=files, progress=False)
    assert len(server.hits) == 4
    cached = tmp_path / "cache" / "glassnet" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(f.name for f in files.values())
    second = load_mnist(files=files, progress=False)
    assert len(server.hits) == 4  # never re-downloaded
    np.testing.assert_array_equal(first.X_train, second.X_train)


def test_download_with_a_wrong_checksum_is_never_kept(tmp_path, monkeypatch, server):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files, _ = make_small_mnist(tmp_path / "mirror")
    remote = RemoteFile(files["train_labels"].name, "0" * 64, (server.url,))
    with pytest.raises(DataFileError, match="(?s)could not download.*SHA-256 is .*expected 0000"):
        locate(remote, "mnist", progress=False)
    leftovers = list((tmp_path / "cache" / "glassnet" / "mnist").iterdir())
    assert leftovers == []


def test_corrupt_cache_is_downloaded_again(tmp_path, monkeypatch, server, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files, _ = make_small_mnist(tmp_path / "mirror")
    remote = RemoteFile(files["test_labels"].name, files["test_labels"].sha256, (server.url,))
    cached = tmp_path / "cache" / "glassnet" / "mnist" / remote.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"truncated")
    assert locate(remote, "mnist", progress=False) == cached
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == remote.sha256
    assert "is corrupt; downloading it again" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the real MNIST
def test_real_mnist_from_the_shared_directory():
    assert SHARED_MNIST.is_dir(), f"the full MNIST is expected in {SHARED_MNIST}"
    data = load("mnist", data_dir=SHARED_MNIST, download=False)
    assert data.X_train.shape == (60000, 784) and data.X_test.shape == (10000, 784)
    assert data.X_train.dtype == np.float32
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert np.bincount(data.y_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]  # fmt: skip
    assert np.bincount(data.y_test).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]  # fmt: skip


# ----------------------------------------------------------------------------- digits
def test_digits():
    data = load_digits()
    assert data.X_train.shape[1] == 64 and len(data.X_train) + len(data.X_test) == 1797
    assert data.X_train.dtype == np.float32 and data.X_train.max() == 1.0
    assert set(np.unique(data.y_train)) == set(range(10))


def test_digits_without_scikit_learn_says_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[sklearn\]'"):
        load_digits()


# ----------------------------------------------------------------------------- CSV tables
def write_table(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_classification(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5},{3 if i % 2 else 7}" for i in range(20))
    path = write_table(tmp_path / "t.csv", "a,b,kind\n" + rows + "\n")
    data = load_csv(path, target="kind")
    assert data.task == "classification" and data.class_names == ["3", "7"]
    assert data.feature_names == ["a", "b"] and data.n_features == 2
    assert len(data.X_train) == 16 and len(data.X_test) == 4
    assert set(np.unique(np.concatenate([data.y_train, data.y_test]))) == {0, 1}


def test_csv_regression_default_target_is_last_column(tmp_path):
    rows = "\n".join(f"{i},{i * 0.37}" for i in range(30))
    data = load(str(write_table(tmp_path / "r.csv", "x,y\n" + rows)))
    assert data.task == "regression" and data.y_train.shape == (24, 1)


def test_csv_errors_name_row_and_column(tmp_path):
    path = write_table(tmp_path / "bad.csv", "a,b,y\n1,2,0\n3,oops,1\n")
    with pytest.raises(DataFileError, match=r"bad.csv, line 3, column 'b': 'oops' is not a number"):
        load_csv(path)
    path = write_table(tmp_path / "short.csv", "a,b,y\n1,2,0\n3,1\n")
    with pytest.raises(DataFileError, match="line 3: 2 cells but the header has 3"):
        load_csv(path)
    with pytest.raises(ValueError, match="no column named 'label'; columns are: a, b, y"):
        load_csv(write_table(tmp_path / "ok.csv", "a,b,y\n1,2,0\n3,1,1\n"), target="label")
    with pytest.raises(DataFileError, match="empty"):
        load_csv(write_table(tmp_path / "empty.csv", ""))
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "absent.csv")


def big_table(path, rows=3000, bad=None):
    """A numeric table of ``rows`` rows; ``bad = (row, column, text)`` writes one odd cell."""
    values = np.arange(rows * 3, dtype=float).reshape(rows, 3) / 7
    lines = ["a,b,c"] + [",".join(f"{v:.10g}" for v in row) for row in values]
    if bad is not None:
        row, column, text = bad
        cells = lines[row + 1].split(",")
        cells[column] = text
        lines[row + 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return values


def test_the_fast_reader_reads_what_the_careful_one_does(tmp_path):
    from glassnet.datasets.table import _read_carefully, read_numeric_csv

    path = tmp_path / "t.csv"
    values = big_table(path)
    header, fast = read_numeric_csv(path)
    assert header == ["a", "b", "c"]
    np.testing.assert_array_equal(fast, _read_carefully(path, np.float64, False)[1])
    np.testing.assert_allclose(fast, values, rtol=1e-9)
    assert read_numeric_csv(path, dtype=np.float32)[1].dtype == np.float32


@pytest.mark.parametrize(
    ("cell", "message"),
    [("Paris", "line 2502, column 'b': 'Paris' is not a number"),
     ("inf", "line 2502, column 'b': 'inf' is not finite"),
     ("", "line 2502, column 'b': '' is not a number (read empty cells as missing")],
)  # fmt: skip
def test_a_bad_cell_past_the_first_rows_is_named_exactly(tmp_path, cell, message):
    from glassnet.datasets.table import read_numeric_csv

    big_table(tmp_path / "t.csv", bad=(2500, 1, cell))
    with pytest.raises(DataFileError, match=re.escape(message)):
        read_numeric_csv(tmp_path / "t.csv")


def test_empty_cells_are_missing_values_when_asked(tmp_path):
    from glassnet.datasets.table import read_numeric_csv

    big_table(tmp_path / "early.csv", bad=(5, 2, ""))
    big_table(tmp_path / "late.csv", bad=(2500, 0, " "))  # past the rows sampled first
    for name, (row, column) in (("early.csv", (5, 2)), ("late.csv", (2500, 0))):
        _, values = read_numeric_csv(tmp_path / name, missing=True)
        assert np.isnan(values[row, column]) and np.isnan(values).sum() == 1
    big_table(tmp_path / "nan.csv", bad=(7, 2, "nan"))
    with pytest.raises(DataFileError, match="line 9, column 'c': 'nan' is not finite"):
        read_numeric_csv(tmp_path / "nan.csv", missing=True)
    with pytest.raises(DataFileError, match="target column 'c' has an empty cell .data row 6"):
        load_csv(tmp_path / "early.csv", target="c", missing=True)
