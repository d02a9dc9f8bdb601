"""Labels alone on a line ending in a colon, the speech on the lines below.

    Standing at the Gate: a Panel          <- title (a colon, but not at the end)
    Speakers                               <- optional header: section words, names, roles
    Dr. Tian Yuandong
    Researcher at Meta AI
    Moderator
    Ella Hu
    Tian Yuandong:                         <- a label; also "James 00:02:46:", "Speaker 0: 0:00"
    One paragraph per line, or paragraphs separated by blank lines.
    Postscript                             <- optional closing section -> Script.outro

A YAML front matter block may give the title and the speaker names.
"""

from __future__ import annotations

import re

from . import labelled
from .common import Draft, looks_like_name

NAME = "ownline"

_TIME = r"[\[(]?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[\])]?"
_LABEL = re.compile(
    rf"^\s*(?P<label>[^\s:：][^:：]{{0,59}}?)(?:\s+{_TIME})?\s*[:：]\s*(?:{_TIME})?\s*$"
)


split_label = labelled.alone_on_line(_LABEL, looks_like_name)


def detect(text: str) -> int:
    return labelled.count_labels(text, split_label, share=0.25)   # a label, then its lines


def parse(text: str, source: str) -> Draft:
    return labelled.read(text, split_label)
