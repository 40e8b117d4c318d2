"""One end-to-end run over real sockets: `kling-mock serve` (uvicorn, system clock) calls back
a receiver on 127.0.0.1, signed, in order, without being polled."""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any, ClassVar

import httpx

from contract_tests.runner import spawned_fake
from mock_server import mint_token
from tests.callbacks.helpers import verify

SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_served_fake_calls_back_a_real_receiver() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with spawned_fake(speed=100, extra=["--webhook-secret", SECRET]) as base:
            token = mint_token("mock-access-key", "mock-secret-key", time.time())
            created = httpx.post(
                f"{base}/v1/videos/text2video",
                json={"prompt": "a fox", "callback_url": hook},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            assert created["code"] == 0
            deadline = time.monotonic() + 20  # tasks take 0.1 s at --speed 100: never polled
            while len(_Receiver.got) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
    statuses = [json.loads(body)["task_status"] for _, body in _Receiver.got]
    assert statuses == ["submitted", "processing", "succeed"]
    for headers, body in _Receiver.got:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered["content-type"] == "application/json; charset=utf-8"
        assert verify(SECRET, lowered, body, int(time.time()))
    assert json.loads(_Receiver.got[-1][1])["task_id"] == created["data"]["task_id"]
