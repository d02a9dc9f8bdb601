"""``Name: text`` on one line (also the full-width colon ``：``).

A paragraph without a label continues the previous speaker's turn; lines of one paragraph
(hard-wrapped text) are re-joined.
"""

from __future__ import annotations

import re

from . import labelled
from .common import Draft, looks_like_name

NAME = "inline"

_LABEL = re.compile(r"^\s*(?P<label>[^\s:：][^:：]{0,47}?)\s*[:：]\s*(?P<text>\S.*)$")


def split_label(line: str) -> tuple[str, str] | None:
    match = _LABEL.match(line)
    if not match or not looks_like_name(match.group("label"), max_words=4):
        return None
    if re.match(r"\d", match.group("text")) and re.fullmatch(r"\d+", match.group("label")):
        return None                                  # "12:30" is a time, not a label
    return match.group("label").strip(), match.group("text")


def detect(text: str) -> int:
    return labelled.count_labels(text, split_label)


def parse(text: str, source: str) -> Draft:
    return labelled.read(text, split_label)
