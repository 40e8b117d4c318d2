"""References between objects: an id a request names must be one the fake made for the account.

Two schema keywords, collected once per operation at start-up (like the validators):

- ``x-kling-issues`` on a result or response field (``{"kind": "video", "seconds": "duration"}``):
  every id found there is recorded as a store record of that kind for the account, with the
  length of its media (the sibling field ``seconds`` names), where and when it was made.
- ``x-kling-ref`` on a request field (``{"kind": "video", ...rules}``): the id must name a live
  record of that kind of this account, or a preset (catalogue) id of that kind; otherwise 1201.
  The rules then check the named object (``ref_rules.py``): ``made_by`` (which endpoint and
  request values made it), ``seconds`` ``{"min", "max"}`` (its length), ``end_ms`` (a sibling
  field in ms that must not pass its end), ``bands`` (the length a request field's value asks
  for) and ``span`` (where an inserted clip falls against a face's window). ``inherit`` hands
  the named object's ``made`` values on to what the request makes (an extension keeps its
  source's model).

Checking runs on the event loop after validation (it reads the store); validation stays pure.
Everything lives in the store, so a reset clears it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mock_server.errors import KlingError
from mock_server.responders.library import DELETED_VOICE, OLD_ELEMENT, load_catalog
from mock_server.responders.media_tools import SESSION
from mock_server.responders.multi_elements import SESSION_TTL_MS
from mock_server.spec.registry import Registry
from mock_server.tasks.store import TaskStore
from mock_server.validation import ref_rules
from mock_server.validation.refs import resolve

Path = tuple[str, ...]  # "*" stands for every item of an array
Found = tuple[tuple[str | int, ...], Any, dict[str, Any]]  # concrete path, value, its object
RETENTION_MS = 30 * 24 * 3600 * 1000  # results and TTS audio are purged after 30 days (3.7)
# Catalogue item fields that hold preset ids, and the kind each names.
PRESET_FIELDS = {"element_id": "element", "voice_id": "voice"}


def collect(schema: Any, resolver: Any, keyword: str, path: Path = ()) -> list[tuple[Path, Any]]:
    """(json path, keyword value) for every subschema carrying ``keyword``, through ``$ref``,
    ``properties``, ``items`` and the combinators (which add no path step)."""
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict):
        return []
    out: list[tuple[Path, Any]] = [(path, schema[keyword])] if keyword in schema else []
    for name, sub in (schema.get("properties") or {}).items():
        out += collect(sub, resolver, keyword, (*path, name))
    if "items" in schema:
        out += collect(schema["items"], resolver, keyword, (*path, "*"))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            out += collect(sub, resolver, keyword, path)
    for key in ("then", "else"):
        if key in schema:
            out += collect(schema[key], resolver, keyword, path)
    unique = {(p, json.dumps(v, sort_keys=True)): (p, v) for p, v in out}
    return list(unique.values())


def found_at(instance: Any, path: Path, at: tuple[str | int, ...] = ()) -> Iterator[Found]:
    """Every value at ``path`` in ``instance`` with its concrete path and enclosing object;
    absent and empty values are skipped (an empty string counts as not given)."""
    if not path or not isinstance(instance, dict | list):
        return
    head, rest = path[0], path[1:]
    items: list[tuple[str | int, Any]]
    if head == "*":
        items = list(enumerate(instance)) if isinstance(instance, list) else []
    else:
        items = [(head, instance[head])] if isinstance(instance, dict) and head in instance else []
    for key, value in items:
        if not rest:
            if value not in (None, "") and isinstance(instance, dict):
                yield (*at, key), value, instance
        else:
            yield from found_at(value, rest, (*at, key))


@dataclass(frozen=True)
class Lookup:
    """What a check may read: the account's records, the time, the body, the presets."""

    store: TaskStore
    account: str
    now_ms: int
    body: dict[str, Any]
    presets: dict[str, frozenset[str]]

    def live(self, kind: str, key: str) -> dict[str, Any] | None:
        record = self.store.get_record(kind, self.account, key)
        if (
            record is None
            or self.now_ms - int(record.get("created_at", self.now_ms)) > RETENTION_MS
        ):
            return None
        return record


Finder = Callable[[Lookup, str, dict[str, Any], dict[str, Any]], dict[str, Any] | None]


