import json
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import FORMAT_VERSION, HEADER_KEY, ModelFileError, load, save


@pytest.fixture
def network():
    net = gn.Network(
        [gn.Dense(4, 6), gn.LeakyReLU(0.2), gn.Dropout(0.3), gn.Dense(6, 5), gn.Tanh(),
         gn.Dense(5, 3, bias=False), gn.Softmax()],
        seed=0,
    )  # fmt: skip
    net.metadata = {"dataset": "test", "class_names": ["a", "b", "c"]}
    return net


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_exact(tmp_path, network, dtype, rng):
    network = network.astype(dtype)
    network.metadata = {"dataset": "test"}
    path = save(network, tmp_path / "model.npz")
    loaded = load(path)
    assert loaded.dtype == dtype
    assert [layer.config() for layer in loaded.layers] == [
        layer.config() for layer in network.layers
    ]
    weights, loaded_weights = network.get_weights(), loaded.get_weights()
    assert weights.keys() == loaded_weights.keys()
    assert all(np.array_equal(weights[k], loaded_weights[k]) for k in weights)
    X = rng.normal(size=(20, 4))
    np.testing.assert_array_equal(network.predict(X), loaded.predict(X))
    assert loaded.metadata == {"dataset": "test"}


def test_file_is_read_without_pickle(tmp_path, network):
    path = save(network, tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive[HEADER_KEY]))
    assert header["format"] == "glassnet-model" and header["version"] == 1  # no scaling bricks
    assert FORMAT_VERSION == 2
    assert header["layers"][0] == {
        "type": "Dense", "fan_in": 4, "fan_out": 6, "init": "he_normal", "bias": True,
    }  # fmt: skip


def rewrite(path, **changes):
    """Rewrite a saved model with some arrays replaced (None removes one)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def header_with(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive[HEADER_KEY]))
    header.update(changes)
    return np.array(json.dumps(header))


def test_refuses_damaged_or_foreign_files(tmp_path, network):
    path = save(network, tmp_path / "model.npz")
    good = path.read_bytes()

    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="not a readable glassnet model file"):
        load(path)

    path.write_bytes(b"hello, I am text")
    with pytest.raises(ModelFileError, match=r"not a glassnet model file \(not an .npz archive\)"):
        load(path)

    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a glassnet model file"):
        load(tmp_path / "other.npz")

    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "absent.npz")


def test_refuses_newer_versions_and_inconsistent_arrays(tmp_path, network):
    path = tmp_path / "model.npz"
    cases = [
        ({HEADER_KEY: lambda: header_with(path, version=FORMAT_VERSION + 1)}, "newer glassnet"),
        ({HEADER_KEY: lambda: np.array("{not json")}, "not valid JSON"),
        ({HEADER_KEY: lambda: header_with(path, layers=[{"type": "Conv2D"}])}, "unknown type"),
        ({"dense1.W": lambda: np.zeros((5, 6), np.float32)}, r"dense1.W has shape \(5, 6\)"),
        ({"dense1.W": lambda: np.zeros((4, 6), np.float64)}, "dense1.W is float64"),
        ({"dense2.b": lambda: None}, "missing: dense2.b"),
        ({"extra": lambda: np.zeros(2)}, "unexpected: extra"),
        ({"dense1.b": lambda: np.full(6, np.nan, np.float32)}, "dense1.b contains NaN"),
        (
            {
                HEADER_KEY: lambda: header_with(
                    path,
                    layers=[
                        {"type": "Dense", "fan_in": 4, "fan_out": 6},
                        {"type": "Dense", "fan_in": 7, "fan_out": 3},
                    ],
                )
            },  # fmt: skip
            "architecture is inconsistent",
        ),
    ]
    for change, message in cases:
        save(network, path)
        rewrite(path, **{key: make() for key, make in change.items()})
        with pytest.raises(ModelFileError, match=message):
            load(path)


def test_save_refuses_nan_weights_and_keeps_the_old_file(tmp_path, network):
    path = save(network, tmp_path / "model.npz")
    before = path.read_bytes()
    network.parameters()[0][1][0, 0] = np.nan
    with pytest.raises(ValueError, match="dense1.W contains NaN or Inf"):
        save(network, path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_into_a_missing_directory(tmp_path, network):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(network, tmp_path / "nowhere" / "model.npz")


def test_save_metadata_must_be_json(tmp_path, network):
    with pytest.raises(TypeError, match="metadata must be JSON-serialisable"):
        save(network, tmp_path / "m.npz", metadata={"bad": object()})


def test_saved_file_is_a_plain_zip(tmp_path, network):
    path = save(network, tmp_path / "model.npz")
    with zipfile.ZipFile(path) as archive:
        assert f"{HEADER_KEY}.npy" in archive.namelist()


def test_saving_keeps_permissions_links_and_long_names(tmp_path):
    import os
    import stat
    import time

    import glassnet
    from glassnet.io import STALE_SECONDS, temporary_prefix

    network = glassnet.mlp([2, 3, 2], seed=0)
    previous = os.umask(0o022)
    try:
        fresh = glassnet.save(network, tmp_path / "fresh.npz")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # what a plain open gives
        kept = tmp_path / "kept.npz"
        kept.write_bytes(b"old")
        kept.chmod(0o640)
        glassnet.save(network, kept)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640  # the replaced file's mode
    finally:
        os.umask(previous)
    link = tmp_path / "link.npz"
    link.symlink_to(fresh)
    glassnet.save(glassnet.mlp([2, 3, 2], seed=1), link)
    assert link.is_symlink() and glassnet.load(fresh).get_weights()["dense1.W"].shape == (2, 3)
    long_name = tmp_path / ("m" * 246 + ".npz")
    glassnet.save(network, long_name)
    assert glassnet.load(long_name).n_params == network.n_params
    stale = tmp_path / f"{temporary_prefix(fresh)}dead.tmp"  # a killed save's leftover
    stale.write_bytes(b"half a model")
    os.utime(stale, (time.time() - STALE_SECONDS - 1,) * 2)
    recent = tmp_path / f"{temporary_prefix(fresh)}busy.tmp"  # perhaps a save in progress
    recent.write_bytes(b"")
    glassnet.save(network, fresh)
    assert not stale.exists() and recent.exists()
