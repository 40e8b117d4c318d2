"""Route requests for Kling's hosts to an in-process fake, for code that uses httpx.

    from mock_server.respx_router import kling_respx

    def test_my_client_makes_a_video():
        with kling_respx() as fake:
            video = my_client.text_to_video("a fox")      # talks to api-singapore.klingai.com
            fake.clock.advance(60)                         # finish every task, no sleeping
            ...

No socket is opened: respx intercepts the request and the fake answers it in-process. Works
for ``httpx.Client`` and ``httpx.AsyncClient``. Result URLs point at the same Kling host, so
downloads are answered by the fake too. The fake runs as under a server: moving the clock
applies transitions at once, and callbacks are POSTed (to a loopback receiver of yours, or to
any URL you route with ``fake.router``); ``fake.control`` is the control API
(``mock_server.control.client``), ``fake.settle()`` waits until due callbacks are out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import respx
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.asgi_bridge import AsgiBridge
from mock_server.auth import mint_token
from mock_server.control.client import ControlClient
from mock_server.settings import Settings
from mock_server.tasks.clock import Clock, ManualClock

KLING_HOSTS = ("api-singapore.klingai.com", "api.klingai.com", "api-beijing.klingai.com")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CONTROL_BASE = "http://kling-mock.control"


@dataclass
class KlingFake:
    """What the helper yields: the fake, its clock, and the respx router (for ``.calls``)."""

    app: Starlette
    clock: Clock  # a ManualClock unless one was passed in
    router: respx.MockRouter
    settings: Settings
    bridge: AsgiBridge
    control: ControlClient

    def token(self) -> str:
        """A valid JWT for the fake's default account, at the fake's current time."""
        return mint_token(
            self.settings.access_key, self.settings.secret_key, self.clock.now_ms() / 1000
        )

    @property
    def backend(self) -> Any:
        return self.app.state.backend

    def settle(self) -> None:
        """Wait until every transition and callback that is due has happened (no sleeping on
        the fake's clock: a retry waiting for a later moment stays pending)."""

        async def idle() -> None:
            for _ in range(5):
                await anyio.sleep(0)
            await self.backend.callbacks.idle()

        self.bridge.run(idle)


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
    with (
        AsgiBridge(app, lifespan=True) as bridge,
        respx.mock(assert_all_called=False) as router,
        httpx.Client(transport=httpx.MockTransport(bridge), base_url=CONTROL_BASE) as http,
    ):
        for host in hosts:
            router.route(host=host).mock(side_effect=bridge)
        for host in LOOPBACK:  # callbacks to the test's own local receiver
            router.route(host=host).pass_through()
        yield KlingFake(
            app=app,
            clock=clock,
            router=router,
            settings=settings,
            bridge=bridge,
            control=ControlClient(http),
        )
