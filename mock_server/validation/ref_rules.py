"""The rules a referenced object must meet (``x-kling-ref`` parameters and ``x-kling-ref-rule``),
checked once the object is found (``references.py``). Pure: they read the object's record and
the body, never the store, so the contract harness can judge a body with the same rules.

A record is what the fake wrote when it issued the object: ``seconds`` (its media's length,
where known), ``made`` (``{"endpoint", field: value}``: which endpoint made it and the values
of the request fields some rule asks about), and for a face ``start_time``/``end_time`` (its
window in the video, ms) with ``video_ms`` (the video's length).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mock_server import fieldpath

if TYPE_CHECKING:
    from mock_server.spec.registry import Registry

Where = tuple[str | int, ...]


def dotted(path: Where) -> str:
    """``face_choose[0].audio_id``, as validation messages name fields."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def number(value: Any) -> float | None:
    try:
        return None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def made_values(
    endpoint: str,
    body: Mapping[str, Any] | None,
    fields: Sequence[str],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """``made`` for an object ``endpoint`` issued from ``body``: the endpoint and the value of
    each field a ``made_by`` or ``inherit`` names (dotted paths; empty means the documented
    default, as prices read it)."""
    made: dict[str, Any] = {"endpoint": endpoint}
    for name in fields:
        value = fieldpath.get(body or {}, name, None)
        if value in (None, ""):
            value = defaults.get(name)
        if value is not None:
            made[name] = value
    return made


def inherited(source: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """``inherit``: the values of ``fields`` in what made ``source`` (the object named)."""
    given = source.get("made") or {}
    return {name: given[name] for name in fields if name in given}


def request_defaults(registry: Registry) -> dict[str, dict[str, Any]]:
    """Each endpoint's documented top-level defaults (as prices read them)."""
    out: dict[str, dict[str, Any]] = {}
    for ep in registry.endpoints.values():
        props = registry.spec.schema(ep.request).get("properties", {}) if ep.request else {}
        out[ep.id] = {
            k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v
        }
    return out


def _matches(made: Mapping[str, Any], alternative: Mapping[str, Any]) -> bool:
    return all(
        str(made.get(key)) in {str(v) for v in values} for key, values in alternative.items()
    )


def _words(values: Sequence[Any]) -> str:
    texts = [str(v) for v in values]
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"


def _describe(alternative: Mapping[str, Any]) -> str:
    where = _words(alternative.get("endpoint", ["any endpoint"]))
    fields = [f"{k} {_words(v)}" for k, v in alternative.items() if k != "endpoint"]
    return f"{where} with {' and '.join(fields)}" if fields else where


def _made_by(
    spec: Mapping[str, Any], record: Mapping[str, Any], key: str, where: Where
) -> Iterator[str]:
    """``made_by``: a list of alternatives ``{"endpoint": [...], field: [values]}``; the object
    must have been made by one of them (its record's ``made``)."""
    alternatives = spec.get("made_by")
    made = record.get("made")
    if not alternatives or not isinstance(made, Mapping):
        return  # presets and objects made before the fake recorded it: nothing to go on
    if any(_matches(made, alt) for alt in alternatives):
        return
    names = sorted({k for alt in alternatives for k in alt if k != "endpoint"})
    seen = _describe(
        {"endpoint": [made.get("endpoint")]} | {k: [made[k]] for k in names if k in made}
    )
    wanted = "; or ".join(_describe(alt) for alt in alternatives)
    yield (
        f"{dotted(where)}: {spec['kind']} {key} was made by {seen}; only a {spec['kind']} made "
        f"by {wanted} can be used here"
    )


def _span(
    spec: Mapping[str, Any], record: Mapping[str, Any], key: str, where: Where, item: Any
) -> Iterator[str]:
    """``span``: ``{"at", "from", "to", "overlap_ms"}``: the clip ``to - from`` ms long
    inserted at ``at`` must overlap the face's window by ``overlap_ms`` and end inside the
    video (api-reference.md 3.8b)."""
    span = spec.get("span")
    if not span or not isinstance(item, Mapping):
        return
    at, start, end = (number(item.get(span[k])) for k in ("at", "from", "to"))
    low, high = number(record.get("start_time")), number(record.get("end_time"))
    if at is None or start is None or end is None or low is None or high is None:
        return
    stop = at + (end - start)
    field = dotted((*where[:-1], str(span["at"])))
    need = float(span["overlap_ms"])
    if min(stop, high) - max(at, low) < need:
        yield (
            f"{field}: the inserted audio ({at:g}-{stop:g} ms) must overlap face {key}'s window "
            f"({low:g}-{high:g} ms) by at least {need:g} ms"
        )
    video_ms = number(record.get("video_ms"))
    if video_ms is not None and stop > video_ms:
        yield (
            f"{field}: the inserted audio must end inside the video ({video_ms:g} ms), "
            f"got {stop:g} ms"
        )


def _lengths(
    spec: Mapping[str, Any],
    record: Mapping[str, Any],
    where: Where,
    item: Any,
    body: Mapping[str, Any],
) -> Iterator[str]:
    """``seconds`` bounds, ``end_ms`` and ``bands``: rules on the media's length, where the
    fake knows it."""
    seconds = number(record.get("seconds"))
    if seconds is None:
        return
    what = spec["kind"].split("-")[-1] if spec["kind"].endswith("session") else spec["kind"]
    bounds = spec.get("seconds") or {}
    low, high = float(bounds.get("min", 0)), float(bounds.get("max", float("inf")))
    if not low <= seconds <= high:
        limit = f"at most {high:g} s" if low == 0 else f"{low:g}-{high:g} s"
        yield f"{dotted(where)}: the {what} must be {limit} long, got {seconds:g} s"
    end = spec.get("end_ms")
    end_ms = number(item.get(end)) if end and isinstance(item, Mapping) else None
    if end_ms is not None and end_ms > seconds * 1000:
        field = dotted((*where[:-1], str(end)))
        length = f"{seconds * 1000:g} ms"
        yield f"{field}: must be at most the {what}'s length, {length} (got {end_ms:g})"
    bands = spec.get("bands")
    if bands is not None:
        asked = str(body.get(bands["field"], bands.get("default")))
        band = bands["seconds"].get(asked)
        if band is not None and not float(band[0]) <= seconds <= float(band[1]):
            yield (
                f'{bands["field"]}: "{asked}" needs a source video of {band[0]:g}-{band[1]:g} s, '
                f"got {seconds:g} s"
            )


def problems(
    spec: Mapping[str, Any],
    record: Mapping[str, Any],
    key: str,
    where: Where,
    item: Any,
    body: Mapping[str, Any],
) -> Iterator[str]:
    """Every rule of one reference its object breaks: who made it, then its length, then
    where an inserted clip falls."""
    yield from _made_by(spec, record, key, where)
    yield from _lengths(spec, record, where, item, body)
    yield from _span(spec, record, key, where, item)


def element_kinds(
    body: dict[str, Any], params: dict[str, Any], kind_of: Callable[[str], str | None]
) -> str | None:
    """The omni models' limits by element kind (new-design-api.md 3.3): video-character
    elements and "images" (refer images plus multi-image elements), counted apart, with their
    limits with or without a reference video. The body's vocabulary comes from ``params``:
    ``array`` (the items), ``element`` / ``images`` / ``videos`` (item types), ``id`` (the
    field of an element item naming its element), ``characters`` (the element kind that is a
    video character); the limits from ``without_video`` /
    ``with_video`` -> ``characters_max``, ``images_max``, ``images_max_with_characters``?,
    ``characters_alone``?. Needs the referenced elements, so it runs after they are found;
    elements of unknown kind count as multi-image."""
    items = [i for i in body.get(params["array"]) or [] if isinstance(i, dict)]
    video = any(i.get("type") in params["videos"] for i in items)
    limits = params["with_video" if video else "without_video"]
    where = "with a reference video" if video else "without a reference video"
    elements = [i for i in items if i.get("type") == params["element"]]
    kinds = [kind_of(str(i.get(params["id"]))) for i in elements]
    characters = sum(1 for k in kinds if k == params["characters"])
    images = sum(1 for i in items if i.get("type") in params["images"]) + len(kinds) - characters
    if characters > int(limits["characters_max"]):
        if int(limits["characters_max"]) == 0:
            model = params["model"]
            return f"contents: {model} takes multi-image elements only, not video-character ones"
        return (
            f"contents: at most {limits['characters_max']} video-character elements {where}, "
            f"got {characters}"
        )
    if characters and limits.get("characters_alone") and images:
        return (
            f"contents: {where}, video-character elements cannot be combined with refer_image "
            "items or multi-image elements"
        )
    cap = int(
        limits.get("images_max_with_characters", limits["images_max"])
        if characters
        else limits["images_max"]
    )
    if images > cap:
        return (
            f"contents: refer_image items and multi-image elements: at most {cap} together "
            f"{where}{' and with video-character elements' if characters else ''}, got {images}"
        )
    return None


RefRule = Callable[[dict[str, Any], dict[str, Any], Callable[[str], str | None]], str | None]
REF_RULES: dict[str, RefRule] = {"element_kinds": element_kinds}
