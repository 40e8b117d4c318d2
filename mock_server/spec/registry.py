"""The manifest as an index of operations: one ``Operation`` per route, built once.

An endpoint of kind ``task`` yields three operations (create, get, list); ``sync``,
``catalog`` and ``account`` endpoints yield one. Routes are ordered static paths first, as
stripe-mock does, so ``/multi-elements/init-selection`` wins over ``/multi-elements/{id}``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mock_server import fieldpath
from mock_server.spec.loader import Spec

EndpointKind = Literal["task", "sync", "catalog", "account"]
Action = Literal["create", "get", "list", "sync", "catalog", "account"]
KINDS: frozenset[str] = frozenset({"task", "sync", "catalog", "account"})


@dataclass(frozen=True)
class Design:
    """One API design (manifest ``designs``): who may call it, how its tasks are rendered and
    where its bodies keep the fields the engine reads (``fields``: name -> dotted path)."""

    name: str
    auth: str = "jwt-or-api-key"
    render: str = "legacy"
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, name: str, entry: dict[str, Any]) -> Design:
        return cls(name, entry["auth"], entry["render"], dict(entry.get("fields", {})))

    def lift(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with each field of ``fields`` copied to the top level, where the engine
        (callbacks, external ids, builders, watermarks) reads it; legacy bodies are unchanged."""
        if not self.fields:
            return body
        out = dict(body)
        for name, dotted in self.fields.items():
            value = fieldpath.get(body, dotted, None)
            if value is not None and name not in out:
                out[name] = value
        return out


LEGACY = Design("legacy")


@dataclass(frozen=True)
class Endpoint:
    id: str
    title: str
    doc: str
    kind: EndpointKind
    path: str
    method: str
    request: str | None
    result: str | None
    response: str | None
    responder: str | None
    family: str
    pool: str | None
    slots: int | str | list[dict[str, Any]]  # see simulation/quotas.slots_of
    page_size_max: int
    query_by_external_id: bool
    parent_video: bool
    catalog: str | None
    watermark: bool  # the request schema lists watermark_info
    units: dict[str, Any]  # price rule for final_unit_deduction
    aliases: tuple[str, ...] = ()  # other spellings of ``path``, each a second route
    live_omits_data: bool = False  # --errors live: the success envelope has no data
    design: Design = LEGACY  # which API design: auth, rendering, where fields live
    model: str | None = None  # model-in-path designs: the model this entry serves
    template: str | None = None  # ``path`` with ``{model}`` left in (the unknown-model route)
    # ``parent_video: {"source": field, "adds_seconds": n}``: the request field naming the
    # parent, and the result video lasts the parent's length + n
    parent_adds_seconds: float | None = None
    parent_source: str | None = None

    @property
    def queried_per_endpoint(self) -> bool:
        """Legacy tasks are queried at ``path/{id}`` and listed at ``path``; the model-path
        design has one query surface for every task (``/tasks``)."""
        return self.design.render == "legacy"

    @classmethod
    def from_manifest(
        cls, entry: dict[str, Any], spec: Spec, designs: dict[str, Design] | None = None
    ) -> Endpoint:
        kind = entry["kind"]
        if kind not in KINDS:
            raise ValueError(f"manifest {entry.get('id')}: unknown kind {kind!r}")
        designs = designs if designs is not None else {LEGACY.name: LEGACY}
        design_name = entry.get("design", LEGACY.name)
        if design_name not in designs:
            raise ValueError(f"manifest {entry['id']}: unknown design {design_name!r}")
        design = designs[design_name]
        model = entry.get("model")
        template = entry["path"] if model is not None else None
        path = entry["path"].replace("{model}", model) if model is not None else entry["path"]
        default_request = f"requests/{entry['id']}.json"
        request = entry.get("request", default_request if default_request in spec.schemas else None)
        request_schema = spec.schema(request) if request else {}
        return cls(
            id=entry["id"],
            title=entry.get("title", entry["id"]),
            doc=str(entry.get("doc", "")),
            kind=kind,
            path=path,
            method=entry.get("method", "POST" if kind == "task" else "GET").upper(),
            request=request,
            result=entry.get("result"),
            response=entry.get("response"),
            responder=entry.get("responder"),
            family=entry.get("family", "video"),
            pool=entry.get("pool"),
            slots=entry.get("slots", 1),
            page_size_max=int(entry.get("page_size_max", 500)),
            query_by_external_id=bool(entry.get("query_by_external_id", True)),
            parent_video=bool(entry.get("parent_video", False)),
            catalog=entry.get("catalog"),
            watermark="watermark_info" in (request_schema.get("properties") or {})
            or "watermark_info" in design.fields,
            units=dict(entry.get("units", {"rate": 0, "estimate": "no units rule: free"})),
            aliases=tuple(a["path"] for a in entry.get("aliases", [])),
            live_omits_data=bool(entry.get("live", {}).get("omit_data", False)),
            design=design,
            model=model,
            template=template,
            parent_adds_seconds=(
                float(entry["parent_video"]["adds_seconds"])
                if isinstance(entry.get("parent_video"), dict)
                else None
            ),
            parent_source=(
                str(entry["parent_video"]["source"])
                if isinstance(entry.get("parent_video"), dict)
                else None
            ),
        )


