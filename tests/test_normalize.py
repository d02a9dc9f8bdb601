"""How written things are read: eSpeak's phonemes for panelcast's spoken text must equal eSpeak's
phonemes for a hand-written reading, so a test fails when what is heard is wrong.

Each case also pins what eSpeak makes of the raw written form: "differs" cases are misread raw (the
normalizer is what fixes them); "kept" cases eSpeak already reads right, and must stay right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.speech import spoken_text
from phonemes import clauses_many, phonemes, phonemes_many

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "000_113eec2d62c53610.txt"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"

# (written, what a person says, raw form misread by eSpeak: True / already right: False)
CASES = {
    "cardinal": [
        ("1,200,000 people", "one million two hundred thousand people", True),
        ("about 2,500 of them", "about two thousand five hundred of them", True),
        ("in 100 years", "in a hundred years", True),
        ("page 100", "page one hundred", False),
        ("BIP 125 is", "bip one hundred twenty-five is", True),
        ("I'm 30, and 1 or 2", "I'm thirty, and one or two", False),
    ],
    "ordinal": [
        ("the 1st time", "the first time", False),
        ("her 21st birthday", "her twenty-first birthday", True),
        ("the 103rd floor", "the one hundred third floor", False),
    ],
    "decimal": [
        ("3.5 points", "three point five points", False),
        ("version 3.11", "version three point one one", False),
        ("release v1.0.0", "release version one point zero point zero", True),
    ],
    "fraction": [
        ("only 1/10 of it", "only one tenth of it", True),
        ("3/4 of them", "three quarters of them", True),
        ("2 / 3 of them", "two thirds of them", True),
        ("1/2 of it", "one half of it", True),
        ("open 24/7", "open twenty-four seven", True),
    ],
    "money": [
        ("$5M raised", "five million dollars raised", True),
        ("$2.5 billion", "two point five billion dollars", True),
        ("$1.2B", "one point two billion dollars", True),
        ("€20", "twenty euros", True),
        ("£3.50", "three pounds fifty", True),
        ("$0.99", "ninety-nine cents", True),
        ("$1", "one dollar", True),
        ("$5-10M", "five to ten million dollars", True),
        ("$2017", "two thousand seventeen dollars", True),
        ("$20/month", "twenty dollars a month", True),
    ],
    "currency code": [
        ("USD 5", "five U. S. dollars", True),
        ("5 EUR", "five euros", True),
        ("100 GBP", "a hundred pounds", True),
    ],
    "multiplier": [
        ("3.5x faster", "three point five times faster", True),
        ("10x", "ten times", True),
        ("5-10x", "five to ten times", True),
        ("2x-3x faster", "two to three times faster", True),
    ],
    "range": [
        ("2-3 years", "two to three years", True),
        ("10-20%", "ten to twenty percent", True),
        ("1990-1995", "nineteen ninety to nineteen ninety-five", True),
        ("pages 10-20", "pages ten to twenty", True),
        ("3-4 km", "three to four kilometers", True),
    ],
    "score": [
        ("they won 20-0", "they won twenty to nothing", True),
        ("a 3-2 vote", "a three to two vote", True),
        ("beat them 2-1", "beat them two to one", True),
    ],
    "year": [
        ("in 2017", "in twenty seventeen", True),
        ("since 1999", "since nineteen ninety-nine", True),
        ("in 2000", "in two thousand", False),
        ("in 2008", "in two thousand eight", False),
        ("in 1990", "in nineteen ninety", True),
        ("March 2024", "March twenty twenty-four", True),
        ("2017 people", "two thousand seventeen people", False),
        ("room 1999", "room one thousand nine hundred ninety-nine", True),
    ],
    "decade": [
        ("the 1990s", "the nineteen nineties", True),
        ("the 80s", "the eighties", False),
        ("the '80s", "the eighties", True),
        ("the 1800s", "the eighteen hundreds", True),
    ],
    "time": [
        ("at 10:30 am", "at ten thirty A. M.", False),
        ("at 9:05", "at nine oh five", True),
        ("at 14:00", "at fourteen hundred", True),
        ("at 3pm", "at three P. M.", False),
        ("at 9:00", "at nine o'clock", True),
        ("open 9am-5pm", "open nine A. M. to five P. M.", True),
    ],
    "date": [
        ("on 2024-03-01", "on March first, twenty twenty-four", True),
        ("on March 1, 2024", "on March first, twenty twenty-four", True),
        ("on 1/10/2024", "on January tenth, twenty twenty-four", True),
        ("on 5 March 2024", "on the fifth of March, twenty twenty-four", True),
    ],
    "telephone": [
        ("call 555-123-4567", "call five five five, one two three, four five six seven", True),
    ],
    "unit": [
        ("40°C", "forty degrees Celsius", True),
        ("-5°C", "minus five degrees Celsius", True),
        ("5 km", "five kilometers", True),
        ("100 MB", "a hundred megabytes", True),
        ("175B parameters", "a hundred seventy-five billion parameters", True),
        ("3 GHz", "three gigahertz", False),
        ("10 ms", "ten milliseconds", True),
        ("10k users", "ten thousand users", True),
        ("5'10\" tall", "five foot ten tall", True),
    ],
    "abbreviation": [
        ("cats vs. dogs", "cats versus dogs", True),
        ("fruit, e.g. apples", "fruit, for example apples", False),
        ("one, i.e. this", "one, that is this", True),
        ("and so on, etc.", "and so on, et cetera.", True),
        ("Dr. Tian said", "Doctor Tian said", False),
        ("Mr. Smith and Mrs. Smith", "Mister Smith and Missus Smith", True),
        ("I love St. Louis", "I love Saint Louis", True),
        ("on Main St. Then", "on Main Street. Then", False),
        ("No. 5", "Number five", True),
        ("approx. 5", "approximately five", True),
    ],
    "acronym": [
        ("AGI", "A. G. I.", True),
        ("AWS", "A. W. S.", True),
        ("the AWS cloud", "the A. W. S. cloud", False),
        ("ERP", "E. R. P.", True),
        ("an ERP system", "an E. R. P. system", False),
        ("IMHO", "I. M. H. O.", True),
        ("GPT2", "G. P. T. two", False),
        ("GPT-4", "G. P. T. four", False),
        ("A100 chips", "Eh one hundred chips", False),
        ("a PhD and a Ph.D.", "a P. H. D. and a P. H. D.", True),
        ("IPv4 and IPv6", "I. P. V. four and I. P. V. six", True),
        ("LLMs", "L. L. M's", True),
        ("more ISVs", "more I. S. V's", False),
        ("RLHF", "R. L. H. F.", False),
        ("GPU", "G. P. U.", False),
        ("NASA", "nasa", False),
        ("NATO", "nato", False),
        ("the FAIR lab", "the fair lab", False),
        ("the ELF OpenGo", "the elf OpenGo", True),
        ("I WANT THIS", "I want this", False),
    ],
    "roman numeral": [
        ("World War II", "World War two", True),
        ("Henry VIII", "Henry the eighth", True),
        ("but I think", "but I think", False),
    ],
    "address": [
        ("openai.com/blog", "openai dot com slash blog", False),
        ("https://x.org", "x dot org", True),
        ("name@example.com", "name at example dot com", True),
        ("see https://github.com/bitcoin/bitcoin/pull/5000", "see github dot com slash bitcoin slash bitcoin slash "
         "pull slash five thousand", True),
    ],
    "quarter": [
        ("Q3 2024", "Q three twenty twenty-four", True),
        ("in Q3", "in Q three", False),
    ],
    "symbol": [
        ("R&D", "R and D", True),
        ("the N+1 problem", "the N plus one problem", False),
        ("50% of it", "fifty percent of it", False),
        ("10+ years", "ten plus years", False),
        ("down -3%, up +5%, about ~10%", "down minus three percent, up plus five percent, about about ten percent", True),
        ("a 3:1 ratio", "a three to one ratio", True),
        ("C# code", "C sharp code", True),
    ],
}

# Letter names: eSpeak stresses a spelled acronym as one word (",eIdZ,i:;'aI") and letters written
# apart each on its own ("'eI dZ'i: 'aI"); the sounds are the same.  Only for these, stress marks,
# word gaps, the ";" eSpeak puts between an "i:" and a following vowel, and the linking "r" it puts
# after "R" ("A@r") inside one word are left out of the comparison.
LOOSE = {"acronym", "address", "time", "currency code"}
_MARKS = re.compile(r"_:|[',; _]|(?<=A@)r")


def sounds(ph: str) -> str:
    return _MARKS.sub("", ph)


ALL = [(category, *case) for category, cases in CASES.items() for case in cases]


@pytest.fixture(scope="module")
def heard():
    """Phonemes of every spoken text, hand reading and raw form, in one round trip."""
    texts = sorted({t for _, written, reading, _ in ALL for t in (written, reading, spoken_text(written))})
    return dict(zip(texts, phonemes_many(texts)))


def test_pauses_are_where_a_person_makes_them():
    """A reading must not add or drop a pause: "1,200,000" has none inside, "etc. Then" keeps its stop.
    (Not for the letter-name readings: "A. G. I." is written with stops to get the letters' names.)"""
    cases = [(w, r) for c, w, r, _ in ALL if c not in LOOSE]
    spoken = clauses_many([spoken_text(w) for w, _ in cases])
    wanted = clauses_many([r for _, r in cases])
    wrong = [(w, len(s), len(h)) for (w, _), s, h in zip(cases, spoken, wanted) if len(s) != len(h)]
    assert not wrong, wrong
    assert len(clauses_many(["one, two. Three"])[0]) == 3          # the count can fail


def test_phonemes_match_espeak_ng():
    assert phonemes("hello") == "h@l'oU"
    assert phonemes("1/10") == "w'Vn sl'aS t'En"      # what espeak-ng -q -x prints for both
    assert phonemes("") == ""


@pytest.mark.parametrize("category, written, reading, misread", ALL, ids=[f"{c}:{w}" for c, w, _, _ in ALL])
def test_reading(heard, category, written, reading, misread):
    same = sounds if category in LOOSE else (lambda ph: ph)
    spoken = spoken_text(written)
    assert same(heard[spoken]) == same(heard[reading]), (
        f"{written!r} is spoken as {spoken!r} ({heard[spoken]}), a person says {reading!r} ({heard[reading]})")
    raw_is_right = sounds(heard[written]) == sounds(heard[reading])   # the same sounds, stress aside
    assert raw_is_right is not misread, (
        f"eSpeak reads raw {written!r} as {heard[written]}: " + ("already right" if raw_is_right else "wrong"))


# The seed's tricky tokens, each checked to be in the seed, read within its own words there.
SEED_READINGS = [
    ("please contact us at [email protected].", "please contact us at the email address on our website."),
    ("10-20% amount of work", "ten to twenty percent amount of work"),
    ("about 80-90%.", "about eighty to ninety percent."),
    ("take 2 to 3 years", "take two to three years"),
    ("in the next 3 to 5 years", "in the next three to five years"),
    ("only 1/10 of Google's", "only one tenth of Google's"),
    ("beating 4 professional Go players by 20-0", "beating four professional Go players by twenty to nothing"),
    ("on a single GPU", "on a single G. P. U."),
    ("since 2017 and 2018", "since twenty seventeen and twenty eighteen"),
    ("launched in 2020, most", "launched in twenty twenty, most"),
    ("back in 2018, which", "back in twenty eighteen, which"),
    ("before 2017, no one", "before twenty seventeen, no one"),
    ("in 100 years", "in a hundred years"),
    ("beating 4 professional", "beating four professional"),
    ("2 cents per thousand tokens", "two cents per thousand tokens"),
    ("AGI", "A. G. I."),
    ("RLHF", "R. L. H. F."),
    ("GPT2,", "G. P. T. two,"),
    ("GPT3,", "G. P. T. three,"),
    ("Sky9 Capital", "Sky nine Capital"),
    ("IMHO,", "I. M. H. O.,"),
    ("ISVs (Independent", "I. S. V's (Independent"),
    ("AWS started", "A. W. S. started"),
    ("Meta AI (FAIR)", "Meta A. I. (fair)"),
    ("an AI-native", "an A. I. native"),
    ("the ELF OpenGo", "the elf OpenGo"),
    ("Dr. Tian", "Doctor Tian"),
    ("in the US", "in the U. S."),
    ("It\u2019s", "It's"),
    ("\u201cpatterns\u201d", '"patterns"'),
]


@pytest.fixture(scope="module")
def seed_text():
    if not SEED.exists():
        pytest.skip(f"seed transcript not found at {SEED}")
    return SEED.read_text(encoding="utf-8")


def test_seed_tokens(seed_text):
    flat = re.sub(r"\s+", " ", seed_text.replace("\u00a0", " "))
    missing = [w for w, _ in SEED_READINGS if w not in flat]
    assert not missing, f"not in the seed: {missing}"
    spoken = [spoken_text(w) for w, _ in SEED_READINGS]
    got = phonemes_many(spoken)
    want = phonemes_many([r for _, r in SEED_READINGS])
    wrong = [(w, s, g, h) for (w, _), s, g, h in zip(SEED_READINGS, spoken, got, want) if sounds(g) != sounds(h)]
    assert not wrong, wrong


def test_seed_curly_quotes_and_every_number(seed_text):
    spoken = spoken_text(seed_text)
    assert spoken.isascii()
    assert not re.search(r"\d", spoken), re.findall(r".{20}\d.{20}", spoken)[:5]
    assert not re.search(r"[$%€£@]", spoken)


def _corpus_lines():
    """Lines of the real corpus that hold numbers, symbols, acronyms or addresses."""
    if not CORPUS.is_dir():
        return []
    lines = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".md", ".txt", ".vtt") and path.name != "SOURCES.md" and ".zh." not in path.name:
            for line in path.read_text(encoding="utf-8").splitlines():
                if re.search(r"\d|[$%€£@&#]|\b[A-Z]{2,}\b|\w\.(com|org)\b", line) and "-->" not in line:
                    lines.append((path.name, line))
    return lines


