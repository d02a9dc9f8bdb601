"""Cues of WebVTT and SRT files, and the speaker of each cue.

A cue's speaker comes from a WebVTT voice span (``<v Name>``), else from a ``Name:`` prefix,
else it is the speaker of the cue before (captions often name the speaker only when it
changes). Cues are then sorted by start time and grouped into turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import Draft, looks_like_name
from .timed import Segment, build_turns, carry_speakers, seconds

TIMING = re.compile(r"^\s*(?P<start>[\d:.,]+)\s+-->\s+(?P<end>[\d:.,]+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+(?P<name>[^>]+?)\s*>")
_PREFIX = re.compile(r"^\s*(?P<label>[^:：<>\[\]\n]{1,40}?)\s*[:：]\s+(?P<text>\S.*)$", re.DOTALL)


@dataclass
class Cue:
    line: int               # 1-based line of the timing line
    start: float | None
    text: str               # payload lines joined with "\n"


def read_cues(lines: list[str]) -> list[Cue]:
    """Every block with a timing line; other blocks (header, NOTE, STYLE) are skipped."""
    cues: list[Cue] = []
    for start_line, block in _blocks(lines):
        timing_at = next((i for i, row in enumerate(block) if TIMING.match(row)), None)
        if timing_at is None or block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        match = TIMING.match(block[timing_at])
        text = "\n".join(block[timing_at + 1:])
        cues.append(Cue(start_line + timing_at, seconds(match.group("start")), text))
    return cues


def _blocks(lines: list[str]):
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines + [""], start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line.strip())
        elif block:
            yield first, block
            block = []


def cues_to_draft(cues: list[Cue]) -> Draft:
    draft = Draft()
    prefixes = _prefix_labels(cues)
    segments: list[Segment] = []
    for cue in cues:
        segments.extend(_cue_segments(cue, prefixes))
    carry_speakers(segments)
    if all(s.label is None for s in segments):
        for segment in segments:
            segment.label = "Narrator"
        draft.warnings.append("no speaker names in the captions: one Narrator reads them")
    build_turns(segments, draft, sort=True)
    return draft


def _cue_segments(cue: Cue, prefixes: set[str]) -> list[Segment]:
    parts = _VOICE.split(cue.text)               # [before, name1, text1, name2, text2...]
    segments = [Segment(None, parts[0], cue.start, cue.line)] if parts[0].strip() else []
    for name, text in zip(parts[1::2], parts[2::2]):
        segments.append(Segment(name.strip(), text, cue.start, cue.line))
    if len(parts) == 1:
        match = _PREFIX.match(cue.text)
        if match and match.group("label").strip() in prefixes:
            segments = [Segment(match.group("label").strip(), match.group("text"),
                                cue.start, cue.line)]
    return segments


def _prefix_labels(cues: list[Cue]) -> set[str]:
    """``Name:`` prefixes that are speakers: recurring, or shaped like a name."""
    found = [m.group("label").strip() for m in (_PREFIX.match(c.text) for c in cues) if m]
    return {label for label in found
            if (found.count(label) > 1 and len(label.split()) <= 4) or looks_like_name(label)}
