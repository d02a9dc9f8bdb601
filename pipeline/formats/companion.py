"""Files that map speaker ids to names, kept next to a transcript.

A companion of ``talk_meeting.jsonl`` is a sibling JSON, JSON Lines or YAML file whose name,
once the words people/speakers/names/cast/companion are taken off, is a prefix of the
transcript's name: ``talk_people.jsonl``, ``talk_people_companion.jsonl``, ``speakers.json``.
Names may carry a role in parentheses: ``"Cathy Giessel (State Senator)"``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..config import parse_yaml
from ..fsutil import read_bounded
from .common import CastEntry, fail

_KEYWORDS = {"people", "person", "persons", "speakers", "speaker", "names", "cast",
             "companion", "map", "mapping"}
_SUFFIXES = {".json", ".jsonl", ".yaml", ".yml"}
_ID_KEYS = ("slug", "id", "speaker", "speaker_id", "label", "key", "person_slug")
_NAME_KEYS = ("name", "display_name", "full_name", "fullname", "title")
_NAME_ROLE = re.compile(r"^(?P<name>.+?)\s*[（(](?P<role>[^()（）]+)[)）]\s*$")


def find_companion(transcript: Path) -> Path | None:
    """The sibling companion with the longest shared name, if any."""
    try:
        siblings = list(transcript.parent.iterdir())
    except OSError:
        return None
    best, best_len = None, -1
    for sibling in siblings:
        base = _companion_base(sibling)
        if (base is not None and sibling != transcript and sibling.is_file()
                and transcript.name.startswith(base) and len(base) > best_len):
            best, best_len = sibling, len(base)
    return best


def _companion_base(path: Path) -> str | None:
    if path.suffix.lower() not in _SUFFIXES:
        return None
    words = re.split(r"([_.\-])", path.stem)            # keep separators to rebuild the base
    if not any(w.lower() in _KEYWORDS for w in words[::2]):
        return None
    while words and (words[-1].lower() in _KEYWORDS or words[-1] in "_.-"):
        words.pop()
    if any(w.lower() in _KEYWORDS for w in words[::2]):
        return None                                      # a keyword in the middle: not ours
    return "".join(words)


def load_companion(path: Path) -> list[CastEntry]:
    """Cast entries (name, role, ids) from a companion file; ParseError if unreadable."""
    try:
        text = read_bounded(path, "config").decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise fail(path, None, f"cannot read the speaker names: {err}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = parse_yaml(text, path)
        elif path.suffix.lower() == ".jsonl":
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
    except ValueError as err:
        raise fail(path, None, f"invalid speaker names file: {err}") from None
    if isinstance(data, dict):
        data = [{"id": k, "name": v} for k, v in data.items() if isinstance(v, str)]
    if not isinstance(data, list):
        raise fail(path, None, "expected a list of {id, name} records or an id: name map")
    return cast_from_records([r for r in data if isinstance(r, dict)])


def cast_from_records(records: list[dict]) -> list[CastEntry]:
    cast: list[CastEntry] = []
    for record in records:
        ident = next((str(record[k]) for k in _ID_KEYS if record.get(k) is not None), None)
        name = next((str(record[k]) for k in _NAME_KEYS if record.get(k)), None)
        if not name:
            continue
        name, role = split_name_role(name)
        cast.append(CastEntry(name=name, roles=[role] if role else [],
                              ids=[ident] if ident else []))
    return cast


def split_name_role(name: str) -> tuple[str, str]:
    """``"Zac Johnson (Anchorage Assembly)"`` -> ("Zac Johnson", "Anchorage Assembly")."""
    match = _NAME_ROLE.match(name.strip())
    if match:
        return match.group("name").strip(), match.group("role").strip()
    return name.strip(), ""
