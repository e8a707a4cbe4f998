"""Optimizers on fixed gradients against the published update rules, worked out by hand."""

import math

import numpy as np
import pytest

from glassnet import SGD, Adam
from glassnet.optim import get_optimizer
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
