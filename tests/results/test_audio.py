"""MP3 and WAV writing: self-contained frames, exact sample counts, seeds that qualify."""

from __future__ import annotations

import struct

import pytest

from mock_server.paths import FIXTURES_DIR
from mock_server.results import audio, synth
from mock_server.results.urls import Media

SEED = (FIXTURES_DIR / "media" / "seed.mp3").read_bytes()


def test_mp3_frames_decode_on_their_own() -> None:
    data = synth.produce(Media("audio", "a", "mp3", seconds=2.0))
    assert data.startswith(b"ID3")
    frames = audio.mp3_frames(data)
    assert len(frames) == round(2.0 / frames[0].seconds)
    assert {f.main_data_begin for f in frames} == {0}  # no bit reservoir
    assert not any(b"Xing" in f.data or b"Info" in f.data for f in frames)


def test_wav_has_exactly_the_samples_asked_for() -> None:
    data = audio.wav(1.25, rate=16_000)
    assert struct.unpack_from("<I", data, 40)[0] == 2 * 20_000  # data chunk: 16-bit samples


def test_the_seed_frame_is_mpeg2_layer3_at_16_khz() -> None:
    frame = audio.steady_frame(SEED)
    assert (frame.sample_rate, frame.samples, len(frame.data)) == (16_000, 576, 144)


def test_seeds_that_use_the_bit_reservoir_are_refused() -> None:
    frames = audio.mp3_frames(SEED)
    middle = sum(len(f.data) for f in frames[: len(frames) // 2])
    side = middle + 4  # no CRC: side info follows the header
    broken = SEED[:side] + b"\x07" + SEED[side + 1 :]  # main_data_begin = 7
    with pytest.raises(ValueError, match="bit reservoir"):
        audio.steady_frame(broken)


def test_xing_frames_and_id3_tags_are_skipped() -> None:
    frame = audio.steady_frame(SEED)
    xing = frame.data[:40] + b"Xing" + frame.data[44:]
    frames = audio.mp3_frames(audio.ID3_TAG + xing + frame.data * 2)
    assert [f.data for f in frames] == [frame.data, frame.data]


def test_garbage_is_not_an_mp3() -> None:
    with pytest.raises(ValueError, match="Layer III"):
        audio.mp3_frames(b"\x00" * 200)
