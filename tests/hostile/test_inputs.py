"""Hostile inputs: transcripts, configs and images that never end (a pipe with no writer,
/dev/zero), are too large, are folders, claim a huge image, or hold NUL bytes or a BOM. Each is a
one-line error or a clean result, quickly."""

from __future__ import annotations

import os
import struct
import zlib

import pytest

from conftest import SAMPLE
from pipeline.config import load_config
from pipeline.cover import load_cover
from pipeline.errors import InputError, ParseError
from pipeline.transcript import parse


def test_a_pipe_with_no_writer_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "talk.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"talk.txt: not a regular file \(a pipe, device or socket\)"):
        parse(fifo)
    with pytest.raises(InputError, match="talk.txt: not a regular file"):
        load_config(fifo)


def test_an_endless_device_is_refused(run, tmp_path):
    for option in ([], ["--config", "/dev/zero"]):
        transcript = "/dev/zero" if not option else SAMPLE
        result = run("render", transcript, *option, "-o", tmp_path / "x.mp3")
        assert result.exit_code == 3, result.output
        assert result.output.splitlines()[-1].startswith("Error: /dev/zero: ")
        assert "not a regular file" in result.output
    with pytest.raises(InputError, match="/dev/zero: not a regular file"):
        load_cover("/dev/zero")


def test_a_transcript_over_the_limit_is_refused(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ann: hello there.\n" * 70_000)            # 1.3 MB
    monkeypatch.setenv("PANELCAST_MAX_TRANSCRIPT_MB", "1")
    with pytest.raises(InputError, match="big.txt: larger than the 1 MB a transcript file may have"):
        parse(big)
    monkeypatch.delenv("PANELCAST_MAX_TRANSCRIPT_MB")
    assert parse(big).turns


def test_a_folder_given_as_transcript(tmp_path):
    with pytest.raises(InputError, match="is a folder, not a file"):
        parse(tmp_path)


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels (its data is not needed to be refused)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\0\0\0\0IEND\xaeB`\x82")


def test_a_huge_cover_is_refused_before_decoding(tmp_path, recwarn):
    cover = tmp_path / "huge.png"
    cover.write_bytes(png_header(12000, 12000))
    with pytest.raises(InputError, match="huge.png: the image is 12000x12000; at most 6000x6000 pixels"):
        load_cover(cover)
    assert not [w for w in recwarn if "DecompressionBomb" in type(w.message).__name__]


def test_utf16_with_a_bom_is_read(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    for codec in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"sample-{codec}.txt"
        path.write_bytes(text.encode(codec))
        assert parse(path).turns == parse(SAMPLE).turns


def test_nul_bytes_anywhere_are_refused(tmp_path):
    path = tmp_path / "late-nul.txt"
    path.write_bytes(SAMPLE.read_bytes() * 5 + b"\x00tail\n")
    assert path.stat().st_size > 8192
    with pytest.raises(ParseError, match="late-nul.txt: not a text file"):
        parse(path)
