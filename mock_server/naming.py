"""Register functions by name in a table, refusing duplicates (builders, responders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def registrar(table: dict[str, F], what: str) -> Callable[[str], Callable[[F], F]]:
    def named(name: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            if name in table:
                raise ValueError(f"{what} {name!r} registered twice")
            table[name] = fn
            return fn

        return register

    return named
