"""The ``x-kling-image`` check: URL or raw Base64, then format, size, sides and ratio.

Only the header is parsed (Pillow reads dimensions without decoding pixels), so a huge or
hostile image costs little. The Base64 text is checked a slice at a time and decoded only
where Pillow reads, so an image never exists twice in memory (a 10 MB image is 13.3 MB of
text; a whole decoded copy would add 10 MB per image to a request) and the checking thread
lets the event loop run between slices.
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
_SLICE_CHARS = 1 << 20  # Base64 checked 1 MiB of text at a time (a multiple of 4)
_READ_BYTES = 1 << 16  # Pillow reads the decoded image through a buffer of this size


class ImageProblem(Exception):
    def __init__(self, message: str, *, verbatim: bool = False) -> None:
        super().__init__(message)
        self.verbatim = verbatim


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def check_image(value: str, spec: dict[str, Any]) -> None:
    """Raise ImageProblem if ``value`` is not an acceptable image input for ``spec``."""
    if is_url(value):
        return  # offline: URLs are trusted, never fetched
    if value.startswith("data:"):
        raise ImageProblem(BASE64_MESSAGE, verbatim=True)
    compact = "".join(value.split())  # the same object when there is no whitespace
    max_bytes = int(spec.get("max_bytes", 10 * 1024 * 1024))
    if len(compact) * 3 // 4 > max_bytes + 3:
        raise ImageProblem(f"must be at most {_mb(max_bytes)} MB")
    image = Base64File(compact)  # raises ImageProblem(BASE64_MESSAGE) if it is not Base64
    if image.size > max_bytes:
        raise ImageProblem(f"must be at most {_mb(max_bytes)} MB")
    formats = [str(f) for f in spec.get("formats", ["jpeg", "png"])]
    allowed = ", ".join(_FORMAT_NAMES.get(f, f) for f in formats)
    try:
        with warnings.catch_warnings():  # a large header is our size rules' business
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BufferedReader(image, _READ_BYTES)) as img:
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


class Base64File(io.RawIOBase):
    """The bytes a Base64 text stands for, as a file decoded only where it is read.

    The whole text is checked first, a slice at a time (strict: alphabet and padding).
    """

    def __init__(self, text: str) -> None:
        if len(text) % 4 or text.find("=", 0, max(len(text) - 2, 0)) != -1:
            raise ImageProblem(BASE64_MESSAGE, verbatim=True)  # slices must agree with the whole
        for start in range(0, len(text), _SLICE_CHARS):
            _decode(text[start : start + _SLICE_CHARS])
        self._text = text
        self.size = len(text) // 4 * 3 - text[-2:].count("=")
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        start, stop = self._pos, min(self._pos + len(buffer), self.size)
        if start >= stop:
            return 0
        first, last = start // 3, -(-stop // 3)  # whole 3-byte groups, 4 characters each
        data = _decode(self._text[first * 4 : last * 4])[start - first * 3 : stop - first * 3]
        buffer[: len(data)] = data
        self._pos = stop
        return len(data)


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):  # ValueError: not ASCII
        raise ImageProblem(BASE64_MESSAGE, verbatim=True) from None


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
