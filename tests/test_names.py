"""Speaker names: which words are pinyin, how they are respelled, and what eSpeak then says.

What is heard is checked on eSpeak NG's phonemes (``tests/phonemes.py``): the respelling's
phonemes against a reading written by hand in eSpeak's mnemonics.
"""

from __future__ import annotations

import re

import pytest

from conftest import SEED
from phonemes import phonemes
from phonemes import phonemes_many as phonemes_of
from pipeline.config import VoiceOverride
from pipeline.names import SYLLABLES, is_pinyin, respell, respell_syllable, speaker_names, syllables
from pipeline.reading import reading
from pipeline.lexicon import Lexicon


def sounds(phoneme_string: str) -> str:
    """Phonemes without stress, syllable and word marks: what is said, not how it is stressed."""
    return re.sub(r"[',;%=_ -]", "", phoneme_string)


@pytest.mark.parametrize("word, cut", [
    ("Xiaoyong", ["xiao", "yong"]), ("Yuandong", ["yuan", "dong"]), ("Tian", ["tian"]), ("Libin", ["li", "bin"]),
    ("Zhu", ["zhu"]), ("Wu", ["wu"]), ("Yi", ["yi"]), ("Hu", ["hu"]), ("Shen", ["shen"]), ("Xian", ["xian"]),
    ("Feifei", ["fei", "fei"]), ("Lü", ["lv"]),
])
def test_pinyin_words_are_cut_into_syllables(word, cut):
    assert syllables(word) == cut
    assert is_pinyin(word)


@pytest.mark.parametrize("word", ["Ella", "Amara", "Osei", "Ines", "Tomasz", "Smith", "Xiaoyongz", "Tianan",
                                  "Anna", "Nina", "Ben", "O'Neil", "Zhu2", "", "A", "An", "E", "Er", "Ai"])
def test_english_words_and_names_are_not_pinyin(word):
    # Anna, Nina and Ben are valid pinyin syllables, but English names first
    assert not is_pinyin(word)


# Hand-written readings (eSpeak mnemonics) of what a listener expects for the seed's panelists.
EXPECTED = {
    "Xiaoyong": "Si:jaUju:N",      # shyow-yoong (eSpeak alone: z'aI@,OI0N, "zye-oy-ong")
    "Yuandong": "ju:@ndu:N",       # ywen-doong
    "Tian": "ti:jEn",              # tyen
    "Zhu": "dZu:",                 # joo
    "Shen": "SVn",                 # shun
    "Libin": "li:bIn",             # lee-bin
    "Wu": "wu:",                   # woo
    "Yi": "i:",                    # ee
    "Xu": "Su:",                   # shoo
    "Qian": "tSi:jEn",             # chyen
    "Cui": "tsu:eI",               # tsway
    "Zhang": "dZA:N",              # jahng
    "Huang": "hu:A:N",             # hwahng
    "Jun": "dZu:n",                # jyoon
}


def test_respelled_names_sound_as_a_listener_expects():
    words = list(EXPECTED)
    spelled = [respell(w) for w in words]
    said, raw = phonemes_of(spelled), phonemes_of(words)
    for word, spelling, got, before in zip(words, spelled, said, raw):
        assert sounds(got) == EXPECTED[word], (word, spelling, got)
    # the respelling is what makes the difference: eSpeak reads these wrong on their own
    wrong = {w: r for w, r in zip(words, raw) if sounds(r) != EXPECTED[w]}
    assert {"Xiaoyong", "Yuandong", "Zhu", "Xu", "Qian", "Cui"} <= set(wrong)
    assert sounds(phonemes("Xiaoyong")) == "zaI@OI0N"


INITIAL = dict(b="b", p="p", m="m", f="f", d="d", t="t", n="n", l="l", g="g", k="k", h="h", j="dZ", q="tS",
               x="S", zh="dZ", ch="tS", sh="S", r="r", z="z", c="ts", s="s")
FINAL = dict(a="A:", o="O:", e="V", ai="aI", ei="eI", ao="aU", ou="oU", an="A:n", en="Vn", ang="A:N", eng="VN",
             ong="u:N", er="A@", i="i:", ia="i:jA:", ie="i:jeI", iao="i:jaU", iu="i:joU", ian="i:jEn", iang="i:jA:N",
             ing="IN", iong="i:ju:N", u="u:", ua="wA:", uo="wO:", uai="waI", ui="weI", uan="wA:n", un="u:n",
             uang="wA:N", v="u:", ve="u:eI", van="u:@n", vn="u:n")
# The y- and w- syllables and the "buzzed" i are read as whole syllables.
WHOLE = dict(yi="i:", wu="wu:", yu="ju:", yue="ju:eI", yuan="ju:@n", yun="ju:n", zhi="dZ3:", chi="tS3:", shi="S3:",
             ri="r3:", zi="zV", ci="ts3:", si="sV", ce="ts3:", zheng="dZEN", cen="tsEn", ceng="tsEN", yin="jIn",
             yan="jEn")
OO = ("h", "zh", "ch", "sh", "r", "j", "q", "x", "c", "l", "n")   # initials before which w is spelled "oo"


