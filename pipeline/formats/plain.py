"""Text with no speaker labels at all: one speaker, "Narrator", reads it."""

from __future__ import annotations

from .common import Draft, RawTurn, clean_text, split_paragraphs

NAME = "plain"
NARRATOR = "Narrator"


def detect(text: str) -> int:
    return 0                                         # the fallback, never detected


def parse(text: str, source: str) -> Draft:
    lines = text.splitlines()
    blank_separated = any(not line.strip() for line in lines)
    groups = split_paragraphs(lines) if blank_separated else lines
    paragraphs = [p for p in map(clean_text, groups) if p]
    draft = Draft(turns=[RawTurn(NARRATOR, paragraphs, _first_text_line(lines))])
    draft.warnings.append("no speaker labels found: the whole text is read by one Narrator")
    return draft


def _first_text_line(lines: list[str]) -> int:
    return next((i + 1 for i, line in enumerate(lines) if line.strip()), 1)
