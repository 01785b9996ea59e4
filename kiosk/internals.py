"""Checking that a library's internals, which a work-around relies on, are still where it expects.

A work-around that patches or subclasses a library's private parts must notice when an
upgrade moves them, instead of silently no longer working: the entry points check before
they start (screens/textual_fixes.py for Textual, provider/slow_clients.py for uvicorn).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable


def first_moved(relied_on: Iterable[tuple[type, str, tuple[str, ...]]]) -> str | None:
    """The first of (owner, name, parameters) that no longer is a function taking exactly those
    parameters, in words (`"Owner.name(a, b), not (a)"`); None if all are as expected."""
    for owner, name, parameters in relied_on:
        function = getattr(owner, name, None)
        found = tuple(inspect.signature(function).parameters) if callable(function) else None
        if found != parameters:
            now = f"({', '.join(found)})" if found is not None else " is gone"
            return f"{owner.__name__}.{name}{now}, not ({', '.join(parameters)})"
    return None
