import pickle

import numpy as np
import pytest

from glassnet import SGD, Adam, Dense, Dropout, Network, ReLU, Sigmoid, Softmax, Tanh, mlp
from glassnet.losses import SoftmaxCrossEntropy

from rounding import assert_within_rounding


def test_layers_are_named_and_parameters_ordered():
    net = Network([Dense(2, 3), Sigmoid(), Dense(3, 2), Sigmoid()], seed=0)
    assert [layer.name for layer in net.layers] == ["dense1", "sigmoid1", "dense2", "sigmoid2"]
    names = [name for name, _, _ in net.parameters()]
    assert names == ["dense1.W", "dense1.b", "dense2.W", "dense2.b"]
    assert net.n_params == 2 * 3 + 3 + 3 * 2 + 2


def test_default_init_follows_the_activation():
    net = Network([Dense(4, 8), ReLU(), Dense(8, 8), Tanh(), Dense(8, 2)], seed=0)
    assert [layer.init for layer in net.layers if isinstance(layer, Dense)] == [
        "he_normal",
        "glorot_uniform",
        "glorot_uniform",
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_applies_to_parameters_and_outputs(dtype):
    net = mlp([3, 5, 2], dtype=dtype, seed=0)
    assert all(p.dtype == dtype and g.dtype == dtype for _, p, g in net.parameters())
    assert net.predict(np.ones((4, 3), dtype=np.float64)).dtype == dtype
    with pytest.raises(TypeError, match="float32 or float64"):
        mlp([3, 2], dtype=np.int32)


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (mlp([4, 6, 3], seed=s).get_weights() for s in (1, 1, 2))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["dense1.W"], c["dense1.W"])


