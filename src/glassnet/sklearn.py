"""scikit-learn estimators on the glassnet core: :class:`MLPClassifier` and :class:`MLPRegressor`.

A drop-in for ``sklearn.neural_network``'s: the same parameters, attributes and documented
behaviour (scikit-learn's docstrings and user guide are the spec), computed by glassnet's bricks.
They minimise scikit-learn's objective with scikit-learn's solvers
(:mod:`glassnet.sklearn_objective`): its initial weights for a ``random_state``, its batches,
its loss and penalty scaling, SGD with ``learning_rate`` schedules, Adam, and L-BFGS through
``scipy.optimize.minimize``; so with the same settings they take the same steps. Sparse CSR/CSC
``X`` is multiplied by the first layer as it is. Beyond scikit-learn's: ``dropout`` (after every
hidden layer), glassnet's other activations (``leaky_relu``, ``gelu``, ...), ``dtype`` (None:
follow ``X``; or ``"float32"``/``"float64"``), DataFrames with text columns, and ``network_``::

    from glassnet.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X, y)
    clf.network_          # the glassnet Network: explain, trace, plot, save, export it

Needs the ``sklearn`` extra: ``pip install 'glassnet[sklearn]'``.
"""

from __future__ import annotations

import warnings

import numpy as np

try:
    import scipy.optimize
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state, gen_batches, shuffle
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import (
        check_classification_targets,
        type_of_target,
        unique_labels,
    )
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "glassnet.sklearn needs scikit-learn >= 1.6 and scipy: pip install 'glassnet[sklearn]'"
    ) from error

from glassnet._checks import is_finite_real, is_positive_int, is_sparse
from glassnet._errors import unknown_name
from glassnet.frames import encode_frame, is_frame, learn_categories, text_columns
from glassnet.layers import HIDDEN_ACTIVATIONS, Dense
from glassnet.network import Network, mlp
from glassnet.preprocessing import OneHot
from glassnet.sklearn_objective import (
    OUT_ACTIVATIONS,
    ScikitLearnAdam,
    ScikitLearnLoss,
    ScikitLearnSGD,
    glorot_bound,
    output_activation,
)

#: scikit-learn's activation names, and glassnet's own, as glassnet bricks.
_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid"} | {
    name: name for name in HIDDEN_ACTIVATIONS
}
_SOLVERS = ("lbfgs", "sgd", "adam")
_SCHEDULES = ("constant", "invscaling", "adaptive")
_SPARSE = ["csr", "csc"]


