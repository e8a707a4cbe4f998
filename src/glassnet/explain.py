"""Explain one training step in the XOR tutorial's words, with the library's own numbers.

:func:`explain` turns a :class:`~glassnet.trace.Trace` into a list of :class:`Step` records (a
name such as ``dLoss/dW2``, its formula, its value), in the order a person would compute them
by hand: the forward pass, the loss, the backward pass layer by layer, the update and the loss
after it. :func:`render` prints them as text, Markdown or JSON. Every value is taken from the
trace, which recorded what the network's own ``forward``/``backward`` and the optimizer computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from glassnet.layers import Dense, Layer
from glassnet.losses import Loss
from glassnet.network import Network
from glassnet.optim import SGD
from glassnet.trace import LayerTrace, Trace, trace

#: Arrays with more elements than this are shown as shape and summary statistics.
FULL_VALUES_UP_TO = 64


@dataclass
class Step:
    section: str
    name: str
    formula: str
    value: np.ndarray | float | None = None
    note: str = ""


def _symbols(trace: Trace) -> list[dict]:
    """Tutorial names per layer: W1, b1, z1 for the first Dense, h1 for what follows it, ..."""
    names, dense_count, previous, after_dense = [], 0, "X", 0
    for layer in trace.layers:
        if layer.kind == "Dense":
            dense_count += 1
            out = f"z{dense_count}"
            names.append(
                {
                    "in": previous,
                    "out": out,
                    "W": f"W{dense_count}",
                    "b": f"b{dense_count}",
                    "k": dense_count,
                }
            )
            after_dense = 0
        elif dense_count == 0:  # before the first Dense: the input, filled and standardised
            out = {"Impute": "X_filled", "Standardize": "X_std", "Features": "X_features"}.get(
                layer.kind, "X'"
            )
            names.append({"in": previous, "out": out, "k": 0})
        else:
            out = f"h{dense_count}" + "'" * after_dense
            after_dense += 1
            names.append({"in": previous, "out": out, "k": dense_count})
        for key in layer.params:  # a brick's own parameters: gamma1, beta1 after the first Dense
            names[-1].setdefault(key, f"{key}{dense_count}")
        previous = out
    return names


def _brick(kind: str):
    """The brick class of a traced layer's kind (its formulas live on the class)."""
    return Layer.types.get(kind, Layer)


_LOSS_VALUE = {
    "MSE": "mean(({o} - y)^2)",
    "MAE": "mean(|{o} - y|)",
    "SoftmaxCrossEntropy": "mean over rows of -sum(y log softmax({o}))",
    "BinaryCrossEntropy": "mean(-(y log sigmoid({o}) + (1 - y) log(1 - sigmoid({o}))))",
}
_LOSS_GRAD = {
    "MSE": "2 ({o} - y) / {size}",
    "MAE": "sign({o} - y) / {size}",
    "SoftmaxCrossEntropy": "(softmax({o}) - y) / {batch}",
    "BinaryCrossEntropy": "(sigmoid({o}) - y) / {size}",
}


def explain(trace: Trace) -> list[Step]:
    """The steps of the walkthrough, in order, each with its value from ``trace``."""
    symbols = _symbols(trace)
    return [
        Step("input", "X", "the input batch", trace.X),
        Step("input", "y", "the targets", trace.target),
        *_forward_steps(trace, symbols),
        *_loss_steps(trace, symbols),
        *_gradient_steps(trace, symbols),
        *_update_steps(trace, symbols),
    ]


def _forward_steps(trace: Trace, symbols: list[dict]) -> list[Step]:
    """The parameters before the step, then each brick's output."""
    steps = []
    for layer, sym in zip(trace.layers, symbols, strict=True):
        for key, value in layer.params.items():
            steps.append(
                Step("parameters", sym[key], f"{key} of {layer.name}, before the step", value)
            )
    for layer, sym in zip(trace.layers, symbols, strict=True):
        if layer.kind == "Dense":
            bias = f" + {sym['b']}" if "b" in layer.params else ""
            formula = f"{sym['in']} {sym['W']}{bias}"
        else:
            formula = (_brick(layer.kind).formula or f"{layer.kind}({{i}})").format(i=sym["in"])
        steps.append(Step("forward", sym["out"], formula, layer.output, layer.name))
    return steps


