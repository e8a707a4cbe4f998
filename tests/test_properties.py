"""Properties over random networks and inputs (hypothesis), and a fuzz test of the model loader."""

import io
import signal
import zipfile
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import fit, gradcheck, mlp
from glassnet._errors import GlassnetError
from glassnet.io import ModelFileError
from glassnet.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy

# Derandomized: the same examples every run, so CI never fails on a newly drawn case by chance.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
KINKED = ("relu", "leaky_relu")


@st.composite
def networks(draw, activations=("relu", "leaky_relu", "sigmoid", "tanh", "identity"), dtype=None):
    sizes = [draw(st.integers(1, 6))]
    sizes += draw(st.lists(st.integers(1, 8), min_size=0, max_size=3))
    sizes.append(draw(st.integers(1, 5)))
    hidden = len(sizes) - 2
    chosen = draw(st.lists(st.sampled_from(activations), min_size=hidden, max_size=hidden))
    dtype = dtype or draw(st.sampled_from([np.float32, np.float64]))
    return mlp(sizes, activation=chosen, dtype=dtype, seed=draw(st.integers(0, 2**16)))


def inputs(network, batch, seed, scale=1.0):
    return np.random.default_rng(seed).normal(scale=scale, size=(batch, network.in_features))


@SETTINGS
@given(networks(), st.integers(1, 9), st.integers(0, 2**16))
def test_forward_and_backward_shapes_agree(network, batch, seed):
    x = inputs(network, batch, seed)
    network.layers[0].input_grad = True
    out = network.forward(x, training=True)
    assert out.shape == (batch, network.out_features) and out.dtype == network.dtype
    record: dict = {}
    network.backward(np.ones_like(out), record=record)
    for layer in network.layers:
        for key, param in layer.params.items():
            assert layer.grads[key].shape == param.shape
        assert record[layer.name]["grad_input"].shape == record[layer.name]["grad_output"].shape[
            :1
        ] + (record[layer.name]["grad_input"].shape[1],)
    assert record["dense1"]["grad_input"].shape == x.shape  # dL/dX, the first brick's input


@SETTINGS
@given(networks(dtype=np.float64), st.integers(1, 6), st.integers(0, 2**16),
       st.sampled_from(["mse", "cross_entropy", "binary_cross_entropy"]),
       st.sampled_from([0.0, 0.1]))  # fmt: skip
def test_gradients_pass_gradcheck_in_float64(network, batch, seed, loss_name, l2):
    x = inputs(network, batch, seed)
    rng = np.random.default_rng(seed + 1)
    n_out = network.out_features
    if loss_name == "cross_entropy":
        assume(n_out >= 2)
        loss, y = SoftmaxCrossEntropy(), rng.integers(0, n_out, batch)
    elif loss_name == "binary_cross_entropy":
        loss, y = BinaryCrossEntropy(), rng.integers(0, 2, (batch, n_out)).astype(float)
    else:
        loss, y = MSE(), rng.normal(size=(batch, n_out))
    record: dict = {}
    network.forward(x, training=True, record=record)
    for position, layer in enumerate(network.layers[:-1]):
        following = type(network.layers[position + 1]).__name__.lower()
        if following.replace("leakyrelu", "leaky_relu") in KINKED:
            # a finite difference across a kink is not a derivative: keep away from z = 0
            assume(np.min(np.abs(record[layer.name]["output"])) > 1e-3)
    errors = gradcheck(network, loss, x, y, l2=l2)
    assert max(errors.values()) < 1e-6, errors


@SETTINGS
@given(networks(), st.sampled_from([None, "softmax", "sigmoid"]), st.integers(1, 9),
       st.integers(0, 2**16), st.floats(0.1, 1e3))  # fmt: skip
def test_predict_proba_rows_are_distributions(network, output, batch, seed, scale):
    if output is not None:
        sizes = [network.in_features] + [
            layer.fan_out for layer in network.layers if hasattr(layer, "fan_out")
        ]
        network = mlp(sizes, output=output, dtype=network.dtype, seed=seed)
    proba = network.predict_proba(inputs(network, batch, seed, scale))
    columns = network.out_features if output == "softmax" else max(2, network.out_features)
    assert proba.shape == (batch, columns)  # one output of logits or sigmoid: two classes
    assert np.all(np.isfinite(proba)) and proba.min() >= 0 and proba.max() <= 1
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


