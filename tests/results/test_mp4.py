"""The MP4 reader and writer: samples survive a round trip in any order, tables stay sound."""

from __future__ import annotations

import pytest

from mock_server.paths import FIXTURES_DIR
from mock_server.results import mp4

SEED = (FIXTURES_DIR / "media" / "seed-1x1.mp4").read_bytes()


def test_written_files_play_exactly_the_picked_samples() -> None:
    clip = mp4.read(SEED)
    video, sound = clip.track(b"vide"), clip.track(b"soun")
    picks = [[], []]
    picks[video] = [0, 1, 2, 0, 1]
    picks[sound] = [5, 5, 5]
    again = mp4.read(mp4.write(clip, picks))
    assert [t.handler for t in again.tracks] == [t.handler for t in clip.tracks]
    for index, chosen in enumerate(picks):
        assert again.tracks[index].samples == tuple(clip.tracks[index].samples[p] for p in chosen)
        assert again.tracks[index].stsd == clip.tracks[index].stsd
    assert again.tracks[video].sync == frozenset({0, 3})


def test_every_track_needs_samples() -> None:
    clip = mp4.read(SEED)
    with pytest.raises(ValueError, match="non-empty"):
        mp4.write(clip, [[0], []])


def test_seeds_with_b_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="B-frames"):
        mp4.read(SEED.replace(b"stss", b"ctts", 1))


def test_a_missing_track_is_named() -> None:
    clip = mp4.read(SEED)
    with pytest.raises(ValueError, match="text track"):
        clip.track(b"text")


def test_truncated_files_are_refused() -> None:
    with pytest.raises(ValueError, match="overruns"):
        mp4.read(SEED[: len(SEED) // 2])