def test_corpus_lines_are_read_as_words():
    """Every corpus line with a number, symbol or address: no digit or money/percent sign is left for
    eSpeak to read literally, no scheme is spelled out, and the result is stable."""
    lines = _corpus_lines()
    if not lines:
        pytest.skip("corpus not found")
    assert len(lines) > 100
    left = []
    for name, line in lines:
        spoken = spoken_text(line)
        if re.search(r"\d|[$%€£]|https?:|://", spoken) or spoken_text(spoken) != spoken:
            left.append((name, line[:80], spoken[:80]))
    assert not left, left[:5]


# Corpus tokens (each checked to be in its file), read the way the community says them;
# the flag says whether eSpeak misreads the raw form.
CORPUS_READINGS = [
    ("ownline_speakerN_ts_brink_mempool_policy.md", "BIP125", "bip one hundred twenty-five", True),
    ("ownline_speakerN_ts_brink_mempool_policy.md", "https://podcasters.spotify.com/pod/show/bitcoinbrink",
     "podcasters dot spotify dot com slash pod slash show slash bitcoinbrink", True),
    ("qa_talk_sfbitcoin_bram_cohen_merkle_sets.md", "sha256", "sha two hundred fifty-six", False),
    ("md_bold_changelog_jsparty72_live_panel.md", "99%", "ninety-nine percent", False),
    ("md_bold_changelog_jsparty72_live_panel.md", "N+1", "N plus one", False),
    ("ownline_speakerN_ts_brink_mempool_policy.md", "UTXO", "U. T. X. O.", True),
    ("ownline_bitcoinexplained_ep49_attack.md", "IP-addresses", "I. P. addresses", False),
    ("ownline_speakerN_ts_brink_mempool_policy.md", "https://bitcoinops.org/en/topics/replace-by-fee/",
     "bitcoinops dot org slash en slash topics slash replace by fee", True),
    ("ownline_speakerN_ts_brink_mempool_policy.md", "v1.0.0", "version one point zero point zero", True),
    ("qa_talk_sfbitcoin_bram_cohen_merkle_sets.md", "32-bit systems", "thirty-two-bit systems", False),
]


