"""Abbreviations and dates of other languages are said in full: tested on eSpeak NG's phonemes in
the language's own voice, against a person's reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalize.abbreviations import ABBREVIATIONS, expand
from pipeline.normalize.dates import MONTHS, read_dates
from pipeline.speech import spoken_text
from tests.phonemes import phonemes_many

ABBREVIATIONS_SAID = [
    ("de", "Das kostet z. B. ca. 5 Mio. Euro.", "Das kostet zum Beispiel circa fünf Millionen Euro."),
    ("de", "Dr. Weber kommt, d.h. wir beginnen, usw. Dann reden wir.",
     "Doktor Weber kommt, das heißt wir beginnen, und so weiter. Dann reden wir."),
    ("fr", "M. Dupont et Mme Martin, p. ex. à Paris, etc.",
     "Monsieur Dupont et Madame Martin, par exemple à Paris, et cetera."),
    ("es", "El Sr. García vive en EE. UU., p. ej. en Texas.",
     "El señor García vive en Estados Unidos, por ejemplo en Texas."),
    ("it", "Il Dott. Rossi e la Sig.ra Bianchi, ecc.", "Il dottor Rossi e la signora Bianchi, eccetera."),
    ("pt", "O Sr. Silva e a Dra. Costa, p. ex. em Lisboa.", "O senhor Silva e a doutora Costa, por exemplo em Lisboa."),
    ("nl", "Dat is bijv. duur, d.w.z. te duur, enz.", "Dat is bijvoorbeeld duur, dat wil zeggen te duur, enzovoort."),
]
DATES = [
    ("de", "Am 12.03.2024 beginnt es.", "Am zwölften März zweitausendvierundzwanzig beginnt es."),
    ("de", "Der 3. Mai ist frei.", "Der dritte Mai ist frei."),
    ("de", "Es gilt vom 1.10.1998 an.", "Es gilt vom ersten Oktober neunzehnhundertachtundneunzig an."),
    ("fr", "Le 1/03/2024 et le 12/11/2023.", "Le premier mars deux mille vingt-quatre et le douze novembre deux mille vingt-trois."),
    ("es", "El 12/03/2024 empieza.", "El doce de marzo de dos mil veinticuatro empieza."),
    ("it", "Il 1/5/2020 è festa.", "Il primo maggio duemilaventi è festa."),
    ("pt", "Em 1/5/2020 houve festa.", "Em primeiro de maio de dois mil e vinte houve festa."),
    ("nl", "Op 12-03-2024 begint het.", "Op twaalf maart tweeduizendvierentwintig begint het."),
]


@pytest.mark.parametrize("language, written, person", ABBREVIATIONS_SAID + DATES)
def test_abbreviations_and_dates_sound_as_a_person_reads_them(language, written, person):
    ours, theirs, raw = phonemes_many([spoken_text(written, language), person, written], language)
    assert ours == theirs
    assert raw != theirs                                  # eSpeak alone reads them otherwise


def test_a_title_never_ends_the_sentence_and_other_languages_are_untouched():
    assert expand("Dr. Müller", "de") == "Doktor Müller"
    assert expand("usw. Dann", "de") == "und so weiter. Dann"
    assert expand("z. B. 5", "de") == "zum Beispiel 5"
    assert expand("Dr. Who, etc. Then.", "en") == "Dr. Who, etc. Then."
    assert expand("Die Dr.-Arbeit", "de").startswith("Die Doktor")


@settings(max_examples=200, deadline=None)
@given(language=st.sampled_from(sorted(ABBREVIATIONS)), text=st.text(max_size=80))
def test_expanding_is_idempotent_and_never_raises(language, text):
    once = expand(text, language)
    assert expand(once, language) == once


@pytest.mark.parametrize("text", ["Am 45.13.2024 nicht.", "Version 1.2.3 ist da.", "Preis 12.03 Euro."])
def test_what_is_no_date_is_left_to_the_number_reader(text):
    assert read_dates(text, "de") == text


@settings(max_examples=200, deadline=None)
@given(language=st.sampled_from(sorted(MONTHS)), text=st.text(alphabet="0123456789./- aMai", max_size=40))
def test_reading_dates_is_idempotent_and_never_raises(language, text):
    once = read_dates(text, language)
    assert read_dates(once, language) == once
