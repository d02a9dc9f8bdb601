"""Diarizer output, one segment per line: ``[Speaker 2] [00:04] text``.

Consecutive segments of one speaker are one turn; fragments cut mid-sentence are re-joined.
"""

from __future__ import annotations

import re

from .common import Draft
from .timed import Segment, build_turns, seconds

NAME = "bracket"

_LINE = re.compile(
    r"^\s*\[(?P<label>[^\]\d][^\]]{0,47})\]\s*"
    r"\[(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]\s*(?P<text>.*)$"
)


def detect(text: str) -> int:
    return sum(1 for line in text.splitlines()[:3000] if _LINE.match(line))


def parse(text: str, source: str) -> Draft:
    draft = Draft()
    segments: list[Segment] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match:
            segments.append(Segment(match.group("label").strip(), match.group("text"),
                                    seconds(match.group("time")), number))
        elif line.strip() and segments:
            segments[-1].text += " " + line.strip()      # a wrapped segment
    build_turns(segments, draft, sort=False)
    return draft