def test_corpus_tokens():
    if not CORPUS.is_dir():
        pytest.skip("corpus not found")
    missing = [(f, w) for f, w, _, _ in CORPUS_READINGS if w not in (CORPUS / f).read_text(encoding="utf-8")]
    assert not missing, f"not in the corpus: {missing}"
    got = phonemes_many([spoken_text(w) for _, w, _, _ in CORPUS_READINGS])
    want = phonemes_many([r for _, _, r, _ in CORPUS_READINGS])
    raw = phonemes_many([w for _, w, _, _ in CORPUS_READINGS])
    for (f, w, r, misread), g, h, b in zip(CORPUS_READINGS, got, want, raw):
        assert sounds(g) == sounds(h), (f, w, spoken_text(w), g, h)
        assert (sounds(b) != sounds(h)) is misread, (f, w, b, "raw form misread" if misread else "raw form read right")


def test_phoneme_spans_pass_through():
    text = "say [[h@l'oU  5 $5M]] 5 times, [[ AGI ]]"
    spoken = spoken_text(text)
    assert "[[h@l'oU  5 $5M]]" in spoken and "[[ AGI ]]" in spoken
    assert spoken == "say [[h@l'oU  5 $5M]] five times, [[ AGI ]]"


@pytest.mark.parametrize("written, spoken", [
    ("13/14/2020", "thirteen/fourteen/two thousand twenty"),       # no month in it: not a date
    ("2/31/2024", "February thirty-first, twenty twenty-four"),
    ("99:99", "ninety-nine ninety-nine"),
    ("$0.00", "zero cents"),
    ("3/0", "three over zero"),
    ("1.2.3.4", "one point two point three point four"),
    ("10000000000000000000000 km", "one" + " zero" * 22 + " kilometers"),
])
def test_odd_numbers(written, spoken):
    assert spoken_text(written) == spoken


