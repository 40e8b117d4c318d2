"""A request's input: read within its limits, guarded, validated, off the event loop if big.

Every endpoint starts with ``guard`` (the request line's parameters and the Authorization
header pass the text guard, validation/guard.py) and then ``read``: the query string (GET) or
the JSON body, parsed, guarded and validated by the operation's validator. Nothing here
changes state, so a request that fails anywhere in it has stored nothing, and the caller
changes the store and the lifecycle on the event loop once it has all passed.

A big body would hold the event loop while it is decoded, parsed and its Base64 images are
checked, so a body over ``OFFLOAD_BYTES`` (or of unknown length) is checked in a worker thread,
and is read and checked holding one of ``LARGE_BODY_SLOTS`` slots: memory stays bounded however
many arrive at once. Measured with tracemalloc (tests/http/test_hostile.py): one body peaks
at about twice its size (the buffer, then the text, then the parsed object, each released
before the next but one exists), so the slots bound the big bodies together to about
``LARGE_BODY_SLOTS`` x 2 x ``--max-body-bytes``; the rest wait their turn with nothing read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request

from mock_server.backend import Backend
from mock_server.http.json_body import parse_json_object
from mock_server.http.limits import declared_length, read_body
from mock_server.http.query import typed_query
from mock_server.spec.registry import Operation
from mock_server.validation.guard import check_text, check_tree

OFFLOAD_BYTES = 16 * 1024  # smaller bodies take well under a millisecond to check
LARGE_BODY_SLOTS = 2  # with the GIL, more at once would not be faster, only bigger
QUERY_MEMO = 1024  # accepted query strings remembered per app


@dataclass(frozen=True)
class Input:
    raw: dict[str, Any]  # as sent (failure markers are looked for in it)
    body: dict[str, Any]  # validated: coerced, documented defaults filled in


class Intake:
    """One per app: the limits from the settings and the slots for big bodies."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        settings = backend.settings
        self._max_bytes = settings.max_body_bytes
        self._timeout_s = settings.body_timeout
        self._max_chars = settings.max_string_chars
        self._slots = anyio.Semaphore(LARGE_BODY_SLOTS)
        self._queries: dict[tuple[str, bytes], Input] = {}

    def guard(self, request: Request) -> None:
        """Path and query parameters and the Authorization header: text, within the cap."""
        texts = list(request.path_params.items())
        if not self._plain(request.scope.get("query_string") or b""):
            query = request.query_params.multi_items()
            texts += [*query, *((name, name) for name, _ in query)]
        if "authorization" in request.headers:
            texts.append(("Authorization", request.headers["authorization"]))
        for name, value in texts:
            check_text(str(value), name, self._max_chars)

    def _plain(self, query: bytes) -> bool:
        """A query string none of whose names or values can fail the guard (most, and the
        empty one): ASCII with no escapes, so each piece is its own text, no longer than the
        whole, which is within the cap."""
        return len(query) <= self._max_chars and b"%" not in query and query.isascii()

    async def read(self, request: Request, op: Operation) -> Input:
        if op.method == "GET":
            return self._query(request, op)
        length = declared_length(request, self._max_bytes)
        if length is not None and length <= OFFLOAD_BYTES:
            return self._parse(op, await read_body(request, self._max_bytes, self._timeout_s))
        async with self._slots:
            buf = await read_body(request, self._max_bytes, self._timeout_s)
            return await anyio.to_thread.run_sync(self._parse, op, buf)

    def _query(self, request: Request, op: Operation) -> Input:
        """A query string is checked once per operation: a client polls and pages with the
        same few again and again, and the answer depends on nothing else (the validators
        are fixed for the app's life). Only accepted ones are kept, as copies, and a bounded
        number of them."""
        key = (op.op_id, request.scope.get("query_string") or b"")
        known = self._queries.get(key)
        if known is None:
            known = self._check(op, typed_query(request.query_params, op.query_schema))
            if len(self._queries) >= QUERY_MEMO:
                self._queries.clear()
            self._queries[key] = known
        return Input(_fresh(known.raw), _fresh(known.body))

    def _parse(self, op: Operation, buf: bytearray) -> Input:
        raw = parse_json_object(buf)
        check_tree(raw)
        return self._check(op, raw)

    def _check(self, op: Operation, raw: dict[str, Any]) -> Input:
        return Input(raw, self._backend.validate(op, raw))


def _fresh(query: dict[str, Any]) -> dict[str, Any]:
    """A copy of a typed query for one request: its values are scalars or lists of them."""
    return {k: list(v) if isinstance(v, list) else v for k, v in query.items()}
