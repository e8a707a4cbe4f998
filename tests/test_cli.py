"""The command line, run in a subprocess as a user would."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet
import glassnet.datasets

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def assert_one_line_error(result, *fragments, code=1):
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_version_matches_package():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"glassnet {glassnet.__version__}"
    assert glassnet.__version__ != "0.0.0"


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict", "info"):
        assert command in result.stdout


def test_train_with_no_arguments_learns_the_xor_table():
    result = run_cli("train")
    assert result.returncode == 0, result.stderr
    assert "accuracy 100.00% on the truth table" in result.stdout
    assert "dense1" in result.stdout and "17 trainable parameters" in result.stdout
    assert "x = [1, 1]  ->  h2 = [" in result.stdout
    assert result.stderr.count("loss") >= 10  # the loss is printed every few epochs


def test_train_json_is_one_object_on_stdout():
    result = run_cli("train", "moons", "--epochs", "20", "--json", "--seed", "1")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dataset"] == "moons" and summary["task"] == "classification"
    assert summary["recipe"]["epochs"] == 20 and summary["epochs_run"] == 20
    assert len(summary["history"]["val_accuracy"]) == 20
    assert summary["test"]["accuracy"] > 0.9
    assert summary["n_train"] == 400 and summary["n_test"] == 100
    assert "epoch 20/20" in result.stderr  # progress and per-epoch lines stay on stderr


def test_train_options_reach_the_network():
    result = run_cli(
        "train", "circles", "--hidden", "7", "5", "--activation", "tanh", "--optimizer", "sgd",
        "--lr", "0.1", "--batch-size", "8", "--epochs", "3", "--l2", "0.001", "--dropout", "0.1",
        "--quiet", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["parameters"] == (2 * 7 + 7) + (7 * 5 + 5) + (5 * 2 + 2)
    recipe = summary["recipe"]
    assert recipe["hidden"] == [7, 5] and recipe["activation"] == "tanh"
    assert (recipe["optimizer"], recipe["lr"], recipe["batch_size"]) == ("sgd", 0.1, 8)
    assert (recipe["l2"], recipe["dropout"]) == (0.001, 0.1)
    assert result.stderr == ""


def test_digits_reaches_95_percent():
    result = run_cli("train", "digits", "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["test"]["accuracy"] >= 0.95


def test_regression_reports_test_mse():
    result = run_cli("train", "sine", "--epochs", "30", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "test loss" in result.stdout and "mse" in result.stdout and "r2" in result.stdout


def test_save_info_evaluate_predict(tmp_path):
    model = tmp_path / "spirals.npz"
    trained = run_cli("train", "spirals", "--epochs", "30", "--save", model, "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    accuracy = json.loads(trained.stdout)["test"]["accuracy"]

    info = run_cli("info", model)
    assert info.returncode == 0, info.stderr
    assert "dense3" in info.stdout and "dataset: spirals" in info.stdout

    evaluated = run_cli("evaluate", model, "spirals", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["test"]["accuracy"] == accuracy

    points = np.array([[0.0, 0.5], [-0.4, 0.1], [0.3, -0.3]])
    np.save(tmp_path / "points.npy", points)
    predicted = run_cli("predict", model, tmp_path / "points.npy")
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.strip().splitlines()
    assert lines[0] == "prediction,p_0,p_1,p_2" and len(lines) == 4
    network = glassnet.load(model)
    expected = network.predict_classes(points)
    assert [int(line.split(",")[0]) for line in lines[1:]] == expected.tolist()

    (tmp_path / "points.csv").write_text("x1,x2\n0,0.5\n-0.4,0.1\n0.3,-0.3\n")
    out = tmp_path / "out.csv"
    run_cli("predict", model, tmp_path / "points.csv", "-o", out)
    assert out.read_text() == predicted.stdout


def test_csv_table_end_to_end(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1, 100, 0.01] + [0, 500, 0]
    label = np.where(X[:, 0] + (X[:, 1] - 500) / 100 > 0, 5, 9)
    table = tmp_path / "table.csv"
    rows = "\n".join(f"{a},{b},{c},{y}" for (a, b, c), y in zip(X, label, strict=True))
    table.write_text("a,b,c,label\n" + rows + "\n")
    model = tmp_path / "table.npz"
    result = run_cli("train", table, "--target", "label", "--save", model, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["test"]["accuracy"] >= 0.95  # needs the standardisation

    (tmp_path / "new.csv").write_text("c,b,a\n0,600,2\n0,400,-2\n")  # columns in another order
    predicted = run_cli("predict", model, tmp_path / "new.csv")
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.splitlines()[0] == "prediction,p_5,p_9"
    assert [line.split(",")[0] for line in predicted.stdout.splitlines()[1:]] == ["5", "9"]


def test_mnist_from_the_shared_directory(tmp_path):
    assert SHARED_MNIST.is_dir(), f"the full MNIST is expected in {SHARED_MNIST}"
    result = run_cli("train", "mnist", "--data-dir", SHARED_MNIST, "--epochs", "1",
                     "--batch-size", "64", "--optimizer", "momentum", "--lr", "0.05", "--json",
                     "--quiet", "--save", tmp_path / "mnist.npz")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["n_train"] == 60000 and summary["n_test"] == 10000
    assert summary["test"]["accuracy"] >= 0.95


# ----------------------------------------------------------------------------- error paths
def test_error_wrong_option():
    assert_one_line_error(run_cli("train", "--lr", "-1"), "argument --lr", "> 0", code=2)
    assert_one_line_error(run_cli("train", "--frobnicate"), "unrecognized arguments", code=2)
    assert_one_line_error(run_cli("train", "--optimizer", "lamb"), "invalid choice", code=2)


def test_error_unknown_dataset():
    assert_one_line_error(run_cli("train", "mnits"), "unknown data set 'mnits'", "'mnist'")


def test_error_missing_files(tmp_path):
    assert_one_line_error(run_cli("info", tmp_path / "absent.npz"), "does not exist")
    assert_one_line_error(run_cli("train", tmp_path / "absent.csv"), "absent.csv")
    assert_one_line_error(
        run_cli("train", "mnist", "--data-dir", tmp_path / "nowhere"), "does not exist"
    )


def test_error_model_data_mismatch(tmp_path):
    model = tmp_path / "m.npz"
    assert run_cli("train", "moons", "--epochs", "2", "--save", model, "--quiet").returncode == 0
    assert_one_line_error(run_cli("evaluate", model, "digits"), "expects 2 input features",
                          "digits has 64")  # fmt: skip
    np.save(tmp_path / "wide.npy", np.zeros((3, 5)))
    assert_one_line_error(run_cli("predict", model, tmp_path / "wide.npy"),
                          "expects 2 features per row", "has 5")  # fmt: skip
    (tmp_path / "notes.txt").write_text("hello")
    assert_one_line_error(
        run_cli("predict", model, tmp_path / "notes.txt"), "must be a .csv, .parquet or .npy"
    )


def test_error_not_a_model_and_bad_csv(tmp_path):
    (tmp_path / "fake.npz").write_bytes(b"not a zip at all")
    assert_one_line_error(run_cli("info", tmp_path / "fake.npz"), "not a glassnet model file")
    (tmp_path / "bad.csv").write_text("a,b,y\n1,2,0\n1,x,1\n")
    assert_one_line_error(run_cli("train", tmp_path / "bad.csv"), "line 3, column 'b'", "'x'")


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "info"])
def test_each_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "usage: glassnet" in result.stdout


# ----------------------------------------------------------------------------- see inside
def test_explain_prints_the_walkthrough():
    result = run_cli("explain")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    order = ["z1 = X W1 + b1", "h1 = sigmoid(z1)", "z2 = h1 W2 + b2", "h2 = sigmoid(z2)",
             "data term", "Ridge term", "dLoss/dh2 = 2 (h2 - y) / 8", "dh2/dz2 = h2 (1 - h2)",
             "dz2/dW2 = h1", "dLoss/dW2", "dz2/dh1 = W2", "dh1/dz1 = h1 (1 - h1)", "dLoss/dW1",
             "W1 new = W1 - lr * dLoss/dW1", "Loss after the step"]  # fmt: skip
    positions = [text.index(fragment) for fragment in order]
    assert positions == sorted(positions)
    assert "reused from the W2 step" in text and "[lower by" in text


def test_explain_numbers_equal_the_training_loop():
    result = run_cli("explain", "--steps", "3", "--hidden", "4", "--lr", "0.5", "--l2", "0.01",
                     "--seed", "2", "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    # The same network trained by fit for 2 epochs, then one more step by hand.
    X, labels = glassnet.datasets.xor_table()
    y = glassnet.datasets.one_hot(labels)
    net = glassnet.mlp([2, 4, 2], activation="sigmoid", output="sigmoid", init="fan_in_uniform",
                       seed=2)  # fmt: skip
    optimizer = glassnet.SGD(0.5)
    glassnet.fit(net, X, y, loss="mse", optimizer=optimizer, epochs=2, batch_size=None, l2=0.01,
                 shuffle=False, progress=False)  # fmt: skip
    np.testing.assert_array_equal(steps["W1"]["value"], net.get_weights()["dense1.W"])
    outputs, data_loss, _ = net.loss_and_gradients(glassnet.MSE(), X, y, l2=0.01)
    np.testing.assert_array_equal(steps["h2"]["value"], outputs)
    assert steps["data term"]["value"] == data_loss
    np.testing.assert_array_equal(steps["dLoss/dW1"]["value"], net.layers[0].grads["W"])
    np.testing.assert_array_equal(steps["dLoss/dW2"]["value"], net.layers[2].grads["W"])
    optimizer.step(net.parameters())
    np.testing.assert_array_equal(steps["W2 new"]["value"], net.get_weights()["dense2.W"])
    assert steps["Loss after the step"]["value"] < steps["Loss"]["value"]


def test_explain_markdown_and_a_saved_model(tmp_path):
    assert "## forward" in run_cli("explain", "--format", "markdown").stdout
    model = tmp_path / "digits.npz"
    assert run_cli("train", "digits", "--epochs", "2", "--save", model, "--quiet").returncode == 0
    result = run_cli("explain", model, "digits", "--rows", "5")
    assert result.returncode == 0, result.stderr
    assert "(64, 128)" in result.stdout and "norm" in result.stdout  # large layers summarised
    assert "dLoss/dz2 = (softmax(z2) - y) / 5" in result.stdout
    assert_one_line_error(run_cli("explain", model), "explain MODEL needs INPUT")


def test_explain_descent_picture(tmp_path):
    picture = tmp_path / "descent.png"
    result = run_cli("explain", "--descent", picture)
    assert result.returncode == 0, result.stderr
    assert "step 20: x =  1.942354" in result.stdout
    assert picture.stat().st_size > 10_000


def test_train_pictures(tmp_path):
    gif, curves = tmp_path / "xor.gif", tmp_path / "curves.png"
    result = run_cli("train", "xor", "--hidden", "3", "--epochs", "40", "--animate", gif,
                     "--plot", curves, "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(gif) as animation, Image.open(curves) as picture:
        assert animation.n_frames == 40 and picture.size == (1000, 360)
    assert_one_line_error(run_cli("train", "moons", "--plot-weights", tmp_path / "w.png"),
                          "need image data")  # fmt: skip


def test_guard_stops_divergence_and_saves_nothing(tmp_path):
    model = tmp_path / "diverged.npz"
    result = run_cli(
        "train", "moons", "--optimizer", "sgd", "--lr", "10000", "--save", model, "--quiet"
    )
    assert_one_line_error(result, "training stopped at epoch 1", "learning rate is too high")
    assert not model.exists()


def test_evaluate_scores_a_separate_labelled_file_on_every_row(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(250, 2))
    rows = np.c_[X, (X[:, 0] > 0).astype(int)]
    header = "a,b,label\n"
    train, other = tmp_path / "train.csv", tmp_path / "other.csv"
    train.write_text(header + "\n".join(",".join(map(str, r)) for r in rows[:200]) + "\n")
    other.write_text(header + "\n".join(",".join(map(str, r)) for r in rows[200:]) + "\n")
    model = tmp_path / "model.npz"
    assert run_cli("train", train, "--epochs", "3", "--quiet", "--save", model).returncode == 0

    def scored(*args):
        result = run_cli("evaluate", model, *args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert (scored(other)["n_test"], scored(other)["rows"]) == (50, "all")  # another file
    assert (scored(train)["n_test"], scored(train)["rows"]) == (40, "test")  # its own split
    assert scored(other, "--rows", "test")["n_test"] == 10
    assert scored(train, "--rows", "all")["n_test"] == 200
    text = run_cli("evaluate", model, other).stdout
    assert "(50 rows, all of it)" in text
    refused = run_cli("evaluate", model, other, "--test-fraction", "0")
    assert refused.returncode == 2 and "expected a number in (0, 1), got 0" in refused.stderr


def test_explain_says_how_the_loss_moved_and_no_empty_chain():
    text = run_cli("explain", "--lr", "200").stdout  # a step far too large for the XOR network
    assert "[higher by" in text and "the step overshot" in text and "NOT lower" not in text
    assert "[dLoss/dh2 = dLoss/dh2]" not in text
    assert "[lower by" in run_cli("explain").stdout


def test_train_takes_the_frontier_options(tmp_path):
    model = tmp_path / "digits.npz"
    options = ["--batch-norm", "--optimizer", "adamw", "--weight-decay", "0.02", "--warmup", "1",
               "--schedule", "one-cycle", "--clip-norm", "5", "--augment", "shift"]  # fmt: skip
    result = run_cli("train", "digits", *options, "--epochs", "4", "--json", "--save", model)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    recipe = summary["recipe"]
    assert (recipe["batch_norm"], recipe["weight_decay"], recipe["warmup"], recipe["clip_norm"],
            recipe["augment"]) == (True, 0.02, 1.0, 5.0, "shift")  # fmt: skip
    assert summary["test"]["accuracy"] > 0.5  # (ten classes: chance is 0.1)
    assert any(type(layer).__name__ == "BatchNorm1d" for layer in glassnet.load(model).layers)
    refused = run_cli("train", "moons", "--augment", "shift", "--epochs", "1")
    assert refused.returncode == 1
    assert "--augment shift moves images; this data set's rows are not images" in refused.stderr