def test_a_failing_reading_leaves_the_text_as_written():
    from pipeline.normalize import _safe
    broken = _safe(lambda m: [][1])
    assert re.sub(r"\d+", broken, "a 12 b") == "a 12 b"


# -- properties -------------------------------------------------------------------------------------

PLAIN_WORDS = ["the", "model", "Tian", "said", "market", "people", "we", "scale", "Google", "think",
               "Beijing", "world", "open", "data", "training", "work", "Capital", "going"]
PIECES = st.one_of(
    st.sampled_from(PLAIN_WORDS),
    st.sampled_from(["1/10", "10-20%", "$5M", "2017", "3.5x", "AGI", "GPT-4", "e.g.", "vs.", "Dr.", "St.",
                     "openai.com/blog", "a@b.io", "20-0", "10:30 am", "1990s", "40°C", "1st", "Q3", "II",
                     "[[h@l'oU]]", "\u201c", "\u2014", ",", ".", "-", "/", "&", "%", "$", "#"]),
    st.from_regex(r"[0-9]{1,7}([.,:/-][0-9]{1,4})?[a-zA-Z%]{0,3}", fullmatch=True),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=12), st.sampled_from([" ", "  ", ", ", " - ", "\n"]))
def test_properties_on_mixed_text(pieces, gap):
    text = gap.join(pieces)
    once = spoken_text(text)
    assert spoken_text(once) == once
    # every plain word survives, in order, with its letter case
    words = [p for p in pieces if p in PLAIN_WORDS]
    found = re.findall(r"[A-Za-z]+", once)
    at = 0
    for word in words:
        assert word in found[at:], (text, once, word)
        at = found.index(word, at) + 1
    for piece in pieces:
        if piece.startswith("[["):
            assert piece in once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_never_raises_and_is_idempotent(text):
    once = spoken_text(text)
    assert isinstance(once, str)
    assert spoken_text(once) == once
    assert not re.search(r"[0-9]", once), once          # every number is said in words


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=20).filter(lambda t: "]]" not in t and "[[" not in t),
       st.text(max_size=30))
def test_phoneme_spans_are_untouched(before, inside, after):
    span = f"[[{inside}]]"
    text = f"{before} {span} {after}"
    if "[[" in before + after or "]]" in before + after:
        return
    once = spoken_text(text)
    assert span in once
    assert spoken_text(once) == once
