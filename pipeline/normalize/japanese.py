"""Japanese for eSpeak NG: kanji written out in hiragana (pykakasi), particles as they are said.

eSpeak NG's Japanese voice reads kana only: every kanji is read out in English as "Chinese
letter", so a Japanese sentence in the usual mixed script is unintelligible. pykakasi splits the
text into words and gives each word's reading; words with kanji are replaced by it, everything
else (kana, katakana loanwords, Latin letters, digits, punctuation) is kept as written. The
topic particle は is said "wa" and the direction particle へ "e": where pykakasi gives either
as a word of its own, or は after a particle or demonstrative in a run of kana ("には", "それは"),
it is written so (eSpeak would say "ha" and "he"). pykakasi reads a few words by their most
common reading where context asks for another: "今日は" comes out "こんにちは" (the greeting),
where "きょうは" was meant.

pykakasi's dictionary takes about 0.7 s to load: it is loaded on the first Japanese text only.
"""

from __future__ import annotations

import functools
import re
import threading

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")   # with 々, the repeat mark
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PARTICLES = {"は": "わ", "へ": "え"}
# Kana runs (pykakasi keeps a run of kana as one word) hold the topic particle after another
# particle or a demonstrative, and the greetings: there は is "wa" (these pairs are rare inside words).
_WA = re.compile(r"(には|では|とは|からは|までは|よりは|へは|これは|それは|あれは|ここは|そこは|こんにちは|こんばんは)")
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _converter():
    import pykakasi

    return pykakasi.kakasi()


def to_kana(text: str) -> str:
    """``text`` with every word that has kanji written in hiragana, and は/へ particles as said."""
    if not _JAPANESE.search(text):
        return text
    with _lock:                                       # pykakasi keeps state while converting
        words = _converter().convert(text)
    out = []
    for word in words:
        written = word["orig"]
        if written in _PARTICLES and out:             # a particle after a word, not a sentence's first kana
            out.append(_PARTICLES[written])
        elif not _KANJI.search(written) and _WA.search(written):
            out.append(_WA.sub(lambda m: m.group(1)[:-1] + "わ", written))
        elif _KANJI.search(written) and word["hira"]:
            out.append(word["hira"])
        else:
            out.append(written)
    return "".join(out)
