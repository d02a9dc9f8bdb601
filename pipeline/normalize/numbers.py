"""Readings of numbers: money, percent, multipliers, ranges and scores, fractions, dates, times,
decades, ordinals, units, years and plain counts.  Each rule is (pattern, reading of a match)."""

from __future__ import annotations

import re

from .words import (MONTHS, MONTH_NUMBER, MONTH_PATTERN, LABELS, SCORE_AFTER, SCORE_WORDS, cardinal, count,
                    counts, digits, fraction, is_year_like, number, ordinal, plural, value, word_after,
                    word_before, year)

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
START = r"(?<![\w.,/$€£¥₹#@-])"           # a number that is not part of a longer token
DASH = r"\s?[-–]\s?"

CURRENCIES = {   # symbol or code: (one, many, hundredth, hundredths)
    "$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "USD": ("US dollar", "US dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"), "JPY": ("yen", "yen", "", ""),
    "CNY": ("yuan", "yuan", "", ""), "RMB": ("yuan", "yuan", "", ""),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CHF": ("Swiss franc", "Swiss francs", "", ""), "INR": ("rupee", "rupees", "", ""),
    "BTC": ("bitcoin", "bitcoin", "", ""), "ETH": ("ether", "ether", "", ""),
}
SCALES = {"k": "thousand", "K": "thousand", "M": "million", "MM": "million", "m": "million", "mn": "million",
          "B": "billion", "b": "billion", "bn": "billion", "T": "trillion", "tn": "trillion",
          "thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion"}
SCALE = r"(?:\s?(?P<scale>MM|mn|bn|tn|[kKMmBbT])(?![\w'])|\s(?P<word>thousand|million|billion|trillion)\b)"
PER = {"mo": "month", "yr": "year", "hr": "hour", "h": "hour", "wk": "week", "d": "day", "ea": "each"}

UNITS = {  # written unit: (one, many)
    "°C": ("degree Celsius", "degrees Celsius"), "℃": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "°": ("degree", "degrees"),
    "km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"), "km": ("kilometer", "kilometers"), "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "nm": ("nanometer", "nanometers"), "µm": ("micrometer", "micrometers"),
    "kg": ("kilogram", "kilograms"), "mg": ("milligram", "milligrams"), "g": ("gram", "grams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"), "mi": ("mile", "miles"),
    "ft": ("foot", "feet"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"), "µs": ("microsecond", "microseconds"), "ns": ("nanosecond", "nanoseconds"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"),
    "h": ("hour", "hours"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"), "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "PB": ("petabyte", "petabytes"), "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"), "kbps": ("kilobit per second", "kilobits per second"),
    "kWh": ("kilowatt hour", "kilowatt hours"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"), "W": ("watt", "watts"), "V": ("volt", "volts"), "mAh": ("milliamp hour", "milliamp hours"),
    "dB": ("decibel", "decibels"), "fps": ("frame per second", "frames per second"), "px": ("pixel", "pixels"),
}
YEAR_WORDS = frozenset("year in since circa by until till from before after of".split())
UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))


def _stop(m: re.Match) -> str:
    """A sentence's full stop swallowed by an abbreviation ("9 a.m. Then") is given back."""
    end = m.end()
    if m.group(0).endswith(".") and (end == len(m.string) or re.match(r"\s+[A-Z]", m.string[end:end + 2])):
        return "."
    return ""


def _money(m: re.Match) -> str:
    one, many, cent, cents = CURRENCIES[m.group("cur")]
    low, high = m.group("n1"), m.group("n2")
    scale = SCALES.get(m.group("scale") or m.group("word") or "", "")
    if scale:
        spoken = count(m.string, low, m.start()) + (f" to {number(high)}" if high else "")
        return f"{spoken} {scale} {many}"
    if high:
        return f"{number(low)} to {number(high)} {many}"
    whole, _, part = low.replace(",", "").partition(".")
    if len(part) == 2 and cent:
        units, hundredths = int(whole or 0), int(part)
        if units == 0:
            return f"{cardinal(hundredths)} {cent if hundredths == 1 else cents}"
        spoken = f"{cardinal(units)} {one if units == 1 else many}"
        return spoken + (f" {cardinal(hundredths)}" if hundredths else "")
    return f"{count(m.string, low, m.start())} {one if value(low) == 1 else many}"


def _money_per(m: re.Match) -> str:
    unit = m.group(2)
    return f"{m.group(1)} a {PER.get(unit, unit)}"


