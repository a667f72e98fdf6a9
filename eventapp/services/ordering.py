"""Reordering a list shown with up/down buttons (agenda items, questions)."""

from __future__ import annotations

from typing import Protocol, TypeVar


class Positioned(Protocol):
    position: int


T = TypeVar("T", bound=Positioned)


def move(items: list[T], item: T, step: int) -> bool:
    """Swap ``item`` with its neighbour ``step`` (-1 up, +1 down) and number the list 1..n;
    False (nothing changed) at either end."""
    index = items.index(item)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, one in enumerate(items, start=1):
        one.position = position
    return True
