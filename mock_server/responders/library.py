"""Voice and element libraries: preset catalogues, old-service elements, deletions."""

from __future__ import annotations

import base64
import functools
import io
import json
from typing import Any

from PIL import Image

from mock_server.errors import KlingError
from mock_server.paths import FIXTURES_DIR
from mock_server.responders import CallContext, responder

OLD_ELEMENT = "old-element"
DELETED_VOICE = "deleted-voice"
# Catalogue items carry fixed times: the day the service launched (2025-12-16).
CATALOG_TIME_MS = 1_765_843_200_000


@functools.cache
def load_catalog(rel_path: str) -> list[dict[str, Any]]:
    text = (FIXTURES_DIR / rel_path).read_text(encoding="utf-8")
    items: list[dict[str, Any]] = json.loads(text)
    return items


def absolute(value: Any, base_url: str) -> Any:
    """Catalogue data holds /media/... paths (issued at start-up by the backend); clients get
    absolute URLs on this host."""
    if isinstance(value, str) and value.startswith("/media/"):
        return base_url.rstrip("/") + value
    if isinstance(value, dict):
        return {k: absolute(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [absolute(v, base_url) for v in value]
    return value


def _page(items: list[Any], body: dict[str, Any]) -> list[Any]:
    size = int(body.get("pageSize", 30))
    start = (int(body.get("pageNum", 1)) - 1) * size
    return items[start : start + size]


def _wrap(index: int, result: dict[str, Any], *, task_info: bool) -> dict[str, Any]:
    wrapper: dict[str, Any] = {
        "task_id": str(800_000_000_000_000_000 + index),
        "task_status": "succeed",
        "task_status_msg": "",
    }
    if task_info:
        wrapper["task_info"] = {}
    return {
        **wrapper,
        "task_result": result,
        "created_at": CATALOG_TIME_MS,
        "updated_at": CATALOG_TIME_MS,
    }


@responder("presets_voices_page")
def presets_voices_page(ctx: CallContext) -> list[dict[str, Any]]:
    voices = load_catalog(str(ctx.operation.endpoint.catalog))
    wrapped = [_wrap(i, {"voices": [v]}, task_info=False) for i, v in enumerate(voices)]
    return absolute(_page(wrapped, ctx.body), ctx.base_url)  # type: ignore[no-any-return]


@responder("advanced_presets_elements_page")
def advanced_presets_elements_page(ctx: CallContext) -> list[dict[str, Any]]:
    elements = load_catalog(str(ctx.operation.endpoint.catalog))
    wrapped = [_wrap(i, {"elements": [e]}, task_info=True) for i, e in enumerate(elements)]
    return absolute(_page(wrapped, ctx.body), ctx.base_url)  # type: ignore[no-any-return]


@responder("old_elements_page")
def old_elements_page(ctx: CallContext) -> list[dict[str, Any]]:
    source = str(ctx.operation.endpoint.catalog)
    if source == "account:custom-elements":
        records = ctx.backend.store.records(OLD_ELEMENT, ctx.account.access_key)[::-1]
        items = [r for r in records if not r.get("deleted")]
    else:
        items = load_catalog(source)
    return absolute(_page(items, ctx.body), ctx.base_url)  # type: ignore[no-any-return]


def _image_ref(value: str, name: str, ctx: CallContext) -> str:
    """Echo URL inputs; store Base64 inputs as a media URL of the right size."""
    if value.startswith(("http://", "https://")):
        return value
    try:
        with Image.open(io.BytesIO(base64.b64decode(value))) as img:
            width, height = img.size
    except (OSError, ValueError):  # validated already; fall back to a square
        width = height = 1024
    return ctx.urls.image_px(name, width, height)


@responder("create_old_element")
def create_old_element(ctx: CallContext) -> dict[str, Any]:
    body = ctx.body
    element_id = int(ctx.backend.ids.numeric_id(12))
    refer = body.get("element_refer_list") or []
    element = {
        "element_id": element_id,
        "element_name": str(body["element_name"]),
        "element_description": str(body["element_description"]),
        "element_frontal_image": _image_ref(
            str(body["element_frontal_image"]), f"element-{element_id}-front", ctx
        ),
        "element_refer_list": [
            {"image_url": _image_ref(str(r.get("image_url", "")), f"element-{element_id}-{i}", ctx)}
            for i, r in enumerate(refer)
        ],
        "tag_list": [
            _TAGS[t["tag_id"]] for t in body.get("tag_list") or [] if t.get("tag_id") in _TAGS
        ],
        "owned_by": ctx.account.user_id,
    }
    ctx.backend.store.put_record(OLD_ELEMENT, ctx.account.access_key, str(element_id), element)
    return element


_TAGS = {
    tag_id: {"id": tag_id, "name": name, "description": name}
    for tag_id, name in [
        ("o_101", "Hottest"),
        ("o_102", "Character"),
        ("o_103", "Animal"),
        ("o_104", "Item"),
        ("o_105", "Costume"),
        ("o_106", "Scene"),
        ("o_107", "Effect"),
        ("o_108", "Others"),
    ]
}


def _deleted(ctx: CallContext) -> dict[str, Any]:
    return {"task_id": ctx.backend.ids.task_id(), "task_status": "succeed"}


@responder("delete_voice")
def delete_voice(ctx: CallContext) -> dict[str, Any]:
    voice_id = str(ctx.body["voice_id"])
    store, account = ctx.backend.store, ctx.account.access_key
    endpoints = ctx.backend.registry.endpoints
    owned = any(
        v.get("voice_id") == voice_id
        for task in store.tasks(account)
        if endpoints[task.endpoint].result == "voices"  # whichever endpoints make voices
        for v in task.result.get("voices", [])
    )
    if not owned or store.get_record(DELETED_VOICE, account, voice_id) is not None:
        raise KlingError(1201, f"Voice id not found: {voice_id}")
    store.put_record(DELETED_VOICE, account, voice_id, {"voice_id": voice_id})
    return _deleted(ctx)


@responder("delete_element")
def delete_element(ctx: CallContext) -> dict[str, Any]:
    element_id = str(ctx.body["element_id"])
    store, account = ctx.backend.store, ctx.account.access_key
    old = store.get_record(OLD_ELEMENT, account, element_id)
    if old is not None:
        if old.get("deleted"):
            raise ctx.backend.answers.error("element_already_deleted", id=element_id)
        store.put_record(OLD_ELEMENT, account, element_id, {**old, "deleted": True})
        return _deleted(ctx)
    for task in store.tasks(account):
        elements = task.result.get("elements", [])
        for element in elements:
            if str(element.get("element_id")) == element_id:
                if element.get("status") == "deleted":
                    raise ctx.backend.answers.error("element_already_deleted", id=element_id)
                # tasks are values: a new result goes through the store, nothing is edited
                marked = [{**e, "status": "deleted"} if e is element else e for e in elements]
                store.update(task.replace(result={**task.result, "elements": marked}))
                return _deleted(ctx)
    raise KlingError(1201, f"Element id not found: {element_id}")
