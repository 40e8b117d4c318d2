"""Result URLs on the fake itself, each one recorded as it is issued.

A URL still describes its file (``/media/images/1344x768/<name>.png``), but ``GET /media/...``
serves only what was issued: ``MediaUrls`` hands every ``Media`` it makes to a recorder (the
backend puts it in the task store), and the media endpoint renders exactly that record.
Catalogue fixtures carry ``/media/...`` paths; ``issue_paths`` records those at start-up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

MediaKind = Literal["image", "video", "audio"]
VIDEO_ASPECTS = {"16:9": "16x9", "9:16": "9x16", "1:1": "1x1"}
IMAGE_EXTS = ("png", "jpg")
AUDIO_EXTS = ("mp3", "wav")
_EXTS = {"image": IMAGE_EXTS, "video": ("mp4",), "audio": AUDIO_EXTS}
MAX_SIDE = 8192  # no image is issued (or rendered) with a longer side
# Lengths for catalogue media, whose paths carry none: preset voice trials and element clips.
CATALOG_SECONDS: dict[str, float] = {"audio": 3.0, "video": 5.0}
_RESOLUTION_SIDE = {"1k": 1024, "2k": 2048, "4k": 4096}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_NAME = r"(?P<name>[A-Za-z0-9_.-]+)"
_PATHS = [
    re.compile(rf"images/(?P<width>[0-9]+)x(?P<height>[0-9]+)/{_NAME}\.(?P<ext>png|jpg)"),
    re.compile(rf"videos/(?P<aspect>16x9|9x16|1x1)/{_NAME}\.(?P<ext>mp4)"),
    re.compile(rf"audio/{_NAME}\.(?P<ext>mp3|wav)"),
]


@dataclass(frozen=True)
class Media:
    """One issued file: what ``GET /media/<key>`` serves."""

    kind: MediaKind
    name: str
    ext: str
    width: int = 0  # images
    height: int = 0
    aspect: str = ""  # videos: "16:9", "9:16" or "1:1"
    seconds: float = 0.0  # videos and audio

    @property
    def key(self) -> str:
        """The URL path after ``/media/``, and the record's key in the store."""
        if self.kind == "image":
            return f"images/{self.width}x{self.height}/{self.name}.{self.ext}"
        if self.kind == "video":
            return f"videos/{VIDEO_ASPECTS[self.aspect]}/{self.name}.{self.ext}"
        return f"audio/{self.name}.{self.ext}"

    @property
    def content_key(self) -> Media:
        """What the bytes depend on (the cache key): clips and audio ignore their names."""
        return self if self.kind == "image" else replace(self, name="")

    def record(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _MEDIA_FIELDS}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Media:
        return cls(**record)


_MEDIA_FIELDS = tuple(f.name for f in fields(Media))


def image_size(aspect_ratio: str, resolution: str = "1k") -> tuple[int, int]:
    """Pixel size with about side*side pixels at the given aspect ratio, multiples of 16."""
    side = _RESOLUTION_SIDE.get(resolution, 1024)
    try:
        w_part, h_part = (float(x) for x in aspect_ratio.split(":"))
        ratio = w_part / h_part
    except (ValueError, ZeroDivisionError):
        ratio = 1.0
    width = side * math.sqrt(ratio)
    height = side / math.sqrt(ratio)
    return max(16, round(width / 16) * 16), max(16, round(height / 16) * 16)


def capped(width: int, height: int) -> tuple[int, int]:
    """The size scaled down, keeping its ratio, until neither side exceeds ``MAX_SIDE``."""
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, min(MAX_SIDE, round(width * scale))), max(1, min(MAX_SIDE, round(height * scale)))


def parse_key(key: str) -> Media:
    """The ``Media`` a catalogue path (``images/1024x1024/x.png``) stands for."""
    for pattern in _PATHS:
        match = pattern.fullmatch(key)
        if match is None:
            continue
        parts = match.groupdict()
        if "width" in parts:
            width, height = int(parts["width"]), int(parts["height"])
            if (width, height) != capped(width, height):
                break
            return Media("image", parts["name"], parts["ext"], width=width, height=height)
        if "aspect" in parts:
            aspect = parts["aspect"].replace("x", ":")
            return Media(
                "video", parts["name"], "mp4", aspect=aspect, seconds=CATALOG_SECONDS["video"]
            )
        return Media("audio", parts["name"], parts["ext"], seconds=CATALOG_SECONDS["audio"])
    raise ValueError(f"not a media path the fake can serve: /media/{key}")


class MediaUrls:
    """Absolute result URLs on the fake; ``record`` is called with every ``Media`` issued."""

    def __init__(self, base_url: str, record: Callable[[Media], None]) -> None:
        self.base = base_url.rstrip("/")
        self._record = record

    def _issue(self, media: Media) -> str:
        if media.ext not in _EXTS[media.kind]:
            raise ValueError(f"cannot serve {media.kind}s as .{media.ext}")
        self._record(media)
        return f"{self.base}/media/{media.key}"

    def image(self, name: str, aspect_ratio: str, resolution: str = "1k", ext: str = "png") -> str:
        return self.image_px(name, *image_size(aspect_ratio, resolution), ext=ext)

    def image_px(self, name: str, width: int, height: int, ext: str = "png") -> str:
        """An image of this pixel size (scaled down to ``MAX_SIDE`` if larger)."""
        width, height = capped(width, height)
        return self._issue(Media("image", _safe(name), ext, width=width, height=height))

    def video(self, name: str, aspect_ratio: str = "16:9", *, seconds: float) -> str:
        aspect = aspect_ratio if aspect_ratio in VIDEO_ASPECTS else "16:9"
        return self._issue(Media("video", _safe(name), "mp4", aspect=aspect, seconds=seconds))

    def audio(self, name: str, ext: str = "mp3", *, seconds: float) -> str:
        return self._issue(Media("audio", _safe(name), ext, seconds=seconds))

    def issue_paths(self, value: Any) -> None:
        """Issue every ``/media/...`` string found anywhere in a JSON value (catalogues)."""
        if isinstance(value, str) and value.startswith("/media/"):
            self._record(parse_key(value.removeprefix("/media/")))
        elif isinstance(value, dict):
            for item in value.values():
                self.issue_paths(item)
        elif isinstance(value, list):
            for item in value:
                self.issue_paths(item)


def _safe(name: str) -> str:
    """Names come partly from requests (voice ids): keep URLs plain and short."""
    return _UNSAFE.sub("-", name)[:100] or "media"
