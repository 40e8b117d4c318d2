"""The in-memory store: newest first, pages sliced from the end, lookups scoped to account."""

from __future__ import annotations

import pytest

from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore


def _task(n: int, account: str = "a", endpoint: str = "text2video", ext: str | None = None) -> Task:
    return Task(
        task_id=f"{n:018d}",
        account=account,
        endpoint=endpoint,
        created_at=n,
        body={},
        base_url="http://x",
        external_task_id=ext,
    )


@pytest.fixture
def store() -> InMemoryTaskStore:
    s = InMemoryTaskStore()
    for n in range(1, 8):
        s.add(_task(n))
    s.add(_task(100, endpoint="image2video"))
    s.add(_task(200, account="b"))
    return s


@pytest.mark.parametrize(
    ("page", "size", "expected"),
    [(1, 3, [7, 6, 5]), (2, 3, [4, 3, 2]), (3, 3, [1]), (4, 3, []), (1, 30, [7, 6, 5, 4, 3, 2, 1])],
)
def test_pages_are_newest_first(
    store: InMemoryTaskStore, page: int, size: int, expected: list[int]
) -> None:
    assert [t.created_at for t in store.page("a", "text2video", page, size)] == expected


def test_find_is_scoped_to_account_and_endpoint(store: InMemoryTaskStore) -> None:
    assert store.find("a", "text2video", f"{3:018d}", by_external=True) is not None
    assert store.find("b", "text2video", f"{3:018d}", by_external=True) is None
    assert store.find("a", "image2video", f"{3:018d}", by_external=True) is None


def test_external_ids_are_found_only_when_allowed(store: InMemoryTaskStore) -> None:
    store.add(_task(9, ext="mine"))
    assert store.external_taken("a", "mine") and not store.external_taken("b", "mine")
    assert store.find("a", "text2video", "mine", by_external=True) is not None
    assert store.find("a", "text2video", "mine", by_external=False) is None


def test_duplicate_ids_and_reset(store: InMemoryTaskStore) -> None:
    with pytest.raises(ValueError):
        store.add(_task(1))
    store.reset()
    assert store.page("a", "text2video", 1, 30) == []
    assert store.by_id(f"{1:018d}") is None


def test_records_are_copied_in_and_out_at_every_depth() -> None:
    store = InMemoryTaskStore()
    record = {"id": "v", "made": {"endpoint": "text2video", "tags": ["a"]}, "seconds": 5.1}
    store.put_record("video", "a", "v", record)
    record["made"]["tags"].append("changed by the caller")
    out = store.get_record("video", "a", "v")
    assert out == {"id": "v", "made": {"endpoint": "text2video", "tags": ["a"]}, "seconds": 5.1}
    assert out is not None
    out["made"]["endpoint"] = "changed by a reader"
    assert store.records("video", "a")[0]["made"]["endpoint"] == "text2video"
