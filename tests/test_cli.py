"""The command line: --help explains every option, bad values fail clearly, and the real
server starts, prints where it is and answers Kling requests."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from contract_tests.runner import spawned_fake
from mock_server import Settings, mint_token
from mock_server.cli import banner, build_parser, main, warnings_for
from tests.paths import REPO_ROOT


def test_help_lists_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for f in dataclasses.fields(Settings):
        assert "--" + f.name.replace("_", "-") in text
        assert f.metadata["env"] in text
    assert "mock-secret-key" not in text  # secrets are not echoed in help


def test_help_shows_each_default_once_and_every_choice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    options = [f for f in dataclasses.fields(Settings)]
    assert text.count("default:") == len(options)
    assert "(default: None)" not in text
    assert "{system,scaled,manual}" in text


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("kling-mock ")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--speed", "0"], "speed must be > 0"),
        (["--fail-rate", "2"], "fail-rate"),
        (["--port", "70000"], "port"),
        (["--accounts-file", "/nonexistent.json"], "does not exist"),
        (["--public-base-url", "ftp://x"], "public-base-url"),
        (["--clock-start", "yesterday"], "clock-start"),
        (["--clock-speed", "0"], "clock-speed"),
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


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        (
            "a.json",
            '{"accounts": [{"access_key": "a"}]}',
            "accounts[0]: 'secret_key' is a required",
        ),
        (
            "a.json",
            '{"accounts": [{"access_key": "a", "secret_key": "s", "api_key": ["x"]}]}',
            "accounts[0]: Additional properties are not allowed ('api_key'",
        ),
        ("a.json", '{"accounts": [{"access_key": "a", "secret_key": 5}]}', "secret_key"),
        (
            "a.toml",
            '[[accounts]]\naccess_key = 1\nsecret_key = "s"\n',
            "accounts[0].access_key: 1 is not of",
        ),
        ("a.json", "{not json", "not valid JSON"),
        ("a.yaml", "accounts: []", "must end in .json or .toml"),
        (
            "a.json",
            '{"accounts": [{"access_key": "a", "secret_key": "s"},'
            ' {"access_key": "a", "secret_key": "t"}]}',
            "accounts[1].access_key: 'a' is already used by accounts[0]",
        ),
    ],
)
def test_bad_accounts_files_name_the_file_and_the_field(
    tmp_path: os.PathLike[str], capsys: pytest.CaptureFixture[str], name: str, text: str, words: str
) -> None:
    path = os.path.join(tmp_path, name)
    with open(path, "w") as f:
        f.write(text)
    assert main(["serve", "--accounts-file", path]) == 2
    err = capsys.readouterr().err
    assert path in err and words in err, err
    assert len(err.strip().splitlines()) == 1


def test_non_loopback_with_default_credentials_warns() -> None:
    assert warnings_for(Settings(host="0.0.0.0"))
    assert "default" in warnings_for(Settings(host="0.0.0.0"))[0]
    # the default API key is as public as the default secret
    assert warnings_for(Settings(host="0.0.0.0", secret_key="a-long-private-secret"))
    private = Settings(host="0.0.0.0", secret_key="a-long-private-secret", api_key="sk-private")
    assert not warnings_for(private)
    assert not warnings_for(dataclasses.replace(private, api_key=""))
    assert not warnings_for(Settings(host="127.0.0.1"))
    assert not warnings_for(Settings(host="::1"))


def test_banner_shows_api_key_mode_public_url_seed_and_fail_rate() -> None:
    text = banner(
        Settings(api_key="sk-1", public_base_url="https://kling.test", fail_rate=0.25),
        8000,
        seed=42,
    )
    assert "API key: (from KLING_API_KEY" in text and "sk-1" not in text
    assert "https://kling.test" in text
    assert "fail rate 0.25" in text and "seed 42" in text
    assert "API key: mock-api-key" in banner(Settings(), 8000, seed=1)
    assert "API key: none" in banner(Settings(api_key=""), 8000, seed=1)


def test_makefile_leaves_host_and_port_to_the_environment() -> None:
    done = subprocess.run(
        ["make", "-n", "serve"],
        cwd=REPO_ROOT,
        env={**os.environ, "KLING_MOCK_PORT": "8014"},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if "kling-mock serve" in x)
    assert "--port" not in line and "--host" not in line
    given = subprocess.run(
        ["make", "-n", "serve", "PORT=9001"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert "--port 9001" in given.stdout


def test_ctrl_c_stops_the_server_cleanly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline()]
    while "serving the Kling API" not in lines[-1] and lines[-1]:
        lines.append(proc.stdout.readline())
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Traceback" not in "".join(lines) + out


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


def test_hundreds_of_idle_connections_do_not_block_a_request() -> None:
    with spawned_fake(speed=100) as base:
        host, port = base.removeprefix("http://").split(":")
        idle = []
        try:
            for _ in range(300):
                idle.append(socket.create_connection((host, int(port)), timeout=5))
            idle[0].sendall(b"GET /v1/videos/text2video HTTP/1.1\r\nHost: x\r\n")  # never ends
            token = mint_token("mock-access-key", "mock-secret-key", time.time())
            response = httpx.get(
                f"{base}/v1/videos/text2video",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 200 and response.json()["code"] == 0
        finally:
            for sock in idle:
                sock.close()


def test_a_request_head_that_never_ends_is_closed() -> None:
    with spawned_fake(speed=100, extra=["--header-timeout", "0.3"]) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET /v1/videos/text2video HTTP/1.1\r\nHost: x\r\n")
            assert sock.recv(1024) == b""  # closed by the fake, well within the 10 s timeout
