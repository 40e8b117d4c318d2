"""Testing your own httpx-based Kling client against the fake, with only respx in between.

`TinyKlingClient` stands in for a user's client: it knows nothing about kling-mock and talks to
https://api-singapore.klingai.com. `kling_respx()` (or the `kling_fake` pytest fixture, which
the kling-mock plugin provides) answers those requests in-process, on a manual clock.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import httpx
import jwt
import pytest

from mock_server.respx_router import KlingFake, kling_respx


class TinyKlingClient:
    def __init__(
        self, access_key: str, secret_key: str, base_url: str = "https://api-singapore.klingai.com"
    ) -> None:
        self.keys = (access_key, secret_key)
        self.http = httpx.Client(base_url=base_url)

    def _headers(self, now: float) -> dict[str, str]:
        token = jwt.encode(
            {"iss": self.keys[0], "exp": int(now) + 1800, "nbf": int(now) - 5},
            self.keys[1],
            algorithm="HS256",
        )
        return {"Authorization": f"Bearer {token}"}

    def text_to_video(self, prompt: str, now: float) -> str:
        response = self.http.post(
            "/v1/videos/text2video", json={"prompt": prompt}, headers=self._headers(now)
        )
        body = response.json()
        if body["code"] != 0:
            raise RuntimeError(body["message"])
        return str(body["data"]["task_id"])

    def result(self, task_id: str, now: float) -> dict[str, object]:
        data: dict[str, object] = self.http.get(
            f"/v1/videos/text2video/{task_id}", headers=self._headers(now)
        ).json()["data"]
        return data


def test_my_client_gets_a_real_video() -> None:
    with kling_respx() as fake:
        client = TinyKlingClient("mock-access-key", "mock-secret-key")
        now = fake.clock.now_ms() / 1000
        task_id = client.text_to_video("a fox in the snow", now)
        assert client.result(task_id, now)["task_status"] == "submitted"
        fake.clock.advance(30)  # every task finishes; nothing sleeps
        done = client.result(task_id, now + 30)
        assert done["task_status"] == "succeed"
        video = done["task_result"]["videos"][0]  # type: ignore[index]
        download = client.http.get(video["url"])
        assert download.headers["content-type"] == "video/mp4"
        assert download.content[4:8] == b"ftyp"
        assert len(fake.router.calls) == 4


class WallClockClient(TinyKlingClient):
    """Mints every token from time.time(), as real clients do: no clock passed in."""

    def text_to_video(self, prompt: str, now: float | None = None) -> str:
        return super().text_to_video(prompt, time.time())

    def result(self, task_id: str, now: float | None = None) -> dict[str, object]:
        return super().result(task_id, time.time())


def test_readme_example_with_tokens_minted_from_the_wall_clock() -> None:
    """The README's example, verbatim in spirit: the client is unchanged and knows no fake."""
    my_client = WallClockClient("mock-access-key", "mock-secret-key")
    with kling_respx() as fake:
        task_id = my_client.text_to_video("a fox")
        fake.clock.advance(30)
        assert my_client.result(task_id)["task_status"] == "succeed"


def test_my_client_sees_kling_errors(kling_fake: KlingFake) -> None:
    client = TinyKlingClient("mock-access-key", "mock-secret-key")
    with pytest.raises(RuntimeError, match="prompt: must be at most 2500 characters"):
        client.text_to_video("x" * 2501, kling_fake.clock.now_ms() / 1000)
    with pytest.raises(RuntimeError, match="expired"):
        client.text_to_video("late", kling_fake.clock.now_ms() / 1000 - 4000)


def test_the_old_host_and_async_clients_work_too(kling_fake: KlingFake) -> None:
    import asyncio

    async def list_tasks() -> int:
        async with httpx.AsyncClient(base_url="https://api.klingai.com") as c:
            response = await c.get(
                "/v1/videos/text2video", headers={"Authorization": f"Bearer {kling_fake.token()}"}
            )
            return int(response.json()["code"])

    assert asyncio.run(list_tasks()) == 0


class _Hook(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A real callback receiver on 127.0.0.1 (respx lets loopback traffic through)."""
    received: ClassVar[list[dict[str, object]]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_callbacks_reach_a_local_receiver_and_control_steers(
    kling_fake: KlingFake, hook: tuple[str, list[dict[str, object]]]
) -> None:
    url, received = hook
    client = httpx.Client(base_url="https://api-singapore.klingai.com")
    headers = {"Authorization": f"Bearer {kling_fake.token()}"}
    body = {"prompt": "a fox", "callback_url": url}
    first = client.post("/v1/videos/text2video", json=body, headers=headers).json()["data"]
    second = client.post("/v1/videos/text2video", json=body, headers=headers).json()["data"]
    kling_fake.control.fail(second["task_id"], "Failure to pass the risk control system")
    kling_fake.clock.advance(60)  # the fake's worker applies the transitions: no polling
    kling_fake.settle()
    by_task: dict[object, list[object]] = {}
    for item in received:
        by_task.setdefault(item["task_id"], []).append(item["task_status"])
    assert by_task[first["task_id"]] == ["submitted", "processing", "succeed"]
    assert by_task[second["task_id"]] == ["submitted", "processing", "failed"]
    journal = kling_fake.control.callbacks(task_id=first["task_id"])
    assert [row["outcome"] for row in journal] == ["delivered"] * 3


def test_fail_next_and_error_next_through_the_fixture(kling_fake: KlingFake) -> None:
    """The control client's shorthands, as the README shows them."""
    message = "Failure to pass the risk control system"
    kling_fake.control.fail_next("text2video", message)
    client = WallClockClient("mock-access-key", "mock-secret-key")
    doomed = client.text_to_video("a fox")
    fine = client.text_to_video("another fox")  # the rule fired once: this one is not touched
    kling_fake.clock.advance(30)
    assert client.result(doomed)["task_status_msg"] == message
    assert client.result(fine)["task_status"] == "succeed"
    kling_fake.control.error_next("text2video", 5001)
    with pytest.raises(RuntimeError):
        client.text_to_video("during maintenance")
    assert client.text_to_video("after it") != ""
