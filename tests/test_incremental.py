"""Re-rendering after an edit: only changed units are redone, and the bytes equal a cold render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import cold_bytes
from pipeline.cache import Cache
from pipeline.config import Config, VoiceOverride
from pipeline.render import Options, render
from pipeline.report import RecordingReporter

EDIT_FROM = "Measure your own water."
EDIT_TO = "Measure your own water, and do it every single week."


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))


def test_one_paragraph_edit_redoes_one_unit_and_matches_cold(transcript, tmp_path):
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    first = render(transcript, Options(output=out, cache_root=cache))
    edit(transcript, EDIT_FROM, EDIT_TO)

    reporter = RecordingReporter()
    second = render(transcript, Options(output=out, cache_root=cache), reporter)
    assert reporter.done["synthesize"] == 1
    assert reporter.done["encode"] == 1
    changed = [s for s in second.statuses if s.reason != "cached"]
    assert [(s.unit.ident, s.reason) for s in changed] == [(changed[0].unit.ident, "text changed")]

    assert out.read_bytes() == cold_bytes(transcript, tmp_path, "cold.mp3")
    # later chapters moved by the longer paragraph; earlier ones did not
    shifted = [(a.start_ms, b.start_ms) for a, b in zip(first.timeline.chapters, second.timeline.chapters)]
    assert shifted[0] == (0, 0)
    assert shifted[-1][1] > shifted[-1][0]


def test_changing_one_voice_redoes_only_that_speaker(transcript, tmp_path):
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    render(transcript, Options(output=out, cache_root=cache))
    config = Config(cast=(("Tomasz Kreel", VoiceOverride(pitch=12)),))
    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=cache, config=config), reporter)
    redone = [s for s in result.statuses if s.synthesize]
    assert redone and {s.unit.speaker for s in redone} == {"Tomasz Kreel"}
    assert {s.reason for s in redone} == {"voice changed"}
    assert reporter.done["synthesize"] == len(redone)
    tomasz_units = [s for s in result.statuses if s.unit.speaker == "Tomasz Kreel"]
    assert len(redone) == len(tomasz_units)
    assert out.read_bytes() == cold_bytes(transcript, tmp_path, "cold.mp3", config=config)


def test_no_op_render_is_up_to_date(transcript, tmp_path):
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    render(transcript, Options(output=out, cache_root=cache))
    before = out.stat().st_mtime_ns
    result = render(transcript, Options(output=out, cache_root=cache))
    assert result.up_to_date and out.stat().st_mtime_ns == before
    out.write_bytes(out.read_bytes()[:-1000])  # a damaged output is rebuilt from the cache
    reporter = RecordingReporter()
    again = render(transcript, Options(output=out, cache_root=cache), reporter)
    assert not again.up_to_date and reporter.done["synthesize"] == 0 and reporter.done["encode"] == 0


def rendered(transcript: Path, tmp_path: Path) -> tuple[Path, Path, bytes, Cache, list[dict]]:
    """A first render: (output, cache folder, its bytes, the cache, the units it recorded)."""
    out, cache_dir = tmp_path / "ep.mp3", tmp_path / "cache"
    render(transcript, Options(output=out, cache_root=str(cache_dir)))
    cache = Cache(cache_dir)
    return out, cache_dir, out.read_bytes(), cache, cache.load_episode(out)["units"]


def test_corrupt_cache_entry_is_detected_and_redone(transcript, tmp_path):
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    victim = cache.mp3_path(units[3]["key"])
    victim.write_bytes(victim.read_bytes()[:500])          # truncated MP3 unit
    wav = cache.wav_path(units[5]["synth_key"])
    wav.write_bytes(wav.read_bytes()[:100])                 # truncated WAV
    (cache.mp3_path(units[5]["key"])).unlink()              # and its MP3 gone
    out.unlink()

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    reasons = {s.unit.ident: s.reason for s in result.statuses}
    assert reasons[units[3]["ident"]] == "cache entry corrupt"
    assert reasons[units[5]["ident"]] == "cache entry missing"
    assert reporter.done["encode"] == 2 and reporter.done["synthesize"] == 1
    assert out.read_bytes() == good


def test_a_cached_unit_damaged_in_place_is_found_by_its_hash_and_redone(transcript, tmp_path):
    """Same size, different bytes: the size check passes, the content hash (checked while the
    render works) does not, and the unit is encoded again before the join."""
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    victim = cache.mp3_path(units[4]["key"])
    data = bytearray(victim.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(64)   # zeroed in the middle, same length
    victim.write_bytes(bytes(data))
    out.unlink()

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    assert {s.unit.ident: s.reason for s in result.statuses if s.reason != "cached"} == {
        units[4]["ident"]: "cache entry corrupt"}
    assert reporter.done["encode"] == 1 and reporter.done["synthesize"] == 0   # its WAV was intact
    assert (result.synthesized, result.encoded) == (0, 1)
    assert out.read_bytes() == good


def test_force_redoes_everything(transcript, tmp_path):
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    first = render(transcript, Options(output=out, cache_root=cache))
    good = out.read_bytes()
    reporter = RecordingReporter()
    render(transcript, Options(output=out, cache_root=cache, force=True), reporter)
    assert reporter.done["synthesize"] == len(first.statuses) == reporter.done["encode"]
    assert out.read_bytes() == good


def _render_cmd(transcript: Path, out: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "render", str(transcript), "-o", str(out), "-q",
            "--cache-dir", str(cache), "-j", "2"]


def test_killed_renders_resume_to_the_same_bytes(transcript, tmp_path):
    """kill -9 at 20 random moments, then a clean finish: the same bytes as a fresh render, and
    no temp file left anywhere (next to the output or in the cache)."""
    import random

    reference = cold_bytes(transcript, tmp_path, "reference.mp3")
    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    moments = random.Random(20).sample(range(5, 160), 20)          # hundredths of a second
    for delay in (m / 100 for m in moments):
        proc = subprocess.Popen(_render_cmd(transcript, out, cache), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not out.exists() or out.read_bytes() == reference  # never a partial file
    done = subprocess.run(_render_cmd(transcript, out, cache), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == reference
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".ep.mp3")] == []
    assert [p.relative_to(cache) for p in cache.rglob(".*")] == []


def test_two_renders_at_once_both_finish(transcript, tmp_path):
    reference = cold_bytes(transcript, tmp_path, "reference.mp3")
    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    procs = [subprocess.Popen(_render_cmd(transcript, out, cache), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert out.read_bytes() == reference


def test_ctrl_c_exits_130_and_leaves_no_output(tmp_path):
    from conftest import SEED

    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    proc = subprocess.Popen(_render_cmd(SEED, out, cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted; no partial output was left behind"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ep.mp3")] == []


def test_watch_rerenders_on_save(transcript, tmp_path):
    out = tmp_path / "ep.mp3"
    cmd = [sys.executable, "-m", "pipeline.cli", "watch", str(transcript), "-o", str(out),
           "--cache-dir", str(tmp_path / "cache"), "--interval", "0.2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []

        def wait_for(word: str) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                lines.append(line)
                if word in line:
                    return
            raise AssertionError(f"no {word!r} in {lines}")

        wait_for("rendered (")
        wait_for("Watching")
        first = out.read_bytes()
        time.sleep(0.3)
        edit(transcript, EDIT_FROM, EDIT_TO)
        os.utime(transcript)  # a save moves the mtime
        wait_for("rendered (1 synthesized, 1 encoded)")
        assert out.read_bytes() != first
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_a_failed_render_leaves_nothing_next_to_the_output(transcript, tmp_path, monkeypatch):
    """The cover is drawn while units are made, but written (like the MP3 and sidecars) only
    once they all are."""
    from pipeline.engines import launcher
    from pipeline.errors import EngineError

    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "always")
    out = tmp_path / "out" / "ep.mp3"
    with pytest.raises(EngineError):
        render(transcript, Options(output=out, cache_root=str(tmp_path / "cache")))
    assert list(out.parent.iterdir()) == []


LONG_TURN = " ".join([   # sentences long enough to end pieces (sentences.MIN_CHARS, LONG_CHARS)
    "The first thing we learned was that the tide tables we relied on every single day had been printed "
    "decades ago, long before the new breakwater.",
    "Nobody had checked them against the gauges in all that time, because nobody in the harbour office "
    "thought a printed table could drift.",
    "When we finally did check, the high-water marks were off by more than a hand's width every spring, "
    "and by more than that in the autumn storms.",
    "That sounds small until you remember that the floor of the fish market sits barely a hand above the "
    "top of the harbour wall.",
    "So the second thing we learned was to stop trusting any number about the water that we had not "
    "measured ourselves, with our own instruments.",
    "We bought three gauges, one for each end of the quay and one for the mouth of the river, and we read "
    "them at the same hour every day.",
    "The readings go up on the harbour office window every Monday morning, in large print, next to the "
    "old tables they replaced.",
    "People stop and read them on their way to work, and some of them argue with the numbers, loudly, "
    "over their coffee at the kiosk.",
    "Arguing is fine; it means they are looking at the water again, and looking at the water is where "
    "every plan for this town has to start.",
])


def test_a_sentence_added_to_a_long_paragraph_redoes_only_the_pieces_around_it(tmp_path):
    """A paragraph is rendered as pieces of whole sentences: adding a sentence in its middle
    redoes at most two pieces, the others come from the cache, and the bytes equal a cold render."""
    transcript = tmp_path / "long.txt"
    transcript.write_text(f"Tide Notes\n\nAmara Osei:\nWhat did you learn?\n\nTomasz Kreel:\n{LONG_TURN}\n",
                          encoding="utf-8")
    os.utime(transcript, (1_700_000_000, 1_700_000_000))
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    first = render(transcript, Options(output=out, cache_root=cache))
    long_units = [s.unit for s in first.statuses if s.unit.speaker == "Tomasz Kreel"]
    assert len(long_units) >= 3                      # one paragraph, several units

    edit(transcript, "We bought three gauges,", "We asked the school to help. We bought three gauges,")
    reporter = RecordingReporter()
    second = render(transcript, Options(output=out, cache_root=cache), reporter)
    redone = [s for s in second.statuses if s.synthesize]
    assert 1 <= reporter.done["synthesize"] == len(redone) <= 2
    assert {s.unit.speaker for s in redone} == {"Tomasz Kreel"}
    kept = [s for s in second.statuses if s.unit.speaker == "Tomasz Kreel" and s.reason == "cached"]
    assert len(kept) >= len(long_units) - 2
    assert out.read_bytes() == cold_bytes(transcript, tmp_path, "cold.mp3")


def flip(path: Path, at: int | None = None) -> None:
    """One byte changed in place: the file keeps its size."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def test_every_damaged_cache_artifact_is_redone_and_the_episode_equals_a_clean_one(transcript, tmp_path):
    """Unit facts edited into other valid JSON, a flipped byte in a WAV whose MP3 unit is gone,
    a flipped byte in the cached cover: each is a miss, and the result is byte for byte a clean
    render's."""
    import json

    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    meta = cache.mp3_path(units[2]["key"]).with_suffix(".json")
    facts = json.loads(meta.read_text(encoding="utf-8"))
    facts["unit"]["frames"] -= 1                                   # still valid JSON, one frame off
    meta.write_text(json.dumps(facts), encoding="utf-8")
    flip(cache.wav_path(units[5]["synth_key"]), at=4000)             # a sample changed in the speech
    cache.mp3_path(units[5]["key"]).unlink()                         # so its unit must be made again
    cover = next((cache.dir / "covers").glob("*.jpg"))
    flip(cover)
    for p in [out, *out.parent.glob("ep.*")]:
        p.unlink(missing_ok=True)

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    reasons = {s.unit.ident: s.reason for s in result.statuses if s.reason != "cached"}
    assert reasons == {units[2]["ident"]: "cache entry corrupt", units[5]["ident"]: "cache entry missing"}
    assert reporter.done["synthesize"] == 1 and reporter.done["encode"] == 2
    assert out.read_bytes() == good
    assert out.with_suffix(".jpg").read_bytes() == cover.read_bytes() != b""


@pytest.mark.parametrize("damage", ["", "{}", '{"data": {"espeak_version": "9.9"}, "seal": "0"}'])
def test_damaged_engine_facts_are_asked_again(transcript, tmp_path, damage):
    """The speech engine's facts kept in the cache, emptied or edited: asked of eSpeak again, and
    the render equals a clean one."""
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    facts = list(cache.dir.glob("engine-pyttsx3-*.json"))
    assert len(facts) == 1
    facts[0].write_text(damage, encoding="utf-8")
    out.unlink()
    render(transcript, Options(output=out, cache_root=str(cache_dir), force=True))
    assert out.read_bytes() == good