def _loss_steps(trace: Trace, symbols: list[dict]) -> list[Step]:
    """The data term, the Ridge term and their sum."""
    out = symbols[-1]["out"]
    ridge = " + ".join(f"|{sym['W']}|^2" for sym in symbols if "W" in sym)
    steps = [
        Step("loss", "data term", _LOSS_VALUE[trace.loss_name].format(o=out), trace.data_loss),
        Step(
            "loss",
            "Ridge term",
            f"alpha/2 ({ridge}), alpha = {trace.l2:g}",
            trace.l2_term,
            "biases are not penalised",
        ),  # fmt: skip
    ]
    if trace.l1:
        lasso = " + ".join(f"sum|{sym['W']}|" for sym in symbols if "W" in sym)
        steps.append(Step("loss", "Lasso term", f"beta ({lasso}), beta = {trace.l1:g}",
                          trace.l1_term, "biases are not penalised"))  # fmt: skip
        return [*steps, Step("loss", "Loss", "data term + Ridge term + Lasso term", trace.loss)]
    return [*steps, Step("loss", "Loss", "data term + Ridge term", trace.loss)]


def _gradient_steps(trace: Trace, symbols: list[dict]) -> list[Step]:
    """The loss's gradient, then the chain rule back through each brick to the first Dense."""
    layers, out = trace.layers, symbols[-1]["out"]
    output = layers[-1].output
    size, batch = output.size, output.shape[0]
    steps = [
        Step(
            "backward",
            f"dLoss/d{out}",
            _LOSS_GRAD[trace.loss_name].format(o=out, size=size, batch=batch),
            layers[-1].grad_output,
            "the gradient the loss hands to the network",
        )
    ]
    chain = {"factors": [f"dLoss/d{out}"], "previous": None}
    first_dense = next(i for i, layer in enumerate(layers) if layer.kind == "Dense")
    for index in range(len(layers) - 1, first_dense - 1, -1):  # the data before needs none
        layer, sym = layers[index], symbols[index]
        steps.extend(_backward_steps(layer, sym, trace, chain, index == first_dense))
    return steps


def _update_steps(trace: Trace, symbols: list[dict]) -> list[Step]:
    """Each parameter after the update, and the loss on the same batch after it."""
    steps = []
    for layer, sym in zip(trace.layers, symbols, strict=True):
        for key in layer.params:
            name = sym[key]
            formula = f"{name} - lr * dLoss/d{name}, lr = {trace.learning_rate:g}"
            note = ""
            if key == "W" and layer.max_norm is not None:  # the constraint after the step
                formula = f"renorm({formula}, max_norm = {layer.max_norm:g})"
                note = (f"each unit's incoming weights, a column of {name}, scaled down to a "
                        f"norm of at most {layer.max_norm:g}")  # fmt: skip
            steps.append(Step("update", f"{name} new", formula, layer.params_after[key], note))
    change = trace.loss_after - trace.loss
    steps.append(
        Step(
            "after",
            "Loss after the step",
            "the same loss on the same batch",
            trace.loss_after,
            _change_note(change),
        )
    )
    return steps


def _change_note(change: float) -> str:
    """How the loss moved over the step, in words."""
    if change < 0:
        return f"lower by {-change:.6g}"
    if change > 0:
        return (f"higher by {change:.6g}: the step overshot; a smaller learning rate would "
                "lower the loss")  # fmt: skip
    return "unchanged"


