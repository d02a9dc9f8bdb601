"""Written abbreviations of languages other than English, said in full.

eSpeak NG spells them or reads them as words: German "z. B." comes out "zet be", "usw." as
"usf", "Dr." as "de er"; French "M. Dupont" as "em Dupont". A person reads them in full. The
table holds the common ones of each language with templates (data, not code); each is matched
as written (case counts: "Dr." but not "dr."), whole, with or without the space inside
("z. B." and "z.B."). English has its own rules (``letters.py``), and the normalizer of
another language never sees English text.
"""

from __future__ import annotations

import functools
import re

ABBREVIATIONS: dict[str, dict[str, str]] = {
    "de": {
        "z. B.": "zum Beispiel", "d. h.": "das heißt", "u. a.": "unter anderem", "usw.": "und so weiter",
        "bzw.": "beziehungsweise", "ca.": "circa", "Nr.": "Nummer", "Dr.": "Doktor", "Prof.": "Professor",
        "Mio.": "Millionen", "Mrd.": "Milliarden", "Tsd.": "Tausend", "evtl.": "eventuell",
        "ggf.": "gegebenenfalls", "inkl.": "inklusive", "vgl.": "vergleiche", "s. o.": "siehe oben",
        "z. T.": "zum Teil", "o. Ä.": "oder Ähnliches", "Hr.": "Herr", "Std.": "Stunden",
    },
    "fr": {
        "M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mlle": "Mademoiselle", "Dr": "Docteur",
        "Pr": "Professeur", "p. ex.": "par exemple", "etc.": "et cetera", "c.-à-d.": "c'est-à-dire",
        "env.": "environ", "n°": "numéro", "Mds": "milliards", "Md": "milliard",
    },
    "es": {
        "Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor", "Dra.": "doctora",
        "p. ej.": "por ejemplo", "etc.": "etcétera", "EE. UU.": "Estados Unidos", "aprox.": "aproximadamente",
        "núm.": "número", "Ud.": "usted", "Uds.": "ustedes",
    },
    "it": {
        "Sig.": "signor", "Sig.ra": "signora", "Dott.": "dottor", "Dott.ssa": "dottoressa", "Prof.": "professor",
        "ecc.": "eccetera", "es.": "esempio", "ca.": "circa", "n.": "numero",
    },
    "pt": {
        "Sr.": "senhor", "Sra.": "senhora", "Dr.": "doutor", "Dra.": "doutora", "p. ex.": "por exemplo",
        "etc.": "et cetera", "aprox.": "aproximadamente", "nº": "número",
    },
    "nl": {
        "bijv.": "bijvoorbeeld", "d.w.z.": "dat wil zeggen", "enz.": "enzovoort", "o.a.": "onder andere",
        "dhr.": "de heer", "mevr.": "mevrouw", "ca.": "circa", "nr.": "nummer", "Dr.": "dokter",
    },
}


# Abbreviations always followed by what they qualify (a name, a number): their full stop never
# ends a sentence. Any other one that ends a sentence keeps its full stop ("usw. Dann" ->
# "und so weiter. Dann").
BEFORE_A_WORD = frozenset({
    "Dr.", "Prof.", "Hr.", "Nr.", "M.", "MM.", "Sr.", "Sra.", "Srta.", "Dra.", "núm.", "Sig.", "Sig.ra",
    "Dott.", "Dott.ssa", "n.", "dhr.", "mevr.", "nr.",
})
_SENTENCE_GOES_ON = re.compile(r"\s*[^\s\"'\u201c\u201e\u00ab(A-ZÀ-ÖØ-Þ]")


def _pattern(key: str) -> str:
    """``key`` as a regex: each ". " inside may be written without the space; whole words only."""
    parts = [re.escape(p) for p in key.split(" ")]
    body = r"\s?".join(parts)
    tail = "" if key.endswith(".") else r"(?!\w)"
    return rf"(?<!\w){body}{tail}"


@functools.lru_cache(maxsize=None)
def _compiled(language: str) -> tuple[re.Pattern, dict[str, str]] | None:
    table = ABBREVIATIONS.get(language)
    if not table:
        return None
    keys = sorted(table, key=len, reverse=True)          # "Dott.ssa" before "Dott."
    pattern = re.compile("|".join(f"(?P<k{i}>{_pattern(k)})" for i, k in enumerate(keys)))
    return pattern, {f"k{i}": (table[k], k.endswith(".") and k not in BEFORE_A_WORD) for i, k in enumerate(keys)}


def expand(text: str, language: str) -> str:
    """``text`` with the language's abbreviations written out (unchanged for other languages)."""
    found = _compiled(language)
    if found is None:
        return text
    pattern, readings = found

    def said(m: re.Match) -> str:
        reading, may_end = readings[m.lastgroup]
        ends = may_end and not _SENTENCE_GOES_ON.match(text, m.end())
        return reading + "." if ends else reading

    return pattern.sub(said, text)
