import numpy as np
import pytest

from glassnet import SGD, Adam, Callback, EarlyStopping, fit, mlp
from glassnet._validation import first_non_finite
from glassnet.datasets import one_hot, sine, xor, xor_table
from glassnet.schedules import step
from glassnet.train import split_validation


def xor_tutorial_network(hidden=3, seed=0):
    return mlp(
        [2, hidden, 2], activation="sigmoid", output="sigmoid", init="fan_in_uniform", seed=seed
    )


def test_xor_truth_table_reaches_100_percent():
    X, labels = xor_table()
    net = xor_tutorial_network(hidden=3, seed=0)
    history = fit(
        net, X, one_hot(labels), loss="mse", optimizer=SGD(1.0), epochs=3000,
        batch_size=None, l2=1e-4, metrics=["accuracy"], progress=False, seed=0,
    )  # fmt: skip
    assert np.array_equal(net.predict_classes(X), labels)
    assert history["accuracy"][-1] == 1.0
    assert history.loss[-1] < 0.25 * history.loss[0]


def test_xor_gaussian_points_reach_97_percent():
    X, labels = xor(300, seed=0)
    net = xor_tutorial_network(hidden=50, seed=0)
    fit(
        net, X, one_hot(labels), loss="mse", optimizer=SGD(0.5, momentum=0.9), epochs=500,
        batch_size=32, l2=1e-4, metrics=["accuracy"], progress=False, seed=0,
    )  # fmt: skip
    assert np.mean(net.predict_classes(X) == labels) >= 0.97
    X_new, labels_new = xor(1000, seed=1)
    assert np.mean(net.predict_classes(X_new) == labels_new) >= 0.93


@pytest.mark.parametrize("batch_size", [1, 16, None])
def test_determinism_bit_for_bit(batch_size):
    X, labels = xor(64, seed=3)

    def run():
        net = mlp([2, 8, 8, 2], dropout=0.2, seed=5)
        history = fit(
            net, X, labels, loss="cross_entropy", optimizer=Adam(0.01), epochs=5,
            batch_size=batch_size, shuffle=True, progress=False, seed=11,
        )  # fmt: skip
        return net.get_weights(), history.loss

    (w1, loss1), (w2, loss2) = run(), run()
    assert loss1 == loss2
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)


class CountBatches(Callback):
    def __init__(self):
        self.batches = 0

    def on_batch_end(self, state, batch_loss):
        self.batches += 1


def test_batch_sizes_cover_per_sample_mini_batch_and_full_batch():
    X, labels = xor(40, seed=0)
    for batch_size, steps in [(1, 40), (16, 3), (None, 1), (1000, 1)]:
        net = mlp([2, 4, 2], seed=0)
        counter = CountBatches()
        fit(net, X, labels, loss="cross_entropy", epochs=2, batch_size=batch_size,
            callbacks=[counter], progress=False)  # fmt: skip
        assert counter.batches == 2 * steps


def test_history_is_the_per_epoch_loss():
    X, labels = xor(50, seed=0)
    net = mlp([2, 8, 2], seed=0)
    history = fit(net, X, labels, loss="cross_entropy", epochs=4, progress=False)
    assert history.epochs == 4 and len(history.loss) == 4
    assert len(history.epoch_times) == 4 and all(t >= 0 for t in history.epoch_times)
    assert set(history.records) == {"loss", "accuracy", "time"}


def test_l2_is_in_the_reported_loss():
    X, labels = xor(50, seed=0)
    plain = fit(mlp([2, 8, 2], seed=0), X, labels, loss="cross_entropy", epochs=1,
                optimizer=SGD(1e-9), shuffle=False, progress=False)  # fmt: skip
    net = mlp([2, 8, 2], seed=0)
    penalty = net.l2_penalty(0.5)
    ridge = fit(net, X, labels, loss="cross_entropy", epochs=1, l2=0.5,
                optimizer=SGD(1e-9), shuffle=False, progress=False)  # fmt: skip
    assert penalty > 0
    assert ridge.loss[0] == pytest.approx(plain.loss[0] + penalty, rel=1e-5)


