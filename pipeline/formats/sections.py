"""Parts of a transcript around the turns: front matter, a speaker header, a postscript."""

from __future__ import annotations

import difflib
import re

import yaml

from ..config import refuse_aliases
from .common import CastEntry, clean_label, looks_like_name

# --- YAML front matter --------------------------------------------------------------------


def split_front_matter(lines: list[str]) -> tuple[dict, int]:
    """Parse a leading ``---`` YAML block; return (mapping, number of lines it used)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            block = "\n".join(lines[1:end])
            try:
                refuse_aliases(block)            # an alias bomb in front matter is no front matter
                data = yaml.safe_load(block)
            except (yaml.YAMLError, ValueError):
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

_SECTION_WORD = (r"(?:the\s+)?(?P<word>speakers?|panel(?:ists?)?|guests?|participants?|featuring|"
                 r"presenters?|interviewees?|hosts?|co-?hosts?|moderators?|interviewers?|chairs?)")
_SECTION = re.compile(rf"^{_SECTION_WORD}\s*[:：]?$", re.IGNORECASE)
_MODERATOR_WORDS = ("host", "cohost", "co-host", "moderator", "interviewer", "chair")


def section_word(line: str) -> str | None:
    """``"moderator"`` or ``"speaker"`` for a header section line, else None."""
    match = _SECTION.match(line.strip())
    if not match:
        return None
    word = match.group("word").lower()
    return "moderator" if word.startswith(_MODERATOR_WORDS) else "speaker"


_SECTION_WITH_NAMES = re.compile(rf"^(?P<section>{_SECTION_WORD})\s*[:：]\s*(?P<names>\S.*)$", re.IGNORECASE)
BULLET = re.compile(r"^(?:[*•·‣◦-]|\d{1,2}[.)])\s+")
_ROLE_GROUP = re.compile(r"\s*[（(]([^()（）]+)[)）]")


def section_with_names(line: str) -> list[CastEntry] | None:
    """``Moderator: Harry Yeh, Binary Financial`` or ``Panelists: A (Org), B (Org)``: the people a
    one-line section names, else None. After a plural section word (or when the parts carry
    roles in brackets) every part is a person; after a singular one, the first part is the
    person and the rest is the role."""
    match = _SECTION_WITH_NAMES.match(line.strip())
    if not match or match.group("names").rstrip().endswith((".", "!", "?", "。", "！", "？")):
        return None                                    # "Host: Thanks, Bob." is a turn
    section = section_word(match.group("section"))
    word = match.group("word").lower()
    parts = [p for p in re.split(r"\s*[;,]\s*|\s+and\s+|\s+&\s+", match.group("names")) if p]
    every = word.endswith("s") or any(_ROLE_GROUP.search(p) for p in parts)
    people = [participant(p, section == "moderator") for p in (parts if every else parts[:1])]
    if not people or any(entry is None or len(entry.name.split()) > 4 for entry in people):
        return None
    if not every and parts[1:]:
        people[0].roles.append(", ".join(parts[1:]))
    return people


def participant(line: str, moderator: bool = False) -> CastEntry | None:
    """``Harry Yeh (moderator) (Binary Financial)``, ``Daniel Park, CTO, Northwind``: a person
    of a participants list, with roles; a role that is a moderator word makes them the
    moderator. None when the line does not start with a name."""
    line = BULLET.sub("", line.strip())
    roles = [r.strip() for r in _ROLE_GROUP.findall(line)]
    bare = _ROLE_GROUP.sub("", line).strip()
    name, role = _split_name_role(bare)
    if not looks_like_name(name):
        return None
    roles = ([role] if role else []) + roles
    hosts = [r for r in roles if r.lower().strip(" .") in _MODERATOR_WORDS]
    return CastEntry(name=clean_label(name), roles=[r for r in roles if r not in hosts],
                     moderator=moderator or bool(hosts))


def parse_header(lines: list[str], known_labels: set[str]) -> tuple[list[CastEntry], int]:
    """Names with their role lines, under section words (see ``section_word``).

    A line is a name when it directly follows a section word, or when it matches a label
    used in the body (honorifics ignored); other lines are roles of the name above. The
    header ends at the first line that reads like prose; returns (cast, lines used).
    """
    cast: list[CastEntry] = []
    moderator, expect_name = False, False
    known = {k.lower() for k in known_labels}
    listed = False                                  # the last entry came from a list line
    for index, line in enumerate(raw.strip() for raw in lines):
        if not line:
            continue
        section = section_word(line)
        if section:
            moderator, expect_name = section == "moderator", True
            continue
        named = section_with_names(line)
        if named:
            cast.extend(named)
            listed = True
            continue
        bullet = BULLET.match(line)
        if _is_prose(line) or (listed and not bullet):   # after a list, other text is the preface
            return cast, index
        listed = bool(bullet)
        entry = participant(line, moderator)
        if entry is not None and (expect_name or bullet or matches_label(entry.name, known)):
            cast.append(entry)
            expect_name = bool(bullet)          # a list of bullets: each is a person
            continue
        if cast:
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


def matches_label(name: str, known: set[str]) -> bool:
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
