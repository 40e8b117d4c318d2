"""The control apps. C, one Starlette route with one small JSON answer: every ratio in
`make bench` is to it. RAW, the same answer from a bare ASGI callable: what uvicorn alone costs,
so the table shows how much of C is Starlette."""

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ANSWER = b'{"code":0,"message":"SUCCEED","data":{}}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "SUCCEED", "data": {}})


app = Starlette(routes=[Route("/", hello)])


async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})
