"""Media measured with mutagen, a parser independent of the fake's own code; file signatures."""

from __future__ import annotations

import io
import struct
from typing import Any

import mutagen.mp3
import mutagen.mp4
import mutagen.wave
from mutagen.mp4 import Atoms

TOLERANCE = 0.2  # seconds between a file's length and the duration the task reports
# Where each content type's signature sits in the file.
MAGIC = {
    "video/mp4": (4, b"ftyp"),
    "image/png": (0, b"\x89PNG"),
    "image/jpeg": (0, b"\xff\xd8"),
    "audio/mpeg": (0, b"ID3"),
    "audio/wav": (0, b"RIFF"),
}


def _body(atom: Any, data: bytes) -> bytes:
    ok, body = atom.read(io.BytesIO(data))
    assert ok
    return bytes(body)


def _time(body: bytes) -> tuple[int, int]:
    """(timescale, duration) of an mvhd or mdhd body."""
    if body[0] == 1:
        scale, duration = struct.unpack_from(">IQ", body, 20)
    else:
        scale, duration = struct.unpack_from(">II", body, 12)
    return scale, duration


def mp4_lengths(data: bytes) -> dict[str, float]:
    """Seconds of the movie and of each track by handler ("vide", "soun"), after checking each
    track's sample tables agree with its header (sample count and total duration)."""
    atoms = Atoms(io.BytesIO(data))
    scale, duration = _time(_body(atoms[b"moov", b"mvhd"], data))
    lengths = {"movie": duration / scale}
    for trak in atoms[b"moov"].findall(b"trak"):
        handler = _body(trak[b"mdia", b"hdlr"], data)[8:12].decode()
        scale, duration = _time(_body(trak[b"mdia", b"mdhd"], data))
        stbl = trak[b"mdia", b"minf", b"stbl"]
        stts = _body(stbl[(b"stts",)], data)
        count = struct.unpack_from(">I", stts, 4)[0]
        runs = [struct.unpack_from(">II", stts, 8 + 8 * i) for i in range(count)]
        stsz = _body(stbl[(b"stsz",)], data)
        assert sum(n * d for n, d in runs) == duration, handler
        assert sum(n for n, _ in runs) == struct.unpack_from(">I", stsz, 8)[0], handler
        lengths[handler] = duration / scale
    return lengths


def length(data: bytes, content_type: str) -> float:
    """The file's length as players see it; for MP4 every track must agree with it."""
    if content_type == "video/mp4":
        lengths = mp4_lengths(data)
        assert max(lengths.values()) - min(lengths.values()) < TOLERANCE, lengths
        assert abs(mutagen.mp4.MP4(io.BytesIO(data)).info.length - lengths["movie"]) < TOLERANCE
        return lengths["movie"]
    if content_type == "audio/mpeg":
        return float(mutagen.mp3.MP3(io.BytesIO(data)).info.length)
    if content_type == "audio/wav":
        return float(mutagen.wave.WAVE(io.BytesIO(data)).info.length)
    raise AssertionError(f"not a timed medium: {content_type}")
