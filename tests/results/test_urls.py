"""MediaUrls records every file it issues; catalogue paths are issued the same way."""

from __future__ import annotations

import pytest

from mock_server.results.urls import MAX_SIDE, Media, MediaUrls, capped, parse_key


@pytest.fixture
def issued() -> list[Media]:
    return []


@pytest.fixture
def urls(issued: list[Media]) -> MediaUrls:
    return MediaUrls("http://kling.test/", record=issued.append)


def test_each_url_is_recorded_under_its_path(urls: MediaUrls, issued: list[Media]) -> None:
    made = [
        urls.image("img", "16:9", "1k"),
        urls.video("vid", "9:16", seconds=5.1),
        urls.audio("aud", "wav", seconds=3.0),
    ]
    assert made == [
        "http://kling.test/media/images/1360x768/img.png",
        "http://kling.test/media/videos/9x16/vid.mp4",
        "http://kling.test/media/audio/aud.wav",
    ]
    assert [f"http://kling.test/media/{m.key}" for m in issued] == made
    assert issued[1] == Media("video", "vid", "mp4", aspect="9:16", seconds=5.1)
    assert all(Media.from_record(m.record()) == m for m in issued)


def test_images_are_capped_at_max_side_keeping_their_ratio(
    urls: MediaUrls, issued: list[Media]
) -> None:
    urls.image_px("big", 4 * MAX_SIDE, 2 * MAX_SIDE)
    assert (issued[0].width, issued[0].height) == (MAX_SIDE, MAX_SIDE // 2)
    assert capped(100, 50) == (100, 50)


def test_names_from_requests_are_made_plain(urls: MediaUrls) -> None:
    assert urls.audio("voice-a/../b c?", seconds=1).endswith("/media/audio/voice-a-..-b-c-.mp3")


def test_unknown_video_ratios_fall_back_to_16_9(urls: MediaUrls, issued: list[Media]) -> None:
    urls.video("v", "4:3", seconds=5)
    assert issued[0].aspect == "16:9"


def test_extensions_that_cannot_be_served_are_refused(urls: MediaUrls) -> None:
    with pytest.raises(ValueError, match=r"\.gif"):
        urls.image("x", "1:1", ext="gif")


def test_catalogue_paths_are_issued_wherever_they_are(urls: MediaUrls, issued: list[Media]) -> None:
    urls.issue_paths(
        [{"a": "/media/images/1024x1024/p.png", "b": ["/media/audio/t.mp3", "x"], "c": 1}]
    )
    assert [m.key for m in issued] == ["images/1024x1024/p.png", "audio/t.mp3"]


@pytest.mark.parametrize(
    "key",
    ["images/10x10000000/a.png", "images/1x1/a.gif", "videos/4x3/a.mp4", "audio/a.ogg", "x"],
)
def test_catalogue_paths_the_fake_cannot_serve_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a media path"):
        parse_key(key)
