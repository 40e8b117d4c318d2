"""The command line: --help explains every option, bad values fail clearly, and the real
server starts, prints where it is and answers Kling requests."""

from __future__ import annotations

import dataclasses
import os
import time

import httpx
import pytest

from contract_tests.runner import spawned_fake
from mock_server import Settings, mint_token
from mock_server.cli import banner, build_parser, main


def test_help_lists_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for f in dataclasses.fields(Settings):
        assert "--" + f.name.replace("_", "-") in text
        assert f.metadata["env"] in text
    assert "mock-secret-key" not in text  # secrets are not echoed in help


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--speed", "0"], "speed must be > 0"),
        (["--fail-rate", "2"], "fail-rate"),
        (["--port", "70000"], "port"),
        (["--accounts-file", "/nonexistent.json"], "does not exist"),
        (["--public-base-url", "ftp://x"], "public-base-url"),
    ],
)
def test_bad_values_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert main(["serve", *args]) == 2
    assert words in capsys.readouterr().err


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "KLING_ACCESS_KEY": "ak",
        "KLING_SECRET_KEY": "sk",
        "KLING_MOCK_SPEED": "4",
        "KLING_MOCK_STRICT": "true",
        "KLING_MOCK_PORT": "9001",
    }
    settings = Settings.from_env(env, port=9002)
    assert (settings.access_key, settings.secret_key, settings.speed) == ("ak", "sk", 4.0)
    assert settings.strict is True and settings.port == 9002  # flags win over env
    with pytest.raises(ValueError, match="KLING_MOCK_SEED"):
        Settings.from_env({"KLING_MOCK_SEED": "abc"})


def test_accounts_file_in_toml(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "accounts.toml")
    with open(path, "w") as f:
        f.write(
            '[[accounts]]\naccess_key = "a1"\nsecret_key = "s1"\napi_keys = ["k1"]\n'
            '[[accounts]]\naccess_key = "a2"\nsecret_key = "s2"\n'
        )
    accounts = Settings(accounts_file=path).accounts()  # type: ignore[arg-type]
    assert [a.access_key for a in accounts] == ["a1", "a2"]
    assert accounts[0].api_keys == ("k1",)


def test_banner_names_the_url_and_the_default_credentials() -> None:
    text = banner(Settings(), 8123)
    assert "http://127.0.0.1:8123" in text and "/openapi.json" in text
    assert "mock-access-key" in text and "mock-secret-key" in text
    assert "hunter2" not in banner(Settings(secret_key="hunter2"), 1)  # custom secrets stay hidden


def test_server_process_starts_and_answers() -> None:
    """`python -m mock_server serve` on a free loopback port, driven like a real client."""
    with spawned_fake(speed=100) as base:
        token = mint_token("mock-access-key", "mock-secret-key", time.time())
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            created = c.post("/v1/videos/text2video", json={"prompt": "a real request"}).json()
            assert created["code"] == 0
            task_id = created["data"]["task_id"]
            status = ""
            for _ in range(200):
                status = c.get(f"/v1/videos/text2video/{task_id}").json()["data"]["task_status"]
                if status == "succeed":
                    break
                time.sleep(0.01)
            assert status == "succeed"
            video = c.get(f"/v1/videos/text2video/{task_id}").json()["data"]["task_result"]
            download = c.get(video["videos"][0]["url"])
            assert download.headers["content-type"] == "video/mp4"