class _GlassnetMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, checks, the solvers."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
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
        max_fun=15000,
        dropout=0.0,
        dtype=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
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
        self.max_fun = max_fun
        self.dropout = dropout
        self.dtype = dtype

    # ------------------------------------------------------------------ subclass hooks
    def _validate_input(self, X, y, incremental: bool, reset: bool):
        raise NotImplementedError

    def _loss_name(self) -> str:
        raise NotImplementedError

    def _score(self, X, y, sample_weight=None) -> float:
        raise NotImplementedError

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if not all(is_positive_int(size) for size in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes}.")
        _choice("activation", self.activation, _ACTIVATIONS)
        _choice("solver", self.solver, _SOLVERS)
        _choice("learning_rate", self.learning_rate, _SCHEDULES)
        _number("alpha", self.alpha, low=0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _integer("batch_size", self.batch_size, "'auto' or a positive integer")
        _number("learning_rate_init", self.learning_rate_init, low=0.0, low_open=True)
        _number("power_t", self.power_t, low=0.0)
        _integer("max_iter", self.max_iter, "a positive integer")
        _number("tol", self.tol, low=0.0)
        _number("momentum", self.momentum, low=0.0, high=1.0, high_closed=True)
        _number("validation_fraction", self.validation_fraction, low=0.0, low_open=True, high=1.0)
        _number("beta_1", self.beta_1, low=0.0, high=1.0)
        _number("beta_2", self.beta_2, low=0.0, high=1.0)
        _number("epsilon", self.epsilon, low=0.0, low_open=True)
        if self.n_iter_no_change != np.inf:
            _integer("n_iter_no_change", self.n_iter_no_change, "a positive integer or np.inf")
        _integer("max_fun", self.max_fun, "a positive integer")
        _number("dropout", self.dropout, low=0.0, high=1.0)
        if self.dropout and self.solver == "lbfgs":
            raise ValueError("dropout needs a stochastic solver ('sgd' or 'adam'), not 'lbfgs'")
        if self.dtype is not None and _dtype_name(self.dtype) not in ("float32", "float64"):
            raise ValueError(f"dtype must be None, 'float32' or 'float64'; got {self.dtype!r}")
        return [int(size) for size in sizes]

    def _input_dtype(self):
        """What ``validate_data`` casts X to: the ``dtype`` given, or float32/float64 as X is."""
        return (np.float64, np.float32) if self.dtype is None else np.dtype(self.dtype).type

    # ------------------------------------------------------------------ the network
    def _new_network(self, layer_units: list[int], dtype) -> Network:
        """A glassnet MLP of ``layer_units`` with scikit-learn's initial weights for
        ``random_state`` (each layer's weights, then its biases, from one RandomState)."""
        network = self._network_of(layer_units, dtype)
        for layer in _dense_layers(network):
            bound = glorot_bound(layer.fan_in, layer.fan_out, self.activation)
            weights = self._random_state.uniform(-bound, bound, (layer.fan_in, layer.fan_out))
            biases = self._random_state.uniform(-bound, bound, layer.fan_out)
            layer.params["W"][...] = weights
            layer.params["b"][...] = biases
        return network

    def _network_of(self, layer_units: list[int], dtype) -> Network:
        """The bricks: [OneHot for text columns], Dense and activation per hidden layer (with
        dropout after each), and the output Dense (its activation belongs to the loss)."""
        categories = self._category_positions()
        seed = int(self._random_state.randint(2**31 - 1)) if self.dropout else 0
        sizes = list(layer_units)
        onehot = None
        if categories:
            onehot = OneHot(self.n_features_in_, categories)
            sizes[0] = onehot.out_width
        network = mlp(sizes, activation=_ACTIVATIONS[self.activation], dropout=self.dropout,
                      dtype=dtype, seed=seed)  # fmt: skip
        if onehot is not None:
            network = Network([onehot, *network.layers], dtype=network.dtype, rng=network.rng)
        return network

    def _network(self) -> Network:
        """``network_``, holding ``coefs_`` and ``intercepts_``: those lists are the network's
        own arrays after training; arrays assigned to them are copied in first."""
        network = getattr(self, "network_", None)
        dense = _dense_layers(network) if network is not None else []
        linked = len(dense) == len(self.coefs_) == len(self.intercepts_) and all(
            layer.params["W"] is coef and layer.params["b"] is intercept
            for layer, coef, intercept in zip(dense, self.coefs_, self.intercepts_, strict=False)
        )
        if linked:
            return network
        coefs = [np.asarray(coef) for coef in self.coefs_]
        dtype = coefs[0].dtype if coefs[0].dtype in (np.float32, np.float64) else np.float64
        if network is None or not _same_shapes(dense, coefs, self.intercepts_, dtype):
            if not hasattr(self, "_random_state"):
                self._random_state = check_random_state(self.random_state)
            units = [coefs[0].shape[0]] + [coef.shape[1] for coef in coefs]
            network = self._network_of(units, dtype)
            dense = _dense_layers(network)
        for layer, coef, intercept in zip(dense, coefs, self.intercepts_, strict=True):
            layer.params["W"][...] = coef
            layer.params["b"][...] = np.asarray(intercept).reshape(-1)
        self._adopt(network)
        return network

    def _adopt(self, network: Network) -> None:
        """Make ``network`` the estimator's: ``coefs_`` and ``intercepts_`` its live arrays."""
        self.network_ = network
        network.metadata["estimator"] = type(self).__name__
        if hasattr(self, "feature_names_in_"):
            network.metadata["feature_names"] = [str(n) for n in self.feature_names_in_]
        dense = _dense_layers(network)
        self.coefs_ = [layer.params["W"] for layer in dense]
        self.intercepts_ = [layer.params["b"] for layer in dense]

    def _category_positions(self) -> dict[int, list[str]]:
        """``categories_`` by column position."""
        categories = getattr(self, "categories_", None) or {}
        names = [str(name) for name in getattr(self, "feature_names_in_", [])]
        return {names.index(name): known for name, known in categories.items()}

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

    def _forward_pass_fast(self, X, check_input: bool = True) -> np.ndarray:
        """The output layer's activations for ``X`` (scikit-learn's ``_forward_pass_fast``), in
        X's float dtype (float64 for other X) whatever the network's."""
        given = getattr(X, "dtype", None)
        dtype = given if given in (np.float32, np.float64) else np.float64
        if check_input:
            X = validate_data(self, self._encode_categories(X), accept_sparse=_SPARSE,
                              reset=False, dtype=self._input_dtype())  # fmt: skip
        network = self._network()
        z = network.predict(X, checked=True)
        return output_activation(self.out_activation_, z).astype(dtype, copy=False)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X: (n_samples, n_features)`` (dense or sparse) and ``y``, with
        optional ``sample_weight: (n_samples,)``; returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._check_params()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if first_pass:
            self.categories_ = learn_categories(X, text_columns(X)) if is_frame(X) else {}
        X, y = self._validate_input(self._encode_categories(X), y, incremental,
                                    reset=first_pass)  # fmt: skip
        if sample_weight is not None:
            sample_weight = _checked_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, [X.shape[1], *hidden, self.n_outputs_], X.dtype)
        network = self._network()
        if X.dtype != network.dtype:  # a warm start on X of another dtype: the network's
            X = X.astype(network.dtype)
        self._objective = ScikitLearnLoss(self._loss_name())
        if self.solver == "lbfgs":
            self._fit_lbfgs(network, X, y.astype(network.dtype), sample_weight)
        else:
            self._fit_stochastic(network, X, y, sample_weight, incremental)
        if not np.all(np.isfinite(network.parameter_vector()[0][1])):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large "
                "values and need to be preprocessed."
            )
        return self

    def _initialize(self, y: np.ndarray, layer_units: list[int], dtype) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.out_activation_ = OUT_ACTIVATIONS[self._loss_name()]
        self._adopt(self._new_network(layer_units, dtype))
        if self.solver != "lbfgs":
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _objective_and_gradient(self, network: Network, X, y, sample_weight) -> float:
        """scikit-learn's loss of one batch (data term and penalty); fills the gradients."""
        total = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        self._objective.weights = sample_weight
        _, data_loss, penalty = network.loss_and_gradients(
            self._objective, X, y, l2=float(self.alpha) / total, checked=True
        )
        return data_loss + penalty

    def _fit_lbfgs(self, network: Network, X, y, sample_weight) -> None:
        ((_, params, grads),) = network.parameter_vector()

        def objective(theta):
            params[...] = theta
            loss = self._objective_and_gradient(network, X, y, sample_weight)
            return loss, grads.astype(np.float64)

        result = scipy.optimize.minimize(
            objective,
            params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        self.n_iter_ = min(result.nit, self.max_iter)
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}):\n{result.message}\n",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.loss_ = float(result.fun)
        params[...] = result.x

    def _new_optimizer(self, size: int, dtype):
        if self.solver == "sgd":
            return ScikitLearnSGD(size, dtype, self.learning_rate_init, self.learning_rate,
                                  self.momentum, self.nesterovs_momentum, self.power_t)  # fmt: skip
        return ScikitLearnAdam(size, dtype, self.learning_rate_init, self.beta_1, self.beta_2,
                               self.epsilon)  # fmt: skip

    def _fit_stochastic(self, network: Network, X, y, sample_weight, incremental: bool) -> None:
        ((_, params, grads),) = network.parameter_vector()
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._new_optimizer(params.size, params.dtype)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_val = y_val = sample_weight_val = None
        if self.early_stopping:
            X, X_val, y, y_val, sample_weight, sample_weight_val = self._hold_out(
                X, y, sample_weight
            )
        y = y.astype(network.dtype)  # (after the split, which stratifies on the labels)
        n_samples = X.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        batch_size = self._batch_size(n_samples)
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:
                    sample_idx = shuffle(sample_idx, random_state=self._random_state)
                accumulated = 0.0
                for batch in gen_batches(n_samples, batch_size):
                    rows = sample_idx[batch] if self.shuffle else batch
                    weights = None if sample_weight is None else sample_weight[rows]
                    if weights is not None and not np.any(weights):
                        continue  # a batch of weight 0 moves nothing (its penalty would be inf)
                    loss = self._objective_and_gradient(network, X[rows], y[rows], weights)
                    accumulated += loss * (batch.stop - batch.start)
                    self._optimizer.update(params, grads)
                self.n_iter_ += 1
                self.loss_ = accumulated / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                self._update_no_improvement_count(X_val, y_val, sample_weight_val)
                self._optimizer.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    message = (f"{what} did not improve more than tol={self.tol:f} for "
                               f"{self.n_iter_no_change} consecutive epochs.")  # fmt: skip
                    if self._optimizer.trigger_stopping(message, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                        "the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=3,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        if self.early_stopping:
            params[...] = self._best_parameters

    def _hold_out(self, X, y, sample_weight):
        """``validation_fraction`` of the rows for early stopping, split with the estimator's
        RandomState (stratified for single-output classifiers, as scikit-learn does)."""
        stratify = y if isinstance(self, ClassifierMixin) and self.n_outputs_ == 1 else None
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        parts = train_test_split(*arrays, random_state=self._random_state,
                                 test_size=self.validation_fraction, stratify=stratify)  # fmt: skip
        X, X_val, y, y_val = parts[:4]
        weights, weights_val = (parts[4], parts[5]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of "
                "your dataset."
            )
        if isinstance(self, ClassifierMixin):
            y_val = self._label_binarizer.inverse_transform(y_val)
        self._best_parameters = self.network_.parameter_vector()[0][1].copy()
        return X, X_val, y, y_val, weights, weights_val

    def _update_no_improvement_count(self, X_val, y_val, sample_weight_val) -> None:
        if self.early_stopping:
            score = self._score(X_val, y_val, sample_weight=sample_weight_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_parameters = self.network_.parameter_vector()[0][1].copy()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _batch_size(self, n_samples: int) -> int:
        """``batch_size``, or ``min(200, n_samples)`` for ``"auto"``; clipped to the samples."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=4,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _score_with_function(self, X, y, sample_weight, score_function) -> float:
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def _check_solver(self) -> bool:
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                "stochastic."
            )
        return True

    def _loss_grad_lbfgs(self, packed, X, y, sample_weight=None, *unused):
        """The objective and its gradient at ``packed`` (all weights, then all biases, as
        scikit-learn packs them): scikit-learn's function of that name."""
        network = self._network()
        dense = _dense_layers(network)
        arrays = [(layer, "W") for layer in dense] + [(layer, "b") for layer in dense]
        start = 0
        for layer, key in arrays:
            array = layer.params[key]
            array[...] = np.reshape(packed[start : start + array.size], array.shape)
            start += array.size
        self._objective = ScikitLearnLoss(self._loss_name())
        y = np.asarray(y, dtype=network.dtype).reshape(X.shape[0], -1)
        X = X if is_sparse(X) else np.asarray(X, dtype=network.dtype)
        loss = self._objective_and_gradient(network, X, y, sample_weight)
        return loss, np.concatenate([layer.grads[key].ravel() for layer, key in arrays])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _GlassnetMLP):
    """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, computed by glassnet.

    Parameters and attributes are scikit-learn's (see its documentation); binary targets train
    one logistic output, multiclass ones a softmax, a multilabel indicator matrix one logistic
    output per label. Beyond scikit-learn's parameters: ``dropout`` (probability after every
    hidden layer; sgd and adam only), glassnet's other hidden activations, and ``dtype`` (None:
    float32 for float32 ``X``, else float64; or ``"float32"``/``"float64"``).

    A DataFrame's text and ``category`` columns are categories: the network takes them through a
    :class:`~glassnet.preprocessing.OneHot` brick, and a value not seen in ``fit`` is an error.

    Attributes: scikit-learn's (``classes_``, ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``coefs_``, ``intercepts_``,
    ``n_features_in_``, ``feature_names_in_``, ``n_iter_``, ``n_layers_``, ``n_outputs_``,
    ``out_activation_``), and ``network_`` (the glassnet Network whose arrays ``coefs_`` and
    ``intercepts_`` are) and ``categories_`` (the text columns' categories, by name).
    """

    def _loss_name(self) -> str:
        binary = self._label_binarizer.y_type_ != "multiclass"
        return "binary_log_loss" if binary else "log_loss"

    def _validate_input(self, X, y, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=_SPARSE, multi_output=True,
                             dtype=self._input_dtype(), reset=reset)  # fmt: skip
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    def predict(self, X):
        """Labels ``(n_samples,)`` from ``classes_``, or ``(n_samples, n_labels)`` for
        multilabel."""
        check_is_fitted(self, "coefs_")
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def _score(self, X, y, sample_weight=None) -> float:
        return self._score_with_function(X, y, sample_weight, accuracy_score)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; the first call needs ``classes`` (every label there is),
        and a later one that names other classes is an error."""
        if _first_partial_fit(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """Class probabilities ``(n_samples, n_classes)`` in the order of ``classes_``."""
        check_is_fitted(self, "coefs_")
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _GlassnetMLP):
    """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, computed by glassnet.

    ``loss`` is ``"squared_error"`` (identity outputs) or ``"poisson"`` (exp outputs, for counts
    and rates); parameters and attributes otherwise as for :class:`MLPClassifier` (no
    ``classes_``). ``predict`` gives the network's dtype (X's, unless ``dtype`` says otherwise).
    """

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
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
        max_fun=15000,
        dropout=0.0,
        dtype=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, dropout=dropout, dtype=dtype,
        )  # fmt: skip
        self.loss = loss

    def _loss_name(self) -> str:
        _choice("loss", self.loss, ("squared_error", "poisson"))
        return self.loss

    def _validate_input(self, X, y, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=_SPARSE, multi_output=True,
                             y_numeric=True, dtype=self._input_dtype(), reset=reset)  # fmt: skip
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self._loss_name() == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs targets >= 0 (counts or rates)")
        return X, y

    def predict(self, X):
        """Predictions ``(n_samples,)``, or ``(n_samples, n_outputs)`` for several targets."""
        check_is_fitted(self, "coefs_")
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def _score(self, X, y, sample_weight=None) -> float:
        return self._score_with_function(X, y, sample_weight, r2_score)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, starting from the current weights when fitted."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---------------------------------------------------------------------- helpers
def _dense_layers(network: Network) -> list[Dense]:
    return [layer for layer in network.layers if isinstance(layer, Dense)]


def _same_shapes(dense: list[Dense], coefs, intercepts, dtype) -> bool:
    return len(dense) == len(coefs) == len(intercepts) and all(
        layer.params["W"].shape == np.shape(coef)
        and layer.params["b"].size == np.size(intercept)
        and layer.params["W"].dtype == dtype
        for layer, coef, intercept in zip(dense, coefs, intercepts, strict=True)
    )


def _first_partial_fit(estimator, classes) -> bool:
    """Whether this is the first ``partial_fit``; ``classes`` must be given then, and must not
    differ from the earlier ones later."""
    if getattr(estimator, "classes_", None) is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is not None:
        if getattr(estimator, "classes_", None) is not None:
            if not np.array_equal(estimator.classes_, unique_labels(classes)):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                    f"was: {estimator.classes_!r}"
                )
        else:
            estimator.classes_ = unique_labels(classes)
            return True
    return False


def _checked_sample_weight(sample_weight, X) -> np.ndarray:
    weights = np.asarray(sample_weight, dtype=X.dtype)
    if weights.ndim == 0:
        weights = np.full(X.shape[0], weights, dtype=X.dtype)
    if weights.shape != (X.shape[0],):
        raise ValueError(f"sample_weight.shape == {weights.shape}, expected {(X.shape[0],)}!")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("sample_weight must hold finite numbers >= 0")
    if not np.any(weights):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def _choice(name: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise unknown_name(name, value, choices)


def _number(name, value, *, low, high=None, low_open=False, high_closed=False) -> None:
    ok = is_finite_real(value) and (value > low if low_open else value >= low)
    ok = ok and (high is None or (value <= high if high_closed else value < high))
    if not ok:
        interval = (f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}"
                    f"{']' if high_closed else ')'}")  # fmt: skip
        raise ValueError(f"{name} must be a number in {interval}; got {value!r}")


def _integer(name, value, expected: str) -> None:
    if not is_positive_int(value):
        raise ValueError(f"{name} must be {expected}; got {value!r}")


def _dtype_name(value) -> str | None:
    try:
        return np.dtype(value).name
    except TypeError:
        return None
