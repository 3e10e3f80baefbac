"""What start-up built is frozen out of later collections; its garbage is not kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.startup_heap import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.partner: _Node | None = None


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen_after")
def test_start_up_objects_leave_the_collections_and_start_up_garbage_is_collected() -> None:
    kept = _Node()
    garbage, other = _Node(), _Node()
    garbage.partner, other.partner = other, garbage  # a cycle only the collector frees
    gone = weakref.ref(garbage)
    del garbage, other

    frozen = freeze_startup_heap()

    assert gone() is None
    assert frozen > 0
    assert not any(each is kept for each in gc.get_objects())
