"""Real objects for the ids a body names (``x-kling-ref``), made through the target's own API.

A generated or recorded body names made-up ids (``video_id``, ``audio_id``, ``element_id``,
...); a target that checks references refuses them. ``Objects`` puts real ones in their place:
- an object of an issued kind (video, audio, voice, element) comes from an endpoint whose
  result or reply issues that kind (``x-kling-issues``), sent one of its recorded valid
  examples (its own references filled the same way); the reference's rules choose which:
  ``made_by`` names the endpoints and request values, ``seconds`` and ``bands`` the length;
- a session comes from the call that opens one (identify-face, multi-elements init), on a
  video made as above; a face is the first face of the body's session.
Each object is made once and reused by every body it suits (a pool per kind), so a suite makes
a handful of objects in all.

The harness also keeps what it made in a store of its own, in the records the fake keeps
(``References.record``), so ``expect`` judges a body's reference rules (an ``end_ms`` past the
audio, a ``span`` outside the face's window, ...) with the fake's own rules, as the oracle
judges its schema: generation knows nothing of them.

Against real Kling making costs money: ``may_make`` (the spending guard) decides; without it
presets stand in where the kind has them, else ``Unavailable``.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract_tests.oracle import Expectation, Oracle
from mock_server.errors import KlingError
from mock_server.examples import load
from mock_server.responders.media_tools import SESSION, session_record
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Endpoint, Registry
from mock_server.tasks.store import InMemoryTaskStore
from mock_server.validation.ref_rules import dotted, made_values, problems
from mock_server.validation.references import References, found_at

Send = Callable[[str, str, dict[str, Any]], Any]  # (method, path, body) -> data or raises
Wait = Callable[[float], None]
Refs = Sequence[tuple[tuple[str, ...], dict[str, Any]]]
ACCOUNT = "harness"  # the account of the harness's own records
# The call that opens each kind of session, and the session's kind as the fake records it.
SESSIONS = {
    "lip-sync-session": ("identify-face", "lip-sync"),
    "multi-elements-session": ("multi-elements-init-selection", "multi-elements"),
}
# What a made object must meet, read from its reference (the rest depends on the body).
OBJECT_RULES = ("kind", "made_by", "seconds")


class Unavailable(Exception):
    """The target cannot provide an object of this kind here (real Kling, no spend allowed)."""


class SetupRefused(Exception):
    """The target refused a setup call (for example because the case's own values are
    invalid), or no recorded example makes the object asked for."""


@functools.cache
def default_registry() -> tuple[Registry, References]:
    registry = Registry(load_spec())
    return registry, References(registry)


def _same_type(made: Any, sent: Any) -> Any:
    """The made id in the caller's type where it can be: numeric ids sent as numbers."""
    text = str(made)
    return int(text) if isinstance(sent, int) and text.isdigit() else text


def _set(body: Any, where: tuple[str | int, ...], value: Any) -> None:
    for part in where[:-1]:
        body = body[part]
    body[where[-1]] = value


