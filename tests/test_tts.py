"""The speech engine, tested with real eSpeak speech (no fakes)."""

from __future__ import annotations

import math
import os
import random
import threading
import time

import pytest

from pipeline import engines
from pipeline.engines import launcher
from pipeline.engines import pyttsx3_engine as tts
from pipeline.errors import CastError, ConfigError, EngineError, PanelcastError
from pipeline.model import SynthJob, Voice

from audio_utils import duration_s, median_pitch_hz, read_wav

PAIRS = [
    ("Welcome to the panel. Today we talk about large language models.", Voice("en-us+m3")),
    ("Thank you, Ella. RLHF and AGI are both on the agenda, about 10 to 20 percent.",
     Voice("en-gb-x-rp+m7", pitch=30, rate=160)),
    ("I would say one in ten experiments fails; that is fine.", Voice("en-us+f3", rate=180)),
    ("GPT2 was small by today's standards, wasn't it?", Voice("gmw/en-us-nyc+f5", pitch=80)),
    ("Two to three years from now, things will look different.",
     Voice("en-029+m2", pitch=80, rate=165, volume=0.8)),
]


@pytest.fixture(scope="module")
def engine():
    return engines.get_engine()


def _render(engine, pairs, folder, workers, order):
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [SynthJob(text, voice, str(folder / f"{i}.wav")) for i, (text, voice) in
            enumerate(pairs)]
    engine.synthesize([jobs[i] for i in order], workers=workers)
    return {i: (folder / f"{i}.wav").read_bytes() for i in order}


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


def _session_members(sid: int) -> list[int]:
    """Live (not zombie) processes in session ``sid``."""
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            members.append(int(name))
    return members


@pytest.fixture
def launchers(monkeypatch):
    """Process ids of the launcher processes started during the test (real ones, spied on)."""
    pids = []
    real_init = launcher.Launcher.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        pids.append(self._proc.pid)

    monkeypatch.setattr(launcher.Launcher, "__init__", spy)
    return pids


# ---------------------------------------------------------------- engine facts and voices


def test_get_engine_names():
    assert tuple(engines.ENGINES) == ("pyttsx3", "piper")
    with pytest.raises(ConfigError, match="unknown speech engine 'festival'"):
        engines.get_engine("festival")
    assert issubclass(ConfigError, PanelcastError)


def test_info_reports_versions(engine):
    info = engine.info()
    assert info["engine"] == "pyttsx3"
    assert info["engine_version"] == "2.99"
    assert info["espeak_version"].startswith("1.")
    assert os.path.basename(info["espeak_library"]).startswith("libespeak-ng.so")
    assert info["source"] in ("system", "espeakng-loader")
    if info["source"] == "espeakng-loader":
        assert os.path.isdir(info["espeak_data"])


def test_voices_and_variants(engine):
    voices = engine.voices()
    ids = [v["id"] for v in voices]
    assert ids == sorted(ids)
    en_us = next(v for v in voices if v["id"] == "gmw/en-us")
    assert "en-us" in en_us["languages"]
    assert en_us["name"]
    variants = engine.variants()
    assert {"m1", "m3", "m7", "f3", "f5", "klatt"} <= set(variants)


@pytest.mark.parametrize("spec", ["en-us", "en-us+f3", "gmw/en-us", "en-gb-x-rp+m7", "EN-US+m3",
                                  "en"])
def test_known_voices_pass(engine, spec):
    engine.check_voice(Voice(spec))


@pytest.mark.parametrize("spec, message", [
    ("xx-nope", "unknown voice 'xx-nope'"),
    ("en-us+zz9", "unknown voice variant 'zz9' in 'en-us+zz9'"),
    ("en-us+F3", "unknown voice variant 'F3'"),  # variant names are case-sensitive
    ("en-us+", "unknown voice variant ''"),
    ("", "voice must be a non-empty string"),
])
def test_unknown_voices_fail(engine, spec, message):
    with pytest.raises(CastError, match=message.replace("+", r"\+")):
        engine.check_voice(Voice(spec))


@pytest.mark.parametrize("kwargs, message", [
    ({"pitch": 101}, "pitch 101 is out of range 0-100"),
    ({"pitch": -1}, "pitch -1 is out of range"),
    ({"pitch": True}, "pitch must be a whole number"),
    ({"rate": 79}, "rate 79 is out of range 80-450"),
    ({"rate": 451}, "rate 451 is out of range"),
    ({"rate": 170.5}, "rate must be a whole number"),
    ({"volume": 1.5}, "volume 1.5 is out of range"),
    ({"volume": "loud"}, "volume must be a number"),
])
def test_voice_numbers_checked(engine, kwargs, message):
    with pytest.raises(CastError, match=message):
        engine.check_voice(Voice("en-us", **kwargs))


