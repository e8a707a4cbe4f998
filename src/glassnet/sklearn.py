"""scikit-learn estimators on the glassnet core: :class:`MLPClassifier` and :class:`MLPRegressor`.

They train a :class:`~glassnet.network.Network` with :func:`~glassnet.train.fit` (no second
implementation) and follow scikit-learn's conventions, so they work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score`` and ``clone``. Parameters keep the names of scikit-learn's
own ``sklearn.neural_network`` estimators where the meaning is the same::

    from glassnet.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X, y)
    clf.network_          # the glassnet Network: explain, trace, plot, save, export it

Needs the ``sklearn`` extra: ``pip install 'glassnet[sklearn]'``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "glassnet.sklearn needs scikit-learn >= 1.6: pip install 'glassnet[sklearn]'"
    ) from error

from glassnet._checks import is_finite_real, is_positive_int
from glassnet._errors import unknown_name
from glassnet.callbacks import Callback
from glassnet.frames import encode_frame, is_frame, learn_categories, text_columns
from glassnet.layers import HIDDEN_ACTIVATIONS, sigmoid, softmax
from glassnet.metrics import accuracy, r2
from glassnet.network import Network, mlp
from glassnet.optim import SGD, Adam, Optimizer
from glassnet.preprocessing import OneHot
from glassnet.train import fit

#: scikit-learn's activation names, and glassnet's own, as glassnet bricks.
_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid"} | {
    name: name for name in HIDDEN_ACTIVATIONS
}
_SOLVERS = ("adam", "sgd")


class _ScikitLearnStopping(Callback):
    """scikit-learn's stopping rule for its stochastic solvers.

    Without early stopping: an epoch whose training loss is not below the best loss minus
    ``tol`` counts as no improvement. With early stopping: an epoch whose validation score is not
    above the best score plus ``tol`` does, and the best epoch's weights are put back at the end.
    Training stops once more than ``n_iter_no_change`` such epochs come in a row.
    """

    def __init__(self, estimator, validation) -> None:
        self.estimator = estimator
        self.validation = validation

    def on_epoch_end(self, state, logs) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.loss_ = logs["loss"]
        est.loss_curve_.append(logs["loss"])
        if self.validation is not None:
            score = est._score_network(*self.validation)
            est.validation_scores_.append(score)
            logs["val_score"] = score
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_weights = state.network.get_weights()
        else:
            if logs["loss"] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            est.best_loss_ = min(est.best_loss_, logs["loss"])
        if est._no_improvement_count > est.n_iter_no_change:
            est._stopped_early = True
            state.stop = True

    def on_train_end(self, state) -> None:
        if self.validation is not None and self.estimator._best_weights is not None:
            state.network.set_weights(self.estimator._best_weights)


class _GlassnetMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, checks, the training loop."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        dropout=0.0,
        dtype="float32",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.dtype = dtype

    # ------------------------------------------------------------------ subclass hooks
    _loss: str
    _out_activation: str

    def _encode_targets(self, y, *, first_call: bool) -> np.ndarray:
        raise NotImplementedError

    def _score_network(self, X, y_encoded) -> float:
        raise NotImplementedError

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
        for size in sizes:
            if not is_positive_int(size):
                raise ValueError(
                    "hidden_layer_sizes must hold positive integers; "
                    f"got {self.hidden_layer_sizes!r}"
                )
        _choice("activation", self.activation, _ACTIVATIONS)
        if self.solver == "lbfgs":
            raise ValueError("solver='lbfgs' is not available in glassnet; use 'adam' or 'sgd'")
        _choice("solver", self.solver, _SOLVERS)
        _number("alpha", self.alpha, low=0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _integer("batch_size", self.batch_size, "'auto' or a positive integer")
        _number("learning_rate_init", self.learning_rate_init, low=0.0, low_open=True)
        _integer("max_iter", self.max_iter, "a positive integer")
        _number("tol", self.tol, low=0.0)
        _number("momentum", self.momentum, low=0.0, high=1.0)
        _number("validation_fraction", self.validation_fraction, low=0.0, low_open=True, high=1.0)
        _number("beta_1", self.beta_1, low=0.0, high=1.0)
        _number("beta_2", self.beta_2, low=0.0, high=1.0)
        _number("epsilon", self.epsilon, low=0.0, low_open=True)
        _integer("n_iter_no_change", self.n_iter_no_change, "a positive integer")
        _number("dropout", self.dropout, low=0.0, high=1.0)
        if _dtype_name(self.dtype) not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {self.dtype!r}")
        return [int(size) for size in sizes]

    # ------------------------------------------------------------------ training
    def _new_network(
        self, n_features: int, hidden: list[int], n_outputs: int, seed: int
    ) -> Network:
        """An MLP for ``n_features`` columns; text columns (``categories_``) enter through a
        OneHot brick in front of it."""
        categories = self._category_positions()
        onehot = OneHot(n_features, categories) if categories else None
        sizes = [onehot.out_width if onehot else n_features, *hidden, n_outputs]
        activation = _ACTIVATIONS[self.activation]
        network = mlp(sizes, activation=activation, dropout=self.dropout, dtype=self.dtype,
                      seed=seed)  # fmt: skip
        if onehot is None:
            return network
        return Network([onehot, *network.layers], dtype=network.dtype, rng=network.rng)

    def _category_positions(self) -> dict[int, list[str]]:
        """``categories_`` by column position."""
        names = [str(name) for name in getattr(self, "feature_names_in_", [])]
        return {names.index(name): known for name, known in self.categories_.items()}

    def _encode_categories(self, X):
        """A DataFrame with its text columns (``categories_``) as category indices, names kept;
        a value not among a column's categories is an error naming both."""
        if not getattr(self, "categories_", None):
            return X
        if not is_frame(X):
            raise ValueError(
                f"the estimator was fitted on a DataFrame with text columns "
                f"({', '.join(self.categories_)}); give a DataFrame with those columns"
            )
        names = [str(name) for name in X.columns]
        absent = [name for name in self.categories_ if name not in names]
        if absent:
            raise ValueError(
                f"X lacks the text column{'s' * (len(absent) > 1)} "
                f"{', '.join(map(repr, absent))} the estimator was fitted on"
            )
        positions = {names.index(name): known for name, known in self.categories_.items()}
        codes = encode_frame(X, names, positions)
        for position in positions:
            empty = np.flatnonzero(np.isnan(codes[:, position]))
            if len(empty):
                raise ValueError(
                    f"X column {names[position]!r} has a missing cell (row {empty[0]}); the "
                    "estimators take no missing values: fill them first (for example with "
                    "sklearn.impute.SimpleImputer in a Pipeline)"
                )
        return type(X)(codes, columns=X.columns, index=X.index)

    def _new_optimizer(self) -> Optimizer:
        if self.solver == "sgd":
            return SGD(
                self.learning_rate_init,
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum and self.momentum > 0,
            )
        return Adam(self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon)

    def _fit(self, X, y, *, incremental: bool, classes=None):
        hidden = self._check_params()
        first_call = not (incremental or self.warm_start) or not hasattr(self, "network_")
        if first_call:
            self.categories_ = learn_categories(X, text_columns(X)) if is_frame(X) else {}
        X, y = validate_data(self, self._encode_categories(X), y, reset=first_call,
                             dtype=(np.float64, np.float32), multi_output=True,
                             y_numeric=self._loss == "mse")  # fmt: skip
        if first_call and classes is not None:
            self._declared_classes = classes
        y_encoded = self._encode_targets(y, first_call=first_call)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        if first_call:
            self._start(X.shape[1], hidden, seed, incremental=incremental)
        elif not incremental:
            self._optimizer.learning_rate = float(self.learning_rate_init)
        self._no_improvement_count = 0
        self._best_weights = None
        self._stopped_early = False
        validation = None
        if self.early_stopping and not incremental:
            X, y_encoded, validation = self._hold_out_validation(X, y_encoded, seed)
        batch = self._batch(len(X))
        before = self.n_iter_
        fit(
            self.network_,
            X,
            y_encoded,
            loss=self._loss,
            optimizer=self._optimizer,
            epochs=1 if incremental else int(self.max_iter),
            batch_size=batch,
            shuffle=bool(self.shuffle),
            l2=float(self.alpha) / batch,  # scikit-learn's alpha is divided by the batch size
            metrics=[],
            callbacks=[_ScikitLearnStopping(self, validation)],
            seed=seed,
            progress=bool(self.verbose),
        )
        self.t_ += len(X) * (self.n_iter_ - before)
        if not incremental and not self._stopped_early and self.n_iter_ - before >= self.max_iter:
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached and the "
                "optimization has not converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _start(self, n_features: int, hidden: list[int], seed: int, *, incremental: bool):
        """A first fit: a new network and optimizer, and the counts and curves from zero."""
        self.network_ = self._new_network(n_features, hidden, self._n_network_outputs(), seed)
        self.network_.metadata["estimator"] = type(self).__name__
        if hasattr(self, "feature_names_in_"):
            self.network_.metadata["feature_names"] = [str(n) for n in self.feature_names_in_]
        self._optimizer = self._new_optimizer()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = math.inf
        self.validation_scores_ = [] if self.early_stopping and not incremental else None
        self.best_validation_score_ = -math.inf if self.validation_scores_ is not None else None

    def _hold_out_validation(self, X, y_encoded, seed: int):
        """``validation_fraction`` of the rows held out for early stopping (stratified for
        classes when every class has two rows): ``(X, y, (X_val, y_val))``."""
        stratified = self._loss == "cross_entropy" and _stratifiable(y_encoded)
        X, X_val, y_encoded, y_val = train_test_split(
            X,
            y_encoded,
            test_size=self.validation_fraction,
            random_state=seed,
            stratify=y_encoded if stratified else None,
        )
        if self.validation_scores_ is None:  # early_stopping switched on for a warm start
            self.validation_scores_, self.best_validation_score_ = [], -math.inf
        return X, y_encoded, (X_val, y_val)

    def _batch(self, n_samples: int) -> int:
        """The batch size: ``batch_size``, or ``min(200, n_samples)`` for ``"auto"``."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} samples; "
                "using the full batch",
                UserWarning,
                stacklevel=4,
            )
        return min(int(self.batch_size), n_samples)

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "network_")
        X = validate_data(self, self._encode_categories(X), reset=False,
                          dtype=(np.float64, np.float32))  # fmt: skip
        return self.network_.predict(X)

    # ------------------------------------------------------------------ the network's numbers
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices, ``coefs_[i]`` of shape ``(fan_in, fan_out)`` (the live arrays)."""
        check_is_fitted(self, "network_")
        return [layer.params["W"] for layer in self.network_.layers if "W" in layer.params]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, ``intercepts_[i]`` of shape ``(fan_out,)`` (the live arrays)."""
        check_is_fitted(self, "network_")
        return [layer.params["b"] for layer in self.network_.layers if "b" in layer.params]

    @property
    def n_layers_(self) -> int:
        """Layers counted as scikit-learn does: input, hidden and output."""
        return len(self.coefs_) + 1

    @property
    def out_activation_(self) -> str:
        check_is_fitted(self, "network_")
        return self._out_activation


class MLPClassifier(ClassifierMixin, _GlassnetMLP):
    """Multilayer perceptron classifier trained by glassnet.

    Binary and multiclass targets train a softmax cross-entropy network with one output per
    class; a multilabel indicator matrix ``(n_samples, n_labels)`` trains one sigmoid output per
    label with binary cross-entropy. See :class:`_GlassnetMLP` parameters; beyond
    scikit-learn's own: ``dropout`` (probability after every hidden layer) and ``dtype``
    (``"float32"``, the default, or ``"float64"``).

    A DataFrame's text and ``category`` columns are categories: the network takes them through a
    :class:`~glassnet.preprocessing.OneHot` brick, and a value not seen in ``fit`` is an error.

    Attributes: ``network_`` (the glassnet Network), ``classes_``, ``n_features_in_``,
    ``feature_names_in_`` (when X has string column names), ``categories_`` (the text columns'
    categories, by name), ``n_outputs_``, ``loss_``,
    ``loss_curve_``, ``best_loss_``, ``validation_scores_``, ``best_validation_score_``,
    ``n_iter_``, ``t_``, ``coefs_``, ``intercepts_``, ``out_activation_``.
    """

    def fit(self, X, y):
        """Train on ``X: (n_samples, n_features)`` and labels ``y``; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``; the first call needs ``classes`` (every label there is)."""
        if not hasattr(self, "network_") and classes is None:
            raise ValueError("partial_fit: the first call needs classes= (all the labels)")
        return self._fit(X, y, incremental=True, classes=classes)

    def _encode_targets(self, y, *, first_call: bool) -> np.ndarray:
        kind = type_of_target(y, input_name="y")
        if kind == "multilabel-indicator":
            if first_call:
                self._multilabel = True
                self.classes_ = np.arange(y.shape[1])
                self.n_outputs_ = y.shape[1]
            elif not self._multilabel or y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {y.shape[1]} label columns; the classifier was trained on "
                    f"{self.n_outputs_ if self._multilabel else 'class labels'}"
                )
            return y.astype(np.float64)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. MLPClassifier needs class labels (binary or "
                "multiclass) or a multilabel indicator matrix; for continuous targets use "
                "MLPRegressor"
            )
        y = column_or_1d(y, warn=True)
        if first_call:
            self._multilabel = False
            declared = getattr(self, "_declared_classes", None)
            self.classes_ = unique_labels(declared if declared is not None else y)
            self.n_outputs_ = 1
            if len(self.classes_) < 2:
                raise ValueError(
                    f"MLPClassifier needs samples of at least 2 classes in y; got 1 class "
                    f"({self.classes_.tolist()[0]!r})"
                )
        elif self._multilabel:
            raise ValueError("y holds class labels; the classifier was trained on a label matrix")
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes_ {self.classes_.tolist()}"
            )
        return np.searchsorted(self.classes_, y)

    @property
    def _loss(self) -> str:
        return "binary_cross_entropy" if getattr(self, "_multilabel", False) else "cross_entropy"

    @property
    def _out_activation(self) -> str:
        return "logistic" if self._multilabel else "softmax"

    def _n_network_outputs(self) -> int:
        return self.n_outputs_ if self._multilabel else len(self.classes_)

    def _score_network(self, X, y_encoded) -> float:
        outputs = self.network_.predict(X)
        if self._multilabel:
            return float(np.mean(np.all((outputs > 0) == (y_encoded > 0.5), axis=1)))
        return accuracy(outputs, y_encoded, self.network_)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``, rows sum to 1; for multilabel, each
        label's probability ``(n_samples, n_labels)``."""
        outputs = self._outputs(X).astype(np.float64)
        return sigmoid(outputs) if self._multilabel else softmax(outputs)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """Labels ``(n_samples,)`` from ``classes_``, or a 0/1 matrix for multilabel."""
        outputs = self._outputs(X)
        if self._multilabel:
            return (outputs > 0).astype(np.int64)
        return self.classes_[self.network_.output_to_classes(outputs)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _GlassnetMLP):
    """Multilayer perceptron regressor trained by glassnet: squared error, linear outputs, one
    per target column (multi-output regression). Parameters and attributes as for
    :class:`MLPClassifier` (no ``classes_``)."""

    _loss = "mse"
    _out_activation = "identity"

    def fit(self, X, y):
        """Train on ``X: (n_samples, n_features)`` and ``y: (n_samples,)`` or
        ``(n_samples, n_targets)``; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over ``(X, y)``, starting from the current weights when fitted."""
        return self._fit(X, y, incremental=True)

    def _encode_targets(self, y, *, first_call: bool) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        columns = 1 if y.ndim == 1 else y.shape[1]
        if first_call:
            self._one_dimensional = y.ndim == 1
            self.n_outputs_ = columns
        elif columns != self.n_outputs_:
            raise ValueError(
                f"y has {columns} targets; the regressor was trained on {self.n_outputs_}"
            )
        return y.reshape(len(y), columns)

    def _n_network_outputs(self) -> int:
        return self.n_outputs_

    def _score_network(self, X, y_encoded) -> float:
        return r2(self.network_.predict(X), y_encoded)

    def predict(self, X) -> np.ndarray:
        """Predictions (float64): ``(n_samples,)`` after a 1-D ``y``, else
        ``(n_samples, n_targets)``."""
        outputs = self._outputs(X).astype(np.float64)
        return outputs[:, 0] if self._one_dimensional else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---------------------------------------------------------------------- parameter checks
def _choice(name: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise unknown_name(name, value, choices)


def _number(name, value, *, low, high=None, low_open=False) -> None:
    ok = is_finite_real(value) and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'})"
        raise ValueError(f"{name} must be a number in {interval}; got {value!r}")


def _integer(name, value, expected: str) -> None:
    if not is_positive_int(value):
        raise ValueError(f"{name} must be {expected}; got {value!r}")


def _dtype_name(value) -> str | None:
    try:
        return np.dtype(value).name
    except TypeError:
        return None


def _stratifiable(labels: np.ndarray) -> bool:
    """Whether every class has at least two samples (what a stratified split needs)."""
    counts = np.bincount(labels)
    return bool(counts[counts > 0].min() >= 2)