@dataclass
class Objects:
    registry: Registry
    references: References
    send: Send
    wait: Wait
    now_ms: Callable[[], int]
    step_s: float = 1.0  # between polls of a task that makes an object
    may_make: Callable[[str], bool] = lambda kind: True  # the spending guard's say
    presets_first: bool = False  # a preset, where the kind has one, rather than a new object
    prepare_body: Callable[[str, dict[str, Any]], dict[str, Any]] = lambda ep, body: body
    store: InMemoryTaskStore = field(default_factory=InMemoryTaskStore)
    _pool: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)

    # -- filling bodies ------------------------------------------------------------------------

    def fill(self, body: dict[str, Any], refs: Refs, *, keep: str = "") -> dict[str, Any]:
        """``body`` with every referenced id replaced by a real object that suits it, except
        the field being judged (``keep``)."""
        out: dict[str, Any] = copy.deepcopy(body)
        for path, spec in refs:
            for where, value, _ in list(found_at(out, path)):
                if keep and dotted(where).startswith(keep):
                    continue
                _set(out, where, _same_type(self.id_for(spec, out), value))
        return out

    def id_for(self, spec: dict[str, Any], body: dict[str, Any]) -> str:
        """An object of the reference's kind that meets its rules (and the length ``body``
        asks for): one made before, else a new one."""
        kind = str(spec["kind"])
        if kind == "face":
            return self._face(spec, body)
        want = self._wanted(spec, body)
        for key, record in self._pool.get(kind, []):
            if not list(problems(want, record, key, (kind,), {}, body)):
                return key
        if kind in SESSIONS:
            return self._session(kind, want, body)
        return self._issued(kind, want, body)

    def expect(self, oracle: Oracle, op_id: str, body: Any) -> Expectation:
        """What the target must answer to ``body`` (valid under the schemas) given what it
        names: 1201 with the fake's message where a reference rule is broken."""
        op = next(o for o in self.registry if o.op_id == op_id)
        try:
            self.references.check(
                op_id, self.store, ACCOUNT, self.now_ms(), oracle.effective(op, body)
            )
        except KlingError as refused:
            return Expectation(refused.code, "", "x-kling-ref", refused.message, verbatim=True)
        return Expectation(0)

    # -- making --------------------------------------------------------------------------------

    @staticmethod
    def _wanted(spec: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """The rules a made object must meet: who made it, its length, the length the body's
        ``bands`` field asks for."""
        want = {k: spec[k] for k in OBJECT_RULES if k in spec}
        bands = spec.get("bands")
        if bands:
            low, high = bands["seconds"].get(
                str(body.get(bands["field"], bands["default"])), [0, 1e9]
            )
            bounds = want.get("seconds", {})
            want["seconds"] = {
                "min": max(float(low), float(bounds.get("min", 0))),
                "max": min(float(high), float(bounds.get("max", 1e9))),
            }
        return want

    def _candidates(
        self, kind: str, want: dict[str, Any]
    ) -> Iterator[tuple[Endpoint, dict[str, Any]]]:
        """(endpoint, recorded valid body) pairs that could make ``kind`` as ``want`` asks:
        the ``made_by`` alternatives in their order, else every legacy endpoint issuing it,
        synchronous calls first (no waiting)."""
        issuers = [
            self.registry.endpoints[ep]
            for ep, found in self.references.issues.items()
            if any(spec["kind"] == kind for _, spec in found)
        ]
        issuers = [ep for ep in issuers if ep.queried_per_endpoint or ep.kind == "sync"]
        alternatives = want.get("made_by") or [{"endpoint": [ep.id for ep in issuers]}]
        ordered = sorted(issuers, key=lambda ep: ep.kind != "sync")
        for alternative in alternatives:
            for ep in (e for e in ordered if e.id in alternative["endpoint"]):
                for case in load(ep.id, "valid"):
                    if "errors" in case.extra or "kling-mock:" in json.dumps(case.body):
                        continue  # documented-mode examples, failure markers
                    body = {
                        k: v
                        for k, v in case.body.items()
                        if k not in ("external_task_id", "callback_url")
                    }
                    made = {"endpoint": ep.id, **self._made(ep.id, body)}
                    rest = {k: v for k, v in alternative.items() if k != "endpoint"}
                    if all(str(made.get(k)) in {str(v) for v in vs} for k, vs in rest.items()):
                        yield ep, body

    def _made(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        defaults = self.references.defaults.get(endpoint, {})
        return made_values(endpoint, body, self.references.made_fields, defaults)

    def _issued(self, kind: str, want: dict[str, Any], asking: dict[str, Any]) -> str:
        if self.presets_first and self.references.presets.get(kind):
            return self._preset(kind)
        for ep, example in self._candidates(kind, want):
            if not self.may_make(kind):  # each object made counts (real Kling bills it)
                return self._preset(kind)
            try:
                body = self.prepare_body(ep.id, self.fill(example, self.references.of(ep.id)))
                data = self._call(ep, body)
            except SetupRefused:
                continue
            origin = {"endpoint": ep.id, "task_id": "", "created_at": self.now_ms()}
            self.references.record(ep.id, self.store, ACCOUNT, data, origin, body)
            for path, spec in self.references.issues[ep.id]:
                for _, value, _ in found_at(data, path):
                    if spec["kind"] != kind:
                        continue
                    key = str(value)
                    record = self.store.get_record(kind, ACCOUNT, key) or {}
                    self._pool.setdefault(kind, []).append((key, record))
                    if not list(problems(want, record, key, (kind,), {}, asking)):
                        return key
        raise SetupRefused(f"setup: no recorded example makes a {kind} that meets {want}")

    def _preset(self, kind: str) -> str:
        presets = sorted(self.references.presets.get(kind, ()))
        if not presets:
            raise Unavailable(f"a {kind} must be made first, and spending is not allowed")
        return presets[0]

    def _session(self, kind: str, want: dict[str, Any], asking: dict[str, Any]) -> str:
        endpoint, recorded_kind = SESSIONS[kind]
        if not self.may_make(kind):
            raise Unavailable(f"a {kind} must be made first, and spending is not allowed")
        video_spec = {
            "kind": "video",
            **({"seconds": want["seconds"]} if "seconds" in want else {}),
        }
        video = self.id_for(video_spec, asking)
        seconds = (self.store.get_record("video", ACCOUNT, video) or {}).get("seconds")
        data = self._call(self.registry.endpoints[endpoint], {"video_id": video})
        key = str(data["session_id"])
        faces = data.get("face_data") if "face_data" in data else None
        record = session_record(recorded_kind, self.now_ms(), float(seconds or 0), faces)
        self.store.put_record(SESSION, ACCOUNT, key, record)
        self._pool.setdefault(kind, []).append((key, {"seconds": seconds}))
        return key

    def _face(self, spec: dict[str, Any], body: dict[str, Any]) -> str:
        session = self.store.get_record(SESSION, ACCOUNT, str(body.get(spec["session"], "")))
        faces = (session or {}).get("faces") or [{"face_id": "0"}]
        return str(faces[0]["face_id"])

    def _call(self, ep: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
        """A sync call's data, or a task's result once it has succeeded."""
        created = self.send(ep.method, ep.path, body)
        if ep.kind != "task":
            return dict(created)
        for _ in range(round(600 / self.step_s)):
            task = self.send("GET", f"{ep.path}/{created['task_id']}", {})
            if task["task_status"] == "succeed":
                return dict(task["task_result"])
            if task["task_status"] == "failed":
                raise SetupRefused(f"{ep.path}: task failed: {task.get('task_status_msg')}")
            self.wait(self.step_s)
        raise SetupRefused(f"setup: the task of {ep.path} never finished")


def default_objects(send: Send, wait: Wait, now_ms: Callable[[], int]) -> Objects:
    registry, references = default_registry()
    return Objects(registry, references, send, wait, now_ms)
