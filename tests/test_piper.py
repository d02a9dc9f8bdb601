"""The Piper engine, with real Piper speech: voices, errors, determinism, pitch, renders."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil

import numpy as np
import pytest

from audio_utils import duration_s, median_pitch_hz, read_wav
from conftest import SEED, decode
from piper_utils import JOE, piper_cast_voices, short_seed
from pipeline import render as render_module
from pipeline.engines import Engines, get_engine, launcher
from pipeline.errors import CastError
from pipeline.model import SynthJob, Voice
from pipeline.render import Options, render

# The output checks every eSpeak render passes, run on a Piper render (the fixtures below).
from test_podcast_e2e import (  # noqa: F401
    test_chapters_and_transcript_json,
    test_srt_parses_and_names_speakers,
    test_vtt_cues_match_speech_onsets,
)
from test_render_e2e import (  # noqa: F401
    test_chapter_starts_at_speech_onsets,
    test_decodes_without_errors,
    test_duration_is_sum_of_units,
    test_loudness_and_true_peak,
    test_segment_starts_match_audio,
    test_speakers_are_level_matched,
    test_three_readers_agree_on_chapters,
)

TEXTS = ["Welcome to the panel. Today we talk about models.", "Thank you. It is good to be here!", "Yes."]
SENTENCE = "It is good to be here with all of you today, and to talk about what comes next."


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory):
    """A voice folder with a copy of joe under another name, a truncated (corrupt) model, and
    a multi-speaker config (joe's with three speakers)."""
    folder = tmp_path_factory.mktemp("voices")
    engine = get_engine("piper")
    joe = next(v for v in engine.installed() if v["name"] == JOE)
    shutil.copy(joe["path"], folder / "copy-joe.onnx")
    shutil.copy(joe["config"], folder / "copy-joe.onnx.json")
    (folder / "sub").mkdir()
    (folder / "sub" / "broken.onnx").write_bytes(open(joe["path"], "rb").read(200_000))
    shutil.copy(joe["config"], folder / "sub" / "broken.onnx.json")
    config = json.loads(open(joe["config"], encoding="utf-8").read())
    config.update(num_speakers=3, speaker_id_map={"ann": 0, "bob": 1, "cy": 2})
    (folder / "badconf.onnx").symlink_to(joe["path"])
    (folder / "badconf.onnx.json").write_text("{not json", encoding="utf-8")
    (folder / "multi.onnx").symlink_to(joe["path"])
    (folder / "multi.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def piper(voice_dir):
    return get_engine("piper", voice_dirs=[str(voice_dir)])


def _speak(engine, pairs, folder, workers=2):
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [SynthJob(text, voice, str(folder / f"{i}.wav")) for i, (text, voice) in enumerate(pairs)]
    engine.synthesize(jobs, workers=workers)
    return [folder / f"{i}.wav" for i in range(len(pairs))]


# ---------------------------------------------------------------- voices and errors


def test_installed_voices(piper, voice_dir):
    found = {v["name"]: v for v in piper.installed()}
    assert {JOE, "copy-joe", "broken", "multi"} <= set(found)
    assert found["copy-joe"]["path"] == str(voice_dir / "copy-joe.onnx")
    assert found[JOE]["sample_rate"] == 22050 and found[JOE]["language"] == "en_US"
    assert found["multi"]["speakers"] == ["ann", "bob", "cy"] and found[JOE]["speakers"] == []


def test_voice_folders_come_from_the_environment(monkeypatch, voice_dir):
    monkeypatch.setenv("PANELCAST_VOICES", str(voice_dir))
    assert "copy-joe" in {v["name"] for v in get_engine("piper").installed()}
    monkeypatch.setenv("PANELCAST_VOICES", str(voice_dir / "sub"))
    names = {v["name"] for v in get_engine("piper").installed()}
    assert "copy-joe" not in names and {"broken", JOE} <= names


@pytest.mark.parametrize("voice, message", [
    (Voice("nobody", engine="piper"), r"unknown Piper voice 'nobody' \(installed: badconf, broken, copy-joe, en_US-joe-medium"),
    (Voice("/no/such/model.onnx", engine="piper"), "Piper model file not found: /no/such/model.onnx"),
    (Voice("badconf", engine="piper"), r"badconf.onnx.json: not a Piper voice config \(JSONDecodeError"),
    (Voice("multi", engine="piper", speaker="7"), r"speaker id 7 is out of range for .*multi.onnx.json \(3 speakers"),
    (Voice("multi", engine="piper", speaker="dan"), r"unknown speaker 'dan' in .*multi.onnx.json .*speakers: ann, bob, cy"),
    (Voice(JOE, engine="piper", speaker="1"), r"speaker id 1 is out of range for .*en_US-joe-medium.onnx.json \(1 speaker"),
    (Voice(JOE, engine="piper", rate=20), "voice rate 20 is out of range"),
    (Voice(JOE, engine="piper", semitones=20.0), "voice semitones 20.0 is out of range"),
])
def test_bad_voices_are_named(piper, voice, message):
    with pytest.raises(CastError, match=message):
        piper.check_voice(voice)


def test_a_corrupt_model_is_found_before_rendering(piper, voice_dir):
    with pytest.raises(CastError, match=r"broken.onnx: cannot load the Piper model"):
        piper.check_voice(Voice("broken", engine="piper"))


def test_a_model_without_its_config(tmp_path, voice_dir):
    shutil.copy(voice_dir / "copy-joe.onnx", tmp_path / "lonely.onnx")
    with pytest.raises(CastError, match=r"Piper model config not found: .*lonely.onnx.json"):
        get_engine("piper").check_voice(Voice(str(tmp_path / "lonely.onnx"), engine="piper"))


def test_speaker_names_and_ids_map_to_ids(piper):
    facts = piper.model(Voice("multi", engine="piper"))
    assert [piper.speaker_id(Voice("multi", engine="piper", speaker=s), facts)
            for s in (None, "ann", "bob", "cy", "2")] == [0, 0, 1, 2, 2]


# ---------------------------------------------------------------- sound


@pytest.fixture(scope="module")
def spoken(piper, tmp_path_factory):
    """One batch (one launcher, models loaded once) with every variant the tests below measure."""
    text = "The quick brown fox jumps over the lazy dog, and then it rests in the shade."
    variants = {
        "plain": Voice(JOE, engine="piper"),
        "up3": Voice(JOE, engine="piper", semitones=3.0),
        "slow": Voice(JOE, engine="piper", rate=120),
        "quiet": Voice(JOE, engine="piper", volume=0.5),
        "copy": Voice("copy-joe", engine="piper"),
    }
    pairs = [(text, v) for v in variants.values()] + [(TEXTS[0], variants["plain"])]
    files = _speak(piper, pairs, tmp_path_factory.mktemp("spoken"))
    return dict(zip([*variants, "two sentences"], files))


def test_semitones_raise_pitch_and_keep_the_pace(spoken):
    plain, up = read_wav(spoken["plain"]), read_wav(spoken["up3"])
    assert up[1] == plain[1] == 44100                      # resampled in the worker
    shift = 12 * math.log2(median_pitch_hz(*up) / median_pitch_hz(*plain))
    assert 2.2 <= shift <= 3.8, shift
    assert abs(duration_s(spoken["up3"]) / duration_s(spoken["plain"]) - 1) < 0.1


def test_rate_and_volume(spoken):
    assert 1.25 < duration_s(spoken["slow"]) / duration_s(spoken["plain"]) < 1.6
    loud = np.abs(read_wav(spoken["plain"])[0]).max()
    quiet = np.abs(read_wav(spoken["quiet"])[0]).max()
    assert 0.45 < quiet / loud < 0.55


def test_the_same_model_under_another_name_gives_the_same_bytes(spoken):
    assert spoken["copy"].read_bytes() == spoken["plain"].read_bytes()


def test_a_pause_between_sentences(spoken):
    """Piper speaks sentence by sentence with no pause; the worker puts one between them."""
    samples, rate = read_wav(spoken["two sentences"])
    block = rate // 100
    quiet = np.abs(samples[: len(samples) // block * block].reshape(-1, block)).max(axis=1) < 300
    inner = quiet[20:-20]                       # not the silence at either end
    longest = max((len(run) for run in "".join("q" if q else "." for q in inner).split(".")), default=0)
    assert longest * 10 >= 250, longest


def test_same_bytes_in_any_order_with_any_worker_count(piper, tmp_path):
    """Order, workers and which models were loaded first do not change a byte."""
    pairs = [(TEXTS[0], Voice(JOE, engine="piper")), (TEXTS[1], Voice("copy-joe", engine="piper", semitones=2.0)),
             (TEXTS[2], Voice(JOE, engine="piper", rate=150))]
    first = _speak(piper, pairs, tmp_path / "a", workers=2)
    fresh = get_engine("piper", voice_dirs=piper.folders()[:1])
    reverse = [pairs[i] for i in (2, 1, 0)]
    second = _speak(fresh, reverse, tmp_path / "b", workers=1)
    assert [_sha(p) for p in first] == [_sha(p) for p in reversed(second)]


def test_a_crashed_worker_is_retried_with_the_same_result(piper, tmp_path, monkeypatch):
    reference = _speak(piper, [(TEXTS[2], Voice(JOE, engine="piper"))], tmp_path / "ref")[0]
    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "once")
    again = _speak(piper, [(TEXTS[2], Voice(JOE, engine="piper"))], tmp_path / "again")[0]
    assert again.read_bytes() == reference.read_bytes()


def test_a_kept_worker_speaks_a_sentence_again_with_the_same_bytes(piper, tmp_path):
    """One worker (kept between jobs) speaks a sentence, another, then the first again: the
    noise is drawn from the sentence's own input (the derived model), so it is not the
    generators' next draw."""
    joe = Voice(JOE, engine="piper")
    first, other, again = _speak(piper, [(SENTENCE, joe), (TEXTS[2], joe), (SENTENCE, joe)], tmp_path, workers=1)
    assert _sha(first) == _sha(again) != _sha(other)


def _prepared(folders, *voices):
    """A Piper engine whose launcher has loaded ``voices``' models and forked a prepared worker
    (as the resident process's spare launcher has), and the worker's pid once it is prepared."""
    engine = get_engine("piper", voice_dirs=folders)
    for voice in voices:
        engine._load(engine.model(voice), wait=True)
    launcher = engine._launcher()
    return engine, launcher.reply(launcher.send({"prefork": True}))["prepared"]


def test_a_lone_sentence_on_two_threads_gives_the_same_bytes(piper, tmp_path):
    """An edit's one sentence runs on the prepared worker's two-thread model: the same bytes as
    the same sentence spoken among others on one thread."""
    joe = Voice(JOE, engine="piper", semitones=2.0)
    among = _speak(piper, [(SENTENCE, joe), (TEXTS[2], joe)], tmp_path / "among")[0]
    engine, worker = _prepared(piper.folders()[:1], joe)
    assert len(os.listdir(f"/proc/{worker}/task")) >= 2           # its two-thread model's pool
    alone = _speak(engine, [(SENTENCE, joe)], tmp_path / "alone")[0]
    assert _sha(alone) == _sha(among)


def test_a_worker_forked_before_a_model_loaded_gets_no_job_for_it(piper, tmp_path):
    """The prepared worker knows joe only; a job for copy-joe, loaded after it was forked, goes
    to a new worker (else it fails twice: 'model not loaded')."""
    copy = Voice("copy-joe", engine="piper")
    engine, _ = _prepared(piper.folders()[:1], Voice(JOE, engine="piper"))
    spoken = _speak(engine, [(SENTENCE, copy)], tmp_path / "copy")[0]
    assert _sha(spoken) == _sha(_speak(piper, [(SENTENCE, copy), ("Yes.", copy)], tmp_path / "ref")[0])


def test_the_derived_model_draws_no_noise_itself_and_is_kept_sealed(voice_dir, tmp_path):
    """The model panelcast runs has no random node (its noise is an input), is kept in the
    cache folder with a content seal, and a damaged copy is made again: the same speech."""
    import onnx

    joe = Voice(JOE, engine="piper")
    first = _speak(get_engine("piper", tmp_path / "state", [str(voice_dir)]), [(SENTENCE, joe)], tmp_path / "a")[0]
    (derived,) = (tmp_path / "state" / "piper-models").glob("*.onnx")
    model = onnx.load(str(derived))
    assert not [n.op_type for n in model.graph.node if n.op_type.startswith("Random")]
    assert [i.name for i in model.graph.input if i.name.startswith("noise_")] == ["noise_0", "noise_1"]
    seal = derived.with_name(derived.name + ".sha256")
    assert seal.read_text() == _sha(derived)
    damaged = bytearray(derived.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    derived.write_bytes(bytes(damaged))
    again = _speak(get_engine("piper", tmp_path / "state", [str(voice_dir)]), [(SENTENCE, joe)], tmp_path / "b")[0]
    assert _sha(again) == _sha(first) and seal.read_text() == _sha(derived)


# ---------------------------------------------------------------- renders


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    if not SEED.exists():
        pytest.skip(f"seed transcript not found at {SEED}")
    return short_seed(SEED, tmp_path_factory.mktemp("short") / "short.txt")


@pytest.fixture(scope="module")
def seed_render(short, voice_dir, tmp_path_factory):
    """The short seed rendered with Piper voices (joe variants; one speaker on the copy)."""
    from pipeline.config import Config
    from pipeline.report import RecordingReporter

    base = tmp_path_factory.mktemp("piper-render")
    voices = dict.fromkeys(["Wu Yi"], "copy-joe")
    mp = pytest.MonkeyPatch()
    mp.setattr(render_module, "cast_voices", piper_cast_voices(
        engine_of=lambda name, v: Voice(**{**v.as_dict(), "voice": voices.get(name, v.voice)})))
    reporter = RecordingReporter()
    options = Options(output=base / "short.mp3", cache_root=str(base / "cache"), engine="piper",
                      config=Config(voice_dirs=(str(voice_dir),)))
    yield render(short, options, reporter), reporter, base
    mp.undo()


@pytest.fixture(scope="module")
def seed_audio(seed_render):
    return decode(seed_render[0].output)


def test_the_render_used_piper(seed_render):
    result, reporter, _ = seed_render
    assert result.synthesized == reporter.stages["synthesize"] > 10
    assert {s.unit.voice.engine for s in result.statuses if s.unit.voice} == {"piper"}


def test_a_piper_voice_speaks_one_sentence_per_unit(seed_render):
    """Piper speaks each sentence on its own: each is a unit (an edit redoes one), with the
    engine's sentence pause after it inside a paragraph (the outro's here)."""
    from pipeline.sentences import sentences

    units = [s.unit for s in seed_render[0].statuses if s.unit.voice]
    assert all(sentences(u.text) == [u.text] for u in units)
    paragraph = lambda u: u.ident.rsplit(":", 1)[0]  # noqa: E731
    inside = [u for u, after in zip(units, units[1:]) if paragraph(u) == paragraph(after)]
    assert inside
    assert all(u.pause_ms == get_engine("piper").sentence_pause_ms(u.voice) > 0 for u in inside)


def test_a_changed_model_file_rerenders_only_its_speaker(seed_render, short, voice_dir, tmp_path):
    """A new config for copy-joe (used by Wu Yi alone) redoes Wu Yi's units, nothing else; the
    same bytes under a new modification time redo nothing."""
    from pipeline.config import Config

    result, _, base = seed_render
    shutil.copytree(base / "cache", tmp_path / "cache")
    folder = tmp_path / "voices"
    shutil.copytree(voice_dir, folder, symlinks=True)
    mp = pytest.MonkeyPatch()
    voices = {"Wu Yi": "copy-joe"}
    mp.setattr(render_module, "cast_voices", piper_cast_voices(
        engine_of=lambda name, v: Voice(**{**v.as_dict(), "voice": voices.get(name, v.voice)})))
    try:
        options = Options(output=tmp_path / "short.mp3", cache_root=str(tmp_path / "cache"), engine="piper",
                          config=Config(voice_dirs=(str(folder),)))
        assert render(short, options).synthesized == 0
        (folder / "copy-joe.onnx").touch()
        assert render(short, options).synthesized == 0
        config = json.loads((folder / "copy-joe.onnx.json").read_text(encoding="utf-8"))
        config["inference"]["noise_scale"] = 0.5
        (folder / "copy-joe.onnx.json").write_text(json.dumps(config), encoding="utf-8")
        again = render(short, options)
    finally:
        mp.undo()
    redone = {s.unit.speaker for s in again.statuses if s.synthesize}
    assert redone == {"Wu Yi"}
    assert again.synthesized == sum(1 for s in result.statuses if s.unit.speaker == "Wu Yi")


def test_a_mixed_cast_renders_with_both_engines(short, tmp_path, monkeypatch):
    """The narrator and one speaker in eSpeak, the others in Piper: one launcher each."""
    from pipeline.plan import canonical_hash

    espeak = {"Ella Hu": Voice("en-us+f3")}
    monkeypatch.setattr(render_module, "cast_voices", piper_cast_voices(
        narrator=Voice("en-us+m3"), engine_of=lambda name, v: espeak.get(name, v)))
    result = render(short, Options(output=tmp_path / "mixed.mp3", cache_root=str(tmp_path / "cache")))
    engines = {s.unit.speaker: s.unit.voice.engine for s in result.statuses if s.unit.voice}
    assert engines["Narrator"] == engines["Ella Hu"] == "pyttsx3" and engines["Wu Yi"] == "piper"
    rates = {}
    from pipeline.cache import Cache

    cache = Cache(str(tmp_path / "cache"))
    for s in result.statuses:
        if s.unit.voice and s.unit.speaker in ("Narrator", "Wu Yi"):
            rates[s.unit.speaker] = read_wav(cache.wav_path(s.unit.synth_key))[1]
    assert rates["Narrator"] == 22050 and rates["Wu Yi"] == 44100       # eSpeak's rate, Piper's resampled
    assert len(decode(result.output)) > 44100 * 30
    assert canonical_hash(result.timeline.segments)  # timed throughout


def test_bad_piper_voice_on_the_command_line_is_one_line_exit_3(short, tmp_path, monkeypatch, capsys):
    from pipeline import cli

    monkeypatch.setattr(render_module, "cast_voices", piper_cast_voices(voice="nobody"))
    out = tmp_path / "never.mp3"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["render", str(short), "-o", str(out), "--engine", "piper", "-q",
                  "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 3
    assert len(err) == 1 and err[0].startswith("Error: ") and "unknown Piper voice 'nobody'" in err[0]
    assert not out.exists()


def test_engines_group_jobs_by_engine(tmp_path):
    engines = Engines("pyttsx3")
    jobs = [SynthJob("Hello there.", voice, str(tmp_path / f"{i}.wav"))
            for i, voice in enumerate([Voice("en-us"), Voice(JOE, engine="piper")])]
    done = []
    engines.synthesize(jobs, workers=2, on_done=lambda job: done.append(job.voice.engine))
    assert sorted(done) == ["piper", "pyttsx3"]
    assert {e.name for e in engines.used()} == {"pyttsx3", "piper"}
    assert engines.identity(jobs[0].voice)["engine"] == "pyttsx3"
    assert engines.identity(jobs[1].voice)["model"] == engines.get("piper").model(jobs[1].voice)["model_sha256"]


def test_piper_never_runs_in_the_calling_process(seed_render):
    """Piper's own eSpeak must never share a process with pyttsx3's (two eSpeaks crash), so the
    render's own process (and the resident process forked from it) never imports piper or
    onnxruntime: only the launcher, a fresh interpreter, does."""
    import sys

    assert seed_render[0].synthesized > 0
    assert "piper" not in sys.modules and "onnxruntime" not in sys.modules


def test_a_failing_synthesis_is_an_engine_error(piper, tmp_path):
    """joe's model under a three-speaker config loads, but has no speaker input: every worker
    fails, the job is tried twice, and the error names the text (exit 4 on the command line)."""
    from pipeline.errors import EngineError

    with pytest.raises(EngineError, match=r"failed twice on the text starting 'Yes.'") as err:
        _speak(piper, [(TEXTS[2], Voice("multi", engine="piper", speaker="bob"))], tmp_path)
    assert err.value.exit_code == 4
    assert launcher_leftovers(tmp_path) == []


def launcher_leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


def test_the_resident_process_hands_a_warm_launcher_to_each_render(piper, tmp_path, monkeypatch):
    """The resident render process keeps a Piper launcher (a process of its own, models loaded)
    for the next render: a render forked from it adopts that launcher instead of starting one,
    and the resident process starts another for the render after."""
    import os

    from pipeline.engines import piper_engine

    joe = piper.model(Voice(JOE, engine="piper"))
    monkeypatch.setattr(piper_engine, "_USED", {joe["path"]: piper._load_request(joe)})
    monkeypatch.setattr(piper_engine, "_SPARE", None)
    started = []
    real_init = launcher.Launcher.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self.pid)

    monkeypatch.setattr(launcher.Launcher, "__init__", spy)
    piper_engine.keep_warm()
    spare = started[-1]
    report = tmp_path / "report.json"
    pid = os.fork()
    if pid == 0:                                  # the render, forked from the resident process
        code = 1
        try:
            engine = get_engine("piper")
            with engine.warm():
                _speak(engine, [(TEXTS[2], Voice(JOE, engine="piper"))], tmp_path / "render")
            report.write_text(json.dumps({"launchers": started}))
            code = 0
        finally:
            os._exit(code)
    piper_engine.hand_off()
    assert len(started) == 2 and piper_engine._SPARE is not None     # the next render's, started now
    assert os.waitpid(pid, 0)[1] == 0
    assert json.loads(report.read_text())["launchers"] == [spare]    # the render started none of its own
    assert (tmp_path / "render" / "0.wav").stat().st_size > 10_000
    launcher._wait_gone([spare])                                       # it ended with the render
    assert not os.path.exists(f"/proc/{spare}") or open(f"/proc/{spare}/stat").read().split(")")[1].split()[0] == "Z"
    piper_engine._SPARE.kill()