def test_synthesize_checks_voices_before_speaking(engine, tmp_path):
    jobs = [SynthJob("Hello.", Voice("en-us"), str(tmp_path / "a.wav")),
            SynthJob("Hello.", Voice("en-us+zz9"), str(tmp_path / "b.wav"))]
    with pytest.raises(CastError):
        engine.synthesize(jobs)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- synthesis


def test_output_is_16bit_mono_and_stdout_stays_clean(engine, tmp_path, capfd, launchers):
    out = tmp_path / "hello.wav"
    done = []
    engine.synthesize([SynthJob("Hello there, and welcome.", Voice("en-us+f3"), str(out))],
                      on_done=lambda job: done.append((job, threading.get_ident())))
    samples, rate = read_wav(out)
    assert rate == 22050
    assert 0.8 < len(samples) / rate < 4
    assert len(done) == 1 and done[0][1] == threading.get_ident()
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""  # no "Audio saved to ..."
    assert _leftovers(tmp_path) == []
    assert len(launchers) == 1 and _session_members(launchers[0]) == []  # nothing left running


def test_blank_text_gives_empty_wav(engine, tmp_path):
    out = tmp_path / "blank.wav"
    engine.synthesize([SynthJob("  \n ", Voice("en-us"), str(out))])
    assert duration_s(out) == 0


def test_same_bytes_whatever_the_order_and_workers(engine, tmp_path):
    """eSpeak keeps state between utterances; one fresh worker per job makes output stable."""
    n = len(PAIRS)
    started = time.monotonic()
    first = _render(engine, PAIRS, tmp_path / "a", workers=1, order=list(range(n)))
    backwards = _render(engine, PAIRS, tmp_path / "b", workers=2, order=list(reversed(range(n))))
    shuffled = list(range(n))
    random.Random(7).shuffle(shuffled)
    other_first = [("Something entirely different is said first, slowly.",
                    Voice("en-gb-scotland+m1", pitch=72, rate=90))] + PAIRS
    # eSpeak 1.52 seeds the noise of breathy variants (f3, f5) from the clock, in seconds
    time.sleep(max(0.0, 1.1 - (time.monotonic() - started)))
    third = _render(engine, other_first, tmp_path / "c", workers=3,
                    order=[0] + [i + 1 for i in shuffled])
    for i in range(n):
        assert first[i] == backwards[i] == third[i + 1], f"job {i} differs"
    assert len(set(first.values())) == n  # and they are really different jobs
    # the same job twice in one batch
    twice = [SynthJob(PAIRS[1][0], PAIRS[1][1], str(tmp_path / f"twice{k}.wav"))
             for k in range(2)]
    engine.synthesize(twice, workers=2)
    assert (tmp_path / "twice0.wav").read_bytes() == (tmp_path / "twice1.wav").read_bytes() \
        == first[1]


def test_long_text_is_chunked_and_does_not_crash(engine, tmp_path):
    """A single utterance of ~20 KB segfaults eSpeak; the engine speaks it in chunks."""
    sentence = ("The moderator asked whether reinforcement learning from human feedback, "
                "which many labs now use, really changes what a model knows; the panel "
                "disagreed, politely but firmly. ")
    text = (sentence * (20_000 // len(sentence) + 1))[:20_000]
    out = tmp_path / "long.wav"
    engine.synthesize([SynthJob(text, Voice("en-us", rate=300), str(out))])
    assert duration_s(out) > 60
    assert _leftovers(tmp_path) == []


def test_split_text_respects_limit_and_keeps_words():
    sentence = "One clause here, another clause there; and a final one. "
    text = sentence * 80 + "x" * 50 + " " + "y" * 2500
    chunks = launcher.split_text(text, limit=300)
    assert all(len(c.encode()) <= 300 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())
    assert chunks[0].endswith(".")  # cut at a sentence end when possible
    assert launcher.split_text("Short text.") == ["Short text."]
    assert launcher.split_text("   ") == []
    wide = "\u4f60\u597d\u3002" * 1000  # 3 bytes per character
    assert all(len(c.encode()) <= 2000 for c in launcher.split_text(wide))


def test_pitch_tells_voices_apart(engine, tmp_path):
    text = "The panel discussed how machine learning systems are trained and evaluated."
    low, high = tmp_path / "m3.wav", tmp_path / "f3.wav"
    engine.synthesize([SynthJob(text, Voice("en-us+m3", pitch=50), str(low)),
                       SynthJob(text, Voice("en-us+f3", pitch=50), str(high))])
    f_low = median_pitch_hz(*read_wav(low))
    f_high = median_pitch_hz(*read_wav(high))
    assert 70 < f_low < 160 and 150 < f_high < 300
    assert 12 * math.log2(f_high / f_low) > 2


# ---------------------------------------------------------------- failures


def test_crashing_worker_is_retried_then_reported(engine, tmp_path, monkeypatch):
    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "always")
    out = tmp_path / "crash.wav"
    with pytest.raises(EngineError, match="starting 'This worker will crash every.*SIGSEGV"):
        engine.synthesize([SynthJob("This worker will crash every time it tries.",
                                    Voice("en-us"), str(out))])
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_hung_worker_is_killed_retried_then_reported(engine, tmp_path, monkeypatch, launchers):
    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "hang")
    monkeypatch.setattr(tts, "_time_limit", lambda text: 0.3)
    with pytest.raises(EngineError, match="starting 'Stuck.': no answer after 0 s"):
        engine.synthesize([SynthJob("Stuck.", Voice("en-us"), str(tmp_path / "stuck.wav"))])
    assert _leftovers(tmp_path) == [] and not (tmp_path / "stuck.wav").exists()
    assert _session_members(launchers[0]) == []


