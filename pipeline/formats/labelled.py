"""The reading loop shared by plain-text formats whose turns start at a labelled line.

A format supplies ``split_label(line) -> (label, rest_of_line) | None``; this module finds the
prelude (front matter, title, speaker header, unlabelled preface), the turns, Markdown
headings between turns, a closing postscript, and trailing link sections to skip.
"""

from __future__ import annotations

import re
from typing import Callable, Optional, Tuple

from .common import Draft, RawTurn, clean_label, clean_text, split_paragraphs, unwrap_lines
from .sections import (BULLET, front_matter_cast, is_outro_marker, is_trailer_heading, matches_label,
                       parse_header, participant, section_with_names, section_word, split_front_matter,
                       starts_with_name)

SplitLabel = Callable[[str], Optional[Tuple[str, str]]]
HEADING = re.compile(r"^\s*#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_TIME_MARK = re.compile(r"^\s*(?:[A-Z]{2,4}\s+|\d{1,2}:\s*)?\d{1,2}:\d{2}(?::\d{2})?\s*$")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+\s*$")


def alone_on_line(pattern: re.Pattern, looks_like_name: Callable[[str], bool]) -> SplitLabel:
    """A ``split_label`` for labels standing alone on a line: ``pattern`` has a ``label`` group."""

    def split_label(line: str) -> Optional[Tuple[str, str]]:
        match = pattern.match(line)
        if not match or not looks_like_name(match.group("label")):
            return None
        return match.group("label").strip(), ""

    return split_label


def read(text: str, split_label: SplitLabel, prelude_label: str | None = None) -> Draft:
    """Read a labelled text; with ``prelude_label`` unlabelled text before the first label is
    that speaker's (a talk before its Q&A), otherwise it is the intro."""
    lines = text.splitlines()
    meta, start = split_front_matter(lines)
    first = _first_label(lines, start, split_label)
    draft = Draft(title=str(meta.get("title") or "").strip(), cast=front_matter_cast(meta))
    body_labels = {clean_label(hit[0]) for hit in map(split_label, lines[first:]) if hit}
    heading = read_prelude(lines[start:first], body_labels, draft, prelude_label, start)
    read_body(lines, first, draft, split_label, heading)
    return draft


def count_labels(text: str, split_label: SplitLabel, share: float = 0.5) -> int:
    """Detection evidence: labelled lines in the first part of the file.

    Labels that occur once count only when labelled lines are at least ``share`` of the
    text lines (a short exchange); otherwise a stray ``Note: ...`` line is not evidence.
    """
    lines = [line for line in text.splitlines()[:3000] if line.strip()]
    labels = [clean_label(hit[0]) for hit in map(split_label, lines) if hit]
    if len(labels) >= 2 and len(labels) >= share * len(lines):
        return len(labels)
    return sum(1 for lab in labels if labels.count(lab) > 1)


def _first_label(lines: list[str], start: int, split_label: SplitLabel) -> int:
    for i in range(start, len(lines)):
        if split_label(lines[i]) and not _opens_header(lines, i, split_label):
            return i
    return len(lines)


def _opens_header(lines: list[str], i: int, split_label: SplitLabel) -> bool:
    """A section word (``Speakers:``) followed by a name, not by speech; or one that names the
    people on its own line (``Panelists: A (Org), B (Org)``) and is no speaker's label later."""
    if section_with_names(lines[i]):
        word = clean_label(split_label(lines[i])[0]).lower()
        return not any((hit := split_label(line)) and clean_label(hit[0]).lower() == word for line in lines[i + 1:])
    if not section_word(lines[i]):
        return False
    following = next((line for line in lines[i + 1:] if line.strip()), "")
    return starts_with_name(following) and not split_label(following)


# --- before the first label ---------------------------------------------------------------