def test_predict_proba_rows_sum_to_one(rng):
    X = rng.normal(size=(50, 4)) * 100
    for output in (None, "softmax", "sigmoid"):
        net = mlp([4, 8, 3], output=output, seed=0)
        proba = net.predict_proba(X)
        assert proba.shape == (50, 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        assert np.all(proba >= 0)
        np.testing.assert_array_equal(net.predict_classes(X), proba.argmax(axis=1))
    binary = mlp([4, 8, 1], seed=0)
    proba = binary.predict_proba(X)
    assert proba.shape == (50, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_predict_in_batches_equals_one_pass(rng):
    net = mlp([4, 16, 3], seed=0, dtype=np.float64)
    X = rng.normal(size=(1000, 4))
    np.testing.assert_allclose(net.predict(X, batch_size=64), net.predict(X, batch_size=None))


def test_summary_lists_layers_shapes_and_counts():
    net = mlp([784, 200, 200, 10], seed=0)
    text = net.summary()
    assert "dense1" in text and "relu2" in text and "(batch, 200)" in text
    assert "157,000" in text  # 784 * 200 + 200
    assert f"total: {net.n_params:,} trainable parameters, dtype float32" in text
    assert net.n_params == 784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10


def test_mlp_per_layer_activations_and_dropout():
    net = mlp([2, 4, 4, 1], activation=["tanh", "leaky_relu"], dropout=0.2, output="sigmoid")
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == [
        "Dense", "Tanh", "Dropout", "Dense", "LeakyReLU", "Dropout", "Dense", "Sigmoid",
    ]  # fmt: skip
    assert net.layers[2].rng is net.rng
    with pytest.raises(ValueError, match="2 activations given for 1 hidden layers"):
        mlp([2, 4, 1], activation=["tanh", "relu"])
    with pytest.raises(ValueError, match="unknown activation 'rleu'.*did you mean 'relu'"):
        mlp([2, 4, 1], activation="rleu")


def test_wrong_input_shape_is_named():
    net = mlp([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="X has 4 features per row but the network expects 3"):
        net.predict(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"X must be 2-D \(n_samples, 3\); got shape \(5, 3, 1\)"):
        net.predict(np.ones((5, 3, 1)))
    with pytest.raises(ValueError, match="dense2 expects 5 input features"):
        Network([Dense(3, 4), ReLU(), Dense(5, 2)])
    with pytest.raises(TypeError, match="not a glassnet Layer"):
        Network([Dense(3, 4), "relu"])


def test_backward_skips_the_input_gradient_unless_asked(rng):
    net = Network([Dense(3, 4), Softmax()], seed=0, dtype=np.float64)
    x = rng.normal(size=(2, 3))
    grad_out = rng.normal(size=(2, 4))
    net.forward(x, training=True)
    assert net.backward(grad_out) is None
    assert net.layers[0].grads["W"].any()
    first = net.layers[0]
    first.input_grad = True
    net.forward(x, training=True)
    grad_softmax = net.layers[1].backward(grad_out)
    np.testing.assert_allclose(first.backward(grad_softmax), grad_softmax @ first.params["W"].T)


def test_copy_and_set_weights_are_independent():
    net = mlp([2, 3, 1], seed=0)
    clone = net.copy()
    clone.parameters()[0][1][...] = 0
    assert not np.all(net.parameters()[0][1] == 0)
    net.set_weights(clone.get_weights())
    assert np.all(net.parameters()[0][1] == 0)
    with pytest.raises(ValueError, match="dense1.W must have shape"):
        net.set_weights({**clone.get_weights(), "dense1.W": np.zeros((3, 3))})


def test_dropout_is_only_active_in_training():
    net = Network([Dense(3, 50), Dropout(0.5), Dense(50, 2)], seed=0)
    x = np.ones((4, 3))
    np.testing.assert_array_equal(net.forward(x), net.forward(x))
    assert not np.array_equal(net.forward(x, training=True), net.forward(x, training=True))


def test_parameters_live_in_one_vector_that_the_bricks_share(rng):
    net = mlp([3, 4, 2], seed=0)
    ((name, vector, grad_vector),) = net.parameter_vector()
    assert vector.size == net.n_params and grad_vector.shape == vector.shape
    dense = net.layers[0]
    assert np.shares_memory(dense.params["W"], vector)
    assert np.shares_memory(dense.grads["W"], grad_vector)
    vector[0] = 42.0  # a write through the vector is a write to the brick's W
    assert dense.params["W"].ravel()[0] == 42.0


def test_replaced_arrays_are_gathered_again(rng):
    net = mlp([3, 4, 2], seed=0)
    clone = pickle.loads(pickle.dumps(net))  # a pickle (or deepcopy) does not keep the views
    ((_, vector, _),) = clone.parameter_vector()
    assert np.shares_memory(clone.layers[0].params["W"], vector)
    np.testing.assert_array_equal(vector, net.parameter_vector()[0][1])
    clone.layers[2].reset_parameters(np.random.default_rng(1))
    ((_, vector, _),) = clone.parameter_vector()
    np.testing.assert_array_equal(vector[-2:], clone.layers[2].params["b"])
    assert np.shares_memory(clone.layers[2].params["W"], vector)


@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: Adam(0.01)]
)
def test_one_step_over_the_vector_equals_steps_over_each_array(rng, make):
    # 40 x 400 weights: long enough for OpenBLAS to split the vector's update over its threads,
    # so the two ways round apart in the last bit (differently on each CPU and thread count)
    X, y = rng.normal(size=(16, 40)), rng.integers(0, 2, 16)
    nets = [mlp([40, 400, 2], seed=0, dtype=np.float64) for _ in range(2)]
    optimizers = [make(), make()]
    loss = SoftmaxCrossEntropy()
    steps = 3
    for _ in range(steps):
        for net, optimizer, by_vector in zip(nets, optimizers, (True, False), strict=True):
            net.loss_and_gradients(loss, X, y)
            optimizer.step(net.parameter_vector() if by_vector else net.parameters())
    start = mlp([40, 400, 2], seed=0, dtype=np.float64).get_weights()
    for (name, a, _), (_, b, _) in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        assert not np.array_equal(b, start[name]), name  # the steps moved it
        assert_within_rounding(a, b, steps=steps, err_msg=name)


def test_the_same_steps_over_the_vector_are_bit_identical(rng):
    # the same calls on the same shapes in the same order: no rounding can tell them apart
    X, y = rng.normal(size=(16, 40)).astype(np.float32), rng.integers(0, 2, 16)
    nets = [mlp([40, 400, 2], seed=0) for _ in range(2)]
    optimizers = [Adam(0.01), Adam(0.01)]
    for _ in range(3):
        for net, optimizer in zip(nets, optimizers, strict=True):
            net.loss_and_gradients(SoftmaxCrossEntropy(), X, y)
            optimizer.step(net.parameter_vector())
    np.testing.assert_array_equal(
        nets[0].parameter_vector()[0][1], nets[1].parameter_vector()[0][1]
    )


def test_an_output_that_overflowed_is_an_error_not_a_prediction(tmp_path):
    from glassnet.io import load_model, save
    from glassnet.network import OutputOverflow

    net = mlp([2, 4, 2], seed=0)
    net.layers[0].params["W"][0, 0] = np.finfo(np.float32).max  # a file may hold this weight
    loaded = load_model(save(net, tmp_path / "max.npz"))
    for model in (net, loaded):
        with pytest.raises(OutputOverflow, match=r"output for row 1 \(column \d\) is (inf|-inf|nan)"
                           r".*largest weight is 3.40282e\+38, in dense1.W"):  # fmt: skip
            model.predict([[0.0, 1.0], [3.0, 1.0]])
        assert np.all(np.isfinite(model.predict([[0.0, 1.0]])))  # rows that stay finite do
    with np.errstate(all="ignore"):  # training and evaluation see the NaN as it is
        assert not np.all(np.isfinite(net.predict(np.array([[3.0, 1.0]]), checked=True)))


def test_a_sparse_matrix_gets_a_message_that_says_so():
    import scipy.sparse as sparse  # scipy comes with scikit-learn, in the test extra

    X = sparse.csr_matrix(np.eye(3)[:, :2])
    with pytest.raises(TypeError, match=r"X is a scipy sparse matrix of shape \(3, 2\); glassnet "
                                        r"takes dense arrays: pass X.toarray\(\)"):  # fmt: skip
        mlp([2, 3, 1], seed=0).predict(X)