def expected_sounds(syllable: str) -> str:
    """What a listener expects for a pinyin syllable, in eSpeak mnemonics, built from the
    sounds of its initial and final (the hand-written table above)."""
    if syllable in WHOLE:
        return WHOLE[syllable]
    initial = next((i for i in sorted(INITIAL, key=len, reverse=True) if syllable.startswith(i)), "")
    final = syllable[len(initial):]
    if not initial:
        if syllable[0] == "y":
            return "j" + (FINAL.get("i" + syllable[1:]) or FINAL[syllable[1:]])[3:] if "i" + syllable[1:] in FINAL \
                else "j" + FINAL[syllable[1:]]
        if syllable[0] == "w":
            return "w" + FINAL[syllable[1:]]
        return {"ao": "aU", "ei": "eI"}.get(syllable, FINAL[syllable])
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]
    sound = "In" if final == "in" else FINAL[final]
    if sound.startswith("w") and initial in OO:
        sound = "u:" + sound[1:]
    return INITIAL[initial] + sound


def test_every_pinyin_syllable_is_read_as_its_initial_and_final():
    """All 400-odd syllables: eSpeak's phonemes of the respelling are the syllable's sounds."""
    table = sorted(SYLLABLES)
    spelled = [respell_syllable(s).capitalize() for s in table]
    wrong = []
    for syllable, spelling, got in zip(table, spelled, phonemes_of(spelled)):
        want = expected_sounds(syllable)
        if sounds(got).replace("#", "").replace("@n", "En") != want.replace("@n", "En"):
            wrong.append((syllable, spelling, got, want))
    assert wrong == []
    assert len(table) > 400


def test_say_wins_word_by_word_and_only_speaker_names_are_respelled():
    names = speaker_names(["Tian Yuandong", "Zhu Xiaoyong", "Ella Hu", "Shen Libin"],
                          {"Tian Yuandong": "Tyen Ywen-dong"})
    table = dict(names.readings)
    assert table["Tian Yuandong"] == "Tyen Ywen-dong"
    assert table["Tian"] == "Tyen" and table["Yuandong"] == "Ywen-dong"   # said alone, too
    assert table["Xiaoyong"] == respell("Xiaoyong")
    assert "Ella" not in table and "Hu" not in table                      # not every word of it is pinyin
    text = "Dr. Tian mentioned Xiaoyong's point; li and Li, the Qi Zhi Institute, Tianjin."
    assert names.apply(text) == ("Dr. Tyen mentioned Sheeyao-yoong's point; li and Li, the Qi Zhi Institute, "
                                 "Tianjin.")


def test_labels_of_the_corpus_are_not_respelled():
    """Speaker "A" of a diarized transcript must not turn every "A" of the text into "Ah"."""
    names = speaker_names(["A", "B", "Speaker A", "Speaker 2"])
    assert names.readings == ()
    assert names.apply("A panel. Speaker A said so.") == "A panel. Speaker A said so."


def test_a_say_of_another_length_replaces_only_the_whole_name():
    names = speaker_names(["Wu Yi"], {"Wu Yi": "Woo-ee"})
    assert names.apply("Wu Yi said. Wu said.") == "Woo-ee said. Woo said."   # Wu alone: pinyin rule


def test_the_lexicon_wins_over_names_and_its_output_is_not_renamed():
    from pipeline.lexicon import compile_lexicon

    names = speaker_names(["Tian Yuandong"])
    lexicon = compile_lexicon({"Tian": "Tian Yuandong"}, "x.yaml")
    assert reading("Ask Tian.", lexicon, names) == "Ask Tian Yuandong."
    assert reading("Ask Tian.", Lexicon(), names) == "Ask Tee-yen."


@pytest.fixture(scope="module")
def seed_plan():
    if not SEED.exists():
        pytest.skip("seed transcript not found")
    from pipeline.config import Config
    from pipeline.render import Options, prepare

    config = Config(cast=(("Shen Libin", VoiceOverride(say="Shen Lee-been")),))
    options = Options(output=SEED.with_suffix(".mp3"), config=config)
    return prepare(SEED, options, options.engines()).plan


def test_the_seeds_names_are_said_right_everywhere(seed_plan):
    units = [u for u in seed_plan.units if u.kind != "jingle"]
    intro = " ".join(u.spoken for u in units if u.kind == "intro")
    assert "Joo Sheeyao-yoong" in intro and "Shen Lee-been" in intro and "Woo Ee" in intro
    mention = next(u for u in units if "Dr. Tian mentioned" in u.text)
    assert "Tee-yen mentioned" in mention.spoken
    said = phonemes_of([intro, mention.spoken])
    for name, sound in (("Xiaoyong", EXPECTED["Xiaoyong"]), ("Tian", EXPECTED["Tian"])):
        assert sound in sounds(said[0]), name
    assert EXPECTED["Tian"] in sounds(said[1])
    assert not any("Xiaoyong" in u.spoken or "Yuandong" in u.spoken for u in units)


@pytest.mark.parametrize("entry, message", [
    ("say: 3", "Zhu Xiaoyong.say: expected a respelling or [[phonemes]] string, got int 3"),
    ("say: ''", "Zhu Xiaoyong.say: the respelling is empty"),
    ("say: '[[S'", "Zhu Xiaoyong.say: unbalanced or empty [[phonemes]] in '[[S'"),
])
def test_a_bad_say_is_a_one_line_error(tmp_path, entry, message):
    from click.testing import CliRunner

    from pipeline.cli import cli

    if not SEED.exists():
        pytest.skip("seed transcript not found")
    cast = tmp_path / "cast.yaml"
    cast.write_text(f"Zhu Xiaoyong: {{{entry}}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(SEED), "--cast", str(cast)])
    assert result.exit_code == 3
    assert result.output == f"Error: {cast}: {message}\n"
