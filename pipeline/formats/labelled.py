"""The reading loop shared by plain-text formats whose turns start at a labelled line.

A format supplies ``split_label(line) -> (label, rest_of_line) | None``; this module finds the
prelude (front matter, title, speaker header, unlabelled preface), the turns, Markdown
headings between turns, and a closing postscript.
"""

from __future__ import annotations

import re
from typing import Callable

from .common import Draft, RawTurn, clean_label, clean_text, looks_like_name, split_paragraphs
from .sections import (front_matter_cast, is_outro_marker, parse_header, section_word,
                       split_front_matter)

SplitLabel = Callable[[str], "tuple[str, str] | None"]
_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def read(text: str, split_label: SplitLabel) -> Draft:
    lines = text.splitlines()
    meta, start = split_front_matter(lines)
    first = _first_label(lines, start, split_label)
    draft = Draft(title=str(meta.get("title") or "").strip(), cast=front_matter_cast(meta))
    body_labels = {clean_label(hit[0]) for hit in map(split_label, lines[first:]) if hit}
    read_prelude(lines[start:first], body_labels, draft)
    read_body(lines, first, draft, split_label)
    return draft


def count_labels(text: str, split_label: SplitLabel) -> int:
    """Detection evidence: labelled lines in the first part of the file.

    Labels that occur once count only when labelled lines are most of the text (a short
    exchange); otherwise a stray ``Note: ...`` line is not evidence.
    """
    lines = [line for line in text.splitlines()[:3000] if line.strip()]
    labels = [clean_label(hit[0]) for hit in map(split_label, lines) if hit]
    if len(labels) * 2 >= len(lines):
        return len(labels)
    return sum(1 for lab in labels if labels.count(lab) > 1)


def _first_label(lines: list[str], start: int, split_label: SplitLabel) -> int:
    for i in range(start, len(lines)):
        if split_label(lines[i]) and not _opens_header(lines, i, split_label):
            return i
    return len(lines)


def _opens_header(lines: list[str], i: int, split_label: SplitLabel) -> bool:
    """A section word (``Speakers:``) followed by a name, not by speech."""
    if not section_word(lines[i]):
        return False
    following = next((line for line in lines[i + 1:] if line.strip()), "")
    return looks_like_name(following) and not split_label(following)


def read_prelude(prelude: list[str], body_labels: set[str], draft: Draft) -> None:
    """Title line, header block and unlabelled preface before the first label."""
    rows = [line.strip() for line in prelude]
    header_at = next((i for i, line in enumerate(rows) if section_word(line)), len(rows))
    before = rows[:header_at]
    nonblank = [line for line in before if line]
    if nonblank and _is_title(nonblank[0]):
        if not draft.title:
            draft.title = clean_text(re.sub(r"^#+\s*", "", nonblank[0]))
        before = before[before.index(nonblank[0]) + 1:]
    preface = [line for line in before if not _HEADING.match(line)]
    draft.intro = "\n\n".join(p for p in map(clean_text, split_paragraphs(preface)) if p)
    if header_at < len(rows):
        header_cast = parse_header(rows[header_at:], body_labels)
        if header_cast:
            known = {h.name for h in header_cast}
            draft.cast = header_cast + [c for c in draft.cast if c.name not in known]


def _is_title(line: str) -> bool:
    if line.startswith("#"):
        return True
    return len(line) <= 150 and not line.endswith((".", "?", "!", ",", ";"))


def read_body(lines: list[str], first: int, draft: Draft, split_label: SplitLabel) -> None:
    """Turns from line index ``first`` on; lines of one paragraph are re-joined."""
    blank_separated = any(not line.strip() for line in lines[first:])
    current: RawTurn | None = None
    chunk: list[str] = []
    heading = None

    def flush() -> None:
        if current is not None:
            groups = split_paragraphs(chunk) if blank_separated else chunk
            current.paragraphs.extend(p for p in map(clean_text, groups) if p)
        chunk.clear()

    for i in range(first, len(lines)):
        line = lines[i]
        hit = split_label(line)
        if hit:
            flush()
            current = RawTurn(hit[0], [], i + 1, heading)
            draft.turns.append(current)
            chunk.append(hit[1])
            heading = None
        elif current is not None and is_outro_marker(line):
            flush()
            draft.outro = join_paragraphs(lines[i + 1:], blank_separated)
            return
        elif _HEADING.match(line):
            flush()
            heading = clean_text(_HEADING.match(line).group("text")) or None
        else:
            chunk.append(line)
    flush()


def join_paragraphs(lines: list[str], blank_separated: bool) -> str:
    groups = split_paragraphs(lines) if blank_separated else lines
    return "\n\n".join(p for p in map(clean_text, groups) if p)
