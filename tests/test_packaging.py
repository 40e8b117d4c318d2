"""A stranger's install: the built wheel (from the sdist) carries the schemas and fixtures,
installs into a fresh venv and serves a whole create -> poll -> download from there; the
runtime CLI works without the harness's extra and says how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.runner import spawned_fake
from mock_server import mint_token
from tests.paths import REPO_ROOT


def code_packages() -> set[str]:
    found = set()
    for top in ("mock_server", "contract_tests"):
        for init in (REPO_ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(REPO_ROOT).parts))
    return found


def test_every_code_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    data = set(config["tool"]["setuptools"]["package-dir"])
    assert listed - data == code_packages()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """sdist -> wheel (python -m build), then the wheel alone in a fresh venv."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheel = next(dist.glob("kling_mock-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield venv


def test_wheel_carries_the_schemas_and_fixtures(installed: Path) -> None:
    wheel = next((installed.parent / "dist").glob("kling_mock-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for repo_dir, package_dir in (
        ("schemas", "mock_server/schemas"),
        ("fixtures", "mock_server/fixtures"),
    ):
        for path in (REPO_ROOT / repo_dir).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"{package_dir}/{path.relative_to(REPO_ROOT / repo_dir).as_posix()}" in names


def test_the_installed_wheel_serves_create_poll_download(installed: Path, tmp_path: Path) -> None:
    command = [str(installed / "bin" / "kling-mock")]
    with spawned_fake(speed=100, command=command, cwd=str(tmp_path)) as base:
        token = mint_token("mock-access-key", "mock-secret-key", time.time())
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            created = c.post("/v1/images/generations", json={"prompt": "from the wheel"}).json()
            assert created["code"] == 0, created
            task_id = created["data"]["task_id"]
            task: dict[str, object] = {}
            for _ in range(500):
                task = c.get(f"/v1/images/generations/{task_id}").json()["data"]
                if task["task_status"] == "succeed":
                    break
                time.sleep(0.01)
            assert task["task_status"] == "succeed"
            url = task["task_result"]["images"][0]["url"]  # type: ignore[index]
            image = c.get(url)
            assert image.status_code == 200 and image.content[:4] == b"\x89PNG"


def run_installed(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLING")}
    return subprocess.run(
        [str(installed / "bin" / "kling-mock"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_runtime_install_has_no_harness_and_says_what_to_install(
    installed: Path, tmp_path: Path
) -> None:
    done = run_installed(installed, "contract", cwd=tmp_path)
    assert done.returncode == 2
    assert "pip install 'kling-mock[contract]'" in done.stderr
    assert "Traceback" not in done.stderr
    version = run_installed(installed, "--version", cwd=tmp_path)
    assert version.stdout.startswith("kling-mock ")


def test_missing_schemas_stop_start_up_with_one_line(installed: Path, tmp_path: Path) -> None:
    site = next((installed / "lib").glob("python3*/site-packages"))
    manifest = site / "mock_server" / "schemas" / "manifest.json"
    moved = manifest.with_suffix(".moved")
    manifest.rename(moved)
    try:
        done = run_installed(installed, "serve", "--port", "0", cwd=tmp_path)
    finally:
        moved.rename(manifest)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "manifest.json" in lines[0], done.stderr
