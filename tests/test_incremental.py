"""Re-rendering after an edit: only changed units are redone, and the bytes equal a cold render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import cold_bytes
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


def test_force_redoes_everything(transcript, tmp_path):
    out, cache = tmp_path / "ep.mp3", str(tmp_path / "cache")
    first = render(transcript, Options(output=out, cache_root=cache))
    good = out.read_bytes()
    reporter = RecordingReporter()
    render(transcript, Options(output=out, cache_root=cache, force=True), reporter)
    assert reporter.done["synthesize"] == len(first.statuses) == reporter.done["encode"]
    assert out.read_bytes() == good


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


