"""GELU, added as one brick: its erf, and every entry point that offers activations."""

import json
import math

import numpy as np
import pytest
from starlette.testclient import TestClient
from test_contract import run_cli

from glassnet.explain import explain_step
from glassnet.layers import GELU, erf
from glassnet.network import mlp
from glassnet.playground.server import create_app
from glassnet.sklearn import MLPClassifier


def test_erf_is_exact_to_the_dtype():
    x = np.linspace(-9, 9, 36001)
    reference = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(erf(x) - reference)) < 4e-15
    single = erf(x.astype(np.float32))
    assert single.dtype == np.float32
    assert np.max(np.abs(single - reference)) < 2 * np.finfo(np.float32).eps


def test_gelu_is_z_times_the_normal_cdf():
    z = np.array([[-3.0, -1.0, 0.0, 0.5, 2.0]])
    expected = [[v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z[0]]]
    np.testing.assert_allclose(GELU().forward(z), expected, rtol=1e-12)  # 1 + erf cancels at -3


def test_gelu_trains_and_explains_itself(tmp_path):
    trained = run_cli("train", "spirals", "--activation", "gelu", "--epochs", "60", "--json",
                      "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["test"]["accuracy"] > 0.9
    network = mlp([2, 4, 2], activation="gelu", seed=0)
    steps, _ = explain_step(network, "cross_entropy", np.eye(2), np.array([0, 1]),
                            learning_rate=0.1, title="GELU")  # fmt: skip
    formulas = {step.formula for step in steps}
    assert "z1 Phi(z1), Phi(z) = (1 + erf(z / sqrt 2)) / 2" in formulas
    assert "Phi(z1) + z1 exp(-z1^2 / 2) / sqrt(2 pi)" in formulas


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_estimators_and_the_playground_offer_it():
    X = np.random.default_rng(0).normal(size=(60, 3))
    model = MLPClassifier(hidden_layer_sizes=(8,), activation="gelu", max_iter=3).fit(
        X, X[:, 0] > 0
    )
    assert type(model.network_.layers[1]).__name__ == "GELU"
    page = TestClient(create_app(), base_url="http://localhost").get("/").text
    assert "<option>gelu</option>" in page