def test_fit_validates_at_the_door():
    X, labels = xor(20, seed=0)
    net = mlp([2, 4, 2], seed=0)
    with pytest.raises(ValueError, match="X has 3 features per row but the network expects 2"):
        fit(net, np.ones((20, 3)), labels, loss="mse", progress=False)
    with pytest.raises(ValueError, match="X has 20 samples but y has 19"):
        fit(net, X, labels[:-1], loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 1\].*from 0 to 2"):
        fit(net, X, labels * 2, loss="cross_entropy", progress=False)
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf.*row 4, column 1"):
        fit(net, bad, labels, loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        fit(net, X, labels, loss="cross_entropy", batch_size=0, progress=False)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        SGD(-0.1)
    with pytest.raises(ValueError, match="did you mean 'cross_entropy'"):
        fit(net, X, labels, loss="crossentropy", progress=False)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, ">f4"])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_found_in_every_layout(dtype, layout, bad):
    X = np.ones((40, 6), dtype=dtype)
    if layout == "strided":
        X = np.ones((40, 12), dtype=dtype)[:, ::2]
    X[33, 5] = bad
    with pytest.raises(ValueError, match="X contains NaN or Inf .first at row 33, column 5."):
        first_non_finite(X, "X")


def test_huge_finite_inputs_are_not_taken_for_inf():
    # their squares overflow the quick test, so the search decides: nothing is wrong
    X = np.full((30, 4), 3e30, dtype=np.float32)
    first_non_finite(X, "X")
    first_non_finite(X[:, ::2], "X")  # strided: the sum is the quick test
    first_non_finite(X * 1e8, "X")  # 3e38: the sum overflows too
    first_non_finite(-(X.astype(np.float64) ** 8), "X")  # 1e242: squares overflow float64 too


