"""Number words (num2words, imported on first use) and the small word tables the readings share."""

from __future__ import annotations

import functools
import re

_ENGLISH = None


def _english():
    global _ENGLISH
    if _ENGLISH is None:                 # num2words costs ~40 ms to import: only text with numbers pays it
        from num2words.lang_EN import Num2Word_EN
        _ENGLISH = Num2Word_EN()
    return _ENGLISH


def _plain(words: str) -> str:
    """num2words' British "one hundred and five, ..." -> "one hundred five" (no "and", no commas:
    a comma inside a number would make eSpeak pause)."""
    return words.replace(",", "").replace(" and ", " ")


@functools.lru_cache(maxsize=4096)
def cardinal(n: int) -> str:
    """12 -> "twelve"; 1200000 -> "one million two hundred thousand"; very long ones digit by digit."""
    if n >= 10 ** 15:
        return digits(str(n))
    return _plain(_english().to_cardinal(n))


@functools.lru_cache(maxsize=4096)
def ordinal(n: int) -> str:
    """21 -> "twenty-first"."""
    return _plain(_english().to_ordinal(n))


@functools.lru_cache(maxsize=1024)
def year(n: int) -> str:
    """2017 -> "twenty seventeen", 2000 -> "two thousand", 2008 -> "two thousand eight",
    1905 -> "nineteen oh five"."""
    return _plain(_english().to_year(n)).replace("-", " ") if n % 100 < 10 else _plain(_english().to_year(n))


def digits(text: str) -> str:
    """"007" -> "zero zero seven"."""
    return " ".join(cardinal(int(d)) for d in text if d.isdigit())


def number(text: str) -> str:
    """A written number ("1,200,000", "3.5", "007", "-4") in words."""
    text = text.replace(",", "")
    sign = ""
    if text.startswith("-"):
        sign, text = "minus ", text[1:]
    whole, _, fraction = text.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        spoken = digits(whole)
    else:
        spoken = cardinal(int(whole or "0"))
    if fraction:
        spoken += " point " + digits(fraction)
    return sign + spoken


def value(text: str) -> float:
    return float(text.replace(",", ""))


def plural(words: str) -> str:
    """"nineteen ninety" -> "nineteen nineties", "one hundred" -> "hundreds"."""
    head, _, last = words.rpartition(" ")
    if head == "one" and last in ("hundred", "thousand", "million", "billion"):
        head = ""
    if last.endswith("y"):
        last = last[:-1] + "ies"
    elif last.endswith("x"):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}".strip()


def fraction(numerator: int, denominator: int) -> str | None:
    """(1, 10) -> "one tenth", (3, 4) -> "three quarters"; None where people say "over"."""
    if denominator < 2 or not (denominator <= 20 or denominator in (100, 1000)):
        return None
    many = numerator != 1
    if denominator == 2:
        name = "halves" if many else "half"
    elif denominator == 4:
        name = "quarters" if many else "quarter"
    else:
        name = ordinal(denominator).replace("one hundredth", "hundredth").replace("one thousandth", "thousandth")
        name += "s" if many else ""
    return f"{cardinal(numerator)} {name}"


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, 1)}
MONTH_NUMBER.update({name[:3].lower(): i for i, name in enumerate(MONTHS, 1)})
MONTH_NUMBER["sept"] = 9
MONTH_PATTERN = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
                 r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")

# Words after a 4-digit number that make it a count ("2017 people"), besides plurals ending in -s.
COUNT_NOUNS = frozenset(
    "people men women children persons staff data feet teeth mice sheep fish deer personnel cattle "
    "times percent dollars euros pounds yen yuan".split())
# Words ending in -s that are not plural nouns (so "in 2017 was" stays a year).
NOT_PLURAL = frozenset(
    "is was has as its this us yes across plus thus always perhaps whereas versus minus does goes "
    "his hers ours yours theirs besides sometimes afterwards towards unless less".split())
# Words before a number that make it a label, read as a plain number ("page 100", "room 1999").
LABELS = frozenset(
    "page pages number no room chapter episode line lines version route step figure table exit channel "
    "pp item items section rule flight bus apartment suite unit box level track id code".split())

SCORE_WORDS = re.compile(
    r"\b(?:won|win|wins|winning|lost|lose|loses|losing|beat|beats|beating|beaten|defeat\w*|scor\w*|"
    r"vote\w*|victory|tied|tie|draw|drew|lead|led|leads|record|final|match|game)\b", re.I)
SCORE_AFTER = re.compile(r"\s+(?:vote|victory|win|loss|lead|decision|majority|defeat|score|record)\b", re.I)


def is_year_like(n: int) -> bool:
    return 1100 <= n <= 2099


_WORD_AFTER = re.compile(r"\s*([A-Za-z]+)")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s*$")


def word_after(text: str, position: int) -> str:
    found = _WORD_AFTER.match(text, position)
    return found.group(1) if found else ""


def word_before(text: str, position: int) -> str:
    found = _WORD_BEFORE.search(text, max(0, position - 40), position)
    return found.group(1) if found else ""


def counts(noun: str) -> bool:
    """Is ``noun`` something counted (so a number before it is a count, not a year)?"""
    noun = noun.lower()
    return noun in COUNT_NOUNS or (len(noun) > 3 and noun.endswith("s") and not noun.endswith("ss")
                                   and noun not in NOT_PLURAL)


def count(text: str, written: str, start: int, end: int | None = None) -> str:
    """A number read as a count: "100 years" -> "a hundred years" (but "page 100", "BIP 125 is" -> "one
    hundred...": after a label or a name in capitals the number names something).
    ``end`` is where the number's noun may start; None when a unit or scale word follows anyway."""
    spoken = number(written)
    noun = end is None or (text[end:end + 1].isspace() and bool(word_after(text, end)))
    before = word_before(text, start)
    if spoken.startswith("one hundred") and noun and before.lower() not in LABELS and not before.isupper():
        spoken = "a" + spoken[3:]
    return spoken
