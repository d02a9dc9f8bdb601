"""WebVTT captions, with ``<v Name>`` voice spans or ``Name:`` prefixes (Zoom, Teams)."""

from __future__ import annotations

from .captions import TIMING, cues_to_draft, read_cues
from .common import Draft, fail

NAME = "vtt"


def detect(text: str) -> int:
    if not text.lstrip("\ufeff \t\r\n").startswith("WEBVTT"):
        return 0
    return 1000 + sum(1 for line in text.splitlines() if TIMING.match(line))


def parse(text: str, source: str) -> Draft:
    lines = text.splitlines()
    if not text.lstrip("\ufeff \t\r\n").startswith("WEBVTT"):
        raise fail(source, 1, "not a WebVTT file (no WEBVTT line)")
    return cues_to_draft(read_cues(lines))
