"""Text normalization for the speech engine."""

from __future__ import annotations

import pytest

from pipeline.speech import spoken_text


@pytest.mark.parametrize("written, spoken", [
    # the seed's traps
    ("please contact us at [email\u00a0protected] today",
     "please contact us at the email address on our website today"),
    ("[email protected]", "the email address on our website"),
    ("still be 10-20% amount of work", "still be ten to twenty percent amount of work"),
    ("about 80-90%.", "about eighty to ninety percent."),
    ("50% of it", "fifty percent of it"),
    ("3.5% growth", "three point five percent growth"),
    ("10%-20%", "ten to twenty percent"),
    ("only 1/10 of Google's", "only one tenth of Google's"),
    ("2 / 3 of them", "two thirds of them"),
    ("open 24/7, a 50/50 chance, after 9/11",
     "open twenty-four seven, a fifty-fifty chance, after nine eleven"),
    ("in 2 to 3 years", "in two to three years"),
    ("AGI, RLHF and GPT2", "A.G.I, R.L.H.F and G.P.T two"),
    # typography
    ("\u201cquoted\u201d and it\u2019s \u2018fine\u2019", "\"quoted\" and it's 'fine'"),
    ("yes\u2014no \u2013 maybe\u2026", "yes - no - maybe..."),
    ("self\u2010driving", "self-driving"),
    ("soft\u00adhyphen zero\u200bwidth", "softhyphen zerowidth"),
    # whitespace and control characters
    ("  a\tb\n\nc  ", "a b c"),
    ("bell\x07 and\x00 null\x1b[0m", "bell and null [zero m"),
    ("non\u00a0breaking", "non breaking"),
    # dates, addresses and page ranges are not fractions
    ("on 1/10/2024", "on January tenth, twenty twenty-four"),
    ("see https://example.com/1/10", "see example dot com slash one slash ten"),
    ("pages 10-20", "pages ten to twenty"),
    ("", ""),
])
def test_spoken_text(written, spoken):
    assert spoken_text(written) == spoken


def test_is_idempotent_and_deterministic():
    text = "\u201cWe\u2019re 10-20% there\u201d \u2014 1/10 of it, [email\u00a0protected]\u2026"
    once = spoken_text(text)
    assert spoken_text(once) == once
    assert spoken_text(text) == once
    assert once.isascii()
