"""Audio files of any length, in pure Python: MP3 from one seed frame, WAV from a formula.

MP3: an MPEG audio Layer III frame decodes on its own when its ``main_data_begin`` is 0 (the
encoder was told not to use the bit reservoir), so a file of N copies of one frame from the
steady middle of a tone is a valid, gapless N-frame file. Without a Xing/Info header it is
plain CBR, and every reader computes its length from the byte count and the bitrate.
WAV: 16-bit PCM, mono, with exactly ``round(seconds * rate)`` samples.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

# Layer III bitrates (kbit/s) by index: MPEG-1, then MPEG-2 and 2.5.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# A minimal ID3v2.4 tag (TSSE: encoder settings), so that the file announces itself as MP3.
_TSSE = b"\x03kling-mock\x00"
ID3_TAG = (
    b"ID3\x04\x00\x00"
    + bytes([0, 0, 0, 10 + len(_TSSE)])
    + b"TSSE"
    + bytes([0, 0, 0, len(_TSSE)])
    + b"\x00\x00"
    + _TSSE
)


@dataclass(frozen=True)
class Mp3Frame:
    data: bytes
    sample_rate: int
    samples: int  # per frame: 1152 for MPEG-1, 576 for MPEG-2 and 2.5
    main_data_begin: int

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate


def _frame_at(data: bytes, pos: int) -> Mp3Frame:
    b1, b2 = data[pos + 1], data[pos + 2]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if data[pos] != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer != 1:
        raise ValueError(f"MP3: no Layer III frame header at byte {pos}")
    mpeg1 = version == 3
    bitrate = _BITRATES[1 if mpeg1 else 2][b2 >> 4] * 1000
    rate_index = (b2 >> 2) & 3
    if not bitrate or rate_index == 3:
        raise ValueError(f"MP3: free or bad bitrate/sample rate at byte {pos}")
    rate = _RATES[version][rate_index]
    size = (144 if mpeg1 else 72) * bitrate // rate + ((b2 >> 1) & 1)
    side = pos + 4 + (0 if b1 & 1 else 2)  # a CRC follows the header when protected
    main_data_begin = (data[side] << 1 | data[side + 1] >> 7) if mpeg1 else data[side]
    return Mp3Frame(data[pos : pos + size], rate, 1152 if mpeg1 else 576, main_data_begin)


def _skip_id3(data: bytes) -> int:
    if data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:  # synch-safe: 7 bits per byte
        size = size << 7 | byte
    return 10 + size


def mp3_frames(data: bytes) -> list[Mp3Frame]:
    """Every audio frame of an MP3 file, without its ID3v2 tag and any Xing/Info frame."""
    frames, pos = [], _skip_id3(data)
    while pos + 4 <= len(data) and data[pos : pos + 3] != b"TAG":  # TAG: ID3v1 at the end
        frame = _frame_at(data, pos)
        if b"Xing" not in frame.data[:64] and b"Info" not in frame.data[:64]:
            frames.append(frame)
        pos += len(frame.data)
    return frames


def steady_frame(data: bytes) -> Mp3Frame:
    """The middle frame of a seed tone, checked to decode on its own."""
    frames = mp3_frames(data)
    if not frames:
        raise ValueError("MP3: the seed holds no audio frames")
    frame = frames[len(frames) // 2]
    if frame.main_data_begin != 0:
        raise ValueError("MP3: the seed uses the bit reservoir; encode it with -reservoir 0")
    return frame


def mp3(frame: Mp3Frame, seconds: float) -> bytes:
    """About ``seconds`` of audio (to half a frame: 18 ms at 16 kHz)."""
    return ID3_TAG + frame.data * max(1, round(seconds / frame.seconds))


def wav(seconds: float, rate: int = 16_000, tone_hz: int = 500) -> bytes:
    """A sine tone of exactly ``round(seconds * rate)`` samples; ``rate`` must be a multiple
    of ``tone_hz`` so that one period is a whole number of samples."""
    step = 2 * math.pi * tone_hz / rate
    period = [round(8000 * math.sin(i * step)) for i in range(rate // tone_hz)]
    one = struct.pack(f"<{len(period)}h", *period)
    count = max(1, round(seconds * rate))
    pcm = (one * (count // len(period) + 1))[: count * 2]
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)  # PCM, mono, 16-bit
    chunks = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks
