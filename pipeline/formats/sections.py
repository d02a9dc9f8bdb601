"""Parts of a transcript around the turns: front matter, a speaker header, a postscript."""

from __future__ import annotations

import difflib
import re

import yaml

from .common import CastEntry, clean_label, looks_like_name

# --- YAML front matter --------------------------------------------------------------------


def split_front_matter(lines: list[str]) -> tuple[dict, int]:
    """Parse a leading ``---`` YAML block; return (mapping, number of lines it used)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                return {}, 0
            return (data if isinstance(data, dict) else {}), end + 1
    return {}, 0


def front_matter_cast(meta: dict) -> list[CastEntry]:
    """Speakers listed in front matter (``speakers: [...]``, ``hosts``, ``guests``)."""
    cast: list[CastEntry] = []
    for key, moderator in (("hosts", True), ("host", True), ("speakers", False),
                           ("guests", False), ("guest", False)):
        value = meta.get(key)
        names = re.split(r"\s*[,;]\s*", value) if isinstance(value, str) else value
        names = names if isinstance(names, list) else []
        for name in names:
            name = str(name).strip()
            if name and all(c.name != name for c in cast):
                cast.append(CastEntry(name=name, moderator=moderator))
    return cast


# --- a header block: "Speakers" / names / role lines / "Moderator" / name / role ----------

_SECTION = re.compile(
    r"^(?:the\s+)?(?P<word>speakers?|panel(?:ists?)?|guests?|participants?|featuring|"
    r"presenters?|interviewees?|hosts?|co-?hosts?|moderators?|interviewers?|chairs?)"
    r"\s*[:：]?$",
    re.IGNORECASE,
)
_MODERATOR_WORDS = ("host", "cohost", "co-host", "moderator", "interviewer", "chair")


def section_word(line: str) -> str | None:
    """``"moderator"`` or ``"speaker"`` for a header section line, else None."""
    match = _SECTION.match(line.strip())
    if not match:
        return None
    word = match.group("word").lower()
    return "moderator" if word.startswith(_MODERATOR_WORDS) else "speaker"


def parse_header(lines: list[str], known_labels: set[str]) -> tuple[list[CastEntry], int]:
    """Names with their role lines, under section words (see ``section_word``).

    A line is a name when it directly follows a section word, or when it matches a label
    used in the body (honorifics ignored); other lines are roles of the name above. The
    header ends at the first line that reads like prose; returns (cast, lines used).
    """
    cast: list[CastEntry] = []
    moderator, expect_name = False, False
    known = {k.lower() for k in known_labels}
    for index, line in enumerate(raw.strip() for raw in lines):
        if not line:
            continue
        section = section_word(line)
        if section:
            moderator, expect_name = section == "moderator", True
            continue
        if _is_prose(line):
            return cast, index
        name, role = _split_name_role(line)
        if looks_like_name(name) and (expect_name or _matches_label(name, known)):
            cast.append(CastEntry(name=clean_label(name), moderator=moderator))
            if role:
                cast[-1].roles.append(role)
        elif cast:
            cast[-1].roles.append(line)
        expect_name = False
    return cast, len(lines)


def _is_prose(line: str) -> bool:
    """A preface sentence rather than a role line."""
    return len(line) > 160 or (len(line.split()) > 14 and line.endswith((".", "!", "?")))


def starts_with_name(line: str) -> bool:
    """A header line naming a person: ``Dr. Ann Lee`` or ``Ann Lee, Oceanographer``."""
    return looks_like_name(_split_name_role(line.strip())[0])


def _split_name_role(line: str) -> tuple[str, str]:
    """``"Ella Hu, Executive Director"`` → name and role; a bare name has no role."""
    parts = re.split(r"\s+[-–—|]\s+|,\s+|\s*[:：]\s+", line, maxsplit=1)
    if len(parts) == 2 and looks_like_name(parts[0]):
        return parts[0], parts[1].strip()
    return line, ""


def _matches_label(name: str, known: set[str]) -> bool:
    name = clean_label(name).lower()
    return name in known or name.split()[0] in known


# --- the closing section ------------------------------------------------------------------

_OUTRO_WORDS = ("postscript", "postscripts", "afterword", "afterwords", "epilogue",
                "closing remarks", "closing words", "closing notes", "closing thoughts",
                "final words", "final thoughts", "post script")


def is_outro_marker(line: str) -> bool:
    """True for a line that opens a postscript, tolerating misspellings (``Postscritps``)."""
    text = line.strip().strip("#*_ ").rstrip(":：").strip()
    if text.lower() in ("p.s.", "p. s.", "p.s", "ps"):
        return True
    if not text or len(text) > 30 or text.endswith("."):     # a sentence, not a title
        return False
    norm = re.sub(r"[^a-z ]", "", text.lower()).strip()
    if not norm:
        return False
    best = max(difflib.SequenceMatcher(None, norm, word).ratio() for word in _OUTRO_WORDS)
    return best >= 0.8


_TRAILERS = re.compile(
    r"^(?:other |related |useful )?(?:links?|references|resources|show notes|further reading|"
    r"sources|credits|footnotes|see also)$",
    re.IGNORECASE,
)


def is_trailer_heading(heading: str) -> bool:
    """A closing section of links or notes (``## Other links``), not speech."""
    return bool(_TRAILERS.match(heading.strip().rstrip(":")))
