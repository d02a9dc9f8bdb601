"""English text normalization: decides how each written thing is read aloud (the engine says it).

Categories (after NeMo's): cardinals, ordinals, decimals, fractions, money and currency codes,
multipliers, ranges and scores, years and decades, times, dates, telephone numbers, units,
abbreviations, acronyms, Roman numerals, web and e-mail addresses, quarters, percent and symbols.
Rules run in a fixed order over each stretch of text outside ``[[...]]`` phoneme spans, which pass
through untouched.  Every number ends up in words, so normalizing twice changes nothing.
"""

from __future__ import annotations

import re

from . import letters, numbers

SPAN = re.compile(r"(\[\[.*?\]\])", re.S)
_DIGIT = re.compile(r"\d")


def _safe(reading):
    """A reading that fails on some odd match leaves it as written (the rules after it still read
    its digits): normalization never raises."""
    def read(match: re.Match) -> str:
        try:
            return reading(match)
        except (ArithmeticError, LookupError, ValueError):
            return match.group(0)
    return read


_EARLY = tuple((pattern, _safe(reading)) for pattern, reading in letters.EARLY)
_NUMBERS = tuple((pattern, _safe(reading)) for pattern, reading in numbers.RULES)
_LATE = tuple((pattern, _safe(reading)) for pattern, reading in letters.LATE)


def normalize(text: str) -> str:
    """Written English -> the words a person says for it (``[[...]]`` spans kept byte for byte)."""
    pieces = SPAN.split(text)
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        for pattern, reading in _EARLY:
            piece = pattern.sub(reading, piece)
        if _DIGIT.search(piece):         # most sentences hold no number: their rules are skipped
            for pattern, reading in _NUMBERS:
                piece = pattern.sub(reading, piece)
        for pattern, reading in _LATE:
            piece = pattern.sub(reading, piece)
        pieces[i] = piece
    return "".join(pieces)
