import numpy as np
import pytest

from glassnet import Dense, Dropout, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from glassnet.layers import sigmoid

EXTREMES = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_finite_and_exact_at_extremes(dtype):
    x = EXTREMES.astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        brick = Sigmoid()
        out = brick.forward(x)
        grad = brick.backward(np.ones_like(x))
    assert out.dtype == dtype
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    assert out[0, 0] == 0.0 and out[0, -1] == 1.0 and out[0, 2] == 0.5
    assert grad[0, 0] == 0.0 and grad[0, 2] == 0.25


def test_sigmoid_matches_the_textbook_formula_in_range():
    x = np.linspace(-20, 20, 101)
    np.testing.assert_allclose(sigmoid(x), 1.0 / (1.0 + np.exp(-x)), rtol=1e-12)


def test_dense_computes_x_at_w_plus_b(rng):
    dense = Dense(3, 2, rng=rng)
    dense.params["b"][:] = [0.5, -1.0]
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(dense.forward(x), x @ dense.params["W"] + dense.params["b"])
    assert dense.params["W"].shape == (3, 2)
    grad_out = rng.normal(size=(4, 2))
    grad_in = dense.backward(grad_out)
    np.testing.assert_allclose(dense.grads["W"], x.T @ grad_out)
    np.testing.assert_allclose(dense.grads["b"], grad_out.sum(axis=0))
    np.testing.assert_allclose(grad_in, grad_out @ dense.params["W"].T)


@pytest.mark.parametrize("batch", [1, 4])
def test_dense_backward_takes_inputs_of_another_float_type(rng, batch):
    # A Dense built on its own holds float64 weights; float32 data must still train it.
    dense = Dense(3, 2, rng=rng)
    x = rng.normal(size=(batch, 3)).astype(np.float32)
    grad_out = rng.normal(size=(batch, 2)).astype(np.float32)
    dense.forward(x)
    dense.backward(grad_out)
    assert dense.grads["W"].dtype == dense.grads["b"].dtype == np.float64
    np.testing.assert_allclose(dense.grads["W"], x.T.astype(float) @ grad_out, rtol=1e-6)
    np.testing.assert_allclose(dense.grads["b"], grad_out.sum(axis=0), rtol=1e-6)


def test_dense_without_bias_has_only_weights(rng):
    dense = Dense(3, 2, bias=False, rng=rng)
    assert set(dense.params) == {"W"}
    x = rng.normal(size=(2, 3))
    np.testing.assert_allclose(dense.forward(x), x @ dense.params["W"])


def test_dense_rejects_bad_sizes_and_needs_initialising():
    with pytest.raises(ValueError, match="fan_out must be a positive integer"):
        Dense(3, 0)
    with pytest.raises(ValueError, match="unknown init 'he_norml'.*did you mean 'he_normal'"):
        Dense(3, 2, init="he_norml")
    with pytest.raises(RuntimeError, match="not initialised"):
        Dense(3, 2).forward(np.ones((1, 3)))


@pytest.mark.parametrize(
    ("brick", "expected"),
    [
        (ReLU(), [0.0, 0.0, 0.0, 2.0]),
        (LeakyReLU(0.1), [-0.3, -0.05, 0.0, 2.0]),
        (Tanh(), np.tanh([-3.0, -0.5, 0.0, 2.0])),
        (Identity(), [-3.0, -0.5, 0.0, 2.0]),
    ],
)
def test_activation_values(brick, expected):
    x = np.array([[-3.0, -0.5, 0.0, 2.0]])
    np.testing.assert_allclose(brick.forward(x)[0], expected)


def test_relu_keeps_float32():
    x = np.array([[-1.0, 2.0]], dtype=np.float32)
    relu = ReLU()
    assert relu.forward(x).dtype == np.float32
    assert relu.backward(np.ones_like(x)).dtype == np.float32


def test_softmax_rows_sum_to_one_at_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = Softmax().forward(np.array([[1e4, -1e4, 0.0], [3.0, 3.0, 3.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    assert p[0, 0] == 1.0


def test_dropout_scales_kept_units_and_is_identity_at_inference():
    dropout = Dropout(0.25, rng=np.random.default_rng(0))
    x = np.ones((200, 50))
    out = dropout.forward(x, training=True)
    kept = out != 0
    assert 0.70 < kept.mean() < 0.80
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    np.testing.assert_array_equal(dropout.backward(np.ones_like(x)), out)
    assert dropout.forward(x, training=False) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        Dropout(1.0)


def test_dropout_masks_come_from_the_generator():
    a = Dropout(0.5, rng=np.random.default_rng(7)).forward(np.ones((4, 6)), training=True)
    b = Dropout(0.5, rng=np.random.default_rng(7)).forward(np.ones((4, 6)), training=True)
    np.testing.assert_array_equal(a, b)
