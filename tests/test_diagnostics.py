import numpy as np
import pytest

import glassnet as gn
from glassnet.datasets import spirals
from glassnet.diagnostics import TrainingDiverged


def test_guard_stops_a_diverging_run_and_keeps_finite_weights():
    X, y = spirals(200, seed=0)
    net = gn.mlp([2, 32, 32, 3], seed=0)
    with pytest.raises(TrainingDiverged) as caught:
        gn.fit(net, X * 1000, y, loss="cross_entropy", optimizer=gn.SGD(10.0), epochs=50,
               batch_size=16, guard=True, progress=False, seed=0)  # fmt: skip
    message = str(caught.value)
    assert "training stopped at epoch" in message and "step" in message
    assert "inputs are not scaled" in message and "learning rate is too high (10)" in message
    assert all(np.all(np.isfinite(w)) for w in net.get_weights().values())


def test_guard_names_the_layer_of_a_nan_gradient():
    X, y = spirals(64, seed=0)
    net = gn.mlp([2, 8, 3], seed=0)

    class Poison(gn.Callback):
        def on_backward_end(self, state):
            if state.step == 3:
                state.network.layers[0].grads["W"][0, 0] = np.nan

    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 4: the gradient of dense1.W is NaN"):
        gn.fit(net, X, y, loss="cross_entropy", epochs=2, batch_size=8, guard=True,
               callbacks=[Poison()], progress=False)  # fmt: skip


def test_guard_is_quiet_on_healthy_training():
    X, y = spirals(300, seed=0)
    history = gn.fit(gn.mlp([2, 32, 3], seed=0), X, y, loss="cross_entropy",
                     optimizer=gn.Adam(0.01), epochs=20, guard=True, progress=False)  # fmt: skip
    assert history.epochs == 20


def test_health_figures_in_the_history():
    X, y = spirals(300, seed=0)
    net = gn.Network([gn.Dense(2, 16), gn.ReLU(), gn.Dense(16, 16), gn.Sigmoid(),
                      gn.Dense(16, 3)], seed=0)  # fmt: skip
    history = gn.fit(net, X, y, loss="cross_entropy", epochs=3, health=True, progress=False)
    for key in ("grad_norm/dense1", "grad_norm/dense3", "dead/relu1", "saturated/sigmoid1"):
        assert len(history[key]) == 3, key
    assert all(0 <= v <= 1 for v in history["dead/relu1"] + history["saturated/sigmoid1"])
    assert all(v > 0 for v in history["grad_norm/dense1"])


def test_dead_relus_are_counted():
    X, y = spirals(100, seed=0)
    net = gn.mlp([2, 10, 3], seed=0)
    net.layers[0].params["b"][:5] = -100.0  # half the units can never fire
    history = gn.fit(net, X, y, loss="cross_entropy", epochs=1, optimizer=gn.SGD(1e-6),
                     health=True, progress=False)  # fmt: skip
    assert history["dead/relu1"][0] == pytest.approx(0.5)


def test_likely_causes_name_dead_relus_from_the_last_forward_pass():
    from glassnet.diagnostics import likely_causes
    from glassnet.losses import get_loss
    from glassnet.train import TrainingState

    net = gn.mlp([2, 8, 3], seed=0)
    net.layers[0].params["b"][:6] = -100.0  # 6 of the 8 units can never fire
    net.forward(np.random.default_rng(0).random((16, 2)), training=True)
    state = TrainingState(network=net, loss=get_loss("cross_entropy"), optimizer=gn.SGD(0.1),
                          history=gn.History(), epochs=1, batches_per_epoch=1)  # fmt: skip
    causes = likely_causes(net, state)
    assert any("dead ReLUs in relu1 (75% of units" in cause for cause in causes)


@pytest.mark.parametrize(
    ("X_scale", "y_scale", "optimizer", "named", "not_named"),
    [
        (1e30, 1.0, None, "inputs are too large for float32 arithmetic (the largest |x| is 3.1",
         "learning rate"),  # it overflows at the first step: no update has happened yet
        (1.0, 1e30, None, "targets are too large for float32 arithmetic (the largest |y| is 1e+30",
         "learning rate"),
        (1.0, 1e6, None, "targets are not scaled (the largest |y| is 1e+06)", "inputs"),
        (1.0, 1.0, gn.SGD(1e30), "learning rate is too high (1e+30)", "not scaled"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("guard", [True, False])
def test_a_divergence_names_its_real_cause(X_scale, y_scale, optimizer, named, not_named, guard):
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = np.full((100, 1), y_scale) if y_scale != 1.0 else X[:, :1]
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as caught:
        gn.fit(gn.mlp([3, 8, 1], seed=0), X * X_scale, y, loss="mse", optimizer=optimizer,
               epochs=3, guard=guard, progress=False, seed=0)  # fmt: skip
    message = str(caught.value)
    likely = message.split("Likely cause: ")[1].split(" (also possible")[0].split("; or")[0]
    assert named in likely, message
    if guard:
        assert not_named not in message, message
