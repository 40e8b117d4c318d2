"""The servers `make bench` runs side by side, each a process of its own on a loopback port.

- the fake: `kling-mock serve`, started exactly as a user starts it (its start-up is timed);
- C and the raw ASGI app (bench/bare.py) under the same uvicorn;
- preloaded fakes: `kling-mock serve` with N finished tasks already stored
  (bench/serve_preloaded.py), for the list-page-300 and flatness scenarios and store growth;
- Prism (`prism mock`) on the fake's own /openapi.json, when it is installed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mock_server import Settings, mint_token

HERE = Path(__file__).resolve().parent
KLING_MOCK = Path(sys.executable).with_name("kling-mock")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
PRISM_LOCAL = HERE / ".tools" / "node_modules" / ".bin" / "prism"  # make bench-tools
WORK = tempfile.TemporaryDirectory(prefix="kling-bench-")  # removed when the bench exits
API_KEY = "mock-api-key"
BANNER = " serving the Kling API at "  # in the line `kling-mock serve` prints once bound
# The default account's 1000-unit video pack would run out (1102) within a second of creates;
# the API key is the model-path design's credential.
ACCOUNTS = {
    "accounts": [
        {
            "access_key": "mock-access-key",
            "secret_key": "mock-secret-key",
            "api_keys": [API_KEY],
            "resource_packs": [
                {"resource_pack_name": "bench", "pool": "video", "total_quantity": 1e12}
            ],
        }
    ]
}


@dataclass
class Server:
    process: subprocess.Popen[str]
    base: str
    info: dict[str, Any] = field(default_factory=dict)  # what a preloaded server reported
    lines: Lines | None = None  # its stdout, when the bench reads it

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def gc_pauses(self, timeout_s: float = 120) -> dict[str, Any]:
        """Ask a preloaded server for full collections (SIGUSR1) and read its answer."""
        assert self.lines is not None
        self.process.send_signal(signal.SIGUSR1)
        line = self.lines.wait_for("bench-gc ", timeout_s)
        result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
        return result


def token() -> str:
    return mint_token("mock-access-key", "mock-secret-key", time.time())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accounts_file() -> Path:
    path = Path(WORK.name) / "accounts.json"
    path.write_text(json.dumps(ACCOUNTS))
    return path


def serve_options(port: int = 0) -> list[str]:
    """The options every fake in the bench is served with."""
    return [
        "--port", str(port), "--concurrency", "off", "--seed", "1", "--speed", "100",
        "--log-level", "warning", "--accounts-file", str(_accounts_file()),
    ]  # fmt: skip


def _command(process: subprocess.Popen[str]) -> str:
    """The start of a process's command line, to name it in a message."""
    args = process.args
    return " ".join(map(str, args[:4])) if isinstance(args, list) else str(args)


class Lines:
    """A process's stdout, line by line, read by a thread (so a wait can time out)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, text: str, timeout_s: float, before: str | None = None) -> str:
        """The first line (from here on) that contains ``text``; it must come ``before`` a
        line containing that, if given."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None or (before is not None and before in line):
                break
            if text in line:
                return line.strip()
        self.process.kill()
        sys.exit(
            f"bench: no {text.strip()!r} line from {_command(self.process)} "
            f"(exit {self.process.poll()})"
        )


def _wait_200(
    base: str, path: str, headers: dict[str, str], what: str, any_status: bool = False
) -> None:
    for _ in range(3000):
        try:
            if httpx.get(base + path, headers=headers).status_code == 200 or any_status:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    sys.exit(f"bench: {what} did not answer 200 at {base}{path}")


def start_fake(probe: str) -> tuple[Server, float]:
    """`kling-mock serve` on a free port; also how long it took to answer its first 200."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(KLING_MOCK), "serve", *serve_options()], stdout=subprocess.PIPE, text=True
    )
    lines = Lines(process)
    base = lines.wait_for(BANNER, 30).split(" at ", 1)[1].strip()
    _wait_200(base, probe, {"Authorization": f"Bearer {token()}"}, "kling-mock serve")
    return Server(process, base, lines=lines), time.perf_counter() - started


def launch_preloaded(tasks: int) -> Server:
    """Start a fake that preloads ``tasks`` finished tasks; `ready_preloaded` waits for it (so
    several can load at once). Past the default cap on stored tasks (``--max-tasks``) the cap
    is raised to ``tasks``, as a user keeping that many would."""
    port = free_port()
    args = [sys.executable, str(HERE / "serve_preloaded.py"), "--tasks", str(tasks), "--"]
    args += serve_options(port)
    cap = {f.name: f.default for f in dataclasses.fields(Settings)}.get("max_tasks")
    if isinstance(cap, int) and 0 < cap < tasks:
        args += ["--max-tasks", str(tasks)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    return Server(process, f"http://127.0.0.1:{port}", {"tasks": tasks}, Lines(process))


def ready_preloaded(server: Server, probe: str) -> Server:
    assert server.lines is not None
    # no preload line before the banner: cli.serve no longer looks create_app up when it runs
    line = server.lines.wait_for("bench-preload ", 1800, before=BANNER)
    server.info = json.loads(line.split(" ", 1)[1])
    server.lines.wait_for(BANNER, 60)
    _wait_200(server.base, probe, {"Authorization": f"Bearer {token()}"}, "the preloaded fake")
    return server


def launch_uvicorn(app: str) -> Server:
    """An app of bench/bare.py under uvicorn with the fake's protocol choices (uvloop,
    httptools when installed, no access log)."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), app, "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log"]
    return Server(subprocess.Popen(args, text=True), f"http://127.0.0.1:{port}")


def ready(server: Server, path: str = "/", any_status: bool = False) -> Server:
    """Wait until ``server`` answers ``path`` (with a 200, or with anything)."""
    _wait_200(server.base, path, {}, _command(server.process), any_status)
    return server


def prism_command() -> list[str] | None:
    """How to run Prism: $PRISM, then `make bench-tools`' copy, then `prism` on the PATH."""
    for candidate in (os.environ.get("PRISM"), str(PRISM_LOCAL), shutil.which("prism")):
        if candidate and Path(candidate).exists():
            return [candidate]
    return None


def prism_version(command: list[str]) -> str:
    out = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or "?"


def launch_prism(command: list[str], openapi: dict[str, Any]) -> Server:
    """`prism mock` (static examples, request validation, logging off) on a copy of the fake's
    /openapi.json."""
    document = Path(WORK.name) / "openapi.json"
    document.write_text(json.dumps(openapi))
    port = free_port()
    args = [*command, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "silent", str(document)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, text=True)
    return Server(process, f"http://127.0.0.1:{port}")
