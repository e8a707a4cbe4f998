"""One learner's training run in the playground: settings, data, network, and what the page shows.

Everything here is glassnet itself: the data sets of :mod:`glassnet.datasets`, a network from
:func:`~glassnet.network.mlp`, :func:`~glassnet.train.train_step` with glassnet's optimizers,
batches drawn the way :func:`~glassnet.train.fit` draws them (so ``glassnet train`` with the same
settings reproduces a run), and :func:`~glassnet.explain.explain_step` for "Explain this step".
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from glassnet._checks import is_whole
from glassnet.batches import Batches
from glassnet.datasets import Dataset, load, one_hot
from glassnet.diagnostics import TrainingDiverged, TrainingGuard
from glassnet.explain import explain_step, to_json
from glassnet.features import with_features
from glassnet.gradcheck import central_difference
from glassnet.layers import Dense, Layer
from glassnet.losses import get_loss
from glassnet.metrics import r2
from glassnet.network import Network, mlp
from glassnet.optim import get_optimizer
from glassnet.playground.model_files import model_file, points_csv, read_model, settings_for
from glassnet.playground.picture import encode, quantised
from glassnet.playground.settings import (
    Settings,
    SettingsError,
)
from glassnet.preprocessing import scaled
from glassnet.train import History, TrainingState, train_step

#: Resolution of the decision-boundary picture and of each neuron's small picture.
GRID = 48
NEURON_GRID = 24


class Session:
    """Data, network and optimizer of one run, stepped one mini-batch at a time."""

    def __init__(self, settings: Settings, network: Network | None = None) -> None:
        self.settings = settings
        self.data = self._load_data()
        self.classification = self.data.task == "classification"
        self.X_train, self.X_test = self.data.X_train, self.data.X_test
        self.y_train = self._targets(self.data.y_train)
        self.y_test = self._targets(self.data.y_test)
        self.loss = get_loss(settings.loss)
        if network is None:
            network = self._new_network()
        elif network.out_features != self.data.n_outputs:
            raise SettingsError(
                f"the model has {network.out_features} outputs; this data set needs "
                f"{self.data.n_outputs}"
            )
        self.network = network
        self.network.metadata.update(self._metadata())
        self.optimizer = get_optimizer(settings.optimizer, settings.learning_rate)
        self.rng = np.random.default_rng(settings.seed)
        self.batches = Batches(len(self.X_train), settings.batch_size, rng=self.rng)  # as fit's
        self.batch = self.batches.size
        self.order = None
        self.position = 0
        self.epoch = 0
        self.step = 0
        self.curve: list[list[float]] = []
        self.retuned = False
        self.diverged: str | None = None  # the guard's message, once it stopped the run
        self._guard, self._guard_state = self._make_guard()
        self._grid = self._make_grid()

    def _new_network(self) -> Network:
        """The network ``glassnet train`` builds for these settings (see :meth:`model_file`):
        the chosen feature columns first, and for custom points (of any scale) a Standardize
        of them; a Rescale of custom regression targets last."""
        s = self.settings
        sizes = [len(s.features), *s.hidden, self.data.n_outputs]
        network = mlp(sizes, activation=s.activation, seed=s.seed)
        custom = s.dataset == "custom"
        targets = self.data.y_train if custom and self.data.task == "regression" else None
        if s.features != ["x1", "x2"]:
            return with_features(network, s.features, inputs=self.X_train if custom else None,
                                 targets=targets)  # fmt: skip
        return scaled(network, inputs=self.X_train, targets=targets) if custom else network

    # ------------------------------------------------------------------ data
    def _load_data(self) -> Dataset:
        s = self.settings
        if s.dataset == "custom":
            task = s.custom_task
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / "points.csv"
                path.write_text(points_csv(s.points, s.class_names))
                return load(str(path), target="label", task=task,
                            test_fraction=s.test_fraction, seed=s.seed)  # fmt: skip
        return load(s.dataset, n_samples=s.n_samples, test_fraction=s.test_fraction, seed=s.seed,
                    noise=None if s.dataset == "xor" else s.noise)  # fmt: skip

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.classification and self.settings.loss == "mse":
            return one_hot(y, self.data.n_outputs)  # the XOR tutorial's way: MSE on one-hot rows
        return y

    def _metadata(self) -> dict:
        s = self.settings
        meta = {
            "dataset": "points.csv" if s.dataset == "custom" else s.dataset,
            "task": self.data.task,
            "loss": s.loss,
            "class_names": self.data.class_names,
            "seed": s.seed,
            "test_fraction": s.test_fraction,
            "input_shape": [2],
            "feature_names": ["x1", "x2"],
            "features": list(s.features),
        }
        if s.dataset != "custom":
            meta["n_samples"] = s.n_samples
            meta["noise"] = None if s.dataset == "xor" else s.noise
        return meta

    def _make_grid(self) -> dict:
        raw = np.vstack([self.data.X_train, self.data.X_test])
        low, high = raw.min(axis=0), raw.max(axis=0)
        if self.settings.dataset == "custom":  # the +-6 plane the learner clicked on, kept
            low, high = np.minimum(low, -6.0), np.maximum(high, 6.0)  # (wider for far points)
        else:
            margin = 0.1 * (high - low) + 1e-9
            low, high = low - margin, high + margin
        xs = np.linspace(low[0], high[0], GRID)
        ys = np.linspace(high[1], low[1], GRID)  # rows from the top of the picture down
        points = np.array([[x, y] for y in ys for x in xs])
        return {"low": low.tolist(), "high": high.tolist(), "inputs": points}

    # ------------------------------------------------------------------ settings while running
    #: The settings that leave the network and the data as they are: they apply to the running
    #: network (its weights and its place in the epoch kept).
    TUNABLE = ("learning_rate", "l2", "l1", "batch_size", "optimizer")

    def can_retune(self, settings: Settings) -> bool:
        """Whether ``settings`` differ from this run's in :data:`TUNABLE` ones only."""
        old, new = asdict(self.settings), asdict(settings)
        return all(old[key] == new[key] for key in old if key not in self.TUNABLE)

    def retune(self, settings: Settings) -> str:
        """Apply tunable ``settings`` to the running network; a one-line note of what changed."""
        changes = [f"{key.replace('_', ' ')} {getattr(self.settings, key)} -> "
                   f"{getattr(settings, key)}" for key in self.TUNABLE
                   if getattr(self.settings, key) != getattr(settings, key)]  # fmt: skip
        if settings.optimizer != self.settings.optimizer:  # a new optimizer starts its state
            self.optimizer = get_optimizer(settings.optimizer, settings.learning_rate)
        self.optimizer.learning_rate = settings.learning_rate
        self.batch = min(settings.batch_size, len(self.X_train))
        self.settings = settings
        self.retuned = True  # the saved command then trains with these settings throughout
        return ("; ".join(changes) or "nothing changed") + ": the run goes on with its weights"

    # ------------------------------------------------------------------ training
    def _make_guard(self) -> tuple[TrainingGuard, TrainingState]:
        """``fit``'s guard against divergence, watching this run's steps as it watches fit's."""
        state = TrainingState(self.network, self.loss, self.optimizer, History(), epochs=0,
                              batches_per_epoch=self.batches.per_epoch)  # fmt: skip
        largest = float(np.max(np.abs(self.X_train)))
        state.extra["input_scale"] = lambda: largest
        state.extra["target_scale"] = lambda: (
            0.0 if self.classification else float(np.max(np.abs(self.y_train)))
        )
        guard = TrainingGuard()
        guard.on_train_begin(state)
        return guard, state

    def _check_step(self, batch_loss: float) -> None:
        state = self._guard_state
        state.optimizer, state.epoch, state.step = self.optimizer, self.epoch, self.step
        state.batch_loss = batch_loss
        self._guard.on_backward_end(state)

    def train_one_batch(self) -> None:
        """One mini-batch: the rows ``fit`` would take next (a new permutation each epoch).
        Once the guard has stopped the run (:attr:`diverged`), it trains no more."""
        if self.diverged is not None:
            return
        n = len(self.X_train)
        if self.order is None:
            self.order = self.batches.new_order()
            self.position = 0
        rows = self.order[self.position : self.position + self.batch]
        try:
            train_step(self.network, self.loss, self.optimizer, self.X_train[rows],
                       self.y_train[rows], l2=self.settings.l2, l1=self.settings.l1,
                       before_update=self._check_step)  # fmt: skip
        except TrainingDiverged as stop:  # the weights are those before the bad step
            self.diverged = str(stop)
            return
        self.step += 1
        self.position += self.batch
        if self.position >= n:
            self.epoch += 1
            self.order = None
        if self.step % max(1, n // self.batch // 4) == 0 or self.order is None:
            self._record_curve()

    def train_for(self, seconds: float, max_steps: int = 100_000) -> None:
        """Train batch after batch for about ``seconds`` (the page gets a picture after each)."""
        deadline = time.perf_counter() + seconds
        for _ in range(max_steps):
            self.train_one_batch()
            if time.perf_counter() >= deadline or self.diverged is not None:
                break

    def _record_curve(self) -> None:
        stats = self.stats()
        self.curve.append([self.epochs_done, stats["train_loss"], stats["test_loss"]])
        if len(self.curve) > 400:  # keep the picture light: every other point of the old half
            self.curve = self.curve[:200:2] + self.curve[200:]

    @property
    def epochs_done(self) -> float:
        """Epochs trained, with the share of the current one."""
        return self.epoch + (self.position / len(self.X_train) if self.order is not None else 0.0)

    # ------------------------------------------------------------------ what the page shows
    def _loss_of(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        outputs = self.network.predict(X, checked=True)  # a run that diverged shows NaN
        value = self.loss.value(outputs, y) + self.network.penalty(self.settings.l2,
                                                                   self.settings.l1)  # fmt: skip
        return float(value), outputs

    def stats(self) -> dict:
        """Losses (with the penalty terms), accuracy or R^2 and the test confusion matrix, on all
        train and test points; non-finite numbers as None."""
        train_loss, train_out = self._loss_of(self.X_train, self.y_train)
        test_loss, test_out = self._loss_of(self.X_test, self.y_test)
        stats = {"train_loss": train_loss, "test_loss": test_loss, "epoch": self.epochs_done,
                 "step": self.step, "diverged": self.diverged}  # fmt: skip
        if self.classification:
            k = self.data.n_outputs
            predicted_train = self.network.output_to_classes(train_out)
            predicted_test = self.network.output_to_classes(test_out)
            stats["train_accuracy"] = float(np.mean(predicted_train == self.data.y_train))
            stats["test_accuracy"] = float(np.mean(predicted_test == self.data.y_test))
            confusion = np.zeros((k, k), dtype=int)
            np.add.at(confusion, (self.data.y_test, predicted_test), 1)
            stats["confusion"] = confusion.tolist()
        else:
            stats["train_r2"] = r2(train_out, self.data.y_train)
            stats["test_r2"] = r2(test_out, self.data.y_test)
        return {key: _finite(value) for key, value in stats.items()}

    def dead_units(self) -> list[dict]:
        """For each hidden brick that stops learning by dying (ReLU): how many of its units give
        0 for every training point (no gradient reaches their weights), when any do."""
        record: dict = {}
        self.network.forward(self.X_train, record=record)
        dead = []
        for layer in self.network.layers:
            if layer.stuck_when == "dead":
                out = record[layer.name]["output"]
                count = int(np.sum(~(out > 0).any(axis=0)))
                if count:
                    dead.append({"layer": layer.name, "dead": count, "of": out.shape[1]})
        return dead

    def snapshot(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Everything the page draws after a step: the small parts as JSON-able values and the
        large ones as arrays by their place in the message (see :mod:`.picture`)."""
        record: dict = {}
        outputs = self.network.forward(self._grid["inputs"], record=record)
        arrays: dict[str, np.ndarray] = {}
        curve = np.array(self.curve, dtype=np.float64).reshape(-1, 3)  # epoch, train, test loss
        arrays["curve"] = np.clip(curve, -3e38, 3e38).astype(np.float32)  # (NaN stays NaN)
        if self.classification:
            proba = self.network.output_to_proba(outputs)
            arrays["boundary.classes"] = np.argmax(proba, axis=1).astype(np.uint8)
            arrays["boundary.confidence"] = np.rint(np.max(proba, axis=1) * 255).astype(np.uint8)
        else:
            arrays["boundary.values"] = _float32(outputs[:, 0])
        step = GRID // NEURON_GRID
        neurons = []
        for layer in self.network.layers[:-1]:
            if layer.params or layer.is_scaling:  # neurons are shown after their activation
                continue
            values = record[layer.name]["output"].reshape(GRID, GRID, -1)[::step, ::step]
            maps, scale = quantised(values.reshape(NEURON_GRID * NEURON_GRID, -1).T)
            k = len(neurons)
            arrays[f"neurons.{k}.maps"], arrays[f"neurons.{k}.maps_scale"] = maps, scale
            neurons.append({"layer": layer.name, "kind": type(layer).__name__})
        weights = []
        for k, layer in enumerate(self.dense_layers()):
            weights.append({"layer": layer.name})  # the k-th: Wk and bk in explain
            for key, array in (("W", layer.params["W"]), ("b", layer.params["b"]),
                               ("dW", layer.grads["W"]), ("db", layer.grads["b"])):  # fmt: skip
                arrays[f"weights.{k}.{key}"] = _float32(array)
        message = {
            "type": "state",
            "stats": {**self.stats(), "dead_units": self.dead_units()},
            "curve": None,
            "boundary": {},
            "neurons": neurons,
            "weights": weights,
            "architecture": self.architecture(),
        }
        return message, arrays

    def picture(self) -> bytes:
        """:meth:`snapshot` as one binary message (:func:`.picture.encode`)."""
        return encode(*self.snapshot())

    def dense_layers(self) -> list[Dense]:
        """The Dense layers in order: the k-th holds ``Wk`` and ``bk`` (explain's names)."""
        return [layer for layer in self.network.layers if isinstance(layer, Dense)]

    def architecture(self) -> list[dict]:
        """Each brick's name and kind, with a Dense layer's sizes."""
        return [{"name": layer.name, "kind": type(layer).__name__, **_sizes(layer)}
                for layer in self.network.layers]  # fmt: skip

    def points(self) -> dict:
        """The train and test points in the data's own coordinates, and the picture's extent."""

        def rows(X, y):
            targets = y if self.classification else y[:, 0]
            return [
                [float(a), float(b), _finite(float(t))]
                for (a, b), t in zip(X, targets, strict=True)
            ]

        return {
            "type": "points",
            "train": rows(self.data.X_train, self.data.y_train),
            "test": rows(self.data.X_test, self.data.y_test),
            "extent": {"low": self._grid["low"], "high": self._grid["high"]},
            "classification": self.classification,
            "classes": self.data.n_outputs if self.classification else 0,
            "class_names": self.data.class_names if self.classification else [],
        }

    # ------------------------------------------------------------------ explaining a step
    def explain(self, point: list[float], label: float, weight: dict | None) -> dict:
        """``glassnet explain``'s walkthrough of one step on one point, and for one weight its
        analytic gradient beside the central finite difference."""
        X = np.array([point], dtype=np.float64)
        if self.classification:
            if label not in range(self.data.n_outputs):
                raise SettingsError(f"label must be 0 to {self.data.n_outputs - 1}; got {label!r}")
            y = self._targets(np.array([int(label)]))
        else:
            y = np.array([[float(label)]])
        network = self.network.copy()
        steps, header = explain_step(network, self.loss, X, y,
                                     learning_rate=self.settings.learning_rate,
                                     l2=self.settings.l2, l1=self.settings.l1,
                                     title="One training step on the chosen point")  # fmt: skip
        result = {"type": "explanation", **json.loads(to_json(steps, header))}
        result["title"] = "One step on the chosen point, worked out on a copy of the network"
        result["about"] = [line for line in result["about"] if not line.startswith("this is step")]
        result["about"].append("the running network does not take this step: it shows the "
                               "arithmetic of one, on one point")  # fmt: skip
        result["point"], result["label"] = [float(v) for v in point], label
        if weight is not None:
            result["weight"] = self._finite_difference(X, y, weight)
        return result

    def _finite_difference(self, X: np.ndarray, y: np.ndarray, weight: dict) -> dict:
        layer = self._dense(weight.get("layer"))
        key = "b" if weight.get("bias") else "W"
        index = (weight.get("col"),) if key == "b" else (weight.get("row"), weight.get("col"))
        shape = layer.params[key].shape
        if not all(is_whole(i) for i in index) or not all(
            0 <= i < n for i, n in zip(index, shape, strict=True)
        ):
            raise SettingsError(f"no {key}{list(index)} in {layer.name} (shape {list(shape)})")
        network = self.network.astype(np.float64)
        loss, l2, l1 = self.loss, self.settings.l2, self.settings.l1
        network.loss_and_gradients(loss, X, y, l2=l2, l1=l1)
        twin = network.layers[self.network.layers.index(layer)]
        analytic = float(twin.grads[key][index])
        original = float(twin.params[key][index])

        def objective() -> float:
            return loss.value(network.forward(X, training=True), y) + network.penalty(l2, l1)

        numeric = central_difference(objective, twin.params[key], index, eps=1e-6)
        scale = max(abs(analytic), abs(numeric), 1e-12)
        symbol = f"{key}{self.dense_layers().index(layer) + 1}"  # W2: explain's name for it
        return {"name": f"{symbol}[{', '.join(map(str, index))}]", "symbol": symbol,
                "bias": key == "b", "row": None if key == "b" else index[0], "col": index[-1],
                "value": original, "analytic": analytic, "numeric": numeric,
                "relative_error": abs(analytic - numeric) / scale}  # fmt: skip

    def _dense(self, name: object) -> Dense:
        for layer in self.network.layers:
            if isinstance(layer, Dense) and layer.name == name:
                return layer
        raise SettingsError(f"no Dense layer named {name!r}")

    # ------------------------------------------------------------------ files
    def model_file(self) -> dict:
        """The model file ``glassnet evaluate``/``explain`` load, and the command reproducing it
        (see :mod:`glassnet.playground.model_files`)."""
        result = model_file(self.network, self.settings, self.epoch)
        if self.retuned:
            result["note"] = ("settings changed during this run: the command trains with the "
                              "last ones from the start, so its weights differ")  # fmt: skip
        return result

    #: A model file from the page, checked (:func:`glassnet.playground.model_files.read_model`).
    read_model = staticmethod(read_model)

    def settings_for(self, network: Network) -> Settings:
        """These settings with the architecture of ``network`` (a loaded model)."""
        return settings_for(self.settings, network)


def _sizes(layer: Layer) -> dict:
    return {"fan_in": layer.fan_in, "fan_out": layer.fan_out} if isinstance(layer, Dense) else {}


def _float32(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 for the page, an overflow shown as the largest float32."""
    values = np.asarray(values, dtype=np.float64)
    return np.nan_to_num(np.clip(values, -3e38, 3e38), nan=0.0).astype(np.float32)


def _finite(value):
    """JSON has no NaN: a diverged number is sent as None (the page shows it as such)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
