"""Optimizers on fixed gradients against the published update rules, worked out by hand."""

import math

import numpy as np
import pytest

from glassnet import SGD, Adam
from glassnet.optim import flush_near_underflow, get_optimizer
from glassnet.schedules import constant, cosine, get_schedule, step

GRADIENTS = [0.5, -1.0, 2.0]  # three steps on one scalar parameter starting at 1.0


def run(optimizer, start=1.0, gradients=GRADIENTS):
    param = np.array([start])
    grad = np.zeros(1)
    values = []
    for g in gradients:
        grad[0] = g
        optimizer.step([("w", param, grad)])
        values.append(float(param[0]))
    return values


def test_plain_sgd():
    # p <- p - 0.1 g: 1 - 0.05 = 0.95; 0.95 + 0.1 = 1.05; 1.05 - 0.2 = 0.85
    assert run(SGD(0.1)) == pytest.approx([0.95, 1.05, 0.85])


def test_sgd_momentum():
    # b1 = 0.5; b2 = 0.9*0.5 - 1 = -0.55; b3 = 0.9*-0.55 + 2 = 1.505
    # p: 1 - 0.05 = 0.95; 0.95 + 0.055 = 1.005; 1.005 - 0.1505 = 0.8545
    assert run(SGD(0.1, momentum=0.9)) == pytest.approx([0.95, 1.005, 0.8545])


def test_sgd_nesterov():
    # update = g + 0.9 b: 0.5 + 0.45 = 0.95; -1 + 0.9*-0.55 = -1.495; 2 + 0.9*1.505 = 3.3545
    # p: 1 - 0.095 = 0.905; 0.905 + 0.1495 = 1.0545; 1.0545 - 0.33545 = 0.71905
    assert run(SGD(0.1, momentum=0.9, nesterov=True)) == pytest.approx([0.905, 1.0545, 0.71905])


def test_adam():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate(GRADIENTS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        expected.append(p)
    values = run(Adam(lr, betas=(b1, b2), eps=eps))
    assert values == pytest.approx(expected, rel=1e-12)
    # the first step of Adam moves every parameter by about lr against the gradient's sign
    assert values[0] == pytest.approx(1.0 - 0.1, abs=1e-6)


def test_state_is_kept_per_parameter():
    opt = Adam(0.01)
    a, b = np.ones(2), np.ones(3)
    opt.step([("a", a, np.ones(2)), ("b", b, -np.ones(3))])
    opt.step([("a", a, np.ones(2))])
    assert opt.state["a"]["step"] == 2 and opt.state["b"]["step"] == 1
    assert a[0] < 1 < b[0]


def test_float32_parameters_stay_float32():
    param = np.ones(4, dtype=np.float32)
    for opt in (SGD(0.1), SGD(0.1, momentum=0.9), Adam(0.1)):
        opt.step([("w", param, np.full(4, 0.5, dtype=np.float32))])
        assert param.dtype == np.float32


def _subnormal(array: np.ndarray) -> int:
    return int(np.count_nonzero((array != 0) & (np.abs(array) < np.finfo(array.dtype).tiny)))


def _momentum_rule(lr, mu, nesterov=False):
    """The momentum update in plain NumPy, with nothing flushed: ``step(p, g, state)``."""

    def step(p, g, state):
        b = state["momentum_buffer"] = g.copy() if not state else mu * state["momentum_buffer"] + g
        p -= lr * (g + mu * b) if nesterov else lr * b

    return step


def _adam_rule(lr, b1, b2, eps=1e-8):
    """Adam in plain NumPy, with nothing flushed: ``step(p, g, state)``."""

    def step(p, g, state):
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
        p -= lr * (state["m"] / (1 - b1**t)) / (np.sqrt(state["v"] / (1 - b2**t)) + eps)

    return step


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: SGD(0.05, momentum=0.9), _momentum_rule(0.05, 0.9)),
        (lambda: SGD(0.1, momentum=0.5, nesterov=True), _momentum_rule(0.1, 0.5, True)),
        (lambda: Adam(0.01), _adam_rule(0.01, 0.9, 0.999)),
        (lambda: Adam(0.01, betas=(0.3, 0.99)), _adam_rule(0.01, 0.3, 0.99)),
    ],
)
def test_decaying_state_never_becomes_subnormal(make, rule, dtype):
    # A gradient that is zero after the first step (a dead unit) makes the momentum buffer or
    # Adam's moments decay geometrically: the plain rule's state goes subnormal (0.9 ** t after
    # about 840 steps in float32, 6,700 in float64); the optimizer's never does. Its state is
    # the plain rule's with the entries near underflow set to zero, and its parameters are the
    # plain rule's, since what it flushes is too small to move them.
    opt, state = make(), {}
    param, reference = np.ones(8, dtype), np.ones(8, dtype)
    grad = np.linspace(-1, 1, 8).astype(dtype)
    reference_went_subnormal = False
    for t in range(8000 if dtype == np.float64 else 1500):
        opt.step([("w", param, grad)])
        with np.errstate(under="ignore"):
            rule(reference, grad, state)
        buffers = [v for v in opt.state["w"].values() if isinstance(v, np.ndarray)]
        assert all(_subnormal(b) == 0 for b in buffers), f"step {t + 1}"
        reference_went_subnormal |= any(_subnormal(v) > 0 for v in state.values()
                                        if isinstance(v, np.ndarray))  # fmt: skip
        grad[:] = 0
    assert reference_went_subnormal
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    limit = np.finfo(dtype).tiny * 2.0**20
    for key, plain in state.items():
        if isinstance(plain, np.ndarray):
            flushed = np.where(np.abs(plain) < limit, 0, plain)
            np.testing.assert_allclose(opt.state["w"][key], flushed, rtol=rtol, atol=0)
    np.testing.assert_allclose(param, reference, rtol=rtol)


