"""Result media that really download, offline.

URLs describe what they serve (``/media/images/1344x768/<name>.png``), so the files are made
on request without any state: images by Pillow at the size in the path, videos and audio from
small real files in ``fixtures/media``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re

from PIL import Image, ImageDraw
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.errors import KlingError
from mock_server.paths import FIXTURES_DIR

VIDEO_ASPECTS = {"16:9": "16x9", "9:16": "9x16", "1:1": "1x1"}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_IMAGE_TYPES = {"png": ("PNG", "image/png"), "jpg": ("JPEG", "image/jpeg")}
_AUDIO_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
_RESOLUTION_SIDE = {"1k": 1024, "2k": 2048, "4k": 4096}
MAX_SIDE = 8192


def image_size(aspect_ratio: str, resolution: str = "1k") -> tuple[int, int]:
    """Pixel size with about side*side pixels at the given aspect ratio, multiples of 16."""
    side = _RESOLUTION_SIDE.get(resolution, 1024)
    try:
        w_part, h_part = (float(x) for x in aspect_ratio.split(":"))
        ratio = w_part / h_part
    except ValueError:
        ratio = 1.0
    width = side * math.sqrt(ratio)
    height = side / math.sqrt(ratio)
    return max(16, round(width / 16) * 16), max(16, round(height / 16) * 16)


class MediaUrls:
    """Absolute result URLs on the fake itself."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def image(self, name: str, aspect_ratio: str, resolution: str = "1k", ext: str = "png") -> str:
        width, height = image_size(aspect_ratio, resolution)
        return f"{self.base}/media/images/{width}x{height}/{name}.{ext}"

    def video(self, name: str, aspect_ratio: str = "16:9") -> str:
        return f"{self.base}/media/videos/{VIDEO_ASPECTS.get(aspect_ratio, '16x9')}/{name}.mp4"

    def audio(self, name: str, ext: str = "mp3") -> str:
        return f"{self.base}/media/audio/{name}.{ext}"


@functools.lru_cache(maxsize=64)
def render_image(width: int, height: int, name: str, ext: str) -> bytes:
    digest = hashlib.sha256(name.encode()).digest()
    img = Image.new("RGB", (width, height), (digest[0], digest[1], digest[2]))
    draw = ImageDraw.Draw(img)
    inset = min(width, height) // 8
    draw.rectangle((inset, inset, width - inset, height - inset), outline=(255, 255, 255), width=4)
    draw.text((inset + 8, inset + 8), f"kling-mock {name}", fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, _IMAGE_TYPES[ext][0])
    return buf.getvalue()


def _fixture(name: str) -> bytes:
    return (FIXTURES_DIR / "media" / name).read_bytes()


def _not_found() -> KlingError:
    return KlingError(1203, "Media not found", http_status=404)


async def image(request: Request) -> Response:
    params = request.path_params
    width, height, name, ext = params["width"], params["height"], params["name"], params["ext"]
    if (
        ext not in _IMAGE_TYPES
        or not _NAME.match(name)
        or not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE)
    ):
        raise _not_found()
    return Response(render_image(width, height, name, ext), media_type=_IMAGE_TYPES[ext][1])


async def video(request: Request) -> Response:
    aspect, name = request.path_params["aspect"], request.path_params["name"]
    if aspect not in VIDEO_ASPECTS.values() or not _NAME.match(name):
        raise _not_found()
    return Response(_fixture(f"video-{aspect}.mp4"), media_type="video/mp4")


async def audio(request: Request) -> Response:
    name, ext = request.path_params["name"], request.path_params["ext"]
    if ext not in _AUDIO_TYPES or not _NAME.match(name):
        raise _not_found()
    return Response(_fixture(f"audio.{ext}"), media_type=_AUDIO_TYPES[ext])


ROUTES = [
    Route("/media/images/{width:int}x{height:int}/{name}.{ext}", image, methods=["GET", "HEAD"]),
    Route("/media/videos/{aspect}/{name}.mp4", video, methods=["GET", "HEAD"]),
    Route("/media/audio/{name}.{ext}", audio, methods=["GET", "HEAD"]),
]
