"""Which person each raw label stands for.

Order of evidence, strongest first:

1. the user's explicit ``speakers`` map (label -> name);
2. ids the source declares for a cast member (``Shaun Apps（SA）`` makes ``SA`` an id, a
   companion file maps a slug to a name);
3. a cast name (header, front matter, companion) equal to the label, ignoring case,
   honorifics and stray punctuation;
4. a first name, last name or initials that fit exactly one cast name;
5. among the labels themselves: case variants, and a first name that fits exactly one
   longer label.

Nothing is merged when more than one person fits. Generic labels (``Speaker 0``) are never
merged with anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .common import CastEntry, clean_label, is_generic

_PAREN_ID = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<id>[^()（）]{1,12})\s*[)）]$")


@dataclass
class Resolution:
    names: dict[str, str] = field(default_factory=dict)  # raw label -> canonical name
    unresolved: list[str] = field(default_factory=list)  # canonical names that are stand-ins
    warnings: list[str] = field(default_factory=list)    # nicknames merged, or too ambiguous to merge


# Short forms of first names that are not simply their beginning (those, like Dan for Daniel or
# Alex for Alexandra, are found without a table).
NICKNAMES = {
    "bob": ("robert",), "bobby": ("robert",), "rob": ("robert",), "robbie": ("robert",), "bert": ("albert", "robert"),
    "bill": ("william",), "billy": ("william",), "will": ("william",), "liam": ("william",),
    "jim": ("james",), "jimmy": ("james",), "jamie": ("james",), "mike": ("michael",), "mick": ("michael",),
    "andy": ("andrew",), "drew": ("andrew",), "steve": ("stephen", "steven"), "tony": ("anthony",),
    "dick": ("richard",), "rick": ("richard",), "ricky": ("richard",), "rich": ("richard",),
    "ted": ("edward", "theodore"), "ed": ("edward", "edwin", "edmund"), "eddie": ("edward",),
    "ned": ("edward",), "chuck": ("charles",), "charlie": ("charles",), "hank": ("henry",),
    "harry": ("harold", "henry"), "jack": ("john",), "johnny": ("john",), "jon": ("jonathan",),
    "peggy": ("margaret",), "maggie": ("margaret",), "meg": ("margaret",), "liz": ("elizabeth",),
    "beth": ("elizabeth",), "betty": ("elizabeth",), "lizzie": ("elizabeth",), "kate": ("katherine", "catherine"),
    "katie": ("katherine", "catherine"), "kathy": ("katherine", "kathryn"), "cathy": ("catherine",),
    "sue": ("susan", "suzanne"), "susie": ("susan",), "becky": ("rebecca",), "abby": ("abigail",),
    "jenny": ("jennifer",), "jen": ("jennifer",), "vicky": ("victoria",), "tori": ("victoria",),
    "patty": ("patricia",), "trish": ("patricia",), "peg": ("margaret",), "molly": ("mary",),
    "polly": ("mary",), "nate": ("nathan", "nathaniel"), "zach": ("zachary",), "zack": ("zachary",),
    "larry": ("lawrence", "laurence"), "lenny": ("leonard",), "ken": ("kenneth",),
    "kenny": ("kenneth",), "ron": ("ronald",), "ronnie": ("ronald",), "don": ("donald",),
    "donny": ("donald",), "greg": ("gregory",), "jeff": ("jeffrey", "geoffrey"), "joe": ("joseph",),
    "joey": ("joseph",), "sam": ("samuel", "samantha"), "sammy": ("samuel",), "tom": ("thomas",),
    "tommy": ("thomas",), "tim": ("timothy",), "timmy": ("timothy",), "pete": ("peter",),
    "nick": ("nicholas", "nicolas"), "nicky": ("nicholas", "nicole"), "fred": ("frederick",),
    "freddie": ("frederick",), "alex": ("alexander", "alexandra"), "sandy": ("alexandra", "sandra"),
    "xander": ("alexander",), "chris": ("christopher", "christine", "christina"), "matt": ("matthew",),
    "dave": ("david",), "davy": ("david",), "ben": ("benjamin",), "benny": ("benjamin",),
}


def nickname_of(label: str, first_name: str) -> bool:
    """``Josh`` / ``Joshua``, ``Dan`` / ``Daniel``, ``Bob`` / ``Robert``: a common short form of
    the first name, or its beginning (three letters or more)."""
    label, first_name = label.lower(), first_name.lower()
    if label == first_name or not label.isalpha():
        return False
    return (len(label) >= 3 and first_name.startswith(label)) or first_name in NICKNAMES.get(label, ())


def split_declared_id(label: str) -> tuple[str, str | None]:
    """``Shaun Apps（SA）`` -> ("Shaun Apps", "SA"); other labels -> (label, None)."""
    match = _PAREN_ID.match(label.strip())
    if match and re.fullmatch(r"[A-Z][A-Za-z.]{0,5}", match.group("id")):
        return match.group("name"), match.group("id")
    return label, None


def resolve(labels: list[str], cast: list[CastEntry],
            explicit: dict[str, str] | None = None) -> Resolution:
    cast = _with_declared_ids(labels, cast)
    explicit_map = {k.strip().lower(): v for k, v in (explicit or {}).items()}
    result = Resolution()
    pending: list[tuple[str, str]] = []            # (raw, cleaned) not settled by the cast
    for raw in dict.fromkeys(labels):
        cleaned = clean_label(split_declared_id(raw)[0])
        target = (explicit_map.get(raw.strip().lower()) or explicit_map.get(cleaned.lower())
                  or _from_cast(cleaned, raw, cast) or _nickname_in_cast(cleaned, raw, cast, result))
        if target:
            result.names[raw] = target
        else:
            pending.append((raw, cleaned))
    _resolve_among_labels(pending, result)
    _collect_unresolved(result, cast, explicit_map)
    return result


def _with_declared_ids(labels: list[str], cast: list[CastEntry]) -> list[CastEntry]:
    """Add a cast entry, or an id, for every ``Name（ID）`` label."""
    cast = [CastEntry(c.name, list(c.roles), c.moderator, list(c.ids)) for c in cast]
    for raw in labels:
        name, ident = split_declared_id(raw)
        if not ident:
            continue
        name = clean_label(name)
        entry = next((c for c in cast if c.name.lower() == name.lower()), None)
        if entry is None:
            entry = CastEntry(name)
            cast.append(entry)
        entry.ids.append(ident)
    return cast


def _from_cast(cleaned: str, raw: str, cast: list[CastEntry]) -> str | None:
    low = cleaned.lower()
    for entry in cast:
        ids = {i.lower() for i in entry.ids}
        if low in ids or raw.strip().lower() in ids:
            return entry.name
    for entry in cast:
        if low == clean_label(entry.name).lower():
            return entry.name
    if is_generic(cleaned) or not cleaned:
        return None
    fits = [e.name for e in cast if _is_short_form(cleaned, clean_label(e.name))]
    return fits[0] if len(fits) == 1 else None


def _nickname_in_cast(cleaned: str, raw: str, cast: list[CastEntry], result: Resolution) -> str | None:
    """The one listed person whose first name ``cleaned`` is a short form of (with a warning
    saying so); none, with a warning, when it fits several."""
    if len(cleaned.split()) != 1 or is_generic(cleaned):
        return None
    fits = [e.name for e in cast if len(e.name.split()) > 1 and nickname_of(cleaned, clean_label(e.name).split()[0])]
    if len(fits) == 1:
        result.warnings.append(f"label '{raw.strip()}' read as {fits[0]} (a short form of their first name)")
        return fits[0]
    if len(fits) > 1:
        result.warnings.append(f"label '{raw.strip()}' could be {' or '.join(fits)}: kept as a speaker of its "
                               "own (say who it is with speakers: in the config)")
    return None


def _is_short_form(label: str, name: str) -> bool:
    """``Ella`` / ``Hu`` / ``EH`` for ``Ella Hu``."""
    words, name_words = label.lower().split(), name.lower().split()
    if len(name_words) <= len(words):
        return False
    if words == name_words[:len(words)] or words == name_words[-len(words):]:
        return True
    initials = "".join(w[0] for w in name_words if w[0].isalpha())
    return len(label) >= 2 and label.isupper() and label.lower() == initials


def _resolve_among_labels(pending: list[tuple[str, str]], result: Resolution) -> None:
    """Case variants and first names fitting exactly one longer label are merged."""
    canon: dict[str, str] = {}                     # lower-cased cleaned label -> first spelling
    for _, cleaned in pending:
        canon.setdefault(cleaned.lower(), cleaned)
    specific = [c for c in canon.values() if not is_generic(c)]
    for raw, cleaned in pending:
        name = canon[cleaned.lower()]
        if not is_generic(name):
            fits = [other for other in specific if _is_first_name_of(name, other)]
            name = fits[0] if len(fits) == 1 else name
        result.names[raw] = name or raw.strip()


def _is_first_name_of(label: str, other: str) -> bool:
    words, other_words = label.lower().split(), other.lower().split()
    return len(words) == 1 and len(other_words) > 1 and other_words[0] == words[0]


def _collect_unresolved(result: Resolution, cast: list[CastEntry], explicit: dict) -> None:
    """Stand-in names: generic labels, and labels that fit no one the source names."""
    cast_names = {c.name for c in cast}
    chosen = set(explicit.values())
    for name in dict.fromkeys(result.names.values()):
        if name in chosen:
            continue
        if is_generic(name) or (cast_names and name not in cast_names):
            result.unresolved.append(name)
