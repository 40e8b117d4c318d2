"""Route requests for Kling's hosts to an in-process fake, for code that uses httpx.

    from mock_server.respx_router import kling_respx

    def test_my_client_makes_a_video():
        with kling_respx() as fake:
            video = my_client.text_to_video("a fox")      # talks to api-singapore.klingai.com
            fake.clock.advance(60)                         # finish every task, no sleeping
            ...

No socket is opened: respx intercepts the request and the fake answers it in-process. Works
for ``httpx.Client`` and ``httpx.AsyncClient``. Result URLs point at the same Kling host, so
downloads are answered by the fake too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import respx
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.asgi_bridge import AsgiBridge
from mock_server.auth import mint_token
from mock_server.settings import Settings
from mock_server.tasks.clock import Clock, ManualClock

KLING_HOSTS = ("api-singapore.klingai.com", "api.klingai.com", "api-beijing.klingai.com")


@dataclass
class KlingFake:
    """What the helper yields: the fake, its clock, and the respx router (for ``.calls``)."""

    app: Starlette
    clock: Clock  # a ManualClock unless one was passed in
    router: respx.MockRouter
    settings: Settings

    def token(self) -> str:
        """A valid JWT for the fake's default account, at the fake's current time."""
        return mint_token(
            self.settings.access_key, self.settings.secret_key, self.clock.now_ms() / 1000
        )

    @property
    def backend(self) -> Any:
        return self.app.state.backend


@contextmanager
def kling_respx(
    settings: Settings | None = None,
    *,
    clock: ManualClock | None = None,
    hosts: tuple[str, ...] = KLING_HOSTS,
) -> Iterator[KlingFake]:
    """Send every request for ``hosts`` to a fresh in-process fake on a manual clock."""
    settings = settings or Settings()
    clock = clock or ManualClock()
    app = create_app(settings, clock=clock)
    with AsgiBridge(app) as bridge, respx.mock(assert_all_called=False) as router:
        for host in hosts:
            router.route(host=host).mock(side_effect=bridge)
        yield KlingFake(app=app, clock=clock, router=router, settings=settings)
