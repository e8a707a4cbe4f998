"""ONNX export: onnxruntime gives glassnet's predictions for every brick, dtype and batch size."""

import json

import numpy as np
import onnx
import onnxruntime
import pytest

import glassnet
from glassnet import Dense, Dropout, Identity, LeakyReLU, Network, ReLU, Sigmoid, Softmax, Tanh
from glassnet.layers import GELU
from glassnet.onnx import export
from glassnet.preprocessing import scaled


def run(path, X):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": X})[0]


EVERY_BRICK = [
    Dense(5, 16), ReLU(), Dropout(0.3), Dense(16, 12), LeakyReLU(0.1), Dense(12, 8), Tanh(),
    Dense(8, 8), Sigmoid(), Dense(8, 6), GELU(), Identity(), Dense(6, 4), Softmax(),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_brick_matches_glassnet(tmp_path, dtype):
    import copy

    network = Network(copy.deepcopy(EVERY_BRICK), dtype=dtype, seed=0)
    path = export(network, tmp_path / "net.onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    rng = np.random.default_rng(1)
    for batch in (1, 7, 1000):  # the batch dimension is free
        X = rng.normal(scale=3.0, size=(batch, 5)).astype(dtype)
        got = run(path, X)
        assert got.dtype == dtype and got.shape == (batch, 4)
        assert np.max(np.abs(got - network.predict(X))) < 1e-5


def test_mlp_classifier_and_metadata(tmp_path):
    network = glassnet.mlp([20, 64, 64, 10], seed=0)
    network.metadata["dataset"] = "example"
    path = export(network, tmp_path / "mlp.onnx")
    model = onnx.load(path)
    assert model.producer_name == "glassnet" and model.opset_import[0].version == 17
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["glassnet"])["dataset"] == "example"
    X = np.random.default_rng(2).normal(size=(256, 20)).astype(np.float32)
    np.testing.assert_allclose(run(path, X), network.predict(X), atol=1e-5, rtol=0)


def test_scaling_bricks_travel_with_the_model(tmp_path):
    rng = np.random.default_rng(3)
    raw = (rng.normal(size=(50, 3)) * [4, 400, 0.1] + [1, -200, 10]).astype(np.float32)
    targets = rng.normal(size=(50, 2)) * [300, 0.01] + [1000, 0]
    network = scaled(glassnet.mlp([3, 8, 2], seed=0), inputs=raw, targets=targets)
    path = export(network, tmp_path / "scaled.onnx")
    expected = network.predict(raw)  # raw rows in, the targets' units out
    np.testing.assert_allclose(run(path, raw), expected, rtol=1e-5, atol=1e-5 * 300)
    bare = export(network, tmp_path / "bare.onnx", include_preprocessing=False)
    standardised = network.layers[0].forward(raw.astype(np.float32)).copy()
    np.testing.assert_allclose(run(bare, standardised), expected, rtol=1e-5, atol=1e-5 * 300)


def test_export_is_atomic_and_refuses_unknown_bricks(tmp_path):
    class Square(glassnet.Layer):
        def forward(self, x, *, training=False):
            return x * x

    network = Network([Dense(2, 2), Square()], seed=0)
    target = tmp_path / "kept.onnx"
    target.write_bytes(b"previous")
    with pytest.raises(TypeError, match="no ONNX operator for a Square brick"):
        export(network, target)
    assert target.read_bytes() == b"previous"


def test_command_line_export_serves_what_glassnet_predict_gives(tmp_path):
    import subprocess
    import sys

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "glassnet", *map(str, args)],
                                capture_output=True, text=True, timeout=600)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, -50.0]
    y = (X[:, 0] + X[:, 1] / 10 > 0.5).astype(int)
    table = tmp_path / "table.csv"
    np.savetxt(table, np.column_stack([X, y]), delimiter=",", header="a,b,c,label", comments="")
    model, onnx_file = tmp_path / "model.npz", tmp_path / "model.onnx"
    cli("train", table, "--epochs", "5", "--save", model, "--quiet")
    out = cli("export", model, "--onnx", onnx_file)
    assert "standardised inside" in out and "(batch, 3)" in out
    rows = tmp_path / "rows.npy"
    np.save(rows, X[:20])
    cli("predict", model, rows, "-o", tmp_path / "pred.csv")
    network = glassnet.load(model)
    served = run(onnx_file, X[:20].astype(np.float32))
    proba = network.output_to_proba(served)
    header = (tmp_path / "pred.csv").read_text().splitlines()[0]
    predicted = np.loadtxt(tmp_path / "pred.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    assert "proba" in header or "p_" in header, header
    np.testing.assert_allclose(proba, predicted, atol=1e-5)


def test_missing_values_are_filled_in_the_graph_too(tmp_path):
    rng = np.random.default_rng(4)
    raw = (rng.normal(size=(80, 3)) * [1, 50, 500]).astype(np.float32)
    raw[rng.random(raw.shape) < 0.2] = np.nan
    network = scaled(glassnet.mlp([3, 8, 2], seed=0), inputs=raw, missing="median")
    path = export(network, tmp_path / "filled.onnx")
    assert [node.op_type for node in onnx.load(path).graph.node][:4] == [
        "IsNaN",
        "Where",
        "Sub",
        "Div",
    ]
    np.testing.assert_allclose(run(path, raw), network.predict(raw), rtol=1e-5, atol=1e-5)
