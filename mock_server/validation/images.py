"""The ``x-kling-image`` check: URL or raw Base64, then format, size, sides and ratio.

Only the header is parsed (Pillow reads dimensions without decoding pixels), so a huge or
hostile image costs little.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from typing import Any

from PIL import Image, UnidentifiedImageError

# The exact text Kling answers for a data: URI or other non-Base64 input (api-reference.md 1.4).
BASE64_MESSAGE = "File is not in a valid base64 format"
_FORMAT_NAMES = {"jpeg": "jpg/jpeg", "png": "png", "gif": "gif", "webp": "webp"}


class ImageProblem(Exception):
    def __init__(self, message: str, *, verbatim: bool = False) -> None:
        super().__init__(message)
        self.verbatim = verbatim


def check_image(value: str, spec: dict[str, Any]) -> None:
    """Raise ImageProblem if ``value`` is not an acceptable image input for ``spec``."""
    if value.startswith(("http://", "https://")):
        return  # offline: URLs are trusted, never fetched
    if value.startswith("data:"):
        raise ImageProblem(BASE64_MESSAGE, verbatim=True)
    compact = "".join(value.split())
    max_bytes = int(spec.get("max_bytes", 10 * 1024 * 1024))
    if len(compact) * 3 // 4 > max_bytes + 3:
        raise ImageProblem(f"must be at most {_mb(max_bytes)} MB")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ImageProblem(BASE64_MESSAGE, verbatim=True) from None
    if len(raw) > max_bytes:
        raise ImageProblem(f"must be at most {_mb(max_bytes)} MB")
    formats = [str(f) for f in spec.get("formats", ["jpeg", "png"])]
    allowed = ", ".join(_FORMAT_NAMES.get(f, f) for f in formats)
    try:
        with warnings.catch_warnings():  # a large header is our size rules' business
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as img:
                fmt = (img.format or "").lower()
                width, height = img.size
    except Image.DecompressionBombError:
        # Pillow refuses before telling the size; no image Kling accepts is anywhere near this.
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ImageProblem(f"is too large: more than {limit} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageProblem(f"is not a readable image (supported formats: {allowed})") from None
    if fmt not in formats:
        raise ImageProblem(f"image format {fmt or 'unknown'} is not supported (use {allowed})")
    _check_sides(width, height, spec)


def _check_sides(width: int, height: int, spec: dict[str, Any]) -> None:
    min_side = int(spec.get("min_side", 0))
    max_side = spec.get("max_side")
    if min(width, height) < min_side:
        raise ImageProblem(
            f"width and height must be at least {min_side} px (got {width}x{height})"
        )
    if max_side is not None and max(width, height) > int(max_side):
        raise ImageProblem(f"width and height must be at most {max_side} px (got {width}x{height})")
    lo, hi = spec.get("min_ratio"), spec.get("max_ratio")
    ratio = width / height
    if (lo is not None and ratio < float(lo)) or (hi is not None and ratio > float(hi)):
        raise ImageProblem(f"aspect ratio must be between 1:2.5 and 2.5:1 (got {width}x{height})")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"
