"""Shared fixtures: the seed transcript, real renders, and independent readers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline import tools
from pipeline.render import Options, render
from pipeline.report import RecordingReporter

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_113eec2d62c53610.txt"
SAMPLE = ROOT / "examples" / "sample.txt"

# Renders run in processes of their own, and none stays resident after the tests (the
# resident render process is tested in test_daemon.py, with an environment of its own).
os.environ["PANELCAST_DAEMON"] = "off"


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    """Decode an audio file to mono int16 samples with ffmpeg (an independent decoder run)."""
    raw = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2")


def speech_onset_ms(samples: np.ndarray, start_ms: int, rate: int = 44100, threshold: int = 328) -> float:
    """First sample louder than ``threshold`` at or after ``start_ms`` - 200 ms, in ms."""
    begin = max(0, int((start_ms - 200) * rate / 1000))
    loud = np.flatnonzero(np.abs(samples[begin:].astype(np.int32)) > threshold)
    return (begin + loud[0]) * 1000 / rate


@pytest.fixture(scope="session")
def seed_render(tmp_path_factory):
    """The seed rendered once, cold, with its own empty cache."""
    if not SEED.exists():
        pytest.skip(f"seed transcript not found at {SEED}")
    base = tmp_path_factory.mktemp("seed")
    reporter = RecordingReporter()
    result = render(SEED, Options(output=base / "seed.mp3", cache_root=str(base / "cache")), reporter)
    return result, reporter, base


@pytest.fixture(scope="session")
def seed_audio(seed_render):
    result, _, _ = seed_render
    return decode(result.output)


@pytest.fixture
def render_to(tmp_path):
    """render_to(transcript, name, **options) -> Result, with a per-test cache."""

    def go(transcript, name="out.mp3", reporter=None, cache=None, **kw):
        options = Options(output=tmp_path / name, cache_root=str(cache or tmp_path / "cache"), **kw)
        return render(transcript, options, reporter)

    return go


@pytest.fixture
def run(tmp_path, monkeypatch):
    """``run(*args)``: the panelcast command through click's CliRunner, with a cache of the test's own."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
