"""Checkpoints: stopping and resuming gives exactly the weights of one uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet
from glassnet import SGD, Adam, Callback, fit, mlp
from glassnet.checkpoint import load_checkpoint
from glassnet.io import ModelFileError
from glassnet.schedules import cosine
from glassnet.train import TrainingInterrupted

OPTIMIZERS = {
    "momentum": lambda: SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(0.01),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, y


def new_network(seed=1):
    return mlp([4, 16, 16, 3], dropout=0.2, seed=seed)  # dropout: the network's Generator counts


def train(network, X, y, optimizer, epochs, **options):
    return fit(network, X, y, loss="cross_entropy", optimizer=optimizer, epochs=epochs,
               batch_size=16, validation_fraction=0.2, schedule=cosine(0.05, 4), seed=5,
               progress=False, **options)  # fmt: skip


def assert_same_run(net_a, history_a, net_b, history_b):
    for (name, a, _), (_, b, _) in zip(net_a.parameters(), net_b.parameters(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)  # bit for bit
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert history_a[key] == history_b[key], key


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_two_epochs_then_two_more_equal_four_in_one_go(tmp_path, data, name):
    X, y = data
    straight = new_network()
    history = train(straight, X, y, OPTIMIZERS[name](), 4)

    path = tmp_path / "run.ckpt"
    first = train(new_network(), X, y, OPTIMIZERS[name](), 2, checkpoint=path)
    assert first.epochs == 2 and path.exists()
    resumed = new_network(seed=99)  # other initial weights: the checkpoint's must win
    continued = train(resumed, X, y, OPTIMIZERS[name](), 4, checkpoint=path, resume=True)
    assert continued.epochs == 4
    assert_same_run(straight, history, resumed, continued)


class InterruptAt(Callback):
    """Press Ctrl-C (a real SIGINT to this process) at the end of one step."""

    def __init__(self, step):
        self.step = step

    def on_batch_end(self, state, batch_loss):
        if state.step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_ctrl_c_mid_epoch_saves_a_checkpoint_that_resumes_exactly(tmp_path, data, name):
    X, y = data
    straight = new_network()
    history = train(straight, X, y, OPTIMIZERS[name](), 4)

    path = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted, match="resume with fit") as stop:
        train(new_network(), X, y, OPTIMIZERS[name](), 4, checkpoint=path,
              callbacks=[InterruptAt(step=20)])  # fmt: skip
    assert stop.value.epoch == 1 and stop.value.step == 20  # 15 steps per epoch: mid-epoch 2
    _, _, _, position = load_checkpoint(path)
    assert position.epoch == 1 and position.batch_start == 5 * 16 and position.order is not None
    resumed = new_network(seed=7)
    continued = train(resumed, X, y, OPTIMIZERS[name](), 4, checkpoint=path, resume=True)
    assert_same_run(straight, history, resumed, continued)


def test_a_checkpoint_loads_as_a_model(tmp_path, data):
    X, y = data
    net = new_network()
    train(net, X, y, Adam(0.01), 1, checkpoint=tmp_path / "run.ckpt")
    model = glassnet.load(tmp_path / "run.ckpt")
    np.testing.assert_array_equal(model.predict(X), net.predict(X))


def test_resume_refuses_what_does_not_fit(tmp_path, data):
    X, y = data
    path = tmp_path / "run.ckpt"
    with pytest.raises(FileNotFoundError, match="checkpoint file .*run.ckpt does not exist"):
        train(new_network(), X, y, Adam(0.01), 2, checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="resume=True needs the checkpoint= path"):
        train(new_network(), X, y, Adam(0.01), 2, resume=True)
    train(new_network(), X, y, Adam(0.01), 1, checkpoint=path)
    other = mlp([4, 8, 3], seed=0)
    with pytest.raises(
        ValueError, match="it holds a 4-16-16-3 float32 network, but this one is 4-8-3"
    ):
        train(other, X, y, Adam(0.01), 2, checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="optimizer state is for 'Adam', not SGD"):
        train(new_network(), X, y, SGD(0.1), 2, checkpoint=path, resume=True)
    model = tmp_path / "model.npz"
    glassnet.save(new_network(), model)
    with pytest.raises(ModelFileError, match="a glassnet model, not a checkpoint"):
        train(new_network(), X, y, Adam(0.01), 2, checkpoint=model, resume=True)


def test_cli_ctrl_c_saves_and_prints_how_to_resume(tmp_path):
    common = ["spirals", "--n-samples", "6000", "--epochs", "4", "--batch-size", "1", "--lr",
              "0.001", "--quiet"]  # fmt: skip
    straight = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", *common, "--save", tmp_path / "a.npz"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert straight.returncode == 0, straight.stderr

    checkpoint = tmp_path / "run.ckpt"
    command = ["train", *common, "--save", str(tmp_path / "b.npz"), "--checkpoint", str(checkpoint)]
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", *command], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first checkpoint comes after epoch 1
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "checkpoint saved to" in stderr and "Resume with:" in stderr
    resume_line = stderr.strip().splitlines()[-1].split()
    assert resume_line[0] == "glassnet" and resume_line[-1] == "--resume"

    resumed = subprocess.run(
        [sys.executable, "-m", "glassnet", *resume_line[1:]], capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    a, b = glassnet.load(tmp_path / "a.npz"), glassnet.load(tmp_path / "b.npz")
    for (name, wa, _), (_, wb, _) in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(wa, wb, err_msg=name)


def rewritten(path, out, change_state=None, change_arrays=None, *, sign=True):
    """``path``'s checkpoint, its training state (JSON) or arrays changed, written to ``out``;
    with ``sign``, its digest made to match (as a tool that edits checkpoints would)."""
    from glassnet.checkpoint import digest
    from glassnet.io import HEADER_KEY, read_archive, write_archive

    header, arrays = read_archive(path, kind="checkpoint")
    if change_state:
        change_state(header["checkpoint"])
    if change_arrays:
        change_arrays(arrays)
    if sign:
        header["checkpoint"]["digest"] = digest(header, arrays)
    write_archive(out, header, arrays)
    assert HEADER_KEY not in arrays
    return out


def set_key(*keys, value):
    def change(state):
        node = state
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change_state", "change_arrays", "message"),
    [
        (set_key("optimizer", "config", "learning_rate", value=-1), None, "learning rate must be"),
        (set_key("optimizer", "config", "learning_rate", value=0), None, "learning rate must be"),
        (set_key("optimizer", "numbers", "parameters", "step", value=0), None, "step must be"),
        (set_key("epoch", value=-1), None, "epoch must be a whole number >= 0"),
        (set_key("step", value=-1), None, "step must be a whole number >= 0"),
        (set_key("batch_start", value=-7), None, "batch_start must be a whole number >= 0"),
        (set_key("total_loss", value=float("nan")), None, "total_loss must be"),
        (None, lambda arrays: arrays["training/order"].fill(0), "not a permutation"),
        (set_key("batch_start", value=10_000), None, "is not within the"),
        (set_key("shuffle_rng", value={"state": 1}), None, "the training state is invalid"),
    ],
)
def test_resume_refuses_a_state_no_run_could_have_written(tmp_path, data, change_state,
                                                          change_arrays, message):  # fmt: skip
    X, y = data
    path = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted):
        train(new_network(), X, y, Adam(0.01), 4, checkpoint=path,
              callbacks=[InterruptAt(step=20)])  # fmt: skip
    bad = rewritten(path, tmp_path / "bad.ckpt", change_state, change_arrays)
    with pytest.raises(ModelFileError, match=message):
        train(new_network(), X, y, Adam(0.01), 4, checkpoint=bad, resume=True)


@pytest.mark.parametrize(
    ("change_state", "change_arrays"),
    [
        (set_key("epoch", value=2), None),  # a state a run could have written: another run
        (set_key("optimizer", "config", "learning_rate", value=0.5), None),
        (None, lambda arrays: arrays["dense1.W"].__setitem__((0, 0), 0.25)),
        (None, lambda arrays: arrays["training/order"].__setitem__(slice(0, 2), [1, 0])),
    ],
)
def test_a_checkpoint_changed_since_it_was_written_is_refused(tmp_path, data, change_state,
                                                              change_arrays):  # fmt: skip
    X, y = data
    path = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted):
        train(new_network(), X, y, Adam(0.01), 4, checkpoint=path,
              callbacks=[InterruptAt(step=20)])  # fmt: skip
    bad = rewritten(path, tmp_path / "bad.ckpt", change_state, change_arrays, sign=False)
    with pytest.raises(ModelFileError, match="the checkpoint is damaged"):
        train(new_network(), X, y, Adam(0.01), 4, checkpoint=bad, resume=True)
    unchanged = rewritten(path, tmp_path / "same.ckpt", sign=False)  # rewritten, not changed
    train(new_network(), X, y, Adam(0.01), 4, checkpoint=unchanged, resume=True)
