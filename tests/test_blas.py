"""The fused updates of glassnet._blas: NumPy's OpenBLAS and the NumPy fallback agree."""

import numpy as np
import pytest

from glassnet import SGD, Adam, _blas, mlp
from glassnet.losses import get_loss


@pytest.fixture(params=["blas", "numpy"])
def backend(request, monkeypatch):
    """Run the test once with the BLAS routines and once with NumPy operations only."""
    if request.param == "numpy":
        monkeypatch.setattr(_blas, "ROUTINES", {})
    return request.param


def test_numpy_wheel_blas_is_found():
    # NumPy's wheels bundle scipy-openblas; if NumPy says it was built with it, the fused
    # updates must have found it (else every optimizer step silently takes two passes).
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas["name"] != "scipy-openblas":
        pytest.xfail(f"this NumPy uses {blas['name']}: the NumPy operations do the updates")
    assert set(_blas.ROUTINES) == {
        (name, np.dtype(kind)) for name in ("axpy", "axpby") for kind in (np.float32, np.float64)
    }
    assert "OpenBLAS" in _blas.backend()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_and_axpby_compute_the_formula(backend, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 7)).astype(dtype)
    y = rng.standard_normal((300, 7)).astype(dtype)
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    expected = -0.3 * x.astype(np.float64) + y
    result = _blas.axpy(-0.3, x, y.copy())
    assert result.dtype == dtype
    np.testing.assert_allclose(result, expected, rtol=tolerance, atol=tolerance)
    expected = 0.25 * x.astype(np.float64) + 0.9 * y
    np.testing.assert_allclose(_blas.axpby(0.25, x, 0.9, y.copy()), expected, rtol=tolerance,
                               atol=tolerance)  # fmt: skip


def test_arrays_blas_cannot_take_go_through_numpy():
    rng = np.random.default_rng(1)
    y = rng.standard_normal((6, 8))
    x_strided = rng.standard_normal((6, 16))[:, ::2]  # not contiguous
    x_float32 = rng.standard_normal((6, 8)).astype(np.float32)  # other dtype
    for x in (x_strided, x_float32):
        np.testing.assert_allclose(_blas.axpy(2.0, x, y.copy()), 2.0 * x + y, rtol=1e-6)
        np.testing.assert_allclose(_blas.axpby(2.0, x, -1.0, y.copy()), 2.0 * x - y, rtol=1e-6)
    before = y[:, 0].copy()
    _blas.axpy(1.0, np.ones((6, 1)), y[:, :1])  # a strided view of y is updated where it lies
    np.testing.assert_allclose(y[:, 0], before + 1.0)


@pytest.mark.parametrize("make", [lambda: SGD(0.05), lambda: SGD(0.05, momentum=0.9),
                                  lambda: SGD(0.05, momentum=0.9, nesterov=True),
                                  lambda: Adam(0.01)])  # fmt: skip
def test_training_steps_agree_between_blas_and_numpy(make, monkeypatch):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.integers(0, 3, 64)

    def train():
        net = mlp([5, 16, 3], seed=0)
        optimizer = make()
        loss = get_loss("cross_entropy")
        for start in range(0, 64, 16):
            rows = slice(start, start + 16)
            net.loss_and_gradients(loss, X[rows], y[rows], l2=1e-3)
            optimizer.step(net.parameter_vector())
        return net.get_weights()

    initial = mlp([5, 16, 3], seed=0).get_weights()
    with_blas = train()
    monkeypatch.setattr(_blas, "ROUTINES", {})
    with_numpy = train()
    for name, weights in with_blas.items():
        assert np.abs(weights - initial[name]).max() > 1e-3  # the steps moved every parameter
        np.testing.assert_allclose(weights, with_numpy[name], rtol=1e-5, atol=1e-6)


def test_the_rule_for_one_thread_follows_openblas():
    # OpenBLAS runs (batch, 784) @ (784, 200) on one thread for one sample, on all from two
    assert _blas.products_on_one_thread(1, 784 * 200)
    assert not _blas.products_on_one_thread(2, 784 * 200)
    assert _blas.products_on_one_thread(64, 3 * 2)  # XOR's network: always one thread
    assert mlp([784, 200, 200, 10]).largest_weight_entries == 784 * 200


def test_one_thread_holds_openblas_to_one_thread_and_gives_back_the_count(monkeypatch):
    calls = []

    def set_threads(count):
        calls.append(count)
        return 7  # the count before

    monkeypatch.setattr(_blas, "ROUTINES", {("axpy", np.dtype(np.float64)): None})
    monkeypatch.setattr(_blas, "_SET_THREADS", set_threads)
    with _blas.one_thread():
        assert calls == [1]
    assert calls == [1, 7]
    with _blas.one_thread(False):
        pass
    with pytest.raises(RuntimeError), _blas.one_thread():
        raise RuntimeError("the count comes back on errors too")
    assert calls == [1, 7, 1, 7]


def test_one_thread_blocks_overlapping_on_two_threads_give_the_count_back(monkeypatch):
    # OpenBLAS's "local" setting is one count for the whole process: a block on one thread
    # that closes while another is open must neither lift the other's hold nor leave the
    # process on one thread after both are done.
    import threading

    count = {"threads": 2}

    def set_threads(new):  # as openblas_set_num_threads_local: returns the count before
        before, count["threads"] = count["threads"], new
        return before

    monkeypatch.setattr(_blas, "ROUTINES", {("axpy", np.dtype(np.float64)): None})
    monkeypatch.setattr(_blas, "_SET_THREADS", set_threads)
    first_open, second_open, first_closed = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def second():
        first_open.wait()
        with _blas.one_thread():
            second_open.set()
            first_closed.wait()
            seen["after the first closed"] = count["threads"]

    worker = threading.Thread(target=second)
    worker.start()
    with _blas.one_thread():
        first_open.set()
        second_open.wait()
    first_closed.set()
    worker.join()
    assert seen["after the first closed"] == 1
    assert count["threads"] == 2


@pytest.mark.parametrize("set_threads", ["openblas", "missing"])
def test_updates_inside_one_thread_compute_the_same(set_threads, monkeypatch):
    if set_threads == "missing":
        monkeypatch.setattr(_blas, "_SET_THREADS", None)  # an older OpenBLAS: NumPy does it
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(50_000), rng.standard_normal(50_000)
    with _blas.one_thread():
        result = _blas.axpby(0.5, x, -2.0, _blas.axpy(3.0, x, y.copy()))
        assert _blas._settings.numpy_only == (set_threads == "missing" and bool(_blas.ROUTINES))
    assert not _blas._settings.numpy_only
    np.testing.assert_allclose(result, 0.5 * x - 2.0 * (3.0 * x + y), rtol=1e-12, atol=1e-12)


def test_fit_runs_steps_of_one_sample_on_one_thread(monkeypatch):
    import glassnet.train

    seen = []

    def spy(enabled=True):
        seen.append(enabled)
        return _blas.one_thread(enabled)

    monkeypatch.setattr(glassnet.train, "one_thread", spy)
    rng = np.random.default_rng(4)
    X, y = rng.random((8, 784), dtype=np.float32), rng.integers(0, 10, 8)
    for batch in (1, 4):
        glassnet.train.fit(mlp([784, 200, 10], seed=0), X, y, loss="cross_entropy",
                           epochs=2, batch_size=batch, progress=False)  # fmt: skip
    assert seen == [True, True, False, False]  # once per epoch
