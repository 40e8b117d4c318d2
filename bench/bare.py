"""The control app C: one route, one small JSON answer. Every ratio in bench/run.py is to it."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "SUCCEED", "data": {}})


app = Starlette(routes=[Route("/", hello)])
