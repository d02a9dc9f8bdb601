"""Readings of letters and symbols: web addresses, abbreviations, Roman numerals, acronyms, symbols."""

from __future__ import annotations

import re

from .words import cardinal, ordinal

TLDS = ("com|org|net|edu|gov|io|ai|dev|co|uk|us|ca|de|fr|jp|cn|in|eu|app|xyz|me|tv|fm|info|biz|ly|gg|so|sh|"
        "to|is|it|nl|ch|au|ru|es|se|no|fi|be|at|pl|br|kr|tw|hk|sg|nz|ie|page|blog|news|tech|site|cloud|pub")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}\.)+(?:{TLDS})"
_PATH = r"(?:/[\w\-.~%/:+=]*[\w/])?/?"
_QUERY = r"(?:[?#][^\s]*[^\s.,;:!?)\]])?"
_SPELLED = {"www": "W W W"}


def _host(host: str) -> str:
    return " dot ".join(_SPELLED.get(part.lower(), part) for part in host.split("."))


def _path(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.endswith(":")]     # no "https:" of a nested address
    spoken = []
    for part in parts:
        part = re.sub(r"\.(html?|php|aspx?)$", "", part)
        spoken.append(re.sub(r"[-_.~%:+=]+", " ", part).strip())
    return "".join(f" slash {p}" for p in spoken if p)


def _url(m: re.Match) -> str:
    """https://openai.com/blog?x=1 -> "openai dot com slash blog": no scheme, no query (nobody says them)."""
    return _host(m.group("host")) + _path(m.group("path") or "")


def _email(m: re.Match) -> str:
    user = re.sub(r"[._-]", lambda c: {".": " dot ", "_": " underscore ", "-": " dash "}[c.group(0)], m.group(1))
    return f"{user} at {_host(m.group(2))}"


ABBREVIATIONS = {
    "vs.": "versus", "vs": "versus", "e.g.": "for example", "E.g.": "For example", "i.e.": "that is",
    "I.e.": "That is", "etc.": "et cetera", "etc": "et cetera", "approx.": "approximately",
    "Approx.": "Approximately", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Prof.": "Professor",
    "Jr.": "Junior", "Sr.": "Senior", "Mt.": "Mount", "Ave.": "Avenue", "Fig.": "Figure", "fig.": "figure",
    "w/o": "without", "w/": "with", "ca.": "circa", "Ph.D.": "P.H.D", "PhD": "P.H.D", "C#": "C sharp",
    "F#": "F sharp",
}
_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:e\.g\.|E\.g\.|i\.e\.|I\.e\.|etc\.?|vs\.?|approx\.|Approx\.|Mrs\.|Mr\.|Ms\.|Prof\.|Jr\.|Sr\.|"
    r"Mt\.|Ave\.|Fig\.|fig\.|w/o|w/(?=\s)|ca\.(?=\s?\d)|Ph\.D\.|PhD|[CF]#)(?![\w])")


def _abbreviation(m: re.Match) -> str:
    written = m.group(0)
    spoken = ABBREVIATIONS[written]
    end = m.end()
    rest = m.string[end:]
    # the abbreviation's dot also ended the sentence: give it back ("..., etc. Then")
    if written.endswith(".") and written not in ("e.g.", "E.g.", "i.e.", "I.e.") and (
            not rest.strip() or re.match(r"\s+[A-Z]", rest)) and written in ("etc.", "Jr.", "Sr.", "Ave.", "approx."):
        spoken += "."
    return spoken


def _doctor(m: re.Match) -> str:
    return "Doctor" if m.group(1) else "doctor"


def _saint_or_street(m: re.Match) -> str:
    text, start, end = m.string, m.start(), m.end()
    before = re.search(r"(\S+)\s+$", text[max(0, start - 30):start])
    previous = before.group(1) if before else ""
    sentence_start = not previous or previous[-1] in ".!?"
    after_name = previous[:1].isupper() and not sentence_start and previous.isalpha()
    after_number = bool(re.search(r"(?:\d|first|second|third|th)$", previous))
    if not after_name and not after_number and re.match(r"\s+[A-Z]", text[end:]):
        return "Saint"
    rest = text[end:]
    return "Street" + ("." if not rest.strip() or re.match(r"\s+[A-Z]", rest) else "")


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_CARDINAL_CONTEXT = frozenset(
    "War Part Chapter Volume Vol Phase Title Bowl Act Book Section Type Class Mark Mk Episode Season Round "
    "Stage Level Tier Gen Series Article Appendix Grade Schedule Category".split())


def _roman(numeral: str) -> int:
    total = 0
    for a, b in zip(numeral, numeral[1:] + " "):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total


def _roman_numeral(m: re.Match) -> str:
    name, numeral = m.group(1), m.group(2)
    if name in _CARDINAL_CONTEXT:
        return f"{name} {cardinal(_roman(numeral))}"
    if len(numeral) < 2:            # "Malcolm X", "Plan V": a letter, not a number
        return m.group(0)
    return f"{name} the {ordinal(_roman(numeral))}"


