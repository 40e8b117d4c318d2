"""The callback journal: bounded, filterable, and it hands out copies."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.callbacks.journal import AttemptRow, CallbackJournal


def row(task_id: str = "t1", status: str = "submitted", outcome: Any = "delivered") -> AttemptRow:
    return AttemptRow(
        task_id=task_id,
        url="http://hooks.test/a",
        task_status=status,
        webhook_id="1",
        attempt=1,
        at_ms=0,
        outcome=outcome,
        http_status=200,
        error=None,
        payload={"task_id": task_id, "task_info": {}},
        headers=None,
        latency_ms=0,
    )


@pytest.fixture
def journal() -> CallbackJournal:
    journal = CallbackJournal()
    for task_id, status, outcome in [
        ("t1", "submitted", "delivered"),
        ("t1", "processing", "retrying"),
        ("t2", "submitted", "dropped"),
        ("t1", "processing", "gave_up"),
    ]:
        journal.record(row(task_id, status, outcome))
    return journal


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3]),
        ({"task_id": "t1"}, [0, 1, 3]),
        ({"status": "processing"}, [1, 3]),
        ({"outcome": "dropped"}, [2]),
        ({"task_id": "t1", "status": "submitted"}, [0]),
        ({"task_id": "t2", "outcome": "delivered"}, []),
    ],
)
def test_rows_filter_by_task_status_and_outcome(
    journal: CallbackJournal, filters: dict[str, Any], expected: list[int]
) -> None:
    everything = journal.rows()
    assert journal.rows(**filters) == [everything[i] for i in expected]


def test_rows_are_copies(journal: CallbackJournal) -> None:
    first = journal.rows()[0]
    first["payload"]["task_info"]["external_task_id"] = "changed"
    first["outcome"] = "gave_up"
    assert journal.rows()[0]["payload"] == {"task_id": "t1", "task_info": {}}
    assert journal.rows()[0]["outcome"] == "delivered"


def test_recorded_row_is_copied_in() -> None:
    journal = CallbackJournal()
    recorded = row()
    journal.record(recorded)
    recorded["payload"]["task_id"] = "changed"
    assert journal.rows()[0]["payload"]["task_id"] == "t1"


def test_oldest_rows_fall_off_a_full_journal() -> None:
    journal = CallbackJournal(maxlen=2)
    for task_id in ("a", "b", "c"):
        journal.record(row(task_id))
    assert [r["task_id"] for r in journal.rows()] == ["b", "c"]
    assert len(journal) == 2 and journal.maxlen == 2


def test_clear_empties_the_journal(journal: CallbackJournal) -> None:
    journal.clear()
    assert journal.rows() == [] and len(journal) == 0


@pytest.mark.parametrize("maxlen", [0, -1, 1.5, True])
def test_size_must_be_a_positive_whole_number(maxlen: Any) -> None:
    with pytest.raises(ValueError, match="journal size"):
        CallbackJournal(maxlen=maxlen)


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown callback outcome"):
        CallbackJournal().record(row(outcome="sent"))
