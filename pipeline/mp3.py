"""MPEG-1 Layer III frame arithmetic: count frames and map them to decoded samples.

Unit MP3s are written without ID3 tags and without a Xing/Info frame, so every byte belongs
to an audio frame and the frame count is exact. Joined at frame level, unit k's first PCM
sample lands at ``frames_before_k * 1152 + DECODER_OFFSET`` in the decoded episode: LAME
primes each stream with 1105 samples (576 + 529) and the decoder drops 529 once, at the
start of the file. Measured with ffmpeg's decoder: 0-sample error at every join.
"""

from __future__ import annotations

SAMPLES_PER_FRAME = 1152
ENCODER_DELAY = 1105    # LAME's priming samples at the start of every stream
DECODER_DELAY = 529     # what the decoder drops at the start of the (joined) file
DECODER_OFFSET = ENCODER_DELAY - DECODER_DELAY  # 576

_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # kbit/s, MPEG-1 L3
_RATES = (44100, 48000, 32000)


class FrameError(ValueError):
    """The bytes are not a clean sequence of MPEG-1 Layer III frames."""


def count_frames(data: bytes) -> int:
    """Number of MPEG-1 Layer III frames in ``data``; FrameError if it is not only frames."""
    pos = frames = 0
    size = len(data)
    while pos < size:
        if size - pos < 4:
            raise FrameError(f"{size - pos} stray bytes at offset {pos}")
        header = int.from_bytes(data[pos:pos + 4], "big")
        if header >> 21 != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
            raise FrameError(f"no MPEG-1 Layer III frame header at offset {pos}")
        bitrate_index = (header >> 12) & 0xF
        rate_index = (header >> 10) & 3
        if bitrate_index in (0, 15) or rate_index == 3:
            raise FrameError(f"invalid frame header at offset {pos}")
        padding = (header >> 9) & 1
        length = 144 * _BITRATES[bitrate_index] * 1000 // _RATES[rate_index] + padding
        if pos + length > size:
            raise FrameError(f"truncated frame at offset {pos}")
        pos += length
        frames += 1
    return frames


def unit_start_sample(frames_before: int) -> int:
    """Decoded-sample index where a unit's own first PCM sample lands in the joined file."""
    return frames_before * SAMPLES_PER_FRAME + DECODER_OFFSET


def decoded_length(total_frames: int) -> int:
    """Samples a decoder yields for the joined file (the Info frame carries no audio)."""
    return total_frames * SAMPLES_PER_FRAME - DECODER_DELAY


def ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)