def _backward_steps(
    layer: LayerTrace, sym: dict, trace: Trace, chain: dict, is_first_dense: bool
) -> list[Step]:
    """Steps for one brick, walking backwards; ``chain`` holds the chain-rule factors so far and
    the Dense step before this one, to say which factors are reused."""
    o, i = sym["out"], sym["in"]
    factors = chain["factors"]
    section = f"backward through {layer.name}"
    if layer.kind != "Dense":
        factors.append(f"d{o}/d{i}")
        brick = _brick(layer.kind)
        steps = [
            Step(section, f"dLoss/d{sym[key]}",
                 brick.param_grad_formulas.get(key, f"dLoss/d{key}").format(o=o, i=i),
                 layer.grads[key])  # fmt: skip
            for key in layer.params
        ]
        if layer.local_grad is None:  # not elementwise: the brick's own vector-Jacobian product
            if layer.grad_input is None:  # it stands first: its input is the data
                return steps
            formula = (brick.input_grad_formula or f"dLoss/d{i}").format(o=o, i=i)
            return [*steps, Step(section, f"dLoss/d{i}", formula, layer.grad_input)]
        local = (_brick(layer.kind).local_formula or f"d{o}/d{i}").format(o=o, i=i)
        return [
            Step(section, f"d{o}/d{i}", local, layer.local_grad, "elementwise"),
            Step(
                section,
                f"dLoss/d{i}",
                f"dLoss/d{o} * d{o}/d{i}",
                layer.grad_input,
                f"= {' * '.join(factors)}",
            ),
        ]
    W, b = sym["W"], sym.get("b")
    # the chain so far, when it is more than the gradient the loss hands over
    note = f"dLoss/d{o} = {' * '.join(factors)}" if len(factors) > 1 else None
    if chain["previous"] is not None:
        previous_out, previous_W = chain["previous"]
        note += f"; its first factors, dLoss/d{previous_out}, are reused from the {previous_W} step"
    chain["previous"] = (o, W)
    steps = [Step(section, f"d{o}/d{W}", i, layer.input, "the layer's input")]
    data_grad = layer.data_grads["W"]
    if trace.l2 or trace.l1:
        steps.append(Step(section, f"dLoss/d{W} (data)", f"{i}^T dLoss/d{o}", data_grad, note))
        parts = ["data part"]
        if trace.l2:
            steps.append(Step(section, f"dLoss/d{W} (Ridge)", f"alpha {W}",
                              trace.l2 * layer.params["W"]))  # fmt: skip
            parts.append("Ridge part")
        if trace.l1:
            steps.append(Step(section, f"dLoss/d{W} (Lasso)", f"beta sign({W})",
                              trace.l1 * np.sign(layer.params["W"])))  # fmt: skip
            parts.append("Lasso part")
        steps.append(Step(section, f"dLoss/d{W}", " + ".join(parts), layer.grads["W"]))
    else:
        steps.append(Step(section, f"dLoss/d{W}", f"{i}^T dLoss/d{o}", layer.grads["W"], note))
    if b is not None:
        steps.append(
            Step(section, f"dLoss/d{b}", f"sum over the batch of dLoss/d{o}", layer.grads["b"])
        )
    if not is_first_dense:
        factors.append(f"d{o}/d{i}")
        steps.append(Step(section, f"d{o}/d{i}", W, layer.params["W"], "the weights themselves"))
        steps.append(Step(section, f"dLoss/d{i}", f"dLoss/d{o} {W}^T", layer.grad_input))
    return steps


# ----------------------------------------------------------------------------- rendering
def _summary(value: np.ndarray) -> dict:
    value = np.asarray(value, dtype=np.float64)
    return {
        "min": float(value.min()),
        "mean": float(value.mean()),
        "max": float(value.max()),
        "norm": float(np.linalg.norm(value)),
    }


def _value_text(value) -> str:
    if value is None:
        return ""
    if np.isscalar(value):
        return f"{float(value):.6g}"
    value = np.asarray(value)
    if value.size > FULL_VALUES_UP_TO:
        stats = _summary(value)
        return (
            f"min {stats['min']:.4g}, mean {stats['mean']:.4g}, max {stats['max']:.4g}, "
            f"norm {stats['norm']:.4g}"
        )
    return np.array2string(value, precision=4, suppress_small=False, max_line_width=96)


def _shape(value) -> str:
    return "" if value is None or np.isscalar(value) else str(tuple(np.shape(value)))


def to_json(steps: list[Step], header: dict) -> str:
    """Every step with its exact value (small arrays as lists, large ones as statistics)."""
    items = []
    for step in steps:
        item = {"section": step.section, "name": step.name, "formula": step.formula}
        if step.note:
            item["note"] = step.note
        if step.value is not None:
            if np.isscalar(step.value):
                item["value"] = float(step.value)
            else:
                value = np.asarray(step.value)
                item["shape"] = list(value.shape)
                if value.size > FULL_VALUES_UP_TO:
                    item["summary"] = _summary(value)
                else:
                    item["value"] = value.tolist()
        items.append(item)
    return json.dumps({**header, "steps": items})


