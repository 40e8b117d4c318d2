"""The client-behaviour report: how the client used the fake, per account and endpoint, from the
request and callback journals. Each finding names the tasks and journal rows behind it, so a
team can assert on it in CI (``GET /__mock/report``, or printed at shutdown).

Findings:
- ``fast-polling``: a task polled again sooner than ``MIN_POLL_INTERVAL_MS`` (simulated time);
- ``retry-without-backoff``: a create refused with 429 (1302/1303/1102) sent again with the
  same body less than ``MIN_BACKOFF_MS`` later (Kling asks for exponential backoff from 1 s);
- ``never-polled-after-lost-callback``: a task whose callback was given up or dropped, and
  that the client never queried afterwards;
- ``duplicate-create``: the same body created twice (both accepted) without an
  ``external_task_id`` to tell them apart;
- ``token-per-request``: a new JWT for more than 3 requests in 4, instead of reusing one until
  it nears ``exp`` (at least ``MIN_REQUESTS_FOR_TOKENS`` requests).
Bodies over 64 KiB are not fingerprinted, so they never count as duplicates.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

MIN_POLL_INTERVAL_MS = 1_000
MIN_BACKOFF_MS = 1_000
MIN_REQUESTS_FOR_TOKENS = 5
RETRYABLE = (1302, 1303, 1102)
Row = dict[str, Any]


def build_report(requests: Iterable[Row], callbacks: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    rows = [r for r in requests if r.get("account")]
    by_account: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_account[str(row["account"])].append(row)
    lost = _lost_callbacks(callbacks)
    return {
        "thresholds": {
            "min_poll_interval_ms": MIN_POLL_INTERVAL_MS,
            "min_backoff_ms": MIN_BACKOFF_MS,
        },
        "accounts": {
            account: {
                "endpoints": _endpoints(account_rows),
                "findings": [
                    *_fast_polling(account_rows),
                    *_retries(account_rows),
                    *_never_polled(account_rows, lost),
                    *_duplicates(account_rows),
                    *_tokens(account_rows),
                ],
            }
            for account, account_rows in sorted(by_account.items())
        },
    }


def _endpoints(rows: list[Row]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for endpoint in sorted({str(r.get("endpoint")) for r in rows if r.get("endpoint")}):
        mine = [r for r in rows if r.get("endpoint") == endpoint]
        polls = _polls(mine)
        gaps = [b - a for times in polls.values() for a, b in itertools.pairwise(times)]
        out[endpoint] = {
            "requests": len(mine),
            "creates": sum(1 for r in mine if r.get("action") == "create"),
            "refused_429": sum(1 for r in mine if r.get("status") == 429),
            "tasks_polled": len(polls),
            "polls": sum(len(t) for t in polls.values()),
            "polls_per_task": round(sum(len(t) for t in polls.values()) / len(polls), 2)
            if polls
            else 0,
            "shortest_poll_interval_ms": min(gaps) if gaps else None,
        }
    return out


def _polls(rows: list[Row]) -> dict[str, list[int]]:
    polls: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.get("action") == "get" and row.get("status") == 200:
            for task_id in row.get("task_ids") or ():
                polls[task_id].append(int(row["at_ms"]))
    return polls


def _fast_polling(rows: list[Row]) -> list[Row]:
    findings = []
    by_task: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.get("action") == "get" and row.get("status") == 200:
            for task_id in row.get("task_ids") or ():
                by_task[task_id].append(row)
    for task_id, polls in sorted(by_task.items()):
        fast = [
            (a, b)
            for a, b in itertools.pairwise(polls)
            if b["at_ms"] - a["at_ms"] < MIN_POLL_INTERVAL_MS
        ]
        if fast:
            shortest = min(b["at_ms"] - a["at_ms"] for a, b in fast)
            findings.append(
                _finding(
                    "fast-polling",
                    f"task {task_id} polled {len(fast)} time(s) less than "
                    f"{MIN_POLL_INTERVAL_MS} ms after the previous poll (shortest {shortest} ms)",
                    [task_id],
                    [b["id"] for _, b in fast],
                )
            )
    return findings


def _retries(rows: list[Row]) -> list[Row]:
    findings = []
    creates = [r for r in rows if r.get("action") == "create" and r.get("body")]
    for i, refused in enumerate(creates):
        if refused.get("status") != 429 or refused.get("code") not in RETRYABLE:
            continue
        retry = next((r for r in creates[i + 1 :] if r["body"] == refused["body"]), None)
        if retry is not None and retry["at_ms"] - refused["at_ms"] < MIN_BACKOFF_MS:
            waited = retry["at_ms"] - refused["at_ms"]
            findings.append(
                _finding(
                    "retry-without-backoff",
                    f"a create refused with {refused['code']} was sent again {waited} ms later "
                    f"(back off for at least {MIN_BACKOFF_MS} ms)",
                    list(retry.get("task_ids") or ()),
                    [refused["id"], retry["id"]],
                )
            )
    return findings


def _lost_callbacks(callbacks: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """task id -> when its last callback was given up or dropped (simulated ms)."""
    lost: dict[str, int] = {}
    for row in callbacks:
        if row.get("outcome") in ("gave_up", "dropped"):
            lost[str(row["task_id"])] = int(row["at_ms"])
    return lost


def _never_polled(rows: list[Row], lost: dict[str, int]) -> list[Row]:
    created = {t for r in rows if r.get("action") == "create" for t in r.get("task_ids") or ()}
    polled_after: dict[str, bool] = {}
    for task_id, at in lost.items():
        polled_after[task_id] = any(
            r.get("action") == "get" and task_id in (r.get("task_ids") or ()) and r["at_ms"] >= at
            for r in rows
        )
    return [
        _finding(
            "never-polled-after-lost-callback",
            f"task {task_id}: its callback was lost and the client never queried it afterwards",
            [task_id],
            [],
        )
        for task_id, polled in sorted(polled_after.items())
        if not polled and task_id in created
    ]


def _duplicates(rows: list[Row]) -> list[Row]:
    seen: dict[str, Row] = {}
    findings = []
    for row in rows:
        if row.get("action") != "create" or row.get("status") != 200 or not row.get("body"):
            continue
        if row.get("external"):
            continue
        first = seen.get(row["body"])
        if first is None:
            seen[row["body"]] = row
            continue
        findings.append(
            _finding(
                "duplicate-create",
                "the same body was created twice without an external_task_id",
                [*first.get("task_ids", ()), *row.get("task_ids", ())],
                [first["id"], row["id"]],
            )
        )
    return findings


def _tokens(rows: list[Row]) -> list[Row]:
    signed = [r for r in rows if r.get("token")]
    tokens = {r["token"] for r in signed}
    if len(signed) < MIN_REQUESTS_FOR_TOKENS or len(tokens) <= len(signed) * 0.75:
        return []
    return [
        _finding(
            "token-per-request",
            f"{len(tokens)} different tokens for {len(signed)} requests: reuse a JWT until it "
            "nears its exp",
            [],
            [r["id"] for r in signed],
        )
    ]


def _finding(kind: str, message: str, tasks: list[str], requests: list[int]) -> Row:
    return {"kind": kind, "message": message, "tasks": tasks, "requests": requests}
