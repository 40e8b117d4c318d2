"""The one state object behind every endpoint: store, lifecycle, clock, ids, auth, limits,
fault rules, journal and callbacks.

Endpoints stay thin: they read input, call a method here and wrap the result. What a reset
brings back is built in ``_build_state`` from the settings alone; ``reset()`` (the control API
calls it) rebuilds it and restarts the clock. ``serving.py`` runs the background work of a
served app.

Every result file the fake hands out is a ``media`` record in the store (public, so under the
account ``""``): ``media_urls`` makes the one ``MediaUrls`` that builders and responders use,
and ``GET /media/...`` serves only what ``issued_media`` finds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mock_server.accounts import Account
from mock_server.answers import Answers
from mock_server.auth import Authenticator
from mock_server.callbacks.wiring import listener, make_sender, remember_effect, replace_sender
from mock_server.http.journal import RequestJournal
from mock_server.responders.library import load_catalog
from mock_server.results import finishing, render
from mock_server.results.builder import BUILDERS
from mock_server.results.rendered import RenderedTasks
from mock_server.results.urls import Media, MediaUrls
from mock_server.settings import Settings
from mock_server.simulation.failures import FailurePolicy
from mock_server.simulation.pricing import PriceTable
from mock_server.simulation.quotas import Limits
from mock_server.simulation.report import build_report
from mock_server.simulation.rules import FaultDecision
from mock_server.simulation.scenarios import build_rule_set, startup_scenario
from mock_server.spec.registry import LEGACY, Design, Endpoint, Operation, Registry
from mock_server.tasks.clock import SimClock
from mock_server.tasks.ids import IdFactory
from mock_server.tasks.lifecycle import Lifecycle
from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore, TaskStore
from mock_server.tasks.timings import Timings
from mock_server.tasks.waiting import ClockWaiter
from mock_server.validation import RequestValidator, compile_validators
from mock_server.validation.references import References

MEDIA = "media"  # store record kind of the result files the fake issued


class Backend:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        clock: SimClock,
        store: TaskStore | None = None,
        callback_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.store: TaskStore = store or InMemoryTaskStore(settings.max_tasks)
        self.accounts = settings.accounts()
        self.auth = Authenticator(self.accounts, clock, leeway_s=settings.jwt_leeway)
        self.answers = Answers(settings.errors)
        self.pricing = PriceTable.for_registry(registry)
        self.waiter = ClockWaiter(clock)
        self.validators: dict[str, RequestValidator] = compile_validators(
            registry,
            strict=settings.strict,
            live=self.answers.live,
            max_string_chars=settings.max_string_chars,
            max_unknown_fields=settings.max_unknown_fields,
        )
        self.references = References(registry)  # x-kling-ref / x-kling-issues, per operation
        for ep in registry.endpoints.values():
            if ep.kind == "task" and ep.result not in BUILDERS:
                raise ValueError(f"manifest {ep.id}: no result builder named {ep.result!r}")
        self._owners = {a.access_key: a.user_id for a in self.accounts}
        self.loop: asyncio.AbstractEventLoop | None = None  # set while served
        self._callback_transport = callback_transport
        self._scenario = startup_scenario(settings, registry)
        self._build_state()

    def _build_state(self) -> None:
        """Everything a reset brings back to its start, derived from the settings alone (as
        moto's backends do), so a new part cannot be forgotten by reset()."""
        self.store.reset()
        # Without --seed every build draws a fresh seed, so ids handed out before never return.
        self.ids = IdFactory(self.settings.seed)
        self.failures = FailurePolicy(
            self.registry.spec.failure_rules, rate=self.settings.fail_rate, seed=self.ids.seed
        )
        self.lifecycle = Lifecycle(
            self.clock,
            self.store,
            finish=self.finish,
            speed=self.settings.speed,
            timings=Timings(),
            wake=self.waiter.wake_all,
        )
        self.journal = RequestJournal(self.settings.journal_size)
        self.rendered = RenderedTasks()  # forms of tasks a reset forgets: let them go
        self.limits = Limits(
            self.accounts,
            concurrency=self.settings.concurrency,
            scope=self.settings.concurrency_scope,
            rate_limit=self.settings.rate_limit,
            check_balance=self.settings.check_balance,
        )
        self.faults = build_rule_set(self._scenario, seed=self.ids.seed)
        endpoints = self.registry.endpoints
        self.lifecycle.subscribe(lambda c: self.limits.on_change(c, endpoints[c.task.endpoint]))
        self.callbacks = make_sender(
            self.settings,
            self.clock,
            self.waiter,
            seed=self.ids.seed,
            webhook_ids=self.ids.webhook_id,
            transport=self._callback_transport,
        )
        self.lifecycle.subscribe(listener(self.callbacks, self.store, self.render))
        self._issue_catalog_media()

    def reset(self) -> None:
        """Back to the start state: state, ids, timings and the clock, from the settings."""
        old = self.callbacks
        self.clock.restart()
        self._build_state()
        self.waiter.wake_all()  # the worker must see the new lifecycle
        if self.loop is not None:  # served (serving.py): stop the old sender, start the new
            asyncio.run_coroutine_threadsafe(replace_sender(old, self.callbacks), self.loop)

    def report(self) -> dict[str, Any]:
        """How the client behaved (simulation/report.py), from both journals."""
        return build_report(self.journal.rows(), self.callbacks.journal.rows())

    def render(self, task: Task) -> dict[str, Any]:
        """A task as its design's query shows it, and as its callbacks carry it (the body
        follows the path the task was created through: new-design-api.md 7, the guess)."""
        ep = self.registry.endpoints[task.endpoint]
        if ep.design.render == "model-path":
            return render.model_path_task(task, ep.pool, materials_key="materials")
        return render.task_data(task, watermark_supported=ep.watermark)

    def render_created(self, task: Task) -> dict[str, Any]:
        """The create reply's ``data`` in the task's design."""
        if self.registry.endpoints[task.endpoint].design.render == "model-path":
            return render.model_path_create(task)
        return render.create_data(task)

    # -- media -----------------------------------------------------------------------------

    def media_urls(self, base_url: str, owner: str = "") -> MediaUrls:
        """``owner``: the task the media are issued for (evicted with it)."""
        return MediaUrls(base_url, record=lambda media: self._record_media(media, owner))

    def issued_media(self, key: str) -> Media | None:
        record = self.store.get_record(MEDIA, "", key)
        return None if record is None else Media.from_record(record)

    def _record_media(self, media: Media, owner: str = "") -> None:
        self.store.put_record(MEDIA, "", media.key, media.record(), owner=owner)

    def _issue_catalog_media(self) -> None:
        """Catalogue fixtures refer to /media/... files; they are served like any result."""
        urls = self.media_urls("")
        for ep in self.registry.endpoints.values():
            if ep.catalog and not ep.catalog.startswith("account:"):
                urls.issue_paths(load_catalog(ep.catalog))

    # -- requests --------------------------------------------------------------------------

    def authenticate(self, header: str | None, design: Design = LEGACY) -> Account:
        """The caller's account (1001-1004), within its request rate (1302)."""
        now = self.clock.now_ms()  # one instant for the token's times and the rate
        account = self.auth.authenticate(header, api_key_only=design.auth == "api-key", now_ms=now)
        self.limits.check_rate(account.access_key, now)
        return account

    def validate(self, op: Operation, instance: Any) -> dict[str, Any]:
        """Pure (reads only the instance and the schemas): http/intake.py may call it from a
        worker thread. Everything else here changes state and runs on the event loop."""
        validator = self.validators.get(op.op_id)
        if validator is None:
            return instance if isinstance(instance, dict) else {}
        # The fields the engine reads, lifted to where it reads them (a design's ``fields``).
        return op.endpoint.design.lift(validator.with_defaults(validator.validate(instance)))

    def check_references(self, op: Operation, account: Account, body: dict[str, Any]) -> None:
        """1201 unless every id the body names is a live object of this account (or a preset);
        reads the store, so it runs on the event loop, after validation."""
        if self.settings.check_references:
            self.references.check(
                op.op_id, self.store, account.access_key, self.clock.now_ms(), body
            )

    def record_issued(
        self,
        ep: Endpoint,
        account: str,
        data: Any,
        task_id: str = "",
        body: dict[str, Any] | None = None,
    ) -> None:
        """Record every id ``data`` (a task result, a sync call's data) hands out, and what
        made it (``body``: the request as validated)."""
        origin = {"endpoint": ep.id, "task_id": task_id, "created_at": self.clock.now_ms()}
        self.references.record(ep.id, self.store, account, data, origin, body)

    def base_url(self, request_base: str) -> str:
        return (self.settings.public_base_url or request_base).rstrip("/")

    def create_task(
        self,
        op: Operation,
        account: Account,
        body: dict[str, Any],
        effective: dict[str, Any],
        base_url: str,
        fault: FaultDecision | None = None,
    ) -> Task:
        """``body`` as sent (failure markers are looked for in it), ``effective`` as validated;
        ``fault``: what a fault rule decided for this task (simulation/rules.py). Everything
        that can fail comes before the store and the lifecycle see the task."""
        ep = op.endpoint
        external = effective.get("external_task_id") or None
        if external is not None and self.store.external_taken(account.access_key, external):
            raise self.answers.error("external_task_id_taken", id=external)
        self.lifecycle.tick()  # a video finishing by now is one the body may name
        self.check_references(op, account, effective)
        units = self.price(ep, account, effective)
        self.limits.admit(account, ep, effective, units)
        task = Task(
            task_id=self._fresh_task_id(),
            account=account.access_key,
            endpoint=ep.id,
            created_at=self.clock.now_ms(),
            body=effective,
            base_url=self.base_url(base_url),
            external_task_id=external,
            units=units,
        )
        if ep.parent_video:
            task = task.replace(parent_video=finishing.parent_video(self, task))
        failure = self.failures.decide(body)  # drawn for every task, whatever a rule says
        if fault is not None and fault.task_failure is not None:
            failure = fault.task_failure
        task = self.lifecycle.plan(task, ep.family, failure)
        self.store.add(task)
        if fault is not None and fault.callback_effect is not None:
            remember_effect(self.store, task, fault.callback_effect)
        self.lifecycle.track(task)
        return task

    def user_id(self, access_key: str) -> str:
        """The account's user id, as results show their owner."""
        return self._owners.get(access_key, "0")

    def finish(self, task: Task) -> dict[str, Any]:
        """The result of ``task`` as it succeeds (results/finishing.py)."""
        return finishing.result(self, task)

    def price(self, ep: Endpoint, account: Account, body: dict[str, Any]) -> str:
        """final_unit_deduction for ``body``; a rule may read the account's stored records
        (an avatar's ``audio_id`` -> the audio's length)."""
        return self.pricing.units(
            ep.id, body, lambda kind, key: self.store.get_record(kind, account.access_key, key)
        )

    def find_task(self, op: Operation, account: Account, ident: str) -> Task:
        self.lifecycle.tick()
        task = self.store.find(
            account.access_key, op.endpoint.id, ident, by_external=op.endpoint.query_by_external_id
        )
        if task is None:
            raise self.answers.error("task_not_found", id=ident)
        return self.lifecycle.polled(task)

    def list_tasks(self, op: Operation, account: Account, params: dict[str, Any]) -> list[Task]:
        """``params``: the query as validated."""
        self.lifecycle.tick()
        return self.store.page(
            account.access_key, op.endpoint.id, int(params["pageNum"]), int(params["pageSize"])
        )

    # -- helpers ---------------------------------------------------------------------------

    def _fresh_task_id(self) -> str:
        while True:
            task_id = self.ids.task_id()
            if self.store.by_id(task_id) is None:
                return task_id