def read_prelude(prelude: list[str], body_labels: set[str], draft: Draft,
                 speaker: str | None = None, offset: int = 0) -> str | None:
    """Title line, header block and unlabelled text before the first label.

    Returns a heading that directly precedes the first label (it belongs to that turn).
    """
    rows = [line.strip() for line in prelude]
    header_at = next((i for i, line in enumerate(rows) if section_word(line) or section_with_names(line)
                      or _lists_a_speaker(line, body_labels)), len(rows))
    first = next((i for i in range(header_at) if rows[i]), None)
    if first is not None and _is_title(rows[first], draft.title):
        draft.title = draft.title or clean_text(HEADING.sub(r"\g<text>", rows[first]))
        rows[first] = ""
    if header_at < len(rows):
        header_cast, used = parse_header(rows[header_at:], body_labels)
        known = {h.name for h in header_cast}
        draft.cast = header_cast + [c for c in draft.cast if c.name not in known]
        rows[header_at:header_at + used] = [""] * used     # the rest is preface
    sections = _sections(rows, offset)
    hosts = [c.name for c in draft.cast if c.moderator]
    if speaker is None and len(hosts) == 1 and sections:   # a file that names its moderator: the
        speaker = hosts[0]                                 # opening words are theirs, not the narrator's
    if speaker is not None:
        draft.turns.extend(RawTurn(speaker, paragraphs, line, heading)
                           for heading, paragraphs, line in sections if paragraphs)
    else:
        draft.intro = "\n\n".join(p for _, paragraphs, _ in sections for p in paragraphs)
    return sections[-1][0] if sections and not sections[-1][1] else None


def _lists_a_speaker(line: str, body_labels: set[str]) -> bool:
    """A bullet naming someone who speaks below (``* Harry Yeh (moderator)`` before ``Harry:``)."""
    if not BULLET.match(line):
        return False
    entry = participant(line)
    return entry is not None and matches_label(entry.name, {label.lower() for label in body_labels})


def _is_title(line: str, title: str) -> bool:
    """The first prelude line is the title, unless front matter gave one already."""
    match = HEADING.match(line)
    if title:
        return bool(match) and clean_text(match.group("text")).lower() == title.lower()
    if match:
        return line.startswith("# ")
    return len(line) <= 150 and not line.endswith((".", "?", "!", ",", ";", "。", "！", "？"))


def _sections(rows: list[str], offset: int) -> list[tuple[str | None, list[str], int]]:
    """Split prelude rows at headings: (heading, cleaned paragraphs, 1-based line)."""
    sections: list[tuple[str | None, list[str], int]] = []
    heading, chunk, start = None, [], offset + 1
    for i, row in enumerate(rows + ["## end"]):
        match = HEADING.match(row)
        if match:
            paragraphs = [p for p in map(clean_text, split_paragraphs(chunk)) if p]
            if paragraphs or heading:
                sections.append((heading, paragraphs, start))
            heading, chunk, start = clean_text(match.group("text")) or None, [], offset + i + 2
        elif not _LINK_DEFINITION.match(row):
            chunk.append(row)
    return sections


# --- the turns ----------------------------------------------------------------------------

def read_body(lines: list[str], first: int, draft: Draft, split_label: SplitLabel,
              heading: str | None = None) -> None:
    """Turns from line index ``first`` on; lines of one paragraph are re-joined.

    A heading followed by unlabelled text opens a new turn of the same speaker, so the
    chapter mark is kept.
    """
    blank_separated = any(not line.strip() for line in lines[first:])
    current: RawTurn | None = None
    chunk: list[str] = []

    def flush() -> None:
        if current is not None:
            groups = split_paragraphs(chunk) if blank_separated else unwrap_lines(chunk)
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
        elif current is not None and _opens_outro(lines, i, split_label):
            flush()
            draft.outro = join_paragraphs(lines[i + 1:], blank_separated)
            return
        elif HEADING.match(line):
            flush()
            heading = clean_text(HEADING.match(line).group("text")) or None
            if current is not None and is_trailer_heading(heading or ""):
                draft.warnings.append(f"line {i + 1}: skipped the closing '{heading}' section")
                return
        elif _TIME_MARK.match(line) or _LINK_DEFINITION.match(line):
            continue
        elif heading is not None and current is not None and line.strip():
            flush()
            current = RawTurn(current.label, [], i + 1, heading)
            draft.turns.append(current)
            chunk.append(line)
            heading = None
        else:
            chunk.append(line)
    flush()


def _opens_outro(lines: list[str], i: int, split_label: SplitLabel) -> bool:
    """A postscript title that closes the transcript: no speaker speaks after it."""
    return is_outro_marker(lines[i]) and not any(map(split_label, lines[i + 1:]))


def join_paragraphs(lines: list[str], blank_separated: bool) -> str:
    groups = split_paragraphs(lines) if blank_separated else lines
    return "\n\n".join(p for p in map(clean_text, groups) if p)
