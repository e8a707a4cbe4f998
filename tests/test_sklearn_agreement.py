"""glassnet's estimators take scikit-learn's steps: with the same settings (and so the same initial
weights, batches and objective), their weights, losses and predictions are scikit-learn's to
float64 rounding, for sgd (with each learning-rate schedule), adam and lbfgs."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn import neural_network
from sklearn.exceptions import ConvergenceWarning

from glassnet import sklearn as glassnet_sklearn


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 6))
    labels = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0.8).astype(int)
    targets = np.stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2]), X[:, 3] * X[:, 4]], axis=1)
    return X, labels, targets


def both(kind: str, **params):
    """The scikit-learn estimator and glassnet's, trained on the same settings."""
    name = "MLPClassifier" if kind == "classifier" else "MLPRegressor"
    return getattr(neural_network, name)(**params), getattr(glassnet_sklearn, name)(**params)


def assert_same_fit(theirs, ours, X, *, rtol=1e-9, atol=1e-12):
    for a, b in zip(theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=rtol)
    if hasattr(theirs, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
    method = "predict_proba" if hasattr(theirs, "predict_proba") else "predict"
    np.testing.assert_allclose(getattr(ours, method)(X), getattr(theirs, method)(X), rtol=rtol,
                               atol=atol)  # fmt: skip


SETTINGS = [
    {"solver": "sgd", "learning_rate": "constant", "momentum": 0.9},
    {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.05},
    {"solver": "sgd", "learning_rate": "adaptive", "n_iter_no_change": 2, "tol": 0.1},
    {"solver": "sgd", "nesterovs_momentum": False, "alpha": 0.01, "batch_size": 32},
    {"solver": "adam", "learning_rate_init": 0.01},
    {"solver": "adam", "early_stopping": True, "validation_fraction": 0.2},
    {"solver": "lbfgs"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_the_same_steps_as_scikit_learn(data, kind, settings):
    X, labels, targets = data
    y = labels if kind == "classifier" else targets
    params = {"hidden_layer_sizes": (7, 5), "activation": "tanh", "max_iter": 25,
              "random_state": 3, **settings}  # fmt: skip
    theirs, ours = both(kind, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    rtol = 1e-6 if settings["solver"] == "lbfgs" else 1e-9  # (line searches amplify rounding)
    assert_same_fit(theirs, ours, X, rtol=rtol, atol=1e-9)


@pytest.mark.parametrize(
    "case",
    ["binary", "multilabel", "sample_weight", "sparse", "poisson", "logistic", "partial_fit"],
)
def test_the_same_steps_in_each_setting(data, case):
    X, labels, targets = data
    kind, y, fit_options = "classifier", labels, {}
    params = {"hidden_layer_sizes": (8,), "max_iter": 15, "random_state": 1,
              "solver": "adam", "learning_rate_init": 0.01}  # fmt: skip
    if case == "binary":
        y = labels > 0
    elif case == "multilabel":
        y = np.stack([labels > 0, labels > 1, X[:, 5] > 0], axis=1).astype(int)
    elif case == "sample_weight":
        fit_options = {"sample_weight": np.random.RandomState(2).uniform(0, 3, len(X))}
    elif case == "sparse":
        X = scipy.sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    elif case == "poisson":
        kind, y = "regressor", np.random.RandomState(4).poisson(np.exp(X[:, 0] / 2))
        params["loss"] = "poisson"
    elif case == "logistic":
        params.update(activation="logistic", solver="sgd", momentum=0.5)
    theirs, ours = both(kind, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if case == "partial_fit":
            for _ in range(5):
                theirs.partial_fit(X, y, classes=[0, 1, 2])
                ours.partial_fit(X, y, classes=[0, 1, 2])
        else:
            theirs.fit(X, y, **fit_options)
            ours.fit(X, y, **fit_options)
    assert_same_fit(theirs, ours, X, atol=1e-10)


def test_the_same_steps_on_weights_set_by_hand(data):
    """scikit-learn's weights copied into glassnet's estimator (``coefs_`` is writable) and one
    more epoch on each: the same weights again."""
    X, labels, _ = data
    params = {"hidden_layer_sizes": (6,), "solver": "sgd", "random_state": 0}
    theirs, ours = both("classifier", **params)
    theirs.partial_fit(X, labels, classes=[0, 1, 2])
    ours.partial_fit(X, labels, classes=[0, 1, 2])
    rng = np.random.RandomState(5)
    for index in range(2):
        shape = theirs.coefs_[index].shape
        theirs.coefs_[index] = rng.normal(size=shape)
        ours.coefs_[index] = theirs.coefs_[index].copy()
    theirs.partial_fit(X, labels)
    ours.partial_fit(X, labels)
    assert_same_fit(theirs, ours, X, atol=1e-10)


def test_float32_follows_x_and_stays_close(data):
    X, labels, targets = data
    theirs, ours = both("regressor", hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X.astype(np.float32), targets)
        ours.fit(X.astype(np.float32), targets)
    assert ours.coefs_[0].dtype == np.float32 and ours.network_.dtype == np.float32
    assert ours.predict(X.astype(np.float32)).dtype == np.float32
    for a, b in zip(theirs.coefs_, ours.coefs_, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)  # float32 over 10 epochs


def test_sparse_x_is_never_made_dense():
    """200,000 sparse columns: dense, X would take 3.2 GB; the first layer multiplies it as it
    is (the run takes a few MB and a fraction of a second)."""
    import resource

    rng = np.random.RandomState(0)
    entries = 8000  # four a row on average
    where = (rng.randint(0, 2000, entries), rng.randint(0, 200_000, entries))
    X = scipy.sparse.csr_matrix((rng.normal(size=entries), where), shape=(2000, 200_000))
    y = rng.randint(0, 2, 2000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, the peak so far
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = glassnet_sklearn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=2,
                                               random_state=0).fit(X, y)  # fmt: skip
    assert model.predict(X).shape == (2000,)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 500 * 1024  # KiB: the weights (6.4 MB) and their Adam state, no dense X