def _range(m: re.Match) -> str:
    """"5-10" -> "five to ten"; a score ("won 20-0", "a 3-2 vote") -> "twenty to nothing", "three to two"
    (American usage: "nil" is British, and "zero" sounds read off a screen)."""
    low, high = m.group(1), m.group(2)
    text, start = m.string, m.start()
    before = text[max(0, text.rfind(".", 0, start) + 1, start - 60):start]
    if SCORE_WORDS.search(before) or SCORE_AFTER.match(text, m.end()):
        nothing = lambda n: "nothing" if int(n) == 0 else cardinal(int(n))   # noqa: E731
        return f"{nothing(low)} to {nothing(high)}"
    if "." not in low + high and "," not in low + high:
        a, b = int(low), int(high)
        if len(low) == 4 and is_year_like(a) and (is_year_like(b) or len(high) == 2) and b != 0 and a < (
                b if len(high) == 4 else a // 100 * 100 + b):
            return f"{year(a)} to {year(b) if len(high) == 4 else cardinal(b)}"
    return f"{number(low)} to {number(high)}"


def _fraction(m: re.Match) -> str:
    numerator, denominator = int(m.group(1)), int(m.group(2))
    return fraction(numerator, denominator) or f"{cardinal(numerator)} over {cardinal(denominator)}"


def _date_iso(m: re.Match) -> str:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return f"{MONTHS[mo - 1]} {ordinal(d)}, {year(y)}"


def _date_slashes(m: re.Match) -> str:
    a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
    if a > 12 and b > 12:           # no month: not a date
        return m.group(0)
    month, day = (b, a) if a > 12 else (a, b)
    y = int(y) if len(y) == 4 else 2000 + int(y) if int(y) < 50 else 1900 + int(y)
    return f"{MONTHS[month - 1]} {ordinal(day)}, {year(y)}"


def _date_words(m: re.Match) -> str:
    month = MONTHS[MONTH_NUMBER[m.group(1).rstrip(".").lower()] - 1]
    spoken = f"{month} {ordinal(int(m.group(2)))}"
    return spoken + (f", {year(int(m.group(3)))}" if m.group(3) else "")


def _date_day_first(m: re.Match) -> str:
    month = MONTHS[MONTH_NUMBER[m.group(2).rstrip(".").lower()] - 1]
    spoken = f"the {ordinal(int(m.group(1)))} of {month}"
    return spoken + (f", {year(int(m.group(3)))}" if m.group(3) else "")


def _month_year(m: re.Match) -> str:
    return f"{MONTHS[int(m.group(2)) - 1]} {year(int(m.group(1)))}"


def _clock(hour: int, minute: int) -> str:
    if minute == 0:
        return cardinal(hour)
    return f"{cardinal(hour)} {'oh ' if minute < 10 else ''}{cardinal(minute)}"


def _time(m: re.Match) -> str:
    hour, minute, second, meridiem = int(m.group(1)), int(m.group(2) or 0), m.group(3), m.group(4)
    if second is not None:          # a duration or a timestamp: 1:02:03
        parts = [(hour, "hour"), (minute, "minute"), (int(second), "second")]
        return " ".join(f"{cardinal(n)} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n) or "zero seconds"
    if meridiem:
        return f"{_clock(hour, minute)} {meridiem.upper()}.M" + _stop(m)
    if hour == 0 or hour > 12:      # 24-hour clock: "fourteen hundred", "fourteen thirty"
        return f"{cardinal(hour)} hundred" if minute == 0 else _clock(hour, minute)
    return f"{cardinal(hour)} o'clock" if minute == 0 else _clock(hour, minute)


def _phone(m: re.Match) -> str:
    return ", ".join(digits(group) for group in re.findall(r"\d+", m.group(0)))


def _percent(m: re.Match) -> str:
    if m.group(2):
        return f"{number(m.group(1))} to {number(m.group(2))} percent"
    return f"{number(m.group(1))} percent"


def _times(m: re.Match) -> str:
    if m.group(2):
        return f"{number(m.group(1))} to {number(m.group(2))} times"
    return f"{number(m.group(1))} times"


def _decade(m: re.Match) -> str:
    n = int(m.group(1))
    if len(m.group(1)) == 4:
        return plural(year(n))
    return plural(cardinal(n))


def _unit(m: re.Match) -> str:
    low, high, unit = m.group(1), m.group(2), m.group(3)
    one, many = UNITS[unit]
    if high:
        return f"{number(low)} to {number(high)} {many}"
    return f"{count(m.string, low, m.start())} {one if value(low) == 1 else many}"


def _scaled(m: re.Match) -> str:
    return f"{count(m.string, m.group(1), m.start())} {SCALES[m.group(2)]}"


def _year_or_count(m: re.Match) -> str:
    written, n = m.group(1), int(m.group(1))
    text = m.string
    before = word_before(text, m.start()).lower()
    if counts(word_after(text, m.end())) or before in LABELS or (n < 1100 and before not in YEAR_WORDS):
        return cardinal(n)
    return year(n)


def _with_letters(m: re.Match) -> str:
    """"GPT2" -> "GPT two", "Sky9" -> "Sky nine", "Q3" -> "Q three" (the letters are read later).
    Quarters stay "Q three", not "third quarter": it is what people say reading "Q3" aloud, it keeps
    the word a listener will see in the show notes, and "Q3 2024" stays short."""
    letters, written = m.group(1), m.group(2)
    if letters.upper() in ("FY", "CY") and len(written) == 4 and written.isdigit():
        return f"{letters} {year(int(written))}"
    if letters == "A":              # "A one hundred" would be read "uh one hundred"
        return f"A-{number(written)}"
    return f"{letters} {number(written)}"


def _letters_after(m: re.Match) -> str:
    return f"{number(m.group(1))} {m.group(2)}"


RULES: tuple[tuple[re.Pattern, object], ...] = (
    # signs before a number: "-3%", "+5%", "~10%" (not the dash of "5-10" or "5 - 10")
    (re.compile(r"(?<![\w.,%°-])(?<![\d%]\s)-(?=\d)"), lambda m: "minus "),
    (re.compile(r"(?<![\w+])\+(?=\d)"), lambda m: "plus "),
    (re.compile(r"(?<![\w.])~\s?(?=\d)"), lambda m: "about "),
    # dates and times come first: they hold the dashes, slashes and colons read otherwise below
    (re.compile(START + r"(\d{4})-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])(?![\w-])"), _date_iso),
    (re.compile(START + r"(0?[1-9]|[12]\d|3[01])/(0?[1-9]|[12]\d|3[01])/(\d{4}|\d{2})(?![\w/])"), _date_slashes),
    (re.compile(r"\b(" + MONTH_PATTERN + r")\s(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:,?\s(\d{4}))?(?![\w:])"),
     _date_words),
    (re.compile(START + r"(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s(" + MONTH_PATTERN + r")(?:,?\s(\d{4}))?(?![\w:])"),
     _date_day_first),
    (re.compile(START + r"(\d{4})-(0[1-9]|1[0-2])(?![\w-])"), _month_year),
    (re.compile(r"(\d(?::\d\d)?\s?[AaPp]\.?[Mm]\.?)\s?[-–]\s?(?=\d{1,2}(?::\d\d)?\s?[AaPp]\.?[Mm]\b)"),
     lambda m: f"{m.group(1)} to "),
    (re.compile(START + r"(\d{1,2}):(\d\d)(?::(\d\d))?(?:\.\d+)?(?:\s?([AaPp])\.?[Mm]\b\.?)?(?![\w:])"), _time),
    (re.compile(START + r"(1[0-2]|0?[1-9])\s?([AaPp])\.?[Mm]\b\.?(?!\w)"),
     lambda m: f"{cardinal(int(m.group(1)))} {m.group(2).upper()}.M" + _stop(m)),
    (re.compile(START + r"([1-9])'\s?(1[01]|[0-9])(?:\"|'')"),      # a height: 5'10"
     lambda m: f"{cardinal(int(m.group(1)))} foot {cardinal(int(m.group(2)))}"),
    (re.compile(START + r"(\d+):(\d+)(?![\w:])"), lambda m: f"{number(m.group(1))} to {number(m.group(2))}"),
    (re.compile(r"(?<![\w+-])(?:\+?1[-. ])?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-.]\d{4}(?![\w-])"), _phone),
    # money and currency codes
    (re.compile(r"(?<![\w$€£¥₹])(?P<cur>[$€£¥₹])\s?(?P<n1>" + NUM + r")(?:" + DASH + r"[$€£¥₹]?(?P<n2>" + NUM
                + r"))?" + SCALE + r"?(?![\w.]\w|\w)"), _money),
    (re.compile(r"\b(?P<cur>" + "|".join(k for k in CURRENCIES if k.isalpha()) + r")\s?(?P<n1>" + NUM + r")(?:"
                + DASH + r"(?P<n2>" + NUM + r"))?" + SCALE + r"?(?![\w.]\w|\w)"), _money),
    (re.compile(START + r"(?P<n1>" + NUM + r")(?:" + DASH + r"(?P<n2>" + NUM + r"))?" + SCALE + r"?\s(?P<cur>"
                + "|".join(k for k in CURRENCIES if k.isalpha()) + r")\b"), _money),
    (re.compile(r"\b(dollars?|euros?|pounds|cents?|pence|yen)/(month|year|day|week|hour|mo|yr|hr|h|wk|d|"
                r"person|user|seat|unit|ea)\b"), _money_per),
    (re.compile(START + r"(" + NUM + r")\s?%?" + DASH + r"(" + NUM + r")\s?%"), _percent),
    (re.compile(START + r"(" + NUM + r")\s?%()"), _percent),
    (re.compile(START + r"(" + NUM + r")(?:[x×]?" + DASH + r"(" + NUM + r"))?\s?[x×](?![\w])"), _times),
    (re.compile(START + r"(" + NUM + r")\s?[x×]\s?(" + NUM + r")(?![\w])"),
     lambda m: f"{number(m.group(1))} by {number(m.group(2))}"),
    (re.compile(r"(?<![\w.])[48]K\b"), lambda m: f"{cardinal(int(m.group(0)[0]))} K"),
    (re.compile(r"(?<![\w.,/$€£¥₹#@])(" + NUM + r")(?:" + DASH + r"(" + NUM + r"))?\s?(" + UNIT + r")(?![\w/])"), _unit),
    (re.compile(START + r"(" + NUM + r")(MM|mn|bn|tn|[kKMBT])(?![\w'])"), _scaled),
    (re.compile(r"(?<=[A-Za-z])\s?\+\s?(?=\d)"), lambda m: " plus "),
    (re.compile(r"(?<=\b[A-Za-z])\s?/\s?(?=\d)"), lambda m: " over "),
    (re.compile(r"\b[vV](\d+(?:\.\d+)+)\b"), lambda m: "version " + " point ".join(number(p) for p in m.group(1).split("."))),
    # numbers that are names, then fractions (not dates, paths or URLs: no slash or word around)
    (re.compile(r"(?<![\w./])24\s*/\s*7(?![\w/]|\.\d)"), lambda m: "twenty-four seven"),
    (re.compile(r"(?<![\w./])50\s*/\s*50(?![\w/]|\.\d)"), lambda m: "fifty-fifty"),
    (re.compile(r"(?<![\w./])9\s*/\s*11(?![\w/]|\.\d)"), lambda m: "nine eleven"),
    (re.compile(r"(?<![\w./])(\d+)\s*/\s*(\d+)(?![\w/]|\.\d)"), _fraction),
    # ranges and scores: "5-10", "1990-1995", "won 20-0"
    (re.compile(START + r"(" + NUM + r")" + DASH + r"(" + NUM + r")(?![\w/-]|\.\d)"), _range),
    (re.compile(r"(?<![\w.])'?(\d{4}|\d0)'?s\b"), _decade),
    (re.compile(START + r"(\d{1,3}(?:,\d{3})*|\d+)(?:st|nd|rd|th)\b"), lambda m: ordinal(int(m.group(1).replace(",", "")))),
    (re.compile(r"(?<!\w)#(\d+)\b"), lambda m: f"number {cardinal(int(m.group(1)))}"),
    (re.compile(START + r"(\d+(?:\.\d+){2,})(?![\w])"), lambda m: " point ".join(number(p) for p in m.group(1).split("."))),
    (re.compile(START + r"(1\d\d\d|20\d\d)(?!\w|[.,]\d)"), _year_or_count),
    (re.compile(r"\b([A-Za-z]+)-?(" + NUM + r")(?![\w])"), _with_letters),
    (re.compile(START + r"(" + NUM + r")([A-Za-z]+)\b"), _letters_after),
    (re.compile(r"(?<![\w.,])(-?)(" + NUM + r")(?![\w])"),
     lambda m: ("minus " if m.group(1) and (m.start() == 0 or m.string[m.start() - 1].isspace()) else m.group(1))
     + count(m.string, m.group(2), m.start(), m.end())),
    # whatever digits are left (inside odd tokens) are still said as numbers
    (re.compile(r"\d+"), lambda m: f" {cardinal(int(m.group(0)))} "),
)