@dataclass(frozen=True)
class Operation:
    op_id: str
    action: Action
    method: str
    path: str
    endpoint: Endpoint
    body_schema: dict[str, Any] | None  # JSON body (POST)
    query_schema: dict[str, Any] | None  # query string (GET)
    data_schema: dict[str, Any]  # the success envelope's data

    @property
    def templated(self) -> bool:
        return "{" in self.path

    @property
    def aliases(self) -> tuple[str, ...]:
        """The same operation under the endpoint's other spellings (``/{id}`` kept)."""
        suffix = self.path[len(self.endpoint.path) :]
        return tuple(alias + suffix for alias in self.endpoint.aliases)

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.aliases)


def check_manifest(spec: Spec) -> None:
    """Refuse a bad manifest entry at start-up, naming it (``config/manifest.json``)."""
    validator = Draft202012Validator(spec.schema("config/manifest.json"))
    error = best_match(validator.iter_errors(spec.manifest))
    if error is not None:
        where = list(error.absolute_path)
        entry: Any = spec.manifest
        label = "manifest.json"
        if len(where) >= 2 and where[0] == "endpoints":
            entry = spec.manifest["endpoints"][where[1]]
            label += f" entry {where[1]} ({entry.get('id', '?')})"
            where = where[2:]
        field = ".".join(str(p) for p in where)
        raise ValueError(f"{label}: {field + ': ' if field else ''}{error.message}")


# id(manifest) -> manifest: each manifest object is checked once per process (kept alive, so
# its id cannot be reused); tests build many apps from one spec.
_CHECKED: dict[int, Any] = {}


class Registry:
    def __init__(self, spec: Spec) -> None:
        if _CHECKED.get(id(spec.manifest)) is not spec.manifest:
            check_manifest(spec)
            _CHECKED[id(spec.manifest)] = spec.manifest
        self.spec = spec
        self.designs: dict[str, Design] = {LEGACY.name: LEGACY}
        for name, entry in (spec.manifest.get("designs") or {}).items():
            self.designs[name] = Design.from_manifest(name, entry)
        self.endpoints: dict[str, Endpoint] = {}
        for entry in spec.manifest.get("endpoints", []):
            endpoint = Endpoint.from_manifest(entry, spec, self.designs)
            if endpoint.id in self.endpoints:
                raise ValueError(f"manifest: endpoint id {endpoint.id!r} appears twice")
            self.endpoints[endpoint.id] = endpoint
        ops = [op for ep in self.endpoints.values() for op in self._expand(ep)]
        seen: set[tuple[str, str]] = set()
        for op in ops:
            for path in op.paths:
                if (op.method, path) in seen:
                    raise ValueError(f"manifest: route {op.method} {path} is declared twice")
                seen.add((op.method, path))
        self.operations: list[Operation] = sorted(ops, key=lambda op: (op.templated, op.path))

    def model_templates(self) -> dict[str, list[Endpoint]]:
        """Model-in-path templates (``/text-to-video/{model}``) -> the endpoints serving one
        model each: a request for a model no entry serves is answered 1203 there."""
        out: dict[str, list[Endpoint]] = {}
        for ep in self.endpoints.values():
            if ep.template is not None:
                out.setdefault(ep.template, []).append(ep)
        return out

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def input_schema(self, op: Operation) -> dict[str, Any] | None:
        """The schema a request to ``op`` is validated against: its JSON body (POST) or its
        query string (GET), or None when it takes no input."""
        if op.body_schema is not None and op.endpoint.request:
            return self.spec.schema(op.endpoint.request)
        return op.query_schema

    def _ref(self, rel: str) -> dict[str, Any]:
        return {"$ref": self.spec.uri(rel)}

    def page_query(self, page_size_max: int) -> dict[str, Any]:
        schema = copy.deepcopy(self.spec.schema("common/page_query.json"))
        schema.pop("$id", None)
        schema["properties"]["pageSize"]["maximum"] = page_size_max
        return schema

    def create_data_schema(self, ep: Endpoint) -> str:
        if ep.design.render == "legacy":
            return "common/create_data.json"
        return f"{ep.design.render}/common/create_data.json"

    def task_schema(self, endpoint: Endpoint) -> dict[str, Any]:
        result = self._ref(f"results/{endpoint.result}.json")
        return {
            "allOf": [self._ref("common/task.json")],
            "if": {"properties": {"task_status": {"const": "succeed"}}},
            "then": {"properties": {"task_result": result}},
            "else": {"properties": {"task_result": {"maxProperties": 0}}},
        }

    def _expand(self, ep: Endpoint) -> Iterator[Operation]:
        body = self._ref(ep.request) if ep.request else None
        if ep.kind == "task":
            task = self.task_schema(ep)
            yield Operation(
                f"{ep.id}.create",
                "create",
                "POST",
                ep.path,
                ep,
                body,
                None,
                self._ref(self.create_data_schema(ep)),
            )
            if not ep.queried_per_endpoint:
                return
            yield Operation(f"{ep.id}.get", "get", "GET", ep.path + "/{id}", ep, None, None, task)
            yield Operation(
                f"{ep.id}.list",
                "list",
                "GET",
                ep.path,
                ep,
                None,
                self.page_query(ep.page_size_max),
                {"type": "array", "items": task},
            )
            return
        data = self._ref(ep.response) if ep.response else {}
        if ep.kind == "catalog":
            yield Operation(
                f"{ep.id}.list",
                "catalog",
                "GET",
                ep.path,
                ep,
                None,
                self.page_query(ep.page_size_max),
                data or {"type": "array"},
            )
        elif ep.method == "GET":
            query = self.spec.schema(ep.request) if ep.request else None
            yield Operation(f"{ep.id}.call", ep.kind, "GET", ep.path, ep, None, query, data)
        else:
            yield Operation(f"{ep.id}.call", ep.kind, ep.method, ep.path, ep, body, None, data)
