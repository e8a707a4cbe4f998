"""The playground's settings: what the page may ask for, and their checks.

Anything outside these bounds gets a :class:`SettingsError` with a message for the page, never a
traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from glassnet._checks import is_finite_real, is_whole
from glassnet.features import FEATURES
from glassnet.layers import HIDDEN_ACTIVATIONS

#: What the page may ask for. Anything outside gets an error message, never a traceback.
DATASETS = ("xor", "spirals", "moons", "circles", "surface", "custom")
REGRESSION = ("surface",)
ACTIVATION_NAMES = HIDDEN_ACTIVATIONS
LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_LAYERS = 6
MAX_NEURONS = 16
MAX_SAMPLES = 2000
MAX_POINTS = 2000
MAX_CLASSES = 4
#: What custom points' third number is: a class (0 to 3) or a value to predict.
CUSTOM_TASKS = ("classification", "regression")
#: The largest custom regression target the page takes.
MAX_TARGET = 1e6


class SettingsError(ValueError):
    """A setting from the page is missing, of the wrong type or out of range."""


@dataclass
class Settings:
    """A run's settings; the page keeps them in its URL, so a link reproduces the run."""

    dataset: str = "spirals"
    noise: float = 0.1
    n_samples: int = 400
    test_fraction: float = 0.2
    hidden: list[int] = field(default_factory=lambda: [8, 8])
    activation: str = "tanh"
    loss: str = "cross_entropy"
    learning_rate: float = 0.03
    l2: float = 0.0
    l1: float = 0.0
    batch_size: int = 10
    optimizer: str = "sgd"
    seed: int = 0
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])  # see glassnet.features
    points: list[list[float]] = field(default_factory=list)  # custom: [x1, x2, label]
    custom_task: str = "classification"
    class_names: list[str] = field(default_factory=list)  # custom: the labels' own names

    @property
    def is_regression(self) -> bool:
        """Whether the run predicts values (the surface, or custom points with values)."""
        custom_values = self.dataset == "custom" and self.custom_task == "regression"
        return self.dataset in REGRESSION or custom_values


def parse_settings(raw: object) -> Settings:
    """Check every field the page sent (unknown fields are refused, missing ones default)."""
    if not isinstance(raw, dict):
        raise SettingsError("settings must be an object")
    defaults = asdict(Settings())
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(map(str, unknown))}")
    values = {**defaults, **raw}
    settings = Settings(
        dataset=_choice(values, "dataset", DATASETS),
        noise=_number(values, "noise", 0.0, 1.0),
        n_samples=_integer(values, "n_samples", 20, MAX_SAMPLES),
        test_fraction=_number(values, "test_fraction", 0.05, 0.9),
        hidden=_hidden(values["hidden"]),
        activation=_choice(values, "activation", ACTIVATION_NAMES),
        loss=_choice(values, "loss", LOSSES),
        learning_rate=_number(values, "learning_rate", 1e-6, 10.0),
        l2=_number(values, "l2", 0.0, 1.0),
        l1=_number(values, "l1", 0.0, 1.0),
        batch_size=_integer(values, "batch_size", 1, 512),
        optimizer=_choice(values, "optimizer", OPTIMIZERS),
        seed=_integer(values, "seed", 0, 2**31 - 1),
        features=_features(values["features"]),
        custom_task=_choice(values, "custom_task", CUSTOM_TASKS),
        class_names=_class_names(values["class_names"]),
    )
    settings.points = _points(values["points"], settings.custom_task == "regression")
    if settings.is_regression and settings.loss != "mse":
        raise SettingsError(f"the {settings.dataset} data set is regression: use the mse loss")
    if settings.dataset == "custom" and settings.custom_task == "classification":
        labels = {int(point[2]) for point in settings.points}
        if len(settings.points) < 10 or len(labels) < 2:
            raise SettingsError("custom data needs at least 10 points of at least 2 classes")
        if settings.class_names and max(labels) >= len(settings.class_names):
            raise SettingsError(f"a point's label {max(labels)} has no name among "
                                f"{len(settings.class_names)} class names")  # fmt: skip
    if settings.dataset == "custom" and settings.custom_task == "regression":
        if len(settings.points) < 10:
            raise SettingsError("custom data needs at least 10 points")
    return settings


def _choice(values: dict, name: str, choices: tuple[str, ...]) -> str:
    value = values[name]
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _number(values: dict, name: str, low: float, high: float) -> float:
    return float(_bounded(values, name, low, high, whole=False))


def _integer(values: dict, name: str, low: int, high: int) -> int:
    return int(_bounded(values, name, low, high, whole=True))


def _bounded(values: dict, name: str, low, high, *, whole: bool):
    """``values[name]``, a number (a whole one with ``whole``) between ``low`` and ``high``."""
    value = values[name]
    if not (is_whole(value) if whole else is_finite_real(value)):
        raise SettingsError(f"{name} must be {'a whole number' if whole else 'a number'}; "
                            f"got {value!r}")  # fmt: skip
    if not low <= value <= high:
        bounds = f"{low} and {high}" if whole else f"{low:g} and {high:g}"
        raise SettingsError(f"{name} must be between {bounds}; got {value!r}")
    return value


def _hidden(value: object) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_LAYERS:
        raise SettingsError(f"hidden must be a list of at most {MAX_LAYERS} layer sizes")
    for size in value:
        if not is_whole(size) or not 1 <= size <= MAX_NEURONS:
            raise SettingsError(f"each hidden layer needs 1 to {MAX_NEURONS} neurons; got {size!r}")
    return list(value)


def _points(value: object, regression: bool) -> list[list[float]]:
    if not isinstance(value, list) or len(value) > MAX_POINTS:
        raise SettingsError(f"points must be a list of at most {MAX_POINTS} [x1, x2, label]")
    points = []
    for point in value:
        ok = isinstance(point, list) and len(point) == 3
        ok = ok and all(is_finite_real(v) for v in point)
        if not ok or not -10 <= point[0] <= 10 or not -10 <= point[1] <= 10:
            raise SettingsError(f"each point must be [x1, x2, label] with |x| <= 10; got {point!r}")
        if regression:
            if not abs(point[2]) <= MAX_TARGET:
                raise SettingsError(f"point targets must lie within +-{MAX_TARGET:g}; "
                                    f"got {point[2]!r}")  # fmt: skip
            points.append([float(point[0]), float(point[1]), float(point[2])])
            continue
        if point[2] not in range(MAX_CLASSES):
            raise SettingsError(f"point labels must be 0 to {MAX_CLASSES - 1}; got {point[2]!r}")
        points.append([float(point[0]), float(point[1]), int(point[2])])
    return points


def _features(value: object) -> list[str]:
    if (not isinstance(value, list) or not 1 <= len(value) <= len(FEATURES)
            or not all(isinstance(name, str) and name in FEATURES for name in value)
            or len(set(value)) != len(value)):  # fmt: skip
        raise SettingsError(f"features must be a list of distinct names among "
                            f"{', '.join(FEATURES)}; got {value!r}")  # fmt: skip
    return [name for name in FEATURES if name in value]  # in the one order the brick keeps


def _class_names(value: object) -> list[str]:
    if (not isinstance(value, list) or len(value) > MAX_CLASSES
            or not all(isinstance(name, str) and 0 < len(name) <= 40 for name in value)
            or len(set(value)) != len(value)):  # fmt: skip
        raise SettingsError(f"class_names must be at most {MAX_CLASSES} distinct names of 1 "
                            "to 40 characters")  # fmt: skip
    return list(value)
