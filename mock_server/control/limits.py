"""Limits per account at run time: concurrency quotas (1303), request rate (1302), packs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.control.base import PREFIX, ControlError, backend, json_body, reply
from mock_server.simulation.quotas import POOLS


async def read(request: Request) -> Response:
    """Every account's quotas, slots in use, rate limit and what is left in its packs."""
    b = backend(request)
    b.lifecycle.tick()
    return reply({a.access_key: b.limits.describe(a) for a in b.accounts})


async def change(request: Request) -> Response:
    """``PUT {"concurrency": {"video": 2}, "rate_limit": 5}`` overrides one account's limits
    (``"concurrency": "off"`` or ``"rate_limit": null`` lifts one); ``DELETE`` goes back to
    the configured ones."""
    b = backend(request)
    account = request.path_params["access_key"]
    if account not in {a.access_key for a in b.accounts}:
        raise ControlError(404, f"no account {account!r}")
    if request.method == "DELETE":
        b.limits.unset(account)
        return await read(request)
    body = await json_body(request)
    unknown = sorted(set(body) - {"concurrency", "rate_limit"})
    if unknown:
        raise ControlError(400, f"{unknown[0]}: unknown field (concurrency, rate_limit)")
    values = {}
    if "concurrency" in body:
        quotas = body["concurrency"]
        if quotas == "off":
            quotas = None
        elif not isinstance(quotas, dict) or any(
            p not in POOLS or isinstance(n, bool) or not isinstance(n, int) or n < 1
            for p, n in quotas.items()
        ):
            raise ControlError(
                400, f"concurrency: an object of pool -> slots >= 1 ({', '.join(POOLS)}) or 'off'"
            )
        values["concurrency"] = quotas
    if "rate_limit" in body:
        rate = body["rate_limit"]
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0
        ):
            raise ControlError(400, "rate_limit: a number > 0, or null for none")
        values["rate_limit"] = rate
    b.limits.override(account, **values)
    return await read(request)


ROUTES = [
    Route(f"{PREFIX}/limits", read, methods=["GET"]),
    Route(f"{PREFIX}/limits/{{access_key}}", change, methods=["PUT", "DELETE"]),
]
