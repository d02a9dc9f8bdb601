"""Chapters: where they start (which unit) and what they are called.

Mode ``topics`` (default): ``Intro``, a chapter at each moderator turn (the moderator comes
from the transcript's header, the config, or is inferred as the speaker who asks the most
questions), and the outro. Mode ``turns``: one chapter per turn. Titles are derived from
the text (at most 60 characters, cut at a word) unless the config gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .config import ChapterSettings
from .model import Chapter, Script
from .narration import chapter_title
from .plan import Plan

TITLE_LIMIT = 60
MAX_CHAPTERS = 255  # an ID3 CTOC frame lists at most 255 child elements


@dataclass(frozen=True)
class Mark:
    unit: int     # index of the chapter's first unit in the plan
    title: str


def short_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """The first question (or sentence) of ``text``, cut at a word to at most ``limit`` chars
    (Chinese and Japanese sentences end with full-width marks, with no space after them)."""
    text = " ".join(text.split())
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+|(?<=[。？！])", text) if s.strip()]
    pick = next((s for s in sentences if s.endswith(("?", "？"))), sentences[0] if sentences else "")
    if len(pick) <= limit:
        return pick
    cut = pick[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(",;:-") + "…"


def find_moderator(script: Script, configured: str | None = None) -> str | None:
    """The moderator: configured (by name or label), else flagged in the header, else the main
    question-asker. A configured name that is no speaker's is passed over (``check_moderator``
    says so)."""
    if configured and script.named(configured):
        return script.named(configured)
    flagged = [s.name for s in script.speakers if s.moderator]
    if flagged:
        return flagged[0]
    questions: dict[str, int] = {}
    for turn in script.turns:
        if "?" in turn.paragraphs[-1][-3:] or "？" in turn.paragraphs[-1][-3:]:
            questions[turn.speaker] = questions.get(turn.speaker, 0) + 1
    if not questions:
        return None
    best = max(questions.values())
    leaders = [name for name, n in questions.items() if n == best]
    return leaders[0] if best >= 2 and len(leaders) == 1 else None


def check_moderator(script: Script, configured: str | None) -> list[str]:
    """A warning when the configured moderator is not a speaker of the script."""
    if not configured or script.named(configured):
        return []
    names = ", ".join(s.name for s in script.speakers) or "none"
    return [f"moderator: '{configured}' is not a speaker of this transcript (speakers: {names}); "
            "the moderator is detected instead"]


def chapter_marks(script: Script, plan: Plan, settings: ChapterSettings, moderator: str | None
                  ) -> tuple[list[Mark], list[str]]:
    """(marks in play order, warnings)."""
    warnings: list[str] = []
    first_unit_of_turn: dict[int, int] = {}
    for u in plan.units:
        if u.turn is not None:
            first_unit_of_turn.setdefault(u.turn, u.index)
    outro_unit = next((u.index for u in plan.units if u.kind == "outro"), None)
    language = next((u.language for u in plan.units if u.kind in ("intro", "outro")), "en")

    mode = settings.mode
    if mode == "topics" and moderator is None:
        warnings.append("no moderator found (give `moderator:` in the config): one chapter per turn")
        mode = "turns"

    marks = [Mark(0, chapter_title("intro", language))]
    for t, turn in enumerate(script.turns):
        if t not in first_unit_of_turn:
            continue
        text = " ".join(turn.paragraphs)
        if turn.heading:
            marks.append(Mark(first_unit_of_turn[t], short_title(turn.heading)))
        elif mode == "turns":
            marks.append(Mark(first_unit_of_turn[t], short_title(f"{turn.speaker}: {text}")))
        elif turn.speaker == moderator:
            marks.append(Mark(first_unit_of_turn[t], short_title(text)))
    if outro_unit is not None:
        marks.append(Mark(outro_unit, chapter_title("outro", language)))
    marks = _dedupe(marks)

    if len(marks) > MAX_CHAPTERS:
        warnings.append(
            f"{len(marks)} chapters exceed the {MAX_CHAPTERS} an ID3 table of contents can hold: "
            f"kept {MAX_CHAPTERS}, evenly spread (use --chapters topics for fewer)"
        )
        marks = _thin(marks, MAX_CHAPTERS)

    overrides = dict(settings.titles)
    for index in overrides:
        if index >= len(marks):
            warnings.append(f"chapters.titles: no chapter {index} (there are {len(marks)})")
    marks = [Mark(m.unit, short_title(overrides[i]) if i in overrides else m.title) for i, m in enumerate(marks)]
    return marks, warnings


def _dedupe(marks: list[Mark]) -> list[Mark]:
    """One mark per unit (the first wins), in unit order."""
    seen: dict[int, Mark] = {}
    for m in marks:
        seen.setdefault(m.unit, m)
    return sorted(seen.values(), key=lambda m: m.unit)


def _thin(marks: list[Mark], limit: int) -> list[Mark]:
    """Keep ``limit`` marks: always the first and last, the rest evenly spaced."""
    n = len(marks)
    picks = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [marks[i] for i in picks]


def build_chapters(marks: list[Mark], starts_ms: list[int], duration_ms: int,
                   settings: ChapterSettings = ChapterSettings()) -> tuple[Chapter, ...]:
    """Chapters from marks and each unit's speech-onset time; the first starts at 0."""
    times = [0 if i == 0 else starts_ms[m.unit] for i, m in enumerate(marks)]
    ends = times[1:] + [duration_ms]
    images, urls = dict(settings.images), dict(settings.urls)
    return tuple(Chapter(title=m.title, start_ms=s, end_ms=e, url=urls.get(i), image=images.get(i))
                 for i, (m, s, e) in enumerate(zip(marks, times, ends)))
