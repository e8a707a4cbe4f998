"""Errors that name the problem, shared by every public entry point."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GlassnetError(Exception):
    """Base class of glassnet's own errors."""


def unknown_name(argument: str, given: object, known: Iterable[str]) -> ValueError:
    """A ValueError for an unknown name, with a "did you mean" suggestion when one is close."""
    known = sorted(known)
    message = f"unknown {argument} {given!r}; expected one of: {', '.join(known)}"
    close = difflib.get_close_matches(str(given), known, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return ValueError(message)
