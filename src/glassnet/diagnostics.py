"""Diagnostics while training: a guard against divergence, and per-epoch health figures.

Both are callbacks. They look at the gradients after the backward pass and before the update
(the ``on_backward_end`` event), so a guard that stops training leaves the last good weights.
"""

from __future__ import annotations

import math

import numpy as np

from glassnet._errors import GlassnetError
from glassnet.callbacks import Callback
from glassnet.layers import Dense


class TrainingDiverged(GlassnetError, ArithmeticError):
    """Training stopped because the loss or a gradient became NaN/Inf or exploded."""


def _saturation(layer) -> float:
    """Fraction of a sigmoid/tanh brick's last outputs within 1e-3 of their bounds."""
    out = layer.cached_output
    if out is None:
        return 0.0
    low, high = layer.output_bounds
    return float(np.mean((out < low + 1e-3) | (out > high - 1e-3)))


def _dead_fraction(layer) -> float:
    """Fraction of a ReLU brick's units that were inactive for every row of the last batch."""
    out = layer.cached_output
    if out is None:
        return 0.0
    return float(np.mean(~(out > 0).any(axis=0)))  # a unit is active where its output is > 0


#: Data beyond these scales is "not scaled": inputs of about 0..1 and targets of about unit size
#: are what the default learning rates suit.
INPUT_SCALE_LIMIT = 20
TARGET_SCALE_LIMIT = 1000


def data_causes(input_scale: float, target_scale: float, dtype) -> list[str]:
    """The divergences data can cause: inputs or regression targets far from unit scale, and
    values whose products overflow the network's dtype whatever the learning rate."""
    largest = float(np.finfo(dtype).max)
    causes = []
    for scale, what, sign, limit, fix in (
        (input_scale, "inputs", "x", INPUT_SCALE_LIMIT, "scale them to about 0..1 or standardise"
         " them"),
        (target_scale, "targets", "y", TARGET_SCALE_LIMIT, "standardise them (or divide them by "
         "their scale) and scale the predictions back"),
    ):  # fmt: skip
        if scale > largest**0.5:
            causes.append(
                f"the {what} are too large for {np.dtype(dtype).name} arithmetic (the largest "
                f"|{sign}| is {scale:g}; products of such values pass {largest:.3g}): {fix}"
            )
        elif scale > limit:
            causes.append(f"the {what} are not scaled (the largest |{sign}| is {scale:g}): {fix}")
    return causes


def likely_causes(network, state) -> list[str]:
    """Plausible reasons for a divergence, most likely first: unscaled data, then the learning
    rate (unless no step has been taken yet), then the units' state (saturated or dead units are
    usually a symptom of large steps)."""
    scales = [state.extra[key]() if key in state.extra else 0.0
              for key in ("input_scale", "target_scale")]  # fmt: skip
    causes = data_causes(*scales, network.dtype)
    if state.step > 0:  # before the first update, the learning rate has done nothing yet
        lr = state.optimizer.learning_rate
        causes.append(f"the learning rate is too high ({lr:g}): try {lr / 10:g}")
    for layer in network.layers:
        if layer.stuck_when == "saturated" and _saturation(layer) > 0.5:
            causes.append(
                f"saturated units in {layer.name} ({_saturation(layer):.0%} of "
                "outputs stuck at their bounds)"
            )
        if layer.stuck_when == "dead" and _dead_fraction(layer) > 0.5:
            causes.append(
                f"dead ReLUs in {layer.name} ({_dead_fraction(layer):.0%} of units "
                "inactive for the whole batch)"
            )
    if not causes:
        causes.append("the initial weights or the inputs overflow before any update: check both")
    return causes


