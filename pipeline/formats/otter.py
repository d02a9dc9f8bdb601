"""Otter.ai text export: a ``Name  0:22`` line (two spaces before the time), then the text.

    Emma  0:00
    cryptography is the method of protecting information...

    Kelly  0:22
    Welcome to the ladybug podcast.
"""

from __future__ import annotations

import re

from . import labelled
from .common import Draft, looks_like_name

NAME = "otter"

_LABEL = re.compile(r"^(?P<label>[^\s:：][^:：]*?)\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s*$")


split_label = labelled.alone_on_line(_LABEL, looks_like_name)


def detect(text: str) -> int:
    return labelled.count_labels(text, split_label)


_FOOTER = re.compile(r"^\s*Transcribed by\s+\S*otter\.ai\S*\s*$", re.IGNORECASE | re.MULTILINE)


def parse(text: str, source: str) -> Draft:
    return labelled.read(_FOOTER.sub("", text), split_label)