def render(steps: list[Step], header: dict, fmt: str = "text") -> str:
    """The walkthrough as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        return to_json(steps, header)
    if fmt not in ("text", "markdown"):
        raise ValueError(f"format must be 'text', 'markdown' or 'json', got {fmt!r}")
    markdown = fmt == "markdown"
    lines = [("# " if markdown else "") + header["title"], ""]
    lines += [("- " if markdown else "  ") + line for line in header["about"]]
    section = None
    for step in steps:
        if step.section != section:
            section = step.section
            lines += ["", f"## {section}" if markdown else f"== {section} =="]
        shape = _shape(step.value)
        title = f"{step.name} = {step.formula}" if step.formula else step.name
        if markdown:
            lines.append(f"- **{step.name}** = `{step.formula}` {shape}".rstrip())
            if step.note:
                lines.append(f"  ({step.note})")
            text = _value_text(step.value)
            if text:
                block = text if "\n" in text or text.startswith("[") else text
                lines += ["  ```", *["  " + row for row in block.splitlines()], "  ```"]
        else:
            note = f"   [{step.note}]" if step.note else ""
            lines.append(f"{title}   {shape}{note}".rstrip())
            text = _value_text(step.value)
            if text:
                lines += ["    " + row for row in text.splitlines()]
    return "\n".join(lines) + "\n"


def explain_step(
    network: Network,
    loss: Loss | str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    learning_rate: float,
    l2: float = 0.0,
    l1: float = 0.0,
    title: str,
    step: int = 1,
) -> tuple[list[Step], dict]:
    """One real plain-gradient-descent step of ``network`` on ``(X, y)``, explained.

    The command line's ``glassnet explain`` and the playground's "Explain this step" both call
    this, so they show the same names and numbers.

    Parameters
    ----------
    network : Network
        Updated by the step (pass a copy to keep it).
    loss : Loss or str
        The loss, as :func:`~glassnet.train.fit` takes it.
    X : ndarray of shape (batch, in_features)
        The batch's inputs.
    y : ndarray of shape (batch,) or (batch, out_features)
        Targets for ``loss``.
    learning_rate : float
        The step's learning rate.
    l2 : float
        Ridge strength.
    l1 : float
        Lasso strength.
    title : str
        The walkthrough's first line.
    step : int
        Which step this is, counted by the caller (``glassnet explain --steps K`` shows the K-th).

    Returns
    -------
    steps : list of Step
        Every number in the order of the chain rule, each with its formula.
    header : dict
        The title and the lines about the network, the loss and the update, for :func:`render`.
    """
    record = trace(network, loss, X, y, optimizer=SGD(learning_rate), l2=l2, l1=l1)
    layers = " -> ".join(
        f"{layer.name} ({layer.fan_in}->{layer.fan_out})"
        if isinstance(layer, Dense)
        else layer.name
        for layer in network.layers
    )
    header = {
        "title": title + ", explained with glassnet's own numbers",
        "about": [
            f"network: {layers}",
            f"loss: {record.loss_name}"
            + (f" + Ridge (L2), alpha = {l2:g}" if l2 else "")
            + (f" + Lasso (L1), beta = {l1:g}" if l1 else ""),
            f"update: plain gradient descent, W <- W - lr * dLoss/dW, lr = {learning_rate:g}",
            f"this is step {step} of {step}"
            + (f" (the first {step - 1} were run the same way)" if step > 1 else ""),
        ],
        "step": step,
    }
    return explain(record), header


@dataclass(repr=False)
class Explanation:
    """An explained step (:func:`explained`): its ``steps`` and ``header``; prints as
    ``glassnet explain``'s text and shows in a notebook as tables under the chain-rule names."""

    steps: list[Step]
    header: dict

    def render(self, fmt: str = "text") -> str:
        """The walkthrough as ``"text"``, ``"markdown"`` or ``"json"``."""
        return render(self.steps, self.header, fmt)

    def __str__(self) -> str:
        return self.render()

    __repr__ = __str__  # at a Python prompt, the walkthrough itself

    def _repr_html_(self) -> str:
        from glassnet.notebook import explanation_html

        return explanation_html(self.steps, self.header)


def explained(network: Network, loss: Loss | str, X: np.ndarray, y: np.ndarray, *,
              title: str = "One training step", **options) -> Explanation:  # fmt: skip
    """:func:`explain_step` (``learning_rate=``, ``l2=``, ...) as an :class:`Explanation`
    (``network`` is updated by the step; pass a copy to keep it)."""
    return Explanation(*explain_step(network, loss, X, y, title=title, **options))
