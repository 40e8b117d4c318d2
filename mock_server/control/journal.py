"""The request journal and the callback journal (filterable, newest rows last), and the
client-behaviour report built from them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.control.base import PREFIX, ControlError, backend, reply
from mock_server.http.journal import FILTERS

MAX_ROWS = 10_000


def _limit(request: Request) -> int:
    try:
        return max(0, min(int(request.query_params.get("limit", MAX_ROWS)), MAX_ROWS))
    except ValueError:
        raise ControlError(400, "limit: must be an integer") from None


async def requests(request: Request) -> Response:
    """``?method=&path=&status=&code=&account=&endpoint=&task_id=&since_id=&limit=``: one row
    per Kling request (method, path, status, code, latency, account, endpoint, task ids)."""
    q = request.query_params
    filters = {k: q.get(k) for k in (*FILTERS, "since_id")}
    rows = backend(request).journal.rows(**filters)
    return reply({"requests": rows[-_limit(request) :] if rows else []})


async def callbacks(request: Request) -> Response:
    """``?task_id=&status=&outcome=&limit=``: every callback attempt (url, attempt number,
    HTTP status or error, payload, signature headers)."""
    q = request.query_params
    rows = backend(request).callbacks.journal.rows(
        task_id=q.get("task_id"), status=q.get("status"), outcome=q.get("outcome")
    )
    return reply({"callbacks": rows[-_limit(request) :] if rows else []})


async def report(request: Request) -> Response:
    """The client-behaviour report: per account and endpoint, polls per task, the shortest
    poll interval, 429s, and findings (fast polling, retries without backoff, tasks never
    polled after a lost callback, duplicate creates, a new token per request), each naming
    the tasks and the request journal rows behind it."""
    return reply(backend(request).report())


ROUTES = [
    Route(f"{PREFIX}/report", report, methods=["GET"]),
    Route(f"{PREFIX}/journal/requests", requests, methods=["GET"]),
    Route(f"{PREFIX}/journal/callbacks", callbacks, methods=["GET"]),
]