def _element_deleted(look: Lookup, key: str, record: dict[str, Any]) -> bool:
    """Deletions live where the delete call left them: the old-service record's flag, or the
    element's status in the task result that made it (responders/library.py)."""
    old = look.store.get_record(OLD_ELEMENT, look.account, key)
    task = look.store.by_id(str(record.get("task_id") or "")) if record.get("task_id") else None
    made = task.result.get("elements", []) if task is not None else []
    return bool(
        record.get("deleted")
        or (old is not None and old.get("deleted"))
        or any(str(e.get("element_id")) == key and e.get("status") == "deleted" for e in made)
    )


def _element(look: Lookup, key: str, spec: dict[str, Any], item: dict[str, Any]) -> Any:
    if key in look.presets.get("element", frozenset()):
        return {}
    record = look.store.get_record("element", look.account, key)
    return None if record is None or _element_deleted(look, key, record) else record


def _voice(look: Lookup, key: str, spec: dict[str, Any], item: dict[str, Any]) -> Any:
    if key in look.presets.get("voice", frozenset()):
        return {}
    if look.store.get_record(DELETED_VOICE, look.account, key) is not None:
        return None
    return look.store.get_record("voice", look.account, key)


def _issued(kind: str) -> Finder:
    return lambda look, key, spec, item: look.live(kind, key)


def _session(kind: str) -> Finder:
    def find(look: Lookup, key: str, spec: dict[str, Any], item: dict[str, Any]) -> Any:
        session = look.store.get_record(SESSION, look.account, key)
        if (
            session is None
            or session.get("kind") != kind
            or look.now_ms - int(session["created_at"]) > SESSION_TTL_MS
        ):
            return None
        return session

    return find


def _face(look: Lookup, key: str, spec: dict[str, Any], item: dict[str, Any]) -> Any:
    """A face of the session named by the body's ``session`` field (checked before it), with
    the length of the session's video where known (``span``)."""
    session_id = str(look.body.get(spec["session"], ""))
    session = look.store.get_record(SESSION, look.account, session_id) or {}
    face = next((f for f in session.get("faces", []) if str(f.get("face_id")) == key), None)
    seconds = ref_rules.number(session.get("seconds"))
    if face is None or seconds is None:
        return face
    return {**face, "video_ms": seconds * 1000}


@dataclass(frozen=True)
class Kind:
    find: Finder
    message: str  # {id} is the value as sent


# Messages: "Element id not found: <id>" is live (api-reference.md 1.4); "Voice id not found"
# is live without the id (live-behaviour.md A.5 #28); the others are modelled on the element one.
KINDS: dict[str, Kind] = {
    "element": Kind(_element, "Element id not found: {id}"),
    "video": Kind(_issued("video"), "Video id not found: {id}"),
    "audio": Kind(_issued("audio"), "Audio id not found: {id}"),
    "voice": Kind(_voice, "Voice id not found"),
    "lip-sync-session": Kind(_session("lip-sync"), "Session id not found or expired: {id}"),
    "multi-elements-session": Kind(
        _session("multi-elements"), "Session id not found or expired: {id}"
    ),
    "face": Kind(_face, "Face id not found: {id}"),
}


