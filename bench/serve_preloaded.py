"""Bench-only launcher: `kling-mock serve` with N finished tasks already in its store.

    python bench/serve_preloaded.py --tasks 1000000 -- --port 8001 --seed 1 ...

Everything after ``--`` goes to ``kling-mock serve`` unchanged: the app is built by the same
``create_app`` and served by the same uvicorn configuration (``cli.serve``). The one difference
is that ``create_app`` is wrapped, for this process only, to fill the store before serving
(bench/preload.py) and print one line, ``bench-preload {json}``, before the banner.

``kill -USR1 <pid>`` runs ``gc.collect()`` three times on the server's own thread and prints
``bench-gc {json}`` with the pauses (what a full collection costs with that many tasks
stored) and how many objects the collector tracked and had frozen before them.
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import time
from typing import Any

from preload import preload  # bench/ is on sys.path: this script's directory

import mock_server.app
from mock_server import cli


def report_gc(signum: int, frame: Any) -> None:
    counts = {"tracked_objects": len(gc.get_objects()), "frozen_objects": gc.get_freeze_count()}
    pauses = []
    for _ in range(3):
        started = time.perf_counter()
        gc.collect()
        pauses.append(round((time.perf_counter() - started) * 1000, 1))
    print("bench-gc " + json.dumps({"pauses_ms": pauses, **counts}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, required=True, help="finished tasks to preload")
    parser.add_argument("serve_args", nargs=argparse.REMAINDER, help="-- kling-mock serve ...")
    args = parser.parse_args()
    serve_args = [a for a in args.serve_args if a != "--"]
    original = mock_server.app.create_app

    def create_app(settings: Any = None, **kwargs: Any) -> Any:
        app = original(settings, **kwargs)
        base_url = f"http://{app.state.settings.host}:{app.state.settings.port}"
        stats = preload(app, args.tasks, base_url)
        print("bench-preload " + json.dumps(stats), flush=True)
        return app

    mock_server.app.create_app = create_app  # cli.serve imports it when it runs
    signal.signal(signal.SIGUSR1, report_gc)
    return cli.main(["serve", *serve_args])


if __name__ == "__main__":
    sys.exit(main())
