"""Base64 images are read where Pillow reads, never decoded whole: the lazy file must give
exactly the bytes a full decode gives, wherever it is read from, and refuse what a strict
full decode refuses."""

from __future__ import annotations

import base64
import io
import os

import pytest
from PIL import Image

from mock_server.validation.images import BASE64_MESSAGE, Base64File, ImageProblem, check_image


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 3 * (1 << 20) + 7])
def test_reads_and_seeks_give_the_decoded_bytes(size: int) -> None:
    data = os.urandom(size)
    lazy = Base64File(base64.b64encode(data).decode())
    assert lazy.size == size
    assert io.BufferedReader(lazy, 7).read() == data
    for offset, length in [(0, 5), (1, 2), (size // 2, 4097), (max(size - 1, 0), 10)]:
        lazy.seek(offset)
        assert lazy.read(length) == data[offset : offset + length]
        assert lazy.tell() == max(offset, min(offset + length, size))  # seeks may pass the end
    assert lazy.seek(-1, io.SEEK_END) == max(size - 1, 0)


@pytest.mark.parametrize("text", ["A", "AA=A", "AA==AAAA", "====", "QUJD\u00e9", "QU*D", "QUI"])
def test_what_a_strict_decode_refuses_is_refused(text: str) -> None:
    with pytest.raises(ImageProblem, match=BASE64_MESSAGE):
        Base64File(text)


def test_a_jpeg_is_read_through_the_lazy_file() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400)).save(buf, "JPEG", exif=Image.Exif(), comment=b"x" * 60_000)
    check_image(base64.b64encode(buf.getvalue()).decode(), {"formats": ["jpeg"], "min_side": 300})
