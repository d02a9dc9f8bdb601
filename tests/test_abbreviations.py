"""Abbreviations of other languages are said in full: tested on eSpeak NG's phonemes in the
language's own voice, against a person's reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalize.abbreviations import ABBREVIATIONS, expand
from pipeline.speech import spoken_text
from tests.phonemes import phonemes_many

CASES = [
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


@pytest.mark.parametrize("language, written, person", CASES)
def test_abbreviations_sound_as_a_person_reads_them(language, written, person):
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
