"""Split a paragraph into pieces of a few sentences each: the units an edit redoes.

A unit that is a whole paragraph makes a one-sentence edit re-synthesize and re-encode
the whole paragraph (a minute of speech, a quarter of a second). Units of a few sentences
cost a little more per unit in a cold render and much less per edit.

Where a piece ends is decided by the text itself (content-defined chunking, as in rsync
and backup tools), not by counting from the start of the paragraph: a piece ends after a
sentence when that sentence alone says so (it is long, or it is not short and its hash is
even). An edit therefore changes the piece it falls in, and at most one neighbour (when
the edited sentence's verdict flips, two pieces merge or one splits); every other piece
keeps its text, its key and its cached audio. A long sentence (some ten seconds of speech)
always ends its piece, so rewriting one never merges two pieces: the edit costs that
sentence's piece alone. Pieces end only at sentence ends, where eSpeak pauses anyway, so the
speech sounds as it would in one piece.
"""

from __future__ import annotations

import functools
import hashlib
import re

MIN_CHARS = 120   # a sentence shorter than this never ends a piece
LONG_CHARS = 150  # a sentence this long always ends its piece
SPLIT_ODDS = 2    # 1 in SPLIT_ODDS of the sentences in between ends its piece
# Every unit costs a fresh speech process and an encoder stream of its own. With these numbers
# the seed panel has 139 units, as many as with the rule before long sentences always ended a
# piece (80 characters and the hash alone gave 142; 80 with the long-sentence cut gave 168,
# and a cold render about 6% slower).

# A sentence ends at . ! or ? (and closing quotes or brackets) followed by space and a
# capital, digit or opening quote; not after a title, an initial or a common abbreviation.
_END = re.compile(r"""[.!?]+["'\u2019\u201d)\]]*\s+(?=["'\u2018\u201c(\[]?[A-Z0-9])""")
_NO_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Jr|St|Mt|Rev|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Hon|"
    r"vs|etc|approx|Inc|Ltd|Co|Corp|No|Nos|Vol|Fig|Figs|Eq|Ch|pp|e\.g|i\.e|a\.m|p\.m|U\.S|U\.K)"
    r"|\b[A-Z])\.$")


MAX_SENTENCE = 1500  # characters: a longer run without a sentence end is cut at a clause or word


def sentences(text: str) -> list[str]:
    """``text`` cut at its sentence ends; the pieces joined with one space give ``text`` back
    (up to the whitespace at the cuts). A run of more than ``MAX_SENTENCE`` characters without
    a sentence end is cut at its last clause mark or space before that length, so no unit holds
    more than some two minutes of speech, whatever the text."""
    return [part for sentence in _sentences(text) for part in _bounded(sentence)]


def _bounded(sentence: str) -> list[str]:
    out = []
    while len(sentence) > MAX_SENTENCE:
        head = sentence[:MAX_SENTENCE]
        cut = max(head.rfind(", "), head.rfind("; "), head.rfind(": "))
        cut = cut + 1 if cut > MAX_SENTENCE // 2 else head.rfind(" ")
        cut = cut if cut > 0 else MAX_SENTENCE
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    return [*out, sentence] if sentence else out


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in _END.finditer(text):
        head = text[start:m.start() + 1]
        if _NO_END.search(head):
            continue
        piece = text[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def pieces(text: str) -> list[str]:
    """``text`` as consecutive runs of whole sentences (see the module's docstring)."""
    return list(_pieces(text))


@functools.lru_cache(maxsize=4096)  # a resident render process keeps it: an edit cuts only what changed
def _pieces(text: str) -> tuple[str, ...]:
    out: list[str] = []
    current: list[str] = []
    for sentence in sentences(text):
        current.append(sentence)
        if _ends_piece(sentence):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return tuple(out) or (text,)


def _ends_piece(sentence: str) -> bool:
    """Whether a piece ends after ``sentence``: decided by that sentence alone."""
    if len(sentence) >= LONG_CHARS:
        return True
    if len(sentence) < MIN_CHARS:
        return False
    digest = hashlib.blake2b(sentence.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % SPLIT_ODDS == 0
