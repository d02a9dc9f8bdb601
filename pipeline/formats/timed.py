"""Helpers for formats made of timed segments (captions, diarizer output, JSON)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import Draft, RawTurn, clean_text

_PARAGRAPH_CHARS = 900
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)]*$")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


@dataclass
class Segment:
    label: str | None      # None: the speaker of the previous segment goes on
    text: str              # raw text of the segment
    start: float | None    # seconds
    line: int              # 1-based source line


def seconds(stamp: str) -> float | None:
    """``01:02:03.500`` / ``2:03`` / ``00:00:01,000`` -> seconds; None if not a time."""
    match = _TIME.match(stamp.strip())
    if not match:
        return None
    hours, minutes, secs, frac = match.groups()
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    return value + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


def carry_speakers(segments: list[Segment], default: str | None = None) -> list[Segment]:
    """Give a segment with no label the label of the segment before it (in source order)."""
    label = default
    for segment in segments:
        if segment.label is None:
            segment.label = label
        label = segment.label
    return segments


def build_turns(segments: list[Segment], draft: Draft, sort: bool = True) -> None:
    """Group consecutive segments of one speaker into turns; re-join their fragments."""
    if sort:
        segments = sorted(segments, key=lambda s: s.start if s.start is not None else -1.0)
    fragments: list[str] = []
    current: RawTurn | None = None
    for segment in segments:
        text = clean_text(segment.text)
        if not text or segment.label is None:
            continue
        if current is None or segment.label != current.label:
            _close(current, fragments)
            current = RawTurn(segment.label, [], segment.line)
            draft.turns.append(current)
        fragments.append(text)
    _close(current, fragments)


def _close(turn: RawTurn | None, fragments: list[str]) -> None:
    if turn is not None:
        turn.paragraphs.extend(join_fragments(fragments))
    fragments.clear()


def join_fragments(fragments: list[str]) -> list[str]:
    """Join cue fragments into paragraphs, breaking only after a sentence once long enough."""
    paragraphs: list[str] = []
    current = ""
    for fragment in fragments:
        current = f"{current} {fragment}".strip()
        if len(current) >= _PARAGRAPH_CHARS and _SENTENCE_END.search(current):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
