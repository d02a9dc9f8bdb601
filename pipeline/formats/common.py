"""What every format parser produces, and the helpers they share.

A parser turns text into a :class:`Draft`: raw speaker labels exactly as written, with the
cleaned paragraphs of each turn. Resolving labels to people (``identity.py``) and building the
final :class:`~pipeline.model.Script` (``assemble.py``) happen once, for every format.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import ParseError, located


@dataclass
class RawTurn:
    label: str                     # the label as written in the source (e.g. "?Ella Hu")
    paragraphs: list[str]          # cleaned paragraphs
    line: int = 0                  # 1-based line where the turn starts
    heading: str | None = None     # a section heading just before this turn


@dataclass
class CastEntry:
    """A person named by the source outside the turns (header, front matter, companion)."""

    name: str
    roles: list[str] = field(default_factory=list)
    moderator: bool = False
    ids: list[str] = field(default_factory=list)  # labels standing for this person ("SA", a slug)


@dataclass
class Draft:
    turns: list[RawTurn] = field(default_factory=list)
    title: str = ""
    cast: list[CastEntry] = field(default_factory=list)
    intro: str = ""
    outro: str = ""
    warnings: list[str] = field(default_factory=list)


def fail(source: object, line: int | None, message: str) -> ParseError:
    """A ParseError whose message names the file (and line, when known)."""
    return ParseError(located(source, line, message))


# --- labels -------------------------------------------------------------------------------

HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame"}
GENERIC_LABEL = re.compile(
    r"^(?:speaker[ _-]?[0-9a-z]{1,3}|unknown(?: speaker)?|spk[ _-]?\d+|s\d+|guest ?\d*|"
    r"q|question|questioner|audience(?: member)?|unidentified(?: speaker)?|voice ?\d*|"
    r"participant ?\d*)$",
    re.IGNORECASE,
)
_STRAY = "?¿!*_#>~`\"'“”‘’«»•·-–—.,;:：|[](){}（）"
_TIMESTAMP = r"\(?\[?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?\]?\)?"


@functools.lru_cache(maxsize=16384)  # format detection asks about the same labels many times
def clean_label(raw: str) -> str:
    """A label without stray punctuation, honorifics, timestamps or a trailing ``| Org``."""
    label = raw.strip()
    label = re.sub(r"\s*[|｜].*$", "", label)                 # "Name | Org"
    label = re.sub(rf"(\s+{_TIMESTAMP})+\s*$", "", label)      # "James 00:02:46"
    label = _strip_symbols(label.strip(_STRAY + " \t"))
    words = label.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _strip_symbols(label: str) -> str:
    """Without emoji, marks and format characters at either end ("🎙️ Host" -> "Host"; the
    direction marks of right-to-left names)."""
    def symbol(c: str) -> bool:
        return c.isspace() or c in _STRAY or unicodedata.category(c) in ("So", "Sk", "Mn", "Me", "Cf")

    start, end = 0, len(label)
    while start < end and symbol(label[start]):
        start += 1
    while end > start and symbol(label[end - 1]):
        end -= 1
    return label[start:end]


def _capitalised(word: str) -> bool:
    """Starts with a capital or a digit, or with a letter of a script that has no case
    (Arabic, Hebrew, Devanagari, CJK...)."""
    c = word[0]
    return c.isupper() or c.isdigit() or (c.isalpha() and c.lower() == c.upper())


def is_generic(label: str) -> bool:
    """``Speaker 0``, ``SPEAKER_01``, ``Unknown Speaker``...: a placeholder, not a name."""
    return bool(GENERIC_LABEL.match(clean_label(label)))


_CONNECTORS = {"de", "da", "van", "von", "der", "den", "del", "la", "le", "bin", "al", "of",
               "the", "in", "mom", "dad", "member", "speaker", "y", "du", "di"}


@functools.lru_cache(maxsize=16384)
def looks_like_name(text: str, max_words: int = 5) -> bool:
    """True for a short capitalised phrase that could be a person's label."""
    text = clean_label(text)
    if not text or len(text) > 48 or re.search(r"[.!?;]\s|[\"“”,;=<>/\\@]", text):
        return False
    words = text.split()
    if len(words) > max_words:
        return False
    if re.search(r"[\u3040-\u9fff]", text):
        return len(text) <= 12
    if not re.search(r"[^\W\d_]", text):
        return False
    if not _capitalised(words[0]):
        return False
    lower = [w for w in words if not (_capitalised(w) or w[0] in "('(")]
    return all(w.lower() in _CONNECTORS for w in lower)


# --- text ---------------------------------------------------------------------------------

_STAGE_WORDS = re.compile(
    r"\b(?:laugh\w*|chuckl\w*|giggl\w*|applause|clapping|inaudible|unintelligible|"
    r"cross-?talk|indistinct\w*|music|silence|pauses?|sighs?|cough\w*|background noise|"
    r"audio cuts out|break|intro song|theme music|overlapping|overtalk|beeps?|inhales?|"
    r"exhales?|clears throat|sneez\w*)\b",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]{1,40})\)")
_BRACKET = re.compile(r"\[([^\[\]]{0,80})\](?!\()")
_MD_LINK = re.compile(r"\[([^\[\]]+)\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>")
_TAG = re.compile(r"</?[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}>")
_LEADING_TIME = re.compile(      # "(01:02) text", "00:01:02 text"; but "10:30 is late" stays
    r"^\s*(?:[\[(]\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?[\])]"
    r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)\s*"
)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_EMPHASIS = re.compile(r"(?<![\w*_])(\*{1,2}|_{1,2})(?=\S)(.+?)(?<=\S)\1(?![\w*_])")
_KEEP_BRACKETS = re.compile(r"^(?:email(?:&#160;|\s)protected|sic|\?|\.\.\.|…)$", re.I)


def _drop_stage_paren(match: re.Match) -> str:
    """``(laughs)``, ``(Laughter)``, ``(coughs loudly)``: short, with a stage word."""
    inner = match.group(1)
    return " " if len(inner.split()) <= 4 and _STAGE_WORDS.search(inner) else match.group(0)


def _drop_bracket(match: re.Match) -> str:
    inner = match.group(1).strip()
    return match.group(0) if _KEEP_BRACKETS.match(inner) else " "


def clean_text(text: str) -> str:
    """Speech text only: no markup, timestamps or stage directions; whitespace collapsed."""
    text = _AUTOLINK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _BRACKET.sub(_drop_bracket, text)
    text = _PAREN.sub(_drop_stage_paren, text)
    text = _LEADING_TIME.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.!?;:…])(?=\s|$)", r"\1", text)
    if re.fullmatch(r"[\W_]*|[\w-]{1,20}:", text):    # only punctuation, or a stray "code:"
        return ""
    return text


def split_paragraphs(lines: list[str]) -> list[str]:
    """Group lines into paragraphs at blank lines; lines inside a paragraph are re-joined."""
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


_ENDS_SENTENCE = re.compile(r"[.!?…:;。！？\"”’)\]]\s*$")


def unwrap_lines(lines: list[str]) -> list[str]:
    """Paragraphs of a text with no blank lines: one per line, except that a long line
    cut mid-sentence (hard-wrapped) continues on the next line."""
    paragraphs: list[str] = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        previous = paragraphs[-1] if paragraphs else ""
        if len(previous) >= 40 and not _ENDS_SENTENCE.search(previous):
            paragraphs[-1] = f"{previous} {line}"
        else:
            paragraphs.append(line)
    return paragraphs
