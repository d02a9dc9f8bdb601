"""A talk followed by questions and answers: an unlabelled monologue, then ``Q:`` / ``A:``.

``A`` is the speaker of the talk: the one person the front matter or header names, if there
is exactly one; the unlabelled talk before the first label is that speaker's, not an intro.
``Q`` (many audience members) stays a generic label.
"""

from __future__ import annotations

import re

from . import inline, labelled
from .common import Draft

NAME = "qa"

_QA = re.compile(r"^(?:q|a|question|answer)$", re.IGNORECASE)


def detect(text: str) -> int:
    hits = [hit for hit in map(inline.split_label, text.splitlines()[:3000]) if hit]
    if not hits or not all(_QA.match(label.strip()) for label, _ in hits):
        return 0
    return inline.detect(text)


def parse(text: str, source: str) -> Draft:
    answer = _answer_label(text)
    draft = labelled.read(text, inline.split_label, prelude_label=answer)
    if len(draft.cast) == 1:
        draft.cast[0].ids.append(answer)
    return draft


def _answer_label(text: str) -> str:
    for hit in map(inline.split_label, text.splitlines()):
        if hit and hit[0].strip().lower() in ("a", "answer"):
            return hit[0].strip()
    return "A"
