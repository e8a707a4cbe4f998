"""Every public callable of the package says what it does: a module-level function or class, or
a public method or property of a public class (an override may share its base's docstring).
``python tests/test_docstrings.py`` lists those that do not."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import glassnet


def public_callables():
    """``(qualified name, object)`` for each public callable defined in a public module."""
    for info in pkgutil.walk_packages(glassnet.__path__, "glassnet."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ != info.name:  # imported from elsewhere: counted there
                continue
            yield f"{info.name}.{name}", obj
            if inspect.isclass(obj):
                for attribute, member in vars(obj).items():
                    if attribute.startswith("_"):
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        yield f"{info.name}.{name}.{attribute}", getattr(obj, attribute)


def undocumented() -> list[str]:
    return [name for name, obj in public_callables() if not inspect.getdoc(obj)]


#: The public API a user meets first (with everything ``import glassnet`` exports):
#: numpydoc's validation holds each to Parameters and Returns sections with every parameter
#: described (shapes for arrays).
CORE_API = [
    "glassnet.train.fit", "glassnet.train.evaluate", "glassnet.train.train_step",
    "glassnet.network.mlp", "glassnet.network.Network", "glassnet.network.Network.predict",
    "glassnet.network.Network.predict_proba", "glassnet.network.Network.predict_classes",
    "glassnet.network.Network.loss_and_gradients", "glassnet.gradcheck.gradcheck",
    "glassnet.io.save", "glassnet.io.load_model", "glassnet.explain.explain_step",
    "glassnet.trace.trace", "glassnet.layers.Dense", "glassnet.losses.get_loss",
    "glassnet.optim.SGD", "glassnet.optim.Adam", "glassnet.callbacks.EarlyStopping",
    "glassnet.onnx.export", "glassnet.preprocessing.scaled", "glassnet.features.with_features",
]  # fmt: skip
#: numpydoc's codes: no docstring; parameters missing, unknown or without a description; no
#: Returns section or a return value without a description.
CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01", "RT03"}


def top_level_names() -> list[str]:
    """What ``import glassnet`` exports, by where each is defined."""
    objects = [getattr(glassnet, name) for name in glassnet.__all__ if name != "__version__"]
    return [f"{obj.__module__}.{obj.__qualname__}" for obj in objects]


def test_the_core_api_passes_numpydoc_validation():
    from numpydoc.validate import validate

    names = sorted(set(CORE_API) | set(top_level_names()))
    assert len(names) > 40
    problems = {name: [f"{code}: {text}" for code, text in validate(name)["errors"]
                       if code in CHECKS] for name in names}  # fmt: skip
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_public_callable_has_a_docstring():
    names = [name for name, _ in public_callables()]
    assert len(names) > 400  # the walk found the package (bricks, losses, commands, ...)
    assert undocumented() == []


if __name__ == "__main__":
    missing = undocumented()
    print(f"{len(missing)} of {len(list(public_callables()))} public callables lack a docstring")
    print("\n".join(missing))
