"""The one state object behind every endpoint: store, lifecycle, clock, ids, auth, rules.

Endpoints stay thin: they read input, call a method here and wrap the result. ``reset()``
brings the fake back to its start state (the control API will call it).
"""

from __future__ import annotations

from typing import Any

from mock_server.accounts import Account
from mock_server.auth import Authenticator
from mock_server.errors import KlingError
from mock_server.results.builder import BUILDERS, BuildContext
from mock_server.results.media import MediaUrls
from mock_server.settings import Settings
from mock_server.simulation.failures import FailurePolicy
from mock_server.simulation.pricing import PriceTable
from mock_server.spec.registry import Endpoint, Operation, Registry
from mock_server.tasks.clock import Clock
from mock_server.tasks.ids import IdFactory
from mock_server.tasks.lifecycle import Lifecycle
from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore, TaskStore
from mock_server.validation import RequestValidator, compile_validators


class Backend:
    def __init__(
        self, settings: Settings, registry: Registry, clock: Clock, store: TaskStore | None = None
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.store: TaskStore = store or InMemoryTaskStore()
        self.accounts = settings.accounts()
        self.auth = Authenticator(self.accounts, clock, leeway_s=settings.jwt_leeway)
        self.pricing = PriceTable({ep.id: ep.units for ep in registry.endpoints.values()})
        self.failures = FailurePolicy(
            registry.spec.failure_rules, rate=settings.fail_rate, seed=settings.seed
        )
        self.ids = IdFactory(settings.seed)
        self.lifecycle = Lifecycle(clock, self.store, finish=self._finish, speed=settings.speed)
        self.validators: dict[str, RequestValidator] = compile_validators(
            registry, strict=settings.strict
        )
        for ep in registry.endpoints.values():
            if ep.kind == "task" and ep.result not in BUILDERS:
                raise ValueError(f"manifest {ep.id}: no result builder named {ep.result!r}")
        self._owners = {a.access_key: a.user_id for a in self.accounts}

    def reset(self) -> None:
        self.store.reset()
        self.lifecycle.reset()
        self.failures.reset()
        self.ids = IdFactory(self.settings.seed)

    # -- requests --------------------------------------------------------------------------

    def validate(self, op: Operation, instance: Any) -> dict[str, Any]:
        validator = self.validators.get(op.op_id)
        if validator is None:
            return instance if isinstance(instance, dict) else {}
        return validator.with_defaults(validator.validate(instance))

    def base_url(self, request_base: str) -> str:
        return (self.settings.public_base_url or request_base).rstrip("/")

    def create_task(
        self, op: Operation, account: Account, body: dict[str, Any], base_url: str
    ) -> Task:
        effective = self.validate(op, body)
        ep = op.endpoint
        external = effective.get("external_task_id") or None
        if external is not None and self.store.external_taken(account.access_key, external):
            raise KlingError(
                1201,
                f"external_task_id: {external!r} is already used by another task of this account",
            )
        self.lifecycle.tick()
        task = Task(
            task_id=self._fresh_task_id(),
            account=account.access_key,
            endpoint=ep.id,
            created_at=self.clock.now_ms(),
            body=effective,
            base_url=self.base_url(base_url),
            external_task_id=external,
            units=self.pricing.units(ep.id, effective),
        )
        if ep.parent_video:
            task.parent_video = self._parent_video(task)
        self.store.add(task)
        self.lifecycle.start(task, ep.family, self.failures.decide(body))
        return task

    def find_task(self, op: Operation, account: Account, ident: str) -> Task:
        self.lifecycle.tick()
        task = self.store.find(
            account.access_key, op.endpoint.id, ident, by_external=op.endpoint.query_by_external_id
        )
        if task is None:
            raise KlingError(1203, f"Task not found: {ident}")
        return task

    def list_tasks(self, op: Operation, account: Account, query: dict[str, Any]) -> list[Task]:
        self.lifecycle.tick()
        params = self.validate(op, query)
        return self.store.page(
            account.access_key, op.endpoint.id, int(params["pageNum"]), int(params["pageSize"])
        )

    # -- helpers ---------------------------------------------------------------------------

    def _fresh_task_id(self) -> str:
        while True:
            task_id = self.ids.task_id()
            if self.store.by_id(task_id) is None:
                return task_id

    def _parent_video(self, task: Task) -> dict[str, str]:
        body = task.body
        source = body.get("video_id") or body.get("session_id") or self.ids.uuid()
        name = f"{task.task_id}-parent"
        return {"id": str(source), "url": MediaUrls(task.base_url).video(name), "duration": "5.1"}

    def _finish(self, task: Task) -> dict[str, Any]:
        ep: Endpoint = self.registry.endpoints[task.endpoint]
        watermark = ep.watermark and (task.body.get("watermark_info") or {}).get("enabled") is True
        owner = self._owners.get(task.account, "0")
        ctx = BuildContext(
            task=task,
            body=task.body,
            ids=self.ids,
            urls=MediaUrls(task.base_url),
            watermark=watermark,
            owner=owner,
        )
        return BUILDERS[str(ep.result)](ctx)
