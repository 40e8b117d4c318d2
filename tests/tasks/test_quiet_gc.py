"""``serve`` freezes what survives full collections, so their pauses do not grow with the store."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mock_server.serving import _freeze_survivors, quiet_gc


@pytest.fixture
def restored() -> Iterator[None]:
    yield
    while _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    gc.unfreeze()


@pytest.mark.usefixtures("restored")
def test_survivors_of_a_full_collection_are_frozen_and_not_walked_again() -> None:
    quiet_gc()
    quiet_gc()  # twice: one callback
    assert gc.callbacks.count(_freeze_survivors) == 1
    frozen = gc.get_freeze_count()
    assert frozen > 0
    kept = [[i] for i in range(5000)]  # tracked containers that survive
    gc.collect()
    assert gc.get_freeze_count() >= frozen + len(kept)
    assert gc.get_count()[0] < 100  # the young generation starts again from (nearly) empty


@pytest.mark.usefixtures("restored")
def test_young_collections_do_not_freeze() -> None:
    """Only a full collection's survivors are frozen: what dies young is still collected."""
    quiet_gc()
    frozen = gc.get_freeze_count()
    gc.disable()  # no automatic collection in between: only the ones asked for below
    try:
        kept = [[i] for i in range(5000)]
        gc.collect(0)
        gc.collect(1)
        assert gc.get_freeze_count() == frozen
        gc.collect()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.enable()
