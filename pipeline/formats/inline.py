"""``Name: text`` on one line (also the full-width colon ``：``).

A paragraph without a label continues the previous speaker's turn; lines of one paragraph
(hard-wrapped text) are re-joined. A label alone on its line may head indented text.
Machine labels stacked on a real initial (``Speaker 2: C: text``, ``Speaker 0: S text``) are
read as the initial when that initial is also used as a label on its own.
"""

from __future__ import annotations

import re

from . import labelled
from .common import Draft, is_generic, looks_like_name

NAME = "inline"

_LABEL = re.compile(r"^\s*(?P<label>[^\s:：][^:：]{0,47}?)\s*[:：]\s*(?P<text>.*)$")
_TIME_AFTER = re.compile(r"^\d{1,2}(?::\d{2})*\b")


def split_label(line: str) -> tuple[str, str] | None:
    match = _LABEL.match(line)
    if not match or not looks_like_name(match.group("label"), max_words=4):
        return None
    label, text = match.group("label").strip(), match.group("text")
    if re.search(r"\d$", label) and _TIME_AFTER.match(text):
        return None                        # "James 00:02:46:" is not "James 00" saying "02"
    return label, text


def _with_text(line: str) -> tuple[str, str] | None:
    hit = split_label(line)
    return hit if hit and hit[1].strip() else None


def _alone(line: str) -> tuple[str, str] | None:
    hit = split_label(line)
    return hit if hit and not hit[1].strip() else None


def detect(text: str) -> int:
    """Inline labels; labels alone on their line count too once inline ones are common."""
    inline, alone = labelled.count_labels(text, _with_text), labelled.count_labels(text, _alone)
    return inline + alone if inline >= max(5, alone // 10) else inline


def parse(text: str, source: str) -> Draft:
    draft = labelled.read(text, split_label)
    unstack_initials(draft)
    return draft


_STACKED = re.compile(r"^(?P<initial>[A-Z])(?::\s*|\s+|$)(?P<rest>.*)$", re.DOTALL)


def unstack_initials(draft: Draft) -> None:
    """``Speaker 2`` + ``C: text`` -> ``C`` + ``text`` where ``C`` is a label of its own."""
    initials = {t.label.strip() for t in draft.turns if re.fullmatch(r"[A-Z]", t.label.strip())}
    if not initials:
        return
    for turn in draft.turns:
        if not is_generic(turn.label) or not turn.paragraphs:
            continue
        match = _STACKED.match(turn.paragraphs[0])
        if match and match.group("initial") in initials:
            turn.label = match.group("initial")
            rest = match.group("rest").strip()
            turn.paragraphs[0:1] = [rest] if rest else []
