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


def test_every_public_callable_has_a_docstring():
    names = [name for name, _ in public_callables()]
    assert len(names) > 400  # the walk found the package (bricks, losses, commands, ...)
    assert undocumented() == []


if __name__ == "__main__":
    missing = undocumented()
    print(f"{len(missing)} of {len(list(public_callables()))} public callables lack a docstring")
    print("\n".join(missing))