def test_values_beyond_float32_are_refused_before_training():
    X, labels = xor(20, seed=0)
    X[7, 1] = 1e39  # finite in float64, Inf once cast to the network's float32
    net = mlp([2, 4, 2], seed=0)
    before = net.get_weights()
    with pytest.raises(ValueError, match="X holds values beyond the range of float32 .first at "
                                         "row 7, column 1."):  # fmt: skip
        fit(net, X, labels, loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        net.predict(X)
    assert all(np.array_equal(before[k], w) for k, w in net.get_weights().items())
    assert fit(mlp([2, 4, 2], seed=0, dtype=np.float64), X, labels, loss="cross_entropy",
               epochs=1, progress=False).epochs == 1  # fmt: skip


def test_validation_fraction_never_overlaps_training_rows():
    rng = np.random.default_rng(0)
    for n, fraction in [(10, 0.2), (101, 0.33), (1000, 0.1)]:
        train_rows, val_rows = split_validation(n, fraction, rng)
        assert len(np.intersect1d(train_rows, val_rows)) == 0
        assert len(train_rows) + len(val_rows) == n
        assert len(val_rows) == round(n * fraction)
    a = split_validation(50, 0.2, np.random.default_rng(3))
    b = split_validation(50, 0.2, np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="validation_fraction"):
        split_validation(3, 0.1, rng)


def test_fit_holds_the_validation_rows_apart():
    # Rows carry their own index as a feature; a callback records every training row seen.
    n = 60
    X = np.column_stack([np.arange(n), np.zeros(n)]).astype(float)
    labels = np.arange(n) % 2

    seen_rows = set()
    net = mlp([2, 3, 2], seed=0)
    forward = net._forward  # every forward pass goes through it

    def recording_forward(x, training, record=None, out=None):
        if training:
            seen_rows.update(int(v) for v in np.asarray(x)[:, 0])
        return forward(x, training, record, out)

    net._forward = recording_forward
    history = fit(net, X, labels, loss="cross_entropy", epochs=3, batch_size=7,
                  validation_fraction=0.25, seed=4, progress=False)  # fmt: skip
    assert len(seen_rows) == 45
    _, val_rows = split_validation(n, 0.25, np.random.default_rng(4))
    assert seen_rows.isdisjoint(int(r) for r in val_rows)
    assert "val_loss" in history and "val_accuracy" in history


def test_early_stopping_restores_the_best_epoch_exactly():
    X, labels = xor(200, seed=0)
    X_val, labels_val = xor(100, seed=1)

    class Snapshots(Callback):
        def __init__(self):
            self.weights = []

        def on_epoch_end(self, state, logs):
            self.weights.append(state.network.get_weights())

    snapshots = Snapshots()
    net = mlp([2, 32, 2], seed=0)
    # A learning rate far too high makes the validation loss bounce: early stopping must fire.
    stopper = EarlyStopping("val_loss", patience=3)
    history = fit(net, X, labels, loss="cross_entropy", optimizer=SGD(5.0), epochs=100,
                  batch_size=16, validation_data=(X_val, labels_val),
                  callbacks=[snapshots, stopper], seed=0, progress=False)  # fmt: skip
    best = int(np.argmin(history.val_loss))
    assert history.epochs < 100
    assert history.best_epoch == best
    assert history.epochs == best + 1 + 3
    restored = net.get_weights()
    assert all(np.array_equal(restored[k], snapshots.weights[best][k]) for k in restored)
    assert not all(np.array_equal(restored[k], snapshots.weights[-1][k]) for k in restored)


def test_early_stopping_needs_the_monitored_value():
    X, labels = xor(20, seed=0)
    with pytest.raises(ValueError, match="monitors 'val_loss'.*give fit validation data"):
        fit(mlp([2, 4, 2], seed=0), X, labels, loss="cross_entropy", epochs=2,
            callbacks=[EarlyStopping()], progress=False)  # fmt: skip


def test_schedule_sets_the_learning_rate_each_epoch():
    X, labels = xor(20, seed=0)
    seen = []

    class Rates(Callback):
        def on_epoch_begin(self, state):
            seen.append(state.optimizer.learning_rate)

    fit(mlp([2, 4, 2], seed=0), X, labels, loss="cross_entropy", epochs=4, callbacks=[Rates()],
        schedule=step(0.1, 2, 0.5), progress=False)  # fmt: skip
    assert seen == [0.1, 0.1, 0.05, 0.05]


def test_regression_metrics():
    X, y = sine(200, seed=0)
    history = fit(mlp([1, 16, 1], seed=0), X, y, loss="mse", epochs=3, validation_fraction=0.2,
                  progress=False)  # fmt: skip
    assert {"loss", "mse", "mae", "r2", "val_loss", "val_mse", "val_mae", "val_r2"} <= set(
        history.records
    )
    # the epoch's MSE over every batch output is the batch-size-weighted mean of batch losses
    assert history["mse"][-1] == pytest.approx(history.loss[-1], rel=1e-5)


def test_progress_bar_prints_epoch_lines(capsys):
    X, labels = xor(40, seed=0)
    fit(mlp([2, 4, 2], seed=0), X, labels, loss="cross_entropy", epochs=3, batch_size=4)
    err = capsys.readouterr().err
    assert "epoch 1/3" in err and "epoch 3/3" in err and "accuracy" in err


@pytest.mark.parametrize(
    ("scale_x", "y", "error"),
    [
        (1.0, np.full((100, 1), 1e300), "y holds values beyond the range of float32"),
        (1e30, None, "training ended with NaN or Inf in dense1.W"),
        (1.0, np.full((100, 1), 2**63 - 5, dtype=np.uint64), "training ended with NaN or Inf"),
    ],
)
def test_fit_never_returns_weights_that_overflowed(scale_x, y, error):
    from glassnet.diagnostics import TrainingDiverged

    X = np.random.default_rng(0).normal(size=(100, 3))
    y = X[:, :1] if y is None else y
    with np.errstate(all="ignore"), pytest.raises((ValueError, TrainingDiverged), match=error):
        fit(mlp([3, 4, 1], seed=0), X * scale_x, y, loss="mse", epochs=2, progress=False)