# All-capital words read as words, not letters (the rest are spelled: "AGI" -> "A.G.I").  "SQL" is
# spelled: "S Q L" is the standard's own reading and eSpeak's, and a lexicon entry makes it "sequel".
# Acronyms said as words are written with one capital ("ELF" -> "Elf"): in capitals eSpeak may
# spell them, depending on the words around them.
SAID_AS_WORDS = frozenset(
    "NASA NATO UNESCO UNICEF NAFTA OPEC FIFA NASDAQ LASER RADAR SCUBA AIDS COVID SARS MERS GIF JPEG PNG "
    "WIFI RAM ROM SIM PIN CAPTCHA ASCII GUI SCSI YAML JSON CRUD REST FOMO YOLO POTUS SCOTUS FEMA DARPA "
    "CERN IKEA LEGO FAIR ELF OK GNU NIST ISIS ICANN TOML WASM LIDAR SONAR INTERPOL EBITDA GAAP ANSI "
    "DAO DEX NFT KYC BIP PRISM".split())
# English words written in capitals for emphasis, left as they are
AS_WORDS = SAID_AS_WORDS | frozenset(
    "A I AN THE AND OR NOT NO YES ALL ANY SO IF BUT TO OF IN ON AT BY FOR WITH FROM UP OUT OFF IS ARE WAS BE "
    "DO DID DOES CAN WILL MUST ONLY MORE MOST EVERY VERY REALLY NEVER ALWAYS WHAT WHY HOW WHO WHEN WHERE "
    "THIS THAT THESE THOSE HE SHE WE YOU THEY IT MY YOUR OUR HUGE BIG LOT LOTS GOOD BAD NOW WANT NEED LOVE "
    "HATE GO STOP WOW HELP NEW OLD ONE TWO THREE TEN HAVE HAS HAD JUST LIKE GET GOT SAY SAID THINK KNOW "
    "SEE LOOK MAKE TAKE COME BACK EVEN STILL THAN THEN THERE HERE WELL SURE YEAH HEY OH AH UH UM HMM NOTE "
    "WARNING TODO FREE END".split())

EMPHASIS = AS_WORDS - SAID_AS_WORDS
_ACRONYM = re.compile(r"(?<![\w.'])([A-Z]{2,6})(s|'s)?(?![\w']|\.[A-Za-z])")
_CAPS_WORD = re.compile(r"[A-Z][A-Z']+")


def _acronym(m: re.Match) -> str:
    letters, suffix = m.group(1), m.group(2)
    if letters in SAID_AS_WORDS:
        return letters.capitalize() + (suffix or "")
    if letters in AS_WORDS:
        return m.group(0)
    # a run of capital words is shouting or a heading, not acronyms: left for eSpeak to read as words
    text = m.string
    before = text[max(0, m.start() - 30):m.start()].split()
    after = text[m.end():m.end() + 30].split()
    neighbours = [w.strip(",.;:!?\"'()") for w in before[-1:] + after[:1]]
    if any(len(w) > 1 and w in EMPHASIS and _CAPS_WORD.fullmatch(w) for w in neighbours):
        return m.group(0)
    return ".".join(letters) + ("'s" if suffix else "")


# Before the numbers: addresses hold digits, and "No. 5" or "5th St." need theirs.
EARLY: tuple[tuple[re.Pattern, object], ...] = (
    (re.compile(r"(?<![\w@.])(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?P<host>" + _HOST + r")(?P<path>" + _PATH + r")"
                + _QUERY + r"(?![\w@])"), _url),
    (re.compile(r"(?<![\w.])([A-Za-z0-9][\w.+-]*)@(" + _HOST + r")(?![\w])"), _email),
    (re.compile(r"(?<![\w.])(?:(Dr)|(dr))\.(?=\s+[A-Z])"), _doctor),
    (re.compile(r"(?<![\w.])St\.(?!\w)"), _saint_or_street),
    (re.compile(r"(?<![\w.])(?:No|no|Nos|nos)\.\s?(?=\d)"), lambda m: "number " if m.group(0)[0] == "n" else "Number "),
    (_ABBREVIATION, _abbreviation),
)

# After the numbers: "GPT2" has become "GPT two" by then.
LATE: tuple[tuple[re.Pattern, object], ...] = (
    (re.compile(r"\b([A-Z][a-z]+) (X{0,3}(?:IX|IV|V?I{0,3}))\b(?![.'-]?\w)"),
     lambda m: (_roman_numeral(m) if m.group(2) and (m.group(2) != "I" or m.group(1) in _CARDINAL_CONTEXT)
                else m.group(0))),
    (_ACRONYM, _acronym),
    (re.compile(r"\bIPv(?=\s)"), lambda m: "I.P.v"),          # IPv4, IPv6 (by then "IPv four")
    (re.compile(r"(?<=\w)\s?&\s?(?=\w)|(?<=\s)&(?=\s)"), lambda m: " and "),
    (re.compile(r"(?<=\s)@(?=\w)"), lambda m: "at "),
    (re.compile(r"(?<=\w)\+(?=\s)"), lambda m: " plus"),
)
