"""Testing your own httpx-based Kling client against the fake, with only respx in between.

`TinyKlingClient` stands in for a user's client: it knows nothing about kling-mock and talks to
https://api-singapore.klingai.com. `kling_respx()` (or the `kling_fake` pytest fixture, which
the kling-mock plugin provides) answers those requests in-process, on a manual clock.
"""

from __future__ import annotations

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
