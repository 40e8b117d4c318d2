"""``kling-mock serve --tls``: HTTPS from a local CA made at start-up, for clients that accept
only ``https://`` base URLs. A client that trusts the CA file works with only the base URL
changed (results are https URLs too); one that does not is refused by its own TLS check."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import httpx
import pytest

from contract_tests.runner import spawned_fake
from mock_server import Settings
from mock_server.cli import banner

KEY = {"Authorization": "Bearer mock-api-key"}


def test_served_over_https_to_a_client_that_trusts_the_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    with spawned_fake(speed=100, extra=["--tls", "--tls-ca-file", str(ca)]) as base:
        assert base.startswith("https://127.0.0.1:")
        assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")
        with httpx.Client(
            base_url=base, headers=KEY, verify=ssl.create_default_context(cafile=str(ca))
        ) as c:
            created = c.post("/text-to-video/kling-2.6", json={"prompt": "over TLS"}).json()
            assert created["code"] == 0, created
            task: dict[str, object] = {}
            for _ in range(300):
                (task,) = c.get("/tasks", params={"task_ids": created["data"]["id"]}).json()["data"]
                if task["status"] == "succeeded":
                    break
                time.sleep(0.01)
            assert task["status"] == "succeeded"
            url = task["outputs"][0]["url"]  # type: ignore[index]
            assert url.startswith(base + "/media/")
            assert c.get(url).headers["content-type"] == "video/mp4"
        with pytest.raises(httpx.ConnectError):  # not trusted by default: a one-run local CA
            httpx.get(base + "/openapi.json", timeout=5)


def test_banner_says_https_and_where_the_ca_is(tmp_path: Path) -> None:
    text = banner(Settings(tls=True, tls_ca_file=tmp_path / "ca.pem"), 8443)
    assert "https://127.0.0.1:8443" in text and str(tmp_path / "ca.pem") in text
    assert "https://" not in banner(Settings(), 8000)