class TrainingGuard(Callback):
    """Stop training with :class:`TrainingDiverged` when the loss or a gradient becomes NaN or
    Inf, or when the gradient norm explodes: grows past ``explode_factor`` times its median over
    the first ``warmup`` steps. The message names the layer, the epoch and step, and the likely
    cause; the weights are left as they were before the bad step."""

    def __init__(self, explode_factor: float = 1e4, warmup: int = 20) -> None:
        self.explode_factor = float(explode_factor)
        self.warmup = int(warmup)

    def on_train_begin(self, state) -> None:
        """Start collecting the early gradient norms the explosion limit comes from."""
        self.early_norms: list[float] = []

    def _stop(self, state, problem: str) -> None:
        causes = likely_causes(state.network, state)
        raise TrainingDiverged(
            f"training stopped at epoch {state.epoch + 1}, step {state.step + 1}: {problem}. "
            f"Likely cause: {causes[0]}"
            + (f" (also possible: {'; '.join(causes[1:])})" if len(causes) > 1 else "")
            + ". The weights are those before this step."
        )

    def on_backward_end(self, state) -> None:
        network = state.network
        if not math.isfinite(state.batch_loss):
            where = next(
                (
                    layer.name
                    for layer in network.layers
                    if isinstance(layer, Dense) and not np.all(np.isfinite(layer.cached_input))
                ),
                network.layers[-1].name,
            )
            self._stop(
                state, f"the loss is {state.batch_loss} (first non-finite values entering {where})"
            )
        # Every gradient lives in one vector: one dot product gives the squared norm (and is
        # NaN/Inf if any entry is); the layers are searched only when something is wrong.
        ((_, _, gradients),) = network.parameter_vector()
        squares = float(np.dot(gradients, gradients))
        if not math.isfinite(squares):
            for layer in reversed(network.layers):
                for key, grad in layer.grads.items():
                    if not np.all(np.isfinite(grad)):
                        self._stop(state, f"the gradient of {layer.name}.{key} is NaN or Inf")
            squares = float(np.sum(gradients.astype(np.float64) ** 2))  # float32 overflowed
        norm = squares**0.5
        if len(self.early_norms) < self.warmup:
            self.early_norms.append(norm)
            if len(self.early_norms) == self.warmup:  # the limit, once for the whole run
                self.limit = self.explode_factor * max(float(np.median(self.early_norms)), 1e-12)
            return
        limit = self.limit
        if norm > limit:
            largest = max(
                (
                    (layer.name, key, float(np.linalg.norm(grad)))
                    for layer in network.layers
                    for key, grad in layer.grads.items()
                ),
                key=lambda item: item[2],
            )
            growth = norm / (limit / self.explode_factor)
            self._stop(
                state,
                f"the gradient norm exploded to {norm:.3g} ({growth:.3g} times its early "
                f"median), largest in {largest[0]}.{largest[1]}",
            )


class HealthMonitor(Callback):
    """Per-epoch health figures, added to the epoch logs (and so to the History):

    - ``grad_norm/<dense>``: mean over the epoch's batches of the layer's gradient norm;
    - ``dead/<relu>``: fraction of units inactive for every row of every batch of the epoch;
    - ``saturated/<sigmoid or tanh>``: mean fraction of outputs within 1e-3 of their bounds.
    """

    def on_epoch_begin(self, state) -> None:
        """Reset the epoch's counts of saturated and dead units and of gradient norms."""
        self.norms: dict[str, list[float]] = {}
        self.active: dict[str, np.ndarray] = {}
        self.saturated: dict[str, list[float]] = {}

    def on_backward_end(self, state) -> None:
        for layer in state.network.layers:
            if isinstance(layer, Dense):
                squares = sum(
                    float(np.sum(g.astype(np.float64) ** 2)) for g in layer.grads.values()
                )
                self.norms.setdefault(layer.name, []).append(squares**0.5)
            elif layer.stuck_when == "dead":
                active = layer.cached_mask.any(axis=0)  # made by the backward pass just run
                seen = self.active.get(layer.name)
                self.active[layer.name] = active if seen is None else (seen | active)
            elif layer.stuck_when == "saturated":
                self.saturated.setdefault(layer.name, []).append(_saturation(layer))

    def on_epoch_end(self, state, logs) -> None:
        """Add the epoch's health figures to ``logs`` (and so to the history)."""
        for name, norms in self.norms.items():
            logs[f"grad_norm/{name}"] = float(np.mean(norms))
        for name, active in self.active.items():
            logs[f"dead/{name}"] = float(1.0 - np.mean(active))
        for name, fractions in self.saturated.items():
            logs[f"saturated/{name}"] = float(np.mean(fractions))
