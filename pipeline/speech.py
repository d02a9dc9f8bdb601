"""Written text -> the text the speech engine should say (deterministic, table-driven).

Typography and the Cloudflare placeholder are handled here; how numbers, money, dates, units,
abbreviations, acronyms and addresses are read is decided by ``pipeline.normalize`` for English,
and for other languages by ``pipeline.normalize.intl`` (numbers through num2words where it
speaks the language, else left to eSpeak NG, whose number reading knows the language). English
rules never touch another language's text.
``spoken_text`` is part of every unit's cache key, so any change to these tables changes
what is spoken and must be treated like an engine change.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .language import base
from .normalize import SPAN, normalize
from .normalize.abbreviations import expand
from .normalize.dates import read_dates
from .normalize.intl import read_numbers
from .normalize.japanese import to_kana

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
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")



@functools.lru_cache(maxsize=8192)   # a resident render process keeps it: an edit normalizes only what changed
def spoken_text(text: str, language: str = "en") -> str:
    """Normalize ``text`` in ``language`` for the speech engine; the same input always gives the
    same output, and spoken text is its own spoken text (a reading can bring two pieces together
    that a rule then reads again, as in "20%.openai.com": the rules run until nothing changes,
    three times at most)."""
    code = base(language)
    spoken = _once(text, code, language)
    for _ in range(2):
        again = _once(spoken, code, language)
        if again == spoken:
            break
        spoken = again
    return spoken


def _once(text: str, code: str, language: str) -> str:
    """One pass of the rules of ``language`` (``code``: its base code) over ``text``."""
    pieces = SPAN.split(text)            # [[...]] phoneme spans pass through byte for byte
    for i in range(0, len(pieces), 2):
        piece = unicodedata.normalize("NFC", pieces[i])
        piece = piece.translate(_TABLE)
        piece = _CONTROL.sub(" ", piece)
        if code == "en":
            for pattern, replacement in PHRASES:
                piece = pattern.sub(replacement, piece)
            piece = normalize(piece)
        else:
            piece = expand(read_numbers(read_dates(piece, code), language), code)
            if code == "ja":
                piece = to_kana(piece)
        pieces[i] = _SPACE.sub(" ", piece)
    return "".join(pieces).strip()


_TABLE = str.maketrans(CHARACTERS)
