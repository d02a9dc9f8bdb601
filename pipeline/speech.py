"""Written text -> the text the speech engine should say (deterministic, table-driven).

``spoken_text`` is part of every unit's cache key, so any change to these tables changes
what is spoken and must be treated like an engine change.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters replaced one for one (typography eSpeak reads badly or not at all).
CHARACTERS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-",
    "\u2013": " - ", "\u2014": " - ", "\u2015": " - ",
    "\u2026": "...",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u3000": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
}

# Phrases replaced by pattern, in order.  Each entry: (pattern, replacement).
PHRASES: tuple[tuple[re.Pattern, str], ...] = (
    # Cloudflare's placeholder for an e-mail address it hid from scrapers.
    (re.compile(r"\[\s*email(?:&#160;|\s)+protected\s*\]", re.I),
     "the email address on our website"),
    # ranges and fractions of percent: "10-20%" -> "10 to 20 percent"
    (re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%?\s*-\s*(\d+(?:\.\d+)?)\s*%"),
     r"\1 to \2 percent"),
    (re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%"), r"\1 percent"),
    # numbers with a slash that are names, not fractions
    (re.compile(r"(?<![\w./])24\s*/\s*7(?![\w/]|\.\d)"), "twenty-four seven"),
    (re.compile(r"(?<![\w./])50\s*/\s*50(?![\w/]|\.\d)"), "fifty-fifty"),
    (re.compile(r"(?<![\w./])9\s*/\s*11(?![\w/]|\.\d)"), "nine eleven"),
    # "1/10" -> "1 in 10" (not dates like 1/10/2024, not paths or URLs)
    (re.compile(r"(?<![\w./])(\d+)\s*/\s*(\d+)(?![\w/]|\.\d)"), r"\1 in \2"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)   # a resident render process keeps it: an edit normalizes only what changed
def spoken_text(text: str) -> str:
    """Normalize ``text`` for the speech engine; the same input always gives the same output."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_TABLE)
    text = _CONTROL.sub(" ", text)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return _SPACE.sub(" ", text).strip()


_TABLE = str.maketrans(CHARACTERS)