def test_crash_on_first_try_is_retried(engine, tmp_path, monkeypatch):
    reference = tmp_path / "ref.wav"
    engine.synthesize([SynthJob("Retried once.", Voice("en-us"), str(reference))])
    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "once")
    out = tmp_path / "retried.wav"
    engine.synthesize([SynthJob("Retried once.", Voice("en-us"), str(out))])
    assert out.read_bytes() == reference.read_bytes()


def test_interrupt_kills_workers_and_leaves_no_temp_files(engine, tmp_path, launchers):
    jobs = [SynthJob(f"Sentence number {i} is being spoken right now, at some length.",
                     Voice("en-us"), str(tmp_path / f"{i}.wav")) for i in range(12)]

    def interrupt(job):
        assert _session_members(launchers[0])  # the launcher and workers are running
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.synthesize(jobs, workers=2, on_done=interrupt)
    assert _leftovers(tmp_path) == []
    assert len(list(tmp_path.glob("*.wav"))) <= 2
    assert len(launchers) == 1
    assert _session_members(launchers[0]) == []  # the launcher's session (it and workers) is gone


def test_a_warm_launcher_is_used_once_and_an_unused_one_is_stopped(tmp_path, monkeypatch):
    started = []
    real_init = launcher.Launcher.__init__

    def counting_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self._proc.pid)

    monkeypatch.setattr(launcher.Launcher, "__init__", counting_init)
    engine = engines.get_engine()
    engine.info()                                                  # the probe's own launcher
    started.clear()

    with engine.warm():
        assert len(started) == 1 and _session_members(started[0])  # started, not waited for
    assert _session_members(started[0]) == []                       # unused: gone on leaving

    started.clear()
    with engine.warm():
        out = _render(engine, PAIRS[:2], tmp_path / "warm", workers=2, order=[0, 1])
        _render(engine, PAIRS[2:3], tmp_path / "cold", workers=1, order=[0])
    assert len(started) == 2              # the warm one for the first batch, a new one after it
    assert all(_session_members(pid) == [] for pid in started)
    assert out[0] == _render(engines.get_engine(), PAIRS[:1], tmp_path / "again", workers=1, order=[0])[0]


def test_the_grown_audio_buffer_gives_the_drivers_own_bytes(engine, tmp_path, monkeypatch):
    """The worker's bytearray buffer, kept in memory instead of written to a WAV file and read
    back, is only faster: a long paragraph (many one-second buffers, two utterances) comes out
    byte for byte as with pyttsx3's own bytes buffer and file."""
    text = " ".join(f"Sentence {i} of a paragraph long enough to need many audio buffers." for i in range(40))
    assert len(launcher.split_text(text)) == 2
    fast, stock = tmp_path / "fast.wav", tmp_path / "stock.wav"
    engine.synthesize([SynthJob(text, Voice("en-us+f3"), str(fast))])
    monkeypatch.setenv(tts._STOCK_DRIVER_ENV, "1")
    engine.synthesize([SynthJob(text, Voice("en-us+f3"), str(stock))])
    assert duration_s(fast) > 20
    assert fast.read_bytes() == stock.read_bytes()
