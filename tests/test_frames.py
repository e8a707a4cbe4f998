"""Rows the ecosystem hands over: DataFrames (by column name, text columns as categories),
arrays with text, Parquet files; each gives what the same rows as a CSV table give."""

import json
import pickle
import sys

import numpy as np
import onnxruntime
import pandas as pd
import pytest
from test_contract import assert_one_line_error, city_table, run_cli

import glassnet
from glassnet.datasets import DataFileError, load_table
from glassnet.datasets.parquet import read_parquet
from glassnet.network import mlp
from glassnet.onnx import export
from glassnet.preprocessing import scaled
from glassnet.sklearn import MLPClassifier, MLPRegressor
from glassnet.train import fit


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    """The city table as CSV and Parquet, a DataFrame of it, and the model trained on the CSV."""
    folder = tmp_path_factory.mktemp("cities")
    city_table(folder / "cities.csv", np.random.default_rng(6))
    frame = pd.read_csv(folder / "cities.csv")
    frame.to_parquet(folder / "cities.parquet")
    model = folder / "cities.npz"
    trained = run_cli("train", folder / "cities.csv", "--target", "label", "--save", model,
                      "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    return folder, frame, glassnet.load(model)


def test_a_dataframe_is_read_by_column_name(cities):
    _, frame, network = cities
    codes = np.c_[pd.Categorical(frame.city, ["Oslo", "Paris", "Rome"]).codes, frame["size"]]
    expected = network.predict(codes)
    np.testing.assert_array_equal(network.predict(frame[["size", "city"]]), expected)
    np.testing.assert_array_equal(network.predict(frame[["city", "size"]]), expected)
    as_objects = frame[["city", "size"]].to_numpy(dtype=object)  # text and numbers in one array
    np.testing.assert_array_equal(network.predict(as_objects), expected)
    with pytest.raises(ValueError, match="X lacks the model's column 'size'"):
        network.predict(frame[["city"]])
    with pytest.raises(ValueError, match="has column 'label' the model was not trained on"):
        network.predict(frame)
    with pytest.raises(ValueError, match="'city' holds 'Lima', which is not one of the model's"):
        network.predict(pd.DataFrame({"city": ["Lima"], "size": [100.0]}))
    with pytest.raises(ValueError, match="column 'size' holds 'big' \\(row 0\\), which is not a"):
        network.predict(np.array([["Paris", "big"]], dtype=object))


def test_fit_takes_a_dataframe_and_keeps_its_column_names():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.integers(0, 5, 200)})
    frame["b"] = frame["b"].astype("Int64")  # a nullable integer column: its dtype is respected
    y = (frame.a + frame.b > 2).astype(int).to_numpy()
    network = mlp([2, 8, 2], seed=0)
    fit(network, frame, y, loss="cross_entropy", epochs=3, progress=False, seed=0)
    assert network.metadata["feature_names"] == ["a", "b"]
    same = mlp([2, 8, 2], seed=0)
    fit(same, frame.to_numpy(dtype=np.float64), y, loss="cross_entropy", epochs=3,
        progress=False, seed=0)  # fmt: skip
    for name, weights in network.get_weights().items():
        np.testing.assert_array_equal(weights, same.get_weights()[name])
    with pytest.raises(ValueError, match="column 'city' holds 'Paris' \\(row 0\\), which is not"):
        fit(mlp([2, 2], seed=0), pd.DataFrame({"city": ["Paris", "Rome"], "n": [1.0, 2.0]}),
            [0, 1], loss="cross_entropy", progress=False)  # fmt: skip


def test_parquet_tables_keep_the_csv_contract(cities, tmp_path):
    folder, _, _ = cities
    from_csv, from_parquet = (load_table(folder / f"cities.{kind}", target="label")
                              for kind in ("csv", "parquet"))  # fmt: skip
    np.testing.assert_array_equal(from_csv.X_train, from_parquet.X_train)
    np.testing.assert_array_equal(from_csv.y_test, from_parquet.y_test)
    assert from_csv.class_names == from_parquet.class_names == ["big", "small"]
    assert from_parquet.extra["categories"] == {"city": ["Oslo", "Paris", "Rome"]}
    models = {}
    for kind in ("csv", "parquet"):
        models[kind] = tmp_path / f"{kind}.npz"
        trained = run_cli("train", folder / f"cities.{kind}", "--target", "label", "--epochs",
                          "5", "--save", models[kind], "--json", "--quiet")  # fmt: skip
        assert trained.returncode == 0, trained.stderr
    predicted = {kind: run_cli("predict", models[kind], folder / f"cities.{kind}").stdout
                 for kind in models}  # fmt: skip
    assert predicted["csv"] == predicted["parquet"] and len(predicted["csv"].splitlines()) == 601


