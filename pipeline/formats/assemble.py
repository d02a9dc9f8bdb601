"""Turn a parser's :class:`Draft` into the :class:`Script` the rest of the pipeline uses."""

from __future__ import annotations

import re

from ..model import Script, Speaker, Turn
from .common import CastEntry, Draft, RawTurn
from .companion import split_name_role
from .identity import resolve

_TRAILING_TIME = re.compile(r"(\s+\[?\(?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?\)?\]?)+\s*$")


MAX_TITLE = 200    # characters of a title found in the transcript
MAX_INTRO = 3000   # characters of narration before the first speaker that the intro reads


def build_script(draft: Draft, fmt: str, source: str,
                 speakers: dict[str, str] | None = None) -> Script:
    """``speakers`` maps labels to names; ``"Name (Role)"`` also gives the speaker a role."""
    explicit, roles = _split_roles(speakers or {})
    turns = [t for t in draft.turns if t.paragraphs]
    resolution = resolve([t.label for t in turns], draft.cast, explicit)
    merged = _merge_consecutive(turns, resolution.names)
    warnings = list(draft.warnings) + resolution.warnings
    speaking = {t.speaker for t in merged}
    silent = [c.name for c in draft.cast if c.name not in speaking]
    if silent and merged:
        warnings.append(f"named in the source but given no turns: {', '.join(silent)}")
    title = draft.title
    if len(title) > MAX_TITLE:     # the narrator reads it in the intro and the outro
        title = title[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
        warnings.append(f"the title is {len(draft.title)} characters long: only its first {len(title) - 1} "
                        "are used (give `title:` in the config)")
    intro = draft.intro
    if len(intro) > MAX_INTRO:
        intro = intro[:MAX_INTRO].rsplit(" ", 1)[0] + "…"
        warnings.append(f"the text before the first speaker is {len(draft.intro)} characters long: the intro "
                        f"reads only its first {len(intro) - 1}")
    return Script(
        title=title,
        speakers=_speakers(merged, draft.cast, resolution.names, roles),
        turns=tuple(merged),
        intro=intro,
        outro=draft.outro,
        format=fmt,
        source=source,
        warnings=tuple(warnings),
        unresolved=tuple(n for n in resolution.unresolved if n in speaking),
    )


def _split_roles(speakers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    explicit, roles = {}, {}
    for label, value in speakers.items():
        name, role = split_name_role(str(value))
        explicit[str(label)] = name
        if role:
            roles[name] = role
    return explicit, roles


def _merge_consecutive(turns: list[RawTurn], names: dict[str, str]) -> list[Turn]:
    """Consecutive turns of one speaker (without a heading between them) as one turn. The
    paragraphs are gathered in lists and frozen once: adding to a tuple copies it, which made a
    long run of one speaker's labels quadratic (70,000 lines: 25 s)."""
    runs: list[tuple[str, list[str], int, str | None]] = []
    for raw in turns:
        speaker = names[raw.label]
        if runs and runs[-1][0] == speaker and raw.heading is None:
            runs[-1][1].extend(raw.paragraphs)
        else:
            runs.append((speaker, list(raw.paragraphs), raw.line, raw.heading))
    return [Turn(speaker, tuple(paragraphs), line, heading) for speaker, paragraphs, line, heading in runs]


def _speakers(turns: list[Turn], cast: list[CastEntry], names: dict[str, str],
              roles: dict[str, str]) -> tuple:
    speaking = list(dict.fromkeys(t.speaker for t in turns))
    by_name = {c.name: c for c in cast}
    order = [c.name for c in cast if c.name in speaking]
    order += [n for n in speaking if n not in order]
    result = []
    for name in order:
        entry = by_name.get(name)
        aliases = [_alias(raw) for raw, target in names.items() if target == name]
        aliases = [a for a in dict.fromkeys(aliases) if a and a != name]
        result.append(Speaker(
            name=name,
            role="; ".join(entry.roles) if entry and entry.roles else roles.get(name, ""),
            aliases=tuple(aliases),
            moderator=bool(entry and entry.moderator),
        ))
    return tuple(result)


def _alias(raw: str) -> str:
    return _TRAILING_TIME.sub("", raw.strip()).strip()
