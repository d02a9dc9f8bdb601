"""Dates of languages other than English, said as a person says them.

eSpeak NG reads "12.03.2024" in German as "zwölf Punkt null drei Punkt zweitausend...", and
"am 3. Mai" as "am drei Mai". A person says "am zwölften März zweitausendvierundzwanzig" and
"am dritten Mai". For each language with a table here, a numeric date (day, month and year as
the language writes them, with a valid day and month) and a day before a month's name are
written out in words, before the numbers are read (``intl.py``), so nothing of them is read
again. Decisions:

- German days are ordinals, declined: "-ten" after a word that asks for it (am, vom, zum, den,
  ...), else "-te" ("der zwölfte März"). A day before a month's name is a date only with its
  full stop ("3. Mai"). German and Dutch years 1100-1999 are said in hundreds.
- French, Italian, Spanish, Portuguese and Dutch days are cardinals, except the first of the
  month in French ("premier"), Italian ("primo") and Portuguese ("primeiro").
- Spanish and Portuguese join with "de" ("doce de marzo de dos mil veinticuatro").
- The numeric order is always day, month, year (how these languages write dates); a month
  above 12 or a day above 31 is no date and is left alone.
"""

from __future__ import annotations

import functools
import re

from num2words import num2words

MONTHS = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
# day month year, said: {day}, {month}, {year}
SAID = {"de": "{day} {month} {year}", "fr": "{day} {month} {year}", "es": "{day} de {month} de {year}",
        "it": "{day} {month} {year}", "pt": "{day} de {month} de {year}", "nl": "{day} {month} {year}"}
SEPARATORS = {"de": r"\.", "fr": r"/", "es": r"/", "it": r"/", "pt": r"/", "nl": r"[-/]"}
FIRST = {"fr": "premier", "it": "primo", "pt": "primeiro"}
YEAR_IN_HUNDREDS = ("de", "nl")
GERMAN_DATIVE = frozenset("am vom zum beim im den dem seit ab bis".split())


@functools.lru_cache(maxsize=None)
def _patterns(language: str) -> tuple[re.Pattern, re.Pattern | None]:
    sep = SEPARATORS[language]
    numeric = re.compile(rf"(?<![\d.,/-])(\d{{1,2}}){sep}(\d{{1,2}}){sep}(\d{{4}})(?![\d]|[.,/-]\d)")
    named = None
    if language == "de":
        names = "|".join(MONTHS["de"].split())
        named = re.compile(rf"(?<![\d.,])(\d{{1,2}})\.\s({names})\b")
    return numeric, named


def _year(year: int, language: str) -> str:
    if language in YEAR_IN_HUNDREDS and 1100 <= year <= 1999:
        return num2words(year, lang=language, to="year")
    return num2words(year, lang=language)


def _day(day: int, language: str, before: str) -> str:
    if language == "de":
        ordinal = num2words(day, lang="de", to="ordinal")
        word = before.split()[-1].lower() if before.split() else ""
        return ordinal + "n" if word in GERMAN_DATIVE else ordinal
    if day == 1 and language in FIRST:
        return FIRST[language]
    return num2words(day, lang=language)


def read_dates(text: str, language: str) -> str:
    """``text`` with its dates written out in ``language`` (unchanged for a language not here)."""
    if language not in MONTHS or not any(c.isdigit() for c in text):
        return text
    numeric, named = _patterns(language)
    months = MONTHS[language].split()

    def date(m: re.Match) -> str:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        return SAID[language].format(day=_day(day, language, text[:m.start()]), month=months[month - 1],
                                     year=_year(year, language))

    def day_of(m: re.Match) -> str:
        day = int(m.group(1))
        if not 1 <= day <= 31:
            return m.group(0)
        return f"{_day(day, language, text[:m.start()])} {m.group(2)}"

    text = numeric.sub(date, text)
    if named is not None:
        text = named.sub(day_of, text)
    return text
