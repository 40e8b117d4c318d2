"""Just enough ISO BMFF (MP4) to read a seed clip and write it again with other samples.

``read`` takes the codec set-up and every sample of each track; ``write`` makes a new file
that plays a given sequence of those samples per track (a sample may be used many times).
Only the sample tables and the durations are new; the rest is copied from the seed:

    ftyp                      copied
    moov
      mvhd                    duration patched
      trak                    one per seed track, same order
        tkhd                  duration patched (edts dropped: the new timeline starts at 0)
        mdia
          mdhd                duration patched
          hdlr                copied
          minf
            vmhd|smhd, dinf   copied
            stbl
              stsd            copied (the codec set-up: avcC, esds)
              stts stss stsc stsz stco    written for the new sample sequence
    mdat                      samples interleaved by decode time, one chunk per sample

Nothing here knows about codecs: which sample sequences still decode is the caller's choice.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
# Byte offset of the duration field inside each full box (after its 8-byte box header),
# for version 0 and version 1 (64-bit times).
_DURATION_AT = {b"mvhd": (24, 32), b"mdhd": (24, 32), b"tkhd": (28, 36)}


@dataclass(frozen=True)
class Track:
    handler: bytes  # b"vide", b"soun"
    timescale: int
    tkhd: bytes
    mdhd: bytes
    hdlr: bytes
    media_header: bytes  # vmhd or smhd
    dinf: bytes
    stsd: bytes
    samples: tuple[bytes, ...]
    deltas: tuple[int, ...]  # each sample's duration, in the track's timescale
    sync: frozenset[int] | None  # 0-based sync samples; None: every sample is one


@dataclass(frozen=True)
class Clip:
    ftyp: bytes
    mvhd: bytes
    timescale: int
    tracks: tuple[Track, ...]

    def track(self, handler: bytes) -> int:
        for index, track in enumerate(self.tracks):
            if track.handler == handler:
                return index
        raise ValueError(f"no {handler.decode()} track in the clip")


# -- reading ----------------------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, body start, box end) of each box in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, body)
            body += 8
        elif size == 0:
            size = end - pos
        if size < body - pos or pos + size > end:
            raise ValueError(f"MP4: box {kind!r} at {pos} overruns its parent")
        yield kind, pos, body, pos + size
        pos += size


def _index(data: bytes, start: int, end: int) -> dict[bytes, list[tuple[int, int, int]]]:
    found: dict[bytes, list[tuple[int, int, int]]] = {}
    for kind, pos, body, stop in _boxes(data, start, end):
        found.setdefault(kind, []).append((pos, body, stop))
    return found


def _one(found: dict[bytes, list[tuple[int, int, int]]], kind: bytes) -> tuple[int, int, int]:
    if kind not in found:
        raise ValueError(f"MP4: missing {kind.decode()} box")
    return found[kind][0]


def _table(data: bytes, body: int, width: int, fmt: str) -> list[tuple[int, ...]]:
    """Entries of a full box that starts with a 32-bit entry count."""
    (count,) = struct.unpack_from(">I", data, body + 4)
    return [struct.unpack_from(fmt, data, body + 8 + i * width) for i in range(count)]


def _timescale(data: bytes, box: tuple[int, int, int]) -> int:
    _, body, _ = box
    offset = 12 if data[body] == 0 else 20
    return int(struct.unpack_from(">I", data, body + offset)[0])


def _samples(data: bytes, stbl: dict[bytes, list[tuple[int, int, int]]]) -> list[bytes]:
    _, body, _ = _one(stbl, b"stsz")
    fixed, count = struct.unpack_from(">II", data, body + 4)
    sizes = [fixed] * count if fixed else list(struct.unpack_from(f">{count}I", data, body + 12))
    if b"co64" in stbl:
        offsets = [o[0] for o in _table(data, stbl[b"co64"][0][1], 8, ">Q")]
    else:
        offsets = [o[0] for o in _table(data, _one(stbl, b"stco")[1], 4, ">I")]
    runs = _table(data, _one(stbl, b"stsc")[1], 12, ">III")
    samples: list[bytes] = []
    for chunk, offset in enumerate(offsets, start=1):
        per_chunk = next(n for first, n, _ in reversed(runs) if first <= chunk)
        for _ in range(per_chunk):
            size = sizes[len(samples)]
            samples.append(data[offset : offset + size])
            offset += size
    if len(samples) != count:
        raise ValueError(f"MP4: sample table holds {count} samples, chunks {len(samples)}")
    return samples


def _track(data: bytes, start: int, end: int) -> Track:
    trak = _index(data, start, end)
    mdia = _index(data, *_one(trak, b"mdia")[1:])
    minf = _index(data, *_one(mdia, b"minf")[1:])
    stbl = _index(data, *_one(minf, b"stbl")[1:])
    hdlr = _one(mdia, b"hdlr")
    if b"ctts" in stbl:
        raise ValueError("MP4: the seed has B-frames (ctts); make it with -bf 0")
    deltas = [d for n, d in _table(data, _one(stbl, b"stts")[1], 8, ">II") for _ in range(n)]
    sync = None
    if b"stss" in stbl:
        sync = frozenset(n - 1 for (n,) in _table(data, stbl[b"stss"][0][1], 4, ">I"))
    samples = _samples(data, stbl)
    if len(deltas) != len(samples):
        raise ValueError("MP4: stts and stsz disagree on the sample count")
    header = minf.get(b"vmhd") or minf.get(b"smhd")
    if header is None:
        raise ValueError("MP4: only video and sound tracks are supported")

    def raw(box: tuple[int, int, int]) -> bytes:
        return data[box[0] : box[2]]

    return Track(
        handler=data[hdlr[1] + 8 : hdlr[1] + 12],
        timescale=_timescale(data, _one(mdia, b"mdhd")),
        tkhd=raw(_one(trak, b"tkhd")),
        mdhd=raw(_one(mdia, b"mdhd")),
        hdlr=raw(hdlr),
        media_header=raw(header[0]),
        dinf=raw(_one(minf, b"dinf")),
        stsd=raw(_one(stbl, b"stsd")),
        samples=tuple(samples),
        deltas=tuple(deltas),
        sync=sync,
    )


def read(data: bytes) -> Clip:
    top = _index(data, 0, len(data))
    moov = _index(data, *_one(top, b"moov")[1:])
    ftyp, mvhd = _one(top, b"ftyp"), _one(moov, b"mvhd")
    tracks = tuple(_track(data, body, end) for _, body, end in moov.get(b"trak", []))
    if not tracks:
        raise ValueError("MP4: no tracks")
    return Clip(
        ftyp=data[ftyp[0] : ftyp[2]],
        mvhd=data[mvhd[0] : mvhd[2]],
        timescale=_timescale(data, mvhd),
        tracks=tracks,
    )


# -- writing ----------------------------------------------------------------------------------


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, entries: Sequence[tuple[int, ...]], fmt: str) -> bytes:
    """A version-0 full box holding an entry count and the entries."""
    packed = b"".join(struct.pack(fmt, *e) for e in entries)
    return _box(kind, struct.pack(">II", 0, len(entries)), packed)


def _with_duration(box: bytes, duration: int) -> bytes:
    v0, v1 = _DURATION_AT[box[4:8]]
    if box[8] == 1:
        return box[:v1] + struct.pack(">Q", duration) + box[v1 + 8 :]
    if duration >= 2**32:
        raise ValueError("MP4: duration too long for a version-0 box")
    return box[:v0] + struct.pack(">I", duration) + box[v0 + 4 :]


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and runs[-1][1] == value:
            runs[-1] = (runs[-1][0] + 1, value)
        else:
            runs.append((1, value))
    return runs


def _trak(clip: Clip, track: Track, picks: Sequence[int], offsets: Sequence[int]) -> bytes:
    deltas = [track.deltas[p] for p in picks]
    media_duration = sum(deltas)
    movie_duration = -(-media_duration * clip.timescale // track.timescale)  # ceil
    tables = [
        track.stsd,
        _full(b"stts", _runs(deltas), ">II"),
        _full(b"stsc", [(1, 1, 1)], ">III"),  # every chunk holds one sample
        _box(
            b"stsz",
            struct.pack(">III", 0, 0, len(picks)),
            b"".join(struct.pack(">I", len(track.samples[p])) for p in picks),
        ),
        _full(b"stco", [(o,) for o in offsets], ">I"),
    ]
    if track.sync is not None:
        sync = [(i + 1,) for i, p in enumerate(picks) if p in track.sync]
        tables.insert(2, _full(b"stss", sync, ">I"))
    minf = _box(b"minf", track.media_header, track.dinf, _box(b"stbl", *tables))
    mdia = _box(b"mdia", _with_duration(track.mdhd, media_duration), track.hdlr, minf)
    return _box(b"trak", _with_duration(track.tkhd, movie_duration), mdia)


def _movie_duration(clip: Clip, picks: Sequence[Sequence[int]]) -> int:
    return max(
        -(-sum(t.deltas[p] for p in ps) * clip.timescale // t.timescale)
        for t, ps in zip(clip.tracks, picks, strict=True)
    )


def write(clip: Clip, picks: Sequence[Sequence[int]]) -> bytes:
    """A new file whose track ``i`` plays ``clip.tracks[i].samples[p] for p in picks[i]``."""
    if len(picks) != len(clip.tracks) or not all(picks):
        raise ValueError("MP4: give a non-empty sample sequence for every track")
    # Interleave by decode time so that a player reading front to back has what it needs.
    order: list[tuple[float, int, int]] = []
    for t, (track, ps) in enumerate(zip(clip.tracks, picks, strict=True)):
        clock = 0
        for i, p in enumerate(ps):
            order.append((clock / track.timescale, t, i))
            clock += track.deltas[p]
    order.sort()

    def moov(offsets: Sequence[Sequence[int]]) -> bytes:
        tracks = zip(clip.tracks, picks, offsets, strict=True)
        traks = [_trak(clip, t, ps, o) for t, ps, o in tracks]
        return _box(b"moov", _with_duration(clip.mvhd, _movie_duration(clip, picks)), *traks)

    # stco entries have a fixed width, so a first pass with zero offsets gives moov's size.
    start = len(clip.ftyp) + len(moov([[0] * len(ps) for ps in picks])) + 8
    offsets: list[list[int]] = [[0] * len(ps) for ps in picks]
    payload: list[bytes] = []
    position = start
    for _, t, i in order:
        sample = clip.tracks[t].samples[picks[t][i]]
        offsets[t][i] = position
        payload.append(sample)
        position += len(sample)
    if position >= 2**32:
        raise ValueError("MP4: too long for 32-bit chunk offsets")
    return clip.ftyp + moov(offsets) + _box(b"mdat", *payload)
