"""Synthesized files are as long as their record says, for every length the schemas allow."""

from __future__ import annotations

import io
import struct

import pytest
from mutagen.mp4 import Atoms
from PIL import Image

from mock_server.results import synth
from mock_server.results.builder import video_duration
from mock_server.results.cache import ByteLRU
from mock_server.results.urls import MAX_SIDE, VIDEO_ASPECTS, Media
from tests.results.lengths import TOLERANCE, length, mp4_lengths

# Legacy video durations are "3".."15"; results report them slightly over ("5.1").
VIDEO_SECONDS = [float(video_duration({"duration": str(d)})) for d in range(3, 16)]
AUDIO_SECONDS = [1.0, 3.0, 3.7, 5.1, 10.0, 15.1, 42.5]


@pytest.mark.parametrize("aspect", list(VIDEO_ASPECTS))
@pytest.mark.parametrize("seconds", VIDEO_SECONDS)
def test_video_is_as_long_as_its_record(aspect: str, seconds: float) -> None:
    data = synth.produce(Media("video", "v", "mp4", aspect=aspect, seconds=seconds))
    assert abs(length(data, "video/mp4") - seconds) < TOLERANCE
    tracks = mp4_lengths(data)
    assert tracks["vide"] == pytest.approx(seconds, abs=1 / 30)  # to the frame
    assert tracks["soun"] <= tracks["vide"]  # the sound stops before the picture


def test_every_repeat_of_the_gop_starts_with_a_sync_frame() -> None:
    data = synth.produce(Media("video", "v", "mp4", aspect="16:9", seconds=3.1))
    atoms = Atoms(io.BytesIO(data))
    video = next(
        t
        for t in atoms[b"moov"].findall(b"trak")
        if t[b"mdia", b"hdlr"].read(io.BytesIO(data))[1][8:12] == b"vide"
    )
    stss = video[b"mdia", b"minf", b"stbl", b"stss"].read(io.BytesIO(data))[1]
    count = struct.unpack_from(">I", stss, 4)[0]
    sync = [struct.unpack_from(">I", stss, 8 + 4 * i)[0] for i in range(count)]
    gop = len(synth.seed_clip("16:9").tracks[0].samples)
    assert sync == [1 + gop * i for i in range(-(-93 // gop))]  # 93 frames at 30 fps


@pytest.mark.parametrize("ext", ["mp3", "wav"])
@pytest.mark.parametrize("seconds", AUDIO_SECONDS)
def test_audio_is_as_long_as_its_record(ext: str, seconds: float) -> None:
    data = synth.produce(Media("audio", "a", ext, seconds=seconds))
    assert abs(length(data, synth.CONTENT_TYPES[ext]) - seconds) < TOLERANCE


@pytest.mark.parametrize(("width", "height", "ext"), [(16, 16, "png"), (1344, 768, "jpg")])
def test_images_have_their_recorded_size(width: int, height: int, ext: str) -> None:
    data = synth.produce(Media("image", "i", ext, width=width, height=height))
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (width, height) and img.format == {"png": "PNG", "jpg": "JPEG"}[ext]


def test_images_over_the_side_cap_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        synth.render_image(Media("image", "i", "png", width=MAX_SIDE + 1, height=16))


def test_names_change_images_but_not_clips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "CACHE", ByteLRU(1 << 24))
    first = Media("image", "one", "png", width=64, height=64)
    assert synth.produce(first) != synth.produce(Media("image", "two", "png", width=64, height=64))
    clip = Media("video", "one", "mp4", aspect="1:1", seconds=3.1)
    assert synth.produce(clip) is synth.produce(
        Media("video", "two", "mp4", aspect="1:1", seconds=3.1)
    )
    assert len(synth.CACHE) == 3


def test_the_cache_holds_at_most_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "CACHE", ByteLRU(100_000))
    for seconds in VIDEO_SECONDS:  # about 40-180 KB each
        synth.produce(Media("video", "v", "mp4", aspect="16:9", seconds=seconds))
        assert synth.CACHE.size <= 100_000
    assert 0 < len(synth.CACHE) < len(VIDEO_SECONDS)


@pytest.mark.parametrize("seed", ["seed-16x9.mp4", "seed-9x16.mp4", "seed-1x1.mp4"])
def test_seed_clips_hold_one_gop_and_no_b_frames(seed: str) -> None:
    clip = synth.seed_clip(seed.removeprefix("seed-").removesuffix(".mp4").replace("x", ":"))
    video = clip.tracks[clip.track(b"vide")]
    assert video.sync == frozenset({0})
    assert len(set(video.deltas)) == 1
    assert clip.track(b"soun") != clip.track(b"vide")