class References:
    """Built once from the registry: what each operation refers to and what each issues."""

    def __init__(self, registry: Registry) -> None:
        self.refs: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
        self.issues: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
        presets: dict[str, set[str]] = {kind: set() for kind in PRESET_FIELDS.values()}
        self.rules: dict[str, list[dict[str, Any]]] = {}  # x-kling-ref-rule, per operation
        self.element_types: dict[str, str] = {}  # preset element id -> reference_type
        made_fields: set[str] = set()  # request fields a made_by or an inherit asks about
        for op in registry:
            schema = registry.input_schema(op)
            if schema is not None and op.action in ("create", "sync", "account"):
                found = collect(schema, self._resolver(registry, schema), "x-kling-ref")
                for _, spec in found:
                    if spec.get("kind") not in KINDS:
                        raise ValueError(f"{op.op_id}: x-kling-ref kind {spec.get('kind')!r}")
                    made_fields.update(spec.get("inherit") or [])
                    for alternative in spec.get("made_by") or []:
                        made_fields.update(k for k in alternative if k != "endpoint")
                if found:
                    self.refs[op.op_id] = found
                rules = list(schema.get("x-kling-ref-rule") or [])
                for rule in rules:
                    if rule.get("rule") not in ref_rules.REF_RULES:
                        raise ValueError(f"{op.op_id}: x-kling-ref-rule {rule.get('rule')!r}")
                if rules:
                    self.rules[op.op_id] = rules
        for ep in registry.endpoints.values():
            # Catalogue lists show presets; only tasks and sync calls make new objects.
            made = f"results/{ep.result}.json" if ep.result else ep.response
            if made and ep.kind in ("task", "sync"):
                schema = registry.spec.schema(made)
                found = collect(schema, self._resolver(registry, schema), "x-kling-issues")
                if found:
                    self.issues[ep.id] = found
            if ep.catalog and not ep.catalog.startswith("account:"):
                for item in load_catalog(ep.catalog):
                    for name, kind in PRESET_FIELDS.items():
                        if item.get(name) is not None:
                            presets[kind].add(str(item[name]))
                    if item.get("element_id") is not None and item.get("reference_type"):
                        self.element_types[str(item["element_id"])] = item["reference_type"]
        self.presets = {kind: frozenset(ids) for kind, ids in presets.items()}
        self.made_fields = tuple(sorted(made_fields))
        self.defaults = ref_rules.request_defaults(registry)  # an empty value means the default

    def of(self, endpoint: str) -> list[tuple[Path, dict[str, Any]]]:
        """The references an endpoint's create or call takes (for harness setups)."""
        return self.refs.get(f"{endpoint}.create") or self.refs.get(f"{endpoint}.call") or []

    @staticmethod
    def _resolver(registry: Registry, schema: dict[str, Any]) -> Any:
        return registry.spec.registry.resolver(base_uri=str(schema.get("$id", "")))

    def check(self, op_id: str, store: TaskStore, account: str, now_ms: int, body: Any) -> None:
        """KlingError(1201) for the first reference that names nothing live of the account,
        or whose media breaks a rule; nothing is changed."""
        if not isinstance(body, dict):
            return
        look = Lookup(store, account, now_ms, body, self.presets)
        for path, spec in self.refs.get(op_id, []):
            for where, value, item in found_at(body, path):
                kind = KINDS[spec["kind"]]
                key = str(value)
                record = kind.find(look, key, spec, item)
                if record is None:
                    raise KlingError(1201, kind.message.format(id=key))
                for problem in ref_rules.problems(spec, record, key, where, item, body):
                    raise KlingError(1201, problem)
        for params in self.rules.get(op_id, []):
            broken = ref_rules.REF_RULES[params["rule"]](
                body, params, lambda key: self._element_type(look, key)
            )
            if broken is not None:
                raise KlingError(1201, broken)

    def named(
        self, op_id: str, field: str, store: TaskStore, account: str, now_ms: int, body: Any
    ) -> dict[str, Any] | None:
        """The record the body's ``field`` (an ``x-kling-ref``) names, None if none is live."""
        look = Lookup(store, account, now_ms, body, self.presets)
        for path, spec in self.refs.get(op_id, []):
            if ".".join(path) != field:
                continue
            for _, value, item in found_at(body, path):
                return KINDS[spec["kind"]].find(look, str(value), spec, item)
        return None

    def _element_type(self, look: Lookup, key: str) -> str | None:
        """``image_refer`` (multi-image) or ``video_refer`` (video character) of a preset or
        of an element this account made (its task's result says), None if unknown."""
        if key in self.element_types:
            return self.element_types[key]
        record = look.store.get_record("element", look.account, key) or {}
        task = look.store.by_id(str(record.get("task_id") or "")) if record else None
        made = task.result.get("elements", []) if task is not None else []
        found: dict[str, Any] = next((e for e in made if str(e.get("element_id")) == key), {})
        kind = found.get("reference_type")
        return str(kind) if kind else None

    def record(
        self,
        endpoint: str,
        store: TaskStore,
        account: str,
        data: Any,
        origin: dict[str, Any],
        body: dict[str, Any] | None = None,
    ) -> None:
        """Record every id ``data`` (a task result or a sync call's data) issues, with what
        made it (``body``: the request as validated) for ``made_by`` rules."""
        issues = self.issues.get(endpoint, [])
        if not issues:
            return
        made = ref_rules.made_values(endpoint, body, self.made_fields, self.defaults[endpoint])
        for path, spec in self.of(endpoint) if body else []:
            for _, value, _ in found_at(body, path) if spec.get("inherit") else []:
                source = store.get_record(str(spec["kind"]), account, str(value)) or {}
                made |= ref_rules.inherited(source, spec["inherit"])
        for path, spec in issues:
            for _, value, item in found_at(data, path):
                key, kind, length = str(value), str(spec["kind"]), spec.get("seconds")
                seconds = ref_rules.number(item.get(length)) if length else None
                record = {"id": key, "seconds": seconds, "made": made}
                old = store.get_record(kind, account, key) or {}
                owner = str(origin.get("task_id") or "") if spec.get("with_task") else ""
                store.put_record(kind, account, key, {**old, **origin, **record}, owner=owner)
