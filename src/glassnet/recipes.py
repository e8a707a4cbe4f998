"""Training recipes: sensible defaults per data set for ``glassnet train``, as plain data.

A recipe names the network (hidden sizes, activation, output activation, initializer), the loss
and the optimizer settings. Options given on the command line replace the recipe's values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from glassnet._errors import unknown_name
from glassnet.datasets.arrays import ARRAY_SUFFIX
from glassnet.datasets.table import is_table


@dataclass(frozen=True)
class Recipe:
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "relu"
    output: str | None = None  # None: logits for the fused losses, values for regression
    init: str | None = None  # None: each activation's default
    loss: str | None = None  # None: the data set's own (cross_entropy or mse)
    optimizer: str = "adam"
    lr: float = 0.01
    schedule: str = "constant"  # or "step", "cosine" (see glassnet.schedules)
    epochs: int = 100
    batch_size: int | None = 32
    l2: float = 0.0
    l1: float = 0.0
    features: tuple[str, ...] | None = None  # 2-column data: a Features brick first
    dropout: float = 0.0
    input_dropout: float = 0.0  # a Dropout on the inputs, before the first Dense
    max_norm: float | None = None  # each unit's incoming weight norm held to it after each step
    batch_norm: bool = False  # a BatchNorm1d between each hidden Dense and its activation
    weight_decay: float | None = None  # the optimizer's (None: its default, 0 but for AdamW)
    clip_norm: float | None = None  # the gradient's norm held to it before each update
    warmup: float = 0.0  # epochs of linear warm-up of the learning rate
    augment: str | None = None  # "shift": images moved by up to 2 pixels in training
    validation_fraction: float = 0.1
    standardize: bool = False  # tables: a Standardize brick first
    scale_target: bool = False  # table regression: the target standardised, a Rescale brick last

    def with_options(self, **options) -> Recipe:
        """This recipe with every option that is not None put in."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})

    def to_dict(self) -> dict:
        """The recipe as plain JSON-able data (lists for tuples)."""
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        data["features"] = None if self.features is None else list(self.features)
        return data


#: The XOR tutorial: 2-3-2 sigmoid network, MSE + L2, fan-in-uniform init, full-batch descent.
XOR_TUTORIAL = Recipe(
    hidden=(3,),
    activation="sigmoid",
    output="sigmoid",
    init="fan_in_uniform",
    loss="mse",
    optimizer="sgd",
    lr=1.0,
    epochs=3000,
    batch_size=None,
    l2=1e-4,
    validation_fraction=0.0,
)

RECIPES: dict[str, Recipe] = {
    "xor-table": XOR_TUTORIAL,
    # The XOR tutorial's kind of network on Gaussian points: sigmoid units, MSE on one-hot
    # targets, L2; "--hidden 3" and "--hidden 50" give the tutorial's two animations.
    "xor": replace(
        XOR_TUTORIAL,
        hidden=(50,),
        optimizer="momentum",
        lr=0.5,
        epochs=300,
        batch_size=32,
        validation_fraction=0.1,
    ),
    "spirals": Recipe(hidden=(64, 64), lr=0.002, epochs=60),
    "moons": Recipe(hidden=(32, 32), epochs=100),
    "circles": Recipe(hidden=(32, 32), epochs=100),
    "sine": Recipe(hidden=(64, 64), lr=0.005, epochs=300),
    "surface": Recipe(hidden=(32, 32), lr=0.01, epochs=200),
    "digits": Recipe(hidden=(128,), lr=0.001, epochs=50),
    # The MNIST tutorial's recipe: 784-200-200-10, He init, ReLU, per-sample SGD, 3 epochs.
    "mnist": Recipe(hidden=(200, 200), optimizer="sgd", lr=0.01, epochs=3, batch_size=1),
    # Mini-batch SGD with momentum and a cosine schedule (on MNIST, 98.22% to 98.40% in 10
    # epochs over 3 seeds: the README's MNIST table, from scripts/reproduce_mnist.sh).
    "fashion-mnist": Recipe(
        hidden=(200, 200),
        optimizer="momentum",
        lr=0.05,
        schedule="cosine",
        epochs=10,
        batch_size=64,
    ),
    "csv": Recipe(hidden=(64, 64), lr=0.003, epochs=100, standardize=True, scale_target=True),
}


def recipe_for(dataset: str) -> Recipe:
    """The recipe of a data set name (a table's path gets the table recipe)."""
    name = "csv" if is_table(dataset) or dataset.lower().endswith(ARRAY_SUFFIX) else dataset
    if name not in RECIPES:
        tables = "a .csv, .parquet or .npy path"
        raise unknown_name("data set", dataset, [*RECIPES.keys() - {"csv"}, tables])
    return RECIPES[name]