def test_parquet_errors_name_the_file_row_and_column(tmp_path):
    holes = tmp_path / "holes.parquet"
    pd.DataFrame({"a": [1.0, None, 3.0], "y": [0, 1, 0]}).to_parquet(holes)
    assert_one_line_error(run_cli("train", holes, "--target", "y"),
                          "holes.parquet, data row 2, column 'a': the cell is empty")  # fmt: skip
    header, values, _ = read_parquet(holes, missing=True)
    assert header == ["a", "y"] and np.isnan(values[1, 0])
    dates = tmp_path / "dates.parquet"
    pd.DataFrame({"when": pd.to_datetime(["2026-01-01"]), "y": [1]}).to_parquet(dates)
    with pytest.raises(DataFileError, match="column 'when' holds timestamp"):
        read_parquet(dates)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert_one_line_error(run_cli("train", broken), "broken.parquet: not a readable Parquet file")


def test_parquet_without_pyarrow_says_which_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[parquet\]'"):
        read_parquet(tmp_path / "any.parquet")


def test_empty_text_cells_take_the_most_frequent_category(tmp_path):
    rng = np.random.default_rng(7)
    city, _, _ = city_table(tmp_path / "cities.csv", rng)
    lines = (tmp_path / "cities.csv").read_text().splitlines()
    for row in range(3, len(lines), 10):
        lines[row] = "," + lines[row].split(",", 1)[1]
    (tmp_path / "holes.csv").write_text("\n".join(lines) + "\n")
    assert_one_line_error(run_cli("train", tmp_path / "holes.csv", "--target", "label"),
                          "line 4, column 'city': the cell is empty")  # fmt: skip
    model = tmp_path / "holes.npz"
    trained = run_cli("train", tmp_path / "holes.csv", "--target", "label", "--missing", "mean",
                      "--save", model, "--quiet")  # fmt: skip
    assert trained.returncode == 0 and "most frequent category, not a mean" in trained.stderr
    network = glassnet.load(model)
    impute, onehot = network.layers[:2]
    most = max(set(city), key=list(city).count)  # counted in all rows; the fill in training rows
    assert onehot.categories[0][int(impute.fill[0])] == most
    blank = pd.DataFrame({"city": [None, ""], "size": [100.0, 100.0]})
    filled = pd.DataFrame({"city": [most, most], "size": [100.0, 100.0]})
    np.testing.assert_array_equal(network.predict(blank), network.predict(filled))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_estimators_encode_text_columns(cities, tmp_path):
    _, frame, _ = cities
    X, y = frame[["city", "size"]], frame["label"]
    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
    assert classifier.categories_ == {"city": ["Oslo", "Paris", "Rome"]}
    assert classifier.score(X, y) > 0.95  # the city matters
    proba = classifier.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(classifier)).predict_proba(X), proba)
    glassnet.save(classifier.network_, tmp_path / "clf.npz")
    loaded = glassnet.load(tmp_path / "clf.npz")
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-5, atol=1e-7)
    codes = np.c_[pd.Categorical(X.city, ["Oslo", "Paris", "Rome"]).codes, X["size"]]
    session = onnxruntime.InferenceSession(str(export(loaded, tmp_path / "clf.onnx")))
    onnx_out = session.run(["output"], {"input": codes.astype(loaded.dtype)})[0]
    np.testing.assert_allclose(onnx_out, loaded.predict(codes), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="'city' holds 'Lima', which is not one of the model's"):
        classifier.predict(pd.DataFrame({"city": ["Lima"], "size": [1.0]}))
    with pytest.raises(ValueError, match="column 'city' has a missing cell \\(row 1\\); the"):
        classifier.predict(pd.DataFrame({"city": ["Rome", None], "size": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="fitted on a DataFrame with text columns \\(city\\)"):
        classifier.predict(codes)
    declared = X.assign(city=pd.Categorical(X.city, ["Lima", "Oslo", "Paris", "Rome"]))
    regressor = MLPRegressor(max_iter=5, random_state=0).fit(declared, X["size"])
    assert regressor.categories_ == {"city": ["Lima", "Oslo", "Paris", "Rome"]}  # as declared
    assert regressor.predict(declared.head(2)).shape == (2,)


def test_a_text_column_and_fill_survive_scaled_and_save(tmp_path):
    frame = pd.DataFrame({"c": ["x", "y", None, "y"], "v": [1.0, np.nan, 3.0, 4.0]})
    codes = np.array([[0.0, 1.0], [1.0, np.nan], [np.nan, 3.0], [1.0, 4.0]])
    network = scaled(mlp([3, 2], seed=0), inputs=codes, missing="median",
                     categories={0: ["x", "y"]})  # fmt: skip
    network.metadata["feature_names"] = ["c", "v"]
    glassnet.save(network, tmp_path / "m.npz")
    loaded = glassnet.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(frame), network.predict(codes))
    assert json.loads(json.dumps(loaded.layers[0].fill.tolist())) == [1.0, 3.0]


def test_info_shows_the_indices_the_onnx_inputs_take(cities):
    folder, _, _ = cities
    shown = run_cli("info", folder / "cities.npz")
    assert "categories of city: 0 Oslo, 1 Paris, 2 Rome" in shown.stdout
    assert "OneHot(1 category column, fixed)" in shown.stdout


def test_explain_shows_a_models_category_brick(cities):
    folder, _, _ = cities
    shown = run_cli("explain", folder / "cities.npz", folder / "cities.csv")
    assert shown.returncode == 0, shown.stderr
    assert "one-hot blocks of the category columns of X" in shown.stdout
