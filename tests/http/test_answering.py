"""http/routes.py ``answering``: an endpoint's exceptions go to the app's handlers as
Starlette's ``request_response`` sends them (status handler first, then the nearest class in
the exception's MRO), anything unhandled goes on up, and the traceback is dropped once
answered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from mock_server.errors import KlingError
from mock_server.http.routes import answering


class Special(KlingError):
    pass


def _run(endpoint: Any, handlers: dict[Any, Any], statuses: dict[int, Any]) -> list[Any]:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "headers": [],
        "query_string": b"",
        "starlette.exception_handlers": (handlers, statuses),
    }
    asyncio.run(answering(endpoint)(scope, receive, send))
    return sent


def _text(name: str) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"{name}:{type(exc).__name__}", status_code=400)

    return handler


def test_a_plain_answer_is_sent_as_it_is() -> None:
    async def ok(request: Request) -> Response:
        return PlainTextResponse("fine")

    sent = _run(ok, {}, {})
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"fine"


def test_the_nearest_class_in_the_mro_answers() -> None:
    async def fails(request: Request) -> Response:
        raise Special(1201, "bad")

    sent = _run(fails, {KlingError: _text("kling"), Exception: _text("any")}, {})
    assert sent[1]["body"] == b"kling:Special"
    sent = _run(fails, {Special: _text("special"), KlingError: _text("kling")}, {})
    assert sent[1]["body"] == b"special:Special"


def test_a_status_handler_comes_before_a_class_handler() -> None:
    async def missing(request: Request) -> Response:
        raise HTTPException(404)

    sent = _run(missing, {HTTPException: _text("http")}, {404: _text("404")})
    assert sent[1]["body"] == b"404:HTTPException"
    sent = _run(missing, {HTTPException: _text("http")}, {405: _text("405")})
    assert sent[1]["body"] == b"http:HTTPException"


def test_an_unhandled_exception_goes_on_up_with_nothing_sent() -> None:
    async def crashes(request: Request) -> Response:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        _run(crashes, {KlingError: _text("kling")}, {})


def test_an_answered_exception_lets_go_of_its_traceback() -> None:
    caught: list[BaseException] = []

    async def fails(request: Request) -> Response:
        raise KlingError(1201, "bad")

    async def handler(request: Request, exc: Exception) -> Response:
        caught.append(exc)
        assert exc.__traceback__ is not None
        return PlainTextResponse("x", status_code=400)

    _run(fails, {KlingError: handler}, {})
    assert caught and caught[0].__traceback__ is None