def test_flush_near_underflow_keeps_normal_entries_and_skips_steps():
    tiny = np.finfo(np.float32).tiny
    buffer = np.array([tiny * 1e5, -tiny * 1e5, tiny * 1e7, 1e-20, 0.0, -3.0], np.float32)
    period = int(20 * math.log(2) / -math.log(0.9))  # 131: 0.9 ** 131 >= 2 ** -20
    flush_near_underflow(buffer, 0.9, period - 1)
    assert np.count_nonzero(buffer) == 5  # not a flushing step
    flush_near_underflow(buffer, 0.9, period)
    assert buffer.tolist() == pytest.approx([0, 0, tiny * 1e7, 1e-20, 0, -3.0], rel=1e-6)
    for decay in (0.0, 1e-7, 1.0):  # nothing lingers to decay: nothing to flush
        kept = np.array([tiny * 2], np.float32)
        flush_near_underflow(kept, decay, 1024)
        assert kept[0] > 0


def test_optimizer_arguments_are_checked():
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD(0.1, momentum=1.5)
    with pytest.raises(ValueError, match="nesterov=True needs momentum"):
        SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in"):
        Adam(0.1, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="did you mean 'adam'"):
        get_optimizer("adm", 0.1)
    assert get_optimizer("momentum", 0.1).momentum == 0.9


def test_schedules():
    assert [constant(0.1)(e) for e in (0, 5)] == [0.1, 0.1]
    assert [step(1.0, 2, 0.5)(e) for e in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    schedule = cosine(1.0, 10, 0.1)
    assert schedule(0) == pytest.approx(1.0)
    assert schedule(5) == pytest.approx(0.55)
    assert schedule(10) == pytest.approx(0.1)


def test_schedules_by_name():
    assert get_schedule("constant", 0.1, 9)(8) == 0.1
    assert [get_schedule("step", 1.0, 9)(e) for e in (0, 3, 6)] == pytest.approx([1, 0.1, 0.01])
    assert get_schedule("cosine", 1.0, 10)(10) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="did you mean 'cosine'"):
        get_schedule("cosin", 1.0, 10)


def test_weight_decay_as_torch_defines_it():
    from glassnet.optim import AdamW

    p0, g = np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.2, -0.3])
    sgd, p = SGD(0.1, weight_decay=0.5), p0.copy()
    sgd.step([("p", p, g)])
    np.testing.assert_allclose(p, p0 - 0.1 * (g + 0.5 * p0))  # the decay joins the gradient
    adamw, p = AdamW(0.1, weight_decay=0.5), p0.copy()
    adamw.step([("p", p, g)])
    # first shrunk by lr * wd, then Adam's first step: lr * sign(g) (m_hat / sqrt(v_hat) = +-1)
    np.testing.assert_allclose(p, p0 * (1 - 0.05) - 0.1 * np.sign(g), rtol=1e-6)
    coupled, p = Adam(0.1, weight_decay=0.5), p0.copy()
    coupled.step([("p", p, g)])
    np.testing.assert_allclose(p, p0 - 0.1 * np.sign(g + 0.5 * p0), rtol=1e-6)
    assert AdamW().weight_decay == 0.01 and "weight_decay" not in SGD(0.1).config()
    with pytest.raises(ValueError, match="weight_decay must be a finite number >= 0"):
        SGD(0.1, weight_decay=-1)


def test_clipping_scales_the_whole_gradient(rng):
    from glassnet import fit, mlp
    from glassnet.optim import clip_gradient_norm

    gradient = np.array([3.0, 4.0])
    assert clip_gradient_norm(gradient, 1.0) == 5.0
    np.testing.assert_allclose(gradient, [0.6, 0.8], rtol=1e-6)
    gradient = np.array([0.3, 0.4])
    clip_gradient_norm(gradient, 1.0)
    np.testing.assert_array_equal(gradient, [0.3, 0.4])  # shorter: left alone
    X, y = rng.normal(size=(50, 3)) * 100, rng.integers(0, 2, size=50)
    network = mlp([3, 8, 2], seed=0)
    before = network.layers[0].params["W"].copy()
    fit(network, X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=1, batch_size=None,
        clip_norm=0.5, progress=False)  # fmt: skip
    moved = np.sqrt(sum(np.sum((p - q) ** 2) for p, q in [(network.layers[0].params["W"],
                                                          before)]))  # fmt: skip
    assert moved <= 0.1 * 0.5 * (1 + 1e-5)  # one step of lr * a gradient of norm <= 0.5
    with pytest.raises(ValueError, match="clip_norm must be a finite number > 0"):
        fit(network, X, y, loss="cross_entropy", clip_norm=0, progress=False)
