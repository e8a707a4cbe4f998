"""A model trained on a table carries its data contract (scaling, columns, target, classes),
and every entry point applies it: Python, the command line, ONNX and the playground agree."""

import json
import subprocess
import sys

import numpy as np
import onnxruntime
import pytest

import glassnet
from glassnet.datasets import load_csv
from glassnet.onnx import export
from glassnet.playground.session import Session
from glassnet.playground.settings import parse_settings


def run_cli(*args):
    command = [sys.executable, "-m", "glassnet", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write_table(path, columns, rows):
    lines = [",".join(columns)] + [",".join(f"{v:.6g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """A classification and a regression table with columns of scale 1, 100 and 1000, and the
    models the command line trains on them with its defaults."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 3)) * [1, 100, 1000] + [0, 500, 0]
    label = np.where(X[:, 0] + (X[:, 1] - 500) / 100 - X[:, 2] / 1000 > 0, 5, 9)
    price = 300 + 40 * X[:, 0] + 0.8 * (X[:, 1] - 500) + 0.05 * X[:, 2] + 20 * np.sin(X[:, 0])
    price += rng.normal(size=800) * 5
    made = {
        "label": write_table(folder / "classes.csv", ["a", "b", "c", "label"], np.c_[X, label]),
        "price": write_table(folder / "prices.csv", ["a", "b", "c", "price"], np.c_[X, price]),
    }
    models = {}
    for target, table in made.items():
        model = folder / f"{target}.npz"
        trained = run_cli("train", table, "--target", target, "--save", model, "--json", "--quiet")
        assert trained.returncode == 0, trained.stderr
        models[target] = (table, model, json.loads(trained.stdout))
    return models


def raw_rows(table):
    values = np.loadtxt(table, delimiter=",", skiprows=1)
    return values[:, :3], values[:, 3]


def onnx_outputs(network, path, X):
    session = onnxruntime.InferenceSession(str(export(network, path)))
    return session.run(["output"], {"input": X.astype(np.float32)})[0]


def cli_predictions(model, table, tmp_path):
    out = tmp_path / "predictions.csv"
    predicted = run_cli("predict", model, table, "-o", out)
    assert predicted.returncode == 0, predicted.stderr
    assert "price is not among" in predicted.stderr or "label is not among" in predicted.stderr
    return np.genfromtxt(out, delimiter=",", names=True)


def test_a_classifier_gives_the_same_answers_everywhere(tables, tmp_path):
    table, model, summary = tables["label"]
    network = glassnet.load(model)
    X, labels = raw_rows(table)
    test = load_csv(table, target="label", seed=0)  # the split train and evaluate use
    accuracy = np.mean(network.predict_classes(test.X_test) == test.y_test)
    evaluated = run_cli("evaluate", model, table, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["test"]["accuracy"] == pytest.approx(accuracy)
    assert accuracy == pytest.approx(summary["test"]["accuracy"]) and accuracy > 0.95
    proba = network.predict_proba(X)
    columns = cli_predictions(model, table, tmp_path)
    np.testing.assert_allclose(np.c_[columns["p_5"], columns["p_9"]], proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(onnx_outputs(network, tmp_path / "c.onnx", X),
                               network.predict(X), rtol=1e-5, atol=1e-5)  # fmt: skip
    assert np.mean(np.where(proba[:, 0] > 0.5, 5, 9) == labels) > 0.95


def test_a_regressor_predicts_in_the_targets_units_everywhere(tables, tmp_path):
    table, model, summary = tables["price"]
    assert summary["test"]["r2"] >= 0.99, summary["test"]  # the CLI's defaults
    network = glassnet.load(model)
    X, price = raw_rows(table)
    predicted = network.predict(X)[:, 0]
    assert np.mean(np.abs(predicted - price)) < 0.1 * price.std()
    # the CLI writes 6 significant digits; float32 rounds to 1e-7 of the largest outputs
    scale = np.abs(predicted).max()
    np.testing.assert_allclose(cli_predictions(model, table, tmp_path)["price"], predicted,
                               rtol=1e-5, atol=1e-6 * scale)  # fmt: skip
    np.testing.assert_allclose(onnx_outputs(network, tmp_path / "r.onnx", X)[:, 0], predicted,
                               rtol=1e-5, atol=1e-6 * scale)  # fmt: skip
    assert summary["test"]["mse"] > 1  # in squared price units, not standardised ones


def test_the_target_is_scaled_unless_asked_not_to(tables, tmp_path):
    table, _, _ = tables["price"]
    kinds = [type(layer).__name__ for layer in glassnet.load(tables["price"][1]).layers]
    assert kinds[0] == "Standardize" and kinds[-1] == "Rescale"
    model = tmp_path / "plain.npz"
    result = run_cli("train", table, "--target", "price", "--no-scale-target", "--epochs", "2",
                     "--save", model, "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert type(glassnet.load(model).layers[-1]).__name__ == "Dense"


def test_contradicting_the_models_contract_is_an_error(tables, tmp_path):
    table, model, _ = tables["price"]
    assert_one_line_error(run_cli("evaluate", model, table, "--target", "a"),
                          "trained to predict column 'price', not 'a'")  # fmt: skip
    assert_one_line_error(run_cli("evaluate", model, table, "--task", "classification"),
                          "a regression model; --task classification contradicts it")  # fmt: skip
    assert_one_line_error(run_cli("train", table, "--target", "price", "--task", "classification"),
                          "column 'price' holds numbers that are not whole")  # fmt: skip
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(table.read_text().replace("a,b,c,price", "a,bb,c,price", 1))
    assert_one_line_error(
        run_cli("predict", model, renamed), "no column 'b', which the model needs"
    )
    assert_one_line_error(run_cli("evaluate", model, renamed), "no column 'b'")


def test_columns_are_matched_by_name(tables, tmp_path):
    table, model, _ = tables["label"]
    reordered = tmp_path / "reordered.csv"
    reordered.write_text("c,extra,b,a\n0,7,600,2\n0,7,400,-2\n")
    predicted = run_cli("predict", model, reordered)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stderr.strip() == (
        f"glassnet: note: {reordered}: column extra is not among the model's features and ignored"
    )
    assert [line.split(",")[0] for line in predicted.stdout.splitlines()[1:]] == ["5", "9"]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b,c,label\n0,500,0,7\n")
    assert_one_line_error(run_cli("evaluate", model, unknown, "--rows", "all"),
                          "holds 7, which is not one of the model's classes (5, 9)")  # fmt: skip


def test_the_playground_draws_what_predict_gives(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2)) * [0.5, 3] + [0, 2]
    label = (X[:, 0] - (X[:, 1] - 2) / 6 > 0).astype(int)
    table = write_table(tmp_path / "plane.csv", ["x1", "x2", "label"], np.c_[X, label])
    model = tmp_path / "plane.npz"
    trained = run_cli("train", table, "--target", "label", "--epochs", "20", "--save", model)
    assert trained.returncode == 0, trained.stderr
    network = Session.read_model(model.read_bytes())
    settings = parse_settings({"dataset": "custom", "points": np.c_[X[:20], label[:20]].tolist()})
    session = Session(settings, network)
    drawn = session.snapshot()[1]["boundary.classes"].tolist()
    grid = session._grid["inputs"]  # raw coordinates of the picture's pixels
    assert drawn == glassnet.load(model).predict_classes(grid).tolist()


def test_every_file_written_is_named(tmp_path):
    curves, animation = tmp_path / "curves.png", tmp_path / "xor.gif"
    result = run_cli("train", "xor", "--epochs", "3", "--quiet", "--plot", curves,
                     "--animate", animation)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {animation}" in result.stdout and f"wrote {curves}" in result.stdout
    assert curves.exists() and animation.exists()


def test_explain_and_trace_show_the_scaling_bricks(tables):
    table, model, _ = tables["price"]
    explained = run_cli("explain", model, table, "--rows", "3", "--lr", "1e-6")
    assert explained.returncode == 0, explained.stderr
    text = explained.stdout
    assert "network: standardize1 -> dense1 (3->64)" in text
    assert "X_std = (X - mean) / std   (3, 3)" in text
    assert "h3 = z3 std + mean   (3, 1)" in text and "dh3/dz3 = std" in text
    assert "dz1/dW1 = X_std" in text and "backward through standardize1" not in text
    assert "[lower by" in text  # a step small enough for a loss in squared price units


def test_missing_values_are_an_explicit_choice_kept_in_the_model(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 2)) * [1, 100]
    label = np.where(X[:, 0] + X[:, 1] / 100 > 0, 1, 0)
    lines = ["a,b,label"] + [f"{a:.5g},{b:.5g},{y}" for (a, b), y in zip(X, label, strict=True)]
    for row in range(5, 400, 9):  # about one row in nine misses a value
        a, b, y = lines[row].split(",")
        lines[row] = f",{b},{y}" if row % 2 else f"{a},,{y}"
    table = tmp_path / "holes.csv"
    table.write_text("\n".join(lines) + "\n")
    message = "line 6, column 'a': '' is not a number (read empty cells as missing: --missing)"
    assert_one_line_error(run_cli("train", table, "--target", "label"), message)
    model = tmp_path / "holes.npz"
    trained = run_cli("train", table, "--target", "label", "--missing", "median", "--save", model,
                      "--json", "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["test"]["accuracy"] > 0.9
    network = glassnet.load(model)
    assert network.layers[0].strategy == "median"
    new = tmp_path / "new.csv"
    new.write_text("b,a\n,2\n-300,\n")  # missing cells in the rows to predict, filled the same way
    predicted = run_cli("predict", model, new)
    assert predicted.returncode == 0, predicted.stderr
    fill = network.layers[0].fill
    expected = network.predict_proba(np.array([[2.0, fill[1]], [fill[0], -300.0]]))
    rows = [line.split(",") for line in predicted.stdout.splitlines()[1:]]
    np.testing.assert_allclose([[float(p) for p in row[1:]] for row in rows], expected, rtol=1e-5)
    evaluated = run_cli("evaluate", model, table, "--json")
    assert evaluated.returncode == 0, evaluated.stderr


def city_table(path, rng, rows=600):
    """A table with a text column (a city), a numeric one and a text target."""
    cities = np.array(["Paris", "Rome", "Oslo"])
    city = cities[rng.integers(0, 3, rows)]
    size = rng.normal(size=rows) * 50 + 100
    bonus = {"Paris": 60.0, "Rome": 0.0, "Oslo": -60.0}
    label = np.where(size + np.array([bonus[c] for c in city]) > 100, "big", "small")
    lines = ["city,size,label"] + [
        f"{c},{s:.4g},{y}" for c, s, y in zip(city, size, label, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return city, size, label


def test_text_columns_are_categories_kept_in_the_model(tmp_path):
    rng = np.random.default_rng(6)
    city, size, label = city_table(tmp_path / "cities.csv", rng)
    model = tmp_path / "cities.npz"
    trained = run_cli("train", tmp_path / "cities.csv", "--target", "label", "--save", model,
                      "--json", "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["test"]["accuracy"] > 0.95  # the city matters
    network = glassnet.load(model)
    kinds = [type(layer).__name__ for layer in network.layers]
    assert kinds[:3] == ["OneHot", "Standardize", "Dense"]
    assert network.layers[0].categories == {0: ["Oslo", "Paris", "Rome"]}
    assert network.metadata["class_names"] == ["big", "small"]
    new = tmp_path / "new.csv"
    new.write_text("size,city\n100,Paris\n100,Oslo\n")
    predicted = run_cli("predict", model, new)
    assert predicted.returncode == 0, predicted.stderr
    assert [line.split(",")[0] for line in predicted.stdout.splitlines()[1:]] == ["big", "small"]
    # the same on the Python side, with the category indices the table reader gives
    raw = np.array([[1.0, 100.0], [0.0, 100.0]])  # Paris, Oslo
    assert network.predict_classes(raw).tolist() == [0, 1]
    session = onnxruntime.InferenceSession(str(export(network, tmp_path / "cities.onnx")))
    onnx_out = session.run(["output"], {"input": raw.astype(np.float32)})[0]
    np.testing.assert_allclose(onnx_out, network.predict(raw), rtol=1e-5, atol=1e-6)
    evaluated = run_cli("evaluate", model, tmp_path / "cities.csv", "--json")
    assert json.loads(evaluated.stdout)["test"] == json.loads(trained.stdout)["test"]
    unseen = tmp_path / "unseen.csv"
    unseen.write_text("city,size\nLima,100\n")
    assert_one_line_error(run_cli("predict", model, unseen),
                          "column 'city' holds 'Lima', which is not one of the model's "
                          "categories ('Oslo', 'Paris', 'Rome')")  # fmt: skip
    with pytest.raises(ValueError, match="column 0 holds 3.0, not an index of its 3 categories"):
        network.predict(np.array([[3.0, 100.0]]))
