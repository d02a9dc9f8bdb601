"""SubRip captions: numbered cues; ``Name:`` usually only where the speaker changes."""

from __future__ import annotations

import re

from .captions import cues_to_draft, read_cues
from .common import Draft

NAME = "srt"

_SRT_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2},\d{1,3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{1,3}")


def detect(text: str) -> int:
    return 100 * sum(1 for line in text.splitlines()[:3000] if _SRT_TIMING.match(line))


def parse(text: str, source: str) -> Draft:
    return cues_to_draft(read_cues(text.splitlines()))