@SETTINGS
@given(networks(), st.integers(0, 2**16))
def test_save_and_load_round_trip_exactly(tmp_path_factory, network, seed):
    path = tmp_path_factory.mktemp("models") / "model.npz"
    network.metadata["note"] = {"seed": seed}
    glassnet.save(network, path)
    loaded = glassnet.load(path)
    assert loaded.dtype == network.dtype and loaded.metadata == network.metadata
    for (name, a, _), (_, b, _) in zip(network.parameters(), loaded.parameters(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    x = inputs(network, 5, seed)
    np.testing.assert_array_equal(network.predict(x), loaded.predict(x))


# Anything a user might pass as X or y: shapes, dtypes and values of every kind.
ODD_VALUES = st.sampled_from([0.0, 1.0, -1.0, 1e30, -1e30, np.nan, np.inf, -np.inf, 0.5, 2.0])


def _filled(shape, dtype, value):
    if dtype in (str, object):
        return np.full(shape, value, dtype=dtype)
    with np.errstate(all="ignore"):  # nan or 1e30 cast to integers: whatever comes out
        return np.full(shape, value).astype(dtype)


odd_arrays = st.one_of(
    st.builds(_filled, st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
              st.sampled_from([np.float32, np.float64, np.int64, bool, complex, object, str]),
              ODD_VALUES),
    st.lists(st.lists(ODD_VALUES, min_size=0, max_size=4), min_size=0, max_size=4),
    st.just(None), st.just("text"), st.just(3.0),
)  # fmt: skip

DOCUMENTED = (ValueError, TypeError, GlassnetError)


@SETTINGS
@given(odd_arrays, odd_arrays, st.sampled_from(["cross_entropy", "mse", "binary_cross_entropy"]))
def test_odd_inputs_give_only_the_documented_errors(X, y, loss):
    network = mlp([3, 4, 2], seed=0)
    with np.errstate(all="ignore"):
        for call in (
            lambda: network.predict(X),
            lambda: network.predict_proba(X),
            lambda: fit(network, X, y, loss=loss, epochs=1, progress=False),
            lambda: glassnet.evaluate(network, loss, X, y),
        ):
            try:
                call()
            except DOCUMENTED:
                pass


# ---------------------------------------------------------------------- the loader, fuzzed
@contextmanager
def time_limit(seconds):
    def stop(signum, frame):
        raise TimeoutError("the loader hung")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutations(raw: bytes, rng: np.random.Generator):
    """Damaged copies of a model file: flipped bytes, truncations, insertions, swapped members."""
    for _ in range(120):
        data = bytearray(raw)
        for position in rng.integers(0, len(data), rng.integers(1, 8)):
            data[position] ^= int(rng.integers(1, 256))
        yield "flipped bytes", bytes(data)
    for cut in rng.integers(0, len(raw), 60):
        yield "truncated", raw[:cut]
    for _ in range(30):
        position = int(rng.integers(0, len(raw)))
        yield (
            "inserted bytes",
            raw[:position] + rng.bytes(int(rng.integers(1, 64))) + raw[position:],
        )
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = archive.namelist()
        members = {name: archive.read(name) for name in names}
    for name in names:
        for replacement in (b"", rng.bytes(100), members[name][: len(members[name]) // 2]):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for other, data in members.items():
                    archive.writestr(other, replacement if other == name else data)
            yield f"member {name} replaced", buffer.getvalue()


def test_fuzzed_model_files_load_exactly_or_are_refused(tmp_path):
    network = mlp([5, 7, 3], seed=0)
    network.metadata["dataset"] = "fuzz"
    original = tmp_path / "model.npz"
    glassnet.save(network, original)
    raw = original.read_bytes()
    expected = network.get_weights()
    outcomes = {"loaded exactly": 0, "refused": 0}
    for number, (kind, data) in enumerate(mutations(raw, np.random.default_rng(0))):
        path = tmp_path / f"mutant{number}.npz"
        path.write_bytes(data)
        with time_limit(5):
            try:
                loaded = glassnet.load(path)
            except ModelFileError:
                outcomes["refused"] += 1
                continue
        weights = loaded.get_weights()
        assert weights.keys() == expected.keys(), kind
        for name in expected:
            np.testing.assert_array_equal(weights[name], expected[name], err_msg=kind)
        outcomes["loaded exactly"] += 1
    assert outcomes["refused"] > 200  # the damage was real
    assert sum(outcomes.values()) == number + 1 == 225  # every mutant was one or the other


def test_the_fuzz_reaches_the_checksums(tmp_path):
    """Flipping a byte inside an array's data is caught (the zip CRC), not loaded as a different
    network."""
    network = mlp([5, 7, 3], seed=0)
    path = tmp_path / "model.npz"
    glassnet.save(network, path)
    raw = bytearray(path.read_bytes())
    weights = network.layers[0].params["W"].tobytes()
    position = bytes(raw).find(weights[:16]) + 8
    assert position > 8
    raw[position] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="not a readable glassnet model file"):
        glassnet.load(path)
