"""The bytes of an issued file, made in pure Python and kept in a byte-bounded cache.

- images: drawn by Pillow at the recorded size, as a two-colour palette PNG (or a JPEG); the
  colour and the caption come from the name, so every image differs.
- videos: ``fixtures/media/seed-<aspect>.mp4`` holds one second of H.264 (a single GOP that
  starts with an IDR frame, no B-frames) and an AAC tone. The video track plays the GOP again
  and again, cut to the recorded length (any prefix of a GOP decodes); the sound track repeats
  one AAC frame from the steady middle of the tone and stops before the picture does.
- audio: MP3 repeats one self-contained frame of ``fixtures/media/seed.mp3``; WAV is computed.

Everything is deterministic, so files are cached by what they contain: a clip of 5.1 s in 16:9
is made once whatever it is called. Making a file can take a while (an 8192-pixel image, a long
clip): callers on the event loop run ``produce`` in a worker thread.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from mock_server.paths import FIXTURES_DIR
from mock_server.results import audio, mp4
from mock_server.results.cache import ByteLRU
from mock_server.results.urls import MAX_SIDE, VIDEO_ASPECTS, Media

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
}
CACHE = ByteLRU(64 * 1024 * 1024)


def content_type(media: Media) -> str:
    return CONTENT_TYPES[media.ext]


def cached(media: Media) -> bytes | None:
    """The file if it is already made: cheap enough for the event loop."""
    return CACHE.get(media.content_key)


def produce(media: Media) -> bytes:
    """The file, made now if it is not cached (slow: call it off the event loop)."""
    data = CACHE.get(media.content_key)
    if data is None:
        data = RENDERERS[media.kind](media)
        CACHE.put(media.content_key, data)
    return data


def _seed(name: str) -> bytes:
    return (FIXTURES_DIR / "media" / name).read_bytes()


# -- images -----------------------------------------------------------------------------------


def render_image(media: Media) -> bytes:
    width, height = media.width, media.height
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"image size {width}x{height} is outside 1..{MAX_SIDE}")
    digest = hashlib.sha256(media.name.encode()).digest()
    # Two palette entries keep a 8192x8192 PNG at about 20 KB and 0.1 s to encode.
    img = Image.new("P", (width, height), 0)
    img.putpalette([digest[0], digest[1], digest[2], 255, 255, 255])
    draw = ImageDraw.Draw(img)
    inset = min(width, height) // 8
    draw.rectangle((inset, inset, width - inset, height - inset), outline=1, width=4)
    draw.text((inset + 8, inset + 8), f"kling-mock {media.name}", fill=1)
    buf = io.BytesIO()
    if media.ext == "jpg":
        img.convert("RGB").save(buf, "JPEG")
    else:
        img.save(buf, "PNG")
    return buf.getvalue()


# -- videos -----------------------------------------------------------------------------------


@functools.cache
def seed_clip(aspect: str) -> mp4.Clip:
    return mp4.read(_seed(f"seed-{VIDEO_ASPECTS[aspect]}.mp4"))


def render_video(media: Media) -> bytes:
    clip = seed_clip(media.aspect)
    picks: list[list[int]] = []
    for track in clip.tracks:
        if track.handler == b"vide":
            if track.sync is not None and 0 not in track.sync:
                raise ValueError("seed clip: the GOP must start with a sync (IDR) frame")
            frames = max(1, round(media.seconds * track.timescale / track.deltas[0]))
            picks.append([i % len(track.samples) for i in range(frames)])
        else:
            steady = len(track.samples) // 2
            count = math.floor(media.seconds * track.timescale / track.deltas[steady] + 1e-9)
            picks.append([steady] * max(1, count))
    return mp4.write(clip, picks)


# -- audio ------------------------------------------------------------------------------------


@functools.cache
def seed_mp3_frame() -> audio.Mp3Frame:
    return audio.steady_frame(_seed("seed.mp3"))


def render_audio(media: Media) -> bytes:
    if media.ext == "wav":
        return audio.wav(media.seconds)
    return audio.mp3(seed_mp3_frame(), media.seconds)


RENDERERS: dict[str, Callable[[Media], bytes]] = {
    "image": render_image,
    "video": render_video,
    "audio": render_audio,
}
