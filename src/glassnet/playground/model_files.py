"""Model files between the page and glassnet: the run as a model file with the command that
reproduces it, and a model file from the page checked before the playground shows it."""

from __future__ import annotations

import csv
import io
import shlex
import tempfile
from dataclasses import asdict
from pathlib import Path

from glassnet.features import Features
from glassnet.io import ModelFileError, archive_bytes, model_contents, network_from, read_archive
from glassnet.layers import ACTIVATIONS, Dense
from glassnet.network import Network
from glassnet.playground.settings import (
    LOSSES,
    MAX_LAYERS,
    Settings,
    SettingsError,
    parse_settings,
)
from glassnet.preprocessing import Rescale, Standardize


def points_csv(points: list[list[float]], class_names: list[str] = ()) -> str:
    """Custom points as the CSV table ``glassnet train points.csv --target label`` reads: a
    class's own name when the points have ``class_names``, else the number (a class's index, or
    the value of a regression target)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["x1", "x2", "label"])
    for x1, x2, label in points:
        target = class_names[int(label)] if class_names else repr(label)
        writer.writerow([repr(x1), repr(x2), target])
    return out.getvalue()


def model_file(network: Network, s: Settings, epochs: int) -> dict:
    """The model file ``glassnet evaluate``/``explain`` load, and the command reproducing it."""
    header, arrays = model_contents(network, Path("playground.npz"))
    dataset = "points.csv" if s.dataset == "custom" else s.dataset
    command = ["glassnet", "train", dataset]
    if s.dataset == "custom":
        command += ["--target", "label", "--task", s.custom_task]
    else:
        command += ["--n-samples", str(s.n_samples)]
        if s.dataset != "xor":
            command += ["--noise", f"{s.noise:g}"]
    command += ["--test-fraction", f"{s.test_fraction:g}"]
    if s.hidden:
        command += ["--hidden", *map(str, s.hidden)]
    if s.features != ["x1", "x2"]:
        command += ["--features", *s.features]
    command += ["--activation", s.activation, "--loss", s.loss, "--optimizer", s.optimizer,
                "--lr", f"{s.learning_rate:g}", "--l2", f"{s.l2:g}", "--l1", f"{s.l1:g}",
                "--batch-size", str(s.batch_size), "--epochs", str(max(1, epochs)),
                "--schedule", "constant", "--validation-fraction", "0",
                "--seed", str(s.seed), "--save", "model.npz"]  # fmt: skip
    result = {
        "type": "model",
        "filename": "playground.npz",
        "data": archive_bytes(header, arrays),
        "command": shlex.join(command),
        "epochs": epochs,
    }
    if s.dataset == "custom":
        result["points_csv"] = points_csv(s.points, s.class_names)
    return result


#: The most bricks a model the page can show has: its feature columns and input scaling, then a
#: Dense layer and an activation for each of at most :data:`MAX_LAYERS` hidden layers and the
#: output layer, then a target scaling.
MAX_BRICKS = 2 + 2 * (MAX_LAYERS + 1) + 1


def read_model(data: bytes) -> Network:
    """A model file from the page, checked: it must take the plane's two coordinates and have
    the shape of a network built on the page (within the page's limits, which
    :func:`settings_for` checks for the layer sizes). The header's layer count is checked before
    any brick is built."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "uploaded.npz"
        path.write_bytes(data)
        try:
            header, arrays = read_archive(path)
            layers = header.get("layers")
            if isinstance(layers, list) and len(layers) > MAX_BRICKS:
                raise SettingsError(
                    f"the playground shows at most {MAX_LAYERS} hidden layers ({MAX_BRICKS} "
                    f"bricks); the uploaded model has {len(layers):,} bricks"
                )
            network = network_from(path, header, arrays)
        except ModelFileError as error:
            raise SettingsError(str(error).replace(str(path), "the uploaded file")) from None
    if network.in_features != 2:
        raise SettingsError(
            f"the playground shows 2-D data; this model takes {network.in_features} inputs"
        )
    _check_showable(network)
    return network


def _check_showable(network: Network) -> None:
    """Refuse a network the page cannot draw: other than [feature columns] [input scaling],
    then Dense layers, each followed by at most one activation, then [target scaling]."""
    layers = network.layers
    if isinstance(layers[0], Features):
        layers = layers[1:]
    if isinstance(layers[0], Standardize):
        layers = layers[1:]
    if isinstance(layers[-1], Rescale):
        layers = layers[:-1]
    for position, layer in enumerate(layers):
        if not isinstance(layer, (Dense, *ACTIVATIONS.values())):
            raise SettingsError(f"the playground cannot show a {type(layer).__name__} brick")
        if isinstance(layer, Dense) != (position % 2 == 0):
            raise SettingsError(
                "the playground shows Dense layers each followed by one activation; "
                f"{layer.name} breaks that pattern"
            )


def settings_for(settings: Settings, network: Network) -> Settings:
    """``settings`` with the architecture of ``network`` (a loaded model)."""
    hidden = [layer.fan_out for layer in network.layers if isinstance(layer, Dense)][:-1]
    names = {cls: name for name, cls in ACTIVATIONS.items()}
    activations = [names[type(layer)] for layer in network.layers
                   if type(layer) in names and layer is not network.layers[-1]]  # fmt: skip
    activation = activations[0] if activations else settings.activation
    loss = network.metadata.get("loss", settings.loss)
    first = network.layers[0]
    features = first.names if isinstance(first, Features) else ["x1", "x2"]
    values = {**asdict(settings), "hidden": hidden, "activation": activation,
              "loss": loss if loss in LOSSES else settings.loss,
              "features": features}  # fmt: skip
    return parse_settings(values)
