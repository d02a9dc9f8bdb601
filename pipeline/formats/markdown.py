"""Markdown transcripts where the label is marked up.

    **Kevin Ball:** Hello, everybody!         bold label, colon inside or outside the bold
    **Emma** [0:22] Welcome to the show.      bold label and a timestamp
    ### Kelly                                 a heading that names a recurring speaker,
    Thanks, Emma.                             the speech below it

Other headings are chapter marks (``Turn.heading``).
"""

from __future__ import annotations

import re

from . import labelled
from .common import Draft, clean_label, looks_like_name

NAME = "markdown"

_TIME = r"(?:[\[(]\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[\])])"
_BOLD = re.compile(
    rf"^\s*(\*\*|__)(?P<label>[^*_:：]{{1,48}}?)\s*(?:[:：]\s*\1|\1\s*[:：]|\1(?=\s*{_TIME}))"
    rf"\s*(?:{_TIME}\s*)?(?P<text>.*)$"
)
_HEADING_LABEL = re.compile(rf"^\s*#{{2,6}}\s+(?P<label>[^#\[\]()]+?)\s*(?:{_TIME})?\s*[:：]?\s*$")


def _bold_label(line: str) -> tuple[str, str] | None:
    match = _BOLD.match(line)
    if not match or not looks_like_name(match.group("label")):
        return None
    return match.group("label").strip(), match.group("text")


def _heading_names(text: str) -> set[str]:
    """Heading texts that look like names and head at least two sections."""
    names = [clean_label(m.group("label")) for m in map(_HEADING_LABEL.match, text.splitlines())
             if m and looks_like_name(m.group("label"))]
    return {name for name in names if names.count(name) > 1}


def _splitter(text: str):
    names = _heading_names(text)

    def split_label(line: str) -> tuple[str, str] | None:
        hit = _bold_label(line)
        if hit or not names:
            return hit
        match = _HEADING_LABEL.match(line)
        if match and clean_label(match.group("label")) in names:
            return match.group("label").strip(), ""
        return None

    return split_label


def detect(text: str) -> int:
    return labelled.count_labels(text, _splitter(text))


def parse(text: str, source: str) -> Draft:
    return labelled.read(text, _splitter(text))
