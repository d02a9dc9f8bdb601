"""The reading layer: written text -> the text the speech engine is given.

In order: the user's lexicon (config ``lexicon:``, then the ``--lexicon`` file), speaker
names (cast ``say:`` respellings, then built-in pinyin respellings: English text only, as
they respell for English readers), then ``spoken_text`` in the text's language (numbers,
symbols, typography). Every unit, ``panelcast say`` and ``inspect --spoken`` read
through ``reading()``, so what is shown is what is spoken.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field

from .language import is_english
from .lexicon import Lexicon
from .names import Names
from .speech import spoken_text


@functools.lru_cache(maxsize=8192)
def reading(text: str, lexicon: Lexicon, names: Names, language: str = "en") -> str:
    """``text`` in ``language`` as the engine gets it. What the lexicon put in is not read as a name."""
    english = is_english(language)
    pieces = [piece if replaced or not english else names.apply(piece) for piece, replaced in lexicon.pieces(text)]
    return spoken_text("".join(pieces), language)


@dataclass(frozen=True)
class Reading:
    """A lexicon and the names of an episode: ``Reading(...)(text)`` is ``reading(text, ...)``."""

    lexicon: Lexicon = field(default_factory=Lexicon)
    names: Names = field(default_factory=Names)

    def __call__(self, text: str, language: str = "en") -> str:
        return reading(text, self.lexicon, self.names, language)


def marked(written: str, spoken: str) -> str:
    """``spoken`` with each changed run of words shown as ``[written -> spoken]``."""
    a, b = written.split(), spoken.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(b[j1:j2])
        else:
            out.append(f"[{' '.join(a[i1:i2])} -> {' '.join(b[j1:j2])}]")
    return " ".join(out)
