"""Accepted query strings are checked once per operation and handed out as fresh copies;
refused ones are checked every time."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from mock_server.http.intake import QUERY_MEMO
from tests.conftest import ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"


async def test_a_repeated_query_gives_the_same_answer_from_the_memo(
    client: httpx.AsyncClient, app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = app.state.backend  # type: ignore[attr-defined]
    checked: list[str] = []
    validate = backend.validate

    def counting(op: object, instance: object) -> object:
        checked.append(getattr(op, "op_id", ""))
        return validate(op, instance)

    monkeypatch.setattr(backend, "validate", counting)
    ok(await client.post(T2V, json={"prompt": "a fox"}))
    checked.clear()
    first = ok(await client.get(T2V, params={"pageNum": "1", "pageSize": "5"}))
    again = ok(await client.get(T2V, params={"pageNum": "1", "pageSize": "5"}))
    assert again == first and len(first) == 1
    assert checked == ["text2video.list"]  # the second one came from the memo
    ok(await client.get(T2V, params={"pageNum": "1", "pageSize": "6"}))
    assert checked == ["text2video.list"] * 2  # another query string is checked


async def test_refused_queries_are_not_remembered(client: httpx.AsyncClient, app: object) -> None:
    intake = app.state.intake  # type: ignore[attr-defined]
    before = len(intake._queries)
    for _ in range(2):
        refused = await client.get(T2V, params={"pageNum": "0"})
        assert refused.status_code == 400 and refused.json()["code"] == 1201
    assert len(intake._queries) == before


async def test_the_memo_is_bounded(client: httpx.AsyncClient, app: object) -> None:
    intake = app.state.intake  # type: ignore[attr-defined]
    for n in range(QUERY_MEMO + 5):
        ok(await client.get(T2V, params={"pageNum": "1", "pageSize": "5", "n": str(n)}))
    assert 0 < len(intake._queries) <= QUERY_MEMO


def test_a_handed_out_query_is_a_copy(app: object) -> None:
    """Changing what one request got cannot change what the next one gets."""
    intake = app.state.intake  # type: ignore[attr-defined]
    registry = app.state.backend.registry  # type: ignore[attr-defined]
    op = next(o for o in registry if o.method == "GET" and o.path == "/tasks")
    scope = {"type": "http", "method": "GET", "path": "/tasks", "headers": []}
    request = Request({**scope, "query_string": b"task_ids=111,222"})
    first = intake._query(request, op)
    expected = dict(first.body)
    first.body["task_ids"] = "changed"
    first.raw.clear()
    second = intake._query(request, op)
    assert second.body == expected and second.body["task_ids"] == "111,222" and second.raw
